import type { Instrument } from '../../domain/ledger/instrument.js';
import type { VenueRules } from '../../domain/ledger/venue.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { defaultAdaptiveParams } from '../../domain/risk/adaptive.js';
import { type BreakerParams, defaultBreakerParams } from '../../domain/risk/breaker.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import type { CarriedLadder } from '../../domain/risk/carried-ladder.js';
import type { LimitChange } from '../../domain/risk/limit-changes.js';
import { defaultRiskLimits, type RiskConfig } from '../../domain/risk/limits.js';
import { defaultSizingParams, type SizingParams } from '../../domain/risk/sizing.js';
import type { StopParams } from '../../domain/risk/stops.js';
import type { LatencyConfig } from '../../domain/sim/latency.js';
import type { TickScale } from '../../domain/sim/scale.js';
import type { StrategyDefinition } from '../../domain/strategy/sdk.js';
import type { TickFeeds } from '../tick/tick-venue.js';

export interface EngineConfig {
  readonly runId: string;
  /** `live` and `canary` runs trade a real account (liveOrders); the others fill on simulated venues. */
  readonly mode: 'backtest' | 'paper' | 'canary' | 'live';
  readonly seed: number;
  readonly accountId: string;
  /** Margin asset deposited at the start, as a decimal string. */
  readonly initialBalance: string;
  readonly strategy: StrategyDefinition;
  readonly params: Record<string, unknown>;
  readonly paramsVersion: number;
  readonly symbols: readonly string[];
  /** [from, to) in ms: bars whose open time lies inside are replayed. */
  readonly from: number;
  readonly to: number;
  readonly instrument: (symbol: string) => Instrument;
  /**
   * The run trades by a venue's own listing rather than the recorded (Binance) metadata: RunStarted records
   * each symbol's instrument (`config.instruments`), so a re-run and the account views use the same.
   */
  readonly recordInstruments?: boolean;
  readonly venueRules: VenueRules;
  readonly feeTier: string;
  /**
   * The account's own commission rates on every symbol (decimal text), in place of the tier's: a VIP
   * schedule the venue's tiers do not list, or a rebate tier (a negative maker rate, which pays the maker).
   * Booked at the start (SetFeeRates) and recorded in RunStarted. A real run's listed rates
   * (liveOrders.feeRates) win for their symbols. Absent: the tier's.
   */
  readonly feeRates?: { readonly maker: string; readonly taker: string };
  /** Leverage set on every symbol at the start (capped by its first bracket). */
  readonly leverage: number;
  /** λ of the square-root impact model, per symbol (default for the rest). */
  readonly impact: { readonly default: number; readonly symbols?: Readonly<Record<string, number>> };
  /** Seeded submit→ack latency of bar fills, uniform in [min, max] ms. */
  readonly latencyMs: { readonly min: number; readonly max: number };
  /**
   * Latencies of the tick venue that fills a strategy asking for trades or books (default
   * defaultTickLatency), drawn per symbol from the run's seed.
   */
  readonly tickLatency?: LatencyConfig;
  readonly risk: {
    readonly enabled: boolean;
    readonly config: RiskConfig;
    readonly disabledRules: readonly string[];
  };
  readonly sizing: SizingParams;
  /** The breaker ladder's thresholds; null switches it off. */
  readonly breaker: BreakerParams | null;
  /** Base stop parameters; a strategy's ProtectionRequest overrides the layers it names. */
  readonly stops: StopParams;
  /** Equity is marked on this grid (ms). */
  readonly equityMarkMs: number;
  /**
   * Bars before `from` replayed to warm indicators and the strategy up: they reach onBar, but targets
   * are ignored and nothing is booked, so the run starts flat with ready indicators.
   */
  readonly warmupBars?: number;
  /**
   * Where the bars come from when not from recorded files: a live feed of `venue`, whose bars the log
   * records (BarClosed), so a re-run reads them from there. Absent for runs on the data files.
   */
  readonly feedSource?: { readonly kind: 'live'; readonly venue: string };
  /**
   * Allocations the run took before (AllocationApplied, read back from its log by a restart or a
   * re-run), applied again where they were: before the step that follows the `seq`-th event.
   */
  readonly allocations?: readonly RecordedAllocation[];
  /**
   * `seq` (default): each before the step that follows its `seq`-th event, which reproduces the log. `time`:
   * before the first step past its time, for a what-if whose changed decisions write another number of events.
   */
  readonly allocationsBy?: 'seq' | 'time';
  /** Breaker step-downs approved before (read back from the ladders' streams), applied as allocations are. */
  readonly stepDowns?: readonly RecordedStepDown[];
  /** Desk limit changes the run took before (RiskLimitsApplied in its stream), applied as allocations are. */
  readonly limitChanges?: readonly RecordedLimitChange[];
  /**
   * Trade a real account: every order goes to `venue` (adapters/venue/ccxt-venue.ts) instead of a
   * simulated one, and the engine's stops are judged on the venue's marks (replay/engine/live-desk.ts).
   * `wall` stamps the venue's calls; `venueName` is recorded in RunStarted.
   */
  readonly liveOrders?: {
    readonly venue: import('../../domain/ledger/venue-port.js').Venue;
    readonly wall: () => number;
    readonly venueName: string;
    /**
     * Keep each position's backstop resting at the exchange (domain/risk/backstop.ts): a reduce-only
     * STOP_MARKET on the mark price, beyond the engine's stop, that protects the position while the
     * process is down. Absent: none.
     */
    readonly backstop?: import('../../domain/risk/backstop.js').BackstopPlan;
    /**
     * The runner lists the venue's instruments again when the engine asks (Engine.listingWanted) and on
     * a schedule, and hands them to Engine.relist: a fill off the grid the run holds then waits for the
     * new listing instead of being refused. Absent: the run keeps the instruments it started with.
     */
    readonly relisting?: boolean;
    /**
     * The account's own commission rates by symbol (CcxtVenue.commissionRates, decimal text), booked at the
     * start (SetFeeRates): the ledger prices simulated fees and fees paid in BNB by them. Absent: the tier's.
     */
    readonly feeRates?: ReadonlyMap<string, { readonly maker: string; readonly taker: string }>;
    /**
     * What an earlier real run of the strategy still holds on the exchange (a crash, or a stop that kept
     * its positions), carried on by this one instead of closed at market: the whole positions of the
     * ledger account `fromAccount`, exactly as its ledger holds them. Once the warm-up has shown what the
     * strategy wants, the engine takes each over at its cost (PositionTakenOver here, PositionHandedOver
     * in the earlier run's account stream, written together) and keeps it under the earlier run's stop
     * ladder (or one armed at the last close), or exits it at once when the strategy no longer wants that side.
     */
    readonly carry?: CarryOver;
    /**
     * The breaker levels the strategy's earlier real run had reached (`from`, its run id), which this
     * run's ladders start at (CarryBreaker, recorded at its start): a restart does not reset them.
     */
    readonly breakers?: CarriedBreakers;
    /**
     * The net results of the round trips the strategy's previous real run (`from`) closed, oldest first,
     * what it had lost of the day, and its breaker's drawdown and losing streak: this run's Kelly
     * statistics start from them, its daily-loss limit counts on from that loss on the same UTC day, and
     * its breaker measures on from them (RiskStateCarried, at its start).
     */
    readonly riskState?: CarriedRiskState;
  };
  /** Keep the run's events in memory (default true); see RunLog. */
  readonly retainEvents?: boolean;
  /** Sees every event as it is written (results folds, hashes, live pushes). */
  readonly onEvent?: (e: import('../../domain/events/envelope.js').StoredEvent) => void;
}

/** The breaker levels of the strategy's previous real run (`from`), by ladder. */
export interface CarriedBreakers {
  readonly from: string;
  readonly strategy: BreakerLevel;
  readonly account: BreakerLevel;
}

/** What the strategy's previous real run (`from`) leaves its next run to go on from (previous-run.ts). */
export interface CarriedRiskState {
  readonly from: string;
  readonly nets: readonly number[];
  /** The share of its day-start equity `from` had lost on the UTC day starting at `day` (dayLossSoFar). */
  readonly dayLoss?: { readonly day: number; readonly loss: number };
  /** What its breaker measured at its end (breakerBasis): the drawdown from its peak, its losing streak. */
  readonly drawdown?: number;
  readonly lossStreak?: number;
  /** Its last equity marks, oldest first, for the equity slope the adaptive stops read. */
  readonly marks?: readonly number[];
  /**
   * When it (and the runs it went on from) sent the orders that fall within the longest order-rate window
   * before the new run starts, oldest first: the new run's order-rate limit counts them, so a restart does
   * not start a count per hour or per day again.
   */
  readonly orderTimes?: readonly number[];
  /** The longest order-rate window they were picked by: the new run keeps order times at least this long. */
  readonly orderWindowMs?: number;
}

/** The positions an earlier real run's ledger account holds, exactly, for a new run to take over. */
export interface CarryOver {
  readonly fromAccount: string;
  readonly positions: readonly {
    readonly symbol: string;
    readonly quantity: string;
    readonly cost: string;
    /**
     * The earlier run's stop ladder for it, as its events left it: kept on (its stop, targets and time
     * stop where they stood) rather than armed afresh from the last close.
     */
    readonly ladder?: CarriedLadder;
  }[];
}

export interface MarketFeeds {
  readonly bars: ReadonlyMap<string, BarSeries>;
  /** Lower-timeframe bars per symbol: when present, stops are resolved inside the bar on them. */
  readonly intrabar?: ReadonlyMap<string, BarSeries>;
  readonly funding?: ReadonlyMap<string, FundingSeries>;
  readonly mark?: ReadonlyMap<string, MarkSeries>;
  /**
   * Trade and L2 captures per symbol. A strategy that asks for trades or books needs one for every symbol
   * over the whole run: it is what onTrade/onBook see and what its orders fill against.
   */
  readonly ticks?: ReadonlyMap<string, TickCapture>;
}

/** A trade/L2 capture in whole ticks and lots of its instrument's grid. */
export interface TickCapture extends TickFeeds {
  readonly scale: TickScale;
}

/**
 * A client near the exchange: about 20 ms to the matching engine with an exponential tail, a few ms back
 * on the user-data stream. Milliseconds decide queue position, so a tick run should say what it assumed.
 */
export const defaultTickLatency: LatencyConfig = {
  submit: { baseMs: 20, jitterMs: 10 },
  ack: { baseMs: 5, jitterMs: 5 },
  cancel: { baseMs: 20, jitterMs: 10 },
};

export const defaultStopParams: StopParams = {
  initialAtr: 2.5,
  takeProfits: [],
  breakEvenR: 0,
  breakEvenOffsetR: 0.1,
  chandelierAtr: 3,
  chandelierActivateR: 1_000_000,
  timeStopBars: 0,
  timeStopMinR: 0,
  holding: 'engine',
  adaptive: defaultAdaptiveParams,
};

export const defaultRiskConfig: RiskConfig = { defaults: defaultRiskLimits };

export const defaultEngineSettings = {
  mode: 'backtest' as const,
  seed: 1,
  accountId: 'sim-1',
  initialBalance: '10000',
  paramsVersion: 0,
  feeTier: 'VIP0',
  leverage: 5,
  impact: { default: 5e-6 },
  latencyMs: { min: 20, max: 250 },
  risk: { enabled: true, config: defaultRiskConfig, disabledRules: [] as string[] },
  sizing: defaultSizingParams,
  breaker: defaultBreakerParams as BreakerParams | null,
  stops: defaultStopParams,
  equityMarkMs: 3_600_000,
};

/** What the portfolio manager gives a run (domain/portfolio/events.ts, AllocationApplied). */
export interface Allocation {
  readonly roundId: string;
  readonly weight: number;
  /** Weight × the number of arms: the run sizes at multiplier × its equity; 0 holds nothing. */
  readonly multiplier: number;
  readonly benched: boolean;
  readonly benchedUntil: number | null;
  readonly reason: string;
}

/** A person steps a run's breakers down (docs/risk.md, "Down"): every ladder of the run above `to`. */
export interface BreakerStepDown {
  readonly to: import('../../domain/risk/breaker-levels.js').BreakerLevel;
  /** `user:<id>`. */
  readonly approver: string;
  readonly reason: string;
}

/** A desk limit change as a run takes it (RiskLimitsSet's change, with its id). */
export interface LimitChangeInput extends LimitChange {
  readonly changeId: string;
}

export interface RecordedLimitChange extends LimitChangeInput {
  /** How many events the run had written before it: where a restart or an exact re-run applies it. */
  readonly seq: number;
  /** The run's time when it took it: where a what-if applies it. */
  readonly at: number;
}

export interface RecordedStepDown extends BreakerStepDown {
  /** How many events the run had written before it: where a restart or an exact re-run applies it. */
  readonly seq: number;
  /** The run's time when it was approved: where a what-if applies it. */
  readonly at: number;
}

export interface RecordedAllocation extends Allocation {
  /** How many events the run had written before it: where an exact re-run applies it. */
  readonly seq: number;
  /** The run's time when it was applied: where a what-if, whose log differs, applies it. */
  readonly at: number;
}
