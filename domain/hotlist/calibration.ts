import { type BarSeries, firstAtOrAfter } from '../market/bars.js';
import { type PriceRange, quantile, type SafeLeverage } from './risk-figures.js';
import type { FullScanResult } from './scan.js';
import { type SentimentBand, sentimentBands } from './sentiment.js';

/**
 * How the hotlist's figures held up against what came next: for each scored candidate, the next 24
 * hourly bars after the scan are compared with the ±1σ/±2σ range it showed and with the safe leverage it
 * recommended. This is the evidence a reviewer needs to trust (or discount) those figures, so it is a
 * repository command (`npm run hotlist:calibrate`), not a one-off measurement.
 */

/** What happened to one candidate in the `hours` after its scan. */
export interface Outcome {
  readonly symbol: string;
  readonly at: number;
  readonly lastPrice: number;
  /** The close of the last bar of the window, and its highest high and lowest low. */
  readonly nextClose: number;
  readonly high: number;
  readonly low: number;
  readonly inside1: boolean;
  readonly inside2: boolean;
  readonly leverage: number;
  /** Isolated margin at the recommended leverage, entered at the last price. */
  readonly shortLiquidated: boolean;
  readonly longLiquidated: boolean;
}

/**
 * The moves that liquidate an isolated position at leverage L with maintenance rate mmr (the thresholds
 * `leverageFor` sizes against, read the other way): a short when 1/L − u ≤ mmr·(1 + u), a long when
 * 1/L − d ≤ mmr·(1 − d). Reaching the threshold exactly liquidates, as in `leverageFor`.
 */
export const liquidatingMoves = (leverage: number, mmr: number): { rise: number; fall: number } => ({
  rise: (1 / leverage - mmr) / (1 + mmr),
  fall: (1 / leverage - mmr) / (1 - mmr),
});

const HOUR = 3_600_000;

/** What of a scored candidate the outcome is judged against. */
export interface Recommendation {
  readonly symbol: string;
  readonly lastPrice: number;
  readonly priceRange: Pick<PriceRange, 'expected1' | 'expected2'>;
  readonly safeLeverage: Pick<SafeLeverage, 'leverage' | 'maintenanceRate'>;
}

/**
 * The candidate's outcome over the `hours` bars that open at or after `at` (a scan at `at` has read
 * every bar that closed by then). Null when the recorded bars do not cover the whole window without a
 * gap: a partial day would count a truncated move as a calm one.
 */
export const outcomeOf = (c: Recommendation, at: number, bars: BarSeries, hours = 24): Outcome | null => {
  const t = bars.openTime;
  const first = firstAtOrAfter(t, at);
  const last = first + hours - 1;
  if (last >= t.length || t[first] !== at || t[last] !== at + (hours - 1) * HOUR) return null;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  for (let i = first; i <= last; i++) {
    if (bars.high[i]! > high) high = bars.high[i]!;
    if (bars.low[i]! < low) low = bars.low[i]!;
  }
  const nextClose = bars.close[last]!;
  const { expected1, expected2 } = c.priceRange;
  const leverage = c.safeLeverage.leverage;
  const move = liquidatingMoves(leverage, c.safeLeverage.maintenanceRate ?? 0);
  return {
    symbol: c.symbol,
    at,
    lastPrice: c.lastPrice,
    nextClose,
    high,
    low,
    inside1: nextClose >= expected1.low && nextClose <= expected1.high,
    inside2: nextClose >= expected2.low && nextClose <= expected2.high,
    leverage,
    shortLiquidated: high / c.lastPrice - 1 >= move.rise,
    longLiquidated: 1 - low / c.lastPrice >= move.fall,
  };
};

export interface SymbolCalibration {
  readonly symbol: string;
  readonly days: number;
  /** Shares of the days whose next close fell inside the ±1σ and ±2σ bands. */
  readonly inside1: number;
  readonly inside2: number;
  readonly meanLeverage: number;
  /** Days on which a short (long) at the recommended leverage would have been liquidated. */
  readonly shortLiquidations: number;
  readonly longLiquidations: number;
}

export interface SentimentCalibration {
  readonly scans: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly median: number | null;
  readonly bands: Readonly<Record<SentimentBand, number>>;
}

export interface Calibration {
  readonly symbols: readonly SymbolCalibration[];
  readonly sentiment: SentimentCalibration;
}

/** Per-symbol shares and counts, in the order the symbols are first seen; the sentiment's spread. */
export const calibrate = (
  outcomes: readonly Outcome[],
  scans: readonly Pick<FullScanResult, 'sentiment'>[],
): Calibration => {
  const by = new Map<string, Outcome[]>();
  for (const o of outcomes) {
    const list = by.get(o.symbol);
    if (list) list.push(o);
    else by.set(o.symbol, [o]);
  }
  // Every group holds at least the outcome that made it.
  const share = (os: readonly Outcome[], f: (o: Outcome) => boolean): number =>
    os.filter(f).length / os.length;
  const symbols = [...by].map(([symbol, os]) => ({
    symbol,
    days: os.length,
    inside1: share(os, (o) => o.inside1),
    inside2: share(os, (o) => o.inside2),
    meanLeverage: os.reduce((s, o) => s + o.leverage, 0) / os.length,
    shortLiquidations: os.filter((o) => o.shortLiquidated).length,
    longLiquidations: os.filter((o) => o.longLiquidated).length,
  }));
  const values = scans.flatMap((s) => (s.sentiment ? [s.sentiment.value] : []));
  const bands = Object.fromEntries(sentimentBands.map((b) => [b, 0])) as Record<SentimentBand, number>;
  for (const s of scans) if (s.sentiment) bands[s.sentiment.band]++;
  const n = values.length;
  return {
    symbols,
    sentiment: {
      scans: n,
      min: n ? Math.min(...values) : null,
      max: n ? Math.max(...values) : null,
      median: n ? quantile(values, 0.5) : null,
      bands,
    },
  };
};
