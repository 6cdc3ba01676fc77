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

/**
 * One trial's returns reduced to per-block count, sum and sum of squares: all CSCV needs for the mean or
 * Sharpe metric. Reducing each trial as its result arrives keeps a 10,000-trial run's memory at
 * trials × blocks numbers instead of trials × periods.
 */
export interface TrialBlocks {
  readonly count: readonly number[];
  readonly sum: readonly number[];
  readonly sumSq: readonly number[];
}

/**
 * Block sizes differ by at most one when S does not divide T (the paper assumes it does), so no row is
 * dropped and each block stays contiguous.
 */
export const trialBlocks = (returns: readonly number[], blocks: number): TrialBlocks => {
  const t = returns.length;
  const count: number[] = [];
  const sum: number[] = [];
  const sumSq: number[] = [];
  let row = 0;
  for (let b = 0; b < blocks; b++) {
    const size = Math.floor(t / blocks) + (b < t % blocks ? 1 : 0);
    let s = 0;
    let s2 = 0;
    for (let r = 0; r < size; r++, row++) {
      const v = returns[row]!;
      s += v;
      s2 += v * v;
    }
    count.push(size);
    sum.push(s);
    sumSq.push(s2);
  }
  return { count, sum, sumSq };
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

const checkBlocks = (blocks: number): void => {
  if (!Number.isInteger(blocks) || blocks < 2 || blocks % 2 !== 0) {
    throw new RangeError(`CSCV needs an even number of blocks ≥ 2, got ${blocks}`);
  }
};

export const probabilityOfBacktestOverfitting = (
  matrix: readonly (readonly number[])[],
  options: PboOptions = {},
): PboResult => {
  const blocks = options.blocks ?? 16;
  const metric = options.metric ?? 'sharpe';
  checkBlocks(blocks);
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
  const trials = Array.from({ length: n }, (_, j) =>
    trialBlocks(
      matrix.map((row) => row[j]!),
      blocks,
    ),
  );
  return pboFromBlocks(trials, metric);
};

/** PBO from trials already reduced by trialBlocks (all over the same periods, so block counts agree). */
export const pboFromBlocks = (trials: readonly TrialBlocks[], metric: PboMetric = 'sharpe'): PboResult => {
  const n = trials.length;
  if (n < 2) throw new RangeError('PBO needs at least 2 trials (columns)');
  const counts = trials[0]!.count;
  const blocks = counts.length;
  checkBlocks(blocks);
  if (trials.some((t) => t.count.length !== blocks || t.count.some((c, b) => c !== counts[b]))) {
    throw new RangeError('every trial must cover the same periods (equal block counts)');
  }
  const sum = new Float64Array(n * blocks);
  const sumSq = new Float64Array(n * blocks);
  for (const [j, t] of trials.entries()) {
    sum.set(t.sum, j * blocks);
    sumSq.set(t.sumSq, j * blocks);
  }
  return pboFromBlockMatrix({ count: counts, sum, sumSq }, metric);
};

/**
 * Every trial's block sums packed trial-major (trial j's block b at j × S + b), over the same block
 * counts: what a long run keeps instead of one TrialBlocks object per trial (two doubles per block and
 * trial, no per-trial object or array headers).
 */
export interface BlockMatrix {
  readonly count: readonly number[];
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
}

/** PBO from a packed block matrix; the same arithmetic, in the same order, as pboFromBlocks. */
export const pboFromBlockMatrix = (m: BlockMatrix, metric: PboMetric = 'sharpe'): PboResult => {
  const counts = m.count;
  const blocks = counts.length;
  checkBlocks(blocks);
  const n = Math.floor(m.sum.length / blocks);
  if (n < 2) throw new RangeError('PBO needs at least 2 trials (columns)');
  if (m.sum.length !== n * blocks || m.sumSq.length !== n * blocks)
    throw new RangeError('the block matrix needs one sum and one sum of squares per trial and block');
  const splits: PboSplit[] = [];
  const is = new Float64Array(n);
  const oos = new Float64Array(n);
  // Whole-series totals once per trial: the OOS half is then total − IS, halving the work per split.
  const totalSum = new Float64Array(n);
  const totalSq = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let a = 0;
    let a2 = 0;
    for (let b = 0; b < blocks; b++) {
      a += m.sum[j * blocks + b]!;
      a2 += m.sumSq[j * blocks + b]!;
    }
    totalSum[j] = a;
    totalSq[j] = a2;
  }
  const totalCount = counts.reduce((a, b) => a + b, 0);
  for (const inSample of combinations(blocks, blocks / 2)) {
    let isCount = 0;
    for (const b of inSample) isCount += counts[b]!;
    const oosCount = totalCount - isCount;
    let best = 0;
    for (let j = 0; j < n; j++) {
      const row = j * blocks;
      let isSum = 0;
      let isSq = 0;
      for (const b of inSample) {
        isSum += m.sum[row + b]!;
        isSq += m.sumSq[row + b]!;
      }
      is[j] = metricOf(metric, isCount, isSum, isSq);
      oos[j] = metricOf(metric, oosCount, totalSum[j]! - isSum, totalSq[j]! - isSq);
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
