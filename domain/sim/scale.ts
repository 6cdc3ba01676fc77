import { ONE, toText } from '../ledger/fixed.js';

/**
 * Integer units for the simulator. Prices are held as whole ticks and quantities as whole lots (float64
 * integers, exact below 2^53) so queue arithmetic never drifts: "queue ahead reached zero" must be an
 * exact test, not a comparison against an epsilon that a long replay would accumulate.
 */
export interface TickScale {
  /** Ticks → price: price = ticks × tickNum / tickDen, exact for decimal tick sizes. */
  readonly tickNum: number;
  readonly tickDen: number;
  readonly lotNum: number;
  readonly lotDen: number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** "0.10" → { num: 1, den: 10 }: the step as an integer over a power of ten, trailing zeros dropped. */
const decimalStep = (step: string): { num: number; den: number } => {
  const m = DECIMAL.exec(step);
  if (!m) throw new RangeError(`not a plain decimal step: "${step}"`);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  const num = Number(m[1]! + frac);
  if (!(num > 0)) throw new RangeError(`step must be positive: "${step}"`);
  return { num, den: 10 ** frac.length };
};

export const tickScale = (tickSize: string, stepSize: string): TickScale => {
  const t = decimalStep(tickSize);
  const l = decimalStep(stepSize);
  return { tickNum: t.num, tickDen: t.den, lotNum: l.num, lotDen: l.den };
};

/**
 * A decimal string as a whole number of steps (num/den). Parsed digit by digit rather than through
 * Number(text) × den, which would round "61800.30" × 10 to a neighbour of the integer. Returns NaN when
 * the text is not a decimal or not a whole number of steps, so a hot loader can report the line.
 */
export const parseSteps = (text: string, num: number, den: number): number => {
  let int = 0;
  let frac = 0;
  let fracDigits = 0;
  let seenDot = false;
  const n = text.length;
  if (n === 0) return Number.NaN;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (seenDot) return Number.NaN;
      seenDot = true;
    } else if (c >= 48 && c <= 57) {
      if (seenDot) {
        frac = frac * 10 + (c - 48);
        fracDigits++;
      } else int = int * 10 + (c - 48);
    } else return Number.NaN;
  }
  // Bring the fraction to the step's denominator; extra digits must be zeros.
  let fracAtDen = frac;
  let d = 10 ** fracDigits;
  while (d > den) {
    if (fracAtDen % 10 !== 0) return Number.NaN;
    fracAtDen /= 10;
    d /= 10;
  }
  fracAtDen *= den / d;
  const units = int * den + fracAtDen;
  if (units % num !== 0) return Number.NaN;
  return units / num;
};

export const ticksToPrice = (s: TickScale, ticks: number): number => (ticks * s.tickNum) / s.tickDen;
export const lotsToQty = (s: TickScale, lots: number): number => (lots * s.lotNum) / s.lotDen;

// The denominator is a power of ten no finer than the ledger's 18 places, so this is exact: a fill leaves
// the simulator as the ledger's own decimal text, never through a float's shortest representation.
const unitsToText = (units: number, num: number, den: number): string =>
  toText(BigInt(units) * BigInt(num) * (ONE / BigInt(den)));

/** Whole ticks/lots as canonical decimal text ("61800.3", "0.05"): what the ledger and the venue port take. */
export const ticksToText = (s: TickScale, ticks: number): string => unitsToText(ticks, s.tickNum, s.tickDen);
export const lotsToText = (s: TickScale, lots: number): string => unitsToText(lots, s.lotNum, s.lotDen);

/** The nearest whole tick/lot to a float price/quantity given by a caller (strategies think in floats). */
export const priceToTicks = (s: TickScale, price: number): number =>
  Math.round((price * s.tickDen) / s.tickNum);
export const qtyToLots = (s: TickScale, qty: number): number => Math.round((qty * s.lotDen) / s.lotNum);

/**
 * Whether a float price/quantity is a whole number of steps, up to float noise (61800.3 × 10 is
 * 618002.9999999999). Off-grid orders are refused at the venue, as Binance does (-1111/-4014), rather
 * than rounded: rounding is the ledger's GridPolicy decision, taken before an order reaches a venue.
 */
export const onGrid = (value: number, num: number, den: number): boolean => {
  const units = (value * den) / num;
  return Math.abs(units - Math.round(units)) < 1e-6;
};
