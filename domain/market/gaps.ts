import type { BarSeries } from './bars.js';
import { timeframeMs } from './timeframe.js';

/** A run of missing bars: `from` and `to` are the open times of the first and last missing bar. */
export interface Gap {
  readonly symbol: string;
  readonly timeframe: string;
  readonly from: number;
  readonly to: number;
  readonly missing: number;
}

/** Open times must strictly increase on the timeframe's grid; anything else is not a gap but bad data. */
export const findGaps = (s: BarSeries): Gap[] => findTimeGaps(s.symbol, s.timeframe, s.openTime);

/** The same over a bare column of open times (what the store verifies without loading prices). */
export const findTimeGaps = (symbol: string, timeframe: string, t: Float64Array): Gap[] => {
  const tf = timeframeMs(timeframe);
  const gaps: Gap[] = [];
  for (let i = 1; i < t.length; i++) {
    const step = t[i]! - t[i - 1]!;
    if (step === tf) continue;
    if (step <= 0 || step % tf !== 0) {
      throw new RangeError(
        `${symbol} ${timeframe}: open times ${t[i - 1]} -> ${t[i]} are not increasing on the ${timeframe} grid`,
      );
    }
    gaps.push({ symbol, timeframe, from: t[i - 1]! + tf, to: t[i]! - tf, missing: step / tf - 1 });
  }
  return gaps;
};

/**
 * Explicit, flagged gap filling: each missing bar becomes a flat bar at the previous close with zero
 * volume and `filled[i] = 1`. Never applied implicitly; callers choose it and can see which bars
 * are synthetic.
 */
export const fillGaps = (s: BarSeries): BarSeries => {
  const gaps = findGaps(s);
  const extra = gaps.reduce((n, g) => n + g.missing, 0);
  const n = s.openTime.length + extra;
  const tf = timeframeMs(s.timeframe);
  const mk = () => new Float64Array(n);
  const out = { openTime: mk(), open: mk(), high: mk(), low: mk(), close: mk(), volume: mk() };
  const extraCols = s.extra ? Object.fromEntries(Object.keys(s.extra).map((k) => [k, mk()])) : undefined;
  const filled = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < s.openTime.length; i++) {
    if (i > 0) {
      const prevClose = s.close[i - 1]!;
      for (let t = s.openTime[i - 1]! + tf; t < s.openTime[i]!; t += tf, j++) {
        out.openTime[j] = t;
        out.open[j] = out.high[j] = out.low[j] = out.close[j] = prevClose;
        filled[j] = 1;
      }
    }
    out.openTime[j] = s.openTime[i]!;
    out.open[j] = s.open[i]!;
    out.high[j] = s.high[i]!;
    out.low[j] = s.low[i]!;
    out.close[j] = s.close[i]!;
    out.volume[j] = s.volume[i]!;
    if (s.extra && extraCols) for (const k of Object.keys(s.extra)) extraCols[k]![j] = s.extra[k]![i]!;
    if (s.filled) filled[j] = s.filled[i]!;
    j++;
  }
  return {
    symbol: s.symbol,
    timeframe: s.timeframe,
    ...out,
    ...(extraCols ? { extra: extraCols } : {}),
    filled,
  };
};
