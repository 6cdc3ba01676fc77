import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  annualised,
  defaultGateConfig,
  type Evidence,
  gateChecks,
  kolmogorovQ,
  ksTwoSample,
} from './gates.js';

const sample = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 });

describe('the two-sample KS test', () => {
  it('gives the tabulated significance of Kolmogorov’s distribution', () => {
    // Critical values of the Kolmogorov distribution: Q(1.2238) = 0.10, Q(1.3581) = 0.05, Q(1.6276) = 0.01.
    expect(kolmogorovQ(1.2238)).toBeCloseTo(0.1, 3);
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.01, 3);
    expect(kolmogorovQ(0.1)).toBe(1);
    expect(kolmogorovQ(5)).toBeLessThan(1e-20);
  });

  it('is symmetric, lies in [0, 1], and depends only on the order of the values', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r = ksTwoSample(a, b);
        expect(r.d).toBeGreaterThanOrEqual(0);
        expect(r.d).toBeLessThanOrEqual(1);
        expect(r.p).toBeGreaterThanOrEqual(0);
        expect(r.p).toBeLessThanOrEqual(1);
        expect(ksTwoSample(b, a)).toEqual(r);
        // A map that keeps every comparison (doubling is exact in floating point) keeps the statistic.
        const m = (x: number) => x * 2;
        expect(ksTwoSample(a.map(m), b.map(m))).toEqual(r);
        expect(ksTwoSample([...a].reverse(), b).d).toBe(r.d);
      }),
    );
  });

  it('cannot tell a sample from itself, and tells apart two that do not overlap', () => {
    fc.assert(
      fc.property(sample, (a) => {
        expect(ksTwoSample(a, a)).toEqual({ d: 0, p: 1 });
      }),
    );
    const low = Array.from({ length: 50 }, (_, i) => i);
    const high = low.map((x) => x + 100);
    const r = ksTwoSample(low, high);
    expect(r.d).toBe(1);
    expect(r.p).toBeLessThan(1e-9);
  });

  it('worked example: D = 0.3 between two samples of 50 gives p ≈ 0.0172', () => {
    // 35 of the first sample lie below all of the second, and the second's top 15 above the first:
    // D = 35/50 − 20/50 = 0.3; λ = (5 + 0.12 + 0.11/5) · 0.3 = 1.5426; Q(λ) = 2 e^(−2λ²) − … ≈ 0.01715.
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = Array.from({ length: 50 }, (_, i) => i + 15);
    const r = ksTwoSample(a, b);
    expect(r.d).toBeCloseTo(0.3, 12);
    expect(r.p).toBeCloseTo(0.01715, 4);
  });

  it('has nothing to compare with an empty sample: the test fails', () => {
    expect(ksTwoSample([], [1, 2])).toEqual({ d: 1, p: 0 });
  });
});

const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  runId: 'run',
  days: 30,
  trades: 40,
  totalReturn: 0.05,
  maxDrawdown: 0.04,
  sharpe: 1.2,
  returns: Array.from({ length: 200 }, (_, i) => Math.sin(i) / 1000),
  slippageBps: 2,
  breakerTripped: false,
  ...over,
});

describe('the gates', () => {
  it('pass on evidence that meets every threshold and name each one that fails', () => {
    expect(gateChecks('shadow', evidence(), defaultGateConfig).every((c) => c.pass)).toBe(true);
    const failed = gateChecks(
      'shadow',
      evidence({ days: 3, sharpe: null, breakerTripped: true }),
      defaultGateConfig,
    )
      .filter((c) => !c.pass)
      .map((c) => c.name);
    expect(failed).toEqual(['days', 'sharpe', 'breaker']);
  });

  it('let a canary into prod only when its returns, scaled up to full size, cannot be told from the shadow’s', () => {
    const shadowReturns = evidence().returns;
    // The canary trades 10 % of the capital: its returns are a tenth of the strategy's.
    const real = evidence({ returns: shadowReturns.map((r) => r * defaultGateConfig.canaryShare) });
    const same = evidence({ runId: 'shadow', returns: [...Array(50).fill(0.01), ...shadowReturns] });
    expect(gateChecks('prod', real, defaultGateConfig, same).every((c) => c.pass)).toBe(true);
    const apart = evidence({ runId: 'shadow', returns: shadowReturns.map((r) => r + 0.002) });
    const ks = gateChecks('prod', real, defaultGateConfig, apart).find((c) => c.name === 'ks')!;
    expect(ks.pass).toBe(false);
    expect(ks.detail).toMatch(
      /KS test of the real \(÷ 0.1\) against the shadow returns: D 1, .* \(200 and 200 returns\)/,
    );
    // Unscaled, a canary's returns would look far too quiet next to the shadow's.
    const unscaled = gateChecks('prod', evidence(), defaultGateConfig, same).find((c) => c.name === 'ks')!;
    expect(unscaled.pass).toBe(false);
    expect(gateChecks('prod', real, defaultGateConfig).find((c) => c.name === 'ks')!.pass).toBe(false);
    expect(
      gateChecks('prod', { ...real, slippageBps: 25 }, defaultGateConfig, same).find(
        (c) => c.name === 'slippage',
      )!.pass,
    ).toBe(false);
  });

  it('annualise by compounding', () => {
    expect(annualised(0.1, 365)).toBeCloseTo(0.1, 12);
    expect(annualised(0.01, 36.5)).toBeCloseTo(1.01 ** 10 - 1, 12);
    expect(annualised(0.01, 0.5)).toBeNull();
  });
});
