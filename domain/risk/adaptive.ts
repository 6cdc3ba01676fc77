import type { TrendRegime } from '../market/regime.js';
import { clamp } from './num.js';

/**
 * Stop multipliers adapt to conditions: wider when volatility is high (so noise does not stop a
 * position out), tighter when the equity curve is falling or in drawdown (protect what is left), wider
 * in a trend (let a winner run) and tighter in a range. The product is clamped to [min, max] so no
 * combination of inputs can produce an absurd stop.
 */
export interface AdaptiveParams {
  /** Factor at realised-vol percentile 0 and at 1; linear in between. */
  readonly volLow: number;
  readonly volHigh: number;
  /** Factor lost per unit of drawdown (0.2 drawdown × 2 = 40% tighter). */
  readonly drawdownTighten: number;
  /** Factor lost while the equity curve slopes down. */
  readonly slopeTighten: number;
  /** In a trend the position goes with (a long in trend_up): wider, to let a winner run. */
  readonly trendFactor: number;
  readonly rangeFactor: number;
  /**
   * In a trend against the position (a long in trend_down): tighter. Widening it as for a trend with
   * the position gave a losing counter-trend trade the most room of all.
   */
  readonly counterTrendFactor: number;
  readonly min: number;
  readonly max: number;
  /** The equity slope is read over this many of the run's last equity marks (track-record.ts). */
  readonly slopeMarks: number;
}

export const defaultAdaptiveParams: AdaptiveParams = {
  volLow: 0.8,
  volHigh: 1.3,
  drawdownTighten: 2,
  slopeTighten: 0.15,
  trendFactor: 1.15,
  rangeFactor: 0.85,
  counterTrendFactor: 0.85,
  min: 0.5,
  max: 1.5,
  slopeMarks: 24,
};

export interface AdaptiveInputs {
  /** Percentile of current realised vol in its history (0..1); null before warm-up. */
  readonly volPercentile: number | null;
  /** Slope of the strategy's equity curve (any consistent unit; only its sign is used). */
  readonly equitySlope: number | null;
  /** Current drawdown of the strategy's equity from its peak, as a fraction (0..1). */
  readonly drawdown: number | null;
  readonly regime: TrendRegime | null;
}

export const neutralInputs: AdaptiveInputs = {
  volPercentile: null,
  equitySlope: null,
  drawdown: null,
  regime: null,
};

export interface AdaptiveFactor {
  readonly factor: number;
  readonly vol: number;
  readonly equity: number;
  readonly regime: number;
}

/**
 * `side` is the position's (or the entry's): a trend counts as one only in its direction. Without a side
 * (a caller that has none) a trend either way takes trendFactor, as before sides were read.
 */
export const adaptiveFactor = (
  p: AdaptiveParams,
  x: AdaptiveInputs,
  side: 'long' | 'short' | null = null,
): AdaptiveFactor => {
  const vol = x.volPercentile === null ? 1 : p.volLow + (p.volHigh - p.volLow) * clamp(x.volPercentile, 0, 1);
  const dd = x.drawdown === null ? 0 : clamp(x.drawdown, 0, 1);
  const slope = x.equitySlope !== null && x.equitySlope < 0 ? p.slopeTighten : 0;
  const equity = Math.max(0, 1 - p.drawdownTighten * dd - slope);
  const regime =
    x.regime === null
      ? 1
      : x.regime === 'range'
        ? p.rangeFactor
        : side === null || (x.regime === 'trend_up') === (side === 'long')
          ? p.trendFactor
          : p.counterTrendFactor;
  return { factor: clamp(vol * equity * regime, p.min, p.max), vol, equity, regime };
};
