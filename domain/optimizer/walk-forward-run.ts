import { createSearch, type SearchConfig } from './create-search.js';
import type { PromotionEvidence } from './gates.js';
import { variance } from './moments.js';
import { type BacktestOutcome, type ScoringSpec, scoreOutcome, trialResult } from './objective.js';
import { pboFromBlocks, type TrialBlocks, trialBlocks } from './pbo.js';
import { type PerformanceSummary, returnsFromEquity, summarisePerformance } from './performance.js';
import type { Search, TrialResult } from './search.js';
import { type DeflatedSharpe, deflatedSharpe, type SharpeSample, sharpeSample } from './sharpe-stats.js';
import type { ParameterSpace, Params } from './space.js';
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
 * Per trial only summaries are kept (a performance summary, four Sharpe-sample numbers, CSCV block sums),
 * never the equity curve, so memory grows with trials × blocks, not trials × bars.
 */

export interface WalkForwardRunConfig {
  readonly runId: string;
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

export type TaskOutcome =
  | { readonly taskId: string; readonly outcome: BacktestOutcome }
  | { readonly taskId: string; readonly failed: string };

interface TrialRecord {
  readonly summary: PerformanceSummary;
  readonly sample: SharpeSample;
}

interface WindowState<P extends Params> {
  readonly window: WalkForwardWindow;
  readonly search: Search<P>;
  asked: number;
  readonly trials: Map<number, TrialRecord>;
  readonly blocks: Map<number, TrialBlocks>;
  blockCount: number | undefined;
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

export class WalkForwardRunError extends Error {
  override readonly name = 'WalkForwardRunError';
}

const largestEven = (x: number): number => 2 * Math.floor(x / 2);

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
      search: createSearch(space, config.search, `${config.runId}:${window.index}`),
      asked: 0,
      trials: new Map(),
      blocks: new Map(),
      blockCount: undefined,
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
      seen.add(r.taskId);
    }
    const told = new Map<number, TrialResult[]>();
    for (const { r, s, window, trialId } of parsed) {
      if (trialId === null) {
        s.oos = 'done';
        if ('failed' in r) s.oosFailure = r.failed;
        else s.oosOutcome = r.outcome;
        continue;
      }
      const list = told.get(window) ?? [];
      if ('failed' in r) {
        list.push({ id: trialId, failed: true });
      } else {
        const score = scoreOutcome(r.outcome, this.config.scoring);
        this.recordTrial(s, trialId, r.outcome, score.summary);
        list.push(trialResult(trialId, score));
      }
      told.set(window, list);
    }
    for (const [w, list] of told) this.states[w]!.search.tell(list);
  }

  private inSampleComplete(s: WindowState<P>): boolean {
    return (
      (s.asked >= this.config.budget || s.search.exhausted) && s.search.pending === 0 && s.search.told > 0
    );
  }

  private recordTrial(
    s: WindowState<P>,
    id: number,
    outcome: BacktestOutcome,
    summary: PerformanceSummary,
  ): void {
    const returns = returnsFromEquity(outcome.equity);
    s.trials.set(id, { summary, sample: sharpeSample(returns) });
    if (s.pboUnavailable) return;
    if (s.blockCount === undefined) {
      s.blockCount = Math.min(this.config.pboBlocks ?? 16, largestEven(returns.length / 2));
      if (s.blockCount < 2) {
        s.pboUnavailable = `in-sample series of ${returns.length} returns is too short for CSCV`;
        return;
      }
    }
    const blocks = trialBlocks(returns, s.blockCount);
    const first = s.blocks.values().next().value;
    if (first?.count.some((c, b) => c !== blocks.count[b])) {
      s.pboUnavailable = 'trials covered different numbers of periods';
      s.blocks.clear();
      return;
    }
    s.blocks.set(id, blocks);
  }

  private windowReport(s: WindowState<P>, index: number): WindowReport<P> {
    const best = s.search.best()!;
    const record = s.trials.get(best.trial.id);
    // In trial-id order: results arrive in any order and float sums depend on order.
    const sharpes = [...s.trials.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, t]) => t.sample.sharpe)
      .filter(Number.isFinite);
    const dsr =
      record && sharpes.length >= 2 ? deflatedSharpe(record.sample, s.search.told, variance(sharpes)) : null;
    let pbo: number | null = null;
    let pboNote = s.pboUnavailable ?? null;
    if (!pboNote) {
      if (s.blocks.size >= 2)
        pbo = pboFromBlocks([...s.blocks.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b)).pbo;
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
      },
    };
  }
}
