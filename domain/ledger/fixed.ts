/**
 * Money, prices, quantities and rates are scaled bigints: an integer count of 10^-18 units.
 *
 * Why not decimal.js or big.js: the ledger must reconcile to the last unit and run ≥ 200k fills/s.
 * A single fixed scale makes every sum exact (bigint addition never rounds), makes equality and
 * ordering plain `===`/`<`, costs no allocation per operation beyond the bigint itself, and keeps
 * domain/ free of a runtime dependency (decimal.js is a dev dependency only). 18 places hold every
 * Binance tick (1e-7), step (1e-7), mark price (8 dp) and rate without loss, and the exact product of a
 * price and a quantity (≤ 8 + 8 dp) still fits, so notional values never round. Rounding happens only
 * where a venue rounds: when an amount is booked to the wallet (see `roundTo` and venue rules).
 *
 * Values cross the event log as canonical decimal strings (JSON has no bigint), never as floats.
 */
export type Fixed = bigint;

export const SCALE = 18;
export const ONE: Fixed = 10n ** 18n;
export const ZERO: Fixed = 0n;

/** How a value that does not fit the target precision is brought onto it. */
export type Rounding = 'down' | 'up' | 'floor' | 'ceil' | 'half-up' | 'half-even';

// Up to 10^72: a product of four 18-place factors. Looking a power up beats computing it per call.
const POW10: readonly bigint[] = Array.from({ length: 4 * SCALE + 1 }, (_, i) => 10n ** BigInt(i));
const pow10 = (k: number): bigint => POW10[k] ?? 10n ** BigInt(k);
const POW10_15 = POW10[15]!;

export class FixedFormatError extends Error {
  readonly rule = 'decimal-format';
  constructor(message: string) {
    super(message);
    this.name = 'FixedFormatError';
  }
}

/**
 * Parses a plain decimal string ("-12.5", "0.00010"). Exponents, NaN, Infinity and empty strings are
 * refused: a number that went through a float on its way here should be caught, not silently accepted.
 * More than 18 decimals is refused unless a rounding mode is given.
 */
export const fixed = (text: string, rounding?: Rounding): Fixed => {
  // Hand-rolled scan instead of a regex and string concatenation: this runs for every amount of every
  // event folded, and up to 15 digits accumulate exactly in a double before one BigInt conversion.
  const n = text.length;
  let i = 0;
  const neg = n > 0 && text.charCodeAt(0) === 45; // '-'
  if (neg) i = 1;
  // Digits gather in a double, 15 at a time (exact below 2^53), and fold into the bigint a chunk at a
  // time: one multiply-add per 15 digits instead of one per digit, and a 23-digit amount such as
  // x.toFixed(18) costs two bigint conversions.
  let acc = 0;
  let accDigits = 0;
  let digits = 0;
  let frac = -1; // digits after the point; -1 while there is no point
  let big: bigint | null = null;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      // '.'
      if (frac >= 0 || digits === 0) break;
      frac = 0;
      continue;
    }
    if (c < 48 || c > 57) break;
    if (frac >= 0) frac++;
    digits++;
    acc = acc * 10 + (c - 48);
    if (++accDigits === 15) {
      big = big === null ? BigInt(acc) : big * POW10_15 + BigInt(acc);
      acc = 0;
      accDigits = 0;
    }
  }
  if (i !== n || digits === 0 || frac === 0) {
    throw new FixedFormatError(`decimal-format: ${JSON.stringify(text)} is not a plain decimal number`);
  }
  const places = Math.max(frac, 0);
  let units = big === null ? BigInt(acc) : accDigits === 0 ? big : big * pow10(accDigits) + BigInt(acc);
  if (places <= SCALE) {
    units *= pow10(SCALE - places);
  } else {
    if (!rounding) {
      throw new FixedFormatError(`decimal-format: ${text} has more than ${SCALE} decimal places`);
    }
    units = divRound(units, 10n ** BigInt(places - SCALE), rounding);
  }
  return neg ? -units : units;
};

export const fromInt = (n: number | bigint): Fixed => BigInt(n) * ONE;

/** Canonical text: no trailing zeros, no "-0"; `dp` pads (not rounds) to at least that many places. */
export const toText = (x: Fixed, dp = 0): string => {
  // One bigint → string conversion and string slicing: dividing by 10^18 twice costs several times more,
  // and this runs for every amount of every event.
  const neg = x < 0n;
  const digits = (neg ? -x : x).toString();
  let int: string;
  let frac: string;
  if (digits.length > SCALE) {
    int = digits.slice(0, digits.length - SCALE);
    frac = digits.slice(digits.length - SCALE);
  } else {
    int = '0';
    frac = digits.padStart(SCALE, '0');
  }
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  frac = frac.slice(0, end);
  if (frac.length < dp) frac = frac.padEnd(dp, '0');
  const body = frac ? `${int}.${frac}` : int;
  return neg && x !== 0n ? `-${body}` : body;
};

/** Integer division n / d rounded by `mode` (d ≠ 0). */
export const divRound = (n: bigint, d: bigint, mode: Rounding): bigint => {
  if (d === 0n) throw new RangeError('division by zero');
  const q = n / d; // truncates toward zero
  const r = n - q * d; // a multiplication is cheaper than a second bigint division
  if (r === 0n) return q;
  const positive = n < 0n === d < 0n;
  const away = positive ? q + 1n : q - 1n;
  switch (mode) {
    case 'down':
      return q;
    case 'up':
      return away;
    case 'floor':
      return positive ? q : away;
    case 'ceil':
      return positive ? away : q;
    case 'half-up':
    case 'half-even': {
      const twice = 2n * (r < 0n ? -r : r);
      const absD = d < 0n ? -d : d;
      if (twice > absD) return away;
      if (twice < absD) return q;
      if (mode === 'half-up') return away;
      return q % 2n === 0n ? q : away;
    }
  }
};

export const mul = (a: Fixed, b: Fixed, mode: Rounding = 'half-even'): Fixed => divRound(a * b, ONE, mode);
export const div = (a: Fixed, b: Fixed, mode: Rounding = 'half-even'): Fixed => divRound(a * ONE, b, mode);

/** Rounds to `dp` decimal places (0 ≤ dp ≤ 18). */
export const roundTo = (x: Fixed, dp: number, mode: Rounding): Fixed => {
  if (dp >= SCALE) return x;
  const unit = pow10(SCALE - dp);
  return divRound(x, unit, mode) * unit;
};

/** Rounds to a multiple of `step` (step > 0). */
export const roundToStep = (x: Fixed, step: Fixed, mode: Rounding): Fixed => divRound(x, step, mode) * step;

export const isMultipleOf = (x: Fixed, step: Fixed): boolean => step === 0n || x % step === 0n;

export const abs = (x: Fixed): Fixed => (x < 0n ? -x : x);
export const sign = (x: Fixed): -1n | 0n | 1n => (x > 0n ? 1n : x < 0n ? -1n : 0n);
export const min = (a: Fixed, b: Fixed): Fixed => (a < b ? a : b);
export const max = (a: Fixed, b: Fixed): Fixed => (a > b ? a : b);

/** Number of decimal places a step like "0.001" implies (for display and rounding to a precision). */
export const decimalsOf = (step: Fixed): number => {
  if (step === 0n) return SCALE;
  let dp = SCALE;
  let s = step;
  while (dp > 0 && s % 10n === 0n) {
    s /= 10n;
    dp--;
  }
  return dp;
};

/**
 * The product of several values rounded once, straight to `dp` places. Rounding the intermediate
 * product first (e.g. notional, then × rate) could round twice and miss the venue's figure by a unit.
 */
export const roundedProduct = (factors: readonly Fixed[], dp: number, mode: Rounding): Fixed => {
  let p = 1n;
  for (const f of factors) p *= f;
  const scale = SCALE * factors.length;
  return divRound(p, pow10(scale - dp), mode) * pow10(SCALE - dp);
};

/**
 * `text` when it already is the canonical form of `value` (as toText would print it), else toText(value).
 * Events echo the caller's numbers; reusing a canonical input string skips a format per field. `text`
 * must be what `value` was parsed from.
 */
export const canonicalText = (text: string, value: Fixed): string => {
  const n = text.length;
  const start = text.charCodeAt(0) === 45 ? 1 : 0;
  if (start === 1 && value === 0n) return toText(value); // "-0", "-0.00"
  if (text.charCodeAt(start) === 48 && start + 1 < n && text.charCodeAt(start + 1) !== 46)
    return toText(value);
  if (text.indexOf('.') >= 0 && text.charCodeAt(n - 1) === 48) return toText(value);
  return text;
};
