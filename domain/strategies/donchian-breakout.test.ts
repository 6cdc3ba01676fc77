import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { donchianBreakout, donchianBreakoutParams } from './donchian-breakout.js';
import {
  barsFromCloses,
  countEntries,
  nonFiniteFeatures,
  repeatedTargets,
  runStrategy,
} from './test-context.js';

const defaults = donchianBreakoutParams.parse({});
const small = { ...defaults, entryPeriod: 10, exitPeriod: 5, atrPeriod: 5, stopAtr: 10 };

describe('donchian-breakout', () => {
  it('enters on a close beyond the previous channel and leaves through the exit channel', () => {
    const range = Array.from({ length: 20 }, (_, i) => 100 + (i % 2));
    const up = [103, 104, 105, 106];
    const down = [104, 102, 100];
    const ctx = runStrategy(donchianBreakout, small, [
      barsFromCloses('X', [...range, ...up, ...down], { wick: 0.2 }),
    ]);
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [1, 'breakout-up'],
      [0, 'exit-channel'],
    ]);
    const entry = ctx.targets[0]!;
    expect(entry.close).toBe(103);
    expect(entry.signal.features.entryHigh).toBeCloseTo(101.2);
    expect(entry.protection?.stopPrice).toBeLessThan(103);
  });

  it('reverses straight from long to short on a downside breakout', () => {
    const range = Array.from({ length: 20 }, (_, i) => 100 + (i % 2));
    const ctx = runStrategy(donchianBreakout, { ...small, exitPeriod: 9 }, [
      barsFromCloses('X', [...range, 103, 90], { wick: 0.2 }),
    ]);
    expect(ctx.targets.map((t) => t.exposure)).toEqual([1, -1]);
  });

  it('refuses parameters outside their range or an exit channel not shorter than the entry', () => {
    expect(donchianBreakoutParams.safeParse({ entryPeriod: 4 }).success).toBe(false);
    expect(donchianBreakoutParams.safeParse({ entryPeriod: 20, exitPeriod: 20 }).success).toBe(false);
    expect(donchianBreakoutParams.safeParse({ entryPeriod: 20, exitPeriod: 10 }).success).toBe(true);
  });

  it('trades a plausible number of times on real LTC and SUI hourly bars', () => {
    const series = [sharedBars('LTCUSDT', '1h'), sharedBars('SUIUSDT', '1h')];
    const ctx = runStrategy(donchianBreakout, defaults, series);
    for (const s of series) {
      const n = countEntries(ctx.targets.filter((t) => t.symbol === s.symbol));
      expect(n, s.symbol).toBeGreaterThan(20);
      expect(n, s.symbol).toBeLessThan(300);
    }
    expect(nonFiniteFeatures(ctx.targets)).toEqual([]);
    expect(repeatedTargets(ctx.targets)).toBe(0);
  });
});
