/**
 * Sample statistics of a return series as the overfitting papers use them: Sharpe with the sample
 * standard deviation, skewness and kurtosis as the (biased) population moment ratios, kurtosis NOT excess
 * (a normal distribution has 3), because Bailey & López de Prado's formulas are written in γ₄ with 3 for
 * normal and plugging excess kurtosis in silently inflates PSR.
 */
export interface Moments {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1). */
  readonly std: number;
  readonly skewness: number;
  /** Non-excess: 3 for a normal distribution. */
  readonly kurtosis: number;
}

export const mean = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
};

/** Sample variance (n − 1); NaN below two observations. */
export const variance = (xs: readonly number[]): number => {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return s / (xs.length - 1);
};

export const moments = (xs: readonly number[]): Moments => {
  const n = xs.length;
  const m = mean(xs);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of xs) {
    const d = x - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : Number.NaN;
  m2 /= n;
  m3 /= n;
  m4 /= n;
  // A constant series has no shape; call it normal-shaped so PSR degrades gracefully instead of NaN.
  const skewness = m2 > 0 ? m3 / m2 ** 1.5 : 0;
  const kurtosis = m2 > 0 ? m4 / (m2 * m2) : 3;
  return { n, mean: m, std, skewness, kurtosis };
};

/** Per-period Sharpe (no annualisation, no risk-free rate: returns are assumed already in excess). */
export const sharpeRatio = (returns: readonly number[]): number => {
  const { mean: m, std } = moments(returns);
  if (!(std > 0)) return m > 0 ? Number.POSITIVE_INFINITY : m < 0 ? Number.NEGATIVE_INFINITY : 0;
  return m / std;
};
