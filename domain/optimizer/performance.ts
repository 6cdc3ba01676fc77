import { moments } from './moments.js';

/**
 * Performance of one equity curve, as the objectives and constraints read it. Float64 throughout: these
 * rank parameter sets, they do not move money (the ledger's fixed-point figures are the truth).
 *
 * Ratios are annualised with `periodsPerYear` (365·24 for hourly bars on a 24/7 crypto venue) and assume
 * returns are already in excess of the risk-free rate, which for perpetual futures — margin earning
 * nothing by default — is the honest default.
 */

export interface PerformanceSummary {
  readonly periods: number;
  readonly totalReturn: number;
  readonly cagr: number;
  readonly volatility: number;
  readonly sharpe: number;
  readonly sortino: number;
  /** Largest peak-to-trough fall as a positive fraction of the peak (0.25 = −25%). */
  readonly maxDrawdown: number;
  /** Longest time below a previous peak, in periods. */
  readonly maxDrawdownPeriods: number;
  readonly calmar: number;
}

export const returnsFromEquity = (equity: readonly number[]): number[] => {
  const out: number[] = [];
  for (let i = 1; i < equity.length; i++) {
    const prev = equity[i - 1]!;
    if (!(prev > 0))
      throw new RangeError(`equity must stay positive to define returns; equity[${i - 1}] = ${prev}`);
    out.push(equity[i]! / prev - 1);
  }
  return out;
};

/** The inverse of returnsFromEquity, for engines or tests that produce per-period returns. */
export const equityFromReturns = (returns: readonly number[], initial = 1): number[] => {
  if (!(initial > 0)) throw new RangeError(`initial equity must be positive, got ${initial}`);
  const out = [initial];
  for (const r of returns) out.push(out[out.length - 1]! * (1 + r));
  return out;
};

const ratio = (num: number, den: number): number => {
  if (den > 0) return num / den;
  // No risk measured: an edge with no variability is unbounded, no edge is zero.
  return num > 0 ? Number.POSITIVE_INFINITY : num < 0 ? Number.NEGATIVE_INFINITY : 0;
};

export const annualisedSharpe = (returns: readonly number[], periodsPerYear: number): number => {
  const m = moments(returns);
  return ratio(m.mean, m.std) * Math.sqrt(periodsPerYear);
};

/** Sortino & Price: downside deviation over all periods (not only the losing ones), target 0 by default. */
export const annualisedSortino = (returns: readonly number[], periodsPerYear: number, target = 0): number => {
  if (returns.length === 0) return Number.NaN;
  let down = 0;
  let sum = 0;
  for (const r of returns) {
    sum += r - target;
    down += Math.min(0, r - target) ** 2;
  }
  return ratio(sum / returns.length, Math.sqrt(down / returns.length)) * Math.sqrt(periodsPerYear);
};

/**
 * The deepest fall from a peak, as a fraction of it, and the longest time under water: from a peak to the
 * mark that regains it (the drawdown lasted until then), or to the last mark if it never does.
 */
export const drawdown = (equity: readonly number[]): { maxDrawdown: number; maxDrawdownPeriods: number } => {
  let peak = Number.NEGATIVE_INFINITY;
  let peakAt = 0;
  let under = false;
  let maxDrawdown = 0;
  let maxDrawdownPeriods = 0;
  equity.forEach((e, i) => {
    if (e >= peak) {
      if (under) maxDrawdownPeriods = Math.max(maxDrawdownPeriods, i - peakAt);
      under = false;
      peak = e;
      peakAt = i;
    } else {
      under = true;
      maxDrawdown = Math.max(maxDrawdown, 1 - e / peak);
      maxDrawdownPeriods = Math.max(maxDrawdownPeriods, i - peakAt);
    }
  });
  return { maxDrawdown, maxDrawdownPeriods };
};

export const summarisePerformance = (
  equity: readonly number[],
  periodsPerYear: number,
): PerformanceSummary => {
  if (equity.length < 2) throw new RangeError('a performance summary needs at least two equity points');
  if (!(periodsPerYear > 0)) throw new RangeError(`periodsPerYear must be > 0, got ${periodsPerYear}`);
  const returns = returnsFromEquity(equity);
  const totalReturn = equity[equity.length - 1]! / equity[0]! - 1;
  const years = returns.length / periodsPerYear;
  const cagr = (1 + totalReturn) ** (1 / years) - 1;
  const { maxDrawdown, maxDrawdownPeriods } = drawdown(equity);
  return {
    periods: returns.length,
    totalReturn,
    cagr,
    volatility: moments(returns).std * Math.sqrt(periodsPerYear),
    sharpe: annualisedSharpe(returns, periodsPerYear),
    sortino: annualisedSortino(returns, periodsPerYear),
    maxDrawdown,
    maxDrawdownPeriods,
    calmar: ratio(cagr, maxDrawdown),
  };
};
