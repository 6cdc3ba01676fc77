/**
 * Where a simulated resting limit order stands in the price-time queue of its level, estimated from L2
 * data and trades (no order ids are public).
 *
 * Model:
 * - On arrival the order joins the back: everything displayed at its price is ahead of it; anything
 *   added later is behind it.
 * - A trade at its price with the taker on the other side consumes the queue ahead first; only the part
 *   of the print beyond the queue ahead fills the order (partially when it is smaller than what is left).
 * - A trade strictly through its price (a bid resting above a print) fills the rest: price priority
 *   means the whole level, our order included, had to be gone before anything traded worse.
 * - A depth decrease at its level is first explained by prints there since the last depth update (those
 *   already moved the queue); the unexplained rest is cancellations. L2 does not say where in the queue
 *   they were, so a cancelled unit is taken to be equally likely anywhere in the level: the queue ahead
 *   shrinks by cancels × ahead / level. Counting them all as behind would never advance the order
 *   without prints (too pessimistic on a busy level); all ahead would jump it to the front on the first
 *   cancel (too optimistic). Empirically cancels lean to the back of queues, so this is, if anything,
 *   slightly optimistic; it is the common middle ground.
 * - The queue ahead never exceeds what is displayed at the level, and is zero when the level is gone.
 * - Only prints fill a resting order. If the other side's displayed book moves onto its price without a
 *   print, it stays unfilled: that liquidity never met a real order there, so assuming a fill would be
 *   inventing a trade.
 */
export interface QueuedOrder {
  readonly buy: boolean;
  readonly priceTicks: number;
  readonly lots: number;
  filledLots: number;
  queueAhead: number;
  /** Prints at our level since its last depth update: the part of the next decrease that is not cancels. */
  tradedSinceDepth: number;
}

export const joinQueue = (
  buy: boolean,
  priceTicks: number,
  lots: number,
  displayedLots: number,
): QueuedOrder => ({
  buy,
  priceTicks,
  lots,
  filledLots: 0,
  queueAhead: displayedLots,
  tradedSinceDepth: 0,
});

/**
 * Applies one print and returns the lots it fills. `takenBySim` is what earlier simulated orders at the
 * same level already took from this print, so two of our own orders cannot both be filled by one lot.
 */
export const queueOnTrade = (
  o: QueuedOrder,
  tradeTicks: number,
  tradeLots: number,
  sellerTaker: boolean,
  takenBySim: number,
): number => {
  const remaining = o.lots - o.filledLots;
  if (remaining <= 0) return 0;
  const through = o.buy ? tradeTicks < o.priceTicks : tradeTicks > o.priceTicks;
  if (through) {
    o.queueAhead = 0;
    o.filledLots = o.lots;
    return remaining;
  }
  // Only a taker from the other side trades against resting orders at our price.
  if (tradeTicks !== o.priceTicks || sellerTaker !== o.buy) return 0;
  o.tradedSinceDepth += tradeLots;
  const consumed = Math.min(o.queueAhead, tradeLots);
  o.queueAhead -= consumed;
  const available = tradeLots - consumed - takenBySim;
  if (available <= 0) return 0;
  const fill = Math.min(available, remaining);
  o.filledLots += fill;
  return fill;
};

/** Applies a depth update at the order's own level (same side, same price). */
export const queueOnDepth = (o: QueuedOrder, prevLots: number, newLots: number): void => {
  const decrease = prevLots - newLots;
  if (decrease > 0) {
    const explained = Math.min(decrease, o.tradedSinceDepth);
    const cancels = decrease - explained;
    const levelBefore = prevLots - explained;
    // Rounded up to a whole lot so later fills stay on the lot grid; rounding up errs towards a later fill.
    if (cancels > 0 && levelBefore > 0)
      o.queueAhead = Math.ceil(o.queueAhead - (cancels * o.queueAhead) / levelBefore);
  }
  // The depth update reflects every print up to its time (prints sort first on equal time).
  o.tradedSinceDepth = 0;
  if (o.queueAhead > newLots) o.queueAhead = newLots;
  if (o.queueAhead < 0) o.queueAhead = 0;
};
