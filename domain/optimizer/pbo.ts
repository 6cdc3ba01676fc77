/**
 * Probability of Backtest Overfitting by Combinatorially Symmetric Cross-Validation (Bailey, Borwein,
 * López de Prado & Zhu, "The Probability of Backtest Overfitting", J. Computational Finance 2017).
 *
 * M is T × N: row t holds every trial's return in period t (the same periods for every trial). Rows are cut
 * into S contiguous blocks; for each of the C(S, S/2) ways to pick half the blocks as in-sample, the trial
 * with the best in-sample metric is located in the out-of-sample ranking; its relative rank ω̄ gives the
 * logit λ = ln(ω̄ / (1 − ω̄)), and PBO is the share of splits with λ ≤ 0 (the in-sample winner is at or
 * below the out-of-sample median).
 */

export type PboMetric = 'sharpe' | 'mean' | 'total';

export interface PboOptions {
  /** Number of blocks S, even, ≥ 2. The paper uses 16 (12,870 splits). */
  readonly blocks?: number;
  readonly metric?: PboMetric;
}

export interface PboSplit {
  /** Block indices used in-sample. */
  readonly inSample: readonly number[];
  /** Column of the in-sample winner. */
  readonly best: number;
  readonly isMetric: number;
  readonly oosMetric: number;
  /** ω̄ = OOS rank (1 = worst, ties averaged) / (N + 1). */
  readonly relativeRank: number;
  readonly logit: number;
}

export interface PboResult {
  readonly pbo: number;
  readonly splits: readonly PboSplit[];
  /** OLS of the winner's OOS metric on its IS metric across splits: a negative slope is degradation. */
  readonly degradation: { readonly slope: number; readonly intercept: number };
  /** Share of splits where the IS winner's OOS metric is negative. */
  readonly probabilityOfLoss: number;
}

interface BlockStats {
  readonly count: number;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
}

/**
 * Block sizes differ by at most one when S does not divide T (the paper assumes it does), so no row is
 * dropped and each block stays contiguous.
 */
const blockStats = (matrix: readonly (readonly number[])[], blocks: number, n: number): BlockStats[] => {
  const t = matrix.length;
  const out: BlockStats[] = [];
  let row = 0;
  for (let b = 0; b < blocks; b++) {
    const size = Math.floor(t / blocks) + (b < t % blocks ? 1 : 0);
    const sum = new Float64Array(n);
    const sumSq = new Float64Array(n);
    for (let r = 0; r < size; r++, row++) {
      const values = matrix[row]!;
      for (let j = 0; j < n; j++) {
        const v = values[j]!;
        sum[j]! += v;
        sumSq[j]! += v * v;
      }
    }
    out.push({ count: size, sum, sumSq });
  }
  return out;
};

const metricOf = (metric: PboMetric, count: number, sum: number, sumSq: number): number => {
  if (metric === 'total') return sum;
  const m = sum / count;
  if (metric === 'mean') return m;
  const v = (sumSq - count * m * m) / (count - 1);
  if (!(v > 1e-300)) return m > 0 ? Number.POSITIVE_INFINITY : m < 0 ? Number.NEGATIVE_INFINITY : 0;
  return m / Math.sqrt(v);
};

/** All k-subsets of {0..n−1} in lexicographic order. */
export const combinations = (n: number, k: number): number[][] => {
  const out: number[][] = [];
  const pick: number[] = [];
  const go = (start: number): void => {
    if (pick.length === k) {
      out.push([...pick]);
      return;
    }
    for (let i = start; i <= n - (k - pick.length); i++) {
      pick.push(i);
      go(i + 1);
      pick.pop();
    }
  };
  go(0);
  return out;
};

export const probabilityOfBacktestOverfitting = (
  matrix: readonly (readonly number[])[],
  options: PboOptions = {},
): PboResult => {
  const blocks = options.blocks ?? 16;
  const metric = options.metric ?? 'sharpe';
  if (!Number.isInteger(blocks) || blocks < 2 || blocks % 2 !== 0) {
    throw new RangeError(`CSCV needs an even number of blocks ≥ 2, got ${blocks}`);
  }
  const n = matrix[0]?.length ?? 0;
  if (n < 2) throw new RangeError('PBO needs at least 2 trials (columns)');
  if (matrix.some((row) => row.length !== n))
    throw new RangeError('every row of the PBO matrix needs one value per trial');
  const minRows = metric === 'sharpe' ? 2 * blocks : blocks;
  if (matrix.length < minRows) {
    throw new RangeError(
      `PBO with ${blocks} blocks needs at least ${minRows} rows for metric ${metric}, got ${matrix.length}`,
    );
  }

  const stats = blockStats(matrix, blocks, n);
  const splits: PboSplit[] = [];
  const is = new Float64Array(n);
  const oos = new Float64Array(n);
  for (const inSample of combinations(blocks, blocks / 2)) {
    const inSet = new Set(inSample);
    let isCount = 0;
    let oosCount = 0;
    const isSum = new Float64Array(n);
    const isSq = new Float64Array(n);
    const oosSum = new Float64Array(n);
    const oosSq = new Float64Array(n);
    stats.forEach((s, b) => {
      const [sum, sq] = inSet.has(b) ? [isSum, isSq] : [oosSum, oosSq];
      if (inSet.has(b)) isCount += s.count;
      else oosCount += s.count;
      for (let j = 0; j < n; j++) {
        sum[j]! += s.sum[j]!;
        sq[j]! += s.sumSq[j]!;
      }
    });
    let best = 0;
    for (let j = 0; j < n; j++) {
      is[j] = metricOf(metric, isCount, isSum[j]!, isSq[j]!);
      oos[j] = metricOf(metric, oosCount, oosSum[j]!, oosSq[j]!);
      // Strictly greater: ties go to the lowest column, so the result does not depend on sort stability.
      if (is[j]! > is[best]!) best = j;
    }
    const target = oos[best]!;
    let below = 0;
    let equal = 0;
    for (let j = 0; j < n; j++) {
      if (oos[j]! < target) below++;
      else if (oos[j] === target) equal++;
    }
    const rank = below + (equal + 1) / 2;
    const relativeRank = rank / (n + 1);
    splits.push({
      inSample,
      best,
      isMetric: is[best]!,
      oosMetric: target,
      relativeRank,
      logit: Math.log(relativeRank / (1 - relativeRank)),
    });
  }

  const overfit = splits.filter((s) => s.logit <= 0).length;
  const loss = splits.filter((s) => s.oosMetric < 0).length;
  return {
    pbo: overfit / splits.length,
    splits,
    degradation: regression(
      splits.map((s) => s.isMetric),
      splits.map((s) => s.oosMetric),
    ),
    probabilityOfLoss: loss / splits.length,
  };
};

const regression = (x: readonly number[], y: readonly number[]): { slope: number; intercept: number } => {
  const pts = x
    .map((xi, i) => [xi, y[i]!] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length < 2) return { slope: Number.NaN, intercept: Number.NaN };
  const mx = pts.reduce((s, [a]) => s + a, 0) / pts.length;
  const my = pts.reduce((s, [, b]) => s + b, 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [a, b] of pts) {
    sxy += (a - mx) * (b - my);
    sxx += (a - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  return { slope, intercept: my - slope * mx };
};
