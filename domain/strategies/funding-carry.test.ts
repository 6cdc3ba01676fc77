import { describe, expect, it } from 'vitest';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import type { FundingSeries } from '../market/funding.js';
import { fundingCarry, fundingCarryParams } from './funding-carry.js';
import {
  barsFromCloses,
  countEntries,
  nonFiniteFeatures,
  repeatedTargets,
  runStrategy,
} from './test-context.js';

const defaults = fundingCarryParams.parse({});
const small = { ...defaults, atrPeriod: 5 };
const HOUR = 3_600_000;
const start = Date.UTC(2023, 0, 1);
const flat = (n: number) => Array.from({ length: n }, (_, i) => 100 + (i % 2) * 0.2);

const fundingAt = (points: readonly [hour: number, rate: number][]): FundingSeries => ({
  symbol: 'X',
  // A few ms after the hour, as Binance publishes.
  time: Float64Array.from(points, ([h]) => start + h * HOUR + 5),
  rate: Float64Array.from(points, ([, r]) => r),
});

describe('funding-carry', () => {
  it('shorts crowded longs, goes flat when funding normalises and long when shorts pay', () => {
    const funding = fundingAt([
      [0, 0.0001],
      [8, 0.0006],
      [16, 0.0001],
      [24, -0.0004],
    ]);
    const ctx = runStrategy(fundingCarry, small, [barsFromCloses('X', flat(32), { wick: 0.1 })], {
      funding: [funding],
    });
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [-1, 'longs-pay'],
      [0, 'funding-normal'],
      [1, 'shorts-pay'],
    ]);
    // Acted on the first bar closing after each settlement, not before it.
    expect(ctx.targets.map((t) => (t.time - start) / HOUR)).toEqual([9, 17, 25]);
    const f = ctx.targets[0]!.signal.features;
    expect(f.fundingRate).toBe(0.0006);
    expect(f.fundingAnnualised).toBeCloseTo(0.0006 * 1095);
    expect(ctx.targets[0]!.signal.strength).toBe(-1);
  });

  it('holds through a rate between the bands (hysteresis)', () => {
    const funding = fundingAt([
      [0, 0.0004],
      [8, 0.00017],
      [16, 0.00012],
    ]);
    const ctx = runStrategy(fundingCarry, small, [barsFromCloses('X', flat(24), { wick: 0.1 })], {
      funding: [funding],
    });
    expect(ctx.targets.map((t) => [t.exposure, (t.time - start) / HOUR])).toEqual([
      [-1, 6],
      [0, 17],
    ]);
  });

  it('after a stop, stays out while funding on that side is still extreme', () => {
    const funding = fundingAt([
      [0, 0.0008],
      [8, 0.0008],
      [16, 0.0001],
      [24, 0.0008],
    ]);
    const closes = [...flat(10), 101, 103, 106, 110, 115, ...flat(15).map((c) => c + 15)];
    const ctx = runStrategy(
      fundingCarry,
      { ...small, stopAtr: 2 },
      [barsFromCloses('X', closes, { wick: 0.1 })],
      {
        funding: [funding],
      },
    );
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [-1, 'longs-pay'],
      [0, 'stop'],
      [-1, 'longs-pay'],
    ]);
    expect((ctx.targets[2]!.time - start) / HOUR).toBe(25);
  });

  it('refuses parameters outside their range or an exit band wider than the entry band', () => {
    expect(fundingCarryParams.safeParse({ entryBand: 0.01 }).success).toBe(false);
    expect(fundingCarryParams.safeParse({ entryBand: 0.0001, exitBand: 0.0002 }).success).toBe(false);
    expect(fundingCarryParams.safeParse({ entryBand: 0.0003, exitBand: 0.0001 }).success).toBe(true);
  });

  it('declares the funding feed and trades a plausible number of times on real data', () => {
    expect(fundingCarry.feeds?.funding).toBe(true);
    const symbols = ['BTCUSDT', 'SUIUSDT', '1000PEPEUSDT'];
    const ctx = runStrategy(
      fundingCarry,
      defaults,
      symbols.map((s) => sharedBars(s, '1h')),
      { funding: symbols.map(sharedFunding) },
    );
    for (const s of symbols) {
      const n = countEntries(ctx.targets.filter((t) => t.symbol === s));
      expect(n, s).toBeGreaterThan(10);
      expect(n, s).toBeLessThan(300);
    }
    expect(nonFiniteFeatures(ctx.targets)).toEqual([]);
    expect(repeatedTargets(ctx.targets)).toBe(0);
  });
});
