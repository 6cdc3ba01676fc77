import { describe, expect, it } from 'vitest';
import { impactedPrice, impactFraction, lambdaFor } from './impact.js';
import { LatencyModel } from './latency.js';

const cfg = {
  submit: { baseMs: 5, jitterMs: 3 },
  ack: { baseMs: 2, jitterMs: 1 },
  cancel: { baseMs: 4, jitterMs: 0 },
};

describe('latency model', () => {
  it('re-draws the same delays from the same seed, whole ms above the floor', () => {
    const a = new LatencyModel(cfg, 'run-1');
    const b = new LatencyModel(cfg, 'run-1');
    const da = Array.from({ length: 50 }, () => a.submit());
    expect(Array.from({ length: 50 }, () => b.submit())).toEqual(da);
    expect(da.every((d) => Number.isInteger(d) && d >= 5)).toBe(true);
    expect(new Set(da).size).toBeGreaterThan(3);
    const c = new LatencyModel(cfg, 'run-2');
    expect(Array.from({ length: 50 }, () => c.submit())).not.toEqual(da);
    expect(a.cancel()).toBe(4);
  });

  it('keeps each kind on its own stream, so extra cancels do not shift submit delays', () => {
    const a = new LatencyModel(cfg, 7);
    const b = new LatencyModel(cfg, 7);
    const sa = [a.submit(), a.submit(), a.submit()];
    b.ack();
    b.cancel();
    b.ack();
    expect([b.submit(), b.submit(), b.submit()]).toEqual(sa);
  });
});

describe('λ·√notional impact', () => {
  it('moves the price against the taker by λ·√notional', () => {
    expect(impactFraction(1e-5, 10_000)).toBeCloseTo(1e-3, 15);
    expect(impactFraction(0, 10_000)).toBe(0);
    expect(impactedPrice(100, 100, true, 1e-5)).toBeCloseTo(100.1, 10);
    expect(impactedPrice(100, 100, false, 1e-5)).toBeCloseTo(99.9, 10);
    expect(lambdaFor({ BTCUSDT: 2e-6 }, 'BTCUSDT')).toBe(2e-6);
    expect(lambdaFor({ BTCUSDT: 2e-6 }, 'ETHUSDT', 1e-5)).toBe(1e-5);
  });
});
