import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { bollingerRsi, bollingerRsiParams } from './bollinger-rsi.js';
import {
  barsFromCloses,
  countEntries,
  nonFiniteFeatures,
  repeatedTargets,
  runStrategy,
} from './test-context.js';

const defaults = bollingerRsiParams.parse({});
const small = { ...defaults, bbPeriod: 10, rsiPeriod: 5, adxPeriod: 5, atrPeriod: 5, adxMax: 100 };
/** A quiet oscillation long enough to ready every indicator. */
const range = Array.from({ length: 30 }, (_, i) => 100 + Math.sin(i) * 0.5);

describe('bollinger-rsi', () => {
  it('fades a drop below the lower band with RSI oversold and leaves at the middle band', () => {
    const closes = [...range, 98, 96, 94, 97, 100, 101];
    const ctx = runStrategy(bollingerRsi, { ...small, stopAtr: 10 }, [
      barsFromCloses('X', closes, { wick: 0.1 }),
    ]);
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [1, 'fade-low'],
      [0, 'reverted'],
    ]);
    const f = ctx.targets[0]!.signal.features;
    expect(ctx.targets[0]!.close).toBeLessThan(f.bbLower as number);
    expect(f.rsi).toBeLessThan(small.oversold);
    expect(ctx.targets[0]!.protection).toMatchObject({ maxBars: small.maxBars });
  });

  it('fades a spike above the upper band with RSI overbought, short', () => {
    const closes = [...range, 102, 104, 106, 103, 100];
    const ctx = runStrategy(bollingerRsi, { ...small, stopAtr: 10 }, [
      barsFromCloses('X', closes, { wick: 0.1 }),
    ]);
    expect(ctx.targets.map((t) => [t.exposure, t.signal.features.reason])).toEqual([
      [-1, 'fade-high'],
      [0, 'reverted'],
    ]);
    expect(ctx.targets[0]!.signal.side).toBe('short');
  });

  it('leaves at the time stop when the reversion does not come', () => {
    const closes = [...range, 98, 96, 94, ...Array.from({ length: 10 }, () => 94)];
    const ctx = runStrategy(bollingerRsi, { ...small, maxBars: 4, stopAtr: 10 }, [
      barsFromCloses('X', closes, { wick: 0.1 }),
    ]);
    expect(ctx.targets.map((t) => t.signal.features.reason)).toEqual(['fade-low', 'time']);
    expect(ctx.targets[1]!.signal.features.barsHeld).toBe(4);
  });

  it('does not fade while ADX says the market trends', () => {
    const trend = Array.from({ length: 40 }, (_, i) => 100 - i * 2);
    const ctx = runStrategy(bollingerRsi, { ...small, adxMax: 20 }, [
      barsFromCloses('X', [...range, ...trend]),
    ]);
    expect(ctx.targets).toEqual([]);
  });

  it('refuses parameters outside their range or oversold above overbought', () => {
    expect(bollingerRsiParams.safeParse({ bbK: 5 }).success).toBe(false);
    expect(bollingerRsiParams.safeParse({ oversold: 50 }).success).toBe(false);
    expect(bollingerRsiParams.safeParse({ rsiPeriod: 1 }).success).toBe(false);
    expect(bollingerRsiParams.safeParse({ oversold: 20, overbought: 80 }).success).toBe(true);
  });

  it('trades a plausible number of times on real ETH and PEPE hourly bars', () => {
    const series = [sharedBars('ETHUSDT', '1h'), sharedBars('1000PEPEUSDT', '1h')];
    const ctx = runStrategy(bollingerRsi, defaults, series);
    for (const s of series) {
      const n = countEntries(ctx.targets.filter((t) => t.symbol === s.symbol));
      expect(n, s.symbol).toBeGreaterThan(20);
      expect(n, s.symbol).toBeLessThan(400);
    }
    expect(nonFiniteFeatures(ctx.targets)).toEqual([]);
    expect(repeatedTargets(ctx.targets)).toBe(0);
  });
});
