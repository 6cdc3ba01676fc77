import { Adx } from './indicators/adx.js';
import { EfficiencyRatio } from './indicators/efficiency-ratio.js';
import { RealisedVolatility } from './indicators/realised-volatility.js';
import { Ring } from './indicators/ring.js';

export type TrendRegime = 'trend_up' | 'trend_down' | 'range';
export type VolatilityRegime = 'high' | 'normal' | 'low';

export interface Regime {
  readonly trend: TrendRegime;
  readonly volatility: VolatilityRegime;
}

/** The feature values a classification was made from; recorded in RegimeChanged. */
export interface RegimeFeatures {
  readonly adx: number;
  readonly plusDI: number;
  readonly minusDI: number;
  readonly efficiencyRatio: number;
  readonly realisedVol: number;
  /** Share of the last `volRankWindow` realised-vol values at or below the current one, in (0, 1]. */
  readonly volPercentile: number;
}

/**
 * Thresholds come in enter/exit pairs (hysteresis): a state is entered past the stricter threshold
 * and left only past the looser one, and a new state must hold for `confirmBars` consecutive bars
 * before it replaces the old one. Both together stop a feature hovering at a threshold from
 * flickering the regime.
 */
export interface RegimeParams {
  readonly adxPeriod: number;
  readonly erPeriod: number;
  readonly volPeriod: number;
  readonly volRankWindow: number;
  readonly barsPerYear: number;
  readonly trendEnterAdx: number;
  readonly trendExitAdx: number;
  readonly trendEnterEr: number;
  readonly trendExitEr: number;
  readonly highVolEnter: number;
  readonly highVolExit: number;
  readonly lowVolEnter: number;
  readonly lowVolExit: number;
  readonly confirmBars: number;
}

export const defaultRegimeParams = (barsPerYear: number): RegimeParams => ({
  adxPeriod: 14,
  erPeriod: 20,
  volPeriod: 20,
  volRankWindow: 500,
  barsPerYear,
  trendEnterAdx: 25,
  trendExitAdx: 20,
  trendEnterEr: 0.3,
  trendExitEr: 0.15,
  highVolEnter: 0.8,
  highVolExit: 0.7,
  lowVolEnter: 0.2,
  lowVolExit: 0.3,
  confirmBars: 3,
});

const validate = (p: RegimeParams): void => {
  const ok =
    p.trendExitAdx <= p.trendEnterAdx &&
    p.trendExitEr <= p.trendEnterEr &&
    p.highVolExit <= p.highVolEnter &&
    p.lowVolExit >= p.lowVolEnter &&
    p.lowVolExit < p.highVolExit &&
    p.confirmBars >= 1 &&
    p.volRankWindow >= 2;
  if (!ok) throw new RangeError('regime params: exit thresholds must be looser than enter thresholds');
};

/** Pure state transition of the trend axis given the current features (before confirmation). */
export const nextTrend = (
  current: TrendRegime | undefined,
  f: RegimeFeatures,
  p: RegimeParams,
): TrendRegime => {
  const direction: TrendRegime = f.plusDI >= f.minusDI ? 'trend_up' : 'trend_down';
  const strong = f.adx >= p.trendEnterAdx && f.efficiencyRatio >= p.trendEnterEr;
  if (current === undefined || current === 'range') return strong ? direction : 'range';
  if (f.adx < p.trendExitAdx || f.efficiencyRatio < p.trendExitEr) return 'range';
  // A reversal inside a strong trend needs the opposite side to qualify on its own.
  return direction !== current && strong ? direction : current;
};

export const nextVolatility = (
  current: VolatilityRegime | undefined,
  pct: number,
  p: RegimeParams,
): VolatilityRegime => {
  if (current === 'high') return pct < p.highVolExit ? (pct <= p.lowVolEnter ? 'low' : 'normal') : 'high';
  if (current === 'low') return pct > p.lowVolExit ? (pct >= p.highVolEnter ? 'high' : 'normal') : 'low';
  return pct >= p.highVolEnter ? 'high' : pct <= p.lowVolEnter ? 'low' : 'normal';
};

export interface RegimeChange {
  readonly previous: Regime | null;
  readonly current: Regime;
  readonly features: RegimeFeatures;
}

/**
 * Streaming regime classifier for one symbol and timeframe. Deterministic: the state is a function of
 * the bars fed so far. `update` returns a RegimeChange when the confirmed regime changes (including
 * the first classification, with previous = null) and null otherwise. The volatility percentile
 * ranks the current value against a preallocated window, O(volRankWindow) per bar and no allocation.
 */
export class RegimeDetector {
  readonly params: RegimeParams;
  regime: Regime | null = null;
  private readonly adx: Adx;
  private readonly er: EfficiencyRatio;
  private readonly vol: RealisedVolatility;
  private readonly volHistory: Ring;
  private candidate: Regime | null = null;
  private candidateBars = 0;
  features: RegimeFeatures | null = null;

  constructor(params: RegimeParams) {
    validate(params);
    this.params = params;
    this.adx = new Adx(params.adxPeriod);
    this.er = new EfficiencyRatio(params.erPeriod);
    this.vol = new RealisedVolatility(params.volPeriod, params.barsPerYear);
    this.volHistory = new Ring(params.volRankWindow);
  }

  /** Bars needed before the first classification. */
  get warmup(): number {
    return (
      Math.max(this.adx.lookback, this.er.lookback, this.vol.lookback + this.params.volRankWindow - 1) + 1
    );
  }

  update(high: number, low: number, close: number): RegimeChange | null {
    const adx = this.adx.update(high, low, close);
    const er = this.er.update(close);
    const vol = this.vol.update(close);
    if (Number.isNaN(vol)) return null;
    this.volHistory.push(vol);
    if (!this.volHistory.full || Number.isNaN(adx) || Number.isNaN(er)) return null;
    let atOrBelow = 0;
    const buf = this.volHistory.buf;
    for (let i = 0; i < buf.length; i++) if (buf[i]! <= vol) atOrBelow++;
    const features: RegimeFeatures = {
      adx,
      plusDI: this.adx.plusDI,
      minusDI: this.adx.minusDI,
      efficiencyRatio: er,
      realisedVol: vol,
      volPercentile: atOrBelow / buf.length,
    };
    this.features = features;
    const p = this.params;
    const proposed: Regime = {
      trend: nextTrend(this.regime?.trend, features, p),
      volatility: nextVolatility(this.regime?.volatility, features.volPercentile, p),
    };
    if (this.regime === null) return this.commit(proposed, features);
    if (sameRegime(proposed, this.regime)) {
      this.candidate = null;
      this.candidateBars = 0;
      return null;
    }
    if (this.candidate !== null && sameRegime(proposed, this.candidate)) this.candidateBars++;
    else {
      this.candidate = proposed;
      this.candidateBars = 1;
    }
    return this.candidateBars >= p.confirmBars ? this.commit(proposed, features) : null;
  }

  private commit(next: Regime, features: RegimeFeatures): RegimeChange {
    const change: RegimeChange = { previous: this.regime, current: next, features };
    this.regime = next;
    this.candidate = null;
    this.candidateBars = 0;
    return change;
  }
}

const sameRegime = (a: Regime, b: Regime): boolean => a.trend === b.trend && a.volatility === b.volatility;
