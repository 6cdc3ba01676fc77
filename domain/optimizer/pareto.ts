/**
 * Pareto machinery for multi-objective search (all objectives minimised), with Deb's constrained
 * domination: a feasible point dominates any infeasible one, and of two infeasible points the smaller
 * total violation dominates.
 */
export interface Scored {
  readonly losses: readonly number[];
  readonly violation: number;
}

export const dominates = (a: Scored, b: Scored): boolean => {
  if (a.violation !== b.violation && (a.violation > 0 || b.violation > 0)) return a.violation < b.violation;
  let strictly = false;
  for (let i = 0; i < a.losses.length; i++) {
    if (a.losses[i]! > b.losses[i]!) return false;
    if (a.losses[i]! < b.losses[i]!) strictly = true;
  }
  return strictly;
};

/** Deb et al.'s fast non-dominated sort: fronts of indices, best first. O(M·N²). */
export const nonDominatedSort = (points: readonly Scored[]): number[][] => {
  const n = points.length;
  const dominatedBy = Array.from({ length: n }, () => [] as number[]);
  const count = new Array<number>(n).fill(0);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      if (p === q) continue;
      if (dominates(points[p]!, points[q]!)) dominatedBy[p]!.push(q);
      else if (dominates(points[q]!, points[p]!)) count[p]!++;
    }
    if (count[p] === 0) fronts[0]!.push(p);
  }
  for (let i = 0; fronts[i]!.length > 0; i++) {
    const next: number[] = [];
    for (const p of fronts[i]!) {
      for (const q of dominatedBy[p]!) {
        count[q]!--;
        if (count[q] === 0) next.push(q);
      }
    }
    fronts.push(next);
  }
  fronts.pop();
  return fronts;
};

/** Crowding distance of each member of one front (boundary points get Infinity). */
export const crowdingDistance = (
  points: readonly Scored[],
  front: readonly number[],
): Map<number, number> => {
  const out = new Map<number, number>(front.map((i) => [i, 0]));
  if (front.length === 0) return out;
  const m = points[front[0]!]!.losses.length;
  for (let k = 0; k < m; k++) {
    const sorted = [...front].sort((a, b) => points[a]!.losses[k]! - points[b]!.losses[k]! || a - b);
    const lo = points[sorted[0]!]!.losses[k]!;
    const hi = points[sorted[sorted.length - 1]!]!.losses[k]!;
    out.set(sorted[0]!, Number.POSITIVE_INFINITY);
    out.set(sorted[sorted.length - 1]!, Number.POSITIVE_INFINITY);
    if (!(hi > lo) || !Number.isFinite(hi - lo)) continue;
    for (let j = 1; j < sorted.length - 1; j++) {
      const gap = (points[sorted[j + 1]!]!.losses[k]! - points[sorted[j - 1]!]!.losses[k]!) / (hi - lo);
      out.set(sorted[j]!, out.get(sorted[j]!)! + gap);
    }
  }
  return out;
};

/** Hypervolume dominated by a 2-objective set, bounded by the reference point (larger is better). */
export const hypervolume2d = (
  points: readonly (readonly number[])[],
  reference: readonly [number, number],
): number => {
  const inside = points
    .filter((p) => p[0]! < reference[0] && p[1]! < reference[1])
    .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let volume = 0;
  let bestY = reference[1];
  for (const p of inside) {
    if (p[1]! < bestY) {
      volume += (reference[0] - p[0]!) * (bestY - p[1]!);
      bestY = p[1]!;
    }
  }
  return volume;
};
