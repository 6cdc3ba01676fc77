import { createSearch, type SearchConfig } from './create-search.js';
import type { PromotionEvidence } from './gates.js';
import { variance } from './moments.js';
import {
  type BacktestOutcome,
  type ScoringSpec,
  scoreOutcome,
  scoreStats,
  trialResult,
} from './objective.js';
import { pboFromBlockMatrix } from './pbo.js';
import { type PerformanceSummary, summarisePerformance } from './performance.js';
import type { Search, TrialResult } from './search.js';
import { type DeflatedSharpe, deflatedSharpe, type SharpeSample } from './sharpe-stats.js';
import type { ParameterSpace, Params } from './space.js';
import { pboBlockCount, type TrialStats, trialStats } from './trial-stats.js';
import {
  parameterStability,
  type StitchedEquity,
  stitchEquity,
  type TimeRange,
  type WalkForwardWindow,
  walkForwardEfficiency,
} from './walk-forward.js';

/**
 * A walk-forward optimisation run as a pure state machine: it hands out backtest tasks (in-sample trials
 * for every window, then each window's out-of-sample run of its winner) and takes their outcomes back,
 * in any order. Whatever runs the backtests — the engine in-process, a worker pool, BullMQ workers —
 * drives it with next()/complete() and records both as events in `optimizer-<runId>`; replaying those
 * events into a fresh run restores it, because every window's search is seeded from the run id.
 *
 * Per trial only numbers in typed arrays are kept — its Sharpe ratio (for DSR's variance) and its CSCV
 * block sums (for PBO) — plus the summary and Sharpe sample of the current winner only, and the search
 * keeps no history (only its method's model), so a trial costs 8 × (1 + 2 × blocks) bytes, never its
 * equity curve or a per-trial object.
 */

export interface WalkForwardRunConfig {
  readonly runId: string;
  /** Seeds each window's search with the window index (default the run id). */
  readonly searchSeed?: string;
  readonly search: SearchConfig;
  /** Trials per window. */
  readonly budget: number;
  /** From walkForwardWindows(); a single element is a plain in-sample/out-of-sample split. */
  readonly windows: readonly WalkForwardWindow[];
  readonly scoring: ScoringSpec;
  /** Trials asked from a window's search at a time (default 8). */
  readonly batch?: number;
  /** CSCV blocks for PBO (default 16, reduced for short in-sample series). */
  readonly pboBlocks?: number;
  /** Capital the stitched OOS curve starts from (default the first OOS run's). */
  readonly initialCapital?: number;
}

export type RunTask<P extends Params> =
  | {
      readonly kind: 'in-sample';
      readonly taskId: string;
      readonly window: number;
      readonly trialId: number;
      readonly params: P;
      readonly range: TimeRange;
    }
  | {
      readonly kind: 'out-of-sample';
      readonly taskId: string;
      readonly window: number;
      readonly params: P;
      readonly range: TimeRange;
    };

/**
 * A task's result: the whole outcome, or for an in-sample trial the stats it reduces to (trial-stats.ts),
 * which the run scores exactly as the outcome. Out-of-sample results need the curve: they are stitched.
 */
export type TaskOutcome =
  | { readonly taskId: string; readonly outcome: BacktestOutcome }
  | { readonly taskId: string; readonly stats: TrialStats }
  | { readonly taskId: string; readonly failed: string };

interface TrialRecord {
  readonly summary: PerformanceSummary;
  readonly sample: SharpeSample;
}

interface WindowState<P extends Params> {
  readonly window: WalkForwardWindow;
  readonly search: Search<P>;
  asked: number;
  /** Sharpe ratio by trial id; NaN for a failed trial. */
  sharpes: Float64Array;
  /** The search's current best trial's record, if that trial succeeded: a later best is always a newer trial. */
  best: (TrialRecord & { readonly id: number }) | undefined;
  blockCount: number | undefined;
  /** Block lengths, the same for every trial (checked as each arrives). */
  blockLengths: readonly number[] | undefined;
  /** Block sums and sums of squares by trial id, trial-major (id × blockCount + b). */
  blockSum: Float64Array;
  blockSumSq: Float64Array;
  /** 1 where the trial id has block sums (failed trials have none). */
  hasBlocks: Uint8Array;
  blockTrials: number;
  pboUnavailable: string | undefined;
  oos: 'waiting' | 'asked' | 'done';
  oosOutcome: BacktestOutcome | undefined;
  oosFailure: string | undefined;
  selected: P | undefined;
}

export interface WindowReport<P extends Params> {
  readonly index: number;
  readonly window: WalkForwardWindow;
  readonly trials: number;
  readonly selected: P;
  readonly selectedFeasible: boolean;
  readonly inSample: PerformanceSummary | null;
  readonly outOfSample: (PerformanceSummary & { readonly trades: number }) | null;
  readonly outOfSampleFailure: string | null;
  readonly dsr: DeflatedSharpe | null;
  readonly pbo: number | null;
  readonly pboNote: string | null;
}

export interface WalkForwardReport<P extends Params> {
  readonly runId: string;
  readonly windows: readonly WindowReport<P>[];
  /** The last window's winner: the parameter set fitted to the most recent data. */
  readonly candidate: P;
  readonly stitched: StitchedEquity | null;
  readonly outOfSample: PerformanceSummary | null;
  readonly outOfSampleTrades: number;
  readonly efficiency: number;
  readonly stability: number | null;
  readonly evidence: PromotionEvidence;
  readonly trials: number;
}

const DAY = 86_400_000;

/**
 * The design's risk checks on a candidate, from its out-of-sample runs: closing trades per day over the
 * out-of-sample windows, and profit before fees ÷ fees (each window's equity change plus its fees, in the
 * quote currency). NaN where a window has no outcome, so the gates fail rather than pass on no data;
 * coverage is +∞ without fees (nothing to be sensitive to).
 */
const oosRiskChecks = (
  states: readonly { readonly window: WalkForwardWindow; readonly oosOutcome: BacktestOutcome | undefined }[],
): { tradesPerDay: number; costCoverage: number } => {
  let days = 0;
  let trades = 0;
  let net = 0;
  let fees = 0;
  for (const s of states) {
    const o = s.oosOutcome;
    if (!o || o.equity.length === 0) return { tradesPerDay: Number.NaN, costCoverage: Number.NaN };
    days += (s.window.outOfSample.end - s.window.outOfSample.start) / DAY;
    trades += o.trades;
    net += o.equity[o.equity.length - 1]! - o.equity[0]!;
    fees += o.fees;
  }
  return {
    tradesPerDay: days > 0 ? trades / days : Number.NaN,
    costCoverage: fees > 0 ? (net + fees) / fees : Number.POSITIVE_INFINITY,
  };
};

export class WalkForwardRunError extends Error {
  override readonly name = 'WalkForwardRunError';
}

// Doubling, so a run of n trials copies O(n) numbers in all; new slots hold `fill` so a gap reads as absent.
const ensureF64 = (a: Float64Array, size: number, fill: number): Float64Array => {
  if (a.length >= size) return a;
  const b = new Float64Array(Math.max(size, 2 * a.length));
  b.fill(fill, a.length);
  b.set(a);
  return b;
};
const ensureU8 = (a: Uint8Array, size: number): Uint8Array => {
  if (a.length >= size) return a;
  const b = new Uint8Array(Math.max(size, 2 * a.length));
  b.set(a);
  return b;
};

export class WalkForwardRun<P extends Params> {
  private readonly states: WindowState<P>[];
  private readonly batch: number;

  constructor(
    readonly space: ParameterSpace<P>,
    readonly config: WalkForwardRunConfig,
  ) {
    if (!Number.isInteger(config.budget) || config.budget < 2)
      throw new WalkForwardRunError('budget must be an integer ≥ 2');
    if (config.windows.length === 0) throw new WalkForwardRunError('a run needs at least one window');
    this.batch = config.batch ?? 8;
    this.states = config.windows.map((window) => ({
      window,
      // best() and told are all the run asks of its searches: no history, so they do not grow with trials.
      search: createSearch(space, config.search, `${config.searchSeed ?? config.runId}:${window.index}`, {
        keepHistory: false,
      }),
      asked: 0,
      sharpes: new Float64Array(0),
      best: undefined,
      blockCount: undefined,
      blockLengths: undefined,
      blockSum: new Float64Array(0),
      blockSumSq: new Float64Array(0),
      hasBlocks: new Uint8Array(0),
      blockTrials: 0,
      pboUnavailable: undefined,
      oos: 'waiting',
      oosOutcome: undefined,
      oosFailure: undefined,
      selected: undefined,
    }));
  }

  get done(): boolean {
    return this.states.every((s) => s.oos === 'done');
  }

  /** Up to `max` tasks, earliest window first; fewer when the rest wait on results. */
  next(max: number): RunTask<P>[] {
    const tasks: RunTask<P>[] = [];
    for (const [w, s] of this.states.entries()) {
      if (tasks.length >= max) break;
      if (s.oos === 'waiting' && this.inSampleComplete(s)) {
        const best = s.search.best();
        if (!best) throw new WalkForwardRunError(`window ${w}: no trial was told`);
        s.selected = best.trial.params;
        s.oos = 'asked';
        tasks.push({
          kind: 'out-of-sample',
          taskId: `${w}:oos`,
          window: w,
          params: best.trial.params,
          range: s.window.outOfSample,
        });
        continue;
      }
      while (tasks.length < max && s.asked < this.config.budget && !s.search.exhausted) {
        const trials = s.search.ask(Math.min(this.batch, max - tasks.length, this.config.budget - s.asked));
        if (trials.length === 0) break;
        s.asked += trials.length;
        for (const t of trials) {
          tasks.push({
            kind: 'in-sample',
            taskId: `${w}:is:${t.id}`,
            window: w,
            trialId: t.id,
            params: t.params,
            range: s.window.inSample,
          });
        }
      }
    }
    return tasks;
  }

  /** Outcomes of handed-out tasks, in any order. A batch with an unknown or repeated task changes nothing. */
  complete(results: readonly TaskOutcome[]): void {
    const parsed = results.map((r) => {
      const m = /^(\d+):(?:is:(\d+)|(oos))$/.exec(r.taskId);
      const window = m ? Number(m[1]) : -1;
      const s = this.states[window];
      if (!m || !s) throw new WalkForwardRunError(`unknown task ${r.taskId}`);
      return { r, s, window, trialId: m[3] ? null : Number(m[2]) };
    });
    const seen = new Set<string>();
    for (const { r, s, trialId } of parsed) {
      const open = trialId === null ? s.oos === 'asked' : s.search.isOutstanding(trialId);
      if (!open || seen.has(r.taskId))
        throw new WalkForwardRunError(`task ${r.taskId} was not handed out or is already complete`);
      if (trialId === null && 'stats' in r)
        throw new WalkForwardRunError(`task ${r.taskId}: an out-of-sample result needs its equity curve`);
      seen.add(r.taskId);
    }
    const told = new Map<number, TrialResult[]>();
    const records = new Map<number, Map<number, TrialRecord>>();
    for (const { r, s, window, trialId } of parsed) {
      if (trialId === null) {
        s.oos = 'done';
        if ('failed' in r) s.oosFailure = r.failed;
        else if ('outcome' in r) s.oosOutcome = r.outcome;
        continue;
      }
      const list = told.get(window) ?? [];
      if ('failed' in r) {
        list.push({ id: trialId, failed: true });
      } else {
        const pboBlocks = this.config.pboBlocks ?? 16;
        const stats = 'stats' in r ? r.stats : trialStats(r.outcome, pboBlocks);
        const score =
          'stats' in r
            ? scoreStats(r.stats, this.config.scoring)
            : scoreOutcome(r.outcome, this.config.scoring);
        const fresh = records.get(window) ?? new Map<number, TrialRecord>();
        fresh.set(trialId, this.recordTrial(s, trialId, stats));
        records.set(window, fresh);
        list.push(trialResult(trialId, score));
      }
      told.set(window, list);
    }
    for (const [w, list] of told) {
      const s = this.states[w]!;
      s.search.tell(list);
      // The best only ever moves to a trial of the batch just told, so the other records can go.
      const id = s.search.best()?.trial.id;
      if (id !== undefined && id !== s.best?.id) {
        const record = records.get(w)?.get(id);
        s.best = record ? { id, ...record } : undefined;
      }
    }
  }

  private inSampleComplete(s: WindowState<P>): boolean {
    return (
      (s.asked >= this.config.budget || s.search.exhausted) && s.search.pending === 0 && s.search.told > 0
    );
  }

  private recordTrial(s: WindowState<P>, id: number, stats: TrialStats): TrialRecord {
    const record = { summary: stats.summary, sample: stats.sample };
    s.sharpes = ensureF64(s.sharpes, id + 1, Number.NaN);
    s.sharpes[id] = record.sample.sharpe;
    if (s.pboUnavailable) return record;
    if (s.blockCount === undefined) {
      s.blockCount = pboBlockCount(stats.returns, this.config.pboBlocks ?? 16);
      if (s.blockCount < 2) {
        s.pboUnavailable = `in-sample series of ${stats.returns} returns is too short for CSCV`;
        return record;
      }
    }
    const k: number = s.blockCount;
    const blocks = stats.blocks;
    // Each trial's blocks were cut from its own series: a different length shows as other counts.
    if (!blocks || blocks.count.length !== k || s.blockLengths?.some((c, b) => c !== blocks.count[b])) {
      s.pboUnavailable = 'trials covered different numbers of periods';
      s.blockSum = new Float64Array(0);
      s.blockSumSq = new Float64Array(0);
      s.hasBlocks = new Uint8Array(0);
      s.blockTrials = 0;
      return record;
    }
    s.blockLengths ??= blocks.count;
    s.blockSum = ensureF64(s.blockSum, (id + 1) * k, 0);
    s.blockSumSq = ensureF64(s.blockSumSq, (id + 1) * k, 0);
    s.hasBlocks = ensureU8(s.hasBlocks, id + 1);
    s.blockSum.set(blocks.sum, id * k);
    s.blockSumSq.set(blocks.sumSq, id * k);
    s.hasBlocks[id] = 1;
    s.blockTrials++;
    return record;
  }

  /** The block sums of the trials that have them, in trial-id order (float sums depend on order). */
  private blockMatrix(s: WindowState<P>): { sum: Float64Array; sumSq: Float64Array } {
    const k = s.blockCount!;
    const n = s.blockTrials;
    let last = -1;
    for (let id = 0; id < s.hasBlocks.length; id++) if (s.hasBlocks[id]) last = id;
    if (last + 1 === n) return { sum: s.blockSum.subarray(0, n * k), sumSq: s.blockSumSq.subarray(0, n * k) };
    const sum = new Float64Array(n * k);
    const sumSq = new Float64Array(n * k);
    let j = 0;
    for (let id = 0; id <= last; id++) {
      if (!s.hasBlocks[id]) continue;
      sum.set(s.blockSum.subarray(id * k, (id + 1) * k), j * k);
      sumSq.set(s.blockSumSq.subarray(id * k, (id + 1) * k), j * k);
      j++;
    }
    return { sum, sumSq };
  }

  private windowReport(s: WindowState<P>, index: number): WindowReport<P> {
    const best = s.search.best()!;
    const record = s.best?.id === best.trial.id ? s.best : undefined;
    // In trial-id order: results arrive in any order and float sums depend on order.
    const sharpes: number[] = [];
    for (const x of s.sharpes) if (Number.isFinite(x)) sharpes.push(x);
    const dsr =
      record && sharpes.length >= 2 ? deflatedSharpe(record.sample, s.search.told, variance(sharpes)) : null;
    let pbo: number | null = null;
    let pboNote = s.pboUnavailable ?? null;
    if (!pboNote) {
      if (s.blockTrials >= 2)
        pbo = pboFromBlockMatrix({ count: s.blockLengths!, ...this.blockMatrix(s) }).pbo;
      else pboNote = 'fewer than 2 successful trials';
    }
    const o = s.oosOutcome;
    return {
      index,
      window: s.window,
      trials: s.search.told,
      selected: s.selected!,
      selectedFeasible: best.violation === 0,
      inSample: record?.summary ?? null,
      outOfSample: o ? { ...summarisePerformance(o.equity, o.periodsPerYear), trades: o.trades } : null,
      outOfSampleFailure: s.oosFailure ?? null,
      dsr,
      pbo,
      pboNote,
    };
  }

  report(): WalkForwardReport<P> {
    if (!this.done) throw new WalkForwardRunError('the run is not finished');
    const windows = this.states.map((s, i) => this.windowReport(s, i));
    const outcomes = this.states.map((s) => s.oosOutcome);
    const complete = outcomes.every((o): o is BacktestOutcome => o !== undefined);
    let stitched: StitchedEquity | null = null;
    let oosSummary: PerformanceSummary | null = null;
    if (complete) {
      let offset = 0;
      stitched = stitchEquity(
        outcomes.map((o) => {
          // Without timestamps, points are numbered so segments still line up end to start.
          const times = o.times ?? o.equity.map((_, i) => offset + i);
          offset += o.equity.length - 1;
          return { times, equity: o.equity };
        }),
        this.config.initialCapital ?? outcomes[0]!.equity[0]!,
      );
      oosSummary = summarisePerformance(stitched.equity, outcomes[0]!.periodsPerYear);
    }
    const efficiency = walkForwardEfficiency(
      windows
        .filter((w) => w.inSample && w.outOfSample)
        .map((w) => ({
          inSampleReturn: w.inSample!.totalReturn,
          inSampleDuration: w.window.inSample.end - w.window.inSample.start,
          outOfSampleReturn: w.outOfSample!.totalReturn,
          outOfSampleDuration: w.window.outOfSample.end - w.window.outOfSample.start,
        })),
    ).overall;
    const stability =
      windows.length >= 2
        ? parameterStability(
            this.space,
            windows.map((w) => w.selected),
          ).overall
        : null;
    const last = windows[windows.length - 1]!;
    const oosTrades = windows.reduce((n, w) => n + (w.outOfSample?.trades ?? 0), 0);
    const risk = oosRiskChecks(this.states);
    return {
      runId: this.config.runId,
      windows,
      candidate: last.selected,
      stitched,
      outOfSample: oosSummary,
      outOfSampleTrades: oosTrades,
      efficiency,
      stability,
      trials: windows.reduce((n, w) => n + w.trials, 0),
      evidence: {
        dsr: last.dsr?.dsr ?? Number.NaN,
        pbo: last.pbo ?? Number.NaN,
        wfe: efficiency,
        oosMaxDrawdown: oosSummary?.maxDrawdown ?? Number.NaN,
        oosTrades,
        oosSharpe: oosSummary?.sharpe ?? Number.NaN,
        ...(stability === null ? {} : { parameterStability: stability }),
        oosTradesPerDay: risk.tradesPerDay,
        oosCostCoverage: risk.costCoverage,
      },
    };
  }
}
