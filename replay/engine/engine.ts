import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import type {
  ExchangeRecordUnbookedData,
  InstrumentUpdatedData,
  OrderRefusedData,
  SymbolRejoinedData,
  SymbolSetAsideData,
} from '../../domain/backtest/events.js';
import { instrumentRecord } from '../../domain/backtest/instrument-record.js';
import { catalogue as fullCatalogue } from '../../domain/catalogue.js';
import type { EventCatalogue } from '../../domain/events/catalogue.js';
import { type AccountState, accountStreamId } from '../../domain/ledger/account.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import { type AccountEvent, isConditional } from '../../domain/ledger/events.js';
import { type Fixed, fixed, mul, toText } from '../../domain/ledger/fixed.js';
import { forcedCorrelationId, forcedOrderId, forcedSettleFill } from '../../domain/ledger/forced-fill.js';
import { type Instrument, maintenanceMargin, onFillGrid } from '../../domain/ledger/instrument.js';
import { instrumentChanges, instrumentListing } from '../../domain/ledger/instrument-changes.js';
import type { PlaceOrder } from '../../domain/ledger/order.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import {
  type ForcedCloseReason,
  reportsFunding,
  type VenueClearanceFee,
  type VenueFill,
  type VenueForcedFill,
  type VenueFunding,
  type VenueReport,
} from '../../domain/ledger/venue-port.js';
import type { BarSeries } from '../../domain/market/bars.js';
import { type FundingSeries, markKnownAt } from '../../domain/market/funding.js';
import { bucketStart, timeframeMs } from '../../domain/market/timeframe.js';
import { type AdaptiveInputs, adaptiveFactor, neutralInputs } from '../../domain/risk/adaptive.js';
import { type BackstopPlan, backstopMoves, backstopTrigger } from '../../domain/risk/backstop.js';
import type { BreakerMeasurements } from '../../domain/risk/breaker.js';
import { type BreakerLevel, stricterLevel } from '../../domain/risk/breaker-levels.js';
import { bestSince, type CarriedLadder, resumeStops } from '../../domain/risk/carried-ladder.js';
import { correlationMatrix } from '../../domain/risk/correlations.js';
import { positionSizedData, riskDecidedData, riskStreamId, stopsStreamId } from '../../domain/risk/events.js';
import { applyLimitChange, checkLimitChange } from '../../domain/risk/limit-changes.js';
import { longestOrderRateWindow, type RiskConfig } from '../../domain/risk/limits.js';
import { marginRatio } from '../../domain/risk/margin-ratio.js';
import { fromNumber, toNumber } from '../../domain/risk/num.js';
import { checkOrder } from '../../domain/risk/pre-trade.js';
import { sizePosition } from '../../domain/risk/sizing.js';
import { SlippageWindow, slippageBps } from '../../domain/risk/slippage.js';
import type { OrderIntent, RiskSnapshot } from '../../domain/risk/snapshot.js';
import {
  closeAll,
  isLive,
  onExitFilled,
  openStops,
  type StopBook,
  type StopEvent,
  type StopParams,
  type StopStep,
  stopLeg,
  onBar as stopsOnBar,
  onPrint as stopsOnPrint,
  triggerLeg,
  validateStopParams,
} from '../../domain/risk/stops.js';
import { EquitySlope, TradeRecord } from '../../domain/risk/track-record.js';
import type { Observation } from '../../domain/signals/events.js';
import {
  decimalText,
  impactFraction,
  stopFillBase,
  takeProfitFillBase,
  withImpact,
} from '../../domain/sim/bar-fills.js';
import { MutableBar } from '../../domain/strategy/mutable-bar.js';
import {
  type FeatureValue,
  LookAheadError,
  type OrderRequest,
  type ProtectionRequest,
  type SignalRecord,
  type StrategyContext,
  type StrategyHandlers,
} from '../../domain/strategy/sdk.js';
import { type BarOrder, BarVenue, reducesPosition, triggersAbove } from '../bar/bar-venue.js';
import { BreakerDesk } from './breaker-desk.js';
import {
  type Allocation,
  type BreakerStepDown,
  type CarryOver,
  defaultTickLatency,
  type EngineConfig,
  type LimitChangeInput,
  type MarketFeeds,
} from './config.js';
import { engineLogVersion } from './engine-version.js';
import { LedgerDesk } from './ledger-desk.js';
import { LiveDesk } from './live-desk.js';
import { RunLog } from './run-log.js';
import { SymbolState } from './symbol-state.js';
import { type OrderDesk, type ReportOutcome, TickDesk, type TickHooks, type TickOrder } from './tick-desk.js';

export interface RunSummary {
  readonly runId: string;
  readonly bars: number;
  readonly events: number;
  readonly finalEquity: number;
  readonly reason: 'end-of-data' | 'stopped' | 'failed';
  readonly error: string | null;
}

/** A strategy's malformed order is a bug in the strategy: the run stops with what was wrong. */
const checkOrderRequest = (req: OrderRequest): void => {
  if (req.side !== 'BUY' && req.side !== 'SELL')
    throw new RangeError(`order side must be BUY or SELL, got ${String(req.side)}`);
  const { type } = req;
  if (type !== 'MARKET' && type !== 'LIMIT' && type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET')
    throw new RangeError(
      `order type must be MARKET, LIMIT, STOP_MARKET or TAKE_PROFIT_MARKET, got ${String(type)}`,
    );
  if (!(req.quantity > 0) || !Number.isFinite(req.quantity))
    throw new RangeError(`order quantity ${req.quantity} must be > 0`);
  const positive = (x: number | undefined) => x !== undefined && Number.isFinite(x) && x > 0;
  if (type === 'LIMIT' && !positive(req.price))
    throw new RangeError(`a LIMIT order needs a price > 0, got ${req.price}`);
  if (type !== 'LIMIT' && req.price !== undefined)
    throw new RangeError(`${type} orders take no price (a stop's trigger is stopPrice)`);
  const conditional = isConditional(type);
  if (conditional && !positive(req.stopPrice))
    throw new RangeError(`a ${type} order needs a stopPrice > 0, got ${req.stopPrice}`);
  if (!conditional && req.stopPrice !== undefined) throw new RangeError(`${type} orders take no stopPrice`);
  const tif = req.timeInForce;
  if (tif !== undefined && tif !== 'GTC' && tif !== 'IOC' && tif !== 'FOK')
    throw new RangeError(`timeInForce must be GTC, IOC or FOK, got ${String(tif)}`);
  if (tif !== undefined && type !== 'LIMIT') throw new RangeError(`timeInForce applies to LIMIT orders only`);
  if (req.postOnly && (type !== 'LIMIT' || (tif ?? 'GTC') !== 'GTC'))
    throw new RangeError('postOnly needs a LIMIT order with GTC');
};

const cleanFeatures = (f: Readonly<Record<string, FeatureValue>>): Record<string, FeatureValue> => {
  const out: Record<string, FeatureValue> = {};
  for (const k of Object.keys(f)) {
    const v = f[k]!;
    out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  return out;
};

/** An order at the bar venue as the engine books it: its causation chain and what its fill sets off. */
interface BarBooking {
  readonly s: SymbolState;
  readonly side: 'BUY' | 'SELL';
  readonly reduceOnly: boolean;
  readonly correlationId: string;
  /** OrderRequested's id: what the venue's first word about the order answers. */
  readonly requestedId: string | null;
  /** The latest lifecycle event (acceptance, then the trigger): what a fill or an expiry answers. */
  ackId: string | null;
  readonly protection: ProtectionRequest | undefined;
}

/**
 * The one engine for backtest and paper. Time comes from the data: bars of every symbol are merged by
 * close time (ties by symbol name, so the order of the feeds does not matter), and `step()` replays
 * one bar: fills of orders sent at the previous close, funding settlements, stops and liquidation inside
 * the bar, then the strategy at the close. Backtest calls `step()` in a tight loop; paper calls the same
 * `step()` when a live-like clock reaches the next close (replay/engine/paper.ts). Every decision goes
 * to the in-memory log as an event; the ledger deciders keep the books exact.
 *
 * A strategy that asks for trades or books gets a TickDesk: the same merge then also steps through
 * every print, depth message and venue report (bars first on equal times), the strategy's onTrade/onBook
 * run at their time, and its orders go to a simulated tick venue through the Venue port
 * (domain/ledger/venue-port.ts); the reports are booked through the same ledger path as bar fills.
 *
 * Otherwise a strategy's orders go through the same port to the bar venue (replay/bar/bar-venue.ts),
 * which works them when a bar opens. It hands the bar's orders over one at a time, so each order's
 * reports are booked, and onFill has run, before the next order meets the bar: a reduce-only order
 * then fills only against what the fills before it left, as it did when the engine filled orders
 * itself, and the log is byte for byte what it was. The stop ladder's exits are not venue orders: they
 * are the risk engine's stops, priced from the (intra)bar path and booked as orders already triggered.
 * Fed ticks, the ladder is judged on every print instead and its exits are market orders at the tick
 * venue (see watchPrint).
 * Without a strategy that asks for ticks none of the tick code runs: one null check per step.
 *
 * A run on a real account (config.liveOrders) gets a LiveDesk instead (replay/engine/live-desk.ts): the same
 * report booking and print-judged stop ladder, with the exchange behind the Venue port and the venue's
 * marks as the prints.
 */
/** Listings a fill off its symbol's grid waits for before it is let through to the ledger (see relist). */
const MAX_LISTINGS_PER_FILL = 3;

/**
 * When a bar's triggered leg exits on bar fills: the bar does not say when inside it the level was
 * touched, so mid-bar; a time stop at the close that ends the bars it allows.
 */
const exitLegAt = (kind: 'stop' | 'take-profit' | 'time', openTime: number, tfMs: number): number =>
  kind === 'time' ? openTime + tfMs : openTime + Math.round(tfMs / 2);

export class Engine implements StrategyContext {
  readonly store: MemoryEventStore;
  private readonly log: RunLog;
  private readonly symbols: SymbolState[];
  private readonly bySymbol = new Map<string, SymbolState>();
  private readonly handlers: StrategyHandlers;
  private readonly bar = new MutableBar();
  /** Where orders fill against bars (unless the strategy is fed ticks): the Venue port's bar simulator. */
  private readonly barVenue: BarVenue;
  /** What the engine keeps of each order working at the bar venue, to book its reports. */
  private readonly barOrders = new Map<string, BarBooking>();
  private readonly accountStream: string;
  private readonly strategyStream: string;
  private readonly riskStream: string;
  private readonly actor: string;
  private readonly ledger: LedgerDesk;
  private readonly breakers: BreakerDesk;
  /**
   * Whether the breaker's level scales sizing: only while its rule refuses orders. With the rule
   * disabled (a what-if without it, `--disable-rule breaker`) or no risk checks at all, a sizing cut
   * by the breaker was followed by an order at the full size, and the log contradicted itself.
   */
  private readonly breakerSizes: boolean;
  private walletF = 0;
  private orderSeq = 0;
  /** One per decision (sized and risk-checked), refused or not; orders count separately. */
  private decisionSeq = 0;
  /** The portfolio's allocation in force (automation 7); null until one is applied: the run's own size. */
  private allocation: (Allocation & { readonly eventId: string }) | null = null;
  private allocationIdx = 0;
  private stepDownIdx = 0;
  private limitChangeIdx = 0;
  /** The risk check's limits: the configured ones, then each desk change the run took (applyRiskLimits). */
  private riskConfig: RiskConfig;
  private readonly limitChangesTaken = new Set<string>();
  private positionSeq = 0;
  private readonly recentOrderTimes: number[] = [];
  /**
   * How far back recentOrderTimes reaches: the longest order-rate window in force, so a desk that counts
   * orders per day is judged by the day (it was cut at an hour, which let a daily count start again), and
   * at least the window the earlier runs' orders it carries on with were counted by
   * (liveOrders.riskState.orderWindowMs): the desk's limits reach a live run only after it starts.
   */
  private orderTimesKeptMs: number;
  private readonly carriedOrderWindowMs: number;
  /** The times of the earlier runs' orders it counts on with (liveOrders.riskState.orderTimes), oldest first. */
  private carriedOrders: readonly number[] = [];
  private dayStart = 0;
  private dayStartEquity = 0;
  private peakEquity = 0;
  /**
   * The breaker's drawdown peak: the equity peak, but one a person's step-down resets, as it does the loss
   * streak, the error count and the slippage window. The approval acknowledged those losses; without the
   * reset a halted run, which trades nothing, could never measure its way below the halt again.
   */
  private breakerPeak = 0;
  private refusalsAcknowledged = 0;
  private ordersAcknowledged = 0;
  private nextMarkAt = 0;
  /**
   * The mark due at this time, written once every bar closing then has been replayed (step): marked
   * inside the first symbol's bar, it valued the others at their previous close.
   */
  private markDueAt: number | null = null;
  private lastMarkAt = Number.NaN;
  /** Events in the log when the last mark was made: a later event means the books may have moved. */
  private lastMarkCount = -1;
  private bars = 0;
  private started = false;
  private finished: RunSummary | null = null;
  private warming = false;
  private lossStreak = 0;
  /** The breaker's slippage over the last fills of market orders and stops (ticks and real accounts). */
  private readonly slippage = new SlippageWindow();
  private venueRefusals = 0;
  /** A real run whose runner lists the venue's instruments again on request (liveOrders.relisting). */
  private readonly relisting: boolean;
  /** Why the run wants the instruments listed again, null while it does not. */
  private listingPrompt: 'fill-off-grid' | 'order-refused' | null = null;
  /** The account whose positions the run has taken over (carryOver), null before or without. */
  private carriedFromAccount: string | null = null;
  /** Whether the run has stepped an item that is not a warm-up bar. */
  private pastWarmup = false;
  /** What an earlier run left to carry on (liveOrders.carry), until the warm-up is over; then null. */
  private carry: CarryOver | null;
  /** Symbols set aside (setAside): the run replays no more of their bars. */
  private readonly asideSymbols = new Set<string>();
  /** Orders refused by a listed rule since the last listing, by symbol: counted as venue errors by relist. */
  private readonly listingRefusals = new Map<string, number>();
  /** The fill at the desk's head that is off its symbol's grid, and how many listings it has waited for. */
  private heldFill: { readonly key: string; listings: number } | null = null;
  private readonly tradeNet = new Map<string, number>();
  /** The run's last round trips, net: the Kelly input of its sizing. */
  private readonly tradeRecord: TradeRecord;
  /** The slope of the run's last equity marks: the adaptive stops tighten while it falls. */
  private readonly equitySlope: EquitySlope;
  /** The exchange's closing fills the ledger could not book, with why: the account check settles them. */
  readonly forcedUnbooked: string[] = [];
  /** Funding the exchange charged that the ledger could not book, with why: the account check settles it. */
  readonly fundingUnbooked: string[] = [];
  /** Clearance fees the exchange took that the ledger could not book, with why. */
  readonly clearanceUnbooked: string[] = [];
  /**
   * Symbols whose entries sized below the venue's minimum (and so were not placed), once each, in words:
   * a run on too little capital (a canary on a share of it) trades none of them, which its log should say.
   */
  readonly tooSmall: string[] = [];
  private readonly tooSmallSaid = new Set<string>();
  /**
   * Backstops the exchange refused, in words: the position they were for is then protected by the
   * engine's stop alone, which needs this process running. A person should know (a limit of resting
   * conditional orders per symbol, a trigger the mark had passed).
   */
  readonly backstopsRefused: string[] = [];
  /**
   * By symbol, the exchange's last liquidation of this run's position as booked: its order (as the ledger
   * names it) and the notional it closed. Its clearance fee, reported after it, is charged against it.
   */
  private readonly liquidations = new Map<
    string,
    { orderId: string; venueOrderId: string; notional: Fixed }
  >();
  /**
   * A real account whose venue reports the funding the exchange charged: funding is booked from those
   * reports, as charged, and never computed here (the two would book the same funding time twice over).
   */
  private readonly fundingFromVenue: boolean;
  /** Null unless the strategy asks for trades or books (a TickDesk) or the run trades a real account (a LiveDesk). */
  private readonly desk: OrderDesk | null;
  /** On a real account: the plan of the backstops kept at the exchange (null: none). */
  private readonly backstop: BackstopPlan | null;
  private readonly tickHooks: TickHooks;
  /** Length of the strategy's bar (ms). */
  readonly tfMs: number;
  /** What a tick-fed strategy is handling, while it handles it: its decisions name it as their observation. */
  private tickKind: 'trade' | 'book' | 'fill' | null = null;
  private tickSymbol = '';
  private tickTime = 0;
  now = 0;

  constructor(
    readonly config: EngineConfig,
    feeds: MarketFeeds,
    catalogue: EventCatalogue = fullCatalogue(),
  ) {
    this.store = new MemoryEventStore({ catalogue, validate: false });
    this.tradeRecord = new TradeRecord(config.sizing.kellyWindow, config.sizing.kellyMinTrades);
    this.equitySlope = new EquitySlope(config.stops.adaptive.slopeMarks);
    this.log = new RunLog(this.store, config.runId, config.mode, {
      retain: config.retainEvents ?? true,
      ...(config.onEvent ? { observe: config.onEvent } : {}),
    });
    this.barVenue = new BarVenue({
      instrument: config.instrument,
      impact: (symbol) => config.impact.symbols?.[symbol] ?? config.impact.default,
      latencyMs: config.latencyMs,
      seed: config.seed,
    });
    const strategy = config.strategy;
    this.actor = `strategy:${strategy.id}@${strategy.version}`;
    this.accountStream = accountStreamId(config.venueRules.venue, config.accountId);
    // Run-scoped streams: many runs share one log without mixing their histories.
    this.strategyStream = `strategy-${config.runId}`;
    this.riskStream = riskStreamId(config.accountId);
    this.relisting = config.liveOrders?.relisting === true;
    this.carry = null;
    if (config.liveOrders?.carry !== undefined) this.carryOn(config.liveOrders.carry);
    this.ledger = new LedgerDesk(this.log, this.accountStream, {
      // A run that relists books by each symbol's listing of now; every other run by the config's, which
      // never changes (and costs no lookup on a backtest's hot path).
      // A symbol not the run's is the book's to refuse, as a rule (LedgerRuleError), not a crash.
      instrument: this.relisting
        ? (symbol) => this.bySymbol.get(symbol)?.instrument ?? config.instrument(symbol)
        : config.instrument,
      rules: config.venueRules,
    });
    const tfMs = timeframeMs(strategy.timeframe);
    this.tfMs = tfMs;
    const names = [...new Set(config.symbols)].sort();
    if (names.length === 0) throw new RangeError('a run needs at least one symbol');
    this.symbols = names.map((symbol, index) => {
      const series = feeds.bars.get(symbol);
      if (!series) throw new RangeError(`no ${strategy.timeframe} bars for ${symbol}`);
      if (series.timeframe !== strategy.timeframe) {
        throw new RangeError(
          `${symbol}: bars are ${series.timeframe} but ${strategy.id} trades ${strategy.timeframe}`,
        );
      }
      const s = new SymbolState(
        symbol,
        index,
        series,
        tfMs,
        config.instrument(symbol),
        config.from,
        config.to,
        config.leverage,
        feeds.funding?.get(symbol),
        feeds.mark?.get(symbol),
        feeds.intrabar?.get(symbol),
        config.warmupBars ?? 0,
      );
      this.bySymbol.set(symbol, s);
      return s;
    });
    this.handlers = strategy.create(config.params as never, { symbols: names, barMs: tfMs });
    this.breakers = new BreakerDesk(this.log, config.breaker, config.runId, config.accountId);
    this.riskConfig = config.risk.config;
    this.carriedOrderWindowMs = config.liveOrders?.riskState?.orderWindowMs ?? 0;
    this.orderTimesKeptMs = Math.max(longestOrderRateWindow(this.riskConfig), this.carriedOrderWindowMs);
    this.breakerSizes = config.risk.enabled && !config.risk.disabledRules.includes('breaker');
    this.bar.timeframe = strategy.timeframe;
    const asked = { trades: strategy.feeds?.trades === true, book: strategy.feeds?.book === true };
    // A strategy whose onTrade/onBook would never be called is refused by the desk when the data is
    // missing, rather than left to starve.
    if (config.liveOrders !== undefined && (asked.trades || asked.book))
      throw new RangeError(
        `${strategy.id} trades on trades and order books; a run on a live account is fed closed bars and marks`,
      );
    this.backstop = config.liveOrders?.backstop ?? null;
    this.fundingFromVenue = config.liveOrders !== undefined && reportsFunding(config.liveOrders.venue);
    this.desk = config.liveOrders
      ? new LiveDesk(this.symbols, config.liveOrders, (s) => this.ledger.position(s.symbol)?.qty ?? 0n)
      : asked.trades || asked.book
        ? new TickDesk(this.symbols, feeds.ticks, {
            strategyId: strategy.id,
            asked,
            deliver: {
              trades: asked.trades && this.handlers.onTrade !== undefined,
              book: asked.book && this.handlers.onBook !== undefined,
            },
            from: config.from,
            to: config.to,
            seed: config.seed,
            latency: config.tickLatency ?? defaultTickLatency,
          })
        : null;
    this.tickHooks = {
      at: (t) => {
        this.now = t;
      },
      report: (s, o, r) => this.venueReport(s, o, r),
      forced: (s, r) => this.forcedFill(s, r),
      funding: (s, r) => this.fundingCharged(s, r),
      clearanceFee: (s, r) => this.clearanceFee(s, r),
      print: (s, time, price) => this.watchPrint(s, time, price),
      trade: (s, v) => {
        this.tickKind = 'trade';
        this.tickSymbol = s.symbol;
        this.tickTime = v.time;
        try {
          this.handlers.onTrade!.call(this.handlers, v, this);
        } finally {
          this.tickKind = null;
        }
      },
      book: (s, v) => {
        this.tickKind = 'book';
        this.tickSymbol = s.symbol;
        this.tickTime = v.time;
        try {
          this.handlers.onBook!.call(this.handlers, v, this);
        } finally {
          this.tickKind = null;
        }
      },
    };
  }

  // --- StrategyContext --------------------------------------------------------------------------------

  position(symbol: string): number {
    return this.symbolOf(symbol).qty;
  }

  equity(): number {
    let e = this.walletF;
    for (const s of this.symbols) if (s.qty !== 0) e += s.unrealised(s.lastClose);
    return e;
  }

  close(symbol: string, barsAgo: number): number {
    if (barsAgo < 0) {
      throw new LookAheadError(
        `${this.config.strategy.id} asked ${symbol} for the close ${-barsAgo} bar(s) ahead of now`,
      );
    }
    const s = this.symbolOf(symbol);
    const k = s.last - Math.floor(barsAgo);
    return k >= 0 ? s.series.close[k]! : Number.NaN;
  }

  fundingRate(symbol: string): number {
    return this.symbolOf(symbol).fundingRate;
  }

  target(symbol: string, exposure: number, signal: SignalRecord, protection?: ProtectionRequest): void {
    const s = this.symbolOf(symbol);
    if (this.warming) {
      // Not traded, but remembered: what it would hold now decides whether a carried position is kept.
      s.warmTarget = exposure;
      s.warmProtection = protection;
      return;
    }
    if (!Number.isFinite(exposure))
      throw new RangeError(`target for ${symbol}: exposure ${exposure} is not finite`);
    if (protection !== undefined && this.desk !== null && this.config.stops.holding !== 'engine') {
      // Fed ticks (or marks, live), the engine watches every price and exits through the venue; stops held
      // at the venue would need the ladder's moves sent as order amendments, which these paths do not do.
      throw new RangeError(
        `${this.config.strategy.id}: with trade/book feeds or a live account the engine holds the stops (stops.holding 'engine'), not the venue`,
      );
    }
    this.decide(s, Math.max(-1, Math.min(1, exposure)), signal, protection);
  }

  private symbolOf(symbol: string): SymbolState {
    const s = this.bySymbol.get(symbol);
    if (!s)
      throw new RangeError(
        `${symbol} is not one of this run's symbols (${[...this.bySymbol.keys()].join(', ')})`,
      );
    return s;
  }

  // --- lifecycle --------------------------------------------------------------------------------------

  /** Opens the account and records the run's inputs. Called by the first step if not before. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const c = this.config;
    const first = Math.min(
      ...this.symbols.map((s) => s.series.openTime[s.liveFrom] ?? Number.POSITIVE_INFINITY),
    );
    const t0 = Number.isFinite(first) ? first : c.from;
    const runCorrelation = `run-${c.runId}`;
    this.log.emit(
      `run-${c.runId}`,
      'RunStarted',
      {
        runId: c.runId,
        mode: c.mode,
        strategyId: c.strategy.id,
        strategyVersion: c.strategy.version,
        params: c.params,
        paramsVersion: c.paramsVersion,
        symbols: this.symbols.map((s) => s.symbol),
        timeframe: c.strategy.timeframe,
        from: c.from,
        to: c.to,
        seed: c.seed,
        initialBalance: c.initialBalance,
        config: {
          ...(c.feedSource ? { feed: c.feedSource } : {}),
          // Binance's runs say nothing, as they did before other venues' rules existed: their logs stay the same.
          ...(c.venueRules.venue !== binanceUsdm.venue ? { venue: c.venueRules.venue } : {}),
          ...(c.recordInstruments
            ? {
                instruments: Object.fromEntries(
                  this.symbols.map((s) => [s.symbol, instrumentRecord(c.instrument(s.symbol))]),
                ),
              }
            : {}),
          feeTier: c.feeTier,
          // Only when set: the logs of runs at their tier's rates stay as they were.
          ...(c.feeRates ? { feeRates: { maker: c.feeRates.maker, taker: c.feeRates.taker } } : {}),
          leverage: c.leverage,
          impact: c.impact,
          latencyMs: c.latencyMs,
          risk: { enabled: c.risk.enabled, disabledRules: [...c.risk.disabledRules], config: c.risk.config },
          sizing: c.sizing,
          stops: c.stops,
          equityMarkMs: c.equityMarkMs,
          warmupBars: c.warmupBars ?? 0,
          // What an exact re-run needs besides the inputs: the engine that wrote the log (engine-version.ts).
          engineVersion: engineLogVersion,
          breaker: c.breaker,
          ...(this.desk?.kind === 'ticks'
            ? { tickFills: { latency: c.tickLatency ?? defaultTickLatency, impactLambda: 0 } }
            : {}),
          ...(c.liveOrders
            ? {
                orders: {
                  kind: 'live',
                  venue: c.liveOrders.venueName,
                  ...(c.liveOrders.backstop ? { backstop: { ...c.liveOrders.backstop } } : {}),
                },
              }
            : {}),
        },
      },
      t0,
      runCorrelation,
      null,
      'system:engine',
    );
    this.ledger.book(
      {
        kind: 'OpenAccount',
        accountId: c.accountId,
        venue: c.venueRules.venue,
        marginAsset: 'USDT',
        feeTier: c.feeTier,
        positionMode: 'one-way',
      },
      t0,
      runCorrelation,
      null,
    );
    this.ledger.book(
      { kind: 'DepositFunds', transferId: `deposit-${c.runId}`, amount: c.initialBalance },
      t0,
      runCorrelation,
      null,
    );
    for (const s of this.symbols) {
      const cap = s.instrument.brackets[0]?.initialLeverage ?? c.leverage;
      s.leverage = Math.min(c.leverage, cap);
      this.ledger.book(
        { kind: 'SetLeverage', symbol: s.symbol, leverage: s.leverage },
        t0,
        runCorrelation,
        null,
      );
      const rates = c.liveOrders?.feeRates?.get(s.symbol) ?? c.feeRates;
      if (rates !== undefined)
        this.ledger.book(
          { kind: 'SetFeeRates', symbol: s.symbol, makerRate: rates.maker, takerRate: rates.taker },
          t0,
          runCorrelation,
          null,
        );
    }
    this.walletF = toNumber(this.ledger.wallet());
    this.dayStart = Math.floor(t0 / 86_400_000) * 86_400_000;
    this.dayStartEquity = this.dayStartFrom(this.walletF);
    this.peakEquity = this.walletF;
    this.breakerPeak = this.breakerPeakFrom(this.walletF);
    this.lossStreak = c.liveOrders?.riskState?.lossStreak ?? 0;
    const carried = c.liveOrders?.breakers;
    if (carried !== undefined)
      this.breakers.carry(t0, carried, this.breakerMeasurements(this.walletF), runCorrelation);
    // Only what the window keeps: the oldest would be pushed out again at once.
    for (const n of c.liveOrders?.riskState?.nets.slice(-this.tradeRecord.window) ?? [])
      this.tradeRecord.push(n);
    // None from its future, which a clock set back would otherwise count. Which windows they fall in is
    // the order-rate rule's to judge, by the limits in force when it does.
    this.carriedOrders = (c.liveOrders?.riskState?.orderTimes ?? [])
      .filter((t) => t <= t0)
      .sort((a, b) => a - b);
    for (const t of this.carriedOrders) this.recentOrderTimes.push(t);
    this.nextMarkAt = Math.floor(t0 / c.equityMarkMs) * c.equityMarkMs + c.equityMarkMs;
  }

  /**
   * A live feed's new closed bars and funding records for one symbol, appended after what the run has
   * (replay/engine/live.ts calls it between steps). Bars must continue the symbol's series on its grid.
   */
  extend(symbol: string, bars: BarSeries, funding?: FundingSeries): void {
    if (this.desk?.kind === 'ticks')
      throw new RangeError(`${this.config.strategy.id} is fed ticks; bars cannot be appended`);
    this.checkAppended(symbol, bars);
    // A symbol set aside replays nothing more: bars it publishes again would come behind the others'.
    if (this.asideSymbols.has(symbol)) return;
    this.symbolOf(symbol).append(bars, funding);
  }

  private checkAppended(symbol: string, bars: BarSeries): void {
    if (bars.timeframe !== this.config.strategy.timeframe)
      throw new RangeError(
        `${symbol}: appended bars are ${bars.timeframe}, the run trades ${this.config.strategy.timeframe}`,
      );
  }

  /** The run's position in `symbol` as its ledger holds it, as signed decimal text (0 when flat). */
  private heldText(symbol: string): string {
    return toText(this.ledger.position(symbol)?.qty ?? 0n);
  }

  /** Whether `symbol` was set aside (setAside). */
  isAside(symbol: string): boolean {
    return this.asideSymbols.has(symbol);
  }

  /**
   * Stops waiting for `symbol`'s bars (a run on a live account only): its venue stopped publishing them
   * while the other symbols' went on, and a backtest's order would hold the whole run behind it. Recorded
   * (SymbolSetAside, in the run's stream); the runner no longer fetches, waits for or replays its bars, and
   * the bars it still holds but has not replayed are dropped (they would come behind the others' now). A
   * position in it stays under its stops on the venue's marks, and the exchange's closes of it are booked.
   * A run that reruns from its log never sets a symbol aside: paper runs keep a backtest's order.
   */
  setAside(symbol: string, waitedMs: number, why: string): void {
    if (this.desk?.kind !== 'live')
      throw new RangeError(`only a run on a live account sets a symbol aside (${symbol})`);
    const s = this.symbolOf(symbol);
    if (this.asideSymbols.has(symbol)) return;
    this.asideSymbols.add(symbol);
    const lastBarClose = s.i > 0 ? s.series.openTime[s.i - 1]! + s.tfMs : this.config.from;
    s.end = s.i;
    const at = Math.max(this.now, this.config.from);
    const data: SymbolSetAsideData = {
      venue: this.config.venueRules.venue,
      symbol,
      lastBarClose: Math.round(lastBarClose),
      waitedMs: Math.max(0, Math.round(waitedMs)),
      position: this.heldText(symbol),
      why,
    };
    this.log.emit(
      `run-${this.config.runId}`,
      'SymbolSetAside',
      data,
      at,
      `aside:${symbol}:${at}`,
      null,
      'system:engine',
    );
  }

  /**
   * Takes a symbol set aside back into the run: its venue publishes bars again (`bars`, fetched after the
   * last one the run holds). Bars that close at or before the run's time would replay behind the other
   * symbols' bars and are skipped, never shown to the strategy (a gap in its series, as a halt leaves);
   * so are bars it held but had not replayed when it was set aside. When a bar closes after the run's
   * time, the symbol rejoins from it (SymbolRejoined, in the run's stream) and its bars are fetched,
   * awaited and replayed as before. Returns the bars taken (0: it stays aside, nothing recorded).
   */
  rejoin(symbol: string, bars: BarSeries, funding?: FundingSeries): number {
    if (!this.asideSymbols.has(symbol)) throw new RangeError(`${symbol} was not set aside`);
    this.checkAppended(symbol, bars);
    const s = this.symbolOf(symbol);
    const at = Math.max(this.now, this.config.from);
    const open = bars.openTime;
    let first = 0;
    while (first < open.length && open[first]! + s.tfMs <= at) first++;
    if (first === open.length) return 0;
    const n = s.series.openTime.length;
    const skipped = first + (n - s.i);
    const keep = (c: Float64Array) => c.subarray(first);
    s.i = n;
    s.end = n;
    s.append(
      {
        symbol: bars.symbol,
        timeframe: bars.timeframe,
        openTime: keep(bars.openTime),
        open: keep(bars.open),
        high: keep(bars.high),
        low: keep(bars.low),
        close: keep(bars.close),
        volume: keep(bars.volume),
      },
      funding,
    );
    this.asideSymbols.delete(symbol);
    const data: SymbolRejoinedData = {
      venue: this.config.venueRules.venue,
      symbol,
      firstBarOpen: Math.round(open[first]!),
      runAt: Math.round(at),
      skippedBars: skipped,
      position: this.heldText(symbol),
    };
    this.log.emit(
      `run-${this.config.runId}`,
      'SymbolRejoined',
      data,
      at,
      `rejoin:${symbol}:${at}`,
      null,
      'system:engine',
    );
    return open.length - first;
  }

  /** The bars the run holds for `symbol` (replayed or not): the recorded series, or what a live feed gave. */
  barSeries(symbol: string): BarSeries {
    return this.symbolOf(symbol).series;
  }

  /** Times of the funding records the run holds for `symbol` (replayed or not), oldest first. */
  fundingTimes(symbol: string): Float64Array {
    return this.symbolOf(symbol).funding?.time ?? new Float64Array(0);
  }

  /** Close time of the last bar the run holds for `symbol` (replayed or not), −∞ when it has none. */
  lastBarClose(symbol: string): number {
    const s = this.symbolOf(symbol);
    const n = s.series.openTime.length;
    return n > 0 ? s.series.openTime[n - 1]! + s.tfMs : Number.NEGATIVE_INFINITY;
  }

  /** Time of the next bar close (or tick, for a tick-fed strategy), or +∞ when the data is exhausted. */
  nextTime(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const s of this.symbols) {
      const n = s.nextClose;
      if (n < t) t = n;
    }
    if (this.desk !== null) t = Math.min(t, this.desk.nextTime());
    return t;
  }

  /** Replays one bar (or one tick time of one symbol); false when there is none left. */
  step(): boolean {
    if (!this.started) this.start();
    this.applyRecorded();
    let s: SymbolState | null = null;
    let t = Number.POSITIVE_INFINITY;
    for (const x of this.symbols) {
      const n = x.nextClose;
      if (n < t) {
        t = n;
        s = x;
      }
    }
    // The warm-up is over at the first item that is not a warm-up bar: carry on what the last run left.
    if (!this.pastWarmup) {
      const next = Math.min(t, this.desk?.nextTime() ?? t);
      if (Number.isFinite(next) && (s === null || s.i >= s.liveFrom || next < t)) {
        this.pastWarmup = true;
        if (this.carry !== null) this.carryOver(next);
        this.noteRiskState(next);
      }
    }
    if (this.desk !== null && this.desk.nextTime() < t) {
      if (this.relisting && this.waitsForListing()) return false;
      this.desk.step(this.tickHooks);
      if (this.backstop !== null) this.keepBackstops(this.backstop);
      if (this.markDueAt !== null && this.nextTime() > this.markDueAt) this.markDue();
      return true;
    }
    if (s === null) return false;
    this.replayBar(s);
    if (this.backstop !== null) this.keepBackstops(this.backstop);
    if (this.markDueAt !== null && this.nextTime() > this.markDueAt) this.markDue();
    return true;
  }

  private markDue(): void {
    const at = this.markDueAt!;
    this.markDueAt = null;
    this.markEquity(at);
  }

  runToEnd(): RunSummary {
    try {
      while (this.step()) {}
      return this.finish('end-of-data', null);
    } catch (err) {
      this.finish('failed', err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  finish(reason: RunSummary['reason'], error: string | null): RunSummary {
    if (this.finished) return this.finished;
    if (!this.started) this.start();
    this.applyRecorded(true);
    if (this.markDueAt !== null) this.markDue();
    const at = Math.max(this.now, this.config.from);
    // A run ending on a mark boundary was marked by its last bar: a second, identical mark would add a
    // zero return to the curve and bias its Sharpe and Sortino.
    if (at !== this.lastMarkAt || this.log.count !== this.lastMarkCount) this.markEquity(at);
    const summary: RunSummary = {
      runId: this.config.runId,
      bars: this.bars,
      events: this.log.count + 1,
      finalEquity: this.equity(),
      reason,
      error,
    };
    this.log.emit(
      `run-${this.config.runId}`,
      'RunCompleted',
      { ...summary },
      at,
      `run-${this.config.runId}`,
      null,
      'system:engine',
    );
    this.finished = summary;
    return summary;
  }

  // --- one bar ----------------------------------------------------------------------------------------

  private replayBar(s: SymbolState): void {
    const i = s.i;
    const series = s.series;
    const openTime = series.openTime[i]!;
    const closeTime = openTime + s.tfMs;
    const open = series.open[i]!;
    const high = series.high[i]!;
    const low = series.low[i]!;
    const close = series.close[i]!;
    if (i < s.liveFrom) {
      this.warmUp(s, i, openTime, closeTime, high, low, close);
      return;
    }

    if (this.barVenue.openOrders(s.symbol).length > 0) this.meetBar(s, openTime, open, high, low);
    if (
      s.funding !== undefined &&
      s.fundingIndex < s.funding.time.length &&
      s.funding.time[s.fundingIndex]! <= closeTime
    ) {
      this.settleFunding(s, closeTime, open);
    }
    if (s.book !== null) this.checkStops(s, i, openTime, closeTime, open, high, low, close);
    // On a live account the exchange liquidates, not the engine: a simulated liquidation would book one
    // that did not happen (the breaker flattens long before the margin runs out).
    if (s.qty !== 0 && this.desk?.kind !== 'live')
      this.checkLiquidation(s, i, closeTime, s.qty > 0 ? low : high);

    s.atr.update(high, low, close);
    s.rvRank.push(s.rv.update(close));
    s.regime.update(high, low, close);
    s.pushReturn(close);
    s.lastClose = close;
    // The close is now the latest price: a print from before it no longer is.
    s.lastPrint = Number.NaN;
    s.last = i;
    s.i = i + 1;
    this.bars++;
    this.now = closeTime;
    if (closeTime >= this.nextMarkAt && this.markDueAt === null) this.markDueAt = closeTime;

    const h = this.handlers.onBar;
    if (h !== undefined) {
      const b = this.bar;
      b.symbol = s.symbol;
      b.openTime = openTime;
      b.closeTime = closeTime;
      b.open = open;
      b.high = high;
      b.low = low;
      b.close = close;
      b.volume = series.volume[i]!;
      h.call(this.handlers, b, this);
    }
  }

  private warmUp(
    s: SymbolState,
    i: number,
    openTime: number,
    closeTime: number,
    high: number,
    low: number,
    close: number,
  ): void {
    const f = s.funding;
    if (f !== undefined) {
      while (s.fundingIndex < f.time.length && f.time[s.fundingIndex]! <= closeTime)
        s.fundingRate = f.rate[s.fundingIndex++]!;
    }
    s.atr.update(high, low, close);
    s.rvRank.push(s.rv.update(close));
    s.regime.update(high, low, close);
    s.pushReturn(close);
    s.lastClose = close;
    // The close is now the latest price: a print from before it no longer is.
    s.lastPrint = Number.NaN;
    s.last = i;
    s.i = i + 1;
    const h = this.handlers.onBar;
    if (h === undefined) return;
    const b = this.bar;
    b.symbol = s.symbol;
    b.openTime = openTime;
    b.closeTime = closeTime;
    b.open = s.series.open[i]!;
    b.high = high;
    b.low = low;
    b.close = close;
    b.volume = s.series.volume[i]!;
    this.now = closeTime;
    this.warming = true;
    try {
      h.call(this.handlers, b, this);
    } finally {
      this.warming = false;
    }
  }

  private observation(s: SymbolState, barIndex: number) {
    return {
      symbol: s.symbol,
      timeframe: this.config.strategy.timeframe,
      openTime: s.series.openTime[barIndex]!,
    };
  }

  private correlationOf(s: SymbolState, barIndex: number): string {
    return `obs:${s.symbol}:${this.config.strategy.timeframe}:${s.series.openTime[barIndex]!}`;
  }

  // --- decisions --------------------------------------------------------------------------------------

  /**
   * Every decision starts with what the strategy saw: the signal, correlated to the bar just closed, or
   * to the print, book update or fill a tick-fed strategy is handling.
   */
  private emitSignal(s: SymbolState, signal: SignalRecord) {
    const c = this.config;
    let correlationId: string;
    let observation: Observation;
    if (this.tickKind === null) {
      const barIndex = s.last;
      if (barIndex < 0)
        throw new LookAheadError(`${c.strategy.id} traded ${s.symbol} before its first bar closed`);
      correlationId = this.correlationOf(s, barIndex);
      observation = this.observation(s, barIndex);
    } else {
      const time = this.tickTime;
      correlationId = `obs:${this.tickSymbol}:${this.tickKind}:${time}`;
      observation = {
        symbol: this.tickSymbol,
        timeframe: c.strategy.timeframe,
        openTime: bucketStart(time, this.tfMs),
        tick: { kind: this.tickKind, time },
      };
    }
    const signalId = this.log.emit(
      this.strategyStream,
      'SignalEmitted',
      {
        strategyId: c.strategy.id,
        strategyVersion: c.strategy.version,
        paramsVersion: c.paramsVersion,
        observation,
        side: signal.side,
        strength: Math.max(-1, Math.min(1, Number.isFinite(signal.strength) ? signal.strength : 0)),
        features: cleanFeatures(signal.features),
      },
      this.now,
      correlationId,
      null,
      this.actor,
    );
    return { signalId, correlationId, observation };
  }

  order(req: OrderRequest, signal: SignalRecord): string | null {
    const s = this.symbolOf(req.symbol);
    checkOrderRequest(req);
    if (this.warming) return null;
    const c = this.config;
    const at = this.now;
    const { signalId, correlationId, observation } = this.emitSignal(s, signal);
    const inst = s.instrument;
    const limit = req.type === 'LIMIT';
    const conditional = isConditional(req.type);
    // Stop and take-profit orders execute as market orders: Binance sizes them by the market lot filter.
    const quantity = fromNumber(
      req.quantity,
      !limit && inst.marketStepSize > 0n ? inst.marketStepSize : inst.stepSize,
      'floor',
    );
    if (quantity <= 0n) return null;
    // A limit price rounds to the passive side, never more aggressive than asked.
    const price = limit ? fromNumber(req.price!, inst.tickSize, req.side === 'BUY' ? 'floor' : 'ceil') : null;
    // A trigger rounds away from the market: it fires no earlier than asked.
    const stopPrice = conditional
      ? fromNumber(req.stopPrice!, inst.tickSize, triggersAbove(req.type, req.side) ? 'ceil' : 'floor')
      : null;
    const reduceOnly = req.reduceOnly ?? false;
    const postOnly = req.postOnly ?? false;
    const intent: OrderIntent = {
      accountId: c.accountId,
      strategyId: c.strategy.id,
      symbol: s.symbol,
      side: req.side,
      type: req.type,
      quantity,
      // A conditional order is valued where it is meant to execute: at its trigger.
      price: price ?? stopPrice,
      reduceOnly,
    };
    let approved = quantity;
    let causation = signalId;
    if (c.risk.enabled) {
      const snap = this.riskSnapshot(at, s.symbol);
      const decision = checkOrder(intent, snap, this.riskConfig, { disabledRules: c.risk.disabledRules });
      this.decisionSeq++;
      causation = this.log.emit(
        this.riskStream,
        'RiskDecided',
        riskDecidedData(`risk-${c.runId}-${this.decisionSeq}`, intent, snap, decision, observation),
        at,
        correlationId,
        signalId,
        'system:risk',
      );
      if (decision.outcome === 'reject' || decision.approvedQuantity <= 0n) return null;
      approved = decision.approvedQuantity;
    }
    const orderId = this.nextOrderId();
    const timeInForce = req.timeInForce ?? 'GTC';
    const requested = this.requestOrder(
      s,
      orderId,
      {
        side: req.side,
        type: req.type,
        quantity: toText(approved),
        ...(price === null ? {} : { price: toText(price), timeInForce }),
        ...(stopPrice === null ? {} : { stopPrice: toText(stopPrice) }),
        ...(postOnly ? { postOnly } : {}),
        reduceOnly,
        gridPolicy: 'round',
      },
      at,
      correlationId,
      causation,
    );
    if (requested === undefined) {
      this.venueRefusals++;
      return null;
    }
    if (this.desk !== null) {
      this.submitTick(s, orderId, req.side, price, reduceOnly, at, correlationId, requested ?? causation);
      return orderId;
    }
    this.submitBar(s, orderId, at, correlationId, requested ?? causation, undefined);
    return orderId;
  }

  cancel(orderId: string): boolean {
    if (this.barVenue.has(orderId)) {
      // A bar venue cancels at once; the report is booked before this returns.
      this.barVenue.cancel(orderId, this.now, `cancelled by ${this.config.strategy.id}`);
      this.drainBar();
      return true;
    }
    // A tick venue cancels after its latency and the order may fill first: the CancelOrder event waits
    // for the venue's word.
    return this.desk?.cancel(orderId, this.now, `cancelled by ${this.config.strategy.id}`) ?? false;
  }

  private decide(
    s: SymbolState,
    exposure: number,
    signal: SignalRecord,
    protection: ProtectionRequest | undefined,
  ): void {
    const c = this.config;
    const at = this.now;
    // Fed ticks, a target is sized at the book's mid (fresher than the last close, and there before the
    // first bar closes); on a live account, at the venue's latest mark. With no price at all yet there is
    // nothing to size it against: it does nothing.
    const mid = this.desk === null ? Number.NaN : this.desk.midPrice(s);
    const price = Number.isFinite(mid) ? mid : s.lastClose;
    if (!Number.isFinite(price)) return;
    const { signalId, correlationId, observation } = this.emitSignal(s, signal);

    const priceFixed = fromNumber(price, s.instrument.tickSize, 'half-even');
    const atr = s.atr.value;
    const conditions = this.adaptiveInputs(s);
    // Risk per trade is what a stop-out would lose. The ladder places its initial stop at the ATR
    // multiple scaled by the adaptive factor (openStops); a strategy's own stop price exits it too, so
    // the nearer of the two is the one that bounds the loss.
    const ladder = Number.isFinite(atr)
      ? (protection?.stopAtrMultiple ?? c.stops.initialAtr) *
        adaptiveFactor(c.stops.adaptive, conditions, exposure > 0 ? 'long' : exposure < 0 ? 'short' : null)
          .factor *
        atr
      : Number.POSITIVE_INFINITY;
    // A strategy's stop not known yet (NaN before its own ATR warms up) bounds nothing.
    const stopPrice = protection?.stopPrice ?? Number.NaN;
    const own = Number.isFinite(stopPrice) ? Math.abs(price - stopPrice) : Number.POSITIVE_INFINITY;
    const nearer = Math.min(ladder, own);
    const stopDistance = Number.isFinite(nearer) ? nearer : null;
    // The portfolio's share of the capital: a run allotted half its configured weight sizes on half its equity.
    const equity = this.equity() * (this.allocation?.multiplier ?? 1);
    const sizingInput = {
      instrument: s.instrument,
      orderType: 'MARKET' as const,
      equity,
      price: priceFixed,
      realisedVol: s.rv.value,
      volPercentile: conditions.volPercentile,
      regime: conditions.regime,
      stopDistance,
      kelly: this.tradeRecord.kelly(),
      breakerLevel: this.breakerSizes ? this.breakerLevel : ('normal' as const),
    };
    const sizing = sizePosition(c.sizing, sizingInput);
    // Sized to something and still below the minimum (not sized to nothing by a halt or a missing input).
    if (sizing.belowMinimum && sizing.notional > 0 && exposure !== 0)
      this.sayTooSmall(s, sizing.notional, equity);
    const side = exposure > 0 ? 'long' : exposure < 0 ? 'short' : s.qty < 0 ? 'short' : 'long';
    const sizedId = this.log.emit(
      this.riskStream,
      'PositionSized',
      positionSizedData(
        {
          sizingId: `size-${c.runId}-${++this.decisionSeq}`,
          accountId: c.accountId,
          strategyId: c.strategy.id,
          side,
          observation,
          ...(this.allocation ? { allocation: this.allocation.multiplier } : {}),
        },
        c.sizing,
        sizingInput,
        sizing,
      ),
      at,
      correlationId,
      signalId,
      'system:risk',
    );

    // A halted breaker sizes new entries to zero; the order still goes to the risk check at its
    // unrestricted size so the log records the refusal and which rule made it.
    const halted = sizing.quantity === 0n && sizingInput.breakerLevel !== 'normal';
    const unrestricted = halted ? sizePosition(c.sizing, { ...sizingInput, breakerLevel: 'normal' }) : sizing;
    const targetQty = exposure * toNumber(unrestricted.quantity);
    const pending =
      this.desk === null ? this.barPendingQty(s) : this.barPendingQty(s) + this.desk.pendingQty(s);
    const delta = targetQty - (s.qty + pending);
    const step = s.instrument.marketStepSize > 0n ? s.instrument.marketStepSize : s.instrument.stepSize;
    const quantity = fromNumber(Math.abs(delta), step, 'floor');
    if (quantity <= 0n) return;
    const orderSide = delta > 0 ? 'BUY' : 'SELL';
    const reduceOnly =
      targetQty === 0 || (Math.sign(targetQty) === Math.sign(s.qty) && Math.abs(targetQty) < Math.abs(s.qty));
    const intent: OrderIntent = {
      accountId: c.accountId,
      strategyId: c.strategy.id,
      symbol: s.symbol,
      side: orderSide,
      type: 'MARKET',
      quantity,
      price: null,
      reduceOnly: reduceOnly && Math.abs(delta) <= Math.abs(s.qty) + 1e-12,
    };
    let approved = quantity;
    let causation = sizedId;
    if (c.risk.enabled) {
      const snap = this.riskSnapshot(at, s.symbol);
      const decision = checkOrder(intent, snap, this.riskConfig, { disabledRules: c.risk.disabledRules });
      causation = this.log.emit(
        this.riskStream,
        'RiskDecided',
        riskDecidedData(`risk-${c.runId}-${this.decisionSeq}`, intent, snap, decision, observation),
        at,
        correlationId,
        sizedId,
        'system:risk',
      );
      if (decision.outcome === 'reject') return;
      approved = decision.approvedQuantity;
      if (approved <= 0n) return;
    }
    this.placeMarket(s, orderSide, approved, intent.reduceOnly, at, correlationId, causation, protection);
  }

  private sayTooSmall(s: SymbolState, notional: number, equity: number): void {
    if (this.tooSmallSaid.has(s.symbol)) return;
    this.tooSmallSaid.add(s.symbol);
    const i = s.instrument;
    this.tooSmall.push(
      `${s.symbol}: an entry sized at ${notional.toFixed(2)} ${i.marginAsset} is below the venue's minimum (${toText(i.minNotional)} ${i.marginAsset} notional, ${toText(i.minQty)} ${i.baseAsset}), so it is not placed; the run sizes on ${equity.toFixed(2)} ${i.marginAsset} of equity`,
    );
  }

  /**
   * The portfolio manager's allocation (automation 7), applied now, between steps: from the next decision
   * on the run sizes at `multiplier` × its equity. Benched, it flattens at once and opens nothing (its
   * risk check sees the breaker at halt) until an allocation reinstates it. The AllocationApplied event
   * records where in the log this happened, so a restart or a re-run applies it at the same place.
   */
  allocate(a: Allocation): string {
    if (!this.started) this.start();
    if (this.finished) throw new RangeError(`run ${this.config.runId} has finished; it takes no allocation`);
    if (!(a.multiplier >= 0) || !Number.isFinite(a.multiplier))
      throw new RangeError(`allocation multiplier must be a finite number ≥ 0, got ${a.multiplier}`);
    const c = this.config;
    const at = Math.max(this.now, c.from);
    const correlationId = `allocation:${a.roundId}`;
    const eventId = this.log.emit(
      `run-${c.runId}`,
      'AllocationApplied',
      {
        runId: c.runId,
        roundId: a.roundId,
        strategyId: c.strategy.id,
        weight: a.weight,
        multiplier: a.multiplier,
        benched: a.benched,
        benchedUntil: a.benchedUntil,
        reason: a.reason,
        seq: this.log.count,
      },
      at,
      correlationId,
      null,
      'system:portfolio',
    );
    const was = this.allocation?.benched ?? false;
    this.allocation = { ...a, eventId };
    if (a.benched && !was) this.flattenAll(at, correlationId, eventId, 'benched by the portfolio');
    return eventId;
  }

  /** The allocation in force, null when none was ever applied. */
  get allocationNow(): Allocation | null {
    return this.allocation;
  }

  /**
   * The allocations, breaker step-downs and limit changes recorded before the next step, in the order they
   * were taken: each one applied moves the count the next is due at.
   */
  private applyRecorded(ending = false): void {
    while (
      this.applyRecordedAllocations(ending) ||
      this.applyRecordedStepDowns(ending) ||
      this.applyRecordedLimitChanges(ending)
    ) {}
  }

  /** Recorded allocations due before the next step (or at the end): by event count, or by time for a what-if. */
  private applyRecordedAllocations(ending = false): boolean {
    const recorded = this.config.allocations;
    if (!recorded) return false;
    let applied = false;
    const byTime = this.config.allocationsBy === 'time';
    const next = byTime && !ending ? this.nextTime() : Number.POSITIVE_INFINITY;
    while (this.allocationIdx < recorded.length) {
      const a = recorded[this.allocationIdx]!;
      // By count, and not before the time it was taken: a step may write no event (a bar whose equity
      // mark waits for the other symbols' bars), so the count alone cannot tell the boundaries on either
      // side of such a step apart, and the allocation would be applied a bar early.
      if (byTime ? !(a.at < next) : a.seq > this.log.count || a.at > Math.max(this.now, this.config.from))
        break;
      this.allocationIdx++;
      this.allocate(a);
      applied = true;
    }
    return applied;
  }

  private riskSnapshot(at: number, symbol: string): RiskSnapshot {
    const marks: Record<string, Fixed> = {};
    const atr: Record<string, number> = {};
    const leverage: Record<string, number> = {};
    const instruments: Record<string, (typeof this.symbols)[number]['instrument']> = {};
    const returns: Record<string, number[]> = {};
    const positions = [];
    const openOrders = [];
    for (const s of this.symbols) {
      instruments[s.symbol] = s.instrument;
      leverage[s.symbol] = s.leverage;
      if (Number.isFinite(s.lastClose))
        marks[s.symbol] = fromNumber(s.lastClose, s.instrument.tickSize, 'half-even');
      if (Number.isFinite(s.atr.value)) atr[s.symbol] = s.atr.value;
      // The cluster rule compares the order's symbol with what is held: only those returns are needed.
      if (s.symbol === symbol || s.qty !== 0) returns[s.symbol] = s.recentReturns();
      const p = this.ledger.position(s.symbol);
      if (p && p.qty !== 0n)
        positions.push({ symbol: s.symbol, strategyId: this.config.strategy.id, qty: p.qty, cost: p.cost });
      for (const o of this.barVenue.openOrders(s.symbol)) {
        openOrders.push({
          symbol: s.symbol,
          strategyId: this.config.strategy.id,
          side: o.side,
          qty: o.quantity,
          price: null,
          reduceOnly: o.reduceOnly,
        });
      }
      if (this.desk !== null) {
        for (const o of this.desk.openOrders(s)) {
          // A backstop resting at the exchange only ever closes what is held: it is no exposure.
          if (o.guard && !o.triggered) continue;
          openOrders.push({
            symbol: s.symbol,
            strategyId: this.config.strategy.id,
            side: o.side,
            qty: o.quantity - o.filled,
            price: o.price,
            reduceOnly: o.reduceOnly,
          });
        }
      }
    }
    const wallet = this.ledger.wallet();
    const equity = fromNumber(this.equity(), 0n, 'half-even');
    if (at - this.dayStart >= 86_400_000) {
      this.dayStart = Math.floor(at / 86_400_000) * 86_400_000;
      this.dayStartEquity = this.equity();
    }
    while (this.recentOrderTimes.length > 0 && at - this.recentOrderTimes[0]! > this.orderTimesKeptMs)
      this.recentOrderTimes.shift();
    return {
      at,
      accountId: this.config.accountId,
      marginType: 'cross',
      walletBalance: wallet,
      equity,
      dayStartEquity: fromNumber(this.dayStartEquity, 0n, 'half-even'),
      instruments,
      marks,
      atr,
      leverage,
      positions,
      openOrders,
      recentOrderTimes: [...this.recentOrderTimes],
      correlations: correlationMatrix(returns, 60),
      // A benched strategy opens nothing: the breaker rule refuses its entries, as at a halt.
      breakerLevel: this.allocation?.benched ? stricterLevel(this.breakerLevel, 'halt') : this.breakerLevel,
    };
  }

  // --- orders and fills -------------------------------------------------------------------------------

  private nextOrderId(): string {
    this.orderSeq++;
    return `${this.config.runId}-${this.orderSeq}`;
  }

  /**
   * PlaceOrder for this run's account. Returns the OrderRequested event id, or undefined when the venue's
   * own rules (grid, minimums) refuse it: nothing is written then, and the caller decides whether that
   * counts against the venue error rate.
   */
  private requestOrder(
    s: SymbolState,
    orderId: string,
    fields: Pick<PlaceOrder, 'side' | 'type' | 'quantity' | 'reduceOnly'> &
      Partial<Pick<PlaceOrder, 'price' | 'stopPrice' | 'timeInForce' | 'gridPolicy' | 'workingType'>>,
    at: number,
    correlationId: string,
    causationId: string | null,
  ): string | null | undefined {
    let requested: string | null;
    try {
      requested = this.ledger.order(
        orderId,
        {
          kind: 'PlaceOrder',
          orderId,
          clientOrderId: orderId,
          accountId: this.config.accountId,
          venue: this.config.venueRules.venue,
          strategyId: this.config.strategy.id,
          symbol: s.symbol,
          positionSide: 'BOTH',
          ...fields,
        },
        at,
        correlationId,
        causationId,
      );
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      const refused: OrderRefusedData = {
        orderId,
        symbol: s.symbol,
        side: fields.side,
        type: fields.type,
        quantity: fields.quantity,
        price: fields.price ?? null,
        stopPrice: fields.stopPrice ?? null,
        reduceOnly: fields.reduceOnly ?? false,
        rule: err.rule,
        reason: err.message,
      };
      this.log.emit(
        `run-${this.config.runId}`,
        'OrderRefused',
        refused,
        at,
        correlationId,
        causationId,
        'system:engine',
      );
      return undefined;
    }
    // Every order the run sends counts towards the order-rate limit, its exits and backstops too: the
    // count a decision records is the log's OrderRequested in the window, plus the order decided.
    this.recentOrderTimes.push(at);
    return requested;
  }

  private placeMarket(
    s: SymbolState,
    side: 'BUY' | 'SELL',
    quantity: Fixed,
    reduceOnly: boolean,
    at: number,
    correlationId: string,
    causationId: string,
    protection: ProtectionRequest | undefined,
  ): void {
    const orderId = this.nextOrderId();
    const requested = this.requestOrder(
      s,
      orderId,
      { side, type: 'MARKET', quantity: toText(quantity), reduceOnly },
      at,
      correlationId,
      causationId,
    );
    if (requested === undefined) {
      this.venueRefusals++;
      return;
    }
    if (this.desk !== null) {
      const requestedId = requested ?? causationId;
      this.submitTick(s, orderId, side, null, reduceOnly, at, correlationId, requestedId, protection);
      return;
    }
    this.submitBar(s, orderId, at, correlationId, requested ?? causationId, protection);
  }

  // --- bar venue ---------------------------------------------------------------------------------------

  /** Sends an order the ledger has just recorded to the bar venue, exactly as recorded. */
  private submitBar(
    s: SymbolState,
    orderId: string,
    at: number,
    correlationId: string,
    requestedId: string | null,
    protection: ProtectionRequest | undefined,
  ): void {
    const request = this.ledger.requested(orderId)!;
    this.barOrders.set(orderId, {
      s,
      side: request.side,
      reduceOnly: request.reduceOnly,
      correlationId,
      requestedId,
      ackId: null,
      protection,
    });
    this.barVenue.submit(request, at);
  }

  /** The bar meets the symbol's working orders at the bar venue; each order's reports are booked in turn. */
  private meetBar(s: SymbolState, openTime: number, open: number, high: number, low: number): void {
    const position = this.ledger.position(s.symbol)?.qty ?? 0n;
    for (const _ of this.barVenue.meetBar(s.symbol, openTime, open, high, low, position)) this.drainBar();
  }

  /** Books the bar venue's reports, in the order it made them. */
  private drainBar(): void {
    for (const r of this.barVenue.poll(this.now)) this.barReport(r);
  }

  /** One bar-venue report into the ledger (the tick path's venueReport is its twin for ticks). */
  private barReport(r: VenueReport): void {
    const o = this.barOrders.get(r.clientOrderId);
    if (o === undefined) throw new Error(`bar venue reported on unknown order ${r.clientOrderId}`);
    const id = r.clientOrderId;
    const c = o.correlationId;
    switch (r.kind) {
      case 'accepted':
        o.ackId = this.ledger.order(
          id,
          { kind: 'AcceptOrder', venueOrderId: r.venueOrderId },
          r.time,
          c,
          o.requestedId,
        );
        return;
      case 'rejected':
        this.barOrders.delete(id);
        this.ledger.order(id, { kind: 'RejectOrder', reason: r.reason }, r.time, c, o.requestedId);
        return;
      case 'triggered':
        // The fill that follows is caused by the trigger.
        o.ackId = this.ledger.order(id, { kind: 'TriggerOrder', price: r.triggerPrice }, r.time, c, o.ackId);
        return;
      case 'fill': {
        this.barOrders.delete(id);
        const quantity = fixed(r.quantity);
        const price = fixed(r.price);
        const before = o.s.qty;
        const settledId = this.bookFill(
          o.s,
          id,
          o.side,
          quantity,
          price,
          r.liquidity,
          o.reduceOnly,
          r.time,
          c,
          o.ackId,
          r.tradeId,
        );
        this.afterFill(o.s, before, r.time, c, settledId, o.protection);
        this.notifyFill(o.s, id, o.side, toNumber(quantity), toNumber(price));
        return;
      }
      case 'expired':
        this.barOrders.delete(id);
        this.ledger.order(id, { kind: 'ExpireOrder', reason: r.reason }, r.time, c, o.ackId);
        return;
      case 'cancelled':
        this.barOrders.delete(id);
        this.ledger.order(id, { kind: 'CancelOrder', reason: r.reason }, r.time, c, o.ackId ?? o.requestedId);
        return;
      case 'cancel-rejected':
        return;
    }
  }

  /**
   * Signed quantity the symbol's bar orders are working towards. A stop or take-profit that has not fired
   * is a contingency, not a fill on its way: counting it would let a protective stop cancel out the very
   * position it protects when a target is sized.
   */
  private barPendingQty(s: SymbolState): number {
    let q = 0;
    for (const o of this.barVenue.openOrders(s.symbol)) {
      if (isConditional(o.type)) continue;
      q += (o.side === 'BUY' ? 1 : -1) * toNumber(o.quantity);
    }
    return q;
  }

  private lambda(s: SymbolState): number {
    return this.config.impact.symbols?.[s.symbol] ?? this.config.impact.default;
  }

  // --- tick venue ---------------------------------------------------------------------------------------

  /** Sends an order the ledger has just recorded to the symbol's tick venue, exactly as recorded. */
  private submitTick(
    s: SymbolState,
    orderId: string,
    side: 'BUY' | 'SELL',
    price: Fixed | null,
    reduceOnly: boolean,
    at: number,
    correlationId: string,
    requestedId: string | null,
    protection: ProtectionRequest | undefined = undefined,
    exitLeg: string | null = null,
    guard = false,
  ): void {
    const request = this.ledger.requested(orderId)!;
    const reference = isConditional(request.type)
      ? Number(request.stopPrice)
      : price !== null
        ? Number.NaN
        : Number.isFinite(s.lastPrint)
          ? s.lastPrint
          : s.lastClose;
    this.desk!.submit(
      s,
      {
        orderId,
        side,
        quantity: fixed(request.quantity),
        price,
        conditional: isConditional(request.type),
        triggered: false,
        reduceOnly,
        correlationId,
        requestedId,
        ackId: null,
        filled: 0n,
        fills: 0,
        cancelReason: null,
        protection,
        exitLeg,
        guard,
        reference,
      },
      request,
      at,
    );
  }

  private venueReport(s: SymbolState, o: TickOrder, r: VenueReport): ReportOutcome {
    const outcome = this.bookReport(s, o, r);
    if (outcome === 'open') return outcome;
    if (o.guard) {
      if (s.backstop?.orderId === o.orderId) {
        // Refused (the venue's rules, or a trigger the mark has already passed): not sent again as it was.
        if (r.kind === 'rejected') {
          s.backstopRefused = s.backstop.key;
          this.backstopsRefused.push(
            `${s.symbol}: the exchange refused the backstop of the ${s.backstop.side} ${toText(s.backstop.quantity)} (trigger ${toText(s.backstop.trigger)}: ${r.reason}); until the stop moves, the position has only the engine's stop, which needs this process running`,
          );
        }
        s.backstop = null;
      }
      return outcome;
    }
    if (o.exitLeg === null) {
      // A protected entry that ended short of its quantity protects what it did fill.
      if (o.protection !== undefined && o.filled > 0n && o.filled < o.quantity && s.qty !== 0)
        this.afterFill(s, s.qty, r.time, o.correlationId, o.ackId, o.protection);
    } else {
      s.exitOrders.delete(o.orderId);
      // An exit that ended short (the book ran out, a refusal) leaves its leg triggered and the position
      // open: the next print sends what is left.
      const leg = s.book === null ? undefined : stopLeg(s.book, o.exitLeg);
      if (leg?.status === 'triggered' && s.qty !== 0) s.exitRetry.add(o.exitLeg);
    }
    return outcome;
  }

  /** One venue report into the ledger, stamped with the venue's time (the engine learns it later). */
  private bookReport(s: SymbolState, o: TickOrder, r: VenueReport): ReportOutcome {
    const c = o.correlationId;
    switch (r.kind) {
      case 'accepted':
        o.ackId = this.ledger.order(
          o.orderId,
          { kind: 'AcceptOrder', venueOrderId: r.venueOrderId },
          r.time,
          c,
          o.requestedId,
        );
        return 'open';
      case 'rejected':
        if (r.listing === true && this.relisting && !o.guard) {
          // Refused by a tick, step or minimum: the venue may have changed them since the run listed them.
          // Then the refusal is the run's stale listing, not the venue's health; it counts as a venue error
          // only once the next listing shows the symbol unchanged (relist).
          this.listingRefusals.set(s.symbol, (this.listingRefusals.get(s.symbol) ?? 0) + 1);
          this.listingPrompt ??= 'order-refused';
        } else if (!o.guard && r.unmetTerms !== true) {
          // A backstop the exchange refuses (its trigger already passed) says nothing about the venue's
          // health, nor does a fill-or-kill that could not fill or a post-only order that would have taken:
          // the simulated venues expire those, and counting them here would halt on live what a backtest
          // let trade.
          this.venueRefusals++;
        }
        this.ledger.order(o.orderId, { kind: 'RejectOrder', reason: r.reason }, r.time, c, o.requestedId);
        return 'closed';
      case 'triggered':
        o.triggered = true;
        o.ackId = this.ledger.order(
          o.orderId,
          { kind: 'TriggerOrder', price: r.triggerPrice },
          r.time,
          c,
          o.ackId,
        );
        return 'open';
      case 'fill':
        return this.tickFill(s, o, r);
      case 'cancelled':
        this.ledger.order(
          o.orderId,
          { kind: 'CancelOrder', reason: o.cancelReason ?? r.reason },
          r.time,
          c,
          o.ackId ?? o.requestedId,
        );
        return 'closed';
      case 'expired':
        this.ledger.order(o.orderId, { kind: 'ExpireOrder', reason: r.reason }, r.time, c, o.ackId);
        return 'closed';
      case 'cancel-rejected':
        // The cancel lost a race (the order filled, or the cancel landed before the order did).
        return 'open';
      case 'forced':
      case 'funding':
      case 'clearance-fee':
        // About the symbol's position, not an order of ours: the desk hands them over by symbol.
        return 'open';
    }
  }

  /**
   * The exchange closed (part of) this symbol's position by its own order: a liquidation, an ADL or a
   * delisting settlement. It is booked as what it was, a reduce-only fill at the exchange's price, fee and
   * trade id, marked `forced` (SettleFill), so the ledger keeps agreeing with the account. A position it
   * closes loses its ladder and its working reduce-only orders (the exchange cancels those too); what it
   * leaves of a position keeps its ladder, whose exits are reduce-only. A fill the ledger cannot book (it
   * would not reduce what this run holds) is counted and left to the account check.
   */
  private forcedFill(s: SymbolState, r: VenueForcedFill): void {
    const orderId = forcedOrderId(r);
    const correlationId = forcedCorrelationId(r);
    const before = s.qty;
    const { command, unbooked } = forcedSettleFill(
      r,
      this.ledger.position(s.symbol)?.qty ?? 0n,
      s.instrument.marginAsset,
      (this.ledger.account.settledFills.get(orderId) ?? 0) + 1,
      this.config.strategy.id,
    );
    const notBooked = (quantity: string, why: string) => {
      this.forcedUnbooked.push(`${r.reason} ${r.side} ${quantity} ${s.symbol}: ${why}`);
      this.recordUnbooked(
        {
          record: 'forced-fill',
          symbol: s.symbol,
          ref: `${r.venueOrderId}/${r.tradeId}`,
          time: Math.round(r.time),
          amount: quantity,
          unit: s.symbol,
          why: `${r.reason} ${r.side}: ${why}`,
        },
        correlationId,
      );
    };
    if (unbooked > 0n) notBooked(toText(unbooked), 'more than this run held');
    if (command === null) return;
    let settled: { last: string | null; events: AccountEvent[] };
    try {
      settled = this.ledger.book(command, r.time, correlationId, null);
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      notBooked(command.quantity, err.message);
      return;
    }
    this.refreshMirror(s);
    this.trackTrade(s, before, settled.events);
    if (r.reason === 'liquidation') {
      const notional = mul(fixed(command.quantity), fixed(command.price));
      const last = this.liquidations.get(s.symbol);
      if (last?.venueOrderId === r.venueOrderId) last.notional += notional;
      else this.liquidations.set(s.symbol, { orderId, venueOrderId: r.venueOrderId, notional });
    }
    if (s.qty === 0) {
      const why =
        r.reason === 'adl' ? 'closed by the exchange (ADL)' : `closed by the exchange (${r.reason})`;
      if (s.book !== null) {
        const step = closeAll(s.book, r.time, why);
        this.emitStops(s, step.events, r.time, correlationId, settled.last);
        this.clearBook(s);
      }
      if (this.desk !== null)
        for (const o of [...this.desk.openOrders(s)])
          if (o.reduceOnly && !o.guard) this.desk.cancel(o.orderId, r.time, `${why}: nothing left to reduce`);
    }
    this.tickKind = 'fill';
    this.tickSymbol = s.symbol;
    this.tickTime = this.now;
    try {
      this.notifyFill(s, orderId, r.side, toNumber(fixed(command.quantity)), Number(r.price), r.reason);
    } finally {
      this.tickKind = null;
    }
  }

  private tickFill(s: SymbolState, o: TickOrder, r: VenueFill): ReportOutcome {
    const quantity = fixed(r.quantity);
    const q = toNumber(quantity);
    if (o.reduceOnly && !reducesPosition(o.side, q, s.qty)) {
      // The simulated venue sees no positions; Binance would have expired this order, and so does the ledger.
      this.ledger.order(
        o.orderId,
        { kind: 'ExpireOrder', reason: 'reduce-only: nothing left to reduce' },
        r.time,
        o.correlationId,
        o.ackId,
      );
      return 'abandoned';
    }
    o.fills++;
    o.filled += quantity;
    const price = fixed(r.price);
    const before = s.qty;
    const settledId = this.bookFill(
      s,
      o.orderId,
      o.side,
      quantity,
      price,
      r.liquidity,
      o.reduceOnly,
      r.time,
      o.correlationId,
      o.ackId,
      r.tradeId,
      o.fills,
      // A live venue's commission: the exchange's fee is the ledger's, in the asset it was taken in (BNB
      // with Binance's BNB deduction: booked as paid in BNB, the wallet does not move).
      r.fee?.amount,
      r.fee === undefined || r.fee.asset === s.instrument.marginAsset ? undefined : r.fee.asset,
    );
    if (o.reference > 0) {
      const p = toNumber(price);
      this.slippage.push(slippageBps(o.side, o.reference, p), q * p);
    }
    if (o.exitLeg === null) {
      // A market entry walks the book in several fills: its ladder is armed once, on the last.
      const done = o.filled >= o.quantity;
      this.afterFill(s, before, r.time, o.correlationId, settledId, done ? o.protection : undefined);
    } else {
      const legId = o.exitLeg;
      s.exitFilled.set(legId, (s.exitFilled.get(legId) ?? 0n) + quantity);
      if (o.filled >= o.quantity || s.qty === 0)
        this.finishExit(s, legId, r.time, o.correlationId, settledId);
    }
    this.tickKind = 'fill';
    this.tickSymbol = s.symbol;
    this.tickTime = this.now;
    try {
      this.notifyFill(s, o.orderId, o.side, q, toNumber(price));
    } finally {
      this.tickKind = null;
    }
    return o.filled >= o.quantity ? 'closed' : 'open';
  }

  /** The exact booking of one fill: FillOrder on the order's stream, SettleFill on the account's. */
  private bookFill(
    s: SymbolState,
    orderId: string,
    side: 'BUY' | 'SELL',
    quantity: Fixed,
    price: Fixed,
    liquidity: 'maker' | 'taker',
    reduceOnly: boolean,
    at: number,
    correlationId: string,
    causationId: string | null,
    tradeId = `${orderId}-1`,
    fillSeq = 1,
    fee: string | undefined = undefined,
    feeAsset: string | undefined = undefined,
  ): string | null {
    const filledId = this.ledger.order(
      orderId,
      { kind: 'FillOrder', tradeId, quantity: toText(quantity), price: toText(price), liquidity },
      at,
      correlationId,
      causationId,
    );
    const before = s.qty;
    const settled = this.ledger.book(
      {
        kind: 'SettleFill',
        orderId,
        fillSeq,
        tradeId,
        strategyId: this.config.strategy.id,
        symbol: s.symbol,
        side,
        positionSide: 'BOTH',
        quantity: toText(quantity),
        price: toText(price),
        liquidity,
        reduceOnly,
        ...(fee === undefined ? {} : { fee }),
        ...(feeAsset === undefined ? {} : { feeAsset }),
      },
      at,
      correlationId,
      filledId,
    );
    this.refreshMirror(s);
    this.trackTrade(s, before, settled.events);
    return settled.last;
  }

  private notifyFill(
    s: SymbolState,
    orderId: string,
    side: 'BUY' | 'SELL',
    quantity: number,
    price: number,
    forced?: ForcedCloseReason,
  ): void {
    const onFill = this.handlers.onFill;
    if (onFill === undefined) return;
    onFill.call(
      this.handlers,
      {
        orderId,
        symbol: s.symbol,
        side,
        quantity,
        price,
        positionAfter: s.qty,
        ...(forced === undefined ? {} : { forced }),
      },
      this,
    );
  }

  /** Net result of each round trip (realised − fees) feeds the breaker's loss streak. */
  private trackTrade(s: SymbolState, before: number, events: readonly AccountEvent[]): void {
    let net = this.tradeNet.get(s.symbol) ?? 0;
    for (const e of events) {
      if (e.type === 'FillSettled') net += Number(e.data.realisedPnl);
      else if (e.type === 'FeeCharged') net -= Number(e.data.amount);
    }
    const closed = before !== 0 && (s.qty === 0 || Math.sign(s.qty) !== Math.sign(before));
    if (!closed) {
      this.tradeNet.set(s.symbol, net);
      return;
    }
    this.lossStreak = net < 0 ? this.lossStreak + 1 : 0;
    this.tradeRecord.push(net);
    this.tradeNet.set(s.symbol, 0);
  }

  /**
   * The breaker ladder is measured at every equity mark. It only steps up here; stepping down takes a
   * person's approval (stepDownBreaker), which a backtest never has, so a tripped backtest stays tripped —
   * as the account would in production until someone looks.
   */
  private observeBreaker(at: number, equity: number): void {
    if (this.config.breaker === null) return;
    const measured = this.breakerMeasurements(equity);
    const before = this.breakerLevel;
    const correlationId = `breaker:${this.config.runId}:${at}`;
    const last = this.breakers.observe(at, measured, correlationId);
    if (this.breakerLevel === 'flatten' && before !== 'flatten' && last !== null) {
      this.flattenAll(at, correlationId, last);
    }
  }

  private breakerMeasurements(equity: number): BreakerMeasurements {
    // Cross margin: every position's maintenance margin against the whole margin balance (the equity). Each
    // is its notional at the last close times the rate its bracket gave at the entry (s.mmRate): within
    // a bracket that differs from the exact figure only by its maintenance amount's share of the move.
    let maintenance = 0;
    for (const s of this.symbols)
      if (s.qty !== 0 && Number.isFinite(s.lastClose))
        maintenance += s.mmRate * Math.abs(s.qty * s.lastClose);
    const orders = this.orderSeq - this.ordersAcknowledged;
    return {
      drawdown: this.breakerPeak > 0 ? Math.max(0, 1 - equity / this.breakerPeak) : 0,
      lossStreak: this.lossStreak,
      // Fills from a book or an exchange (fed ticks, a real account): measured on each market fill and
      // triggered stop (tickFill). The bar venue fills at its cost model by construction: 0 there, and
      // it never goes stale.
      slippage: this.slippage.mean(),
      errorRate: orders > 0 ? (this.venueRefusals - this.refusalsAcknowledged) / orders : 0,
      staleness: 0,
      marginRatio: marginRatio(maintenance, equity),
    };
  }

  /**
   * A person steps the run's breakers down (docs/risk.md, "Down"), between steps: every ladder above
   * `cmd.to` goes to it, from the next decision on. The approval acknowledges what tripped them: the
   * drawdown is measured from the equity now, and the loss streak, error rate and slippage start again,
   * so what is judged is whether anything still calls for more (the margin ratio can: a position still
   * open near its liquidation). Refused (BreakerRuleError, nothing written) within the ladder's cooldown,
   * by a system actor, or above the current level. The approval records where in the log it was made,
   * so a restart or a re-run applies it at the same place.
   */
  stepDownBreaker(cmd: BreakerStepDown): string {
    if (!this.started) this.start();
    const c = this.config;
    if (this.finished) throw new RangeError(`run ${c.runId} has finished; its breakers stay as they ended`);
    const at = Math.max(this.now, c.from);
    const equity = this.equity();
    const fresh = {
      ...this.breakerMeasurements(equity),
      drawdown: 0,
      lossStreak: 0,
      slippage: 0,
      errorRate: 0,
    };
    const last = this.breakers.stepDown(at, cmd, fresh, this.log.count, `breaker-approval:${c.runId}:${at}`);
    this.breakerPeak = equity;
    this.lossStreak = 0;
    this.refusalsAcknowledged = this.venueRefusals;
    this.ordersAcknowledged = this.orderSeq;
    this.slippage.clear();
    return last;
  }

  /**
   * A desk limit change (RiskLimitsSet), taken between steps: from the next decision the risk check judges
   * by the config with that layer replaced. Recorded as RiskLimitsApplied in the run's stream with where in
   * the log it was taken, so a restart or a re-run takes it at the same place. A change the run took
   * already is left (null): the node hands every change to every run, and a restarted run has read its
   * own back.
   */
  applyRiskLimits(change: LimitChangeInput): string | null {
    if (!this.started) this.start();
    const c = this.config;
    if (this.finished) throw new RangeError(`run ${c.runId} has finished; it takes no limit change`);
    if (this.limitChangesTaken.has(change.changeId)) return null;
    checkLimitChange(change);
    const at = Math.max(this.now, c.from);
    this.riskConfig = applyLimitChange(this.riskConfig, change);
    this.orderTimesKeptMs = Math.max(longestOrderRateWindow(this.riskConfig), this.carriedOrderWindowMs);
    this.limitChangesTaken.add(change.changeId);
    return this.log.emit(
      `run-${c.runId}`,
      'RiskLimitsApplied',
      {
        changeId: change.changeId,
        scope: change.scope,
        key: change.key,
        limits: change.limits,
        seq: this.log.count,
      },
      at,
      `risk-limits:${change.changeId}`,
      null,
      'system:risk',
    );
  }

  private applyRecordedLimitChanges(ending = false): boolean {
    const recorded = this.config.limitChanges;
    if (!recorded) return false;
    const byTime = this.config.allocationsBy === 'time';
    const next = byTime && !ending ? this.nextTime() : Number.POSITIVE_INFINITY;
    let applied = false;
    while (this.limitChangeIdx < recorded.length) {
      const d = recorded[this.limitChangeIdx]!;
      if (byTime ? !(d.at < next) : d.seq > this.log.count || d.at > Math.max(this.now, this.config.from))
        break;
      this.limitChangeIdx++;
      this.applyRiskLimits(d);
      applied = true;
    }
    return applied;
  }

  /** Recorded step-downs due before the next step (or at the end), as recorded allocations. */
  private applyRecordedStepDowns(ending = false): boolean {
    const recorded = this.config.stepDowns;
    if (!recorded) return false;
    const byTime = this.config.allocationsBy === 'time';
    const next = byTime && !ending ? this.nextTime() : Number.POSITIVE_INFINITY;
    let applied = false;
    while (this.stepDownIdx < recorded.length) {
      const d = recorded[this.stepDownIdx]!;
      if (byTime ? !(d.at < next) : d.seq > this.log.count || d.at > Math.max(this.now, this.config.from))
        break;
      this.stepDownIdx++;
      this.stepDownBreaker(d);
      applied = true;
    }
    return applied;
  }

  private flattenAll(at: number, correlationId: string, causationId: string, why = 'breaker flatten'): void {
    for (const s of this.symbols) {
      // Entries are cancelled on every symbol, flat or not, each with its event: an order the engine
      // stops working must end in the ledger too, or it stays open there forever.
      this.cancelPending(s, (o) => !o.reduceOnly, at, `${why}: entries cancelled`);
      if (this.desk !== null) this.desk.cancelOpening(s, at, `${why}: entries cancelled`);
      this.closeAtMarket(s, at, correlationId, causationId);
    }
  }

  /** Sends a reduce-only market order for what the symbol holds (floored to the market lot), if anything. */
  private closeAtMarket(s: SymbolState, at: number, correlationId: string, causationId: string): void {
    if (s.qty === 0) return;
    const qty = fromNumber(
      Math.abs(s.qty),
      s.instrument.marketStepSize > 0n ? s.instrument.marketStepSize : s.instrument.stepSize,
      'floor',
    );
    if (qty > 0n)
      this.placeMarket(s, s.qty > 0 ? 'SELL' : 'BUY', qty, true, at, correlationId, causationId, undefined);
  }

  /** Cancels the symbol's working bar orders that match, each booked with `reason`. */
  private cancelPending(s: SymbolState, which: (o: BarOrder) => boolean, at: number, reason: string): void {
    this.barVenue.cancelWhere(s.symbol, which, at, reason);
    this.drainBar();
  }

  /** The stricter of the strategy's and the account's ladders (see BreakerDesk). */
  get breakerLevel(): BreakerLevel {
    return this.breakers.level;
  }

  /**
   * Why the run wants its venue's instruments listed again now (a run with liveOrders.relisting), or null:
   * a fill it cannot book on the grid it holds waits for the listing (step() makes no progress meanwhile),
   * or the venue refused an order by its listed rules. The runner lists them and calls relist.
   */
  get listingWanted(): 'fill-off-grid' | 'order-refused' | null {
    return this.listingPrompt;
  }

  /**
   * Takes the venue's listing of now (null: listing it failed, which counts as one of a held fill's
   * listings and leaves listingWanted as it was). Each symbol whose listing differs from the
   * one the run holds is relisted: recorded (InstrumentUpdated, in the run's stream) and traded, booked and
   * margined by from here on. Returns the differences in words, and a line for a symbol the listing lacks.
   * A fill waiting for a listing waits for at most MAX_LISTINGS_PER_FILL of them: a fill no listing puts on
   * the grid is bad data, and booking it fails the run with the ledger's reason, as it would have at once.
   */
  relist(
    listing: ((symbol: string) => Instrument | undefined) | null,
    prompt: 'scheduled' | 'fill-off-grid' | 'order-refused',
  ): string[] {
    if (prompt === 'fill-off-grid' && this.heldFill !== null) this.heldFill.listings++;
    // A listing that failed leaves the wish standing: the runner asks again after its back-off.
    if (listing === null) return [];
    this.listingPrompt = null;
    const lines: string[] = [];
    const at = Math.max(this.now, this.config.from);
    for (const s of this.symbols) {
      // A symbol set aside trades no more in this run; a delisted one would be said missing every hour.
      if (this.asideSymbols.has(s.symbol)) continue;
      const now = listing(s.symbol);
      const changes = now === undefined ? [] : instrumentChanges(s.instrument, now);
      // Refusals the listing does not explain were the venue's word on the orders: venue errors after all.
      if (changes.length === 0) this.venueRefusals += this.listingRefusals.get(s.symbol) ?? 0;
      this.listingRefusals.delete(s.symbol);
      if (now === undefined)
        lines.push(`${s.symbol} is not in the venue's listing; the run keeps the one it holds`);
      if (now === undefined || changes.length === 0) continue;
      s.relist(now);
      const data: InstrumentUpdatedData = {
        venue: this.config.venueRules.venue,
        symbol: s.symbol,
        prompt,
        changes,
        instrument: instrumentListing(now),
      };
      this.log.emit(
        `run-${this.config.runId}`,
        'InstrumentUpdated',
        data,
        at,
        `listing:${s.symbol}:${at}`,
        null,
        'system:engine',
      );
      lines.push(...changes);
    }
    return lines;
  }

  /** Whether the desk's next item is a fill off its symbol's grid that waits for a new listing. */
  private waitsForListing(): boolean {
    const f = this.live?.headFill() ?? null;
    if (f === null) {
      this.heldFill = null;
      return false;
    }
    let fits: boolean;
    try {
      fits = onFillGrid(f.s.instrument, fixed(f.price), fixed(f.quantity));
    } catch {
      // Unreadable figures are no listing's doing: booking refuses them with the ledger's reason.
      fits = true;
    }
    if (fits) {
      this.heldFill = null;
      return false;
    }
    if (this.heldFill?.key !== f.key) this.heldFill = { key: f.key, listings: 0 };
    if (this.heldFill.listings >= MAX_LISTINGS_PER_FILL) return false;
    this.listingPrompt = 'fill-off-grid';
    return true;
  }

  /** The desk of a run on a live account (config.liveOrders): its runner hands it marks and reports. */
  get live(): LiveDesk | null {
    return this.desk instanceof LiveDesk ? this.desk : null;
  }

  /** The account as the ledger holds it (tests reconcile it against the log). */
  get ledgerAccount(): AccountState {
    return this.ledger.account;
  }

  /**
   * Ids of the orders still working at a venue (bar or tick): every other order has ended in the log.
   * `resting: false` leaves out the backstops resting at the exchange, which are not on their way.
   */
  workingOrders(resting = true): string[] {
    const out: string[] = [];
    for (const s of this.symbols) {
      for (const o of this.barVenue.openOrders(s.symbol)) out.push(o.clientOrderId);
      if (this.desk !== null)
        for (const o of this.desk.openOrders(s)) if (resting || !o.guard || o.triggered) out.push(o.orderId);
    }
    return out;
  }

  // --- backstops at the exchange ----------------------------------------------------------------------

  /**
   * After every step of a run on a real account: each position with a stop has one backstop resting at
   * the exchange (domain/risk/backstop.ts), for its whole quantity, `bufferBps` beyond the engine's stop;
   * a flat symbol has none. While one of the ladder's exits is on its way the position is about to change,
   * and the backstop waits for it.
   */
  private keepBackstops(plan: BackstopPlan): void {
    for (const s of this.symbols) {
      if (s.exitOrders.size > 0) continue;
      const have = s.backstop;
      const want = this.wantedBackstop(s, plan);
      if (
        have !== null &&
        want !== null &&
        have.side === want.side &&
        have.quantity === want.quantity &&
        !backstopMoves(have.trigger, want.trigger, plan)
      )
        continue;
      if (have !== null) {
        // One the exchange has triggered is a market order on its way: it is let be.
        let triggered = false;
        for (const o of this.desk!.openOrders(s)) if (o.orderId === have.orderId) triggered = o.triggered;
        if (triggered) continue;
        this.desk!.cancel(
          have.orderId,
          this.now,
          want === null
            ? 'backstop: nothing left to protect'
            : want.side !== have.side || want.quantity !== have.quantity
              ? 'backstop: the position changed'
              : 'backstop: moved with the stop',
        );
        s.backstop = null;
      }
      if (want === null || want.key === s.backstopRefused) continue;
      this.placeBackstop(s, want.side, want.quantity, want.trigger, want.key);
    }
  }

  private wantedBackstop(
    s: SymbolState,
    plan: BackstopPlan,
  ): { side: 'long' | 'short'; quantity: Fixed; trigger: Fixed; key: string } | null {
    if (s.qty === 0 || s.book === null || !Number.isFinite(s.stopLevel)) return null;
    const inst = s.instrument;
    const quantity = fromNumber(
      Math.abs(s.qty),
      inst.marketStepSize > 0n ? inst.marketStepSize : inst.stepSize,
      'floor',
    );
    if (quantity <= 0n) return null;
    const side = s.qty > 0 ? 'long' : 'short';
    const trigger = backstopTrigger(side, s.stopLevel, plan, inst.tickSize);
    if (trigger <= 0n) return null;
    return { side, quantity, trigger, key: `${side}:${toText(quantity)}@${toText(trigger)}` };
  }

  private placeBackstop(
    s: SymbolState,
    side: 'long' | 'short',
    quantity: Fixed,
    trigger: Fixed,
    key: string,
  ): void {
    const at = this.now;
    const orderId = this.nextOrderId();
    const correlationId = `backstop:${s.symbol}:${at}`;
    const orderSide = side === 'long' ? 'SELL' : 'BUY';
    const requested = this.requestOrder(
      s,
      orderId,
      {
        side: orderSide,
        type: 'STOP_MARKET',
        quantity: toText(quantity),
        stopPrice: toText(trigger),
        reduceOnly: true,
        workingType: 'MARK_PRICE',
      },
      at,
      correlationId,
      s.lastStopEvent,
    );
    // The venue's rules refuse it (a position below the minimum notional): the engine's stop alone holds it.
    if (requested === undefined) {
      s.backstopRefused = key;
      return;
    }
    s.backstop = { orderId, key, side, quantity, trigger };
    this.submitTick(
      s,
      orderId,
      orderSide,
      null,
      true,
      at,
      correlationId,
      requested ?? s.lastStopEvent,
      undefined,
      null,
      true,
    );
  }

  private refreshMirror(s: SymbolState): void {
    const p = this.ledger.position(s.symbol);
    s.qty = p ? toNumber(p.qty) : 0;
    s.cost = p ? toNumber(p.cost) : 0;
    this.walletF = toNumber(this.ledger.wallet());
    if (p && p.qty !== 0n) {
      const notional = p.qty < 0n ? -p.cost : p.cost;
      const mm = toNumber(maintenanceMargin(s.instrument, notional < 0n ? -notional : notional));
      const n = Math.abs(s.cost);
      s.mmRate = n > 0 ? mm / n : 0;
    } else {
      s.mmRate = 0;
    }
  }

  // --- stops ------------------------------------------------------------------------------------------

  private stopParams(protection: ProtectionRequest | undefined): StopParams {
    const base = this.config.stops;
    if (!protection) return base;
    return {
      ...base,
      initialAtr: protection.stopAtrMultiple ?? base.initialAtr,
      takeProfits: protection.takeProfitR
        ? protection.takeProfitR.map((t) => ({ r: t.r, fraction: t.fraction }))
        : base.takeProfits,
      chandelierActivateR: protection.trailing
        ? Math.min(base.chandelierActivateR, 1)
        : base.chandelierActivateR,
      timeStopBars: protection.maxBars ?? base.timeStopBars,
    };
  }

  private emitStops(
    s: SymbolState,
    events: readonly StopEvent[],
    at: number,
    correlationId: string,
    causationId: string | null,
  ): string | null {
    let last = causationId;
    const stream = stopsStreamId(s.book?.positionId ?? `${this.config.runId}-${s.symbol}`);
    for (const e of events)
      last = this.log.emit(stream, e.type, e.data, at, correlationId, last, 'system:stops');
    if (events.length > 0) s.lastStopEvent = last;
    return last;
  }

  /** A bar's stop events, each triggered leg at the time its exit will be stamped (exitLegAt). */
  private emitBarStops(
    s: SymbolState,
    events: readonly StopEvent[],
    openTime: number,
    closeTime: number,
    correlationId: string,
  ): string | null {
    let last: string | null = null;
    for (const e of events) {
      const at =
        e.type === 'StopStatusChanged' && e.data.to === 'triggered'
          ? exitLegAt(e.data.kind, openTime, s.tfMs)
          : closeTime;
      last = this.emitStops(s, [e], at, correlationId, last);
    }
    return last;
  }

  private afterFill(
    s: SymbolState,
    before: number,
    at: number,
    correlationId: string,
    causationId: string | null,
    protection: ProtectionRequest | undefined,
    /** The price the ladder is armed from (R, the targets); NaN: the position's entry. */
    armedAt = Number.NaN,
  ): void {
    const after = s.qty;
    const changedSide = after === 0 || Math.sign(after) !== Math.sign(before);
    // Any position change the strategy made re-arms the ladder for what is now open; stop exits report
    // through onExitFilled instead (see exitLeg).
    if (s.book !== null && (changedSide || protection !== undefined)) {
      const step = closeAll(s.book, at, after === 0 ? 'position closed' : 'position changed');
      this.emitStops(s, step.events, at, correlationId, causationId);
      this.clearBook(s);
    }
    if (after === 0 || protection === undefined || s.book !== null) return;
    const atr = s.atr.value;
    if (!(atr > 0)) return;
    const params = this.stopParams(protection);
    this.positionSeq++;
    const positionId = `${this.config.runId}-${s.symbol}-${this.positionSeq}`;
    const step = openStops(params, {
      positionId,
      symbol: s.symbol,
      side: after > 0 ? 'long' : 'short',
      entryPrice: fromNumber(
        Number.isFinite(armedAt) ? armedAt : Math.abs(s.cost / after),
        s.instrument.tickSize,
        'half-even',
      ),
      quantity: fromNumber(Math.abs(after), s.instrument.stepSize, 'half-even'),
      at,
      atr,
      tickSize: s.instrument.tickSize,
      stepSize: s.instrument.stepSize,
      conditions: this.adaptiveInputs(s),
    });
    s.book = step.book;
    // The ladder keeps what the entry asked for (trailing, a time stop) for as long as it lives.
    s.ladderParams = params;
    this.emitStops(s, step.events, at, correlationId, causationId);
    this.syncStopLevels(s, params);
  }

  /** The earlier run's account whose positions this run has taken over (carryOn), once it has. */
  get carriedFrom(): string | null {
    return this.carriedFromAccount;
  }

  /**
   * What an earlier real run left, to carry on (as liveOrders.carry): given after the engine is built
   * (the earlier run is settled once the new one is ready to trade), before it steps past its warm-up.
   */
  carryOn(carry: CarryOver): void {
    if (this.config.liveOrders === undefined)
      throw new RangeError('only a run on a live account carries on what an earlier run left');
    if (this.carry !== null || this.pastWarmup)
      throw new RangeError('a run carries on what an earlier run left once, before it trades');
    for (const p of carry.positions)
      if (!this.config.symbols.includes(p.symbol))
        throw new RangeError(`the run carries on ${p.symbol}, which it does not trade`);
    this.carry = carry;
  }

  /**
   * Takes over the positions an earlier real run left (liveOrders.carry), now that the warm-up has shown
   * what the strategy would hold. Each is booked at its cost (PositionTakenOver), and the earlier run's
   * ledger gives it up in the same breath (PositionHandedOver, in that run's account stream, written
   * right behind it so that the copier writes the two in one transaction: a crash leaves both or
   * neither). Where the strategy's last target in the warm-up was for that side, the position is kept
   * under a stop ladder armed from the last close with the protection that target asked for (the old
   * ladder's targets were measured from an entry long past); otherwise it is closed at once with a
   * reduce-only market order, as the strategy would not hold it (nor would a benched run).
   */
  private carryOver(at: number): void {
    const carry = this.carry!;
    this.carry = null;
    this.carriedFromAccount = carry.fromAccount;
    const c = this.config;
    const correlationId = `carry:${c.runId}`;
    const fromStream = accountStreamId(c.venueRules.venue, carry.fromAccount);
    this.now = Math.max(this.now, at);
    for (const p of carry.positions) {
      const s = this.symbolOf(p.symbol);
      const taken = this.ledger.book(
        {
          kind: 'TakeOverPosition',
          symbol: s.symbol,
          positionSide: 'BOTH',
          strategyId: c.strategy.id,
          quantity: p.quantity,
          cost: p.cost,
          fromAccount: carry.fromAccount,
        },
        at,
        correlationId,
        null,
      );
      const t = taken.events[0];
      if (t?.type !== 'PositionTakenOver') continue;
      const { fromAccount: _from, ...moved } = t.data;
      this.log.emit(
        fromStream,
        'PositionHandedOver',
        { ...moved, toAccount: c.accountId },
        at,
        correlationId,
        taken.last,
        'system:ledger',
      );
      this.refreshMirror(s);
      // A run taken off real money before it took over (benched) keeps nothing.
      if (s.warmTarget * s.qty > 0 && this.allocation?.benched !== true) {
        if (p.ladder === undefined || !this.resumeLadder(s, p.ladder, at, correlationId, taken.last!))
          this.afterFill(s, 0, at, correlationId, taken.last, s.warmProtection, s.lastClose);
      } else this.closeAtMarket(s, at, correlationId, taken.last!);
    }
    // The equity now includes the position taken over: the breaker's drawdown and the day's loss are put
    // back where the earlier run had them (liveOrders.riskState), below this equity, not reset to it.
    const e = this.equity();
    this.peakEquity = e;
    this.breakerPeak = this.breakerPeakFrom(e);
    this.dayStartEquity = this.dayStartFrom(e);
  }

  /**
   * Keeps the earlier run's ladder on a carried position (domain/risk/carried-ladder.ts), with what the
   * strategy's warm-up asks for as the ladder's rules from here on. Its best price is the better of what
   * its events recorded and the bars this run replayed since it opened; its bars count from its open.
   * A stop the market went through meanwhile triggers at once, and its exit goes out like any stop's.
   * False when it is not this position's ladder (or was closed): the caller arms a fresh one.
   */
  private resumeLadder(
    s: SymbolState,
    ladder: CarriedLadder,
    at: number,
    correlationId: string,
    causationId: string,
  ): boolean {
    const params = this.stopParams(s.warmProtection);
    validateStopParams(params);
    const long = s.qty > 0;
    const best = bestSince(ladder, s.series, s.last);
    const positionId = `${this.config.runId}-${s.symbol}-${this.positionSeq + 1}`;
    const resumed = resumeStops(params, ladder, {
      positionId,
      side: long ? 'long' : 'short',
      quantity: fromNumber(Math.abs(s.qty), s.instrument.stepSize, 'half-even'),
      at,
      close: s.lastClose,
      best,
      bars: Math.max(0, Math.floor((at - ladder.openedAt) / s.tfMs)),
      tickSize: s.instrument.tickSize,
      stepSize: s.instrument.stepSize,
      holding: params.holding,
    });
    if (resumed.kind === 'fresh') return false;
    this.positionSeq++;
    s.book = resumed.step.book;
    s.ladderParams = params;
    let last = this.emitStops(s, resumed.step.events, at, correlationId, causationId);
    this.syncStopLevels(s, params);
    if (resumed.breached !== null) {
      const legId = s.book.protective.legId;
      const step = triggerLeg(s.book, legId, at, resumed.breached, { close: s.lastClose });
      s.book = step.book;
      last = this.emitStops(s, step.events, at, correlationId, last);
      this.tickExit(s, legId, at, correlationId, last);
      if (s.book !== null) this.syncStopLevels(s, params);
    }
    return true;
  }

  /**
   * Records what the run took over from the previous real run (liveOrders.riskState) once it trades, its
   * bases as they stand after any take-over: the breaker's peak and the day's start equity it measures
   * from, with its equity then. The strategy's next real run reads them back to go on from exactly here.
   */
  private noteRiskState(at: number): void {
    const c = this.config;
    const state = c.liveOrders?.riskState;
    const dayLoss = this.carriedDayLoss();
    const drawdown = this.carriedDrawdown();
    const lossStreak = state?.lossStreak ?? 0;
    // The earlier marks, scaled onto this run's equity now: the slope goes on as one curve from them, where
    // it would read nothing (neutral) until this run had made a day of its own marks.
    const earlier = state?.marks?.slice(-this.equitySlope.window) ?? [];
    const lastMark = earlier.at(-1) ?? 0;
    const scale = lastMark > 0 ? this.equity() / lastMark : 0;
    const marks = scale > 0 ? earlier.map((m) => m * scale) : [];
    for (const m of marks) this.equitySlope.push(m);
    const orderTimes = [...this.carriedOrders];
    if (
      state === undefined ||
      (state.nets.length === 0 &&
        dayLoss === null &&
        drawdown === 0 &&
        lossStreak === 0 &&
        marks.length === 0 &&
        orderTimes.length === 0)
    )
      return;
    const nets = state.nets.slice(-this.tradeRecord.window);
    this.log.emit(
      this.riskStream,
      'RiskStateCarried',
      {
        accountId: c.accountId,
        from: state.from,
        nets,
        // Nothing traded yet: the statistics of the carried round trips alone.
        kelly: this.tradeRecord.kelly(),
        dayLoss: dayLoss === null ? null : { day: this.dayStart, loss: dayLoss },
        drawdown,
        lossStreak,
        equity: this.equity(),
        breakerPeak: this.breakerPeak,
        dayStartEquity: this.dayStartEquity,
        marks,
        equitySlope: this.equitySlope.value,
        orderTimes,
      },
      at,
      `run-${c.runId}`,
      null,
      'system:sizing',
    );
  }

  /** The day's loss the previous real run had reached today (liveOrders.riskState), or null. */
  private carriedDayLoss(): number | null {
    const d = this.config.liveOrders?.riskState?.dayLoss;
    return d !== undefined && d.day === this.dayStart && d.loss > 0 && d.loss < 1 ? d.loss : null;
  }

  /** The earlier real run's drawdown as its breaker measured it (liveOrders.riskState), 0 without one. */
  private carriedDrawdown(): number {
    const d = this.config.liveOrders?.riskState?.drawdown ?? 0;
    return d > 0 && d < 1 ? d : 0;
  }

  /** The breaker's peak that puts `equity` the carried drawdown below it. */
  private breakerPeakFrom(equity: number): number {
    return equity / (1 - this.carriedDrawdown());
  }

  /** The day-start equity that makes `equity` the carried loss of the day below it (equity itself without one). */
  private dayStartFrom(equity: number): number {
    const loss = this.carriedDayLoss();
    return loss === null ? equity : equity / (1 - loss);
  }

  /** What the adaptive stops of `s` read now: its vol percentile and regime, the run's equity curve. */
  private adaptiveInputs(s: SymbolState): AdaptiveInputs {
    const e = this.equity();
    if (!(this.peakEquity > 0)) return neutralInputs;
    return {
      volPercentile: s.volPercentile(),
      equitySlope: this.equitySlope.value,
      drawdown: Math.max(0, 1 - e / this.peakEquity),
      regime: s.trend(),
    };
  }

  private clearBook(s: SymbolState): void {
    if (s.book !== null) this.log.forget(stopsStreamId(s.book.positionId));
    s.book = null;
    s.ladderParams = null;
    s.stopLevel = Number.NaN;
    s.targetLevel = Number.NaN;
    s.best = Number.NaN;
    s.skippedBars = 0;
    s.timeStopDue = Number.POSITIVE_INFINITY;
    s.exitOrders.clear();
    s.exitFilled.clear();
    s.exitRetry.clear();
    s.printHigh = Number.NEGATIVE_INFINITY;
    s.printLow = Number.POSITIVE_INFINITY;
  }

  private syncStopLevels(s: SymbolState, params: StopParams): void {
    const b = s.book;
    if (b === null) return;
    const long = b.side === 'long';
    s.stopLevel =
      isLive(b.protective) && b.protective.price !== null ? toNumber(b.protective.price) : Number.NaN;
    let target = Number.NaN;
    for (const leg of b.takeProfits) {
      if (!isLive(leg) || leg.price === null) continue;
      const p = toNumber(leg.price);
      if (Number.isNaN(target) || (long ? p < target : p > target)) target = p;
    }
    s.targetLevel = target;
    s.best = b.best;
    s.timeStopDue =
      isLive(b.timeStop) && params.timeStopBars > 0 ? params.timeStopBars - b.bars : Number.POSITIVE_INFINITY;
    s.skippedBars = 0;
  }

  /**
   * The stop ladder is re-evaluated on a bar that touches a leg, makes a new best excursion (which is
   * what moves break-even and the chandelier) or reaches the time stop; other bars only count toward
   * the time stop. Lower-timeframe bars, when the feed has them, decide the order of touches inside.
   */
  private checkStops(
    s: SymbolState,
    i: number,
    openTime: number,
    closeTime: number,
    open: number,
    high: number,
    low: number,
    close: number,
  ): void {
    if (this.desk !== null) {
      // Fed ticks, the ladder moves on the prints it watched since it was armed or last moved, not on
      // the bar: part of the bar may be older than the position. No print, no excursion.
      high = s.printHigh;
      low = s.printLow;
      s.printHigh = Number.NEGATIVE_INFINITY;
      s.printLow = Number.POSITIVE_INFINITY;
    }
    const b = s.book!;
    const long = b.side === 'long';
    const touches =
      (long
        ? low <= s.stopLevel || high >= s.targetLevel || high > s.best
        : high >= s.stopLevel || low <= s.targetLevel || low < s.best) || s.skippedBars + 1 >= s.timeStopDue;
    if (!touches) {
      s.skippedBars++;
      return;
    }
    const params = s.ladderParams ?? this.stopParams(undefined);
    const atr = Number.isFinite(s.atr.value) ? s.atr.value : 0;
    if (!(atr > 0)) return;
    let book: StopBook = s.skippedBars > 0 ? { ...b, bars: b.bars + s.skippedBars } : b;
    s.skippedBars = 0;
    const correlationId = this.correlationOf(s, i);
    const path = this.desk === null ? this.intrabarPath(s, openTime, closeTime) : null;
    const conditions = this.adaptiveInputs(s);
    const events: StopEvent[] = [];
    if (path === null) {
      const step = stopsOnBar(params, book, { at: closeTime, high, low, close, atr, conditions });
      book = step.book;
      events.push(...step.events);
    } else {
      const [from, to] = path;
      const ib = s.intrabar!;
      const bars = book.bars;
      for (let k = from; k < to && book.open > 0n; k++) {
        const step = stopsOnBar(
          params,
          { ...book, bars },
          {
            at: ib.openTime[k]! + (closeTime - openTime) / Math.max(1, to - from),
            high: ib.high[k]!,
            low: ib.low[k]!,
            close: ib.close[k]!,
            atr,
            conditions,
          },
        );
        book = step.book;
        events.push(...step.events);
        if (step.events.some((e) => e.type === 'StopStatusChanged' && e.data.to === 'triggered')) break;
      }
      book = { ...book, bars: bars + 1 };
    }
    s.book = book;
    // On bar fills a triggered leg's exit is stamped inside the bar (exitLeg: mid-bar, a time stop at the
    // close), so its trigger is too: stamped at the close, the audit timeline showed the fill before the
    // trigger that caused it. The desk's exits go out at the step, as their triggers do.
    let last =
      this.desk === null
        ? this.emitBarStops(s, events, openTime, closeTime, correlationId)
        : this.emitStops(s, events, closeTime, correlationId, null);
    for (const e of events) {
      if (e.type !== 'StopStatusChanged' || e.data.to !== 'triggered') continue;
      last =
        this.desk !== null
          ? this.tickExit(s, e.data.legId, closeTime, correlationId, last)
          : this.exitLeg(
              s,
              e.data.legId,
              e.data.kind,
              e.data.price,
              openTime,
              open,
              close,
              correlationId,
              last,
            );
      if (s.book === null || s.qty === 0) break;
    }
    if (s.book !== null) this.syncStopLevels(s, params);
  }

  private intrabarPath(s: SymbolState, openTime: number, closeTime: number): [number, number] | null {
    const ib = s.intrabar;
    if (ib === undefined) return null;
    let k = s.intrabarIndex;
    const t = ib.openTime;
    while (k < t.length && t[k]! < openTime) k++;
    let end = k;
    while (end < t.length && t[end]! < closeTime) end++;
    s.intrabarIndex = end;
    return end > k ? [k, end] : null;
  }

  private exitLeg(
    s: SymbolState,
    legId: string,
    kind: 'stop' | 'take-profit' | 'time',
    priceText: string | null,
    openTime: number,
    open: number,
    close: number,
    correlationId: string,
    causationId: string | null,
  ): string | null {
    const book = s.book;
    if (book === null || s.qty === 0) return causationId;
    const leg = stopLeg(book, legId);
    if (!leg) return causationId;
    const side = book.side === 'long' ? 'SELL' : 'BUY';
    const legPrice = priceText === null ? close : Number(priceText);
    const base =
      kind === 'stop'
        ? stopFillBase(book.side, legPrice, open)
        : kind === 'take-profit'
          ? takeProfitFillBase(book.side, legPrice, open)
          : close;
    const open_ = toNumber(book.open);
    const qtyNum = Math.min(toNumber(leg.quantity), open_, Math.abs(s.qty));
    const quantity = fromNumber(qtyNum, s.instrument.stepSize, 'floor');
    if (quantity <= 0n) return causationId;
    const at = exitLegAt(kind, openTime, s.tfMs);
    const orderId = this.nextOrderId();
    const type = kind === 'stop' ? 'STOP_MARKET' : kind === 'take-profit' ? 'TAKE_PROFIT_MARKET' : 'MARKET';
    const requested = this.requestOrder(
      s,
      orderId,
      {
        side,
        type,
        quantity: toText(quantity),
        ...(type === 'MARKET'
          ? {}
          : {
              stopPrice: toText(
                fromNumber(legPrice, s.instrument.tickSize, side === 'SELL' ? 'floor' : 'ceil'),
              ),
            }),
        reduceOnly: true,
        gridPolicy: 'round',
      },
      at,
      correlationId,
      causationId,
    );
    if (requested === undefined) return causationId;
    let accepted = this.ledger.order(
      orderId,
      { kind: 'AcceptOrder', venueOrderId: `sim-${orderId}` },
      at,
      correlationId,
      requested,
    );
    if (type !== 'MARKET') {
      // The price that crossed the trigger, on the grid on the crossing side.
      const crossing = (side === 'SELL') === (kind === 'stop') ? 'floor' : 'ceil';
      accepted = this.ledger.order(
        orderId,
        { kind: 'TriggerOrder', price: toText(fromNumber(base, s.instrument.tickSize, crossing)) },
        at,
        correlationId,
        accepted,
      );
    }
    const price = withImpact(base, side, impactFraction(this.lambda(s), qtyNum * base));
    const filledPrice = fromNumber(price, s.instrument.tickSize, side === 'BUY' ? 'ceil' : 'floor');
    const settledId = this.bookFill(
      s,
      orderId,
      side,
      quantity,
      filledPrice,
      'taker',
      true,
      at,
      correlationId,
      accepted,
    );
    const last = this.bookExit(s, onExitFilled(s.book!, legId, quantity, at), at, correlationId, settledId);
    this.notifyFill(s, orderId, side, qtyNum, toNumber(filledPrice));
    return last;
  }

  // --- stops on ticks ------------------------------------------------------------------------------------

  /**
   * Fed ticks, the stop ladder is judged on every print, not on bars: a print through a level triggers
   * its leg (stopsOnPrint) and the exit goes to the tick venue as a reduce-only market order that walks
   * the real book, so a stop fills at prices the book offered, after the venue's latency. The ladder
   * still moves (break-even, chandelier, time stop) at each bar close, in checkStops.
   */
  private watchPrint(s: SymbolState, time: number, price: number): void {
    s.lastPrint = price;
    if (s.exitRetry.size > 0) {
      const correlationId = `obs:${s.symbol}:${this.desk?.kind === 'live' ? 'mark' : 'trade'}:${time}`;
      for (const legId of [...s.exitRetry]) this.tickExit(s, legId, time, correlationId, null);
    }
    const b = s.book;
    if (b === null) return;
    if (price > s.printHigh) s.printHigh = price;
    if (price < s.printLow) s.printLow = price;
    const crossed =
      b.side === 'long'
        ? price <= s.stopLevel || price >= s.targetLevel
        : price >= s.stopLevel || price <= s.targetLevel;
    if (!crossed) return;
    const step = stopsOnPrint(b, { at: time, price });
    if (step.events.length === 0) return;
    s.book = step.book;
    const correlationId = `obs:${s.symbol}:${this.desk?.kind === 'live' ? 'mark' : 'trade'}:${time}`;
    let last = this.emitStops(s, step.events, time, correlationId, null);
    for (const e of step.events) {
      if (e.type !== 'StopStatusChanged' || e.data.to !== 'triggered') continue;
      last = this.tickExit(s, e.data.legId, time, correlationId, last);
    }
    if (s.book !== null) this.syncStopLevels(s, s.ladderParams ?? this.stopParams(undefined));
  }

  /**
   * Sends a triggered leg's exit to the tick venue: what the leg has left, no more than the position
   * less the exits already on their way. Returns the OrderRequested id (the chain goes on from it).
   */
  private tickExit(
    s: SymbolState,
    legId: string,
    at: number,
    correlationId: string,
    causationId: string | null,
  ): string | null {
    const book = s.book;
    if (book === null || s.qty === 0) {
      s.exitRetry.delete(legId);
      return causationId;
    }
    const leg = stopLeg(book, legId);
    if (leg === undefined || leg.status !== 'triggered') {
      s.exitRetry.delete(legId);
      return causationId;
    }
    let exiting = 0;
    for (const [orderId, l] of s.exitOrders) {
      if (l === legId) return causationId;
      for (const o of this.desk!.openOrders(s))
        if (o.orderId === orderId) exiting += toNumber(o.quantity - o.filled);
    }
    // The strategy's market orders on their way against the position (a flip sent at the close, whose
    // fill the venue has not reported when a mark triggers the stop) will take that much off it: an exit
    // for all of it on top would be refused as reduce-only, or leave a position the other way. A resting
    // limit is no such promise, and does not hold the stop back.
    let reducing = 0;
    for (const o of this.desk!.openOrders(s)) {
      // A backstop the exchange has triggered is a market order on its way too.
      if (o.price !== null || (o.conditional && !(o.guard && o.triggered)) || s.exitOrders.has(o.orderId))
        continue;
      if (book.side === 'long' ? o.side === 'SELL' : o.side === 'BUY')
        reducing += toNumber(o.quantity - o.filled);
    }
    const left = toNumber(leg.quantity - (s.exitFilled.get(legId) ?? 0n));
    const inst = s.instrument;
    const quantity = fromNumber(
      Math.min(left, Math.abs(s.qty) - exiting - reducing),
      inst.marketStepSize > 0n ? inst.marketStepSize : inst.stepSize,
      'floor',
    );
    // Nothing to send while other exits cover the position: the leg waits (if it was waiting) for them.
    // While the strategy's own orders cover it, the leg looks again at the next price: should they be
    // refused, it still exits.
    if (quantity <= 0n) {
      if (reducing > 0) s.exitRetry.add(legId);
      return causationId;
    }
    const side = book.side === 'long' ? 'SELL' : 'BUY';
    const orderId = this.nextOrderId();
    const requested = this.requestOrder(
      s,
      orderId,
      { side, type: 'MARKET', quantity: toText(quantity), reduceOnly: true },
      at,
      correlationId,
      causationId,
    );
    // The venue's rules refused the exit (below the minimum, say): like a bar exit, the leg stays
    // triggered and the position open, and the log shows no order.
    if (requested === undefined) return causationId;
    s.exitRetry.delete(legId);
    s.exitOrders.set(orderId, legId);
    this.submitTick(
      s,
      orderId,
      side,
      null,
      true,
      at,
      correlationId,
      requested ?? causationId,
      undefined,
      legId,
    );
    return requested ?? causationId;
  }

  /** A leg's exit is done (its quantity filled, or the position is gone): the ladder books it. */
  private finishExit(
    s: SymbolState,
    legId: string,
    at: number,
    correlationId: string,
    causationId: string | null,
  ): void {
    const filled = s.exitFilled.get(legId) ?? 0n;
    s.exitFilled.delete(legId);
    s.exitRetry.delete(legId);
    const book = s.book;
    if (book === null || filled <= 0n) return;
    if (stopLeg(book, legId)?.status !== 'triggered') return;
    this.bookExit(s, onExitFilled(book, legId, filled, at), at, correlationId, causationId);
    if (s.book !== null) this.syncStopLevels(s, s.ladderParams ?? this.stopParams(undefined));
  }

  /**
   * Records a leg's exit. When the position is flat the ladder ends there, legs left or not: the
   * strategy's own orders may have shrunk the position below what the ladder covers, and a leg left
   * armed on a flat position would be a stop on nothing.
   */
  private bookExit(
    s: SymbolState,
    step: StopStep,
    at: number,
    correlationId: string,
    causationId: string | null,
  ): string | null {
    const ended =
      s.qty === 0 && step.book.open > 0n ? closeAll(step.book, at, 'position closed', step.events) : step;
    s.book = ended.book;
    const last = this.emitStops(s, ended.events, at, correlationId, causationId);
    if (s.qty === 0 || ended.book.open <= 0n) this.clearBook(s);
    return last;
  }

  // --- funding and liquidation --------------------------------------------------------------------------

  private settleFunding(s: SymbolState, closeTime: number, open: number): void {
    const f = s.funding!;
    while (s.fundingIndex < f.time.length && f.time[s.fundingIndex]! <= closeTime) {
      const k = s.fundingIndex++;
      const time = f.time[k]!;
      const rate = f.rate[k]!;
      s.fundingRate = rate;
      if (s.qty !== 0 && !this.fundingFromVenue) {
        const markPrice = this.markAt(s, time, open);
        const correlationId = `funding:${s.symbol}:${time}`;
        this.ledger.book(
          {
            kind: 'ApplyFunding',
            symbol: s.symbol,
            fundingTime: Math.round(time),
            rate: decimalText(rate, 10),
            markPrice: toText(fromNumber(markPrice, s.instrument.tickSize, 'half-even')),
          },
          time,
          correlationId,
          null,
        );
        this.refreshMirror(s);
      }
      const h = this.handlers.onFunding;
      if (h !== undefined && this.config.strategy.feeds?.funding)
        h.call(this.handlers, { symbol: s.symbol, time, rate }, this);
    }
  }

  /**
   * Funding as the exchange charged it, on a real account whose venue reports its income records: the
   * exchange's figure is what the wallet moved by, so it is what the ledger books (ApplyFunding with
   * `charged`). The rate and the mark in the event are the engine's reading: the feed's record for that
   * funding time when it has come (else the latest rate), and the mark known then (else the venue's latest,
   * else the last close). A figure the ledger cannot place (no position in this run, a margin asset other
   * than the instrument's) is counted and logged, and left to the account check.
   */
  private fundingCharged(s: SymbolState, r: VenueFunding): void {
    const correlationId = `funding:${s.symbol}:${r.time}`;
    const notBooked = (why: string) => this.incomeNotBooked(s, r, why, correlationId);
    if (r.asset !== s.instrument.marginAsset) {
      notBooked(`not in ${s.instrument.marginAsset}`);
      return;
    }
    const rate = this.fundingRateAt(s, r.time);
    const venueMark = this.desk?.midPrice(s) ?? Number.NaN;
    const mark = this.markAt(
      s,
      r.time,
      Number.isFinite(venueMark) && venueMark > 0 ? venueMark : s.lastClose,
    );
    try {
      const booked = this.ledger.book(
        {
          kind: 'ApplyFunding',
          symbol: s.symbol,
          fundingTime: Math.round(r.time),
          rate: decimalText(rate, 10),
          markPrice: toText(fromNumber(mark, s.instrument.tickSize, 'half-even')),
          charged: r.amount,
        },
        r.time,
        correlationId,
        null,
      );
      if (booked.events.length === 0) notBooked('that funding time is booked already');
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      notBooked(err.message);
      return;
    }
    this.refreshMirror(s);
  }

  /**
   * The clearance fee the exchange took when it liquidated this run's position (Binance's INSURANCE_CLEAR):
   * booked as charged, a liquidation fee against the liquidation it follows (its order and the notional this
   * run's share of it closed). A fee with no liquidation of this run to follow is recorded as not booked.
   */
  private clearanceFee(s: SymbolState, r: VenueClearanceFee): void {
    const last = this.liquidations.get(s.symbol);
    const correlationId = last === undefined ? `clearance:${r.incomeId}` : `liquidation:${last.venueOrderId}`;
    const notBooked = (why: string) => this.incomeNotBooked(s, r, why, correlationId);
    if (last === undefined) {
      notBooked('this run was not liquidated on it');
      return;
    }
    if (r.asset !== s.instrument.marginAsset) {
      notBooked(`not in ${s.instrument.marginAsset}`);
      return;
    }
    try {
      this.ledger.book(
        {
          kind: 'ChargeClearanceFee',
          symbol: s.symbol,
          positionSide: 'BOTH',
          orderId: last.orderId,
          strategyId: this.config.strategy.id,
          notional: toText(last.notional),
          amount: r.amount,
        },
        r.time,
        correlationId,
        null,
      );
    } catch (err) {
      if (!(err instanceof LedgerRuleError)) throw err;
      notBooked(err.message);
      return;
    }
    this.refreshMirror(s);
  }

  /** An income record (funding, a clearance fee) the ledger could not book: listed in words, and recorded. */
  private incomeNotBooked(
    s: SymbolState,
    r: VenueFunding | VenueClearanceFee,
    why: string,
    correlationId: string,
  ): void {
    (r.kind === 'funding' ? this.fundingUnbooked : this.clearanceUnbooked).push(
      `${s.symbol} ${r.amount} ${r.asset} at ${new Date(r.time).toISOString()}: ${why}`,
    );
    this.recordUnbooked(
      {
        record: r.kind,
        symbol: s.symbol,
        ref: r.incomeId,
        time: Math.round(r.time),
        amount: r.amount,
        unit: r.asset,
        why,
      },
      correlationId,
    );
  }

  /** What the exchange recorded and the ledger could not book, in the run's stream for the reviewer. */
  private recordUnbooked(data: ExchangeRecordUnbookedData, correlationId: string): void {
    this.log.emit(
      `run-${this.config.runId}`,
      'ExchangeRecordUnbooked',
      data,
      data.time,
      correlationId,
      null,
      'system:engine',
    );
  }

  /** The feed's funding rate for `time` when its record has come, else the latest known (0 before any). */
  private fundingRateAt(s: SymbolState, time: number): number {
    const f = s.funding;
    if (f !== undefined) {
      // Settled records are behind fundingIndex, ones not reached yet from it on: look both ways.
      for (let k = Math.min(s.fundingIndex, f.time.length) - 1; k >= 0 && f.time[k]! >= time; k--)
        if (f.time[k] === time) return f.rate[k]!;
      for (let k = s.fundingIndex; k < f.time.length && f.time[k]! <= time; k++)
        if (f.time[k] === time) return f.rate[k]!;
    }
    return Number.isFinite(s.fundingRate) ? s.fundingRate : 0;
  }

  /** The mark price at a funding time: Binance's mark kline when the feed has it, else the bar's open. */
  private markAt(s: SymbolState, time: number, fallback: number): number {
    return s.mark === undefined ? fallback : (markKnownAt(s.mark, time) ?? fallback);
  }

  /**
   * A float estimate of the cross margin ratio at the bar's adverse extreme screens every bar; only an
   * account within 20% of its maintenance margin goes to the ledger's exact check, which decides.
   * Trade-price bars stand in for the mark price inside a bar (the 8h mark feed is too coarse).
   */
  private checkLiquidation(s: SymbolState, i: number, closeTime: number, adverse: number): void {
    let equity = this.walletF;
    let mm = 0;
    for (const x of this.symbols) {
      if (x.qty === 0) continue;
      const p = x === s ? adverse : x.lastClose;
      equity += x.unrealised(p);
      mm += x.mmRate * Math.abs(x.qty) * p;
    }
    if (equity > mm * 1.2) return;
    const marks: Record<string, string> = {};
    for (const x of this.symbols) {
      if (x.qty === 0) continue;
      const p = x === s ? adverse : x.lastClose;
      marks[x.symbol] = toText(fromNumber(p, x.instrument.tickSize, x.qty > 0 ? 'floor' : 'ceil'));
    }
    const r = this.ledger.book(
      { kind: 'CheckLiquidation', marks },
      closeTime,
      this.correlationOf(s, i),
      null,
    );
    if (r.events.length === 0) return;
    for (const x of this.symbols) {
      this.refreshMirror(x);
      if (x.qty === 0 && x.book !== null) {
        const step = closeAll(x.book, closeTime, 'liquidated');
        this.emitStops(x, step.events, closeTime, this.correlationOf(s, i), r.last);
        this.clearBook(x);
      }
      if (x.qty === 0)
        this.cancelPending(
          x,
          (o) => o.reduceOnly,
          closeTime,
          'liquidation closed the position: reduce-only cancelled',
        );
    }
  }

  // --- equity -----------------------------------------------------------------------------------------

  private markEquity(at: number): void {
    let unrealised = 0;
    let exposure = 0;
    for (const s of this.symbols) {
      if (s.qty === 0 || !Number.isFinite(s.lastClose)) continue;
      unrealised += s.unrealised(s.lastClose);
      exposure += Math.abs(s.qty * s.lastClose);
    }
    const equity = this.walletF + unrealised;
    if (equity > this.peakEquity) this.peakEquity = equity;
    if (equity > this.breakerPeak) this.breakerPeak = equity;
    this.equitySlope.push(equity);
    this.observeBreaker(at, equity);
    this.log.emit(
      `run-${this.config.runId}`,
      'EquityMarked',
      { at: Math.round(at), equity, wallet: this.walletF, unrealisedPnl: unrealised, exposure },
      at,
      `run-${this.config.runId}`,
      null,
      'system:engine',
    );
    const m = this.config.equityMarkMs;
    this.nextMarkAt = Math.floor(at / m) * m + m;
    this.lastMarkAt = at;
    this.lastMarkCount = this.log.count;
  }
}
