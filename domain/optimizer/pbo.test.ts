import { describe, expect, it } from 'vitest';
import { combinations, probabilityOfBacktestOverfitting } from './pbo.js';
import { Rng } from './rng.js';

describe('PBO by CSCV (Bailey, Borwein, López de Prado & Zhu)', () => {
  it('has C(S, S/2) splits', () => {
    expect(combinations(4, 2)).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [1, 3],
      [2, 3],
    ]);
    expect(combinations(16, 8)).toHaveLength(12870);
  });

  /*
   * Worked by hand, S = 4 blocks of one row, N = 4 trials, metric = total return (integers, so no float ties):
   *   rows  [5, 1, −2, 0] [−3, 2, 1, 4] [2, −1, 3, 1] [−1, 3, 0, −2]
   *   IS {0,1}: IS = [2, 3, −1, 4] → n* = 3; OOS = [1, 2, 3, −1] → rank 1   → ω̄ = 1/5 → λ = ln(0.25) = −1.386
   *   IS {0,2}: IS = [7, 0, 1, 1]  → n* = 0; OOS = [−4, 5, 1, 2] → rank 1   → λ = −1.386
   *   IS {0,3}: IS = [4, 4, −2, −2] → tie, n* = 0; OOS = [−1, 1, 4, 5] → rank 1 → λ = −1.386
   *   IS {1,2}: IS = [−1, 1, 4, 5] → n* = 3; OOS = [4, 4, −2, −2] → tied lowest, rank 1.5 → ω̄ = 0.3 → λ = −0.847
   *   IS {1,3}: IS = [−4, 5, 1, 2] → n* = 1; OOS = [7, 0, 1, 1] → rank 1   → λ = −1.386
   *   IS {2,3}: IS = [1, 2, 3, −1] → n* = 2; OOS = [2, 3, −1, 4] → rank 1   → λ = −1.386
   * Every in-sample winner is the out-of-sample laggard: PBO = 6/6 = 1; 5 of 6 winners lose money OOS.
   */
  it('reproduces the hand-worked anti-persistent example (PBO = 1)', () => {
    const m = [
      [5, 1, -2, 0],
      [-3, 2, 1, 4],
      [2, -1, 3, 1],
      [-1, 3, 0, -2],
    ];
    const r = probabilityOfBacktestOverfitting(m, { blocks: 4, metric: 'total' });
    expect(r.splits.map((s) => s.best)).toEqual([3, 0, 0, 3, 1, 2]);
    expect(r.splits.map((s) => s.relativeRank)).toEqual([0.2, 0.2, 0.2, 0.3, 0.2, 0.2]);
    expect(r.splits[3]!.logit).toBeCloseTo(Math.log(0.3 / 0.7), 12);
    expect(r.splits[0]!.logit).toBeCloseTo(Math.log(0.25), 12);
    expect(r.pbo).toBe(1);
    expect(r.probabilityOfLoss).toBeCloseTo(5 / 6, 12);
    expect(r.degradation.slope).toBeLessThan(0);
  });

  it('gives PBO = 0 when one trial has a persistent edge in every block', () => {
    const rng = Rng.seeded('pbo-edge');
    const m = Array.from({ length: 320 }, () =>
      Array.from({ length: 10 }, (_, j) => (j === 4 ? 0.01 : 0) + rng.normal() * 0.002),
    );
    const r = probabilityOfBacktestOverfitting(m, { blocks: 8 });
    expect(r.pbo).toBe(0);
    expect(r.splits.every((s) => s.best === 4)).toBe(true);
  });

  it('gives PBO near ½ when every trial is noise (S = 10, N = 20, T = 600)', () => {
    const rng = Rng.seeded('pbo-noise');
    const m = Array.from({ length: 600 }, () => Array.from({ length: 20 }, () => rng.normal()));
    const r = probabilityOfBacktestOverfitting(m, { blocks: 10 });
    expect(r.splits).toHaveLength(252);
    expect(r.pbo).toBeGreaterThan(0.3);
    expect(r.pbo).toBeLessThan(0.7);
  });

  it('keeps every row when S does not divide T and rejects bad shapes', () => {
    const m = Array.from({ length: 10 }, (_, t) => [t, -t]);
    expect(probabilityOfBacktestOverfitting(m, { blocks: 4, metric: 'total' }).splits).toHaveLength(6);
    expect(() => probabilityOfBacktestOverfitting(m, { blocks: 3 })).toThrow(/even/);
    expect(() => probabilityOfBacktestOverfitting([[1], [2]], { blocks: 2 })).toThrow(/2 trials/);
    expect(() => probabilityOfBacktestOverfitting([[1, 2], [3]], { blocks: 2, metric: 'mean' })).toThrow(
      /one value per trial/,
    );
  });
});
