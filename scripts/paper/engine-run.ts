import { newEventId } from '../../adapters/ids/event-id.js';
import { readDeskLimits } from '../../commands/risk/set-limits.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import { EvidenceFold } from '../../domain/lifecycle/evidence.js';
import type { Evidence } from '../../domain/lifecycle/gates.js';
import type { RunRecord } from '../../domain/optimizer/canary.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import { type FeedChangeData, feedStreamId } from '../../domain/system/events.js';
import type { Allocation, BreakerStepDown, LimitChangeInput } from '../../replay/engine/config.js';
import type { Engine, RunSummary } from '../../replay/engine/engine.js';
import { backoffMs, type FeedChange } from '../../replay/engine/live.js';
import type { PaperClock } from '../../replay/engine/paper.js';
import { RunRequestError } from '../../replay/engine/run.js';
import { LogCopier } from './copier.js';

/** Back-off while a live run's venue does not answer at start: from 1 s, doubling, up to a minute. */
const OPEN_RETRY_MS = 1_000;
const OPEN_MAX_RETRY_MS = 60_000;
/** How long a live run's bar waits for its funding record (runLive's fundingWaitMs). */
export const FUNDING_WAIT_MS = 120_000;
/** Copied events a running engine's log lets go of at a time (each release moves what is left down). */
const RELEASE_BATCH = 2_048;

import type { PaperRunStatus } from './session.js';

/**
 * What every paper run shares, whatever feeds its engine: the engine's events copied into the main log as
 * they are written, the run's state and error, and the marks the API values positions at.
 */
export abstract class EngineRun {
  protected engine: Engine | null = null;
  protected copier: LogCopier | null = null;
  protected state: PaperRunStatus['state'] = 'starting';
  /** How the run's log lines start: `paper`, or `real` for a run on the real account. */
  protected logTag = 'paper';
  protected error: string | null = null;
  /** Desk limit changes handed over before the run trades (it is still replaying, or not built). */
  private pendingLimits: LimitChangeInput[] = [];
  private driving = false;

  constructor(
    readonly runId: string,
    private readonly target: EventStore & EventLookup,
    private readonly hooks: {
      readonly flushMs?: number;
      /** Copied events the engine's log lets go of at a time (default 2,048). */
      readonly releaseBatch?: number;
      readonly onAppended?: (events: readonly StoredEvent[]) => void;
      readonly log?: (m: string) => void;
    },
  ) {}

  protected attach(engine: Engine): void {
    this.engine = engine;
    this.copier = new LogCopier(engine.store, this.target, this.hooks.onAppended);
    this.readDeskLimits();
  }

  /**
   * Runs `drive` with the copier flushing every `flushMs`. A shutdown is not the end of the run: the
   * engine records RunCompleted(stopped) as it stops, which a restart (resuming the same run) would not
   * reproduce, so nothing written after the abort is copied.
   */
  protected async drive(signal: AbortSignal, drive: (engine: Engine) => Promise<RunSummary>): Promise<void> {
    const engine = this.need();
    const copier = this.copier!;
    this.state = 'running';
    this.driving = true;
    for (const change of this.pendingLimits.splice(0)) this.takeLimits(engine, change);
    signal.addEventListener('abort', () => copier.freeze(), { once: true });
    const timer = setInterval(() => {
      copier.flush().then(
        () => this.releaseCopied(),
        (err: unknown) => this.fail(err),
      );
    }, this.hooks.flushMs ?? 250);
    try {
      const summary = await drive(engine);
      await copier.flush();
      this.state =
        summary.reason === 'failed' ? 'failed' : summary.reason === 'end-of-data' ? 'finished' : 'running';
    } catch (err) {
      this.fail(err);
    } finally {
      clearInterval(timer);
    }
  }

  /**
   * Runs `open` until it has built the engine, waiting with back-off (1 s doubling to a minute) while the
   * venue does not answer; a request that cannot run (RunRequestError) fails the run, as it would every
   * time. Returns whether the engine was built before `signal` aborted.
   */
  protected async openWithRetry(
    signal: AbortSignal,
    clock: PaperClock,
    open: () => Promise<void>,
  ): Promise<boolean> {
    let failures = 0;
    while (this.engine === null && !signal.aborted) {
      try {
        await open();
      } catch (err) {
        if (err instanceof RunRequestError) {
          this.fail(err);
          return false;
        }
        failures++;
        const wait = backoffMs(failures, OPEN_RETRY_MS, OPEN_MAX_RETRY_MS);
        this.error = `waiting to start: ${err instanceof Error ? err.message : String(err)}`;
        this.hooks.log?.(`${this.logTag} ${this.runId}: ${this.error}; retrying in ${wait} ms`);
        await clock.sleep(wait, signal);
      }
    }
    if (this.engine === null) return false;
    this.error = null;
    return true;
  }

  /**
   * runLive's `onFeed`: the outage as FeedInterrupted / FeedRestored in `feed-<runId>`, for the alerts.
   * Written straight to the main log (the run's own log holds only what a re-run reproduces); a write that
   * fails is said in the log and does not stop the run, which trades on regardless.
   */
  protected recordFeed(change: FeedChange): void {
    const engine = this.engine;
    if (!engine || engine.config.mode === 'backtest') return;
    const { state, ...observed } = change;
    const data: FeedChangeData = {
      runId: this.runId,
      strategyId: engine.config.strategy.id,
      mode: engine.config.mode,
      ...observed,
    };
    this.target
      .append(feedStreamId(this.runId), 'any', [
        {
          eventId: newEventId(),
          type: state === 'interrupted' ? 'FeedInterrupted' : 'FeedRestored',
          data,
          metadata: {
            // Its own chain: an outage and its end, not the run's (a year of equity marks shares `run-<id>`).
            correlationId: feedStreamId(this.runId),
            causationId: null,
            actor: 'system:feed',
            mode: engine.config.mode,
            occurredAt: new Date(change.at).toISOString(),
          },
        },
      ])
      .catch((err: unknown) =>
        this.hooks.log?.(
          `${this.logTag} ${this.runId}: the feed's ${state} was not recorded: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  }

  protected fail(err: unknown): void {
    this.state = 'failed';
    this.error = err instanceof Error ? err.message : String(err);
    this.hooks.log?.(`${this.logTag} ${this.runId}: ${this.error}`);
  }

  protected need(): Engine {
    if (!this.engine) throw new Error(`paper ${this.runId}: prepare() first`);
    return this.engine;
  }

  /**
   * The run's record for the portfolio's bandit (automation 7): hourly equity returns over the `periods`
   * hours up to `until` (from its EquityMarked events), and the fills that realised PnL (its closed or
   * reduced trades) in that span. Folded incrementally from the run's own log.
   */
  evidence(until: number, periods: number): { returns: number[]; trades: number } {
    this.foldEvidence();
    const from = until - periods * 3_600_000;
    const marks = this.marks.filter((m) => m.at > from - 3_600_000 && m.at <= until);
    const returns: number[] = [];
    for (let i = 1; i < marks.length; i++)
      if (marks[i - 1]!.equity > 0) returns.push(marks[i]!.equity / marks[i - 1]!.equity - 1);
    const trades = this.closes.filter((t) => t > from && t <= until).length;
    return { returns, trades };
  }

  /**
   * The run's record for a parameter canary's judge (automation 2): every equity mark, and the closing
   * trades and breaker trips (halt, flatten) or liquidations since `since`.
   */
  record(since: number): RunRecord {
    this.foldEvidence();
    return {
      marks: this.marks,
      trades: this.closes.filter((t) => t >= since).length,
      breakerTripped: this.trips.some((t) => t >= since),
    };
  }

  /**
   * Lets the engine's in-memory log go of what the main store holds and the run's own folds (evidence,
   * lifecycle) have read, in batches: a paper or real run of months keeps in memory only what it has not
   * copied yet, and the main store is its record. Nothing else reads a running engine's log.
   */
  private releaseCopied(): void {
    const engine = this.engine;
    const copier = this.copier;
    if (engine === null || copier === null) return;
    this.foldEvidence();
    this.lifecycleEvidence();
    const through = Math.min(copier.position, this.folded, this.lifecycleFolded);
    if (through - engine.store.released >= (this.hooks.releaseBatch ?? RELEASE_BATCH))
      engine.store.release(through);
  }

  private readonly marks: { at: number; equity: number }[] = [];
  private readonly closes: number[] = [];
  private readonly trips: number[] = [];
  private folded = 0;

  private foldEvidence(): void {
    const store = this.engine?.store;
    if (store === undefined) return;
    const raw = store.raw();
    const base = store.released;
    for (; this.folded < base + raw.length; this.folded++) {
      const e = raw[this.folded - base]!;
      if (e.type === 'EquityMarked') {
        const d = e.data as { at: number; equity: number };
        // Marks come on an hourly grid; a second mark at the same time (a run's last) replaces the first.
        if (this.marks.at(-1)?.at === d.at) this.marks.pop();
        this.marks.push({ at: d.at, equity: d.equity });
      } else if (e.type === 'FillSettled' && (e.data as { realisedPnl: string }).realisedPnl !== '0') {
        this.closes.push(Date.parse(e.metadata.occurredAt));
      } else if (
        (e.type === 'BreakerLevelChanged' &&
          ((e.data as { to: string }).to === 'halt' || (e.data as { to: string }).to === 'flatten')) ||
        e.type === 'PositionLiquidated' ||
        (e.type === 'FillSettled' && (e.data as { forced?: string }).forced === 'liquidation')
      ) {
        this.trips.push(Date.parse(e.metadata.occurredAt));
      }
    }
  }

  private lifecycleFold: EvidenceFold | null = null;
  private lifecycleFolded = 0;

  /**
   * Market time (ms) the run's lifecycle evidence starts at: what it did before is not evidence of the
   * stage it trades. A recorded paper run's lead-in before its paced start (PaperSession's `warmupDays`)
   * trades, so that the strategy holds what it would at the start, but it is not paper trading: a gate
   * counting it would count days the strategy never spent at paper (docs/lifecycle.md).
   */
  protected evidenceFrom = Number.NEGATIVE_INFINITY;

  /** Where the run's evidence starts: empty, for a run whose evidence is its own alone. */
  protected newEvidenceFold(): EvidenceFold {
    return new EvidenceFold(this.runId);
  }

  /** What the run's own events show, for the lifecycle's gates (automation 8); null before its engine is built. */
  lifecycleEvidence(): Evidence | null {
    const store = this.engine?.store;
    if (store === undefined) return null;
    const raw = store.raw();
    const base = store.released;
    this.lifecycleFold ??= this.newEvidenceFold();
    for (; this.lifecycleFolded < base + raw.length; this.lifecycleFolded++) {
      const e = raw[this.lifecycleFolded - base]!;
      const at =
        e.type === 'EquityMarked' ? Number((e.data as { at: number }).at) : Date.parse(e.metadata.occurredAt);
      if (at >= this.evidenceFrom) this.lifecycleFold.add(e);
    }
    return this.lifecycleFold.evidence();
  }

  /** Holds nothing and has no order working: a replaced run that is flat has nothing left to do. */
  flat(): boolean {
    const engine = this.engine;
    if (!engine) return false;
    return (
      engine.workingOrders().length === 0 && engine.config.symbols.every((s) => engine.position(s) === 0)
    );
  }

  /** Gives the run the portfolio's allocation, between two of its steps (JavaScript runs one at a time). */
  allocate(a: Allocation): void {
    this.need().allocate(a);
  }

  /**
   * The desk's limit changes recorded before this run was built: read as it is attached, and handed over as
   * any change is (held until the run trades, when a restarted run has replayed those it took already).
   * Read in the background rather than awaited before the first step: the run's first steps then happen at
   * once, as the fleet's clock expects, and a read that ends after them hands the changes over between two
   * later steps. A new run takes them all; a restarted one those it had not taken.
   */
  private readDeskLimits(): void {
    readDeskLimits(this.target).then(
      (desk) => {
        for (const change of desk.changes) this.applyRiskLimits(change);
      },
      (err: unknown) =>
        // The run trades on the limits it has; those it missed come with the next change or start.
        this.hooks.log?.(
          `${this.logTag} ${this.runId}: the desk's limits could not be read: ${err instanceof Error ? err.message : String(err)}`,
        ),
    );
  }

  /** A desk limit change (PaperFleet.applyRiskLimits): between two steps once the run trades, else held. */
  applyRiskLimits(change: LimitChangeInput): void {
    if (!this.driving || this.engine === null) this.pendingLimits.push(change);
    else this.takeLimits(this.engine, change);
  }

  private takeLimits(engine: Engine, change: LimitChangeInput): void {
    try {
      engine.applyRiskLimits(change);
    } catch (err) {
      // A run that has finished takes nothing more; the others' refusal is the change's fault, said once.
      this.hooks.log?.(
        `${this.logTag} ${this.runId}: limit change ${change.changeId} not taken: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** A person's breaker step-down, between two of its steps (Engine.stepDownBreaker). */
  stepDownBreaker(cmd: BreakerStepDown): string {
    return this.need().stepDownBreaker(cmd);
  }

  breakerLevel(): BreakerLevel {
    return this.need().breakerLevel;
  }

  /** The allocation in force, null before the run has one or before it is built. */
  allocationNow(): Allocation | null {
    return this.engine?.allocationNow ?? null;
  }

  /** Last close the run has seen for a symbol: the mark the API values open positions at. */
  mark(symbol: string): number | null {
    if (!this.engine?.config.symbols.includes(symbol)) return null;
    const c = this.engine.close(symbol, 0);
    return Number.isFinite(c) ? c : null;
  }
}
