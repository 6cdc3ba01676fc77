import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSearch } from './create-search.js';
import { GridSearch, gridAxis } from './grid-search.js';
import { param } from './param.js';
import { Rng } from './rng.js';
import { ParameterSpace } from './space.js';
import { boxSpace, minimise, rastrigin, rosenbrock, sphere } from './test-functions.js';

describe('GridSearch', () => {
  it('visits every grid point exactly once, in any order, then is exhausted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 2, max: 7 }), fc.constant(Number.POSITIVE_INFINITY)), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.integer(),
        (levels, resolution, shuffled, seed) => {
          const dims = levels.map((l) => ({ levels: l, categorical: false }));
          const g = new GridSearch(dims, Rng.seeded(seed), {
            resolution,
            order: shuffled ? 'shuffled' : 'lexicographic',
          });
          const seen = new Set<string>();
          while (!g.exhausted) for (const p of g.propose(5)) seen.add(p.join(','));
          return seen.size === g.size && g.propose(1).length === 0;
        },
      ),
      { numRuns: 100 },
    );
  });

  it('uses every level of a small discrete dimension and spreads over a large one, ends included', () => {
    expect(gridAxis({ levels: 3, categorical: true }, 5)).toEqual([1 / 6, 0.5, 5 / 6]);
    expect(gridAxis({ levels: 101, categorical: false }, 3).map((u) => Math.floor(u * 101))).toEqual([
      0, 50, 100,
    ]);
    expect(gridAxis({ levels: Number.POSITIVE_INFINITY, categorical: false }, 3)).toEqual([0, 0.5, 1]);
  });

  it('covers a strategy schema: 3 MAs × 4 periods = 12 trials', () => {
    const space = ParameterSpace.fromSchema(
      z.object({ ma: param.choice(['ema', 'sma', 'wma']), n: param.int({ min: 10, max: 40, step: 10 }) }),
    );
    const s = createSearch(space, { method: 'grid', options: { order: 'lexicographic' } }, 1);
    const trials = s.ask(100);
    expect(trials.map((t) => `${t.params.ma}${t.params.n}`)).toEqual([
      'ema10',
      'sma10',
      'wma10',
      'ema20',
      'sma20',
      'wma20',
      'ema30',
      'sma30',
      'wma30',
      'ema40',
      'sma40',
      'wma40',
    ]);
    expect(s.exhausted).toBe(true);
  });

  // Quality: a 10×10 grid on [−5, 5]² has no point at the optimum; its best is the 4 points (±5/9, ±5/9).
  it('sphere 2-D, 100 evaluations (10×10): best = 2·(5/9)² ≈ 0.617 exactly', () => {
    const curve = minimise(
      createSearch(boxSpace(2, -5, 5), { method: 'grid', options: { resolution: 10 } }, 1),
      sphere,
      2,
      1000,
    );
    expect(curve).toHaveLength(100);
    expect(curve[99]).toBeCloseTo(2 * (5 / 9) ** 2, 12);
  });

  // A grid's answer is the best of its points, whatever the order it walks them in: checked against brute force.
  it.each([
    ['Rosenbrock', rosenbrock, -2, 2, 12],
    ['Rastrigin', rastrigin, -5.12, 5.12, 12],
  ] as const)(
    '%s 2-D, 144 evaluations (12×12 shuffled): equals the brute-force minimum over the same points',
    (_, f, lo, hi, r) => {
      const axis = Array.from({ length: r }, (_, i) => lo + ((hi - lo) * i) / (r - 1));
      const brute = Math.min(...axis.flatMap((x) => axis.map((y) => f([x, y]))));
      const curve = minimise(
        createSearch(boxSpace(2, lo, hi), { method: 'grid', options: { resolution: r } }, 3),
        f,
        2,
        1000,
      );
      expect(curve).toHaveLength(r * r);
      expect(curve.at(-1)).toBeCloseTo(brute, 9);
    },
  );
});
