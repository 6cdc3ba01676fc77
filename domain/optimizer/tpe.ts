import { normalCdf, normalInv } from './normal.js';
import type { Rng } from './rng.js';
import { compareObservations, type DimensionShape, type Observation, type UnitSearch } from './search.js';

/**
 * Tree-structured Parzen Estimator (Bergstra et al., NeurIPS 2011) in its multivariate form (Falkner et
 * al. 2018; Optuna's `multivariate=True`): the told trials are split at the γ-quantile of loss into "good"
 * and "bad", each side becomes a kernel density l(x), g(x) whose kernels are products over dimensions
 * (so correlated parameters — a fast and a slow period — are learnt together), and the next trial is the
 * candidate drawn from l with the highest l/g.
 *
 * Kernels: truncated normals on [0, 1] for ordered dimensions (continuous or stepped: the space snaps),
 * an Aitchison–Aitken kernel for categorical ones. A uniform prior component keeps every region alive.
 * Bandwidth follows Scott's rule in d dimensions, 0.2·n^(−1/(d+4)) as Optuna does, floored so that a
 * cluster of identical trials does not collapse to a point.
 */

export interface TpeOptions {
  /** Random trials before the model is used (default max(10, 2d)). */
  readonly startupTrials?: number;
  /** Candidates drawn from l(x) per proposal (default 24). */
  readonly candidates?: number;
  /** Size of the good group from the number of observations (default Optuna's min(⌈0.1·n⌉, 25)). */
  readonly gamma?: (n: number) => number;
  /** Weight of the uniform prior component relative to one trial (default 1). */
  readonly priorWeight?: number;
  /**
   * Count trials asked but not yet told as bad ones (Optuna's `constant_liar`), default true: a batch
   * for parallel workers then spreads out instead of sampling one model's peak eight times.
   */
  readonly constantLiar?: boolean;
}

interface Component {
  readonly centre: readonly number[];
  readonly weight: number;
  /** The uniform prior: density 1 everywhere. */
  readonly prior: boolean;
  /** −Σ log(σ·√(2π)·truncated mass) over ordered dimensions: depends on the component only, so computed once. */
  readonly logNorm: number;
}

interface Mixture {
  readonly components: readonly Component[];
  readonly sigma: readonly number[];
  readonly totalWeight: number;
}

const CATEGORICAL_SHARE = 0.8;

const logSumExp = (xs: readonly number[]): number => {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > m) m = x;
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
};

export class Tpe implements UnitSearch {
  readonly method = 'tpe' as const;
  readonly exhausted = false;
  private readonly observations: Observation[] = [];
  private readonly startup: number;
  private readonly candidates: number;
  private readonly gamma: (n: number) => number;
  private readonly priorWeight: number;
  private readonly constantLiar: boolean;
  private readonly pending = new Map<number, readonly number[]>();
  private nextId = 0;
  /** The model for the current set of told trials; only the liars change between proposals of a batch. */
  private model: { readonly told: number; readonly good: Mixture; readonly bad: Mixture } | undefined;

  constructor(
    private readonly dims: readonly DimensionShape[],
    private readonly rng: Rng,
    options: TpeOptions = {},
  ) {
    this.startup = options.startupTrials ?? Math.max(10, 2 * dims.length);
    this.candidates = options.candidates ?? 24;
    this.gamma = options.gamma ?? ((n) => Math.min(Math.ceil(0.1 * n), 25));
    this.priorWeight = options.priorWeight ?? 1;
    this.constantLiar = options.constantLiar ?? true;
  }

  propose(max: number): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < max; i++) {
      const x =
        this.observations.length < this.startup ? this.dims.map(() => this.rng.float()) : this.fromModel();
      this.pending.set(this.nextId++, x);
      out.push(x);
    }
    return out;
  }

  observe(observations: readonly Observation[]): void {
    for (const o of observations) this.pending.delete(o.id);
    this.observations.push(...observations);
  }

  private fromModel(): number[] {
    if (this.model?.told !== this.observations.length) {
      const ranked = [...this.observations].sort(compareObservations);
      const nGood = Math.max(1, Math.min(ranked.length - 1, this.gamma(ranked.length)));
      this.model = {
        told: this.observations.length,
        good: this.mixture(ranked.slice(0, nGood).map((o) => o.unit)),
        bad: this.mixture(ranked.slice(nGood).map((o) => o.unit)),
      };
    }
    const good = this.model.good;
    let bad = this.model.bad;
    if (this.constantLiar && this.pending.size > 0) {
      // Liars share the told trials' bandwidth: they are placeholders, not evidence about the surface.
      const liars = [...this.pending.values()].map((u) => this.component(u, 1, bad.sigma));
      bad = {
        components: [...bad.components, ...liars],
        sigma: bad.sigma,
        totalWeight: bad.totalWeight + liars.length,
      };
    }
    let best: number[] | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < this.candidates; c++) {
      const x = this.sampleFrom(good);
      const score = this.logDensity(good, x) - this.logDensity(bad, x);
      if (score > bestScore || !best) {
        best = x;
        bestScore = score;
      }
    }
    return best!;
  }

  private component(centre: readonly number[], weight: number, sigma: readonly number[]): Component {
    let logNorm = 0;
    this.dims.forEach((dim, i) => {
      if (dim.categorical) return;
      const mu = centre[i]!;
      const sd = sigma[i]!;
      const mass = normalCdf((1 - mu) / sd) - normalCdf((0 - mu) / sd);
      logNorm -= Math.log(sd * Math.sqrt(2 * Math.PI) * mass);
    });
    return { centre, weight, prior: false, logNorm };
  }

  private mixture(units: readonly (readonly number[])[]): Mixture {
    const d = this.dims.length;
    const n = units.length;
    const base = 0.2 * (n + 1) ** (-1 / (d + 4));
    const floor = 1 / Math.min(100, n + 1);
    const sigma = this.dims.map(() => Math.max(base, floor));
    const components = units.map((u) => this.component(u, 1, sigma));
    components.push({ centre: this.dims.map(() => 0.5), weight: this.priorWeight, prior: true, logNorm: 0 });
    return { components, sigma, totalWeight: n + this.priorWeight };
  }

  private pickComponent(m: Mixture): Component {
    let u = this.rng.float() * m.totalWeight;
    for (const c of m.components) {
      u -= c.weight;
      if (u < 0) return c;
    }
    return m.components[m.components.length - 1]!;
  }

  private sampleFrom(m: Mixture): number[] {
    const c = this.pickComponent(m);
    return this.dims.map((dim, i) => {
      if (c.prior) return this.rng.float();
      const mu = c.centre[i]!;
      if (dim.categorical) {
        const own = Math.min(dim.levels - 1, Math.floor(mu * dim.levels));
        const level = this.rng.float() < CATEGORICAL_SHARE ? own : this.rng.int(dim.levels);
        return (level + 0.5) / dim.levels;
      }
      // Inverse-CDF sampling of the normal truncated to [0, 1]: exact, and one draw per dimension.
      const s = m.sigma[i]!;
      const lo = normalCdf((0 - mu) / s);
      const hi = normalCdf((1 - mu) / s);
      const p = lo + this.rng.float() * (hi - lo);
      const x = mu + s * normalInv(Math.min(Math.max(p, 1e-300), 1 - 1e-16));
      return Math.min(1, Math.max(0, x));
    });
  }

  private logDensity(m: Mixture, x: readonly number[]): number {
    const terms = m.components.map((c) => {
      let lp = Math.log(c.weight) + c.logNorm;
      if (c.prior) return lp;
      for (let i = 0; i < this.dims.length; i++) {
        const dim = this.dims[i]!;
        const mu = c.centre[i]!;
        if (dim.categorical) {
          const same = Math.floor(mu * dim.levels) === Math.floor(Math.min(x[i]!, 1 - 1e-12) * dim.levels);
          // Density per unit length: a level owns 1/levels of [0, 1].
          lp += Math.log(
            ((same ? CATEGORICAL_SHARE : 0) + (1 - CATEGORICAL_SHARE) / dim.levels) * dim.levels,
          );
        } else {
          const z = (x[i]! - mu) / m.sigma[i]!;
          lp -= 0.5 * z * z;
        }
      }
      return lp;
    });
    return logSumExp(terms) - Math.log(m.totalWeight);
  }
}
