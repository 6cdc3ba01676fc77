import { normalInv } from './normal.js';

/**
 * The canary of a parameter version (automation 2; design §2.2 and §13): a version that passed the
 * optimizer's gates first trades a small share of the strategy's capital beside the version in force, on
 * the same market. It takes over (100 %) once it has traded long enough without doing worse; any risk hit,
 * a drawdown past the limit, or doing worse with confidence rolls it back at once. Pure: the runs' records
 * are handed in.
 */

export interface CanaryPlan {
  /** The canary's share of the strategy's capital while it is judged (design: 10 %). */
  readonly share: number;
  /** Market hours the canary trades before it may take over. */
  readonly minHours: number;
  /** Closing trades it must have made before it may take over. */
  readonly minTrades: number;
  /** Market hours after which a canary with too few trades to judge is rolled back. */
  readonly maxHours: number;
  /** Its own drawdown since the start that rolls it back at once. */
  readonly maxDrawdown: number;
  /** Confidence with which "worse than the version in force" rolls it back. */
  readonly confidence: number;
  /** Paired hourly returns needed before "worse" is tested: fewer say nothing. */
  readonly minPairs: number;
}

export const defaultCanaryPlan: CanaryPlan = {
  share: 0.1,
  minHours: 7 * 24,
  minTrades: 5,
  maxHours: 28 * 24,
  maxDrawdown: 0.1,
  confidence: 0.95,
  minPairs: 24,
};

/** Refuses a plan that could not be judged: each figure's range, with the figure named. */
export const checkCanaryPlan = (p: CanaryPlan): void => {
  const bad = (name: string, v: number, range: string) => {
    throw new RangeError(`canary plan: ${name} must be ${range}, got ${v}`);
  };
  if (!(p.share > 0 && p.share < 1)) bad('share', p.share, 'in (0, 1)');
  if (!(p.minHours >= 0 && Number.isFinite(p.minHours))) bad('minHours', p.minHours, 'a number ≥ 0');
  if (!(p.maxHours > p.minHours && Number.isFinite(p.maxHours)))
    bad('maxHours', p.maxHours, `a number > minHours (${p.minHours})`);
  if (!(Number.isInteger(p.minTrades) && p.minTrades >= 0)) bad('minTrades', p.minTrades, 'an integer ≥ 0');
  if (!(p.maxDrawdown > 0 && p.maxDrawdown < 1)) bad('maxDrawdown', p.maxDrawdown, 'in (0, 1)');
  if (!(p.confidence > 0.5 && p.confidence < 1)) bad('confidence', p.confidence, 'in (0.5, 1)');
  if (!(Number.isInteger(p.minPairs) && p.minPairs >= 2)) bad('minPairs', p.minPairs, 'an integer ≥ 2');
};

export interface EquityMark {
  readonly at: number;
  readonly equity: number;
}

/** What a run shows, as far as the canary's judge reads it. Marks oldest first, on the runs' hourly grid. */
export interface RunRecord {
  readonly marks: readonly EquityMark[];
  /** Fills that closed or reduced a position since the canary started. */
  readonly trades: number;
  /** The run's breaker went to halt or flatten (or it was liquidated) since the canary started. */
  readonly breakerTripped: boolean;
}

export interface CanaryCheck {
  readonly name: 'breaker' | 'max-drawdown' | 'not-worse' | 'hours' | 'trades';
  readonly value: number | null;
  readonly threshold: number;
  readonly pass: boolean;
  readonly detail: string;
}

export interface CanaryEvidence {
  /** Market hours from the start to the judgement. */
  readonly hours: number;
  /** The canary's return since the start, scaled to the whole capital (its hourly returns ÷ share). */
  readonly canaryReturn: number;
  readonly incumbentReturn: number;
  /** Its drawdown since the start, at the whole capital's scale. */
  readonly canaryMaxDrawdown: number;
  readonly canaryTrades: number;
  /** Hours both runs were marked at both ends: the paired sample. */
  readonly pairs: number;
  /** Mean of canary − incumbent hourly return. */
  readonly meanDifference: number;
  /** Its t statistic; null with fewer than two pairs or no spread. */
  readonly t: number | null;
}

export interface CanaryVerdict {
  readonly outcome: 'continue' | 'adopted' | 'rolled-back';
  readonly reason: string;
  readonly checks: CanaryCheck[];
  readonly evidence: CanaryEvidence;
}

const HOUR = 3_600_000;
const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
const pct = (x: number): string => `${r4(x * 100)} %`;

/** The marks from the last one at or before `from` (the base) to `to`. */
const span = (marks: readonly EquityMark[], from: number, to: number): EquityMark[] => {
  let base = 0;
  while (base + 1 < marks.length && marks[base + 1]!.at <= from) base++;
  const out: EquityMark[] = [];
  for (let i = base; i < marks.length && marks[i]!.at <= to; i++) out.push(marks[i]!);
  return out;
};

/**
 * The canary sizes at `share` of its equity, so each hourly return is about `share` of what the version
 * would earn at full size: its path is rebuilt from its returns ÷ share, floored at zero.
 */
const fullSize = (m: readonly EquityMark[], share: number): EquityMark[] => {
  if (m.length === 0) return [];
  const out: EquityMark[] = [{ at: m[0]!.at, equity: m[0]!.equity }];
  for (let i = 1; i < m.length; i++) {
    const prev = out[i - 1]!.equity;
    const r = m[i - 1]!.equity > 0 ? m[i]!.equity / m[i - 1]!.equity - 1 : 0;
    out.push({ at: m[i]!.at, equity: Math.max(0, prev * (1 + r / share)) });
  }
  return out;
};

const totalReturn = (m: readonly EquityMark[]): number =>
  m.length > 1 && m[0]!.equity > 0 ? m[m.length - 1]!.equity / m[0]!.equity - 1 : 0;

const maxDrawdown = (m: readonly EquityMark[]): number => {
  let peak = Number.NEGATIVE_INFINITY;
  let dd = 0;
  for (const { equity } of m) {
    if (equity > peak) peak = equity;
    if (peak > 0) dd = Math.max(dd, 1 - equity / peak);
  }
  return dd;
};

/**
 * Canary − incumbent return over each interval both runs were marked at both ends. Pairing hour by hour
 * takes the market out of the comparison: both traded the same bars, so what differs is the parameters.
 */
const pairedDifferences = (canary: readonly EquityMark[], incumbent: readonly EquityMark[]): number[] => {
  const inc = new Map<number, number>();
  for (const m of incumbent) inc.set(m.at, m.equity);
  const d: number[] = [];
  for (let i = 1; i < canary.length; i++) {
    const a = canary[i - 1]!;
    const b = canary[i]!;
    const ia = inc.get(a.at);
    const ib = inc.get(b.at);
    if (ia === undefined || ib === undefined || !(a.equity > 0) || !(ia > 0)) continue;
    const x = b.equity / a.equity - 1 - (ib / ia - 1);
    // Below a hundred-millionth of a basis point a difference is the float arithmetic's, not the runs'.
    d.push(Math.abs(x) < 1e-12 ? 0 : x);
  }
  return d;
};

/**
 * Judges a canary at market time `at`, on its returns scaled to the whole capital (÷ share) against the
 * version in force's. It is rolled back at once on a risk hit (its breaker tripped, or
 * its drawdown since the start passed the plan's limit) and as soon as it does worse than the version in
 * force with the plan's confidence (one-sided paired t on hourly returns, normal quantile: with at least
 * `minPairs` pairs the difference is near enough normal, and the test is sequential, which errs towards
 * keeping the version in force). It takes over once it has traded `minHours` and `minTrades` without any
 * of those; past `maxHours` without enough trades it is rolled back, since nothing showed it is better.
 */
export const judgeCanary = (
  plan: CanaryPlan,
  startedAt: number,
  at: number,
  canary: RunRecord,
  incumbent: RunRecord,
): CanaryVerdict => {
  const c = fullSize(span(canary.marks, startedAt, at), plan.share);
  const i = span(incumbent.marks, startedAt, at);
  const d = pairedDifferences(c, i);
  const n = d.length;
  let mean = 0;
  for (const x of d) mean += x;
  mean = n > 0 ? mean / n : 0;
  let ss = 0;
  for (const x of d) ss += (x - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const t = n > 1 ? (sd > 0 ? mean / (sd / Math.sqrt(n)) : mean === 0 ? 0 : null) : null;
  const z = normalInv(plan.confidence);
  const hours = Math.max(0, (at - startedAt) / HOUR);
  const evidence: CanaryEvidence = {
    hours: r4(hours),
    canaryReturn: totalReturn(c),
    incumbentReturn: totalReturn(i),
    canaryMaxDrawdown: maxDrawdown(c),
    canaryTrades: canary.trades,
    pairs: n,
    meanDifference: mean,
    t: t === null || !Number.isFinite(t) ? null : t,
  };
  // A difference with no spread (identical runs, or a constant gap) is decided by its sign.
  const worse = n >= plan.minPairs && (t !== null ? t < -z : mean < 0);
  const checks: CanaryCheck[] = [
    {
      name: 'breaker',
      value: canary.breakerTripped ? 1 : 0,
      threshold: 0,
      pass: !canary.breakerTripped,
      detail: canary.breakerTripped
        ? "the canary's breaker halted it"
        : "the canary's breaker never halted it",
    },
    {
      name: 'max-drawdown',
      value: evidence.canaryMaxDrawdown,
      threshold: plan.maxDrawdown,
      pass: evidence.canaryMaxDrawdown <= plan.maxDrawdown,
      detail: `drawdown since the start at full size ${pct(evidence.canaryMaxDrawdown)} ≤ ${pct(plan.maxDrawdown)}`,
    },
    {
      name: 'not-worse',
      value: evidence.t,
      threshold: r4(-z),
      pass: !worse,
      detail:
        n < plan.minPairs
          ? `${n} paired hourly returns: fewer than ${plan.minPairs}, not tested yet`
          : `paired hourly returns at full size (${n}): mean difference ${r4(mean * 10_000)} bp, t ${evidence.t === null ? (mean < 0 ? '−∞' : mean > 0 ? '∞' : '0') : r4(evidence.t)} ≥ ${r4(-z)} (${plan.confidence * 100} % one-sided)`,
    },
    {
      name: 'hours',
      value: evidence.hours,
      threshold: plan.minHours,
      pass: hours >= plan.minHours,
      detail: `${evidence.hours} market hours ≥ ${plan.minHours}`,
    },
    {
      name: 'trades',
      value: canary.trades,
      threshold: plan.minTrades,
      pass: canary.trades >= plan.minTrades,
      detail: `${canary.trades} closing trades ≥ ${plan.minTrades}`,
    },
  ];
  const verdict = (outcome: CanaryVerdict['outcome'], reason: string): CanaryVerdict => ({
    outcome,
    reason,
    checks,
    evidence,
  });
  if (canary.breakerTripped) return verdict('rolled-back', "risk: the canary's breaker halted it");
  if (evidence.canaryMaxDrawdown > plan.maxDrawdown)
    return verdict(
      'rolled-back',
      `risk: drawdown ${pct(evidence.canaryMaxDrawdown)} since the start, over ${pct(plan.maxDrawdown)}`,
    );
  if (worse)
    return verdict(
      'rolled-back',
      `worse than the version in force with ${plan.confidence * 100} % confidence over ${n} hours (${r4(mean * 10_000)} bp an hour)`,
    );
  if (hours >= plan.minHours && canary.trades >= plan.minTrades)
    return verdict(
      'adopted',
      `${evidence.hours} market hours and ${canary.trades} closing trades without a risk hit, not worse than the version in force`,
    );
  if (hours >= plan.maxHours)
    return verdict(
      'rolled-back',
      `${canary.trades} closing trades in ${evidence.hours} market hours: too few to judge (${plan.minTrades} needed)`,
    );
  return verdict('continue', 'still being judged');
};

/** Whether a version on probation (it took over from its canary) is rolled back to the one it replaced. */
export interface ProbationVerdict {
  readonly rollBack: boolean;
  /** Why, when rolled back. */
  readonly reason: string | null;
  /** Its drawdown since it took over (it trades the whole capital then, so no scaling). */
  readonly drawdown: number;
}

/**
 * Design §13: "any risk hit or performance degradation rolls back to the previous stable version". For
 * `maxHours` after it took over (`since`), a version is rolled back to the one it replaced when its
 * breaker halts it or it is liquidated (a risk hit), or when its drawdown since taking over passes the
 * plan's `maxDrawdown`, the limit its canary was held to (its performance degrading). Past `maxHours` it is
 * the version in force like any other: a decline then is the KPI trigger's, which re-optimises.
 */
export const judgeProbation = (
  plan: CanaryPlan,
  since: number,
  at: number,
  run: RunRecord,
): ProbationVerdict => {
  const drawdown = maxDrawdown(span(run.marks, since, at));
  const hours = r4(Math.max(0, (at - since) / HOUR));
  if (at - since > plan.maxHours * HOUR) return { rollBack: false, reason: null, drawdown };
  if (run.breakerTripped)
    return {
      rollBack: true,
      reason: `risk: the breaker halted it ${hours} market hours after it took over from its canary`,
      drawdown,
    };
  if (drawdown > plan.maxDrawdown)
    return {
      rollBack: true,
      reason: `performance: drawdown ${pct(drawdown)} in the ${hours} market hours since it took over from its canary, over ${pct(plan.maxDrawdown)}`,
      drawdown,
    };
  return { rollBack: false, reason: null, drawdown };
};
