import { type Fixed, fixed, type Rounding, roundToStep } from '../ledger/fixed.js';

/**
 * Risk measures (ratios, leverage, ATR multiples) are float64: they explain and compare, they are never
 * booked. Quantities and prices that go to the venue stay Fixed and on the instrument's grid; these two
 * helpers are the only crossing points between the two worlds.
 */
const UNIT = 10n ** 18n;
// Integer and fraction separately: each converts exactly or to the nearest double, which a single
// Number(x) / 1e18 does not (1.2e23 units is not a double), without the cost of going through text.
export const toNumber = (x: Fixed): number => {
  // Below one unit the integer part is 0 and the sum is the fraction alone: one conversion, no division.
  if (x < UNIT && x > -UNIT) return Number(x) / 1e18;
  const q = x / UNIT;
  // A multiplication costs less than the second bigint division a `%` would be.
  return Number(q) + Number(x - q * UNIT) / 1e18;
};

/**
 * Limit comparisons forgive float noise far below any meaningful amount, so a position sized exactly
 * at a limit (1.5× equity computed as 1.5000000000000002) is not refused.
 */
const TOLERANCE = 1e-9;
export const atMost = (value: number, limit: number): boolean =>
  value <= limit + TOLERANCE * Math.max(1, Math.abs(limit));
export const atLeast = (value: number, limit: number): boolean =>
  value >= limit - TOLERANCE * Math.max(1, Math.abs(limit));

/** A float onto the grid of `step` (0 means no grid), rounded the way the caller's safety needs. */
export const fromNumber = (x: number, step: Fixed, mode: Rounding): Fixed => {
  if (!Number.isFinite(x)) throw new RangeError(`cannot place ${x} on a price or quantity grid`);
  if (step > 0n) {
    const fast = onGridFast(x, step, mode);
    if (fast !== null) return fast;
  }
  return fromNumberExact(x, step, mode);
};

/**
 * The definition: the float's exact decimal expansion to 18 places, then the grid. Every sizing, stop
 * and liquidation price crosses here, and the text round trip costs more than the rest of a decision's
 * arithmetic, so `onGridFast` answers first whenever float arithmetic provably gives the same result.
 */
export const fromNumberExact = (x: number, step: Fixed, mode: Rounding): Fixed => {
  if (!Number.isFinite(x)) throw new RangeError(`cannot place ${x} on a price or quantity grid`);
  // toFixed(18) never uses exponent notation below 1e21 and fixed() accepts 18 places exactly.
  const v = fixed(x.toFixed(18));
  if (step === 0n) return v;
  // 100 − 2 × 1.3 × 2 is 94.79999999999998 in float64; flooring that to a 0.1 tick would give 94.7.
  // A value within float noise of a grid point is that grid point.
  const nearest = roundToStep(v, step, 'half-even');
  if (Math.abs(x - toNumber(nearest)) <= NEAR * Math.max(1, Math.abs(x))) return nearest;
  return roundToStep(v, step, mode);
};

const NEAR = 1e-9;
/**
 * How far x / step, computed in floats, may be from the exact quotient the definition rounds: the
 * quotient's relative error is a few ulps (≤ 4e-16 here) and we only go fast below 2^31 steps, so the
 * absolute error is below 1e-6. Anything closer than this to a rounding boundary takes the exact path.
 */
const MARGIN = 1e-5;
const MAX_STEPS = 2 ** 31;
const stepFloats = new Map<bigint, number>();

/**
 * fromNumberExact's answer computed with floats, or null where floats cannot prove it: the grid index
 * q = x / step is rounded the same way as long as q is not within MARGIN of an integer (or of a half,
 * for the half-* modes), and the "within float noise of a grid point" test is decided the same way as
 * long as the distance is not within a factor of two of its threshold. A property test compares the
 * two over random floats, steps and modes (num.test.ts).
 */
const onGridFast = (x: number, step: Fixed, mode: Rounding): Fixed | null => {
  let s = stepFloats.get(step);
  if (s === undefined) {
    if (stepFloats.size > 256) stepFloats.clear();
    s = toNumber(step);
    stepFloats.set(step, s);
  }
  const q = x / s;
  if (!(Math.abs(q) < MAX_STEPS)) return null;
  const n = Math.round(q);
  const off = Math.abs(q - n); // ≤ 0.5
  const tolerance = NEAR * Math.max(1, Math.abs(x));
  const distance = Math.abs(x - n * s);
  if (distance <= 0.5 * tolerance) {
    // The definition takes the half-even nearest grid point; away from a half that is Math.round's.
    return off < 0.5 - MARGIN ? BigInt(n) * step : null;
  }
  if (distance < 2 * tolerance || off < MARGIN) return null;
  const lo = Math.floor(q);
  const frac = q - lo;
  if (frac < MARGIN || frac > 1 - MARGIN) return null;
  let k: number;
  switch (mode) {
    case 'floor':
      k = lo;
      break;
    case 'ceil':
      k = lo + 1;
      break;
    case 'down':
      k = q < 0 ? lo + 1 : lo;
      break;
    case 'up':
      k = q < 0 ? lo : lo + 1;
      break;
    case 'half-up':
    case 'half-even':
      if (Math.abs(frac - 0.5) < MARGIN) return null;
      k = frac > 0.5 ? lo + 1 : lo;
      break;
  }
  return BigInt(k) * step;
};

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** JSON has no Infinity or NaN: an unbounded or unknown measure is recorded as null. */
export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
