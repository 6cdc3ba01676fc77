import type { SideView } from './book-side.js';

export interface LevelFill {
  readonly priceTicks: number;
  readonly lots: number;
}

export interface WalkResult {
  readonly filledLots: number;
  /** Volume-weighted average price in ticks (NaN when nothing filled); not on the tick grid in general. */
  readonly avgPriceTicks: number;
  /** Number of levels touched, including a partly taken last one. */
  readonly levels: number;
  /** One entry per level, each on the grid, so the ledger can book them as separate venue trades. */
  readonly fills: readonly LevelFill[];
  /** True when the book (or the limit price) ran out before the requested size. */
  readonly partial: boolean;
}

/**
 * A taker order walking the opposite side from the touch. `limitTicks` bounds the walk for a marketable
 * limit order (NaN = market). The book is only read: the replayed book is the market's, and the next
 * depth update would overwrite any liquidity we removed anyway; repeated taking inside one update
 * interval is what the λ·√notional impact term is for.
 */
export const walkBook = (
  opposite: SideView,
  buy: boolean,
  lots: number,
  limitTicks = Number.NaN,
): WalkResult => {
  const fills: LevelFill[] = [];
  let left = lots;
  let notional = 0;
  const bounded = !Number.isNaN(limitTicks);
  opposite.forEachLevel((px, qty) => {
    if (bounded && (buy ? px > limitTicks : px < limitTicks)) return false;
    const take = Math.min(left, qty);
    fills.push({ priceTicks: px, lots: take });
    notional += take * px;
    left -= take;
    return left > 0;
  });
  const filled = lots - left;
  return {
    filledLots: filled,
    avgPriceTicks: filled > 0 ? notional / filled : Number.NaN,
    levels: fills.length,
    fills,
    partial: left > 0,
  };
};
