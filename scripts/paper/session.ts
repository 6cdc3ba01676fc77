import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { Evidence } from '../../domain/lifecycle/gates.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { RunRecord } from '../../domain/optimizer/canary.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import { recordedAllocations } from '../../replay/engine/allocations.js';
import type { Allocation, BreakerStepDown, LimitChangeInput } from '../../replay/engine/config.js';
import { Engine } from '../../replay/engine/engine.js';
import { engineTag } from '../../replay/engine/engine-version.js';
import { loadFeeds } from '../../replay/engine/feeds.js';
import { runPaper } from '../../replay/engine/paper.js';
import { recordedLimitChanges } from '../../replay/engine/recorded-limits.js';
import { prepareRun } from '../../replay/engine/run.js';
import { recordedStepDowns } from '../../replay/engine/step-downs.js';
import { EngineRun } from './engine-run.js';
import { type FeeRates, runFeeRates } from './fee-settings.js';

export interface PaperRunStatus {
  runId: string;
  strategyId: string;
  accountId: string;
  symbols: string[];
  /** `recorded`: history replayed at `speed`; `live`: a venue's bars as they close. */
  feed: 'recorded' | 'live';
  /** `paper`: fills simulated; `canary` and `live` (prod): orders sent to the real account. */
  mode: 'paper' | 'canary' | 'live';
  from: string;
  /** Null for a live run without an end. */
  to: string | null;
  /** Domain time the run has reached. */
  simTime: string;
  /** Null for a live run without an end. */
  progress: number | null;
  speed: number;
  state: 'starting' | 'running' | 'finished' | 'failed';
  events: number;
  copied: number;
  error: string | null;
  /**
   * The parameter version the run trades and its part in automation 2: `in-force`, a `canary` beside it,
   * or `replaced` (a canary took over, or was rolled back: flat, trading nothing). Absent for real runs.
   */
  parameters?: { version: number; role: 'in-force' | 'canary' | 'replaced' };
}

/** FNV-1a: a short stable tag for the symbol set, so another set gets its own run and account. */
export const symbolsTag = (symbols: readonly string[]): string => tag([...symbols].sort().join(','));

const tag = (s: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0').slice(0, 6);
};

/**
 * The run id is stable for a given strategy, start date and symbol set: a restart replays the same
 * run (the engine is deterministic and its event ids derive from the run id and domain time), skips
 * what the log already holds and carries on from there, so the dashboard continues instead of
 * accumulating a new account per restart. Another start date or symbol set is another run, and so is
 * another engine log version (replay/engine/engine-version.ts): an earlier engine's run cannot be resumed.
 */
export const paperRunId = (
  strategyId: string,
  from: string,
  symbols: readonly string[],
  paramsVersion = 0,
): string =>
  `paper-${strategyId}-${from.replaceAll('-', '')}-${symbolsTag(symbols)}${versionTag(paramsVersion)}${engineTag()}`;

/** A promoted parameter version is another run (`-v<n>`); the schema defaults (version 0) keep the plain id. */
export const versionTag = (paramsVersion: number): string => (paramsVersion > 0 ? `-v${paramsVersion}` : '');

/** A strategy's parameter version in force (commands/optimizer/parameter-versions.ts), run by a paper run. */
export interface ActiveParameters {
  readonly version: number;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface PaperSessionOptions {
  readonly strategyId: string;
  readonly symbols: readonly string[];
  /** YYYY-MM-DD inside the data. */
  readonly from: string;
  readonly speed: number;
  /** The promoted parameter version to trade (automation 2); absent: the schema defaults, version 0. */
  readonly parameters?: ActiveParameters;
  /**
   * Days of data before `from` replayed at full speed when the run starts, so indicators are warm and
   * the strategies trade from the first paced minute instead of after a hundred bars of silence.
   */
  readonly warmupDays?: number;
  /** Applied before the run's first step when its log holds no allocation yet (a canary's share). */
  readonly initialAllocation?: Allocation;
  /**
   * The account's own commission rates the run books its fills at (PAPER_FEE_RATES), taken at its first
   * start and recorded; a restart keeps the recorded ones (fee-settings.ts). Absent: the venue's tier.
   */
  readonly feeRates?: FeeRates;
  /** Market time a run started late (a canary) catches up to at full speed before it is paced. */
  readonly catchUpTo?: () => number;
  readonly store: EventStore & EventLookup;
  readonly flushMs?: number;
  /** Copied events the engine's log lets go of at a time (default 2,048). */
  readonly releaseBatch?: number;
  readonly onAppended?: (events: readonly StoredEvent[]) => void;
  readonly log?: (m: string) => void;
}

/** What the fleet and the API need of a paper run, whatever feeds it. */
export interface PaperRun {
  readonly runId: string;
  /** Builds the engine (and loads or fetches its bars). */
  prepare(): Promise<void>;
  /** After a restart: replays what the log already holds and skips it; returns how many events that was. */
  fastForward(): Promise<number>;
  run(signal: AbortSignal): Promise<void>;
  status(): PaperRunStatus;
  /** Last close the run has seen for a symbol, null when it has none. */
  mark(symbol: string): number | null;
  readonly simTime: number;
  /** Bars of a run fed live, for the market API (a recorded run's come from the data files). */
  bars?(symbol: string, timeframe: string): BarSeries | undefined;
  /** A run fed live: the close time of the newest bar it holds, per symbol. */
  lastBarCloses?(): ReadonlyMap<string, number>;
  /** The portfolio's hooks (automation 7): the run's record, and the allocation it is given. */
  evidence?(until: number, periods: number): { returns: number[]; trades: number };
  allocate?(a: Allocation): void;
  allocationNow?(): Allocation | null;
  /** A person steps its breakers down (the Dashboard's breakers card, POST /api/breakers/step-down). */
  stepDownBreaker?(cmd: BreakerStepDown): string;
  /** The stricter of its breaker ladders now. */
  breakerLevel?(): BreakerLevel;
  /** A limit change of the desk (RiskLimitsSet), taken between two steps once the run trades. */
  applyRiskLimits?(change: LimitChangeInput): void;
  /** The lifecycle's hook (automation 8): what the run's own events show. */
  lifecycleEvidence?(): Evidence | null;
  /** Holds nothing and has no order working. */
  flat?(): boolean;
  /** The parameter version it trades (0: the schema defaults). */
  readonly paramsVersion?: number;
  /** The parameter canary's hook (automation 2): its marks, and its trades and breaker trips since `since`. */
  record?(since: number): RunRecord;
}

/** One strategy paper-trading on real data in accelerated time, its events copied into the main log. */
export class PaperSession extends EngineRun implements PaperRun {
  private range = { from: 0, to: 0 };
  private pacedFrom = 0;

  constructor(private readonly opts: PaperSessionOptions) {
    super(paperRunId(opts.strategyId, opts.from, opts.symbols, opts.parameters?.version), opts.store, opts);
  }

  /** Builds the engine; its account id is the run id so each run books into its own account. */
  async prepare(): Promise<void> {
    const from = Date.parse(`${this.opts.from}T00:00:00Z`) - (this.opts.warmupDays ?? 0) * 86_400_000;
    this.pacedFrom = Date.parse(`${this.opts.from}T00:00:00Z`);
    // The lead-in before `from` is traded but is not paper trading: the lifecycle's gates count from `from`.
    this.evidenceFrom = this.pacedFrom;
    const feeRates = await runFeeRates(this.opts.store, this.runId, this.opts.feeRates ?? null);
    const { config } = await prepareRun({
      strategyId: this.opts.strategyId,
      symbols: this.opts.symbols,
      from,
      mode: 'paper',
      runId: this.runId,
      ...(this.opts.parameters
        ? { params: this.opts.parameters.params, paramsVersion: this.opts.parameters.version }
        : {}),
      ...(feeRates ? { engine: { feeRates } } : {}),
    });
    const { feeds } = loadFeeds(config.symbols, config.strategy.timeframe);
    // A restart applies the portfolio's allocations where the run applied them, so it replays to the same log.
    const allocations = await recordedAllocations(this.opts.store, this.runId);
    // And a person's breaker step-downs, where they were approved.
    const stepDowns = await recordedStepDowns(this.opts.store, this.runId, this.runId);
    const limitChanges = await recordedLimitChanges(this.opts.store, this.runId);
    const engine = new Engine(
      {
        ...config,
        accountId: this.runId,
        ...(allocations.length ? { allocations } : {}),
        ...(stepDowns.length ? { stepDowns } : {}),
        ...(limitChanges.length ? { limitChanges } : {}),
      },
      feeds,
    );
    if (allocations.length === 0 && this.opts.initialAllocation) engine.allocate(this.opts.initialAllocation);
    this.attach(engine);
    this.range = { from: config.from, to: config.to };
  }

  /**
   * After a restart: re-run (at full speed) the part the log already holds, then copy from the first
   * event it lacks. Deterministic replay makes those the same events with the same ids. Then the
   * warm-up, also at full speed, up to the paced start.
   */
  async fastForward(): Promise<number> {
    const engine = this.need();
    engine.start();
    const raw = engine.store.raw();
    while (raw.length > 0 && (await this.opts.store.readById(raw[raw.length - 1]!.eventId))) {
      let stepped = false;
      for (let i = 0; i < 48; i++) stepped = engine.step() || stepped;
      if (!stepped) break;
    }
    const skipped = await this.copier!.resume();
    while (engine.nextTime() < this.pacedFrom && engine.step()) {}
    // Synchronous, so the other runs wait where they are until this one has caught them up.
    if (this.opts.catchUpTo) while (engine.nextTime() < this.opts.catchUpTo() && engine.step()) {}
    return skipped;
  }

  run(signal: AbortSignal): Promise<void> {
    return this.drive(signal, (engine) => runPaper(engine, { speed: this.opts.speed, signal }));
  }

  /**
   * Ends a run another one supersedes (the strategy now trades another symbol set): after fastForward
   * has replayed what the log holds, it is benched (`roundId`; its positions closed by reduce-only orders
   * at the next bars, as the fleet retires a replaced run), stepped until it is flat (at most `maxSteps`),
   * and completed as stopped. Every event is the engine's, copied into the log, so a re-run reproduces it.
   * Returns the market time it ended at and whether it was flat by then.
   */
  async closeOut(roundId: string, reason: string, maxSteps = 24 * 7): Promise<{ at: number; flat: boolean }> {
    const engine = this.need();
    engine.allocate({ roundId, weight: 0, multiplier: 0, benched: true, benchedUntil: null, reason });
    for (let i = 0; i < maxSteps && !this.flat() && engine.step(); i++) {}
    const flat = this.flat();
    engine.finish('stopped', null);
    await this.copier!.flush();
    this.state = 'finished';
    return { at: engine.now, flat };
  }

  get paramsVersion(): number {
    return this.opts.parameters?.version ?? 0;
  }

  get simTime(): number {
    return this.engine?.now ?? this.range.from;
  }

  status(): PaperRunStatus {
    const span = this.range.to - this.range.from;
    const now = Math.max(this.range.from, this.simTime);
    return {
      runId: this.runId,
      strategyId: this.opts.strategyId,
      accountId: this.runId,
      symbols: [...this.opts.symbols],
      feed: 'recorded',
      mode: 'paper',
      from: new Date(this.range.from).toISOString(),
      to: new Date(this.range.to).toISOString(),
      simTime: new Date(now).toISOString(),
      progress: span > 0 ? Math.min(1, (now - this.range.from) / span) : 0,
      speed: this.opts.speed,
      state: this.state,
      events: this.engine?.store.total ?? 0,
      copied: this.copier?.position ?? 0,
      error: this.error,
    };
  }
}
