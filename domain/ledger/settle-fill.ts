import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  feeEvent,
  type PositionState,
  parseFee,
  parsePositive,
  positionKey,
  settingsFor,
} from './account-state.js';
import { refuse } from './errors.js';
import type { AccountEvent, FeeChargedData, FillSettledData } from './events.js';
import { abs, canonicalText, div, type Fixed, mul, ONE, roundedProduct, roundTo, toText } from './fixed.js';
import { checkFillGrid, type Instrument } from './instrument.js';
import { initialMargin } from './margin.js';
import { applyFill, entryPrice } from './position.js';

type SettleFill = Extract<AccountCommand, { kind: 'SettleFill' }>;

/** What FeeCharged.paidIn.asset accepts. */
const ASSET = /^[A-Z0-9]{2,12}$/;

/** A fill on a side with no position opens one with the symbol's settings. */
const newPosition = (s: AccountState, c: SettleFill, inst: Instrument): PositionState => {
  const settings = settingsFor(s, c.symbol, inst);
  return {
    symbol: c.symbol,
    side: c.positionSide,
    marginType: settings.marginType,
    leverage: settings.leverage,
    qty: 0n,
    cost: 0n,
    isolatedWallet: 0n,
  };
};

/** Books one fill: realised PnL, isolated margin moved, the trade fee (see account.ts for the booking rules). */
export const settleFill = (c: SettleFill, s: AccountState, ctx: AccountContext): AccountEvent[] => {
  const booked = s.settledFills.get(c.orderId) ?? 0;
  if (c.fillSeq <= booked) return [];
  if (c.fillSeq !== booked + 1) {
    refuse(
      'fill-out-of-sequence',
      `fill ${c.fillSeq} of order ${c.orderId} before fill ${booked + 1} was booked`,
    );
  }
  const inst = ctx.instrument(c.symbol);
  const qty = parsePositive(c.quantity, 'fill-quantity');
  const price = parsePositive(c.price, 'fill-price');
  checkFillGrid(inst, price, qty);
  const hedge = s.positionMode === 'hedge';
  if (hedge === (c.positionSide === 'BOTH')) {
    refuse('position-side-mismatch', `positionSide ${c.positionSide} is not valid in ${s.positionMode} mode`);
  }
  const pos = s.positions.get(positionKey(c.symbol, c.positionSide)) ?? newPosition(s, c, inst);
  const signed = c.side === 'BUY' ? qty : -qty;
  if (c.positionSide === 'LONG' && pos.qty + signed < 0n) {
    refuse(
      'hedge-position-cannot-flip',
      `selling ${c.quantity} would take the LONG ${c.symbol} position below zero`,
    );
  }
  if (c.positionSide === 'SHORT' && pos.qty + signed > 0n) {
    refuse(
      'hedge-position-cannot-flip',
      `buying ${c.quantity} would take the SHORT ${c.symbol} position above zero`,
    );
  }
  if (c.forced !== undefined && !c.reduceOnly)
    refuse('forced-fill-must-reduce', `the exchange's ${c.forced} fill of ${c.symbol} is booked reduce-only`);
  if (c.reduceOnly && (pos.qty === 0n || pos.qty > 0n === signed > 0n || abs(signed) > abs(pos.qty))) {
    refuse(
      'reduce-only-would-increase',
      `reduce-only fill of ${c.side} ${c.quantity} would open or increase ${c.symbol}`,
    );
  }
  const { rules } = ctx;
  const dp = rules.moneyDecimals;
  const outcome = applyFill(pos, signed, price);
  const realised = roundTo(outcome.realisedExact, dp, rules.pnlRounding);
  let isolatedDelta = 0n;
  if (pos.marginType === 'isolated') {
    const afterPnl = pos.isolatedWallet + realised;
    if (outcome.closed !== 0n) {
      const release =
        outcome.closed === pos.qty
          ? afterPnl
          : roundTo((afterPnl * abs(outcome.closed)) / abs(pos.qty), dp, 'down');
      isolatedDelta -= release;
    }
    if (outcome.opened !== 0n) {
      isolatedDelta += roundTo(
        initialMargin(mul(abs(outcome.opened), price), pos.leverage),
        dp,
        rules.marginRounding,
      );
    }
  }
  const tier = rules.feeTiers[s.feeTier];
  if (!tier) return refuse('unknown-fee-tier', `venue ${rules.venue} has no fee tier ${s.feeTier}`);
  const notional = mul(qty, price);
  // The account's own rates on the symbol when the venue listed them (a VIP tier), else its tier's.
  const own = s.feeRates.size === 0 ? undefined : s.feeRates.get(c.symbol);
  const tierRate =
    own !== undefined
      ? c.liquidity === 'maker'
        ? own.maker
        : own.taker
      : c.liquidity === 'maker'
        ? tier.maker
        : tier.taker;
  // The venue's own figure when it reports one; its rate is then what it works out to (8 places).
  const reported = c.fee === undefined ? null : parseFee(c.fee, rules, c.liquidity === 'maker');
  // A commission in another asset (BNB) is not the wallet's: it is recorded as paid in that asset, and
  // costs what the venue priced it at before converting: the tier's rate less the asset's discount.
  const elsewhere =
    reported !== null && c.feeAsset !== undefined && c.feeAsset !== s.marginAsset ? c.feeAsset : null;
  if (elsewhere !== null && !ASSET.test(elsewhere))
    refuse('fee-asset-format', `fee asset ${JSON.stringify(elsewhere)} is not an asset code like BNB`);
  // A rebate is paid in the margin asset; one reported in another is a misreading of the venue's reply.
  if (elsewhere !== null && reported !== null && reported < 0n)
    refuse('fee-rebate-in-other-asset', `rebate ${c.fee} ${elsewhere} is not in the margin asset`);
  let rate: Fixed;
  if (elsewhere !== null) rate = mul(tierRate, ONE - (rules.feeAssetDiscounts?.[elsewhere] ?? 0n));
  else if (reported === null) rate = tierRate;
  else rate = notional > 0n ? roundTo(div(reported, notional), 8, 'half-even') : 0n;
  const fee =
    reported !== null && elsewhere === null
      ? reported
      : roundedProduct([qty, price, rate], dp, rules.feeRounding);
  const after = outcome.position;
  const charged: FeeChargedData = {
    // The exchange's liquidation order is charged as what it is; an ADL or a settlement trades.
    reason: c.forced === 'liquidation' ? 'liquidation' : 'trade',
    symbol: c.symbol,
    positionSide: c.positionSide,
    orderId: c.orderId,
    tradeId: c.tradeId,
    strategyId: c.strategyId,
    notional: toText(notional),
    rate: toText(rate),
    amount: toText(fee),
    wallet: 'cross',
  };
  // Added last, as a spread would, so the event's key order (and bytes) stay as they were.
  if (reported !== null) charged.source = 'venue';
  if (elsewhere !== null && reported !== null)
    charged.paidIn = { asset: elsewhere, amount: toText(reported) };
  const settled: FillSettledData = {
    orderId: c.orderId,
    fillSeq: c.fillSeq,
    tradeId: c.tradeId,
    strategyId: c.strategyId,
    symbol: c.symbol,
    side: c.side,
    positionSide: c.positionSide,
    marginType: pos.marginType,
    leverage: pos.leverage,
    quantity: canonicalText(c.quantity, qty),
    price: canonicalText(c.price, price),
    liquidity: c.liquidity,
    realisedPnl: toText(realised),
    isolatedMarginDelta: toText(isolatedDelta),
    positionQuantity: toText(after.qty),
    entryPrice: toText(abs(entryPrice(after))),
  };
  // Set last, as `source` is: the key order of an ordinary fill's event stays as it was.
  if (c.forced !== undefined) settled.forced = c.forced;
  return [{ type: 'FillSettled', data: settled }, feeEvent(charged)];
};
