import * as ti from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../../adapters/marketdata/shared-data.js';
import type { BarSeries } from '../bars.js';
import * as batch from './batch.js';
import { barsPerYear } from './realised-volatility.js';

/**
 * Every indicator against technicalindicators (an independent implementation) on real Binance bars
 * from ../shared/data. Tolerance: |ours - ref| <= TOL * max(1, |ref|) with TOL = 1e-9 wherever both
 * follow the same convention. Where technicalindicators seeds differently from TA-Lib (MACD's fast
 * EMA, ADX's Wilder sums) the seed's effect decays geometrically, so those compare after SETTLE bars;
 * the warm-up length itself is checked against TA-Lib's lookback for every indicator.
 */
const TOL = 1e-9;
const SETTLE = 400;

const SERIES: ReadonlyArray<[string, string]> = [
  ['BTCUSDT', '1h'],
  ['1000PEPEUSDT', '1h'],
  ['ALGOUSDT', '1m'],
];
const data = new Map(SERIES.map(([s, tf]) => [`${s}-${tf}`, sharedBars(s, tf)]));

const arr = (a: Float64Array): number[] => Array.from(a);
const hlc = (b: BarSeries) => ({ high: arr(b.high), low: arr(b.low), close: arr(b.close) });

/** ours[i] must be NaN for i < lookback and match ref[i - lookback] after `skip` outputs. */
const expectAligned = (
  name: string,
  ours: Float64Array,
  ref: readonly (number | undefined)[],
  lookback: number,
  opts: { skip?: number; tol?: number } = {},
): void => {
  const tol = opts.tol ?? TOL;
  for (let i = 0; i < lookback; i++)
    expect(Number.isNaN(ours[i]!), `${name}: NaN during warm-up at ${i}`).toBe(true);
  expect(Number.isNaN(ours[lookback]!), `${name}: first value at the lookback`).toBe(false);
  expect(ref.length, `${name}: output count`).toBe(ours.length - lookback);
  let worst = 0;
  let worstAt = -1;
  for (let j = opts.skip ?? 0; j < ref.length; j++) {
    const r = ref[j];
    if (r === undefined) continue;
    const err = Math.abs(ours[j + lookback]! - r) / Math.max(1, Math.abs(r));
    if (!(err <= worst)) {
      worst = err;
      worstAt = j;
    }
  }
  expect(worst, `${name}: worst relative error at output ${worstAt}`).toBeLessThanOrEqual(tol);
};

describe.each(SERIES)('indicators vs technicalindicators on %s %s', (symbol, tf) => {
  const bars = data.get(`${symbol}-${tf}`)!;
  const close = arr(bars.close);

  it('SMA(20)', () => {
    expectAligned('SMA', batch.sma(bars.close, 20), ti.SMA.calculate({ period: 20, values: close }), 19);
  });

  it('EMA(20), SMA-seeded', () => {
    expectAligned('EMA', batch.ema(bars.close, 20), ti.EMA.calculate({ period: 20, values: close }), 19);
  });

  it('WMA(20)', () => {
    expectAligned('WMA', batch.wma(bars.close, 20), ti.WMA.calculate({ period: 20, values: close }), 19);
  });

  it('RSI(14), Wilder (technicalindicators rounds RSI to 2 decimals)', () => {
    expectAligned('RSI', batch.rsi(bars.close, 14), ti.RSI.calculate({ period: 14, values: close }), 14, {
      tol: 0.005 + 1e-9,
    });
  });

  it('ATR(14), Wilder', () => {
    expectAligned('ATR', batch.atr(bars, 14), ti.ATR.calculate({ period: 14, ...hlc(bars) }), 14);
  });

  it('Bollinger(20, 2)', () => {
    const ours = batch.bollinger(bars.close, 20, 2);
    const ref = ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: close });
    expectAligned(
      'BB upper',
      ours.upper,
      ref.map((r) => r.upper),
      19,
    );
    expectAligned(
      'BB middle',
      ours.middle,
      ref.map((r) => r.middle),
      19,
    );
    expectAligned(
      'BB lower',
      ours.lower,
      ref.map((r) => r.lower),
      19,
    );
  });

  it('MACD(12, 26, 9): TA-Lib lookback 33, values equal once the fast-EMA seed has decayed', () => {
    const ours = batch.macd(bars.close, 12, 26, 9);
    const ref = ti.MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    }).slice(8); // technicalindicators emits the line from bar 25, the signal from bar 33
    expectAligned(
      'MACD',
      ours.macd,
      ref.map((r) => r.MACD),
      33,
      { skip: SETTLE },
    );
    expectAligned(
      'MACD signal',
      ours.signal,
      ref.map((r) => r.signal),
      33,
      { skip: SETTLE },
    );
    expectAligned(
      'MACD histogram',
      ours.histogram,
      ref.map((r) => r.histogram),
      33,
      { skip: SETTLE },
    );
  });

  it('ADX(14) and DI: TA-Lib lookbacks 27 and 14, values equal once the Wilder seed has decayed', () => {
    const ours = batch.adx(bars, 14);
    const ref = ti.ADX.calculate({ period: 14, ...hlc(bars) });
    expectAligned(
      'ADX',
      ours.adx,
      ref.map((r) => r.adx),
      27,
      { skip: SETTLE },
    );
    // DI is defined from bar 14 (TA-Lib PLUS_DI lookback); technicalindicators reports it from bar 27.
    for (const di of [ours.plusDI, ours.minusDI]) {
      expect(Number.isNaN(di[13]!)).toBe(true);
      expect(Number.isNaN(di[14]!)).toBe(false);
    }
    expectAligned(
      '+DI',
      ours.plusDI.subarray(27),
      ref.map((r) => r.pdi),
      0,
      { skip: SETTLE },
    );
    expectAligned(
      '-DI',
      ours.minusDI.subarray(27),
      ref.map((r) => r.mdi),
      0,
      { skip: SETTLE },
    );
  });

  it('Donchian(20) = Highest/Lowest over the window', () => {
    const ours = batch.donchian(bars, 20);
    const hi = ti.Highest.calculate({ period: 20, values: arr(bars.high) });
    const lo = ti.Lowest.calculate({ period: 20, values: arr(bars.low) });
    expectAligned('Donchian upper', ours.upper, hi, 19);
    expectAligned('Donchian lower', ours.lower, lo, 19);
    expectAligned(
      'Donchian middle',
      ours.middle,
      hi.map((h, i) => (h + lo[i]!) / 2),
      19,
    );
  });

  it('Keltner(EMA 20, ATR 10, 2)', () => {
    const ours = batch.keltner(bars, 20, 10, 2);
    const ref = ti.KeltnerChannels.calculate({
      ...hlc(bars),
      maPeriod: 20,
      atrPeriod: 10,
      useSMA: false,
      multiplier: 2,
    });
    expectAligned(
      'Keltner upper',
      ours.upper,
      ref.map((r) => r.upper),
      19,
    );
    expectAligned(
      'Keltner middle',
      ours.middle,
      ref.map((r) => r.middle),
      19,
    );
    expectAligned(
      'Keltner lower',
      ours.lower,
      ref.map((r) => r.lower),
      19,
    );
  });

  it('Stochastic fast (14, 1, 3) and slow (14, 3, 3)', () => {
    const ref = ti.Stochastic.calculate({ period: 14, signalPeriod: 3, ...hlc(bars) });
    const fast = batch.stochastic(bars, 14, 1, 3);
    expectAligned(
      'fast %K',
      fast.k,
      ref.slice(2).map((r) => r.k),
      15,
    );
    expectAligned(
      'fast %D',
      fast.d,
      ref.slice(2).map((r) => r.d),
      15,
    );
    const slowK = ti.SMA.calculate({ period: 3, values: ref.map((r) => r.k) });
    const slowD = ti.SMA.calculate({ period: 3, values: slowK });
    const slow = batch.stochastic(bars, 14, 3, 3);
    expectAligned('slow %K', slow.k, slowK.slice(2), 17);
    expectAligned('slow %D', slow.d, slowD, 17);
  });

  it('OBV: TA-Lib starts at the first volume, technicalindicators at 0 one bar later', () => {
    const ours = batch.obv(bars);
    const ref = ti.OBV.calculate({ close, volume: arr(bars.volume) });
    const v0 = bars.volume[0]!;
    expectAligned(
      'OBV',
      ours.subarray(1),
      ref.map((r) => r + v0),
      0,
    );
  });

  it('VWAP anchored per UTC day = technicalindicators VWAP run on each day', () => {
    const ours = batch.vwap(bars);
    let start = 0;
    const day = 86_400_000;
    while (start < bars.close.length) {
      const d = Math.floor(bars.openTime[start]! / day);
      let end = start;
      while (end < bars.close.length && Math.floor(bars.openTime[end]! / day) === d) end++;
      const sl = (a: Float64Array) => arr(a.subarray(start, end));
      const ref = ti.VWAP.calculate({
        high: sl(bars.high),
        low: sl(bars.low),
        close: sl(bars.close),
        volume: sl(bars.volume),
      });
      expectAligned(`VWAP day ${d}`, ours.subarray(start, end), ref, 0);
      start = end;
    }
  });

  it('realised volatility(20) = sample SD of log returns (from technicalindicators SD) * sqrt(bars/year)', () => {
    const logReturns = close.slice(1).map((c, i) => Math.log(c / close[i]!));
    const n = 20;
    const annual = Math.sqrt(barsPerYear(bars.openTime[1]! - bars.openTime[0]!));
    // technicalindicators' SD mishandles windows holding an exact 0 (a repeated close), so it is fed
    // the returns shifted by +1: the standard deviation is shift-invariant.
    const ref = ti.SD.calculate({ period: n, values: logReturns.map((r) => r + 1) }).map(
      (sd) => sd * Math.sqrt(n / (n - 1)) * annual,
    );
    expectAligned('realised vol', batch.realisedVolatility(bars.close, n, annual * annual), ref, 20, {
      tol: 1e-8,
    });
  });

  it('z-score(20) = (close - SMA) / SD from technicalindicators', () => {
    const sma = ti.SMA.calculate({ period: 20, values: close });
    const sd = ti.SD.calculate({ period: 20, values: close });
    const ref = sd.map((s, j) => (close[j + 19]! - sma[j]!) / s);
    // Dividing by a small SD magnifies rounding in the reference's sum-of-squares form.
    expectAligned('z-score', batch.zScore(bars.close, 20), ref, 19, { tol: 1e-6 });
  });
});

/** No library ships these two; the reference is the textbook two-pass definition, computed per window. */
describe('indicators vs direct definitions on real data', () => {
  const btc = data.get('BTCUSDT-1h')!;
  const pepe = data.get('1000PEPEUSDT-1h')!;

  it('correlation(50) of BTC and 1000PEPE hourly log returns = two-pass Pearson', () => {
    const offset = btc.openTime.indexOf(pepe.openTime[0]!);
    const ret = (c: Float64Array, from: number, n: number) =>
      Float64Array.from({ length: n }, (_, i) => Math.log(c[from + i + 1]! / c[from + i]!));
    const n = pepe.close.length - 1;
    const x = ret(btc.close, offset, n);
    const y = ret(pepe.close, 0, n);
    const period = 50;
    const ref: number[] = [];
    for (let e = period; e <= n; e++) {
      let mx = 0;
      let my = 0;
      for (let i = e - period; i < e; i++) {
        mx += x[i]!;
        my += y[i]!;
      }
      mx /= period;
      my /= period;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = e - period; i < e; i++) {
        sxy += (x[i]! - mx) * (y[i]! - my);
        sxx += (x[i]! - mx) ** 2;
        syy += (y[i]! - my) ** 2;
      }
      ref.push(sxy / Math.sqrt(sxx * syy));
    }
    expectAligned('correlation', batch.correlation(x, y, period), ref, period - 1);
  });

  it('efficiency ratio(10) = |net change| / sum of |changes|', () => {
    const c = btc.close;
    const period = 10;
    const ref: number[] = [];
    for (let i = period; i < c.length; i++) {
      let path = 0;
      for (let j = i - period + 1; j <= i; j++) path += Math.abs(c[j]! - c[j - 1]!);
      ref.push(Math.abs(c[i]! - c[i - period]!) / path);
    }
    expectAligned('efficiency ratio', batch.efficiencyRatio(c, period), ref, period);
  });
});
