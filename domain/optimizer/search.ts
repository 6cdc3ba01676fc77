import { nonDominatedSort } from './pareto.js';
import type { Rng } from './rng.js';
import type { ParameterSpace, Params } from './space.js';

/**
 * The ask/tell contract every search method implements. `ask` hands out trials (a parameter set plus
 * the unit point it came from, under a sequential id); whoever runs them — a loop in a test, a
 * worker_threads pool, BullMQ workers on other machines — calls `tell` with the outcomes, in any order
 * and in any grouping. Ids make out-of-order results unambiguous even when two trials share parameters.
 *
 * Everything minimises: a maximised objective (Sharpe, return) is told negated — objective.ts does it.
 *
 * Determinism: a method's proposals depend only on its seed and the sequence of ask/tell calls. A driver
 * that wants runs to repeat bit for bit asks a batch, waits for all of it, then tells it (generation-
 * based methods — CMA-ES, NSGA-II — only ever work that way); one that tells as results arrive gets
 * a valid but timing-dependent run, and its event log still replays to the same state.
 */

export const searchMethods = ['grid', 'random', 'tpe', 'cmaes', 'nsga2'] as const;
export type SearchMethod = (typeof searchMethods)[number];

export interface Trial<P extends Params = Params> {
  readonly id: number;
  readonly params: P;
  /** The point the method proposed; for discrete dimensions `params` is its snapped decoding. */
  readonly unit: readonly number[];
}

export interface TrialResult {
  readonly id: number;
  /** Single-objective loss (lower is better). */
  readonly loss?: number;
  /** Multi-objective losses (NSGA-II); `loss` is shorthand for `[loss]`. */
  readonly losses?: readonly number[];
  /** Total constraint violation, 0 (default) when feasible: any feasible trial beats any infeasible one. */
  readonly violation?: number;
  /** The trial could not be run (engine error, invalid parameters): ranked behind everything. */
  readonly failed?: boolean;
}

/** What a method core sees: unit points and normalised outcomes, ids assigned in proposal order. */
export interface Observation {
  readonly id: number;
  readonly unit: readonly number[];
  readonly losses: readonly number[];
  readonly violation: number;
}

export interface UnitSearch {
  readonly method: SearchMethod;
  /** Up to `max` new unit points; fewer (or none) when a generation is still out or the space is done. */
  propose(max: number): number[][];
  observe(observations: readonly Observation[]): void;
  /** True when the method has nothing more to propose, ever (a finished grid). */
  readonly exhausted: boolean;
}

/** Deb's feasibility rules, then the first loss: the order every single-objective method ranks by. */
export const compareObservations = (a: Observation, b: Observation): number => {
  if (a.violation !== b.violation) return a.violation < b.violation ? -1 : 1;
  const la = a.losses[0]!;
  const lb = b.losses[0]!;
  if (la === lb) return a.id - b.id;
  if (Number.isNaN(la)) return 1;
  if (Number.isNaN(lb)) return -1;
  return la < lb ? -1 : 1;
};

export class SearchError extends Error {
  override readonly name = 'SearchError';
}

export interface SearchBest<P extends Params> {
  readonly trial: Trial<P>;
  readonly loss: number;
  readonly violation: number;
}

export interface SearchOptions {
  /**
   * Keep every told trial for history() and paretoFront() (default true). A driver that only needs best()
   * and told — a walk-forward run of 10,000 trials — turns it off so the search's memory does not grow
   * with the trials (the method core may still keep what its model needs: TPE keeps every observation).
   */
  readonly keepHistory?: boolean;
}

/** A method core bound to a parameter space: ids, decoding, result bookkeeping. */
export class Search<P extends Params = Params> {
  private nextId = 0;
  private readonly outstanding = new Map<number, Trial<P>>();
  /** Every told trial, only when history is kept. */
  private readonly observed: Observation[] = [];
  private readonly trials = new Map<number, Trial<P>>();
  private toldCount = 0;
  // Folded as results arrive, in the order a scan of the history would visit them, so best() answers the
  // same with or without the history.
  private bestSoFar: { readonly observation: Observation; readonly trial: Trial<P> } | undefined;
  private readonly keepHistory: boolean;

  constructor(
    readonly space: ParameterSpace<P>,
    private readonly core: UnitSearch,
    /** Objectives per result; a result with a different count is rejected. */
    readonly objectives = 1,
    options: SearchOptions = {},
  ) {
    this.keepHistory = options.keepHistory ?? true;
  }

  get method(): SearchMethod {
    return this.core.method;
  }

  get exhausted(): boolean {
    return this.core.exhausted;
  }

  /** Trials asked but not yet told. */
  get pending(): number {
    return this.outstanding.size;
  }

  get told(): number {
    return this.toldCount;
  }

  ask(max = 1): Trial<P>[] {
    if (!Number.isInteger(max) || max < 1)
      throw new SearchError(`ask(max) needs a positive integer, got ${max}`);
    return this.core.propose(max).map((unit) => {
      const trial: Trial<P> = { id: this.nextId++, params: this.space.decode(unit), unit };
      this.outstanding.set(trial.id, trial);
      if (this.keepHistory) this.trials.set(trial.id, trial);
      return trial;
    });
  }

  tell(results: readonly TrialResult[]): void {
    const batch: Observation[] = [];
    const seen = new Set<number>();
    for (const r of results) {
      const trial = this.outstanding.get(r.id);
      if (!trial || seen.has(r.id)) throw new SearchError(`trial ${r.id} was not asked or was already told`);
      seen.add(r.id);
      batch.push({ id: r.id, unit: trial.unit, ...this.normalise(r) });
    }
    // Sorted by id so a batch told in completion order updates the method exactly like one told in order.
    batch.sort((a, b) => a.id - b.id);
    for (const o of batch) {
      if (!this.bestSoFar || compareObservations(o, this.bestSoFar.observation) < 0)
        this.bestSoFar = { observation: o, trial: this.outstanding.get(o.id)! };
      this.outstanding.delete(o.id);
    }
    this.toldCount += batch.length;
    if (this.keepHistory) this.observed.push(...batch);
    this.core.observe(batch);
  }

  /** Best feasible-first trial by the first objective. */
  best(): SearchBest<P> | undefined {
    const best = this.bestSoFar;
    if (!best) return undefined;
    return { trial: best.trial, loss: best.observation.losses[0]!, violation: best.observation.violation };
  }

  /** Told trials no other told trial dominates (constrained domination), in id order: NSGA-II's answer. */
  paretoFront(): readonly {
    readonly trial: Trial<P>;
    readonly losses: readonly number[];
    readonly violation: number;
  }[] {
    const all = this.history();
    if (all.length === 0) return [];
    return nonDominatedSort(all)[0]!
      .sort((a, b) => a - b)
      .map((i) => all[i]!);
  }

  /** Whether a trial was asked and not yet told: lets a driver validate a batch before it changes anything. */
  isOutstanding(id: number): boolean {
    return this.outstanding.has(id);
  }

  /** Every told trial with its outcome, in id order (for PBO matrices, reports, DSR trial counts). */
  history(): readonly {
    readonly trial: Trial<P>;
    readonly losses: readonly number[];
    readonly violation: number;
  }[] {
    if (!this.keepHistory)
      throw new SearchError('this search keeps no history (created with keepHistory: false)');
    return [...this.observed]
      .sort((a, b) => a.id - b.id)
      .map((o) => ({ trial: this.trials.get(o.id)!, losses: o.losses, violation: o.violation }));
  }

  private normalise(r: TrialResult): { losses: number[]; violation: number } {
    if (r.failed)
      return {
        losses: Array<number>(this.objectives).fill(Number.POSITIVE_INFINITY),
        violation: Number.POSITIVE_INFINITY,
      };
    const losses = r.losses ? [...r.losses] : r.loss !== undefined ? [r.loss] : undefined;
    if (!losses || losses.length !== this.objectives) {
      throw new SearchError(
        `trial ${r.id}: expected ${this.objectives} loss value(s), got ${losses?.length ?? 0}`,
      );
    }
    if (losses.some(Number.isNaN))
      throw new SearchError(`trial ${r.id}: a loss is NaN; report failed: true instead`);
    const violation = r.violation ?? 0;
    if (!(violation >= 0)) throw new SearchError(`trial ${r.id}: violation must be ≥ 0, got ${violation}`);
    return { losses, violation };
  }
}

/** Dimension facts a core needs without depending on zod. */
export interface DimensionShape {
  /** Distinct levels, Infinity if continuous. */
  readonly levels: number;
  /** Unordered categories (kernels and crossovers must not interpolate between them). */
  readonly categorical: boolean;
}

export const dimensionShapes = (space: ParameterSpace): DimensionShape[] =>
  space.dimensions.map((d) => ({ levels: d.levels, categorical: d.spec.kind === 'choice' }));

export type CoreFactory = (dims: readonly DimensionShape[], rng: Rng) => UnitSearch;
