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
import { canonicalText, roundedProduct, roundTo, toText } from './fixed.js';

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
  if (c.charged !== undefined) return chargedFunding(c, c.charged, s, rules.moneyDecimals);
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

/**
 * The exchange's figure, booked as charged. It is one amount per symbol (Binance's income record), so the
 * symbol must have exactly one open position; anything else is refused rather than guessed at.
 */
const chargedFunding = (
  c: Extract<AccountCommand, { kind: 'ApplyFunding' }>,
  charged: string,
  s: AccountState,
  moneyDecimals: number,
): AccountEvent[] => {
  const amount = parse(charged, 'funding-charged');
  if (roundTo(amount, moneyDecimals, 'down') !== amount)
    refuse('amount-precision', `funding ${charged} has more than ${moneyDecimals} decimal places`);
  const open = openPositionsOf(s, c.symbol);
  if (open.length === 0) {
    refuse(
      'funding-charged-without-position',
      `the exchange charged ${c.symbol} funding at ${c.fundingTime} and the account holds no ${c.symbol} position`,
    );
  }
  if (open.length > 1) {
    refuse(
      'funding-charged-ambiguous',
      `the exchange charged one ${c.symbol} funding figure and the account holds ${open.length} ${c.symbol} positions (hedge mode)`,
    );
  }
  const p = open[0]!;
  return [
    {
      type: 'FundingPaid',
      data: {
        symbol: c.symbol,
        positionSide: p.side,
        marginType: p.marginType,
        fundingTime: c.fundingTime,
        rate: canonicalText(c.rate, parse(c.rate, 'funding-rate')),
        markPrice: canonicalText(c.markPrice, parsePositive(c.markPrice, 'mark-price')),
        positionQuantity: toText(p.qty),
        amount: toText(amount),
        source: 'venue',
      },
    },
  ];
};
