import { type PerformanceSummary, returnsFromEquity, summarisePerformance } from './performance.js';
import type { TrialResult } from './search.js';
import { probabilisticSharpe, sharpeSample } from './sharpe-stats.js';

/**
 * From a backtest's outcome to what a search method is told: objective values (turned into losses),
 * penalties for trading cost, and constraint violations. This is the seam the backtest engine plugs
 * into: it produces a `BacktestOutcome` per trial; nothing here knows how.
 */

export interface BacktestOutcome {
  /** Account equity at each bar close, initial capital first (positive, quote currency). */
  readonly equity: readonly number[];
  /** Domain timestamps (ms) of the equity points; needed to stitch walk-forward OOS curves. */
  readonly times?: readonly number[];
  readonly periodsPerYear: number;
  /** Round trips closed. */
  readonly trades: number;
  /** Traded notional ÷ average equity over the run. */
  readonly turnover: number;
  /** Fees paid, quote currency (≥ 0). */
  readonly fees: number;
}

export type MetricName = 'sharpe' | 'sortino' | 'calmar' | 'cagr' | 'totalReturn' | 'maxDrawdown' | 'psr';

export interface ObjectiveSpec {
  readonly metric: MetricName | ((outcome: BacktestOutcome, summary: PerformanceSummary) => number);
  /** Default: minimise maxDrawdown, maximise everything else. */
  readonly direction?: 'maximize' | 'minimize';
  readonly name?: string;
}

export interface PenaltySpec {
  /** Subtracted from the primary objective per unit of annualised turnover. */
  readonly turnover?: number;
  /** Subtracted from the primary objective per unit of fees ÷ initial equity. */
  readonly fees?: number;
}

export interface ConstraintSpec {
  /** Largest acceptable drawdown fraction (0.3 = −30%). */
  readonly maxDrawdown?: number;
  readonly minTrades?: number;
  /** Largest acceptable annualised turnover. */
  readonly maxTurnover?: number;
}

export interface ScoringSpec {
  readonly objectives: readonly [ObjectiveSpec, ...ObjectiveSpec[]];
  readonly penalties?: PenaltySpec;
  readonly constraints?: ConstraintSpec;
}

export interface ConstraintCheck {
  readonly constraint: 'maxDrawdown' | 'minTrades' | 'maxTurnover';
  readonly value: number;
  readonly threshold: number;
  readonly satisfied: boolean;
  /** Shortfall relative to the threshold (0 when satisfied), so different units add up. */
  readonly violation: number;
}

export interface Score {
  readonly summary: PerformanceSummary;
  /** Objective values as reported (maximised ones positive), the primary one after penalties. */
  readonly values: readonly number[];
  /** What the search minimises. */
  readonly losses: readonly number[];
  readonly penalty: number;
  readonly constraints: readonly ConstraintCheck[];
  readonly violation: number;
}

const metricValue = (metric: MetricName, outcome: BacktestOutcome, s: PerformanceSummary): number => {
  if (metric === 'psr') return probabilisticSharpe(sharpeSample(returnsFromEquity(outcome.equity)), 0);
  return s[metric];
};

const relativeShortfall = (excess: number, threshold: number): number =>
  excess <= 0 ? 0 : threshold !== 0 ? excess / Math.abs(threshold) : excess;

export const scoreOutcome = (outcome: BacktestOutcome, spec: ScoringSpec): Score => {
  const summary = summarisePerformance(outcome.equity, outcome.periodsPerYear);
  const years = summary.periods / outcome.periodsPerYear;
  const annualTurnover = outcome.turnover / years;
  const penalty =
    (spec.penalties?.turnover ?? 0) * annualTurnover +
    (spec.penalties?.fees ?? 0) * (outcome.fees / outcome.equity[0]!);

  const values: number[] = [];
  const losses: number[] = [];
  spec.objectives.forEach((o, i) => {
    const raw =
      typeof o.metric === 'function' ? o.metric(outcome, summary) : metricValue(o.metric, outcome, summary);
    const direction = o.direction ?? (o.metric === 'maxDrawdown' ? 'minimize' : 'maximize');
    // Costs make the primary objective worse whichever way it points.
    const value = i === 0 ? (direction === 'maximize' ? raw - penalty : raw + penalty) : raw;
    values.push(value);
    losses.push(Number.isNaN(value) ? Number.POSITIVE_INFINITY : direction === 'maximize' ? -value : value);
  });

  const constraints: ConstraintCheck[] = [];
  const c = spec.constraints ?? {};
  if (c.maxDrawdown !== undefined) {
    const v = relativeShortfall(summary.maxDrawdown - c.maxDrawdown, c.maxDrawdown);
    constraints.push({
      constraint: 'maxDrawdown',
      value: summary.maxDrawdown,
      threshold: c.maxDrawdown,
      satisfied: v === 0,
      violation: v,
    });
  }
  if (c.minTrades !== undefined) {
    const v = relativeShortfall(c.minTrades - outcome.trades, c.minTrades);
    constraints.push({
      constraint: 'minTrades',
      value: outcome.trades,
      threshold: c.minTrades,
      satisfied: v === 0,
      violation: v,
    });
  }
  if (c.maxTurnover !== undefined) {
    const v = relativeShortfall(annualTurnover - c.maxTurnover, c.maxTurnover);
    constraints.push({
      constraint: 'maxTurnover',
      value: annualTurnover,
      threshold: c.maxTurnover,
      satisfied: v === 0,
      violation: v,
    });
  }
  const violation = constraints.reduce((s, x) => s + x.violation, 0);
  return { summary, values, losses, penalty, constraints, violation };
};

/** The result to tell a search for a trial scored this way. */
export const trialResult = (id: number, score: Score): TrialResult =>
  score.losses.length === 1
    ? { id, loss: score.losses[0]!, violation: score.violation }
    : { id, losses: score.losses, violation: score.violation };
