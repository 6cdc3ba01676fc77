import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import {
  barsFromCloses,
  countEntries,
  nonFiniteFeatures,
  repeatedTargets,
  runStrategy,
} from './test-context.js';
import { volBreakout, volBreakoutParams } from './vol-breakout.js';

const defaults = volBreakoutParams.parse({});
const small = { ...defaults, emaPeriod: 10, atrPeriod: 5, erPeriod: 5, adxPeriod: 5 };
const range = Array.from({ length: 30 }, (_, i) => 100 + (i % 2));

describe('vol-breakout', () => {
  it('enters on a wide bar closing beyond the ATR channel and leaves back inside the EMA', () => {
    const closes = [...range, 106, 108, 109, 104, 99];
    const ctx = runStrategy(volBreakout, small, [barsFromCloses('X', closes, { wick: 0.2 })]);
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [1, 'breakout-up'],
      [0, 'back-inside'],
    ]);
    const f = ctx.targets[0]!.signal.features;
    expect(ctx.targets[0]!.close).toBeGreaterThan(f.channelUpper as number);
    expect(f.barRange).toBeGreaterThanOrEqual((f.rangeAtr as number) * (f.atrBefore as number));
    expect(f.efficiencyRatio).toBeGreaterThanOrEqual(small.erMin);
  });

  it('ignores a breakout that the direction filter rejects', () => {
    // Wide swings up and down: ranges expand, yet the efficiency ratio stays low.
    const chop = [...range, 106, 96, 107, 95, 108];
    const withFilter = runStrategy(volBreakout, { ...small, erMin: 0.9 }, [barsFromCloses('X', chop)]);
    expect(withFilter.targets).toEqual([]);
    const without = runStrategy(volBreakout, { ...small, filter: 'none' }, [barsFromCloses('X', chop)]);
    expect(without.targets.length).toBeGreaterThan(0);
  });

  it('refuses parameters outside their range or an unknown filter', () => {
    expect(volBreakoutParams.safeParse({ channelAtr: 0.1 }).success).toBe(false);
    expect(volBreakoutParams.safeParse({ filter: 'hurst' }).success).toBe(false);
    expect(volBreakoutParams.safeParse({ erMin: 0.33 }).success).toBe(false);
    expect(volBreakoutParams.safeParse({ filter: 'adx', adxMin: 25 }).success).toBe(true);
  });

  it('trades a plausible number of times on real BTC and SUI hourly bars', () => {
    const series = [sharedBars('BTCUSDT', '1h'), sharedBars('SUIUSDT', '1h')];
    const ctx = runStrategy(volBreakout, defaults, series);
    for (const s of series) {
      const n = countEntries(ctx.targets.filter((t) => t.symbol === s.symbol));
      expect(n, s.symbol).toBeGreaterThan(20);
      expect(n, s.symbol).toBeLessThan(400);
    }
    expect(nonFiniteFeatures(ctx.targets)).toEqual([]);
    expect(repeatedTargets(ctx.targets)).toBe(0);
  });
});
