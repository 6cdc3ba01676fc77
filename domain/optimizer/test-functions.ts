import { z } from 'zod';
import { param } from './param.js';
import type { Search } from './search.js';
import { ParameterSpace, type Params } from './space.js';

/**
 * Standard optimisation test functions (global minimum 0) and the loop that runs a search on one. Used
 * by the method tests and by docs/optimizer.md's quality-per-budget table; kept outside *.test.ts so a
 * benchmark script can reuse them.
 */

export const sphere = (x: readonly number[]): number => x.reduce((s, v) => s + v * v, 0);

/** Minimum at (1, …, 1); a curved valley that punishes axis-aligned search. */
export const rosenbrock = (x: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return s;
};

/** 10ⁿ local minima on a parabola; the global one at the origin. */
export const rastrigin = (x: readonly number[]): number =>
  10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);

/** ZDT1 (Zitzler, Deb & Thiele 2000): two objectives on [0, 1]^n, convex front f2 = 1 − √f1 at g = 1. */
export const zdt1 = (x: readonly number[]): [number, number] => {
  const f1 = x[0]!;
  const g = 1 + (9 * x.slice(1).reduce((s, v) => s + v, 0)) / (x.length - 1);
  return [f1, g * (1 - Math.sqrt(f1 / g))];
};

/** A continuous box [lo, hi]^d as a strategy-style zod schema, so tests exercise the whole space path. */
export const boxSpace = (d: number, lo: number, hi: number): ParameterSpace<Params> =>
  ParameterSpace.fromSchema(
    z.object(
      Object.fromEntries(Array.from({ length: d }, (_, i) => [`x${i}`, param.number({ min: lo, max: hi })])),
    ),
  ) as ParameterSpace<Params>;

export const vectorOf = (p: Params, d: number): number[] =>
  Array.from({ length: d }, (_, i) => p[`x${i}`] as number);

/** Runs ask/tell batches until the budget is spent; returns the best loss after each evaluation. */
export const minimise = (
  search: Search<Params>,
  f: (x: number[]) => number,
  d: number,
  budget: number,
  batch = 8,
): number[] => {
  const curve: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  while (curve.length < budget && !search.exhausted) {
    const trials = search.ask(Math.min(batch, budget - curve.length));
    if (trials.length === 0) break;
    const results = trials.map((t) => {
      const loss = f(vectorOf(t.params, d));
      best = Math.min(best, loss);
      curve.push(best);
      return { id: t.id, loss };
    });
    search.tell(results);
  }
  return curve;
};
