import { type Fixed, fixed, type Rounding, roundToStep } from '../ledger/fixed.js';

/**
 * Risk measures (ratios, leverage, ATR multiples) are float64: they explain and compare, they are never
 * booked. Quantities and prices that go to the venue stay Fixed and on the instrument's grid; these two
 * helpers are the only crossing points between the two worlds.
 */
const UNIT = 10n ** 18n;
// Integer and fraction separately: each converts exactly or to the nearest double, which a single
// Number(x) / 1e18 does not (1.2e23 units is not a double), without the cost of going through text.
export const toNumber = (x: Fixed): number => Number(x / UNIT) + Number(x % UNIT) / 1e18;

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
  // toFixed(18) never uses exponent notation below 1e21 and fixed() accepts 18 places exactly.
  const v = fixed(x.toFixed(18));
  if (step === 0n) return v;
  // 100 − 2 × 1.3 × 2 is 94.79999999999998 in float64; flooring that to a 0.1 tick would give 94.7.
  // A value within float noise of a grid point is that grid point.
  const nearest = roundToStep(v, step, 'half-even');
  if (Math.abs(x - toNumber(nearest)) <= 1e-9 * Math.max(1, Math.abs(x))) return nearest;
  return roundToStep(v, step, mode);
};

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** JSON has no Infinity or NaN: an unbounded or unknown measure is recorded as null. */
export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
