import { refuse } from './errors.js';
import { type Fixed, fixed, isMultipleOf, mul, roundToStep, toText } from './fixed.js';

/**
 * One maintenance-margin tier. `cum` (Binance's "maintenance amount") makes the tiered requirement a
 * single expression: MM = notional × maintMarginRatio − cum equals the sum, tier by tier, of each slice of
 * the notional times its own rate, so a position spanning two brackets needs no loop.
 */
export interface Bracket {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalFloor: Fixed;
  readonly notionalCap: Fixed;
  readonly maintMarginRatio: Fixed;
  readonly cum: Fixed;
}

export interface Instrument {
  readonly venue: string;
  readonly symbol: string;
  readonly contractType: string;
  readonly status: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly marginAsset: string;
  /** 0 disables the check, as in Binance's filters. */
  readonly tickSize: Fixed;
  readonly minPrice: Fixed;
  readonly maxPrice: Fixed;
  readonly stepSize: Fixed;
  readonly minQty: Fixed;
  readonly maxQty: Fixed;
  readonly marketStepSize: Fixed;
  readonly marketMinQty: Fixed;
  readonly marketMaxQty: Fixed;
  readonly minNotional: Fixed;
  /** PERCENT_PRICE: a limit price must lie within [mark × down, mark × up]. */
  readonly percentPriceUp: Fixed;
  readonly percentPriceDown: Fixed;
  readonly liquidationFeeRate: Fixed;
  readonly brackets: readonly Bracket[];
}

/** The tier whose (floor, cap] holds the notional; the first tier also holds 0. */
export const bracketFor = (inst: Instrument, notional: Fixed): Bracket => {
  const { brackets } = inst;
  if (brackets.length === 0) return refuse('no-leverage-brackets', `${inst.symbol} has no leverage brackets`);
  for (const b of brackets) if (notional <= b.notionalCap) return b;
  return refuse(
    'notional-above-last-bracket',
    `${inst.symbol} notional ${toText(notional)} exceeds the last bracket cap ${toText(brackets[brackets.length - 1]!.notionalCap)}`,
  );
};

export const maxLeverageFor = (inst: Instrument, notional: Fixed): number =>
  bracketFor(inst, notional).initialLeverage;

/** Maintenance margin of a position with this notional (≥ 0), exact before the venue rounds it. */
export const maintenanceMargin = (inst: Instrument, notional: Fixed): Fixed => {
  const b = bracketFor(inst, notional);
  const mm = mul(notional, b.maintMarginRatio, 'ceil') - b.cum;
  return mm < 0n ? 0n : mm;
};

// --- grid rules ------------------------------------------------------------------------------------

/**
 * What to do with a price or quantity off the instrument's grid. `refuse` is the default everywhere.
 * `round` is only honoured where the caller asks for it when placing an order: quantities round down
 * (never trade more than asked) and prices round toward the passive side (a buy down, a sell up), so
 * rounding never makes an order larger or more aggressive than requested. Fills, marks and funding
 * come from the venue and are never rounded: an off-grid fill means bad data and is refused.
 */
export type GridPolicy = 'refuse' | 'round';

export const conformPrice = (
  inst: Instrument,
  price: Fixed,
  side: 'BUY' | 'SELL',
  policy: GridPolicy,
): Fixed => {
  if (price <= 0n) refuse('price-must-be-positive', `${inst.symbol} price ${toText(price)} must be > 0`);
  let p = price;
  if (!isMultipleOf(p, inst.tickSize)) {
    if (policy === 'refuse') {
      refuse(
        'price-off-tick',
        `${inst.symbol} price ${toText(p)} is not a multiple of tick size ${toText(inst.tickSize)}`,
      );
    }
    p = roundToStep(p, inst.tickSize, side === 'BUY' ? 'floor' : 'ceil');
  }
  if (inst.minPrice !== 0n && p < inst.minPrice) {
    refuse(
      'price-below-min',
      `${inst.symbol} price ${toText(p)} is below the minimum ${toText(inst.minPrice)}`,
    );
  }
  if (inst.maxPrice !== 0n && p > inst.maxPrice) {
    refuse(
      'price-above-max',
      `${inst.symbol} price ${toText(p)} is above the maximum ${toText(inst.maxPrice)}`,
    );
  }
  return p;
};

export const conformQty = (inst: Instrument, qty: Fixed, market: boolean, policy: GridPolicy): Fixed => {
  if (qty <= 0n) refuse('quantity-must-be-positive', `${inst.symbol} quantity ${toText(qty)} must be > 0`);
  const step = market ? inst.marketStepSize : inst.stepSize;
  const minQ = market ? inst.marketMinQty : inst.minQty;
  const maxQ = market ? inst.marketMaxQty : inst.maxQty;
  let q = qty;
  if (!isMultipleOf(q, step)) {
    if (policy === 'refuse') {
      refuse(
        'quantity-off-step',
        `${inst.symbol} quantity ${toText(q)} is not a multiple of step size ${toText(step)}`,
      );
    }
    q = roundToStep(q, step, 'down');
  }
  if (minQ !== 0n && q < minQ)
    refuse('quantity-below-min', `${inst.symbol} quantity ${toText(q)} is below ${toText(minQ)}`);
  if (maxQ !== 0n && q > maxQ)
    refuse('quantity-above-max', `${inst.symbol} quantity ${toText(q)} is above ${toText(maxQ)}`);
  return q;
};

/** The finer of the limit and market lot steps: a fill of either kind of order lands on it. */
const fillStep = (inst: Instrument): Fixed =>
  inst.stepSize < inst.marketStepSize || inst.marketStepSize === 0n ? inst.stepSize : inst.marketStepSize;

/** Whether a fill's price and quantity sit on the instrument's grids (checkFillGrid, without refusing). */
export const onFillGrid = (inst: Instrument, price: Fixed, qty: Fixed): boolean =>
  isMultipleOf(price, inst.tickSize) && isMultipleOf(qty, fillStep(inst));

/** A fill must sit on the grid exactly: the venue never fills off-grid, so this catches corrupted input. */
export const checkFillGrid = (inst: Instrument, price: Fixed, qty: Fixed): void => {
  if (price <= 0n) refuse('price-must-be-positive', `fill price ${toText(price)} must be > 0`);
  if (qty <= 0n) refuse('quantity-must-be-positive', `fill quantity ${toText(qty)} must be > 0`);
  if (!isMultipleOf(price, inst.tickSize)) {
    refuse(
      'price-off-tick',
      `${inst.symbol} fill price ${toText(price)} is not a multiple of ${toText(inst.tickSize)}`,
    );
  }
  const step = fillStep(inst);
  if (!isMultipleOf(qty, step)) {
    refuse(
      'quantity-off-step',
      `${inst.symbol} fill quantity ${toText(qty)} is not a multiple of ${toText(step)}`,
    );
  }
};

export const checkMinNotional = (inst: Instrument, qty: Fixed, price: Fixed): void => {
  if (inst.minNotional === 0n) return;
  const notional = mul(qty, price);
  if (notional < inst.minNotional) {
    refuse(
      'notional-below-min',
      `${inst.symbol} notional ${toText(notional)} (${toText(qty)} × ${toText(price)}) is below ${toText(inst.minNotional)}`,
    );
  }
};

/** PERCENT_PRICE band around the mark price, checked when the caller supplies a mark. */
export const checkPriceBand = (inst: Instrument, price: Fixed, mark: Fixed): void => {
  if (inst.percentPriceUp === 0n && inst.percentPriceDown === 0n) return;
  const hi = mul(mark, inst.percentPriceUp, 'floor');
  const lo = mul(mark, inst.percentPriceDown, 'ceil');
  if (price > hi || price < lo) {
    refuse(
      'price-outside-band',
      `${inst.symbol} price ${toText(price)} is outside [${toText(lo)}, ${toText(hi)}] around mark ${toText(mark)}`,
    );
  }
};

export const parseDecimalField = (value: unknown, where: string): Fixed => {
  if (typeof value === 'number') return fixed(String(value));
  if (typeof value !== 'string')
    throw new Error(`${where}: expected a decimal string, got ${JSON.stringify(value)}`);
  return fixed(value);
};
