import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { catalogue } from '../catalogue.js';
import type { BarSeries } from './bars.js';
import { RegimeChanged, regimeChangedData } from './events.js';
import { barsPerYear } from './indicators/realised-volatility.js';
import {
  defaultRegimeParams,
  nextTrend,
  nextVolatility,
  type RegimeChange,
  RegimeDetector,
  type RegimeFeatures,
  TrendTracker,
} from './regime.js';
import { timeframeMs } from './timeframe.js';

const run = (bars: BarSeries) => {
  const params = defaultRegimeParams(barsPerYear(timeframeMs(bars.timeframe)));
  const det = new RegimeDetector(params);
  const changes: Array<{ i: number; change: RegimeChange }> = [];
  for (let i = 0; i < bars.close.length; i++) {
    const change = det.update(bars.high[i]!, bars.low[i]!, bars.close[i]!);
    if (change) changes.push({ i, change });
  }
  return { params, det, changes };
};

const features = (f: Partial<RegimeFeatures>): RegimeFeatures => ({
  adx: 0,
  plusDI: 20,
  minusDI: 10,
  efficiencyRatio: 0.5,
  realisedVol: 0.5,
  volPercentile: 0.5,
  ...f,
});

describe('regime transitions (hysteresis)', () => {
  const p = defaultRegimeParams(8760);

  it('enters a trend past the enter threshold and leaves only below the exit threshold', () => {
    expect(nextTrend('range', features({ adx: 24 }), p)).toBe('range');
    expect(nextTrend('range', features({ adx: 26 }), p)).toBe('trend_up');
    expect(nextTrend('trend_up', features({ adx: 21 }), p)).toBe('trend_up');
    expect(nextTrend('trend_up', features({ adx: 19 }), p)).toBe('range');
    expect(nextTrend('trend_up', features({ adx: 30, efficiencyRatio: 0.1 }), p)).toBe('range');
    expect(nextTrend('trend_up', features({ adx: 30, plusDI: 5 }), p)).toBe('trend_down');
    expect(nextTrend('trend_up', features({ adx: 22, plusDI: 5 }), p)).toBe('trend_up');
  });

  it('volatility bands: enter high at the 80th percentile, leave below the 70th', () => {
    expect(nextVolatility('normal', 0.79, p)).toBe('normal');
    expect(nextVolatility('normal', 0.8, p)).toBe('high');
    expect(nextVolatility('high', 0.72, p)).toBe('high');
    expect(nextVolatility('high', 0.69, p)).toBe('normal');
    expect(nextVolatility('normal', 0.2, p)).toBe('low');
    expect(nextVolatility('low', 0.28, p)).toBe('low');
    expect(nextVolatility('low', 0.31, p)).toBe('normal');
  });

  it('rejects exit thresholds stricter than enter thresholds', () => {
    expect(() => new RegimeDetector({ ...p, trendExitAdx: 30 })).toThrow(/looser/);
  });
});

describe('regime detection on real data', () => {
  const bars = sharedBars('ETHUSDT', '1h');
  const first = run(bars);

  it('is deterministic: the same bars give the same changes', () => {
    const second = run(bars);
    expect(second.changes).toEqual(first.changes);
  });

  it('classifies once warmed up and does not flicker', () => {
    expect(first.changes[0]!.change.previous).toBeNull();
    expect(first.changes[0]!.i).toBe(first.det.warmup - 1);
    const dwell = (bars.close.length - first.changes[0]!.i) / first.changes.length;
    // Every change needs confirmBars consecutive bars of agreement, so no state lasts less.
    for (let k = 1; k < first.changes.length; k++) {
      expect(first.changes[k]!.i - first.changes[k - 1]!.i).toBeGreaterThanOrEqual(first.params.confirmBars);
    }
    expect(dwell).toBeGreaterThan(10);
    const seen = new Set(
      first.changes.map((c) => `${c.change.current.trend}/${c.change.current.volatility}`),
    );
    expect(seen.size).toBeGreaterThanOrEqual(5);
  });

  it('turns each change into a valid RegimeChanged event registered in the catalogue', () => {
    const { i, change } = first.changes[3]!;
    const data = regimeChangedData(
      { symbol: 'ETHUSDT', timeframe: '1h', openTime: bars.openTime[i]! },
      change,
      first.params,
    );
    expect(RegimeChanged.schema.parse(data)).toEqual(data);
    expect(data.features.adx).toBe(change.features.adx);
    expect(catalogue()).toBeDefined();
    expect(() =>
      RegimeChanged.schema.parse({ ...data, current: { trend: 'sideways', volatility: 'low' } }),
    ).toThrow();
  });
});

describe('TrendTracker (the trend axis alone, as the engine reads it)', () => {
  const bars = sharedBars('ETHUSDT', '1h');
  const params = defaultRegimeParams(barsPerYear(timeframeMs(bars.timeframe)));

  it('classifies soon after ADX warms up, holds each trend at least confirmBars, and agrees with the detector', () => {
    const tracker = new TrendTracker(params);
    const det = new RegimeDetector(params);
    const trends: (string | null)[] = [];
    let agree = 0;
    let compared = 0;
    for (let i = 0; i < bars.close.length; i++) {
      tracker.update(bars.high[i]!, bars.low[i]!, bars.close[i]!);
      det.update(bars.high[i]!, bars.low[i]!, bars.close[i]!);
      trends.push(tracker.trend);
      if (det.regime !== null) {
        compared++;
        if (det.regime.trend === tracker.trend) agree++;
      }
    }
    // ADX(14) needs 28 bars; the detector waits 520 for its volatility percentile.
    const first = trends.findIndex((t) => t !== null);
    expect(first).toBeLessThan(40);
    expect(first).toBeLessThan(det.warmup - 1);
    const runs: number[] = [];
    let len = 1;
    for (let i = first + 1; i < trends.length; i++) {
      if (trends[i] === trends[i - 1]) len++;
      else {
        runs.push(len);
        len = 1;
      }
    }
    // Each change after the first needs confirmBars bars of agreement, so no trend lasts less.
    for (const r of runs.slice(1)) expect(r).toBeGreaterThanOrEqual(params.confirmBars);
    expect(new Set(trends.slice(first))).toEqual(new Set(['trend_up', 'trend_down', 'range']));
    // Only the confirmation differs (a volatility flip no longer restarts it): nearly every bar agrees.
    expect(agree / compared).toBeGreaterThan(0.95);
  });
});
