import { Adx } from './adx.js';
import { Atr } from './atr.js';
import { Bollinger } from './bollinger.js';
import { Correlation } from './correlation.js';
import { Donchian } from './donchian.js';
import { EfficiencyRatio } from './efficiency-ratio.js';
import { Ema } from './ema.js';
import { Keltner } from './keltner.js';
import { Macd } from './macd.js';
import { Obv } from './obv.js';
import { RealisedVolatility } from './realised-volatility.js';
import { Rsi } from './rsi.js';
import { Sma } from './sma.js';
import { Stochastic } from './stochastic.js';
import { DAY_MS, Vwap } from './vwap.js';
import { Wma } from './wma.js';
import { ZScore } from './zscore.js';

/**
 * The batch API: every function runs the streaming class over the arrays, so batch and live values
 * are the same numbers by construction. Outputs are aligned with the input (index i is the value
 * after bar i) and NaN during warm-up, rather than shortened as TA-Lib and technicalindicators do.
 */
type Series = ArrayLike<number>;

export interface Hlc {
  readonly high: Series;
  readonly low: Series;
  readonly close: Series;
}
export interface Hlcv extends Hlc {
  readonly volume: Series;
}

const single = (values: Series, ind: { update(x: number): number }): Float64Array => {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = ind.update(values[i]!);
  return out;
};

const hlc = (bars: Hlc, ind: { update(h: number, l: number, c: number): number }): Float64Array => {
  const n = bars.close.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ind.update(bars.high[i]!, bars.low[i]!, bars.close[i]!);
  return out;
};

export const sma = (values: Series, period: number): Float64Array => single(values, new Sma(period));
export const ema = (values: Series, period: number): Float64Array => single(values, new Ema(period));
export const wma = (values: Series, period: number): Float64Array => single(values, new Wma(period));
export const rsi = (values: Series, period = 14): Float64Array => single(values, new Rsi(period));
export const atr = (bars: Hlc, period = 14): Float64Array => hlc(bars, new Atr(period));
export const zScore = (values: Series, period: number): Float64Array => single(values, new ZScore(period));
export const efficiencyRatio = (values: Series, period = 10): Float64Array =>
  single(values, new EfficiencyRatio(period));
export const realisedVolatility = (values: Series, period: number, barsPerYear: number): Float64Array =>
  single(values, new RealisedVolatility(period, barsPerYear));

export interface Bands {
  readonly upper: Float64Array;
  readonly middle: Float64Array;
  readonly lower: Float64Array;
}

const bands = (
  n: number,
  step: (i: number) => void,
  ind: { upper: number; middle: number; lower: number },
): Bands => {
  const upper = new Float64Array(n);
  const middle = new Float64Array(n);
  const lower = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    step(i);
    upper[i] = ind.upper;
    middle[i] = ind.middle;
    lower[i] = ind.lower;
  }
  return { upper, middle, lower };
};

export const bollinger = (values: Series, period = 20, k = 2): Bands => {
  const ind = new Bollinger(period, k);
  return bands(values.length, (i) => ind.update(values[i]!), ind);
};

export const keltner = (bars: Hlc, emaPeriod = 20, atrPeriod = 10, multiplier = 2): Bands => {
  const ind = new Keltner(emaPeriod, atrPeriod, multiplier);
  return bands(bars.close.length, (i) => ind.update(bars.high[i]!, bars.low[i]!, bars.close[i]!), ind);
};

export const donchian = (bars: Pick<Hlc, 'high' | 'low'>, period = 20): Bands => {
  const ind = new Donchian(period);
  return bands(bars.high.length, (i) => ind.update(bars.high[i]!, bars.low[i]!), ind);
};

export const macd = (
  values: Series,
  fast = 12,
  slow = 26,
  signal = 9,
): { macd: Float64Array; signal: Float64Array; histogram: Float64Array } => {
  const ind = new Macd(fast, slow, signal);
  const n = values.length;
  const out = { macd: new Float64Array(n), signal: new Float64Array(n), histogram: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    out.macd[i] = ind.update(values[i]!);
    out.signal[i] = ind.signal;
    out.histogram[i] = ind.histogram;
  }
  return out;
};

export const adx = (
  bars: Hlc,
  period = 14,
): { adx: Float64Array; plusDI: Float64Array; minusDI: Float64Array; dx: Float64Array } => {
  const ind = new Adx(period);
  const n = bars.close.length;
  const out = {
    adx: new Float64Array(n),
    plusDI: new Float64Array(n),
    minusDI: new Float64Array(n),
    dx: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    out.adx[i] = ind.update(bars.high[i]!, bars.low[i]!, bars.close[i]!);
    out.plusDI[i] = ind.plusDI;
    out.minusDI[i] = ind.minusDI;
    out.dx[i] = ind.dx;
  }
  return out;
};

export const stochastic = (
  bars: Hlc,
  kPeriod = 14,
  kSmooth = 3,
  dPeriod = 3,
): { k: Float64Array; d: Float64Array } => {
  const ind = new Stochastic(kPeriod, kSmooth, dPeriod);
  const n = bars.close.length;
  const k = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    k[i] = ind.update(bars.high[i]!, bars.low[i]!, bars.close[i]!);
    d[i] = ind.d;
  }
  return { k, d };
};

export const obv = (bars: Pick<Hlcv, 'close' | 'volume'>): Float64Array => {
  const ind = new Obv();
  const n = bars.close.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ind.update(bars.close[i]!, bars.volume[i]!);
  return out;
};

export const vwap = (bars: Hlcv & { readonly openTime: Series }, sessionMs = DAY_MS): Float64Array => {
  const ind = new Vwap(sessionMs);
  const n = bars.close.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = ind.update(bars.openTime[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!, bars.volume[i]!);
  }
  return out;
};

export const correlation = (x: Series, y: Series, period: number): Float64Array => {
  if (x.length !== y.length) throw new RangeError(`correlation: lengths differ (${x.length} vs ${y.length})`);
  const ind = new Correlation(period);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = ind.update(x[i]!, y[i]!);
  return out;
};
