import type { Rng } from './rng.js';
import type { DimensionShape, Observation, UnitSearch } from './search.js';
import { SearchError } from './search.js';

export interface GridOptions {
  /** Points per continuous dimension, and the most levels taken from a discrete one (default 5). */
  readonly resolution?: number;
  /**
   * `shuffled` (default) walks the grid in a seeded full-cycle order, so a budget smaller than the grid
   * still spreads over the whole space instead of sweeping the first dimension's lowest value.
   */
  readonly order?: 'lexicographic' | 'shuffled';
}

const MAX_GRID = 2 ** 40;

/** Unit coordinates a dimension contributes to the grid: every level's bin centre, or evenly spread. */
export const gridAxis = (dim: DimensionShape, resolution: number): number[] => {
  if (Number.isFinite(dim.levels) && dim.levels <= resolution) {
    return Array.from({ length: dim.levels }, (_, i) => (i + 0.5) / dim.levels);
  }
  if (Number.isFinite(dim.levels)) {
    // Spread over the levels, first and last included, by picking bin centres.
    return Array.from({ length: resolution }, (_, i) => {
      const level =
        resolution === 1 ? Math.floor(dim.levels / 2) : Math.round((i * (dim.levels - 1)) / (resolution - 1));
      return (level + 0.5) / dim.levels;
    });
  }
  return resolution === 1 ? [0.5] : Array.from({ length: resolution }, (_, i) => i / (resolution - 1));
};

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

export class GridSearch implements UnitSearch {
  readonly method = 'grid' as const;
  private readonly axes: number[][];
  readonly size: number;
  private next = 0;
  private readonly stride: bigint;
  private readonly offset: bigint;

  constructor(dims: readonly DimensionShape[], rng: Rng, options: GridOptions = {}) {
    const resolution = options.resolution ?? 5;
    if (!Number.isInteger(resolution) || resolution < 1)
      throw new SearchError(`grid resolution must be a positive integer, got ${resolution}`);
    this.axes = dims.map((d) => gridAxis(d, resolution));
    this.size = this.axes.reduce((n, a) => n * a.length, 1);
    if (this.size > MAX_GRID)
      throw new SearchError(`grid of ${this.size} points is too large; lower the resolution`);
    const total = BigInt(this.size);
    if ((options.order ?? 'shuffled') === 'lexicographic' || this.size < 3) {
      this.stride = 1n;
      this.offset = 0n;
    } else {
      // k ↦ (offset + k·stride) mod size visits every point once when gcd(stride, size) = 1; a stride near
      // size/φ scatters consecutive points across the grid. No permutation array, so memory stays flat.
      let stride =
        BigInt(Math.max(1, Math.round(this.size * 0.6180339887498949))) +
        BigInt(rng.int(Math.max(1, Math.min(this.size, 1024))));
      stride %= total;
      while (stride === 0n || gcd(stride, total) !== 1n) stride = (stride + 1n) % total;
      this.stride = stride;
      this.offset = BigInt(rng.int(Math.min(this.size, 2 ** 31)));
    }
  }

  get exhausted(): boolean {
    return this.next >= this.size;
  }

  propose(max: number): number[][] {
    const out: number[][] = [];
    while (out.length < max && this.next < this.size) {
      let index = Number((this.offset + BigInt(this.next) * this.stride) % BigInt(this.size));
      this.next++;
      const point: number[] = [];
      for (const axis of this.axes) {
        point.push(axis[index % axis.length]!);
        index = Math.floor(index / axis.length);
      }
      out.push(point);
    }
    return out;
  }

  observe(_observations: readonly Observation[]): void {}
}
