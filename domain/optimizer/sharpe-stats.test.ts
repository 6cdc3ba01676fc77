import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { moments } from './moments.js';
import { Rng } from './rng.js';
import {
  deflatedSharpe,
  deflatedSharpeFromTrials,
  effectiveTrials,
  expectedMaxSharpe,
  minTrackRecordLength,
  probabilisticSharpe,
  sharpeSample,
} from './sharpe-stats.js';

describe('Deflated Sharpe Ratio: the worked example of Bailey & López de Prado (2014), §4', () => {
  // Annualised SR 2.5 over 5 years of daily returns (T = 1250, 250 days a year), skew −3, kurtosis 10,
  // chosen as the best of N = 100 trials whose annualised Sharpe ratios have variance 1/2. The paper gets
  // E[max SR] ≈ 0.1132 per day and DSR ≈ 0.9004.
  const perYear = 250;
  const sample = { sharpe: 2.5 / Math.sqrt(perYear), observations: 1250, skewness: -3, kurtosis: 10 };
  const dailyVariance = 0.5 / perYear;

  it('E[max SR] over 100 trials ≈ 0.1132 (daily)', () => {
    expect(expectedMaxSharpe(100, dailyVariance)).toBeCloseTo(0.1132, 4);
  });

  it('DSR ≈ 0.9004', () => {
    const d = deflatedSharpe(sample, 100, dailyVariance);
    expect(d.dsr).toBeCloseTo(0.9004, 4);
    expect(d.benchmark).toBeCloseTo(0.1132, 4);
  });

  it('matches the formula written out term by term', () => {
    const sr0 = expectedMaxSharpe(100, dailyVariance);
    const z =
      ((sample.sharpe - sr0) * Math.sqrt(1250 - 1)) /
      Math.sqrt(1 - -3 * sample.sharpe + ((10 - 1) / 4) * sample.sharpe ** 2);
    expect(z).toBeCloseTo(1.2836, 3);
    expect(probabilisticSharpe(sample, sr0)).toBeCloseTo(0.9004, 4);
  });

  it('is lower with fat negative tails than with normal returns, and falls as trials grow', () => {
    const normalShape = { ...sample, skewness: 0, kurtosis: 3 };
    expect(deflatedSharpe(normalShape, 100, dailyVariance).dsr).toBeGreaterThan(
      deflatedSharpe(sample, 100, dailyVariance).dsr,
    );
    const dsrs = [1, 10, 100, 1000, 10000].map((n) => deflatedSharpe(sample, n, dailyVariance).dsr);
    for (let i = 1; i < dsrs.length; i++) expect(dsrs[i]!).toBeLessThan(dsrs[i - 1]!);
  });

  it('is meaningless on annualised Sharpe ratios: the same inputs annualised give DSR ≈ 1', () => {
    expect(deflatedSharpe({ ...sample, sharpe: 2.5 }, 100, 0.5).dsr).toBeGreaterThan(0.9999);
  });
});

describe('expectedMaxSharpe', () => {
  it('tracks the Monte Carlo maximum of N standard normals (within 4% for N = 10, 100, 1000)', () => {
    const rng = Rng.seeded('emax');
    for (const n of [10, 100, 1000]) {
      const reps = 400;
      let s = 0;
      for (let r = 0; r < reps; r++) {
        let m = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < n; i++) m = Math.max(m, rng.normal());
        s += m;
      }
      const mc = s / reps;
      expect(Math.abs(expectedMaxSharpe(n, 1) - mc) / mc).toBeLessThan(0.04);
    }
  });

  it('scales with √V and is 0 for one trial', () => {
    expect(expectedMaxSharpe(50, 4)).toBeCloseTo(2 * expectedMaxSharpe(50, 1), 12);
    expect(expectedMaxSharpe(1, 1)).toBe(0);
    expect(() => expectedMaxSharpe(0, 1)).toThrow(RangeError);
  });
});

describe('Probabilistic Sharpe Ratio', () => {
  it('is ½ at the benchmark and Φ(SR·√(T−1)) for normal returns against 0', () => {
    const s = { sharpe: 0.1, observations: 101, skewness: 0, kurtosis: 3 };
    expect(probabilisticSharpe(s, 0.1)).toBe(0.5);
    // √(1 + 0.5·0.01) = 1.0024969; z = 0.1·10/1.0024969 = 0.99751
    expect(probabilisticSharpe(s, 0)).toBeCloseTo(0.84073, 4);
  });

  it('reaches the confidence level exactly at the minimum track record length', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.02, max: 0.4, noNaN: true }),
        fc.double({ min: -1, max: 0.5, noNaN: true }),
        fc.double({ min: 3, max: 8, noNaN: true }),
        (sharpe, skewness, kurtosis) => {
          const t = minTrackRecordLength({ sharpe, skewness, kurtosis }, 0, 0.95);
          return (
            Math.abs(probabilisticSharpe({ sharpe, skewness, kurtosis, observations: t }, 0) - 0.95) < 1e-9
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('computes moments the papers use (population skew, non-excess kurtosis)', () => {
    const m = moments([1, 2, 3, 4, 10]);
    expect(m.mean).toBe(4);
    expect(m.std).toBeCloseTo(Math.sqrt(12.5), 12);
    // deviations −3 −2 −1 0 6: m2 = 50/5 = 10, m3 = 180/5 = 36, m4 = 1394/5 = 278.8
    expect(m.skewness).toBeCloseTo(36 / 10 ** 1.5, 12);
    expect(m.kurtosis).toBeCloseTo(2.788, 12);
  });
});

describe('deflatedSharpeFromTrials', () => {
  it('is calibrated under the null: the best of 50 noise trials passes DSR ≥ 0.95 rarely, PSR(0) often', () => {
    const rng = Rng.seeded('dsr-null');
    let dsrPass = 0;
    let psrPass = 0;
    const reps = 40;
    for (let rep = 0; rep < reps; rep++) {
      const trials = Array.from({ length: 50 }, () => Array.from({ length: 250 }, () => rng.normal() * 0.01));
      const sharpes = trials.map((r) => sharpeSample(r).sharpe);
      const best = trials[sharpes.indexOf(Math.max(...sharpes))]!;
      if (deflatedSharpeFromTrials(best, sharpes).dsr >= 0.95) dsrPass++;
      if (probabilisticSharpe(sharpeSample(best), 0) >= 0.95) psrPass++;
    }
    expect(dsrPass / reps).toBeLessThanOrEqual(0.15);
    expect(psrPass / reps).toBeGreaterThan(0.7);
  });

  it('keeps a real edge above 0.95 against the same trials', () => {
    const rng = Rng.seeded('dsr-edge');
    const sharpes = Array.from(
      { length: 50 },
      () => sharpeSample(Array.from({ length: 250 }, () => rng.normal())).sharpe,
    );
    // True per-period SR 0.5: about 8 annualised on daily bars, far above anything 50 noise trials reach.
    const edge = Array.from({ length: 500 }, () => 0.005 + rng.normal() * 0.01);
    expect(deflatedSharpeFromTrials(edge, [...sharpes, sharpeSample(edge).sharpe]).dsr).toBeGreaterThan(0.95);
  });

  it('effective trials collapse to 1 for perfectly correlated trials', () => {
    expect(effectiveTrials(100, 1)).toBe(1);
    expect(effectiveTrials(100, 0)).toBe(100);
    expect(effectiveTrials(100, 0.5)).toBe(50.5);
  });
});
