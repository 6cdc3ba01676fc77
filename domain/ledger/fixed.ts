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

// --- recent amounts ---------------------------------------------------------------------------------
/*
 * The amounts last parsed or printed, so that the same text is not parsed again. One fill's quantity is
 * parsed seven times on a backtest's path (order decider and evolve, account decider, the account's
 * evolve and the read model's, the read model's trade), its price five, and every amount a decider prints
 * is parsed back by two evolves. Equal text always is the same value (bigints are immutable, so sharing
 * one is safe), so a hit is exact; a miss costs at most WAYS string comparisons, which fail on the first
 * differing character. Slots are picked by the text's length and hold the WAYS latest texts of it.
 */
const WAYS = 4;
const LENGTHS = 32;
const recentText: (string | null)[] = new Array<string | null>(WAYS * LENGTHS).fill(null);
const recentValue: Fixed[] = new Array<Fixed>(WAYS * LENGTHS).fill(0n);

const recall = (text: string): Fixed | undefined => {
  const at = (text.length & (LENGTHS - 1)) * WAYS;
  for (let k = at; k < at + WAYS; k++) if (recentText[k] === text) return recentValue[k];
  return undefined;
};

const remember = (text: string, value: Fixed): void => {
  const at = (text.length & (LENGTHS - 1)) * WAYS;
  for (let k = at + WAYS - 1; k > at; k--) {
    recentText[k] = recentText[k - 1] ?? null;
    recentValue[k] = recentValue[k - 1]!;
  }
  recentText[at] = text;
  recentValue[at] = value;
};

/**
 * Parses a plain decimal string ("-12.5", "0.00010"). Exponents, NaN, Infinity and empty strings are
 * refused: a number that went through a float on its way here should be caught, not silently accepted.
 * More than 18 decimals is refused unless a rounding mode is given.
 */
export const fixed = (text: string, rounding?: Rounding): Fixed => {
  const known = recall(text);
  if (known !== undefined) return known; // a remembered text has ≤ 18 places: no rounding applies
  const value = parseFixed(text, rounding);
  // Only text that needed no rounding: what a rounded parse gives depends on the mode, not the text alone.
  if (rounding === undefined) remember(text, value);
  return value;
};

/** `fixed` without the memory of recent amounts: the definition it must always agree with. */
export const parseFixed = (text: string, rounding?: Rounding): Fixed => {
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

// "0.", "0.0", "0.00", …: how the text of a value below one starts, SCALE − (its digit count) zeros in.
const BELOW_ONE: readonly string[] = Array.from({ length: SCALE }, (_, k) => `0.${'0'.repeat(k)}`);

/** Canonical text: no trailing zeros, no "-0"; `dp` pads (not rounds) to at least that many places. */
export const toText = (x: Fixed, dp = 0): string => {
  // One bigint → string conversion, its sign included (no negation), and the trailing zeros found on
  // that string before anything is cut: the text is two slices and a join, the fewest strings this
  // can take. It runs for every amount of every event.
  if (x === 0n) return dp > 0 ? `0.${'0'.repeat(dp)}` : '0';
  const digits = x.toString();
  const n = digits.length;
  const start = digits.charCodeAt(0) === 45 ? 1 : 0; // '-'
  let end = n;
  while (digits.charCodeAt(end - 1) === 48) end--; // x ≠ 0: stops at its last non-zero digit
  const point = n - SCALE; // where the decimal point goes
  let text: string;
  let places: number;
  if (point > start) {
    places = end > point ? end - point : 0;
    text = places === 0 ? digits.slice(0, point) : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  } else {
    const zeros = start - point;
    places = zeros + end - start;
    const body = `${BELOW_ONE[zeros]!}${digits.slice(start, end)}`;
    text = start === 1 ? `-${body}` : body;
  }
  if (places < dp) return `${text}${places === 0 ? '.' : ''}${'0'.repeat(dp - places)}`;
  // What is printed is mostly parsed back soon after (evolve folds the event a decider just built).
  remember(text, x);
  return text;
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
