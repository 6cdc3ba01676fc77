import type { InstrumentBook } from '../../adapters/instruments/binance-files.js';
import type { SymbolSetting } from '../../adapters/venue/venue-session.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { Fixed } from '../../domain/ledger/fixed.js';
import type { Venue } from '../../domain/ledger/venue-port.js';
import { ledgerFlows } from '../../domain/lifecycle/account-check.js';
import { EvidenceFold } from '../../domain/lifecycle/evidence.js';
import type { Evidence } from '../../domain/lifecycle/gates.js';
import type { LiveBars, LiveMarkPrices } from '../../domain/market/live-feed.js';
import { bucketStart, timeframeMs } from '../../domain/market/timeframe.js';
import type { BackstopPlan } from '../../domain/risk/backstop.js';
import type { CarriedLadder } from '../../domain/risk/carried-ladder.js';
import { runLive, type Waker } from '../../replay/engine/live.js';
import { checkLiveRequest, prepareLiveRun } from '../../replay/engine/live-run.js';
import { type PaperClock, wallClock } from '../../replay/engine/paper.js';
import { type RunRequest, resolveStrategy } from '../../replay/engine/run.js';
import { bestFromBars } from './carried-ladders.js';
import type { HeldPosition } from './closeout.js';
import { EngineRun, FUNDING_WAIT_MS } from './engine-run.js';
import type { RunLeftovers } from './leftovers.js';
import { type CarriedOn, carriedWords, type EarlierRun } from './previous-run.js';
import {
  type ActiveParameters,
  type PaperRun,
  type PaperRunStatus,
  symbolsTag,
  versionTag,
} from './session.js';

export interface RealAccountSessionOptions {
  readonly strategyId: string;
  readonly symbols: readonly string[];
  readonly parameters?: ActiveParameters;
  /** `canary` trades `share` of the capital (the lifecycle's canary share), `live` (prod) all of it. */
  readonly mode: 'canary' | 'live';
  readonly share: number;
  /** The capital the run's ledger starts with (USDT, decimal text): what prod sizes on. */
  readonly capital: string;
  readonly feed: LiveBars;
  readonly marks: LiveMarkPrices;
  /** The exchange account, shared by every real run of the node; its reports wake the runs. */
  readonly venue: Venue;
  readonly venueName: string;
  readonly waker: Waker;
  readonly store: EventStore & EventLookup;
  readonly clock?: PaperClock;
  /**
   * Each position's backstop resting at the exchange (domain/risk/backstop.ts), which protects it while the
   * node is down; absent: none.
   */
  readonly backstop?: BackstopPlan;
  /** The instruments as the exchange lists them now (default: the recorded metadata). */
  readonly instruments?: InstrumentBook;
  /**
   * Lists them again (CcxtVenue.instrumentBook): every hour, and when a fill or a refusal says the
   * exchange changed them, so the run books and sizes by the exchange's grid mid-run. Absent: the run
   * keeps the listing it started with.
   */
  readonly listInstruments?: () => Promise<InstrumentBook>;
  /** Between two scheduled listings (default an hour). */
  readonly instrumentsEveryMs?: number;
  /**
   * The account's own commission rates on the run's symbols (CcxtVenue.commissionRates), asked at each
   * start and booked by the run's ledger (SetFeeRates): simulated fees and fees paid in BNB are priced at
   * them, not the tier's. A failure keeps the run from starting, and it is tried again. Absent: the tier's.
   */
  readonly commissionRates?: (
    symbols: readonly string[],
  ) => Promise<ReadonlyMap<string, { readonly maker: string; readonly taker: string }>>;
  /**
   * Sets the account's margin type and leverage of the run's symbols to what its ledger books
   * (CcxtVenue.configure), before it sends an order: the exchange margins and liquidates by its own
   * settings. A failure keeps the run from starting, and it is tried again.
   */
  readonly configureAccount?: (settings: ReadonlyMap<string, SymbolSetting>) => Promise<void>;
  /**
   * An earlier real run of the strategy whose positions this run carries on instead of closing them at
   * market: a run of an earlier process (a crash, or a stop that kept them), or one of this process that
   * trades a parameter version no longer in force (handOver). Once this run is built, warmed and
   * configured, `settle` stops the earlier run where it still trades, books what the exchange did that its
   * ledger has not, cancels its orders (settleForCarry), and returns what its ledger still holds; the
   * engine takes that over (Engine.carryOn). Settling that leaves anything else (an order that would not
   * end) keeps the run from starting; it is tried again.
   */
  readonly carry?: {
    readonly from: { readonly runId: string; readonly accountId: string };
    readonly settle: () => Promise<{
      readonly left: readonly string[];
      readonly held: readonly HeldPosition[];
      /** Symbols the exchange liquidated while no process followed the earlier run. */
      readonly liquidated?: readonly string[];
    }>;
    /**
     * The earlier run's stop ladders on the symbols it still holds once settled (carriedLadders): each
     * goes on under this run where it stood. Absent, or a symbol left out: a fresh ladder from the last close.
     */
    readonly ladders?: (symbols: readonly string[]) => Promise<ReadonlyMap<string, CarriedLadder>>;
  };
  /**
   * What the strategy's real runs before this one leave it (previous-run.ts): the breaker levels its
   * ladders start at, its risk state (the round trips its Kelly sizing starts from, what it lost of the
   * day, its breaker's drawdown and losing streak, its equity marks for the slope), and the evidence its
   * lifecycle evidence goes on from. Asked when the engine is built, so a hand-over reads the earlier run
   * as it stands then. Absent, or null parts: a fresh start.
   */
  readonly carriedOn?: () => Promise<CarriedOn>;
  /** Between two asks for the marks (default 2 s). */
  readonly markEveryMs?: number;
  readonly onAppended?: (events: readonly StoredEvent[]) => void;
  readonly log?: (m: string) => void;
}

/**
 * A real run's id: `real-<strategy>-<symbols tag>-<when it was built, to the second>[-v<version>]`. Not the
 * bar it starts at: two runs built before the same bar (a parameter version put in force, or a node that
 * crashes and restarts, within a bar of the last start) would share their streams and ledger account.
 */
export const realRunId = (
  strategyId: string,
  symbols: readonly string[],
  builtAt: number,
  paramsVersion: number,
): string =>
  `real-${strategyId}-${symbolsTag(symbols)}-${new Date(builtAt).toISOString().slice(0, 19).replace(/[-:T]/g, '')}${versionTag(paramsVersion)}`;

/**
 * A strategy trading the real account (the lifecycle's canary or prod stage): the engine of a backtest fed
 * the venue's live bars, its orders sent to the exchange (replay/engine/live-desk.ts), its events copied
 * into the main log as they are written.
 *
 * It starts at the next bar open and never replays the past: orders sent by an earlier process cannot be
 * sent again. So each start is a new run (realRunId). What the strategy's earlier real run left on the
 * account is carried on (`carry`) or closed out before it trades (docs/lifecycle.md).
 */
export class RealAccountSession extends EngineRun implements PaperRun {
  private readonly clock: PaperClock;
  private readonly tfMs: number;
  private share: number;
  /** The first bar open it trades: the next one after it opens (until then, after it was built). */
  private from: number;
  /** Ends the run's loop once it is flat after retire(). */
  private readonly halt = new AbortController();
  private retiring = false;
  /** Why it was retired, for an engine built after the retire (one that settles an earlier run to carry on). */
  private retireReason = '';
  /** Settling the earlier run it carries on: a retire then waits for the engine, which must take it over. */
  private settling = false;
  /** Stopped to hand its positions over to the next run of this process (handOver). */
  private handingOver = false;
  /** The run's loop, once run() was called: handOver waits for it to end. */
  private loop: Promise<void> | null = null;
  /** Symbols of the run it carries on that the exchange liquidated while no process followed it. */
  private liquidatedMeanwhile: readonly string[] = [];

  constructor(private readonly opts: RealAccountSessionOptions) {
    const clock = opts.clock ?? wallClock;
    const tf = timeframeMs(resolveStrategy(opts.strategyId).timeframe);
    const from = bucketStart(clock.now() + tf - 1, tf);
    super(
      realRunId(opts.strategyId, opts.symbols, clock.now(), opts.parameters?.version ?? 0),
      opts.store,
      opts,
    );
    this.clock = clock;
    this.tfMs = tf;
    this.share = opts.share;
    this.from = from;
    this.logTag = 'real';
  }

  private get request(): RunRequest {
    return {
      strategyId: this.opts.strategyId,
      symbols: this.opts.symbols,
      from: this.from,
      runId: this.runId,
      initialBalance: this.opts.capital,
      ...(this.opts.parameters
        ? { params: this.opts.parameters.params, paramsVersion: this.opts.parameters.version }
        : {}),
    };
  }

  async prepare(): Promise<void> {
    await checkLiveRequest(this.request, this.opts.instruments);
  }

  async fastForward(): Promise<number> {
    return 0;
  }

  /** The parameter version it trades (0: the schema defaults). */
  get paramsVersion(): number {
    return this.opts.parameters?.version ?? 0;
  }

  get mode(): 'canary' | 'live' {
    return this.opts.mode;
  }

  /** The share of the capital it sizes on now. */
  get sizing(): number {
    return this.share;
  }

  /**
   * Sizes on `share` of the capital from the next decision on; 0 takes it off real money: the engine
   * cancels its entries and closes its positions with reduce-only orders at once (a bench).
   */
  resize(share: number, reason: string): void {
    this.share = share;
    this.engine?.allocate({
      roundId: `lifecycle-${this.clock.now()}`,
      weight: share,
      multiplier: share,
      benched: share === 0,
      benchedUntil: null,
      reason,
    });
  }

  /**
   * Takes the run off real money for good: it sizes on nothing, closes what it holds with reduce-only
   * orders, and its loop ends once the exchange has filled them and nothing works. A new stage is a new run.
   */
  retire(reason: string): void {
    // A run that handed its positions over holds nothing: the run that took them over answers for them.
    if (this.retiring || this.handingOver) return;
    this.retiring = true;
    this.retireReason = reason;
    if (this.engine === null) {
      // While an earlier run is being settled for it, this run must take its positions over (and close
      // them, as it is retired): nobody else would.
      if (!this.settling) this.halt.abort();
      return;
    }
    this.resize(0, reason);
    this.stopWhenFlat();
  }

  /**
   * Stops the run for the next run of this process to carry on what it holds (a parameter version put in
   * force: the hand-over costs no trade). Its loop ends where it is, its positions and orders as they are
   * (its backstops go on resting at the exchange) and every event it wrote copied into the main log; the
   * next run then settles it on its lane (settleForCarry: its orders cancelled, what they did meanwhile
   * booked). Resolves with what it leaves, or null when it no longer trades: taken off real money (it
   * closes its positions itself) or ended, it hands nothing over and the next run starts flat.
   */
  handOver(reason: string): Promise<RunLeftovers | null> {
    // Asked again when settling it failed and the next run's start is tried again: the same answer.
    this.handedOverAs ??= this.stopForHandOver(reason);
    return this.handedOverAs;
  }

  private handedOverAs: Promise<RunLeftovers | null> | null = null;

  private async stopForHandOver(reason: string): Promise<RunLeftovers | null> {
    if (this.loop === null || this.state !== 'running' || this.retiring) {
      this.opts.log?.(
        `real ${this.runId}: hands nothing over to the next run: it no longer trades (${this.state})`,
      );
      return null;
    }
    this.handingOver = true;
    this.opts.log?.(`real ${this.runId}: hands its positions over to the next run: ${reason}`);
    this.halt.abort();
    await this.loop;
    // Its events did not all reach the main log: settling it there would book on a ledger that is behind.
    if ((this.state as PaperRunStatus['state']) === 'failed')
      throw new Error(
        `${this.runId} failed as it stopped (${this.error}): it cannot be settled for a hand-over`,
      );
    const engine = this.need();
    const positions: { symbol: string; quantity: Fixed }[] = [];
    for (const [symbol, quantity] of this.ledgerPositions())
      if (quantity !== 0n) positions.push({ symbol, quantity });
    return {
      runId: this.runId,
      accountId: this.runId,
      strategyId: this.opts.strategyId,
      mode: this.opts.mode,
      positions,
      workingOrders: engine.workingOrders(),
    };
  }

  /** Handed its positions over to the next run (handOver). */
  get handedOver(): boolean {
    return this.handingOver;
  }

  ledgerPositions(): ReadonlyMap<string, Fixed> {
    const out = new Map<string, Fixed>();
    for (const p of this.engine?.ledgerAccount.positions.values() ?? [])
      out.set(p.symbol, (out.get(p.symbol) ?? 0n) + p.qty);
    return out;
  }

  /** As the engine's events show, and tripped when the run it carries on was liquidated meanwhile. */
  /** What it went on from at its start, in words (wentOnFrom). */
  private carried: string[] = [];

  private wentOn(line: string): void {
    this.carried.push(line);
    this.opts.log?.(`real ${this.runId}: ${line}`);
  }

  wentOnFrom(): readonly string[] {
    return this.carried;
  }

  /** The strategy's real runs since it came to real money, whose evidence this run's goes on from. */
  private earlierRuns: readonly EarlierRun[] = [];

  /**
   * The strategy's evidence on real money is its real runs' since it came to it, one after another: the
   * canary's days, trades and returns do not start again at every restart of the node.
   */
  protected override newEvidenceFold(): EvidenceFold {
    const fold = new EvidenceFold(this.runId);
    for (const r of this.earlierRuns) {
      for (const e of r.events) fold.add(e);
      fold.segment();
    }
    return fold;
  }

  override lifecycleEvidence(): Evidence | null {
    const e = super.lifecycleEvidence();
    return e !== null && this.liquidatedMeanwhile.length > 0 ? { ...e, breakerTripped: true } : e;
  }

  carriedFrom(): string | null {
    return this.engine?.carriedFrom ?? null;
  }

  ledgerFlows(): Fixed {
    const totals = this.engine?.ledgerAccount.totals;
    return totals === undefined ? 0n : ledgerFlows(totals);
  }

  unbooked(): readonly string[] {
    const engine = this.engine;
    if (engine === null) return [];
    return [
      ...engine.forcedUnbooked.map((w) => `the exchange's closing trade: ${w}`),
      ...engine.fundingUnbooked.map((w) => `funding the exchange charged: ${w}`),
      ...engine.clearanceUnbooked.map((w) => `the exchange's liquidation clearance fee: ${w}`),
    ];
  }

  quiet(): boolean {
    const engine = this.engine;
    // A backstop resting at the exchange is not on its way: a check may read the account meanwhile.
    return engine === null || (engine.workingOrders(false).length === 0 && (engine.live?.waiting ?? 0) === 0);
  }

  get retired(): boolean {
    return this.retiring;
  }

  /**
   * A real run whose events cannot reach the log must not go on trading unrecorded: it is retired (its
   * positions closed) at once.
   */
  protected override fail(err: unknown): void {
    super.fail(err);
    if (!this.retiring && this.engine !== null)
      this.retire(`taken off real money: ${err instanceof Error ? err.message : String(err)}`);
  }

  private stopWhenFlat(): void {
    const engine = this.engine;
    if (!this.retiring || engine === null) return;
    if (engine.workingOrders().length === 0 && this.opts.symbols.every((s) => engine.position(s) === 0))
      this.halt.abort();
  }

  run(signal: AbortSignal): Promise<void> {
    this.loop ??= this.trade(signal);
    return this.loop;
  }

  private async trade(signal: AbortSignal): Promise<void> {
    const opening = AbortSignal.any([signal, this.halt.signal]);
    const opened = await this.openWithRetry(opening, this.clock, async () => {
      // After a wait for the venue, the next bar open is later: the run never starts in the past.
      this.from = bucketStart(this.clock.now() + this.tfMs - 1, this.tfMs);
      const feeRates = await this.opts.commissionRates?.(this.opts.symbols);
      const { breakers, riskState, earlierRuns } = (await this.opts.carriedOn?.()) ?? {
        breakers: null,
        riskState: null,
        earlierRuns: [],
      };
      this.earlierRuns = earlierRuns;
      // Asked again when a start is tried again: what it says is this start's.
      this.carried = [];
      if (earlierRuns.length > 0)
        this.wentOn(`its lifecycle evidence goes on from ${earlierRuns.map((r) => r.runId).join(', ')}`);
      if (breakers !== null)
        this.wentOn(
          `its breakers start where ${breakers.from}'s stood (strategy ${breakers.strategy}, account ${breakers.account})`,
        );
      if (riskState !== null)
        this.wentOn(`goes on from ${riskState.from}'s risk: ${carriedWords(riskState)}`);
      const { engine } = await prepareLiveRun(this.request, this.opts.feed, this.clock.now(), undefined, {
        venue: this.opts.venue,
        wall: () => this.clock.now(),
        venueName: this.opts.venueName,
        mode: this.opts.mode,
        ...(this.opts.backstop ? { backstop: this.opts.backstop } : {}),
        ...(this.opts.instruments ? { instruments: this.opts.instruments } : {}),
        ...(this.opts.listInstruments ? { relisting: true } : {}),
        ...(feeRates ? { feeRates } : {}),
        ...(breakers !== null ? { breakers } : {}),
        ...(riskState !== null ? { riskState } : {}),
      });
      engine.start();
      // The ledger's settings, now booked: the account must trade by the same before the first order.
      const settings = new Map<string, SymbolSetting>();
      for (const symbol of engine.config.symbols) {
        const s = engine.ledgerAccount.settings.get(symbol);
        if (s !== undefined) settings.set(symbol, { leverage: s.leverage, marginType: s.marginType });
      }
      await this.opts.configureAccount?.(settings);
      const carry = this.opts.carry;
      if (carry !== undefined) {
        // Last before trading: the earlier run's backstops are cancelled here, and this run's first step
        // takes its positions over and places their new ones.
        // Stopped or retired before it took anything over: the earlier run is left as it is.
        if (opening.aborted) throw new Error(`stopped before it carried on what ${carry.from.runId} holds`);
        this.settling = true;
        let settled: Awaited<ReturnType<typeof carry.settle>>;
        try {
          settled = await carry.settle();
        } finally {
          this.settling = false;
        }
        const { left, held } = settled;
        // Liquidated while no process followed it: a risk hit, as if this run's own breaker had tripped.
        // The lifecycle takes the strategy off real money at once (lifecycleEvidence below), which a
        // liquidation seen live does too; carrying the rest on as if nothing happened would not.
        if ((settled.liquidated ?? []).length > 0) {
          this.liquidatedMeanwhile = [...settled.liquidated!];
          this.opts.log?.(
            `real ${this.runId}: the exchange liquidated ${this.liquidatedMeanwhile.join(', ')} of ${carry.from.runId} while no process followed it: the strategy goes off real money, as after a liquidation seen live`,
          );
        }
        if (left.length > 0)
          throw new Error(`what ${carry.from.runId} left is not settled yet: ${left.join('; ')}`);
        // Real runs trade cross margin; an isolated position's own wallet would have to move with it.
        const isolated = held.filter((p) => p.marginType !== 'cross').map((p) => p.symbol);
        if (isolated.length > 0)
          throw new Error(
            `${carry.from.runId} holds ${isolated.join(', ')} on isolated margin, which a run cannot carry on: start with LIVE_LEFTOVERS=close`,
          );
        // Nothing held (a backstop fired meanwhile, or the earlier run closes its own): nothing to take
        // over, and the earlier run's ledger goes on counting for itself in the account check.
        const timeframe = resolveStrategy(this.opts.strategyId).timeframe;
        const ladders =
          held.length > 0 && carry.ladders !== undefined
            ? await bestFromBars(
                await carry.ladders(held.map((p) => p.symbol)),
                async (symbol, afterOpen) =>
                  (await this.opts.feed.fetch(symbol, timeframe, afterOpen, this.clock.now())).bars,
                (m) => this.opts.log?.(`real ${this.runId}: ${m}`),
              )
            : new Map<string, CarriedLadder>();
        if (held.length > 0)
          engine.carryOn({
            fromAccount: carry.from.accountId,
            positions: held.map(({ symbol, quantity, cost }) => {
              const ladder = ladders.get(symbol);
              return { symbol, quantity, cost, ...(ladder !== undefined ? { ladder } : {}) };
            }),
          });
        for (const p of held) {
          const l = ladders.get(p.symbol);
          this.wentOn(
            `carries on ${p.symbol} ${p.quantity} (cost ${p.cost}) from ${carry.from.runId}${l === undefined ? '' : `, with its ladder (${l.protective.layer} stop ${l.protective.price} ${l.protective.status})`}`,
          );
        }
      }
      this.attach(engine);
      // Retired while it settled the earlier run: it takes the positions over only to close them.
      if (this.retiring) this.resize(0, this.retireReason);
      else if (this.share !== 1)
        this.resize(this.share, `${this.opts.mode}: ${this.share * 100} % of the capital`);
    });
    if (!opened) {
      if (this.retiring && this.state === 'starting') this.state = 'finished';
      return;
    }
    const loop = AbortSignal.any([signal, this.halt.signal]);
    const list = this.opts.listInstruments;
    await this.drive(signal, (engine) =>
      runLive(engine, this.opts.feed, {
        clock: this.clock,
        signal: loop,
        fundingWaitMs: FUNDING_WAIT_MS,
        orders: {
          marks: this.opts.marks,
          waker: this.opts.waker,
          markEveryMs: this.opts.markEveryMs ?? 2_000,
          ...(list
            ? {
                instruments: async () => {
                  const { all } = await list();
                  return (symbol: string) => all.get(symbol);
                },
                ...(this.opts.instrumentsEveryMs ? { instrumentsEveryMs: this.opts.instrumentsEveryMs } : {}),
              }
            : {}),
        },
        onStep: () => this.stopWhenFlat(),
        log: (m) => this.opts.log?.(`real ${this.runId}: ${m}`),
        onFeed: (c) => this.recordFeed(c),
      }),
    );
    if ((this.retiring || this.handingOver) && this.state !== 'failed') this.state = 'finished';
  }

  get simTime(): number {
    return this.engine?.now ?? this.clock.now();
  }

  status(): PaperRunStatus {
    const engine = this.engine;
    return {
      runId: this.runId,
      strategyId: this.opts.strategyId,
      accountId: this.runId,
      symbols: [...this.opts.symbols],
      feed: 'live',
      mode: this.opts.mode,
      from: new Date(this.from).toISOString(),
      to: null,
      simTime: new Date(Math.max(this.from, this.simTime)).toISOString(),
      progress: null,
      speed: 1,
      state: this.state,
      events: engine?.store.total ?? 0,
      copied: this.copier?.position ?? 0,
      error: this.error,
    };
  }
}
