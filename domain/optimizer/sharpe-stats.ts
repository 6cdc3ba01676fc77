import { type Moments, moments, sharpeRatio, variance } from './moments.js';
import { normalCdf, normalInv } from './normal.js';

/**
 * Probabilistic and Deflated Sharpe Ratios (Bailey & López de Prado, "The Sharpe Ratio Efficient
 * Frontier", J. Risk 2012, and "The Deflated Sharpe Ratio", J. Portfolio Management 2014).
 *
 * Every Sharpe ratio here is per observation period (not annualised): the formulas' standard error
 * √((1 − γ₃·SR + (γ₄ − 1)/4·SR²)/(T − 1)) is in those units. Annualised figures must be divided by
 * √(periods per year) first; the tests show what happens otherwise.
 */

export const EULER_MASCHERONI = 0.5772156649015329;

export interface SharpeSample {
  /** Observed per-period Sharpe ratio. */
  readonly sharpe: number;
  /** Number of return observations T. */
  readonly observations: number;
  readonly skewness: number;
  /** Non-excess kurtosis (3 = normal). */
  readonly kurtosis: number;
}

export const sharpeSample = (returns: readonly number[]): SharpeSample => {
  const m: Moments = moments(returns);
  return { sharpe: sharpeRatio(returns), observations: m.n, skewness: m.skewness, kurtosis: m.kurtosis };
};

/** Standard deviation of the Sharpe estimator under non-normal returns (Mertens 2002, as used by the papers). */
export const sharpeStdError = (s: SharpeSample): number => {
  const v = 1 - s.skewness * s.sharpe + ((s.kurtosis - 1) / 4) * s.sharpe * s.sharpe;
  if (s.observations < 2) throw new RangeError('a Sharpe standard error needs at least 2 observations');
  // Extreme skew can push the bracket below zero; the estimator is then meaningless rather than exact.
  if (!(v > 0)) return Number.NaN;
  return Math.sqrt(v / (s.observations - 1));
};

/** PSR(SR*) = Φ((SR̂ − SR*)·√(T − 1) / √(1 − γ₃·SR̂ + (γ₄ − 1)/4·SR̂²)): P(true SR > SR*). */
export const probabilisticSharpe = (s: SharpeSample, benchmark = 0): number => {
  const se = sharpeStdError(s);
  if (Number.isNaN(se)) return Number.NaN;
  return normalCdf((s.sharpe - benchmark) / se);
};

/**
 * E[max SR] over N independent trials whose true Sharpe is zero, with V the cross-sectional variance of
 * the trials' Sharpe ratios: √V·((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e))), γ Euler–Mascheroni.
 */
export const expectedMaxSharpe = (trials: number, sharpeVariance: number): number => {
  if (!(trials >= 1)) throw new RangeError(`trials must be ≥ 1, got ${trials}`);
  if (!(sharpeVariance >= 0)) throw new RangeError(`Sharpe variance must be ≥ 0, got ${sharpeVariance}`);
  if (trials === 1) return 0;
  const g = EULER_MASCHERONI;
  return (
    Math.sqrt(sharpeVariance) *
    ((1 - g) * normalInv(1 - 1 / trials) + g * normalInv(1 - 1 / (trials * Math.E)))
  );
};

export interface DeflatedSharpe {
  readonly dsr: number;
  /** SR₀ = E[max SR] the observed Sharpe was tested against. */
  readonly benchmark: number;
  readonly trials: number;
  readonly sharpeVariance: number;
}

/** DSR = PSR(SR₀) with SR₀ = E[max SR] over the N trials: P(true SR > 0) after selecting the best of N. */
export const deflatedSharpe = (s: SharpeSample, trials: number, sharpeVariance: number): DeflatedSharpe => {
  const benchmark = expectedMaxSharpe(trials, sharpeVariance);
  return { dsr: probabilisticSharpe(s, benchmark), benchmark, trials, sharpeVariance };
};

/**
 * DSR of the selected strategy's returns given every trial's per-period Sharpe (including the selected one).
 * `effectiveTrials` overrides N when trials are correlated (e.g. from clustering); default is all of them.
 */
export const deflatedSharpeFromTrials = (
  selectedReturns: readonly number[],
  trialSharpes: readonly number[],
  effectiveTrials?: number,
): DeflatedSharpe => {
  if (trialSharpes.length < 2) throw new RangeError('DSR needs the Sharpe ratios of at least 2 trials');
  const finite = trialSharpes.filter(Number.isFinite);
  return deflatedSharpe(sharpeSample(selectedReturns), effectiveTrials ?? finite.length, variance(finite));
};

/**
 * N_eff = ρ̄ + (1 − ρ̄)·N: trials that move together are not independent tests (López de Prado,
 * "Advances in Financial Machine Learning", §11 / "A Data Science Solution to the Multiple-Testing Crisis").
 */
export const effectiveTrials = (trials: number, averageCorrelation: number): number => {
  const rho = Math.min(1, Math.max(0, averageCorrelation));
  return rho + (1 - rho) * trials;
};

/** Minimum track record length: the T at which PSR(SR*) reaches the confidence level. */
export const minTrackRecordLength = (
  s: Omit<SharpeSample, 'observations'>,
  benchmark: number,
  confidence = 0.95,
): number => {
  if (!(s.sharpe > benchmark)) return Number.POSITIVE_INFINITY;
  const z = normalInv(confidence);
  return (
    1 +
    (1 - s.skewness * s.sharpe + ((s.kurtosis - 1) / 4) * s.sharpe ** 2) * (z / (s.sharpe - benchmark)) ** 2
  );
};
