/**
 * Promotion gates: a candidate parameter set becomes a new version only if every enabled gate passes.
 * Each gate reports the value it saw, the threshold and the verdict, and the events carry exactly that,
 * so a promotion can be audited without re-running the optimisation.
 */

export const gateNames = [
  'dsr',
  'pbo',
  'wfe',
  'oosMaxDrawdown',
  'oosTrades',
  'oosSharpe',
  'parameterStability',
  'oosTradesPerDay',
  'oosCostCoverage',
] as const;
export type GateName = (typeof gateNames)[number];
export type Comparator = '>=' | '<=';
export type GateVerdict = 'pass' | 'fail' | 'disabled';

export interface GateResult {
  readonly gate: GateName;
  /** null when the statistic is not finite: NaN (could not be computed, fails) or ±Infinity (JSON has none). */
  readonly value: number | null;
  readonly comparator: Comparator;
  /** null when the policy disables the gate. */
  readonly threshold: number | null;
  readonly verdict: GateVerdict;
}

/** Thresholds; null disables a gate (its result is still recorded, as `disabled`). */
export interface PromotionPolicy {
  /** Deflated Sharpe Ratio of the selected set, ≥. */
  readonly minDsr: number | null;
  /** Probability of Backtest Overfitting (CSCV over the run's trials), ≤. */
  readonly maxPbo: number | null;
  /** Walk-forward efficiency (pooled), ≥: the share of in-sample performance that survived OOS. */
  readonly minWfe: number | null;
  /** Drawdown of the stitched out-of-sample run, ≤. */
  readonly maxOosDrawdown: number | null;
  /** Trades in the out-of-sample run, ≥: too few and every other statistic is noise. */
  readonly minOosTrades: number | null;
  /** Annualised Sharpe of the out-of-sample run, ≥. */
  readonly minOosSharpe: number | null;
  /** Parameter stability across walk-forward windows (walk-forward.ts), ≥. */
  readonly minParameterStability: number | null;
  /**
   * The design's risk checks on a candidate (§2.2: frequency and cost sensitivity; leverage is capped on
   * every order by the risk engine, whatever the parameters). Closing trades per day out of sample, ≤: a
   * set that trades far more often than the data it was fitted on is not the strategy that was tested.
   * Absent (a run recorded before these gates) means not checked.
   */
  readonly maxOosTradesPerDay?: number | null;
  /**
   * Out-of-sample profit before fees ÷ fees, ≥: 2 means the edge survives costs twice as high (a venue
   * tier lost, or slippage the simulation did not see). Absent means not checked.
   */
  readonly minOosCostCoverage?: number | null;
}

/**
 * Defaults for an automatic promotion: DSR 0.95 is the papers' significance level; PBO ≤ 0.25 leaves a
 * one-in-four chance the in-sample winner is below the OOS median, a deliberate relaxation of the
 * papers' 0.05 because crypto histories are short; WFE ≥ 0.5 is Pardo's rule of thumb.
 */
export const defaultPromotionPolicy: PromotionPolicy = {
  minDsr: 0.95,
  maxPbo: 0.25,
  minWfe: 0.5,
  maxOosDrawdown: 0.3,
  minOosTrades: 30,
  minOosSharpe: 0.5,
  minParameterStability: null,
  maxOosTradesPerDay: 48,
  minOosCostCoverage: 2,
};

export interface PromotionEvidence {
  readonly dsr: number;
  readonly pbo: number;
  readonly wfe: number;
  readonly oosMaxDrawdown: number;
  readonly oosTrades: number;
  readonly oosSharpe: number;
  readonly parameterStability?: number;
  /** Closing trades per day over the out-of-sample windows. */
  readonly oosTradesPerDay?: number;
  /** Out-of-sample profit before fees ÷ fees (+∞ without fees). */
  readonly oosCostCoverage?: number;
}

/**
 * `value` is recorded as null when it is not finite, because JSON has no Infinity (the risk events follow
 * the same rule); the verdict is decided on the real value, so an unbounded Sharpe still passes a minimum
 * while an uncomputable one (NaN) fails.
 */
export const checkGate = (
  gate: GateName,
  value: number | undefined,
  comparator: Comparator,
  threshold: number | null,
): GateResult => {
  const recorded = value !== undefined && Number.isFinite(value) ? value : null;
  if (threshold === null) return { gate, value: recorded, comparator, threshold, verdict: 'disabled' };
  const passed =
    value !== undefined &&
    !Number.isNaN(value) &&
    (comparator === '>=' ? value >= threshold : value <= threshold);
  return { gate, value: recorded, comparator, threshold, verdict: passed ? 'pass' : 'fail' };
};

export interface GateEvaluation {
  readonly verdict: 'pass' | 'fail';
  readonly gates: readonly GateResult[];
  readonly failed: readonly GateName[];
}

export const evaluateGates = (
  evidence: PromotionEvidence,
  policy: PromotionPolicy = defaultPromotionPolicy,
): GateEvaluation => {
  const gates = [
    checkGate('dsr', evidence.dsr, '>=', policy.minDsr),
    checkGate('pbo', evidence.pbo, '<=', policy.maxPbo),
    checkGate('wfe', evidence.wfe, '>=', policy.minWfe),
    checkGate('oosMaxDrawdown', evidence.oosMaxDrawdown, '<=', policy.maxOosDrawdown),
    checkGate('oosTrades', evidence.oosTrades, '>=', policy.minOosTrades),
    checkGate('oosSharpe', evidence.oosSharpe, '>=', policy.minOosSharpe),
    checkGate('parameterStability', evidence.parameterStability, '>=', policy.minParameterStability),
  ];
  // Only when the policy has them: a run recorded before these gates is judged as it was.
  if (policy.maxOosTradesPerDay !== undefined)
    gates.push(checkGate('oosTradesPerDay', evidence.oosTradesPerDay, '<=', policy.maxOosTradesPerDay));
  if (policy.minOosCostCoverage !== undefined)
    gates.push(checkGate('oosCostCoverage', evidence.oosCostCoverage, '>=', policy.minOosCostCoverage));
  const failed = gates.filter((g) => g.verdict === 'fail').map((g) => g.gate);
  return { verdict: failed.length === 0 ? 'pass' : 'fail', gates, failed };
};
