import { type ChartOptions, ColorType, type DeepPartial, type UTCTimestamp } from 'lightweight-charts';

/** Shared look for every chart: transparent on the card, the theme's muted grid and text. */
export const chartOptions: DeepPartial<ChartOptions> = {
  autoSize: true,
  layout: {
    background: { type: ColorType.Solid, color: 'transparent' },
    textColor: '#9aa3b5',
    fontSize: 11,
    attributionLogo: false,
  },
  grid: { vertLines: { color: 'rgba(120,130,160,0.12)' }, horzLines: { color: 'rgba(120,130,160,0.12)' } },
  rightPriceScale: { borderVisible: false },
  timeScale: {
    borderVisible: false,
    timeVisible: true,
    secondsVisible: false,
    // fitContent never packs bars closer than this; the default 0.5 px left a series longer than twice
    // the chart's width in pixels showing only its tail (a stitched OOS curve of 2,000+ points).
    minBarSpacing: 0.001,
  },
  crosshair: { horzLine: { labelBackgroundColor: '#334' }, vertLine: { labelBackgroundColor: '#334' } },
};

/**
 * Whether a view (a logical range, null before anything is drawn) shows every one of `points` bars.
 * Such a view is fitted again after new data, so it keeps showing the whole curve as it grows or is
 * replaced; a view the user zoomed or scrolled stays where they put it.
 */
export const showsWhole = (view: { from: number; to: number } | null, points: number): boolean =>
  view === null || (view.from <= 0.5 && view.to >= points - 1.5);

export const palette = ['#38bdf8', '#a78bfa', '#34d399', '#fbbf24', '#f472b6', '#fb7185', '#60a5fa'];

/**
 * lightweight-charts wants seconds, strictly ascending and unique. Several log points can share a second
 * (an accelerated paper run marks often); the last one of a second is the one that stood.
 */
export function toSeries<T>(
  rows: readonly T[],
  time: (r: T) => number | null,
  value: (r: T) => number | null,
): { time: UTCTimestamp; value: number }[] {
  const bySecond = new Map<number, number>();
  for (const r of rows) {
    const t = time(r);
    const v = value(r);
    if (t === null || v === null) continue;
    bySecond.set(Math.floor(t / 1000), v);
  }
  return [...bySecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, v]) => ({ time: t as UTCTimestamp, value: v }));
}
