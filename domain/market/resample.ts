import type { BarSeries } from './bars.js';
import { bucketStart, timeframeMs } from './timeframe.js';

export interface ResampledSeries extends BarSeries {
  /** Source bars that went into each output bar; fewer than `expected` means the bar is partial. */
  readonly sourceCount: Uint16Array;
  readonly expected: number;
}

/**
 * Aggregates bars into a longer timeframe on exact epoch (UTC) boundaries: open = first, high = max,
 * low = min, close = last, volume and extra columns summed. A bucket with missing source bars is
 * still emitted but its sourceCount shows it; an empty bucket is not invented (gaps stay gaps).
 * Incomplete trailing buckets are kept too: drop them with `completeOnly` when only closed bars may be
 * read.
 */
export const resample = (
  s: BarSeries,
  timeframe: string,
  opts: { completeOnly?: boolean } = {},
): ResampledSeries => {
  const src = timeframeMs(s.timeframe);
  const dst = timeframeMs(timeframe);
  if (dst % src !== 0)
    throw new RangeError(`cannot resample ${s.timeframe} into ${timeframe}: not a multiple`);
  const expected = dst / src;
  const n = s.openTime.length;
  // Count buckets first so the columns are allocated once at their final size.
  let buckets = 0;
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = bucketStart(s.openTime[i]!, dst);
    if (b !== last) {
      buckets++;
      last = b;
    }
  }
  const mk = () => new Float64Array(buckets);
  const openTime = mk();
  const open = mk();
  const high = mk();
  const low = mk();
  const close = mk();
  const volume = mk();
  const extraKeys = s.extra ? Object.keys(s.extra) : [];
  const extra: Record<string, Float64Array> = Object.fromEntries(extraKeys.map((k) => [k, mk()]));
  const sourceCount = new Uint16Array(buckets);
  let j = -1;
  last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const b = bucketStart(s.openTime[i]!, dst);
    if (b !== last) {
      j++;
      last = b;
      openTime[j] = b;
      open[j] = s.open[i]!;
      high[j] = s.high[i]!;
      low[j] = s.low[i]!;
    } else {
      if (s.high[i]! > high[j]!) high[j] = s.high[i]!;
      if (s.low[i]! < low[j]!) low[j] = s.low[i]!;
    }
    close[j] = s.close[i]!;
    volume[j]! += s.volume[i]!;
    for (const k of extraKeys) extra[k]![j]! += s.extra![k]![i]!;
    sourceCount[j]!++;
  }
  const out: ResampledSeries = {
    symbol: s.symbol,
    timeframe,
    openTime,
    open,
    high,
    low,
    close,
    volume,
    ...(extraKeys.length > 0 ? { extra } : {}),
    sourceCount,
    expected,
  };
  return opts.completeOnly ? keepComplete(out) : out;
};

const keepComplete = (r: ResampledSeries): ResampledSeries => {
  const keep: number[] = [];
  for (let i = 0; i < r.sourceCount.length; i++) if (r.sourceCount[i] === r.expected) keep.push(i);
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
  return {
    symbol: r.symbol,
    timeframe: r.timeframe,
    openTime: pick(r.openTime),
    open: pick(r.open),
    high: pick(r.high),
    low: pick(r.low),
    close: pick(r.close),
    volume: pick(r.volume),
    ...(r.extra ? { extra: Object.fromEntries(Object.entries(r.extra).map(([k, v]) => [k, pick(v)])) } : {}),
    sourceCount: Uint16Array.from(keep, (i) => r.sourceCount[i]!),
    expected: r.expected,
  };
};
