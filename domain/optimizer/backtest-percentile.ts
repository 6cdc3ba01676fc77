/**
 * Design §14, strategy level: "returns deviating from the backtest distribution". A running strategy's
 * return over its KPI window is placed among the returns of every window of the same length in the
 * out-of-sample backtest of the parameters it trades (the optimizer run's stitched curve). A live week
 * worse than 95 % of the backtest's weeks says the market or the strategy is not the one the parameters
 * were chosen for.
 *
 * Why rolling windows of the curve rather than a test on per-period returns (a KS test, as the canary's
 * gate uses): a strategy's hourly returns are far from independent (a position held for a day gives a day
 * of returns of one sign, a flat spell a run of zeros), which makes a per-period test reject far too
 * often. Windows of the curve keep that dependence in the reference, so the percentile means what it
 * says. Pure: the curves are handed in.
 */

export interface ReferenceCurve {
  /** Times (ms) of the equity points, ascending. */
  readonly times: ArrayLike<number>;
  readonly equity: ArrayLike<number>;
}

/**
 * The curve's equity on a grid of `stepMs` from its first point: at each grid time the last point at or
 * before it. A curve marked more finely than the grid is sampled; one marked more coarsely repeats its
 * points, which keeps each window's span (its endpoints are what was known at its ends).
 */
export const onGrid = (curve: ReferenceCurve, stepMs: number): number[] => {
  const n = Math.min(curve.times.length, curve.equity.length);
  if (!(stepMs > 0) || n === 0) return [];
  const first = curve.times[0]!;
  const last = curve.times[n - 1]!;
  const out: number[] = [];
  let j = 0;
  for (let t = first; t <= last; t += stepMs) {
    while (j + 1 < n && curve.times[j + 1]! <= t) j++;
    out.push(curve.equity[j]!);
  }
  return out;
};

export interface BacktestPercentile {
  /** Share of the backtest's windows that did worse than the live one (ties count half), in [0, 1]. */
  readonly percentile: number;
  /** The live window's return (0.01 = +1 %). */
  readonly liveReturn: number;
  /** Median return of the backtest's windows of the same length. */
  readonly medianReturn: number;
  /** Backtest windows compared with (overlapping, one per grid step). */
  readonly windows: number;
}

/**
 * Where the live window's return falls among the reference's windows of the same length. `live` is the
 * window's equity (its first point is the start); `reference` is equity on the live marks' grid (see
 * `onGrid`). Null when the reference is shorter than two windows: fewer windows than the window has
 * steps say little about its distribution.
 */
export const backtestPercentile = (
  live: ArrayLike<number>,
  reference: ArrayLike<number>,
): BacktestPercentile | null => {
  const w = live.length - 1;
  if (w < 1 || !(live[0]! > 0)) return null;
  const windows = reference.length - w;
  if (windows < w) return null;
  const liveReturn = live[w]! / live[0]! - 1;
  if (!Number.isFinite(liveReturn)) return null;
  const returns = new Float64Array(windows);
  let below = 0;
  let ties = 0;
  for (let i = 0; i < windows; i++) {
    const start = reference[i]!;
    // A reference that reached zero (ruined) has no return after it; count such a window as worse.
    const r = start > 0 ? reference[i + w]! / start - 1 : -1;
    returns[i] = r;
    if (r < liveReturn) below++;
    else if (r === liveReturn) ties++;
  }
  returns.sort();
  const mid = windows >> 1;
  const medianReturn = windows % 2 === 1 ? returns[mid]! : (returns[mid - 1]! + returns[mid]!) / 2;
  return { percentile: (below + ties / 2) / windows, liveReturn, medianReturn, windows };
};
