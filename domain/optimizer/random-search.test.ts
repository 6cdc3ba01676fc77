import { describe, expect, it } from 'vitest';
import { createSearch } from './create-search.js';
import { RandomSearch } from './random-search.js';
import { Rng } from './rng.js';
import { boxSpace, minimise, rastrigin, rosenbrock, sphere } from './test-functions.js';

describe('RandomSearch', () => {
  it('Latin hypercube batches put exactly one point in each of the n strata of every dimension', () => {
    const r = new RandomSearch(4, Rng.seeded(1), true);
    const pts = r.propose(25);
    for (let d = 0; d < 4; d++) {
      expect(new Set(pts.map((p) => Math.floor(p[d]! * 25))).size).toBe(25);
    }
  });

  // Reference level for the model-based methods: 200 uniform draws get within ~0.5 of the optimum in 2-D.
  it('sphere 2-D on [−5, 5]², 200 evaluations: best < 1 for every seed (measured 0.07–0.5)', () => {
    for (const seed of [1, 2, 3]) {
      const c = minimise(createSearch(boxSpace(2, -5, 5), { method: 'random' }, seed), sphere, 2, 200);
      expect(c[199]).toBeLessThan(1);
    }
  });

  it('Rosenbrock 2-D on [−2, 2]², 200 evaluations: < 0.5 every seed (measured 0.05–0.24)', () => {
    for (const seed of [1, 2, 3]) {
      expect(
        minimise(createSearch(boxSpace(2, -2, 2), { method: 'random' }, seed), rosenbrock, 2, 200)[199],
      ).toBeLessThan(0.5);
    }
  });

  it('Rastrigin 2-D, 200 evaluations: < 5 every seed (measured 2.8–3.4): random search rarely finds the global basin', () => {
    for (const seed of [1, 2, 3]) {
      expect(
        minimise(createSearch(boxSpace(2, -5.12, 5.12), { method: 'random' }, seed), rastrigin, 2, 200)[199],
      ).toBeLessThan(5);
    }
  });
});
