/**
 * The gates of a strategy's way to real money (automation 8; design §13): paper → shadow → canary (≤ 10 %
 * of the capital) → prod. A stage is earned on the evidence of the stage before it, measured on the run
 * that trades it: the paper run's (recorded market), the shadow run's (the venue's live market, fills
 * simulated), the canary run's (the real account). Pure: the evidence is handed in.
 */

export const stages = ['paper', 'shadow', 'canary', 'prod', 'retired'] as const;
export type Stage = (typeof stages)[number];

/** What one run showed: the figures the gates read. Returns are the run's per-mark (hourly) returns. */
export interface Evidence {
  readonly runId: string;
  /** Market time the run covers, in days. */
  readonly days: number;
  /** Fills that closed or reduced a position. */
  readonly trades: number;
  readonly totalReturn: number;
  readonly maxDrawdown: number;
  /** Annualised from the per-mark returns; null without spread. */
  readonly sharpe: number | null;
  /** The per-mark returns, oldest first: what the KS test compares. */
  readonly returns: readonly number[];
  /** Mean adverse slippage of the run's fills against the price each order was sized at, in bps; null without fills. */
  readonly slippageBps: number | null;
  /** The run's breaker went to halt or flatten. */
  readonly breakerTripped: boolean;
}

export interface GateConfig {
  /** paper → shadow, on the paper run. */
  readonly shadow: {
    readonly minDays: number;
    readonly minTrades: number;
    readonly minSharpe: number;
    readonly maxDrawdown: number;
  };
  /** shadow → canary, on the shadow run (and a person's approval). */
  readonly canary: {
    readonly minDays: number;
    readonly minTrades: number;
    readonly minSharpe: number;
    readonly maxDrawdown: number;
  };
  /** canary → prod, on the canary run against the shadow run over the same days. */
  readonly prod: {
    readonly minDays: number;
    readonly minTrades: number;
    /** Annualised return of the canary. */
    readonly minAnnualised: number;
    readonly maxDrawdown: number;
    /** The KS test must not tell the canary's returns from the shadow's at this level. */
    readonly ksAlpha: number;
    readonly maxSlippageBps: number;
  };
  /** A canary or prod run whose drawdown passes this is taken off real money (back to shadow). */
  readonly demoteDrawdown: number;
  /** The canary's share of the capital a prod run trades. */
  readonly canaryShare: number;
  /** After a demotion, how long before the strategy may go back to canary (the design's 72 h cooling pool). */
  readonly cooldownMs: number;
}

export const defaultGateConfig: GateConfig = {
  shadow: { minDays: 14, minTrades: 10, minSharpe: 0.5, maxDrawdown: 0.2 },
  canary: { minDays: 7, minTrades: 5, minSharpe: 0.5, maxDrawdown: 0.15 },
  prod: {
    minDays: 7,
    minTrades: 5,
    minAnnualised: 0.05,
    maxDrawdown: 0.1,
    ksAlpha: 0.05,
    maxSlippageBps: 10,
  },
  demoteDrawdown: 0.15,
  canaryShare: 0.1,
  cooldownMs: 72 * 3_600_000,
};

export interface Check {
  readonly name: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly pass: boolean;
  readonly detail: string;
}

const atLeast = (name: string, value: number | null, threshold: number, what: string): Check => ({
  name,
  value,
  threshold,
  pass: value !== null && Number.isFinite(value) && value >= threshold,
  detail: `${what} ${value === null ? 'unknown' : round(value)} ≥ ${threshold}`,
});

const atMost = (name: string, value: number | null, threshold: number, what: string): Check => ({
  name,
  value,
  threshold,
  pass: value !== null && Number.isFinite(value) && value <= threshold,
  detail: `${what} ${value === null ? 'unknown' : round(value)} ≤ ${threshold}`,
});

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Compound annual rate of `totalReturn` over `days`; null for less than a day. */
export const annualised = (totalReturn: number, days: number): number | null =>
  days >= 1 && totalReturn > -1 ? (1 + totalReturn) ** (365 / days) - 1 : null;

/** The checks of the gate into `to`, on the evidence of the stage before (and the shadow's, for prod). */
export const gateChecks = (
  to: 'shadow' | 'canary' | 'prod',
  e: Evidence,
  config: GateConfig,
  shadow?: Evidence,
): Check[] => {
  if (to !== 'prod') {
    const g = config[to];
    return [
      atLeast('days', e.days, g.minDays, 'days traded'),
      atLeast('trades', e.trades, g.minTrades, 'closing trades'),
      atLeast('sharpe', e.sharpe, g.minSharpe, 'Sharpe'),
      atMost('max-drawdown', e.maxDrawdown, g.maxDrawdown, 'max drawdown'),
      {
        ...atMost('breaker', e.breakerTripped ? 1 : 0, 0, 'breaker trips'),
        detail: e.breakerTripped ? 'the breaker halted the run' : 'the breaker never halted the run',
      },
    ];
  }
  const g = config.prod;
  // The canary sizes on its share of the capital, so its returns are that share of the strategy's: scaled
  // back up, they are compared with the shadow's over the same (latest) span.
  const real = e.returns.map((r) => r / config.canaryShare);
  const same = shadow?.returns.slice(-Math.max(1, real.length));
  const ks = same === undefined ? null : ksTwoSample(real, same);
  return [
    atLeast('days', e.days, g.minDays, 'days on real money'),
    atLeast('trades', e.trades, g.minTrades, 'closing trades'),
    atLeast('annualised', annualised(e.totalReturn, e.days), g.minAnnualised, 'annualised return'),
    atMost('max-drawdown', e.maxDrawdown, g.maxDrawdown, 'max drawdown'),
    {
      name: 'ks',
      value: ks?.p ?? null,
      threshold: g.ksAlpha,
      pass: ks !== null && ks.p >= g.ksAlpha,
      detail:
        ks === null
          ? 'no shadow run to compare the real returns with'
          : `KS test of the real (÷ ${config.canaryShare}) against the shadow returns: D ${round(ks.d)}, p ${round(ks.p)} ≥ ${g.ksAlpha} (${real.length} and ${same!.length} returns)`,
    },
    atMost('slippage', e.slippageBps, g.maxSlippageBps, 'mean adverse slippage (bps)'),
    {
      ...atMost('breaker', e.breakerTripped ? 1 : 0, 0, 'breaker trips'),
      detail: e.breakerTripped ? 'the breaker halted the run' : 'the breaker never halted the run',
    },
  ];
};

/**
 * Two-sample Kolmogorov–Smirnov test: D is the largest gap between the two empirical distribution
 * functions; p its asymptotic significance (Kolmogorov's series with Stephens' small-sample correction,
 * as in Numerical Recipes §14.3). Written here because no maintained TypeScript package offers the
 * two-sample test; it is a dozen lines. With an empty sample there is nothing to compare, and the answer
 * is D 1 and p 0, so a gate that needs the test fails rather than passes on no data.
 */
export const ksTwoSample = (a: readonly number[], b: readonly number[]): { d: number; p: number } => {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { d: 1, p: 0 };
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n1 && j < n2) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < n1 && x[i]! <= v) i++;
    while (j < n2 && y[j]! <= v) j++;
    const gap = Math.abs(i / n1 - j / n2);
    if (gap > d) d = gap;
  }
  const ne = Math.sqrt((n1 * n2) / (n1 + n2));
  return { d, p: kolmogorovQ((ne + 0.12 + 0.11 / ne) * d) };
};

/** Q(λ) = 2 Σ (−1)^(k−1) e^(−2k²λ²): the probability that the scaled statistic exceeds λ. */
export const kolmogorovQ = (lambda: number): number => {
  // Below 0.2 the series converges slowly and Q is 1 to nine places.
  if (lambda < 0.2) return 1;
  let sum = 0;
  let sign = 1;
  let previous = 0;
  for (let k = 1; k <= 100; k++) {
    const term = sign * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-10 * Math.abs(sum) || Math.abs(term) <= 1e-12 * previous) break;
    previous = Math.abs(term);
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
};
