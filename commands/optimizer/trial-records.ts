import type { RunSummaryData, TrialCompletedData } from '../../domain/optimizer/events.js';
import type { BacktestOutcome } from '../../domain/optimizer/objective.js';
import { type PerformanceSummary, summarisePerformance } from '../../domain/optimizer/performance.js';
import type { Params } from '../../domain/optimizer/space.js';
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

const outcomeOf = (o: NonNullable<TrialCompletedData['outcome']>): BacktestOutcome => ({
  equity: decodeFloat64(o.equity),
  ...(o.times !== null ? { times: decodeFloat64(o.times) } : {}),
  periodsPerYear: o.periodsPerYear,
  trades: o.trades,
  turnover: o.turnover,
  fees: o.fees,
});

/** The event recording a task's result; the equity stays encoded as the worker sent it. */
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
  const equity = decodeFloat64(out.equity);
  return {
    ...base,
    outcome: {
      equity: out.equity,
      times: out.times,
      periodsPerYear: out.periodsPerYear,
      trades: out.trades,
      turnover: out.turnover,
      fees: out.fees,
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
    : { taskId: d.taskId, outcome: outcomeOf(d.outcome) };

/** Parameters compared by value in key order: a replayed task must be the task that was recorded. */
export const sameParams = (a: Params, b: Readonly<Record<string, unknown>>): boolean => {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && Object.is(a[k], b[k]));
};
