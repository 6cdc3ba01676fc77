import { type AccountContext, type AccountState, parse, positionKey, settingsFor } from './account-state.js';
import { refuse } from './errors.js';
import type { AccountEvent, PositionSide } from './events.js';
import { abs, div, type Fixed, isMultipleOf, roundTo, toText } from './fixed.js';

/**
 * Moving a whole position from one run's account to another's, at its cost and with no trade (the
 * PositionHandedOver / PositionTakenOver events): what lets a real run started after a crash carry on
 * with what the run before it held, instead of closing it at market and opening it again.
 */

export interface HandOverPosition {
  readonly kind: 'HandOverPosition';
  readonly symbol: string;
  readonly positionSide: PositionSide;
  readonly strategyId: string | null;
  readonly toAccount: string;
}

export interface TakeOverPosition {
  readonly kind: 'TakeOverPosition';
  readonly symbol: string;
  readonly positionSide: PositionSide;
  readonly strategyId: string | null;
  /** Signed quantity and signed cost, exactly as the handing account's ledger holds them. */
  readonly quantity: string;
  readonly cost: string;
  readonly fromAccount: string;
}

/** The id by which a move is booked once (kept with the account's transfers). */
export const positionMoveId = (from: string, to: string, symbol: string, side: PositionSide): string =>
  `position-move:${from}>${to}:${symbol}:${side}`;

const entryPriceOf = (qty: Fixed, cost: Fixed): string =>
  toText(roundTo(div(abs(cost), abs(qty)), 8, 'half-even'));

/**
 * The hand-over of what `s` holds in `symbol` to `toAccount`: the whole position, as its ledger has it.
 * Also what a run taking a position over writes into the stream of the run it takes it from, with the
 * state it read of that stream, so that both halves come from one rule.
 */
export const handOverPosition = (c: HandOverPosition, s: AccountState): AccountEvent[] => {
  if (c.toAccount === s.accountId)
    refuse('position-move-to-itself', `${c.symbol}: an account cannot hand a position to itself`);
  if (s.transfers.has(positionMoveId(s.accountId, c.toAccount, c.symbol, c.positionSide))) return [];
  const p = s.positions.get(positionKey(c.symbol, c.positionSide));
  if (p === undefined || p.qty === 0n)
    return refuse(
      'hand-over-nothing',
      `${s.accountId} holds no ${c.symbol} ${c.positionSide} position to hand over`,
    );
  if (p.marginType !== 'cross')
    refuse(
      'position-move-isolated',
      `${c.symbol}: only a cross position moves between accounts (its isolated wallet would have to move too)`,
    );
  return [
    {
      type: 'PositionHandedOver',
      data: {
        symbol: c.symbol,
        positionSide: c.positionSide,
        strategyId: c.strategyId,
        quantity: toText(p.qty),
        cost: toText(p.cost),
        entryPrice: entryPriceOf(p.qty, p.cost),
        toAccount: c.toAccount,
      },
    },
  ];
};

export const takeOverPosition = (
  c: TakeOverPosition,
  s: AccountState,
  ctx: AccountContext,
): AccountEvent[] => {
  if (c.fromAccount === s.accountId)
    refuse('position-move-to-itself', `${c.symbol}: an account cannot take a position over from itself`);
  if (s.transfers.has(positionMoveId(c.fromAccount, s.accountId, c.symbol, c.positionSide))) return [];
  const inst = ctx.instrument(c.symbol);
  if ((s.positionMode === 'one-way') !== (c.positionSide === 'BOTH'))
    refuse(
      'position-side-mode',
      `${c.symbol}: a ${c.positionSide} position does not fit a ${s.positionMode} account`,
    );
  const held = s.positions.get(positionKey(c.symbol, c.positionSide));
  if (held !== undefined && held.qty !== 0n)
    refuse(
      'take-over-position-open',
      `${s.accountId} already holds ${c.symbol} ${c.positionSide}: a take-over starts from flat`,
    );
  if (settingsFor(s, c.symbol, inst).marginType !== 'cross')
    refuse(
      'position-move-isolated',
      `${c.symbol}: only a cross position moves between accounts (its isolated wallet would have to move too)`,
    );
  const qty = parse(c.quantity, 'take-over-quantity');
  const cost = parse(c.cost, 'take-over-cost');
  if (qty === 0n) refuse('take-over-nothing', `${c.symbol}: a take-over of quantity 0`);
  if (!isMultipleOf(abs(qty), inst.stepSize))
    refuse(
      'quantity-off-step',
      `${c.symbol} quantity ${c.quantity} is not a multiple of ${toText(inst.stepSize)}`,
    );
  if (cost === 0n || cost > 0n !== qty > 0n)
    refuse('take-over-cost-sign', `${c.symbol}: cost ${c.cost} must be non-zero and of the quantity's sign`);
  return [
    {
      type: 'PositionTakenOver',
      data: {
        symbol: c.symbol,
        positionSide: c.positionSide,
        strategyId: c.strategyId,
        quantity: toText(qty),
        cost: toText(cost),
        entryPrice: entryPriceOf(qty, cost),
        fromAccount: c.fromAccount,
      },
    },
  ];
};
