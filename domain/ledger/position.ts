import { abs, div, divRound, type Fixed, mul } from './fixed.js';

/**
 * A position as signed quantity (long > 0, short < 0) and signed cost basis (Σ quantity × price of what
 * is still open). Keeping the cost, not the average price, makes every increase exact; only a partial
 * reduce divides (the cost share it removes), and a full close removes the cost exactly, so a round
 * trip realises exactly Σ sells − Σ buys before the venue rounds the booked amount.
 */
export interface PositionAmount {
  readonly qty: Fixed;
  readonly cost: Fixed;
}

export const flat: PositionAmount = { qty: 0n, cost: 0n };

export interface FillOutcome {
  readonly position: PositionAmount;
  /** Signed quantity closed, in the position's sign (0 when the fill only opened or increased). */
  readonly closed: Fixed;
  /** Exact realised PnL of the closed part, before the venue rounds it for booking. */
  readonly realisedExact: Fixed;
  /** Signed quantity that opened (or increased) exposure. */
  readonly opened: Fixed;
}

/** Applies a signed fill (buy > 0, sell < 0) at `price`; a fill larger than the position flips it. */
export const applyFill = (pos: PositionAmount, signedQty: Fixed, price: Fixed): FillOutcome => {
  const { qty, cost } = pos;
  if (qty === 0n || qty > 0n === signedQty > 0n) {
    return {
      position: { qty: qty + signedQty, cost: cost + mul(signedQty, price) },
      closed: 0n,
      realisedExact: 0n,
      opened: signedQty,
    };
  }
  const closing = abs(signedQty) >= abs(qty);
  const closed = closing ? qty : -signedQty;
  const removedCost = closing ? cost : divRound(cost * closed, qty, 'half-even');
  const realisedExact = mul(closed, price) - removedCost;
  const rest = signedQty + closed; // what is left of the fill after closing: opens the other way
  return {
    position: { qty: qty - closed + rest, cost: cost - removedCost + mul(rest, price) },
    closed,
    realisedExact,
    opened: rest,
  };
};

export const entryPrice = (pos: PositionAmount): Fixed =>
  pos.qty === 0n ? 0n : div(pos.cost, pos.qty, 'half-even');

/** qty × mark − cost: positive when a long is above its entry or a short below. */
export const unrealisedPnl = (pos: PositionAmount, mark: Fixed): Fixed => mul(pos.qty, mark) - pos.cost;

export const notionalAt = (pos: PositionAmount, mark: Fixed): Fixed => abs(mul(pos.qty, mark));
