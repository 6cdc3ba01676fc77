import type { Rng } from './rng.js';
import type { Observation, UnitSearch } from './search.js';

/**
 * Uniform random search. With `latin: true` each ask(n) batch is a Latin hypercube (one point in each of n
 * strata per dimension), which covers a small budget more evenly than independent draws.
 */
export class RandomSearch implements UnitSearch {
  readonly method = 'random' as const;
  readonly exhausted = false;

  constructor(
    private readonly dimension: number,
    private readonly rng: Rng,
    private readonly latin = false,
  ) {}

  propose(max: number): number[][] {
    if (!this.latin || max === 1) {
      return Array.from({ length: max }, () =>
        Array.from({ length: this.dimension }, () => this.rng.float()),
      );
    }
    const columns = Array.from({ length: this.dimension }, () =>
      this.rng.shuffle(Array.from({ length: max }, (_, i) => (i + this.rng.float()) / max)),
    );
    return Array.from({ length: max }, (_, i) => columns.map((c) => c[i]!));
  }

  observe(_observations: readonly Observation[]): void {}
}
