import { type Fixed, mul, ONE } from '../ledger/fixed.js';
import { bracketFor, type Instrument } from '../ledger/instrument.js';
import type { TrendRegime } from '../market/regime.js';
import type { BreakerLevel } from './breaker-levels.js';
import { clamp, fromNumber, toNumber } from './num.js';

export interface LeverageTier {
  /** The tier applies while the realised-vol percentile is at or below this (0..1). */
  readonly maxVolPercentile: number;
  readonly leverage: number;
}

export interface SizingParams {
  /** σ*: the annualised volatility one position should contribute at full budget. */
  readonly targetVol: number;
  /** b_i: the strategy's risk budget, a share of σ*. */
  readonly riskBudget: number;
  /** w_max: cap on notional / equity for one position. */
  readonly maxWeight: number;
  /** Share of equity lost if the stop is hit. */
  readonly riskPerTrade: number;
  /** Multiplier on the full Kelly fraction (0.25 = quarter Kelly). */
  readonly kellyFraction: number;
  /** Hard cap on the Kelly risk fraction, whatever the edge estimate says. */
  readonly kellyCap: number;
  /**
   * The least share of riskPerTrade the Kelly limit may leave, however poor the edge estimate. Sizing a
   * strategy to zero would make zero its last word: with no trades its statistics never change again,
   * so one bad patch would end it for good. Taking a weak strategy off is the bandit's judgement
   * (automation 7, with its cooldown and smoothing period); sizing only scales it down.
   */
  readonly kellyFloor: number;
  /** The strategy's last `kellyWindow` round trips make its Kelly statistics… */
  readonly kellyWindow: number;
  /** …once it has at least `kellyMinTrades` of them; before, sizing takes riskPerTrade as it is. */
  readonly kellyMinTrades: number;
  /** Ascending by maxVolPercentile; the last tier should reach 1. */
  readonly leverageTiers: readonly LeverageTier[];
  /** Leverage multiplier in a range (directionless) regime. */
  readonly rangeLeverageFactor: number;
  /** Share of equity the position's initial margin may take. */
  readonly marginBudget: number;
  /** Size multiplier while a breaker is at `reduce`. */
  readonly breakerReduceFactor: number;
}

export const defaultSizingParams: SizingParams = {
  targetVol: 0.4,
  riskBudget: 0.5,
  maxWeight: 1,
  riskPerTrade: 0.01,
  kellyFraction: 0.25,
  kellyCap: 0.02,
  kellyFloor: 0.25,
  kellyWindow: 50,
  kellyMinTrades: 20,
  leverageTiers: [
    { maxVolPercentile: 0.3, leverage: 5 },
    { maxVolPercentile: 0.7, leverage: 3 },
    { maxVolPercentile: 1, leverage: 2 },
  ],
  rangeLeverageFactor: 0.5,
  marginBudget: 0.25,
  breakerReduceFactor: 0.5,
};

export interface SizingInput {
  readonly instrument: Instrument;
  readonly orderType: 'MARKET' | 'LIMIT';
  readonly equity: number;
  /** Reference entry price (limit price or mark). */
  readonly price: Fixed;
  /** σ_i: annualised realised volatility of the symbol. */
  readonly realisedVol: number;
  /** Percentile of the current realised vol in its history (0..1); null before warm-up. */
  readonly volPercentile: number | null;
  readonly regime: TrendRegime | null;
  /** |entry − initial stop| in price units; null when the strategy sets no stop. */
  readonly stopDistance: number | null;
  /** Trade statistics of the strategy for Kelly; null until it has a track record. */
  readonly kelly: { readonly winRate: number; readonly payoff: number; readonly trades?: number } | null;
  readonly breakerLevel: BreakerLevel;
}

export type SizingCap = 'vol-target' | 'risk-per-trade' | 'leverage' | 'breaker';

export interface SizingResult {
  /** w = min(w_max, b·σ* / σ). */
  readonly weight: number;
  readonly volTargetNotional: number;
  /** Full Kelly f* = p − (1 − p)/R, before the fraction and cap; null without statistics. */
  readonly kellyFull: number | null;
  /** The risk fraction used: min(riskPerTrade, max(floor·riskPerTrade, clamp(fraction·f*, 0, cap))). */
  readonly riskFraction: number;
  readonly riskNotional: number | null;
  readonly tierLeverage: number;
  readonly bracketLeverage: number;
  readonly leverage: number;
  readonly leverageNotional: number;
  readonly breakerFactor: number;
  readonly notional: number;
  /** Which cap set the notional. */
  readonly binding: SizingCap;
  /** Floored to the lot step; 0 when below the venue's minimums. */
  readonly quantity: Fixed;
  readonly belowMinimum: boolean;
}

/** Weight that makes the position's volatility b·σ*, capped at w_max; 0 when σ is unknown. */
export const volTargetWeight = (p: SizingParams, sigma: number): number =>
  sigma > 0 && Number.isFinite(sigma) ? Math.min(p.maxWeight, (p.riskBudget * p.targetVol) / sigma) : 0;

/** Kelly for a bet that wins R per unit risked with probability p. */
export const kellyFraction = (winRate: number, payoff: number): number =>
  payoff > 0 ? winRate - (1 - winRate) / payoff : Number.NEGATIVE_INFINITY;

/**
 * Calm markets get the higher tiers, wild ones the lower; a range regime (no clear direction) scales
 * it down again. Unknown volatility takes the most cautious tier.
 */
export const tierLeverage = (p: SizingParams, volPercentile: number | null, regime: TrendRegime | null) => {
  const tiers = p.leverageTiers;
  const tier =
    volPercentile === null
      ? tiers.reduce((a, b) => (b.leverage < a.leverage ? b : a), tiers[0]!)
      : (tiers.find((t) => volPercentile <= t.maxVolPercentile) ?? tiers[tiers.length - 1]!);
  const scaled = regime === 'range' ? tier.leverage * p.rangeLeverageFactor : tier.leverage;
  return Math.max(1, Math.floor(scaled));
};

const breakerFactor = (p: SizingParams, level: BreakerLevel): number =>
  level === 'normal' || level === 'warn' ? 1 : level === 'reduce' ? p.breakerReduceFactor : 0;

/**
 * An instrument's brackets as floats, made once per instrument (instruments are immutable): every sizing
 * read them all, and each bigint → float conversion cost more than the rest of the arithmetic. `whole`
 * says every cap is a whole number of USDT below 2^53, where comparing a float notional with the cap
 * decides exactly what comparing its exact decimal value does (Binance's caps are).
 */
interface BracketFloats {
  readonly floor: Float64Array;
  readonly cap: Float64Array;
  readonly whole: boolean;
}
const bracketFloats = new WeakMap<Instrument, BracketFloats>();
const floatsOf = (inst: Instrument): BracketFloats => {
  let f = bracketFloats.get(inst);
  if (f === undefined) {
    const n = inst.brackets.length;
    const floor = new Float64Array(n);
    const cap = new Float64Array(n);
    let whole = true;
    for (let i = 0; i < n; i++) {
      const b = inst.brackets[i]!;
      floor[i] = toNumber(b.notionalFloor);
      cap[i] = toNumber(b.notionalCap);
      if (b.notionalCap % ONE !== 0n || !Number.isSafeInteger(cap[i]!)) whole = false;
    }
    f = { floor, cap, whole };
    bracketFloats.set(inst, f);
  }
  return f;
};

export const bracketLeverageAt = (inst: Instrument, notional: number): number => {
  const f = floatsOf(inst);
  const x = Math.max(0, notional);
  if (f.whole && Number.isFinite(x)) {
    // bracketFor: the first tier whose cap holds the notional; beyond the last, 1.
    for (let i = 0; i < f.cap.length; i++) if (x <= f.cap[i]!) return inst.brackets[i]!.initialLeverage;
    return 1;
  }
  try {
    return bracketFor(inst, fromNumber(x, 0n, 'ceil')).initialLeverage;
  } catch {
    return 1;
  }
};

/**
 * The largest notional n that the margin budget can carry at the leverage allowed for n itself:
 * n ≤ min(tier, bracket(n)) × budget. Solving it over the brackets, rather than reading the bracket of
 * some candidate size, keeps the cap independent of σ, which is what makes sizing monotone in σ.
 */
export const leverageCapNotional = (inst: Instrument, tier: number, budget: number): number => {
  if (inst.brackets.length === 0) return tier * budget;
  const f = floatsOf(inst);
  let best = 0;
  for (let i = 0; i < inst.brackets.length; i++) {
    const carry = Math.min(tier, inst.brackets[i]!.initialLeverage) * budget;
    if (carry > f.floor[i]!) best = Math.max(best, Math.min(f.cap[i]!, carry));
  }
  return best;
};

/**
 * The target size: the smallest of the vol-target notional, the risk-per-trade notional (from the
 * stop distance and a Kelly-capped risk fraction) and what the tiered leverage and margin budget can
 * carry, scaled by the breaker, then floored to the lot step. Each component is returned so the
 * PositionSized event shows which one bound.
 */
export const sizePosition = (p: SizingParams, input: SizingInput): SizingResult => {
  const { equity } = input;
  const priceN = toNumber(input.price);
  const weight = volTargetWeight(p, input.realisedVol);
  const volTargetNotional = weight * equity;

  const kellyFull = input.kelly ? kellyFraction(input.kelly.winRate, input.kelly.payoff) : null;
  const riskFraction =
    kellyFull === null
      ? p.riskPerTrade
      : Math.min(
          p.riskPerTrade,
          Math.max(p.kellyFloor * p.riskPerTrade, clamp(p.kellyFraction * kellyFull, 0, p.kellyCap)),
        );
  const riskNotional =
    input.stopDistance !== null && input.stopDistance > 0
      ? ((riskFraction * equity) / input.stopDistance) * priceN
      : null;

  let notional = Math.min(volTargetNotional, riskNotional ?? Number.POSITIVE_INFINITY);
  let binding: SizingCap =
    riskNotional !== null && riskNotional < volTargetNotional ? 'risk-per-trade' : 'vol-target';

  const tier = tierLeverage(p, input.volPercentile, input.regime);
  const leverageNotional = leverageCapNotional(input.instrument, tier, p.marginBudget * equity);
  if (leverageNotional < notional) {
    notional = leverageNotional;
    binding = 'leverage';
  }
  const bracket = bracketLeverageAt(input.instrument, notional);
  const leverage = Math.min(tier, bracket);
  const factor = breakerFactor(p, input.breakerLevel);
  if (factor < 1) binding = 'breaker';
  notional = Math.max(0, notional * factor);

  const inst = input.instrument;
  const market = input.orderType === 'MARKET';
  const step = market ? inst.marketStepSize : inst.stepSize;
  const minQty = market ? inst.marketMinQty : inst.minQty;
  const maxQty = market ? inst.marketMaxQty : inst.maxQty;
  let quantity = priceN > 0 && notional > 0 ? fromNumber(notional / priceN, step, 'floor') : 0n;
  if (maxQty !== 0n && quantity > maxQty) quantity = maxQty;
  const belowMinimum =
    quantity <= 0n ||
    (minQty !== 0n && quantity < minQty) ||
    (inst.minNotional !== 0n && mul(quantity, input.price) < inst.minNotional);
  return {
    weight,
    volTargetNotional,
    kellyFull,
    riskFraction,
    riskNotional,
    tierLeverage: tier,
    bracketLeverage: bracket,
    leverage,
    leverageNotional,
    breakerFactor: factor,
    notional,
    binding,
    quantity: belowMinimum ? 0n : quantity,
    belowMinimum,
  };
};
