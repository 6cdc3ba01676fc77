import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import type { RiskLimitsSetData } from '../../domain/risk/events.js';
import type { Allocation, BreakerStepDown } from '../../replay/engine/config.js';
import type { FeeRates } from './fee-settings.js';
import { type ActiveParameters, type PaperRun, type PaperRunStatus, PaperSession } from './session.js';

/** What tells one run of a strategy from another: the parameters, where it starts, and how it is sized. */
export interface RunVariant {
  readonly parameters?: ActiveParameters;
  /** YYYY-MM-DD; default the fleet's start. */
  readonly from?: string;
  /** Applied before the first step when the run's log holds no allocation yet. */
  readonly initialAllocation?: Allocation;
  /** Market time a run started late catches up to at full speed. */
  readonly catchUpTo?: () => number;
}

/** A parameter version trading as a canary (automation 2) beside the version in force. */
export interface CanaryRunSpec {
  readonly version: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** Market time (ms) the canary started: its run starts that day. */
  readonly startedAt: number;
  readonly share: number;
}

/** A version to put in force: its parameters, and the market time its run trades from (else the fleet's start). */
export interface VersionSwitch {
  readonly version: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly since?: number;
}

/** The version a strategy trades, and (for one adopted through a canary) the day its run started. */
export interface InForceParameters extends ActiveParameters {
  readonly from?: string;
}

export interface FleetOptions {
  readonly strategies: readonly string[];
  readonly symbols: readonly string[];
  readonly from: string;
  readonly speed: number;
  readonly warmupDays?: number;
  readonly store: EventStore & EventLookup;
  readonly onAppended?: (events: readonly StoredEvent[]) => void;
  readonly log: (m: string) => void;
  /** The promoted parameter version each strategy trades; absent for a strategy: its schema defaults. */
  readonly parameters?: ReadonlyMap<string, InForceParameters>;
  /** The canaries trading when the node starts. */
  readonly canaries?: ReadonlyMap<string, CanaryRunSpec>;
  /**
   * Where a strategy's run starts when not at `from`: it carries the clock on from a run it supersedes
   * (another symbol set, scripts/paper/superseded.ts). `from` is its start day, `catchUpTo` the market time
   * it catches up to at full speed before it is paced, so the runs' clock does not go back.
   */
  readonly starts?: ReadonlyMap<string, { readonly from: string; readonly catchUpTo?: number }>;
  /** Builds a run; default: a PaperSession replaying the recorded data at `speed`. */
  readonly session?: (strategyId: string, variant: RunVariant) => PaperRun;
  /** The account's own commission rates every run's fills are booked at (PAPER_FEE_RATES). */
  readonly feeRates?: FeeRates;
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

interface Driven {
  readonly run: PaperRun;
  readonly role: 'in-force' | 'canary' | 'replaced';
  readonly stop: AbortController;
  running: Promise<void> | null;
}

/** Market time a replaced run keeps stepping after its bench, at most, for its exits to be booked. */
const REPLACED_GRACE_MS = 7 * 86_400_000;

/**
 * Every built-in strategy paper-trading side by side, each in its own run and account: the version in
 * force, and, while automation 2 judges one, its canary beside it. A canary that takes over becomes the
 * strategy's run; the run it replaced (or a canary rolled back) is flattened and trades nothing more.
 */
export class PaperFleet {
  private readonly inForce = new Map<string, Driven>();
  private readonly canaryRuns = new Map<string, Driven>();
  private readonly replaced: Driven[] = [];
  private signal: AbortSignal | null = null;

  constructor(private readonly opts: FleetOptions) {}

  /** Prepares each run and skips what the log already holds; a strategy that cannot run is reported and left out. */
  async prepare(): Promise<void> {
    for (const strategyId of this.opts.strategies) {
      const p = this.opts.parameters?.get(strategyId);
      const s = this.opts.starts?.get(strategyId);
      // The later of the version's start and the start carried on from a superseded run.
      const from = p?.from && (!s || p.from > s.from) ? p.from : s?.from;
      const catchUpTo = s?.catchUpTo;
      const run = await this.open(strategyId, {
        ...(p ? { parameters: { version: p.version, params: p.params } } : {}),
        ...(from ? { from } : {}),
        ...(catchUpTo !== undefined ? { catchUpTo: () => catchUpTo } : {}),
      });
      if (!run) continue;
      this.inForce.set(strategyId, this.driven(run, 'in-force'));
      this.reinstateIfReplaced(strategyId);
      const canary = this.opts.canaries?.get(strategyId);
      if (canary) await this.addCanary(strategyId, canary);
    }
  }

  start(signal: AbortSignal): void {
    this.signal = signal;
    for (const d of this.all()) this.drive(d);
  }

  async stopped(): Promise<void> {
    await Promise.all(this.all().map((d) => d.running));
  }

  /** The runs of the versions in force, one per strategy: the portfolio's arms, the lifecycle's evidence. */
  runs(): readonly PaperRun[] {
    return [...this.inForce.values()].map((d) => d.run);
  }

  /**
   * A person steps a running paper run's breakers down (docs/risk.md, "Down"), by its run id (its breakers'
   * scope id). Null for a run the fleet does not drive, or one still starting; throws the engine's
   * BreakerRuleError (cooldown, measurements that still breach) or RangeError (not a step down) when it
   * refuses, having written nothing.
   */
  stepDownBreaker(runId: string, cmd: BreakerStepDown): { eventId: string; level: BreakerLevel } | null {
    return stepDownIn(
      this.all().map((d) => d.run),
      runId,
      cmd,
    );
  }

  /**
   * A limit change the desk recorded (RiskLimitsSet): every run the fleet drives takes it between two of its
   * steps, or as soon as it trades after its replay when it is still starting; a run that took it already
   * (a restart reads its RiskLimitsApplied back) leaves it.
   */
  applyRiskLimits(change: RiskLimitsSetData): void {
    for (const d of this.all()) d.run.applyRiskLimits?.(change);
  }

  inForceRun(strategyId: string): PaperRun | undefined {
    return this.inForce.get(strategyId)?.run;
  }

  canaryRun(strategyId: string): PaperRun | undefined {
    return this.canaryRuns.get(strategyId)?.run;
  }

  /**
   * Starts a canary's run: its version, from the day it started, sized at its share until it takes over,
   * caught up to where the other runs are. Null (and the reason logged) when it cannot run.
   */
  async addCanary(strategyId: string, c: CanaryRunSpec): Promise<PaperRun | null> {
    const existing = this.canaryRuns.get(strategyId);
    if (existing) return existing.run;
    const run = await this.open(strategyId, {
      parameters: { version: c.version, params: c.params },
      from: day(c.startedAt),
      initialAllocation: {
        roundId: `canary-v${c.version}`,
        weight: c.share,
        multiplier: c.share,
        benched: false,
        benchedUntil: null,
        reason: `parameter version ${c.version} trades as a canary at ${c.share * 100} % of the capital`,
      },
      catchUpTo: () => Math.max(c.startedAt, this.now() ?? c.startedAt),
    });
    if (!run) return null;
    const d = this.driven(run, 'canary');
    this.canaryRuns.set(strategyId, d);
    if (this.signal) this.drive(d);
    return run;
  }

  /** The canary takes over: all of the capital, and the run it replaces is flattened. */
  adopt(strategyId: string, reason: string): void {
    const canary = this.canaryRuns.get(strategyId);
    if (!canary) return;
    this.canaryRuns.delete(strategyId);
    const old = this.inForce.get(strategyId);
    canary.run.allocate?.(this.allocation(`adopted-v${canary.run.paramsVersion ?? 0}`, 1, false, reason));
    this.inForce.set(strategyId, { ...canary, role: 'in-force' });
    if (old) this.retire(old, `replaced-by-v${canary.run.paramsVersion ?? 0}`, reason);
  }

  /**
   * Puts another version in force for the strategy (a rollback, a person's promotion): its run, from the
   * day the log says it trades from (else the fleet's start), caught up to the other runs. A run of it
   * that was replaced in this process, or whose log ends replaced, is reinstated rather than started
   * twice. The run it replaces is flattened. False (and the reason logged) when the run cannot start.
   */
  async switchTo(strategyId: string, v: VersionSwitch, reason: string): Promise<boolean> {
    const old = this.inForce.get(strategyId);
    if (old && (old.run.paramsVersion ?? 0) === v.version) return true;
    const now = this.now();
    const variant: RunVariant = {
      ...(v.version > 0 ? { parameters: { version: v.version, params: v.params } } : {}),
      from: v.since !== undefined ? day(v.since) : this.opts.from,
      catchUpTo: () => Math.max(v.since ?? Number.NEGATIVE_INFINITY, now ?? Number.NEGATIVE_INFINITY),
    };
    const candidate = this.build(strategyId, variant);
    // A replaced run still stepping is taken back as it is; one that was stopped is opened again from the log.
    const at = this.replaced.findIndex((d) => d.run.runId === candidate.runId && !d.stop.signal.aborted);
    if (at < 0) this.forget(candidate.runId);
    let next: Driven;
    if (at >= 0) {
      next = { ...this.replaced.splice(at, 1)[0]!, role: 'in-force' };
    } else {
      if (!(await this.ready(strategyId, candidate))) return false;
      next = this.driven(candidate, 'in-force');
    }
    this.inForce.set(strategyId, next);
    this.reinstateIfReplaced(strategyId, reason);
    if (this.signal) this.drive(next);
    if (old) this.retire(old, `replaced-by-v${v.version}`, reason);
    return true;
  }

  /**
   * A run in force whose allocation is still the bench of its replacement (reinstated by a rollback, or
   * replayed from a log that ends so) gets its whole capital back. The portfolio's own benches stand.
   */
  reinstateIfReplaced(strategyId: string, reason = 'the parameter version in force again'): void {
    const d = this.inForce.get(strategyId);
    const a = d?.run.allocationNow?.();
    if (!d || !a?.benched || !/^(replaced-by|rolled-back)-/.test(a.roundId)) return;
    // Named by the run's market time, so a reinstatement in a later process is another round.
    d.run.allocate?.(
      this.allocation(`reinstated-v${d.run.paramsVersion ?? 0}-${d.run.simTime}`, 1, false, reason),
    );
  }

  /**
   * Stops the replaced runs that have nothing left to do (flat, no order working), or that have stepped a
   * week of market time past their replacement: each would otherwise cost an engine for good. They stay in
   * the status list; a later rollback to one of them opens it again from the log.
   */
  stopIdleReplaced(): void {
    const now = this.now();
    for (const d of this.replaced) {
      if (d.stop.signal.aborted) continue;
      const since = this.replacedAt.get(d) ?? now ?? 0;
      if (d.run.flat?.() || (now !== null && now - since > REPLACED_GRACE_MS)) d.stop.abort();
    }
  }

  private readonly replacedAt = new WeakMap<Driven, number>();

  /** Drops a stopped replaced run with this id: it is about to be opened again. */
  private forget(runId: string): void {
    const i = this.replaced.findIndex((d) => d.run.runId === runId);
    if (i >= 0) this.replaced.splice(i, 1);
  }

  /** The canary is rolled back: flattened, trading nothing more; the version in force carries on. */
  dropCanary(strategyId: string, reason: string): void {
    const canary = this.canaryRuns.get(strategyId);
    if (!canary) return;
    this.canaryRuns.delete(strategyId);
    this.retire(canary, `rolled-back-v${canary.run.paramsVersion ?? 0}`, reason);
  }

  status(): PaperRunStatus[] {
    const tagged = (d: Driven): PaperRunStatus => {
      const st = d.run.status();
      return {
        ...st,
        // A replaced run stopped once it had nothing left to do: finished, not running.
        ...(d.role === 'replaced' && d.stop.signal.aborted && st.state === 'running'
          ? { state: 'finished' as const }
          : {}),
        parameters: { version: d.run.paramsVersion ?? 0, role: d.role },
      };
    };
    return [
      ...[...this.inForce.values()].map(tagged),
      ...[...this.canaryRuns.values()].map(tagged),
      ...this.replaced.map(tagged),
    ];
  }

  /** The mark of a symbol for an account: its own run's last close, else any run's. */
  mark(accountId: string, symbol: string): number | null {
    const runs = this.all().map((d) => d.run);
    const own = runs.find((s) => s.runId === accountId)?.mark(symbol);
    if (own != null) return own;
    for (const s of runs) {
      const m = s.mark(symbol);
      if (m !== null) return m;
    }
    return null;
  }

  /** A live run's bars of a symbol at a timeframe (the longest any run holds), undefined when none has them. */
  bars(symbol: string, timeframe: string): BarSeries | undefined {
    let best: BarSeries | undefined;
    for (const { run } of this.all()) {
      const b = run.bars?.(symbol, timeframe);
      if (b && (!best || b.openTime.length > best.openTime.length)) best = b;
    }
    return best;
  }

  /** Symbol → ms since the close of the newest bar any live run holds at `now`. */
  barAges(now: number): Map<string, number> {
    const newest = new Map<string, number>();
    for (const { run } of this.all())
      for (const [symbol, close] of run.lastBarCloses?.() ?? [])
        if (Number.isFinite(close)) newest.set(symbol, Math.max(newest.get(symbol) ?? close, close));
    return new Map([...newest].map(([symbol, close]) => [symbol, Math.max(0, now - close)]));
  }

  /**
   * Where the runs' clocks are: the earliest of the runs that trade, so no screen shows a bar some run has
   * not reached. A run that was replaced no longer counts, nor a canary whose run failed.
   */
  now(): number | null {
    // A canary whose run failed does not hold the clock back while the manager rolls it back.
    const live = [
      ...this.inForce.values(),
      ...[...this.canaryRuns.values()].filter((d) => d.run.status().state !== 'failed'),
    ];
    if (live.length === 0) return null;
    return Math.min(...live.map((d) => d.run.simTime));
  }

  private all(): Driven[] {
    return [...this.inForce.values(), ...this.canaryRuns.values(), ...this.replaced];
  }

  private driven(run: PaperRun, role: Driven['role']): Driven {
    return { run, role, stop: new AbortController(), running: null };
  }

  private drive(d: Driven): void {
    if (d.running || !this.signal) return;
    const outer = this.signal;
    if (outer.aborted) d.stop.abort();
    else outer.addEventListener('abort', () => d.stop.abort(), { once: true });
    d.running = d.run.run(d.stop.signal);
  }

  /**
   * Benched (flattened at once by reduce-only orders, then held at zero) and left running, so its exits
   * are booked like any other; it is not started again after a restart.
   */
  private retire(d: Driven, roundId: string, reason: string): void {
    try {
      d.run.allocate?.(this.allocation(roundId, 0, true, reason));
    } catch (err) {
      this.opts.log(`paper ${d.run.runId}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const replaced: Driven = { ...d, role: 'replaced' };
    this.replaced.push(replaced);
    const now = this.now();
    if (now !== null) this.replacedAt.set(replaced, now);
  }

  private allocation(roundId: string, multiplier: number, benched: boolean, reason: string): Allocation {
    return { roundId, weight: multiplier, multiplier, benched, benchedUntil: null, reason };
  }

  private async open(strategyId: string, variant: RunVariant): Promise<PaperRun | null> {
    const session = this.build(strategyId, variant);
    return (await this.ready(strategyId, session)) ? session : null;
  }

  private build(strategyId: string, variant: RunVariant): PaperRun {
    return (
      this.opts.session?.(strategyId, variant) ??
      new PaperSession({
        strategyId,
        symbols: this.opts.symbols,
        from: variant.from ?? this.opts.from,
        speed: this.opts.speed,
        ...(this.opts.warmupDays !== undefined ? { warmupDays: this.opts.warmupDays } : {}),
        ...(variant.parameters ? { parameters: variant.parameters } : {}),
        ...(variant.initialAllocation ? { initialAllocation: variant.initialAllocation } : {}),
        ...(variant.catchUpTo ? { catchUpTo: variant.catchUpTo } : {}),
        ...(this.opts.feeRates ? { feeRates: this.opts.feeRates } : {}),
        store: this.opts.store,
        log: this.opts.log,
        ...(this.opts.onAppended ? { onAppended: this.opts.onAppended } : {}),
      })
    );
  }

  private async ready(strategyId: string, session: PaperRun): Promise<boolean> {
    try {
      await session.prepare();
      const skipped = await session.fastForward();
      if (skipped > 0)
        this.opts.log(`paper ${session.runId}: resumed after ${skipped} events already in the log`);
      return true;
    } catch (err) {
      this.opts.log(`paper ${strategyId}: not started: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }
}

/**
 * A person's breaker step-down for the run `runId` among `runs` (paper runs, or the real runs the lifecycle
 * drives), between two of its steps. Null for a run not among them, or one still starting; throws what
 * the breaker refuses with, having written nothing.
 */
export const stepDownIn = (
  runs: readonly PaperRun[],
  runId: string,
  cmd: BreakerStepDown,
): { eventId: string; level: BreakerLevel } | null => {
  const run = runs.find((r) => r.runId === runId);
  if (!run?.stepDownBreaker || run.status().state === 'starting') return null;
  const eventId = run.stepDownBreaker(cmd);
  return { eventId, level: run.breakerLevel?.() ?? cmd.to };
};
