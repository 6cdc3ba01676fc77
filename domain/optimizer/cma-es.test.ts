import { describe, expect, it } from 'vitest';
import { CmaEs } from './cma-es.js';
import { createSearch } from './create-search.js';
import { Rng } from './rng.js';
import { boxSpace, minimise, rastrigin, rosenbrock, sphere } from './test-functions.js';

const run = (f: (x: number[]) => number, d: number, lo: number, hi: number, budget: number) =>
  [1, 2, 3].map(
    (seed) => minimise(createSearch(boxSpace(d, lo, hi), { method: 'cmaes' }, seed), f, d, budget).at(-1)!,
  );

describe('CMA-ES quality per budget (default λ, IPOP restarts, seeds 1–3)', () => {
  it('sphere 2-D, 200 evaluations: < 1e-5 (measured 3e-8 – 7e-7)', () => {
    for (const v of run(sphere, 2, -5, 5, 200)) expect(v).toBeLessThan(1e-5);
  });

  it('sphere 5-D, 1000 evaluations: < 1e-9 (measured 2e-12 – 4e-11)', () => {
    for (const v of run(sphere, 5, -5, 5, 1000)) expect(v).toBeLessThan(1e-9);
  });

  it('Rosenbrock 2-D, 1000 evaluations: < 1e-10 (measured 1e-15 – 2e-14)', () => {
    for (const v of run(rosenbrock, 2, -2, 2, 1000)) expect(v).toBeLessThan(1e-10);
  });

  it('Rosenbrock 5-D, 3000 evaluations: < 1e-10 (measured 3e-14 – 2e-13)', () => {
    for (const v of run(rosenbrock, 5, -2, 2, 3000)) expect(v).toBeLessThan(1e-10);
  });

  it('Rastrigin 2-D, 1000 evaluations: < 1.5, i.e. the global basin or its nearest neighbour (measured 0, 1.0, 1.1)', () => {
    const v = run(rastrigin, 2, -5.12, 5.12, 1000);
    for (const x of v) expect(x).toBeLessThan(1.5);
    expect(Math.min(...v)).toBeLessThan(1e-8);
  });

  it('Rastrigin 5-D, 3000 evaluations: < 4, three or fewer coordinates one basin off (measured 3.0)', () => {
    for (const v of run(rastrigin, 5, -5.12, 5.12, 3000)) expect(v).toBeLessThan(4);
  });
});

describe('CMA-ES mechanics', () => {
  it('keeps every sample inside the unit cube', () => {
    const c = new CmaEs(3, Rng.seeded(1), { sigma0: 1, x0: [0, 1, 0] });
    for (let g = 0; g < 20; g++) {
      const pts = c.propose(100);
      for (const p of pts) for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
      c.observe(
        pts.map((unit, i) => ({ id: g * pts.length + i, unit, losses: [unit[0]! + unit[1]!], violation: 0 })),
      );
    }
  });

  it('restarts with a doubled population when the fitness goes flat', () => {
    const c = new CmaEs(2, Rng.seeded(2), { populationSize: 6 });
    let id = 0;
    for (let g = 0; g < 5 && c.restarts === 0; g++) {
      const pts = c.propose(100);
      c.observe(pts.map((unit) => ({ id: id++, unit, losses: [42], violation: 0 })));
    }
    expect(c.restarts).toBe(1);
    expect(c.populationSize).toBe(12);
  });

  it('rejects results from another generation', () => {
    const c = new CmaEs(2, Rng.seeded(3));
    c.propose(1);
    expect(() => c.observe([{ id: 1000, unit: [0.5, 0.5], losses: [1], violation: 0 }])).toThrow(
      /current generation/,
    );
  });
});
