import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { emaCross, emaCrossParams } from './ema-cross.js';
import {
  barsFromCloses,
  countEntries,
  nonFiniteFeatures,
  repeatedTargets,
  runStrategy,
} from './test-context.js';

const defaults = emaCrossParams.parse({});

describe('ema-cross', () => {
  it('goes long on an upward cross and short on a downward one, once each', () => {
    const closes = [
      ...Array.from({ length: 30 }, () => 100),
      ...Array.from({ length: 30 }, (_, i) => 100 + i),
      ...Array.from({ length: 40 }, (_, i) => 129 - 2 * i),
    ];
    const params = { ...defaults, fast: 3, slow: 10, atrPeriod: 5, stopAtr: 100 };
    const ctx = runStrategy(emaCross, params, [barsFromCloses('X', closes)]);
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [1, 'cross-up'],
      [-1, 'cross-down'],
    ]);
    const entry = ctx.targets[0]!;
    expect(entry.signal.side).toBe('long');
    expect(entry.protection?.stopPrice).toBeLessThan(entry.close);
    expect(entry.signal.features.fastEma).toBeGreaterThan(entry.signal.features.slowEma as number);
  });

  it('the ATR stop takes it flat and it stays flat until the next cross', () => {
    // Up trend, then a sharp drop that hits a tight stop before the EMAs cross back.
    const closes = [
      ...Array.from({ length: 30 }, () => 100),
      ...Array.from({ length: 20 }, (_, i) => 100 + i),
      110,
      111,
    ];
    const params = { ...defaults, fast: 3, slow: 20, atrPeriod: 5, stopAtr: 1, trailing: true };
    const ctx = runStrategy(emaCross, params, [barsFromCloses('X', closes, { wick: 0.1 })]);
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [1, 'cross-up'],
      [0, 'stop'],
    ]);
    expect(ctx.targets[1]!.signal.features.stopPrice).toBeGreaterThan(110);
  });

  it('long only: a downward cross goes flat', () => {
    const closes = [
      ...Array.from({ length: 30 }, (_, i) => 100 + i),
      ...Array.from({ length: 30 }, (_, i) => 129 - i),
    ];
    const ctx = runStrategy(
      emaCross,
      { ...defaults, fast: 3, slow: 10, atrPeriod: 3, allowShort: false, stopAtr: 10 },
      [barsFromCloses('X', [110, 108, 106, 104, 102, 100, 98, ...closes])],
    );
    expect(ctx.targets.map((t) => t.exposure)).toEqual([1, 0]);
    expect(ctx.targets[1]!.signal.features.stopPrice).not.toBeNaN();
  });

  it('refuses parameters outside their range or with fast >= slow', () => {
    expect(emaCrossParams.safeParse({ fast: 1 }).success).toBe(false);
    expect(emaCrossParams.safeParse({ stopAtr: 3.1 }).success).toBe(false);
    expect(emaCrossParams.safeParse({ fast: 50, slow: 40 }).success).toBe(false);
    expect(emaCrossParams.safeParse({ fast: 20, slow: 100 }).success).toBe(true);
  });

  it('trades a plausible number of times on real BTC and ETH hourly bars of 2023', () => {
    const series = [sharedBars('BTCUSDT', '1h'), sharedBars('ETHUSDT', '1h')];
    const ctx = runStrategy(emaCross, defaults, series);
    for (const s of series) {
      const n = countEntries(ctx.targets.filter((t) => t.symbol === s.symbol));
      expect(n, s.symbol).toBeGreaterThan(40);
      expect(n, s.symbol).toBeLessThan(400);
    }
    expect(nonFiniteFeatures(ctx.targets)).toEqual([]);
    expect(repeatedTargets(ctx.targets)).toBe(0);
  });
});
