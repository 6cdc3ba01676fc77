import type { BacktestOutcome } from './objective.js';
import { type TrialBlocks, trialBlocks } from './pbo.js';
import { type PerformanceSummary, returnsFromEquity, summarisePerformance } from './performance.js';
import { type SharpeSample, sharpeSample } from './sharpe-stats.js';

/**
 * An in-sample trial reduced to everything a walk-forward run reads of it: the summary its named
 * objectives and constraints score, the Sharpe sample DSR needs, and the CSCV block sums PBO needs.
 *
 * Why a trial is reduced where it ran, not in the coordinator: an hourly in-sample curve is ~1,500
 * float64s, 16 KB in a TrialCompleted event, and on two cores the coordinator's CPU for moving and
 * logging those bytes is taken from the workers. These stats are ~70 numbers whatever the curve's
 * length, and a 10,000-trial run's log shrinks with them. Nothing is lost to the run: the numbers are
 * computed by the same functions, in the same order, as from the curve, so a run scores a reduced trial
 * exactly as it scores the curve (walk-forward-run.test.ts checks both paths give the same report).
 * The curve itself can be had again by re-running the trial: its parameters and seed are in the log.
 */
export interface TrialStats {
  readonly summary: PerformanceSummary;
  readonly sample: SharpeSample;
  readonly initialEquity: number;
  /** Returns in the curve (points − 1). */
  readonly returns: number;
  /** Block sums for CSCV at `pboBlockCount(returns, pboBlocks)` blocks; null when that is below 2. */
  readonly blocks: TrialBlocks | null;
  readonly periodsPerYear: number;
  readonly trades: number;
  readonly turnover: number;
  readonly fees: number;
}

const largestEven = (x: number): number => 2 * Math.floor(x / 2);

/** CSCV blocks for a series of `returns`: the run's setting, fewer when the series is short (min 2 rows a block). */
export const pboBlockCount = (returns: number, pboBlocks: number): number =>
  Math.min(pboBlocks, largestEven(returns / 2));

export const trialStats = (outcome: BacktestOutcome, pboBlocks: number): TrialStats => {
  const returns = returnsFromEquity(outcome.equity);
  const k = pboBlockCount(returns.length, pboBlocks);
  return {
    summary: summarisePerformance(outcome.equity, outcome.periodsPerYear),
    sample: sharpeSample(returns),
    initialEquity: outcome.equity[0]!,
    returns: returns.length,
    blocks: k >= 2 ? trialBlocks(returns, k) : null,
    periodsPerYear: outcome.periodsPerYear,
    trades: outcome.trades,
    turnover: outcome.turnover,
    fees: outcome.fees,
  };
};

/** Layout of the packed floats; a reader refuses any other. */
const LAYOUT = 1;
const HEAD = 17;

/**
 * The floats of the stats in one array (NaN and ±Infinity included, which JSON would turn into null):
 * layout, summary (9), sample (4), initial equity, returns, block count k, then k counts, k sums and k
 * sums of squares. Counts of trades, turnover, fees and periods per year travel beside it as plain numbers.
 */
export const packTrialStats = (s: TrialStats): Float64Array => {
  const b = s.blocks;
  const k = b ? b.count.length : 0;
  const out = new Float64Array(HEAD + 3 * k);
  const m = s.summary;
  out.set([
    LAYOUT,
    m.periods,
    m.totalReturn,
    m.cagr,
    m.volatility,
    m.sharpe,
    m.sortino,
    m.maxDrawdown,
    m.maxDrawdownPeriods,
    m.calmar,
    s.sample.sharpe,
    s.sample.observations,
    s.sample.skewness,
    s.sample.kurtosis,
    s.initialEquity,
    s.returns,
    k,
  ]);
  if (b) {
    out.set(b.count, HEAD);
    out.set(b.sum, HEAD + k);
    out.set(b.sumSq, HEAD + 2 * k);
  }
  return out;
};

export class TrialStatsFormatError extends Error {
  override readonly name = 'TrialStatsFormatError';
}

export const unpackTrialStats = (
  f: ArrayLike<number>,
  rest: Pick<TrialStats, 'periodsPerYear' | 'trades' | 'turnover' | 'fees'>,
): TrialStats => {
  if (f.length < HEAD || f[0] !== LAYOUT)
    throw new TrialStatsFormatError(`trial stats: expected layout ${LAYOUT} with ${HEAD}+ values`);
  const k = f[16]!;
  if (!Number.isInteger(k) || k < 0 || f.length !== HEAD + 3 * k)
    throw new TrialStatsFormatError(`trial stats: ${f.length} values do not hold ${k} blocks`);
  const slice = (from: number) => Array.from({ length: k }, (_, i) => f[from + i]!);
  return {
    summary: {
      periods: f[1]!,
      totalReturn: f[2]!,
      cagr: f[3]!,
      volatility: f[4]!,
      sharpe: f[5]!,
      sortino: f[6]!,
      maxDrawdown: f[7]!,
      maxDrawdownPeriods: f[8]!,
      calmar: f[9]!,
    },
    sample: { sharpe: f[10]!, observations: f[11]!, skewness: f[12]!, kurtosis: f[13]! },
    initialEquity: f[14]!,
    returns: f[15]!,
    blocks: k >= 2 ? { count: slice(HEAD), sum: slice(HEAD + k), sumSq: slice(HEAD + 2 * k) } : null,
    periodsPerYear: rest.periodsPerYear,
    trades: rest.trades,
    turnover: rest.turnover,
    fees: rest.fees,
  };
};
