import { describe, expect, it } from 'vitest';
import { crowdingDistance, dominates, hypervolume2d, nonDominatedSort } from './pareto.js';

const p = (losses: number[], violation = 0) => ({ losses, violation });

describe('Pareto machinery', () => {
  it('dominance is strict and feasibility comes first', () => {
    expect(dominates(p([1, 2]), p([2, 2]))).toBe(true);
    expect(dominates(p([1, 2]), p([1, 2]))).toBe(false);
    expect(dominates(p([1, 3]), p([2, 2]))).toBe(false);
    expect(dominates(p([9, 9]), p([0, 0], 0.1))).toBe(true);
    expect(dominates(p([9, 9], 0.1), p([0, 0], 0.2))).toBe(true);
  });

  it('sorts into fronts', () => {
    const pts = [p([1, 4]), p([2, 2]), p([4, 1]), p([3, 3]), p([5, 5]), p([2, 5])];
    expect(nonDominatedSort(pts)).toEqual([[0, 1, 2], [3, 5], [4]]);
  });

  it('gives boundary points infinite crowding and interior points the normalised gap sum', () => {
    const pts = [p([0, 4]), p([1, 2]), p([4, 0])];
    const cd = crowdingDistance(pts, [0, 1, 2]);
    expect(cd.get(0)).toBe(Number.POSITIVE_INFINITY);
    expect(cd.get(2)).toBe(Number.POSITIVE_INFINITY);
    expect(cd.get(1)).toBeCloseTo(4 / 4 + 4 / 4, 12);
  });

  it('computes 2-D hypervolume by hand-checkable rectangles', () => {
    // Staircase (1,3) (2,2) (3,1) to reference (4,4): 3·1 + 2·1 + 1·1 = 6
    expect(
      hypervolume2d(
        [
          [1, 3],
          [2, 2],
          [3, 1],
          [3.5, 3.5],
        ],
        [4, 4],
      ),
    ).toBe(6);
    expect(hypervolume2d([[5, 5]], [4, 4])).toBe(0);
  });
});
