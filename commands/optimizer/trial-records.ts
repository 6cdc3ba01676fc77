import type { RunSummaryData, TrialCompletedData } from '../../domain/optimizer/events.js';
import type { BacktestOutcome } from '../../domain/optimizer/objective.js';
import { type PerformanceSummary, summarisePerformance } from '../../domain/optimizer/performance.js';
import type { Params } from '../../domain/optimizer/space.js';
import { type TrialStats, unpackTrialStats } from '../../domain/optimizer/trial-stats.js';
import type { RunTask, TaskOutcome } from '../../domain/optimizer/walk-forward-run.js';
import { decodeFloat64 } from './float-codec.js';
import type { TrialOutput } from './ports.js';

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export const summaryData = (s: PerformanceSummary): RunSummaryData => ({
  totalReturn: finiteOrNull(s.totalReturn),
  cagr: finiteOrNull(s.cagr),
  volatility: finiteOrNull(s.volatility),
  sharpe: finiteOrNull(s.sharpe),
  sortino: finiteOrNull(s.sortino),
  calmar: finiteOrNull(s.calmar),
  maxDrawdown: finiteOrNull(s.maxDrawdown),
  maxDrawdownPeriods: s.maxDrawdownPeriods,
  periods: s.periods,
});

type RecordedOutcome = NonNullable<TrialCompletedData['outcome']>;

const outcomeOf = (o: Extract<RecordedOutcome, { form: 'curve' }>): BacktestOutcome => ({
  equity: decodeFloat64(o.equity),
  ...(o.times !== null ? { times: decodeFloat64(o.times) } : {}),
  periodsPerYear: o.periodsPerYear,
  trades: o.trades,
  turnover: o.turnover,
  fees: o.fees,
});

const statsOf = (
  o: { readonly stats: string } & Pick<TrialStats, 'periodsPerYear' | 'trades' | 'turnover' | 'fees'>,
): TrialStats => unpackTrialStats(decodeFloat64(o.stats), o);

/** The event recording a task's result; curves and stats stay encoded as the worker sent them. */
export const trialCompleted = (
  runId: string,
  task: RunTask<Params>,
  out: TrialOutput,
): TrialCompletedData => {
  const base = {
    runId,
    taskId: task.taskId,
    kind: task.kind,
    window: task.window,
    trialId: task.kind === 'in-sample' ? task.trialId : null,
    params: { ...task.params },
  };
  if (!out.ok) return { ...base, outcome: null, failure: out.failure };
  const rest = {
    periodsPerYear: out.periodsPerYear,
    trades: out.trades,
    turnover: out.turnover,
    fees: out.fees,
  };
  if (out.stats) {
    if (task.kind === 'out-of-sample')
      throw new Error(
        `task ${task.taskId}: the worker sent stats for an out-of-sample run, which needs its curve`,
      );
    // Unpacked here too, so a garbled reply stops the run (it can resume) instead of entering the log.
    const { summary } = statsOf({ stats: out.stats, ...rest });
    return {
      ...base,
      outcome: { form: 'stats', stats: out.stats, ...rest, summary: summaryData(summary) },
      failure: null,
    };
  }
  if (out.equity === null) throw new Error(`task ${task.taskId}: the worker sent neither a curve nor stats`);
  const equity = decodeFloat64(out.equity);
  return {
    ...base,
    outcome: {
      form: 'curve',
      equity: out.equity,
      times: out.times,
      ...rest,
      summary: summaryData(summarisePerformance(equity, out.periodsPerYear)),
    },
    failure: null,
  };
};

/**
 * What the run is told, from the event alone: a fresh result and a replayed one take this same path, so
 * a resumed run is fed exactly what an uninterrupted one was.
 */
export const taskOutcome = (d: TrialCompletedData): TaskOutcome =>
  d.outcome === null
    ? { taskId: d.taskId, failed: d.failure ?? 'failed' }
    : d.outcome.form === 'stats'
      ? { taskId: d.taskId, stats: statsOf(d.outcome) }
      : { taskId: d.taskId, outcome: outcomeOf(d.outcome) };

/** Parameters compared by value in key order: a replayed task must be the task that was recorded. */
export const sameParams = (a: Params, b: Readonly<Record<string, unknown>>): boolean => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && Object.is(a[k], b[k]));
};
