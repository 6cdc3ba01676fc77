import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  openPositionsOf,
  parse,
  parsePositive,
} from './account-state.js';
import { refuse } from './errors.js';
import type { AccountEvent } from './events.js';
import { canonicalText, roundedProduct, toText } from './fixed.js';

/** Binance funding at one settlement for every open position of the symbol; idempotent per funding time. */
export const applyFunding = (
  c: Extract<AccountCommand, { kind: 'ApplyFunding' }>,
  s: AccountState,
  ctx: AccountContext,
): AccountEvent[] => {
  if (!Number.isSafeInteger(c.fundingTime) || c.fundingTime < 0) {
    refuse('funding-time-invalid', `fundingTime ${c.fundingTime} must be a non-negative integer (epoch ms)`);
  }
  const last = s.lastFundingTime.get(c.symbol);
  if (last !== undefined && c.fundingTime <= last) return [];
  const rate = parse(c.rate, 'funding-rate');
  const mark = parsePositive(c.markPrice, 'mark-price');
  const { rules } = ctx;
  return openPositionsOf(s, c.symbol).map((p) => ({
    type: 'FundingPaid',
    data: {
      symbol: c.symbol,
      positionSide: p.side,
      marginType: p.marginType,
      fundingTime: c.fundingTime,
      rate: canonicalText(c.rate, rate),
      markPrice: canonicalText(c.markPrice, mark),
      positionQuantity: toText(p.qty),
      // Binance: funding = position notional at mark × rate; longs pay shorts when the rate is positive.
      amount: toText(roundedProduct([-p.qty, mark, rate], rules.moneyDecimals, rules.fundingRounding)),
    },
  }));
};
