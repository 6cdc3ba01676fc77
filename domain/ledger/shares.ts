import type { RecordedEvent } from '../events/envelope.js';
import { type Fixed, fixed, roundTo } from './fixed.js';

/**
 * An account-wide amount (funding, a clearance fee) split in proportion to `weights` (the runs' signed
 * positions, or what a liquidation closed of each): amount × weight ÷ their sum, to `dp` places toward
 * zero, the last taking the rest, so the parts add up to the amount exactly. The exchange charges one
 * account, and every run sharing it must get the same split whoever computes it: callers pass the weights
 * in an order they agree on.
 */
export const proRata = (amount: Fixed, weights: readonly Fixed[], dp: number): Fixed[] => {
  const total = weights.reduce((sum, w) => sum + w, 0n);
  if (total === 0n) throw new RangeError('proRata: the weights sum to zero; there is nothing to share by');
  let left = amount;
  return weights.map((w, i) => {
    const part = i === weights.length - 1 ? left : roundTo((amount * w) / total, dp, 'down');
    left -= part;
    return part;
  });
};

/**
 * A one-way account's signed position in `symbol` just before `time`, from its stream alone: the fills
 * (the exchange's own closing ones included), liquidations and positions moved between runs (handed over,
 * taken over) whose domain time is earlier. What the exchange charged funding on at a settlement, whatever
 * was booked after it since.
 */
export const positionAt = (events: readonly RecordedEvent[], symbol: string, time: number): Fixed => {
  let qty = 0n;
  for (const e of events) {
    const t = e.type;
    if (
      t !== 'FillSettled' &&
      t !== 'PositionLiquidated' &&
      t !== 'PositionHandedOver' &&
      t !== 'PositionTakenOver'
    )
      continue;
    const d = e.data as { symbol: string; side?: string; quantity: string };
    if (d.symbol !== symbol || Date.parse(e.metadata.occurredAt) >= time) continue;
    if (t === 'PositionLiquidated' || t === 'PositionHandedOver') qty = 0n;
    else if (t === 'PositionTakenOver') qty += fixed(d.quantity);
    else qty += d.side === 'BUY' ? fixed(d.quantity) : -fixed(d.quantity);
  }
  return qty;
};
