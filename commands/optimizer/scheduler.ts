import type { EquityMarkedData, RunInputs } from '../../domain/backtest/events.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { ReoptimizationRequestedData } from '../../domain/optimizer/events.js';
import type { OptimizerRunOutcome } from './coordinator.js';
import { loadKpiReference } from './kpi-reference.js';
import { type KpiReference, type KpiThresholds, ReoptimizationTriggers } from './triggers.js';

/** What the scheduler watches for one strategy: a cron schedule, KPI thresholds, or both. */
export interface ScheduledStrategy {
  readonly strategyId: string;
  /** Cron expression on the market clock (UTC), or null for no schedule. */
  readonly cron: string | null;
  readonly kpi: KpiThresholds | null;
  /** Equity marks between two KPI checks of a run (default 24: daily on hourly marks). */
  readonly kpiEvery?: number;
}

export interface SchedulerDeps {
  readonly store: EventStore;
  readonly newEventId: () => string;
  /** Starts (or resumes, or reports) the optimizer run a request asks for; null when it has no template. */
  readonly runRequest: (event: RecordedEvent) => Promise<OptimizerRunOutcome | null> | null;
  readonly log?: (message: string) => void;
}

export interface SchedulerStatus {
  /** The market clock: the latest equity mark seen from a watched run (null before the first). */
  readonly clock: number | null;
  readonly caughtUp: boolean;
  readonly watchedRuns: number;
  readonly requests: number;
  readonly runsStarted: number;
  readonly runsFinished: number;
  /** Requests not run because a later one for the same strategy was waiting. */
  readonly superseded: number;
  readonly running: string | null;
  readonly lastError: string | null;
}

interface WatchedRun {
  readonly strategyId: string;
  /** The parameter version the run trades: its backtest is what the KPI check compares with. */
  readonly paramsVersion: number;
  readonly equity: number[];
  lastAt: number | null;
  spacingMs: number | null;
  sinceCheck: number;
}

const YEAR_MS = 365 * 86_400_000;

/**
 * The long-running half of automation 1: it reads the log (paper and live runs' equity marks, and the
 * re-optimisation requests), ticks the cron schedule and the KPI watcher as commands, and hands each
 * request to the optimizer one at a time (the latest per strategy: an older request still waiting when
 * a newer one arrives is skipped as superseded).
 *
 * Its clock is the market time of the runs it watches, not the wall clock: in live trading the two are
 * the same, and an accelerated paper run reaches its weekly schedule in minutes, with the optimizer
 * looking back over data that exists. Everything it knows comes from the log, so a restart reads the log
 * again and carries on; the trigger commands are idempotent (triggers.ts), so nothing is requested
 * twice, and while it catches up on history it only folds, deciding nothing until it reaches the head.
 */
export class ReoptimizationScheduler {
  private readonly triggers: ReoptimizationTriggers;
  private readonly config: ReadonlyMap<string, ScheduledStrategy>;
  private readonly runs = new Map<string, WatchedRun>();
  private readonly firstSeen = new Map<string, number>();
  private readonly nextDue = new Map<string, number>();
  private readonly queue: RecordedEvent[] = [];
  /** Out-of-sample curves by strategy, version and grid: read from the log once each. */
  private readonly references = new Map<string, Promise<KpiReference | null>>();
  private draining: Promise<void> = Promise.resolve();
  private drainActive = false;
  private clock: number | null = null;
  private caughtUp = false;
  private requests = 0;
  private runsStarted = 0;
  private runsFinished = 0;
  private superseded = 0;
  private running: string | null = null;
  private lastError: string | null = null;

  constructor(
    strategies: readonly ScheduledStrategy[],
    private readonly deps: SchedulerDeps,
  ) {
    this.triggers = new ReoptimizationTriggers(deps.store, deps.newEventId);
    this.config = new Map(strategies.map((s) => [s.strategyId, s]));
  }

  status(): SchedulerStatus {
    return {
      clock: this.clock,
      caughtUp: this.caughtUp,
      watchedRuns: this.runs.size,
      requests: this.requests,
      runsStarted: this.runsStarted,
      runsFinished: this.runsFinished,
      superseded: this.superseded,
      running: this.running,
      lastError: this.lastError,
    };
  }

  /** Follows the log until the signal aborts, then waits for the optimizer run in progress to stop. */
  async run(signal: AbortSignal): Promise<void> {
    const head = await this.deps.store.headPosition();
    this.caughtUp = head === 0;
    try {
      for await (const e of this.deps.store.subscribe({
        from: 0,
        types: ['RunStarted', 'EquityMarked', 'ReoptimizationRequested'],
        signal,
      })) {
        // Past the head the event is live; at the head, history ends with it. (The head itself may be of
        // a type this subscription skips; then the first live event ends the catch-up.)
        if (!this.caughtUp && e.globalPosition > head) this.endCatchUp(head);
        await this.handle(e);
        if (!this.caughtUp && e.globalPosition === head) this.endCatchUp(head);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
    await this.draining;
  }

  private endCatchUp(head: number): void {
    this.caughtUp = true;
    this.deps.log?.(`scheduler: read the log to position ${head}; market clock ${this.iso()}`);
  }

  /** One event of the log, in order. Public so a test can drive it without a subscription. */
  async handle(e: RecordedEvent): Promise<void> {
    if (e.type === 'RunStarted') {
      const d = e.data as RunInputs;
      if (d.mode !== 'backtest' && this.config.has(d.strategyId)) {
        this.runs.set(e.streamId, {
          strategyId: d.strategyId,
          paramsVersion: d.paramsVersion,
          equity: [],
          lastAt: null,
          spacingMs: null,
          sinceCheck: 0,
        });
      }
      return;
    }
    if (e.type === 'ReoptimizationRequested') {
      this.requests++;
      this.queue.push(e);
      if (!this.drainActive) {
        this.drainActive = true;
        this.draining = this.drain();
      }
      return;
    }
    if (e.type !== 'EquityMarked') return;
    const run = this.runs.get(e.streamId);
    if (!run) return;
    const d = e.data as EquityMarkedData;
    const cfg = this.config.get(run.strategyId)!;
    if (run.lastAt !== null && d.at > run.lastAt) run.spacingMs = d.at - run.lastAt;
    run.lastAt = d.at;
    run.equity.push(d.equity);
    const keep = (cfg.kpi?.window ?? 0) + 1;
    if (run.equity.length > keep) run.equity.splice(0, run.equity.length - keep);
    run.sinceCheck++;
    if (!this.firstSeen.has(run.strategyId)) this.firstSeen.set(run.strategyId, d.at);
    this.clock = this.clock === null ? d.at : Math.max(this.clock, d.at);
    if (this.caughtUp) await this.decide(run, cfg);
  }

  private async decide(run: WatchedRun, cfg: ScheduledStrategy): Promise<void> {
    const now = this.clock!;
    if (cfg.cron !== null && now >= (this.nextDue.get(cfg.strategyId) ?? Number.NEGATIVE_INFINITY)) {
      const r = await this.triggers.schedule({
        strategyId: cfg.strategyId,
        cron: cfg.cron,
        since: this.firstSeen.get(cfg.strategyId)!,
        now,
      });
      this.nextDue.set(cfg.strategyId, r.nextDueAt ?? Number.POSITIVE_INFINITY);
      if (r.requested) this.say(r.requested, 'schedule');
    }
    if (cfg.kpi !== null && run.sinceCheck >= (cfg.kpiEvery ?? 24) && run.spacingMs !== null) {
      run.sinceCheck = 0;
      const reference =
        cfg.kpi.minBacktestPercentile === undefined ? null : await this.reference(run, run.spacingMs);
      const requested = await this.triggers.checkKpis({
        strategyId: cfg.strategyId,
        equity: run.equity,
        periodsPerYear: YEAR_MS / run.spacingMs,
        thresholds: cfg.kpi,
        ...(reference && { reference }),
        now: run.lastAt!,
      });
      if (requested) this.say(requested, 'kpi');
    }
  }

  private reference(run: WatchedRun, stepMs: number): Promise<KpiReference | null> {
    const key = `${run.strategyId}\u0000${run.paramsVersion}\u0000${stepMs}`;
    let ref = this.references.get(key);
    if (!ref) {
      ref = loadKpiReference(this.deps.store, run.strategyId, run.paramsVersion, stepMs);
      // A failed read is tried again at the next check rather than remembered.
      ref.catch(() => this.references.delete(key));
      this.references.set(key, ref);
    }
    return ref;
  }

  private say(r: ReoptimizationRequestedData, why: string): void {
    this.deps.log?.(
      `scheduler: ${why} trigger requested re-optimisation of ${r.strategyId} (${r.requestId})`,
    );
  }

  /** Requests run one after another: each optimizer run already uses every worker. */
  private async drain(): Promise<void> {
    // Yield first, so the flag is set before this loop can empty the queue and clear it.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const e = this.queue.shift()!;
      const d = e.data as ReoptimizationRequestedData;
      // A later request for the same strategy is waiting: this one's window is stale, and running it
      // would only delay the one that matters (an accelerated paper clock can outrun the optimizer).
      // A person's request runs whatever came after it: they asked for this one.
      const newer =
        d.trigger.kind === 'manual'
          ? undefined
          : this.queue.find((q) => (q.data as ReoptimizationRequestedData).strategyId === d.strategyId);
      if (newer) {
        this.superseded++;
        if (this.caughtUp)
          this.deps.log?.(
            `scheduler: ${d.requestId} skipped, superseded by ${(newer.data as ReoptimizationRequestedData).requestId}`,
          );
        continue;
      }
      try {
        const pending = this.deps.runRequest(e);
        if (pending === null) continue;
        this.running = d.requestId;
        this.runsStarted++;
        const out = await pending;
        this.runsFinished++;
        if (out && out.executed > 0) {
          this.deps.log?.(
            `scheduler: re-optimisation ${d.requestId} finished: ${
              out.promotedVersion !== null
                ? `promoted parameter version ${out.promotedVersion}`
                : out.completed.verdict === 'pass'
                  ? 'the candidate passed the gates and waits (as a canary, on a node that runs one)'
                  : 'the gates rejected the candidate'
            }`,
          );
        }
      } catch (err) {
        this.lastError = `${d.requestId}: ${err instanceof Error ? err.message : String(err)}`;
        this.deps.log?.(`scheduler: re-optimisation ${this.lastError}`);
      } finally {
        this.running = null;
      }
    }
    // No await between the last look at the queue and this: a later push starts a new drain.
    this.drainActive = false;
  }

  private iso(): string {
    return this.clock === null ? 'not started' : new Date(this.clock).toISOString();
  }
}
