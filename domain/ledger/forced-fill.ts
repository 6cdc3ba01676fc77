import type { AccountCommand } from './account-state.js';
import { type Fixed, fixed, min, roundTo, toText } from './fixed.js';
import type { VenueForcedFill } from './venue-port.js';

/** A forced fill as a report carries it, received or not. */
export type ForcedFill = Omit<VenueForcedFill, 'receivedAt' | 'kind'>;

/**
 * How a run's account books one trade of the exchange's own closing order (VenueForcedFill): as a
 * reduce-only fill at the exchange's price and trade id, under the exchange's order id, marked `forced`.
 * The exchange closes the account's net position, so the run books at most what it holds of the side
 * the trade closes (`held`, signed); the rest (`unbooked`) was not the run's: a position opened by hand.
 * The exchange's fee is charged for the part booked, pro rata and down to the fee's 8 places, in the asset
 * the exchange took it in (BNB with Binance's BNB deduction: booked as paid in it, see SettleFill.feeAsset). `command` is null when the run holds nothing the trade closes.
 */
export const forcedSettleFill = (
  f: ForcedFill,
  held: Fixed,
  marginAsset: string,
  fillSeq: number,
  strategyId: string | null,
): { command: Extract<AccountCommand, { kind: 'SettleFill' }> | null; unbooked: Fixed } => {
  const total = fixed(f.quantity);
  const open = f.side === 'SELL' ? held : -held;
  if (open <= 0n) return { command: null, unbooked: total };
  const quantity = min(open, total);
  const fee =
    f.fee === undefined
      ? undefined
      : quantity === total
        ? f.fee.amount
        : toText(roundTo((fixed(f.fee.amount) * quantity) / total, 8, 'floor'));
  const feeAsset = f.fee !== undefined && f.fee.asset !== marginAsset ? f.fee.asset : undefined;
  return {
    command: {
      kind: 'SettleFill',
      orderId: forcedOrderId(f),
      fillSeq,
      tradeId: f.tradeId,
      strategyId,
      symbol: f.symbol,
      side: f.side,
      positionSide: 'BOTH',
      quantity: toText(quantity),
      price: f.price,
      liquidity: 'taker',
      reduceOnly: true,
      forced: f.reason,
      ...(fee === undefined ? {} : { fee }),
      ...(feeAsset === undefined ? {} : { feeAsset }),
    },
    unbooked: total - quantity,
  };
};

/** The exchange's closing order as the ledger names it: its client id is not unique (ADL reuses one). */
export const forcedOrderId = (f: Pick<ForcedFill, 'clientOrderId' | 'venueOrderId'>): string =>
  `${f.clientOrderId}/${f.venueOrderId}`;

/** What the log's causal links are grouped by: every trade of one closing order. */
export const forcedCorrelationId = (f: Pick<ForcedFill, 'reason' | 'venueOrderId'>): string =>
  `${f.reason}:${f.venueOrderId}`;
