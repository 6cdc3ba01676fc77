import { type PerformanceSummary, returnsFromEquity, summarisePerformance } from './performance.js';
import type { TrialResult } from './search.js';
import { probabilisticSharpe, type SharpeSample, sharpeSample } from './sharpe-stats.js';
import type { TrialStats } from './trial-stats.js';

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

const relativeShortfall = (excess: number, threshold: number): number =>
  excess <= 0 ? 0 : threshold !== 0 ? excess / Math.abs(threshold) : excess;

/** What scoring reads of a trial: its curve's summary and Sharpe sample, its costs and counts. */
interface ScoreInputs {
  readonly summary: PerformanceSummary;
  readonly sample: () => SharpeSample;
  readonly periodsPerYear: number;
  readonly trades: number;
  readonly turnover: number;
  readonly fees: number;
  readonly initialEquity: number;
  /** The whole outcome, for custom metrics; absent when scoring a reduced trial. */
  readonly outcome: BacktestOutcome | undefined;
}

export class ScoringError extends Error {
  override readonly name = 'ScoringError';
}

export const scoreOutcome = (outcome: BacktestOutcome, spec: ScoringSpec): Score => {
  let sample: SharpeSample | undefined;
  return score(
    {
      summary: summarisePerformance(outcome.equity, outcome.periodsPerYear),
      sample: () => {
        sample ??= sharpeSample(returnsFromEquity(outcome.equity));
        return sample;
      },
      periodsPerYear: outcome.periodsPerYear,
      trades: outcome.trades,
      turnover: outcome.turnover,
      fees: outcome.fees,
      initialEquity: outcome.equity[0]!,
      outcome,
    },
    spec,
  );
};

/** The same score from a trial reduced where it ran (trial-stats.ts); custom metrics need the curve. */
export const scoreStats = (stats: TrialStats, spec: ScoringSpec): Score =>
  score(
    {
      summary: stats.summary,
      sample: () => stats.sample,
      periodsPerYear: stats.periodsPerYear,
      trades: stats.trades,
      turnover: stats.turnover,
      fees: stats.fees,
      initialEquity: stats.initialEquity,
      outcome: undefined,
    },
    spec,
  );

const score = (x: ScoreInputs, spec: ScoringSpec): Score => {
  const summary = x.summary;
  const years = summary.periods / x.periodsPerYear;
  const annualTurnover = x.turnover / years;
  const penalty =
    (spec.penalties?.turnover ?? 0) * annualTurnover +
    (spec.penalties?.fees ?? 0) * (x.fees / x.initialEquity);

  const metricValue = (o: ObjectiveSpec): number => {
    if (typeof o.metric === 'function') {
      if (!x.outcome)
        throw new ScoringError('a custom objective reads the equity curve: score the outcome, not its stats');
      return o.metric(x.outcome, summary);
    }
    return o.metric === 'psr' ? probabilisticSharpe(x.sample(), 0) : summary[o.metric];
  };

  const values: number[] = [];
  const losses: number[] = [];
  spec.objectives.forEach((o, i) => {
    const raw = metricValue(o);
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
    const v = relativeShortfall(c.minTrades - x.trades, c.minTrades);
    constraints.push({
      constraint: 'minTrades',
      value: x.trades,
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
