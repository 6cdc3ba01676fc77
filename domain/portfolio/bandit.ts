import { mean as sampleMean, variance } from '../optimizer/moments.js';

/**
 * Strategy selection by multi-armed bandit (automation 7): each strategy is an arm, its reward the
 * risk-adjusted return of its paper run, `R = return / σ(return)` per period. UCB1 or Thompson
 * sampling scores the arms. The weakest arm with enough evidence is benched for a cooldown. Capital
 * moves towards the better arms no faster than a slew limit. Arms whose returns move together share
 * their weight rather than double it.
 *
 * Pure: the random draws of Thompson sampling come from the `random` the caller passes (seeded per
 * round, so a round can be recomputed from its inputs), and the time is the caller's.
 */

export type BanditPolicy = 'ucb1' | 'thompson';

export interface BanditConfig {
  readonly policy: BanditPolicy;
  /** UCB1's exploration constant c in μ + c·√(ln T / n). */
  readonly exploration: number;
  /** Periods of history an arm is judged on (the design's smoothing window: 7 days of hourly returns). */
  readonly windowPeriods: number;
  /** An arm needs this many periods in the window (or `minTrades` trades) before it can be benched. */
  readonly minPeriods: number;
  readonly minTrades: number;
  /** An eligible arm is benched only while its mean reward is below this (0: losing, risk-adjusted)... */
  readonly benchBelow: number;
  /**
   * ...with this confidence: mean + z·std/√n must be below it too (1.645: 95 % one-sided). One bad
   * week of noise does not bench a strategy; a week that is clearly losing does.
   */
  readonly benchConfidence: number;
  readonly cooldownMs: number;
  /** Never bench below this many active arms. */
  readonly minActive: number;
  /** Largest change of one arm's weight per round (the design's slew constraint on capital moves). */
  readonly maxStep: number;
  /** Every active arm keeps at least this weight, so it keeps earning evidence. */
  readonly minWeight: number;
  /**
   * ρ at or above which two arms count as the same bet. Only a positive correlation: arms whose returns
   * move against each other diversify, which is what the weights are for.
   */
  readonly correlationThreshold: number;
  /** Thompson draws per arm to estimate each arm's probability of being best. */
  readonly draws: number;
  /** Length of one return period (the runs mark equity hourly). */
  readonly periodMs: number;
}

export const defaultBanditConfig: BanditConfig = {
  policy: 'thompson',
  exploration: 1,
  windowPeriods: 7 * 24,
  minPeriods: 7 * 24,
  minTrades: 50,
  benchBelow: 0,
  benchConfidence: 1.645,
  cooldownMs: 72 * 3_600_000,
  minActive: 2,
  maxStep: 0.1,
  minWeight: 0.05,
  correlationThreshold: 0.8,
  draws: 400,
  periodMs: 3_600_000,
};

export interface ArmInput {
  readonly id: string;
  /** Period returns of the arm's equity, oldest first, up to the round's time (only the window is read). */
  readonly returns: readonly number[];
  /** Trades closed in the window. */
  readonly trades: number;
  /** Weight now (0..1, the arms' weights sum to 1); NaN or missing arms start equal. */
  readonly weight: number;
  /** Epoch ms the arm's cooldown ends, null when it is active. */
  readonly benchedUntil: number | null;
}

export type ArmStatus = 'active' | 'benched' | 'cooling' | 'reinstated';

export interface ArmScore {
  readonly id: string;
  readonly periods: number;
  readonly trades: number;
  /** Mean and standard deviation of the rewards (per-period return / σ of the window's returns). */
  readonly mean: number;
  readonly std: number;
  /** UCB1 score, or the arm's Thompson draw that round's ranking used. */
  readonly score: number;
  /** Share of Thompson draws (or, under UCB1, of the softmax of scores) in which the arm is best. */
  readonly winProbability: number;
  readonly eligible: boolean;
  readonly targetWeight: number;
  readonly weightBefore: number;
  readonly weightAfter: number;
  readonly status: ArmStatus;
  readonly benchedUntil: number | null;
  /** Why its weight is what it is: bench, cooldown, correlation cap, slew limit, floor. */
  readonly reasons: readonly string[];
}

export interface CorrelatedPair {
  readonly a: string;
  readonly b: string;
  readonly rho: number;
  /** The arm whose target weight was cut (the lower-scored of the two). */
  readonly cut: string;
}

export interface BanditRound {
  readonly at: number;
  readonly policy: BanditPolicy;
  readonly arms: readonly ArmScore[];
  readonly benched: readonly string[];
  readonly reinstated: readonly string[];
  readonly correlated: readonly CorrelatedPair[];
}

// The optimizer's sample statistics, read as 0 where they are undefined: an arm with no history has
// earned and risked nothing.
const mean = (xs: readonly number[]): number => (xs.length > 0 ? sampleMean(xs) : 0);
const stdev = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(variance(xs)));

/** Pearson correlation of the common tail of two series; null when too short or flat. */
export const correlation = (a: readonly number[], b: readonly number[]): number | null => {
  const n = Math.min(a.length, b.length);
  if (n < 3) return null;
  const x = a.slice(a.length - n);
  const y = b.slice(b.length - n);
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
};

/** A standard normal draw from two uniforms (Box–Muller); `random` returns [0, 1). */
const normal = (random: () => number): number => {
  const u = 1 - random(); // (0, 1]: log(0) is never taken
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
};

/**
 * Rewards of an arm: each period's return over the window's return volatility. A window with no
 * variation (a strategy that never traded) has rewards of 0: nothing earned, nothing risked.
 */
export const rewardsOf = (returns: readonly number[], window: number): number[] => {
  const w = returns.slice(Math.max(0, returns.length - window));
  const sigma = stdev(w);
  return sigma > 0 ? w.map((r) => r / sigma) : w.map(() => 0);
};

/**
 * The weights projected back to a sum of 1 over `ids`, each at least `floor` (or 1/n when the floor
 * cannot be met by all): arms below it are set to it, the rest are scaled into what is left, and again,
 * until none is below; at most one pass per arm.
 */
const normalise = (w: Map<string, number>, ids: readonly string[], floor: number): void => {
  if (ids.length === 0) return;
  const f = Math.min(floor, 1 / ids.length);
  const atFloor = new Set<string>();
  for (let pass = 0; pass < ids.length; pass++) {
    const free = ids.filter((id) => !atFloor.has(id));
    const budget = 1 - atFloor.size * f;
    const total = free.reduce((sum, id) => sum + Math.max(0, w.get(id) ?? 0), 0);
    for (const id of free)
      w.set(id, total > 0 ? (Math.max(0, w.get(id) ?? 0) / total) * budget : budget / free.length);
    const low = free.filter((id) => w.get(id)! < f);
    if (low.length === 0) break;
    for (const id of low) {
      atFloor.add(id);
      w.set(id, f);
    }
  }
};

/**
 * One round at `at`. Order of the rules: cooldowns that ended are reinstated; every arm is scored; at
 * most one eligible, losing arm (the lowest score) is benched; target weights follow the probability
 * of being best, cut for correlated pairs; weights move towards the targets by at most `maxStep`.
 * A benched arm's weight drops to 0 at once: cutting risk is never slewed.
 */
export const banditRound = (
  input: readonly ArmInput[],
  at: number,
  random: () => number,
  config: BanditConfig = defaultBanditConfig,
): BanditRound => {
  // In id order: sums and draws then never depend on the order the caller listed the arms in.
  const arms = [...input].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = arms.map((a) => a.id);
  const byId = new Map(arms.map((a) => [a.id, a]));
  const reasons = new Map(ids.map((id) => [id, [] as string[]]));
  const status = new Map<string, ArmStatus>();
  const until = new Map<string, number | null>();
  for (const a of arms) {
    if (a.benchedUntil !== null && a.benchedUntil > at) {
      status.set(a.id, 'cooling');
      until.set(a.id, a.benchedUntil);
      reasons.get(a.id)!.push(`benched until ${new Date(a.benchedUntil).toISOString()}`);
    } else if (a.benchedUntil !== null) {
      status.set(a.id, 'reinstated');
      until.set(a.id, null);
      reasons.get(a.id)!.push('cooldown over: climbs back from 0 at the slew pace');
    } else {
      status.set(a.id, 'active');
      until.set(a.id, null);
    }
  }

  // Scores.
  const rewards = new Map(arms.map((a) => [a.id, rewardsOf(a.returns, config.windowPeriods)]));
  const stats = new Map(
    arms.map((a) => {
      const r = rewards.get(a.id)!;
      const m = mean(r);
      return [a.id, { n: r.length, mean: m, std: stdev(r) }] as const;
    }),
  );
  const totalN = Math.max(
    1,
    [...stats.values()].reduce((s, x) => s + x.n, 0),
  );
  const live = ids.filter((id) => status.get(id) !== 'cooling');
  const ucb = (id: string): number => {
    const s = stats.get(id)!;
    if (s.n === 0) return Number.POSITIVE_INFINITY;
    return s.mean + config.exploration * Math.sqrt(Math.log(totalN) / s.n);
  };
  // Thompson: the posterior of an arm's mean reward is N(mean, s²/n) (s floored at 1, the rewards'
  // unit scale, so a short flat history is uncertain rather than certain).
  const sample = (id: string): number => {
    const s = stats.get(id)!;
    if (s.n === 0) return normal(random) * 1;
    return s.mean + (normal(random) * Math.max(s.std, 1)) / Math.sqrt(s.n);
  };
  const score = new Map<string, number>();
  const wins = new Map(ids.map((id) => [id, 0]));
  if (config.policy === 'thompson') {
    for (const id of live) score.set(id, sample(id));
    for (let d = 0; d < config.draws; d++) {
      let best: string | null = null;
      let bestV = Number.NEGATIVE_INFINITY;
      for (const id of live) {
        const v = sample(id);
        if (v > bestV) {
          bestV = v;
          best = id;
        }
      }
      if (best !== null) wins.set(best, wins.get(best)! + 1);
    }
    for (const id of live) wins.set(id, wins.get(id)! / config.draws);
  } else {
    for (const id of live) score.set(id, ucb(id));
    // Softmax of the finite scores; an arm never tried (∞) shares the weight of the best.
    const finite = live.map((id) => score.get(id)!).filter(Number.isFinite);
    const top = finite.length > 0 ? Math.max(...finite) : 0;
    const e = new Map(
      live.map((id) => {
        const s = score.get(id)!;
        return [id, Number.isFinite(s) ? Math.exp(s - top) : 1] as const;
      }),
    );
    const z = [...e.values()].reduce((a, b) => a + b, 0);
    for (const id of live) wins.set(id, e.get(id)! / z);
  }

  // Bench: the lowest-scored eligible arm whose mean reward is below the bar, while enough stay active.
  const eligible = (id: string): boolean => {
    const s = stats.get(id)!;
    return s.n >= config.minPeriods || byId.get(id)!.trades >= config.minTrades;
  };
  const upper = (id: string): number => {
    const st = stats.get(id)!;
    return st.n > 0
      ? st.mean + (config.benchConfidence * st.std) / Math.sqrt(st.n)
      : Number.POSITIVE_INFINITY;
  };
  const benched: string[] = [];
  const candidates = live
    .filter((id) => eligible(id) && upper(id) < config.benchBelow)
    .sort((x, y) => stats.get(x)!.mean - stats.get(y)!.mean || (x < y ? -1 : 1));
  if (candidates.length > 0 && live.length - 1 >= config.minActive) {
    const id = candidates[0]!;
    status.set(id, 'benched');
    until.set(id, at + config.cooldownMs);
    benched.push(id);
    reasons
      .get(id)!
      .push(
        `benched for ${config.cooldownMs / 3_600_000} h: mean reward ${stats.get(id)!.mean.toFixed(3)} (at most ${upper(id).toFixed(3)} at ${config.benchConfidence}σ) < ${config.benchBelow} over ${stats.get(id)!.n} periods, the lowest of the eligible arms`,
      );
  } else if (candidates.length > 0) {
    reasons
      .get(candidates[0]!)!
      .push(`would be benched, but only ${live.length} arms are active (minimum ${config.minActive})`);
  }
  const active = live.filter((id) => status.get(id) !== 'benched');

  // Targets: the probability of being best among the arms that stay, cut for correlated pairs.
  const target = new Map<string, number>(ids.map((id) => [id, 0]));
  const winTotal = active.reduce((s, id) => s + wins.get(id)!, 0);
  for (const id of active) target.set(id, winTotal > 0 ? wins.get(id)! / winTotal : 1 / active.length);
  const correlated: CorrelatedPair[] = [];
  for (let i = 0; i < active.length; i++) {
    for (let j = i + 1; j < active.length; j++) {
      const a = active[i]!;
      const b = active[j]!;
      const rho = correlation(
        byId.get(a)!.returns.slice(-config.windowPeriods),
        byId.get(b)!.returns.slice(-config.windowPeriods),
      );
      if (rho === null || rho < config.correlationThreshold) continue;
      // The pair is close to one bet: the weaker arm keeps only the part of its weight that diversifies.
      const cut = (score.get(a) ?? 0) >= (score.get(b) ?? 0) ? b : a;
      target.set(cut, target.get(cut)! * (1 - rho));
      correlated.push({ a, b, rho, cut });
      reasons
        .get(cut)!
        .push(`target cut by ${(rho * 100).toFixed(0)} %: ρ = ${rho.toFixed(2)} with ${cut === a ? b : a}`);
    }
  }
  normalise(target, active, config.minWeight);

  // Weights that are not a distribution (the first round, an arm added since) start from equal shares.
  const start = new Map<string, number>();
  const given = arms.reduce((sum, a) => sum + a.weight, 0);
  const valid = arms.every((a) => Number.isFinite(a.weight) && a.weight >= 0) && Math.abs(given - 1) < 1e-6;
  const seats = arms.filter((a) => status.get(a.id) !== 'cooling').length;
  for (const a of arms)
    start.set(a.id, valid ? a.weight : status.get(a.id) === 'cooling' || seats === 0 ? 0 : 1 / seats);

  // Slew: a benched arm's weight goes at once (cutting risk is never slewed) and is handed out by the
  // targets, where the bandit wants the capital; then every arm moves along the straight line to its
  // target, scaled so that none moves more than maxStep. The weights stay a distribution.
  const from = new Map<string, number>(
    active.map((id) => [id, status.get(id) === 'reinstated' ? 0 : start.get(id)!]),
  );
  const freed = 1 - active.reduce((sum, id) => sum + from.get(id)!, 0);
  // Not to an arm just back from its cooldown: it earns its share at the slew's pace.
  const settled = active.filter((id) => status.get(id) !== 'reinstated');
  const heirs = settled.length > 0 ? settled : active;
  const heirsTarget = heirs.reduce((sum, id) => sum + target.get(id)!, 0);
  for (const id of heirs)
    from.set(
      id,
      from.get(id)! + freed * (heirsTarget > 0 ? target.get(id)! / heirsTarget : 1 / heirs.length),
    );
  let largest = 0;
  for (const id of active) largest = Math.max(largest, Math.abs(target.get(id)! - from.get(id)!));
  const lambda = largest > config.maxStep ? config.maxStep / largest : 1;
  const after = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const id of active) {
    const delta = target.get(id)! - from.get(id)!;
    after.set(id, from.get(id)! + lambda * delta);
    if (lambda < 1 && Math.abs(delta) > 1e-12)
      reasons
        .get(id)!
        .push(
          `moved ${(lambda * delta >= 0 ? '+' : '') + (lambda * delta).toFixed(3)} of ${(delta >= 0 ? '+' : '') + delta.toFixed(3)} towards its target: slew limit ${config.maxStep} per round`,
        );
  }

  const armScores: ArmScore[] = ids.map((id) => {
    const s = stats.get(id)!;
    return {
      id,
      periods: s.n,
      trades: byId.get(id)!.trades,
      mean: s.mean,
      std: s.std,
      score: score.get(id) ?? Number.NaN,
      winProbability: wins.get(id) ?? 0,
      eligible: eligible(id),
      targetWeight: target.get(id)!,
      weightBefore: start.get(id)!,
      weightAfter: after.get(id)!,
      status: status.get(id)!,
      benchedUntil: until.get(id) ?? null,
      reasons: reasons.get(id)!,
    };
  });
  return {
    at,
    policy: config.policy,
    arms: armScores,
    benched,
    reinstated: ids.filter((id) => status.get(id) === 'reinstated'),
    correlated,
  };
};
