import { describe, expect, it } from 'vitest';
import { createSearch } from './create-search.js';
import { polynomialMutation, sbx } from './nsga2.js';
import { hypervolume2d } from './pareto.js';
import { boxSpace, minimise, rastrigin, rosenbrock, sphere, vectorOf, zdt1 } from './test-functions.js';

const single = (f: (x: number[]) => number, lo: number, hi: number) =>
  [1, 2, 3].map(
    (seed) =>
      minimise(
        createSearch(
          boxSpace(2, lo, hi),
          { method: 'nsga2', objectives: 1, options: { populationSize: 20 } },
          seed,
        ),
        f,
        2,
        1000,
      ).at(-1)!,
  );

describe('NSGA-II', () => {
  // The true ZDT1 front f2 = 1 − √f1 dominates ∫₀¹(0.1 + √f1) df1 + 0.1·1.1 = 0.7667 + 0.11 = 0.8767 of the box to (1.1, 1.1).
  it('ZDT1 5-D, population 40, 2000 evaluations: hypervolume ≥ 0.75 of the ideal 0.877 (measured 0.77–0.82)', () => {
    for (const seed of [1, 2, 3]) {
      const s = createSearch(
        boxSpace(5, 0, 1),
        { method: 'nsga2', objectives: 2, options: { populationSize: 40 } },
        seed,
      );
      const points: number[][] = [];
      while (s.told < 2000) {
        const trials = s.ask(40);
        s.tell(
          trials.map((t) => {
            const f = zdt1(vectorOf(t.params, 5));
            points.push(f);
            return { id: t.id, losses: f };
          }),
        );
      }
      expect(hypervolume2d(points, [1.1, 1.1])).toBeGreaterThan(0.75);
    }
  });

  it('single objective, 2-D, population 20, 1000 evaluations: sphere < 1e-3, Rastrigin < 0.1, Rosenbrock < 0.2', () => {
    for (const v of single(sphere, -5, 5)) expect(v).toBeLessThan(1e-3);
    for (const v of single(rastrigin, -5.12, 5.12)) expect(v).toBeLessThan(0.1);
    for (const v of single(rosenbrock, -2, 2)) expect(v).toBeLessThan(0.2);
  });

  it('prefers feasible trials: with return vs drawdown and a drawdown cap, the front respects the cap', () => {
    const s = createSearch(
      boxSpace(2, 0, 1),
      { method: 'nsga2', objectives: 2, options: { populationSize: 20 } },
      'cap',
    );
    let lastFeasible = 0;
    for (let g = 0; g < 15; g++) {
      const trials = s.ask(20);
      s.tell(
        trials.map((t) => {
          const [x, y] = vectorOf(t.params, 2) as [number, number];
          const ret = x + 0.2 * y;
          const dd = 0.5 * x + 0.1 * (1 - y);
          return { id: t.id, losses: [-ret, dd], violation: Math.max(0, dd - 0.3) };
        }),
      );
      lastFeasible = s
        .history()
        .slice(-20)
        .filter((h) => h.violation === 0).length;
    }
    expect(lastFeasible).toBeGreaterThan(15);
  });

  it('SBX and polynomial mutation stay in [0, 1]', () => {
    for (let i = 0; i <= 100; i++) {
      const u = i / 100;
      const [a, b] = sbx(0.01, 0.99, 15, u);
      expect(a >= 0 && a <= 1 && b >= 0 && b <= 1).toBe(true);
      const m = polynomialMutation(u, 20, 1 - u);
      expect(m >= 0 && m <= 1).toBe(true);
    }
  });
});
