/**
 * Bars in columnar form: one typed array per field, index i across all of them is bar i. Open times
 * are epoch milliseconds (exact in float64 up to 2^53). This is what the store loads, what
 * resampling produces and what indicators and the backtester read without per-bar objects.
 */
export interface BarSeries {
  readonly symbol: string;
  readonly timeframe: string;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Base-asset volume. */
  readonly volume: Float64Array;
  /** Optional extra columns (quote_volume, trades, taker_buy_volume, ...), same length. */
  readonly extra?: Readonly<Record<string, Float64Array>>;
  /** 1 where a bar was synthesised by an explicit gap fill (see gaps.ts), absent when none were. */
  readonly filled?: Uint8Array;
}

/** One bar as a value, for event payloads and small tests; hot loops read the columns. */
export interface Bar {
  readonly openTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export const barCount = (s: BarSeries): number => s.openTime.length;

export const barAt = (s: BarSeries, i: number): Bar => ({
  openTime: s.openTime[i]!,
  open: s.open[i]!,
  high: s.high[i]!,
  low: s.low[i]!,
  close: s.close[i]!,
  volume: s.volume[i]!,
});

export const seriesFromBars = (symbol: string, timeframe: string, bars: readonly Bar[]): BarSeries => {
  const col = (f: (b: Bar) => number) => Float64Array.from(bars, f);
  return {
    symbol,
    timeframe,
    openTime: col((b) => b.openTime),
    open: col((b) => b.open),
    high: col((b) => b.high),
    low: col((b) => b.low),
    close: col((b) => b.close),
    volume: col((b) => b.volume),
  };
};

/** Bars [from, to) as views on the same buffers (no copy). */
export const sliceSeries = (s: BarSeries, from: number, to: number): BarSeries => {
  const extra = s.extra
    ? Object.fromEntries(Object.entries(s.extra).map(([k, v]) => [k, v.subarray(from, to)]))
    : undefined;
  return {
    symbol: s.symbol,
    timeframe: s.timeframe,
    openTime: s.openTime.subarray(from, to),
    open: s.open.subarray(from, to),
    high: s.high.subarray(from, to),
    low: s.low.subarray(from, to),
    close: s.close.subarray(from, to),
    volume: s.volume.subarray(from, to),
    ...(extra ? { extra } : {}),
    ...(s.filled ? { filled: s.filled.subarray(from, to) } : {}),
  };
};

/** Index of the first element of a sorted array that is >= t (its length when none is). */
export const firstAtOrAfter = (sorted: Float64Array, t: number): number => {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** Index of the last element of a sorted array that is <= t, or -1. */
export const lastAtOrBefore = (sorted: Float64Array, t: number): number => {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
};

/**
 * The last bar whose close is known at time t: a bar opened at T closes at T + timeframe, so
 * reading it earlier would be look-ahead. -1 when none has closed yet.
 */
export const lastClosedBar = (s: BarSeries, tfMs: number, t: number): number =>
  lastAtOrBefore(s.openTime, t - tfMs);
