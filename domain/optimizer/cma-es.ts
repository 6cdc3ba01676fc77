import { symmetricEigen } from './linalg.js';
import type { Rng } from './rng.js';
import { compareObservations, type Observation, SearchError, type UnitSearch } from './search.js';

/**
 * CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016, default strategy parameters) in the unit
 * cube, with IPOP restarts (Auger & Hansen 2005): when a run stalls the population doubles and the search
 * starts again from a fresh point, which is what makes it competitive on multimodal landscapes such as
 * Rastrigin — and backtest surfaces.
 *
 * Bounds: a sample outside [0, 1]^d is redrawn (up to 100 times, as the `cmaes` Python package does) and
 * then clipped; the update uses the point actually evaluated, so the distribution learns from what was run.
 * Discrete dimensions are searched as continuous and snapped by the parameter space; plateaus they create
 * end a run by the flat-fitness test and trigger a restart rather than a stuck σ.
 */

export interface CmaEsOptions {
  /** Initial step size in unit-cube terms (default 0.3: a third of each range). */
  readonly sigma0?: number;
  /** Initial population size λ (default 4 + ⌊3 ln d⌋). */
  readonly populationSize?: number;
  /** Start point (default the centre, or a random point on restarts). */
  readonly x0?: readonly number[];
  /** IPOP restarts (default 9; 0 disables). */
  readonly restarts?: number;
}

interface Generation {
  readonly firstId: number;
  readonly points: number[][];
  proposed: number;
  readonly results: Map<number, Observation>;
}

const dot = (a: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

export class CmaEs implements UnitSearch {
  readonly method = 'cmaes' as const;
  private readonly n: number;
  private readonly sigma0: number;
  private readonly maxRestarts: number;
  private lambda: number;
  private restartsDone = 0;
  private nextId = 0;
  private generation: Generation | undefined;

  // Strategy state (reset on restart).
  private mean!: number[];
  private sigma!: number;
  private C!: number[][];
  private B!: number[][];
  private D!: number[];
  private pc!: number[];
  private ps!: number[];
  private gen!: number;
  private bestHistory!: number[];
  private bestEver = Number.POSITIVE_INFINITY;

  // Derived constants (depend on λ).
  private mu!: number;
  private weights!: number[];
  private mueff!: number;
  private cs!: number;
  private ds!: number;
  private cc!: number;
  private c1!: number;
  private cmu!: number;
  private readonly chiN: number;

  constructor(
    dimension: number,
    private readonly rng: Rng,
    options: CmaEsOptions = {},
  ) {
    if (!Number.isInteger(dimension) || dimension < 1)
      throw new SearchError(`CMA-ES needs dimension ≥ 1, got ${dimension}`);
    this.n = dimension;
    this.sigma0 = options.sigma0 ?? 0.3;
    if (!(this.sigma0 > 0 && this.sigma0 <= 1))
      throw new SearchError(`sigma0 must be in (0, 1], got ${this.sigma0}`);
    this.maxRestarts = options.restarts ?? 9;
    this.lambda = Math.max(options.populationSize ?? 4 + Math.floor(3 * Math.log(dimension)), 2);
    this.chiN = Math.sqrt(dimension) * (1 - 1 / (4 * dimension) + 1 / (21 * dimension * dimension));
    if (options.x0 && options.x0.length !== dimension) throw new SearchError('x0 has the wrong dimension');
    this.reset(options.x0 ? [...options.x0] : Array<number>(dimension).fill(0.5));
  }

  readonly exhausted = false;

  /** Current σ·max(D): the scale the search is working at, in unit-cube terms. */
  get scale(): number {
    return this.sigma * Math.max(...this.D);
  }

  get restarts(): number {
    return this.restartsDone;
  }

  get populationSize(): number {
    return this.lambda;
  }

  private reset(x0: number[]): void {
    const n = this.n;
    this.mean = x0.map((x) => Math.min(1, Math.max(0, x)));
    this.sigma = this.sigma0;
    this.C = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    this.B = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    this.D = Array<number>(n).fill(1);
    this.pc = Array<number>(n).fill(0);
    this.ps = Array<number>(n).fill(0);
    this.gen = 0;
    this.bestHistory = [];

    const lambda = this.lambda;
    this.mu = Math.floor(lambda / 2);
    const raw = Array.from({ length: this.mu }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((w) => w / sum);
    this.mueff = 1 / this.weights.reduce((a, w) => a + w * w, 0);
    const mueff = this.mueff;
    this.cs = (mueff + 2) / (n + mueff + 5);
    this.ds = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + this.cs;
    this.cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
    this.c1 = 2 / ((n + 1.3) ** 2 + mueff);
    this.cmu = Math.min(1 - this.c1, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  }

  private sample(): number[] {
    const n = this.n;
    let x: number[] = [];
    for (let attempt = 0; attempt < 100; attempt++) {
      const z = Array.from({ length: n }, () => this.rng.normal());
      x = this.mean.map((m, i) => {
        let y = 0;
        for (let k = 0; k < n; k++) y += this.B[i]![k]! * this.D[k]! * z[k]!;
        return m + this.sigma * y;
      });
      if (x.every((v) => v >= 0 && v <= 1)) return x;
    }
    return x.map((v) => Math.min(1, Math.max(0, v)));
  }

  propose(max: number): number[][] {
    if (!this.generation) {
      const points = Array.from({ length: this.lambda }, () => this.sample());
      this.generation = { firstId: this.nextId, points, proposed: 0, results: new Map() };
      this.nextId += this.lambda;
    }
    const g = this.generation;
    const take = Math.min(max, g.points.length - g.proposed);
    const out = g.points.slice(g.proposed, g.proposed + take);
    g.proposed += take;
    return out;
  }

  observe(observations: readonly Observation[]): void {
    const g = this.generation;
    for (const o of observations) {
      if (!g || o.id < g.firstId || o.id >= g.firstId + g.points.length) {
        throw new SearchError(`CMA-ES: result ${o.id} is not from the current generation`);
      }
      g.results.set(o.id, o);
    }
    if (g && g.results.size === g.points.length) {
      this.generation = undefined;
      this.update([...g.results.values()].sort(compareObservations));
    }
  }

  private update(ranked: Observation[]): void {
    const n = this.n;
    const old = this.mean;
    const selected = ranked.slice(0, this.mu);
    this.mean = Array.from({ length: n }, (_, i) =>
      selected.reduce((s, o, k) => s + this.weights[k]! * o.unit[i]!, 0),
    );
    const yw = this.mean.map((m, i) => (m - old[i]!) / this.sigma);

    // C^{-1/2}·y_w = B·D⁻¹·Bᵀ·y_w
    const bty = Array.from({ length: n }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += this.B[i]![k]! * yw[i]!;
      return s / this.D[k]!;
    });
    const invSqrtY = Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += this.B[i]![k]! * bty[k]!;
      return s;
    });
    const csFactor = Math.sqrt(this.cs * (2 - this.cs) * this.mueff);
    this.ps = this.ps.map((p, i) => (1 - this.cs) * p + csFactor * invSqrtY[i]!);
    const psNorm = Math.sqrt(dot(this.ps, this.ps));
    this.gen++;
    const hsig =
      psNorm / Math.sqrt(1 - (1 - this.cs) ** (2 * this.gen)) < (1.4 + 2 / (n + 1)) * this.chiN ? 1 : 0;
    const ccFactor = Math.sqrt(this.cc * (2 - this.cc) * this.mueff);
    this.pc = this.pc.map((p, i) => (1 - this.cc) * p + hsig * ccFactor * yw[i]!);

    const ys = selected.map((o) => o.unit.map((x, i) => (x - old[i]!) / this.sigma));
    const decay = 1 - this.c1 - this.cmu + (1 - hsig) * this.c1 * this.cc * (2 - this.cc);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let k = 0; k < ys.length; k++) rankMu += this.weights[k]! * ys[k]![i]! * ys[k]![j]!;
        const v = decay * this.C[i]![j]! + this.c1 * this.pc[i]! * this.pc[j]! + this.cmu * rankMu;
        this.C[i]![j] = v;
        this.C[j]![i] = v;
      }
    }
    this.sigma *= Math.exp((this.cs / this.ds) * (psNorm / this.chiN - 1));
    // In a unit cube a step larger than the cube only produces clipped samples.
    this.sigma = Math.min(this.sigma, 1);

    const eig = symmetricEigen(this.C);
    this.B = eig.vectors;
    this.D = eig.values.map((v) => Math.sqrt(Math.max(v, 1e-300)));

    const genBest = ranked[0]!;
    const genBestLoss = genBest.violation > 0 ? Number.POSITIVE_INFINITY : genBest.losses[0]!;
    this.bestEver = Math.min(this.bestEver, genBestLoss);
    this.bestHistory.push(genBestLoss);
    if (this.shouldRestart(ranked)) this.restart();
  }

  private shouldRestart(ranked: Observation[]): boolean {
    if (this.restartsDone >= this.maxRestarts) return false;
    const maxD = Math.max(...this.D);
    const minD = Math.min(...this.D);
    // TolX: the search works below any resolution a parameter grid or a backtest can distinguish.
    if (this.sigma * maxD < 1e-10) return true;
    if (maxD / minD > 1e7) return true;
    // TolFun / flat fitness: the whole generation and the recent bests agree.
    const losses = ranked.map((o) => o.losses[0]!).filter(Number.isFinite);
    const window = 10 + Math.ceil((30 * this.n) / this.lambda);
    const recent = this.bestHistory.slice(-window).filter(Number.isFinite);
    const spread = (xs: number[]) =>
      xs.length ? Math.max(...xs) - Math.min(...xs) : Number.POSITIVE_INFINITY;
    if (losses.length === ranked.length && spread(losses) <= 1e-12 && this.bestHistory.length >= 2)
      return true;
    if (this.bestHistory.length >= window && spread(recent) <= 1e-12) return true;
    // Stagnation: the median of recent bests no longer improves on the older ones.
    const stag = Math.max(120 + Math.ceil((30 * this.n) / this.lambda), 20);
    if (this.bestHistory.length >= stag) {
      const h = this.bestHistory;
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const k = Math.ceil(0.3 * stag);
      if (median(h.slice(-k)) >= median(h.slice(0, k))) return true;
    }
    return false;
  }

  private restart(): void {
    this.restartsDone++;
    this.lambda *= 2;
    this.reset(Array.from({ length: this.n }, () => this.rng.float()));
  }
}
