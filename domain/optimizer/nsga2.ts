import { crowdingDistance, nonDominatedSort } from './pareto.js';
import type { Rng } from './rng.js';
import { type DimensionShape, type Observation, SearchError, type UnitSearch } from './search.js';

/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan, IEEE TEC 2002) for multi-objective search — e.g. return
 * against drawdown — with constrained domination, binary tournaments on (front, crowding), simulated
 * binary crossover and polynomial mutation in the unit cube. Categorical dimensions are recombined by
 * uniform crossover and mutated by resampling: SBX between "ema" and "wma" would invent an order.
 *
 * Generation-based: ask() hands out the current generation (the random initial population first) and
 * returns nothing more until every member has been told.
 */

export interface Nsga2Options {
  /** Population size, even (default 40). */
  readonly populationSize?: number;
  readonly crossoverProbability?: number;
  /** Per-dimension mutation probability (default 1/d). */
  readonly mutationProbability?: number;
  readonly crossoverEta?: number;
  readonly mutationEta?: number;
}

interface Member {
  readonly unit: readonly number[];
  readonly losses: readonly number[];
  readonly violation: number;
}

export class Nsga2 implements UnitSearch {
  readonly method = 'nsga2' as const;
  readonly exhausted = false;
  private readonly size: number;
  private readonly pc: number;
  private readonly pm: number;
  private readonly etaC: number;
  private readonly etaM: number;
  private population: Member[] = [];
  private rank = new Map<number, number>();
  private crowding = new Map<number, number>();
  private batch:
    | { firstId: number; points: number[][]; proposed: number; results: Map<number, Observation> }
    | undefined;
  private nextId = 0;

  constructor(
    private readonly dims: readonly DimensionShape[],
    private readonly rng: Rng,
    options: Nsga2Options = {},
  ) {
    this.size = options.populationSize ?? 40;
    if (!Number.isInteger(this.size) || this.size < 4 || this.size % 2 !== 0) {
      throw new SearchError(`NSGA-II population must be an even integer ≥ 4, got ${this.size}`);
    }
    this.pc = options.crossoverProbability ?? 0.9;
    this.pm = options.mutationProbability ?? 1 / dims.length;
    this.etaC = options.crossoverEta ?? 15;
    this.etaM = options.mutationEta ?? 20;
  }

  /** The current parent population's first front (unit points and losses). */
  front(): readonly Member[] {
    return this.population.filter((_, i) => this.rank.get(i) === 0);
  }

  propose(max: number): number[][] {
    if (!this.batch) {
      const points =
        this.population.length === 0
          ? Array.from({ length: this.size }, () => this.dims.map(() => this.rng.float()))
          : this.offspring();
      this.batch = { firstId: this.nextId, points, proposed: 0, results: new Map() };
      this.nextId += points.length;
    }
    const b = this.batch;
    const take = Math.min(max, b.points.length - b.proposed);
    const out = b.points.slice(b.proposed, b.proposed + take);
    b.proposed += take;
    return out;
  }

  observe(observations: readonly Observation[]): void {
    const b = this.batch;
    for (const o of observations) {
      if (!b || o.id < b.firstId || o.id >= b.firstId + b.points.length) {
        throw new SearchError(`NSGA-II: result ${o.id} is not from the current generation`);
      }
      b.results.set(o.id, o);
    }
    if (b && b.results.size === b.points.length) {
      this.batch = undefined;
      const children = [...b.results.values()]
        .sort((x, y) => x.id - y.id)
        .map((o) => ({ unit: o.unit, losses: o.losses, violation: o.violation }));
      this.survive([...this.population, ...children]);
    }
  }

  private survive(pool: Member[]): void {
    const fronts = nonDominatedSort(pool);
    const next: Member[] = [];
    for (const front of fronts) {
      if (next.length + front.length <= this.size) {
        for (const i of front) next.push(pool[i]!);
      } else {
        const cd = crowdingDistance(pool, front);
        const sorted = [...front].sort((a, b) => cd.get(b)! - cd.get(a)! || a - b);
        for (const i of sorted.slice(0, this.size - next.length)) next.push(pool[i]!);
      }
      if (next.length === this.size) break;
    }
    this.population = next;
    this.rank = new Map();
    this.crowding = new Map();
    nonDominatedSort(next).forEach((front, r) => {
      const cd = crowdingDistance(next, front);
      for (const i of front) {
        this.rank.set(i, r);
        this.crowding.set(i, cd.get(i)!);
      }
    });
  }

  private tournament(): Member {
    const a = this.rng.int(this.population.length);
    const b = this.rng.int(this.population.length);
    const ra = this.rank.get(a)!;
    const rb = this.rank.get(b)!;
    if (ra !== rb) return this.population[ra < rb ? a : b]!;
    return this.population[this.crowding.get(a)! >= this.crowding.get(b)! ? a : b]!;
  }

  private offspring(): number[][] {
    const out: number[][] = [];
    while (out.length < this.size) {
      const [c1, c2] = this.crossover(this.tournament().unit, this.tournament().unit);
      out.push(this.mutate(c1), this.mutate(c2));
    }
    return out;
  }

  private crossover(p1: readonly number[], p2: readonly number[]): [number[], number[]] {
    const c1 = [...p1];
    const c2 = [...p2];
    if (this.rng.float() > this.pc) return [c1, c2];
    this.dims.forEach((dim, i) => {
      if (this.rng.float() > 0.5) return;
      if (dim.categorical) {
        c1[i] = p2[i]!;
        c2[i] = p1[i]!;
        return;
      }
      const [a, b] = sbx(p1[i]!, p2[i]!, this.etaC, this.rng.float());
      c1[i] = a;
      c2[i] = b;
    });
    return [c1, c2];
  }

  private mutate(x: number[]): number[] {
    return x.map((v, i) => {
      if (this.rng.float() >= this.pm) return v;
      if (this.dims[i]!.categorical) return this.rng.float();
      return polynomialMutation(v, this.etaM, this.rng.float());
    });
  }
}

/** Bounded SBX on [0, 1] (Deb & Agrawal 1995, the bounded form used in NSGA-II's reference code). */
export const sbx = (x1: number, x2: number, eta: number, u: number): [number, number] => {
  if (Math.abs(x1 - x2) < 1e-14) return [x1, x2];
  const y1 = Math.min(x1, x2);
  const y2 = Math.max(x1, x2);
  const child = (beta: number): number => {
    const alpha = 2 - beta ** -(eta + 1);
    const bq = u <= 1 / alpha ? (u * alpha) ** (1 / (eta + 1)) : (1 / (2 - u * alpha)) ** (1 / (eta + 1));
    return bq;
  };
  const bq1 = child(1 + (2 * y1) / (y2 - y1));
  const bq2 = child(1 + (2 * (1 - y2)) / (y2 - y1));
  const c1 = Math.min(1, Math.max(0, 0.5 * (y1 + y2 - bq1 * (y2 - y1))));
  const c2 = Math.min(1, Math.max(0, 0.5 * (y1 + y2 + bq2 * (y2 - y1))));
  return x1 <= x2 ? [c1, c2] : [c2, c1];
};

/** Deb's bounded polynomial mutation on [0, 1]. */
export const polynomialMutation = (x: number, eta: number, u: number): number => {
  const d1 = x;
  const d2 = 1 - x;
  const p = 1 / (eta + 1);
  let dq: number;
  if (u < 0.5) {
    const v = 2 * u + (1 - 2 * u) * (1 - d1) ** (eta + 1);
    dq = v ** p - 1;
  } else {
    const v = 2 * (1 - u) + 2 * (u - 0.5) * (1 - d2) ** (eta + 1);
    dq = 1 - v ** p;
  }
  return Math.min(1, Math.max(0, x + dq));
};
