import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  openPositionsOf,
  type PositionState,
  parse,
  parsePositive,
} from './account-state.js';
import { refuse } from './errors.js';
import type { AccountEvent, FundingPaidData } from './events.js';
import { canonicalText, type Fixed, roundedProduct, roundTo, SCALE, toText } from './fixed.js';
import type { VenueRules } from './venue.js';

type ApplyFunding = Extract<AccountCommand, { kind: 'ApplyFunding' }>;

/**
 * Binance funding at one settlement for every open position of the symbol, or the exchange's own figure
 * when the command carries one (`charged`); idempotent per funding time.
 */
export const applyFunding = (c: ApplyFunding, s: AccountState, ctx: AccountContext): AccountEvent[] => {
  if (!Number.isSafeInteger(c.fundingTime) || c.fundingTime < 0) {
    refuse('funding-time-invalid', `fundingTime ${c.fundingTime} must be a non-negative integer (epoch ms)`);
  }
  const last = s.lastFundingTime.get(c.symbol);
  if (last !== undefined && c.fundingTime <= last) return [];
  const rate = parse(c.rate, 'funding-rate');
  const mark = parsePositive(c.markPrice, 'mark-price');
  const { rules } = ctx;
  const paid = (p: PositionState, amount: Fixed): AccountEvent => {
    const data: FundingPaidData = {
      symbol: c.symbol,
      positionSide: p.side,
      marginType: p.marginType,
      fundingTime: c.fundingTime,
      rate: canonicalText(c.rate, rate),
      markPrice: canonicalText(c.markPrice, mark),
      positionQuantity: toText(p.qty),
      amount: toText(amount),
    };
    // Set last, so a computed payment's event keeps its key order (and bytes).
    if (c.charged !== undefined) data.source = 'venue';
    return { type: 'FundingPaid', data };
  };
  if (c.charged !== undefined) {
    const p = chargedPosition(c, s);
    return [paid(p, chargedAmount(c.charged, rules.moneyDecimals))];
  }
  // Binance: funding = position notional at mark × rate; longs pay shorts when the rate is positive.
  return openPositionsOf(s, c.symbol).map((p) =>
    paid(p, roundedProduct([-p.qty, mark, rate], rules.moneyDecimals, rules.fundingRounding)),
  );
};

/**
 * Whether an exchange's funding figure is what `qty` alone pays at that settlement's mark and rate, to one
 * unit of the last place of money: how a figure on an account's net position is told to be one run's.
 */
export const isChargeFor = (
  amount: Fixed,
  qty: Fixed,
  markPrice: Fixed,
  rate: Fixed,
  rules: Pick<VenueRules, 'moneyDecimals' | 'fundingRounding'>,
): boolean => {
  const own = roundedProduct([-qty, markPrice, rate], rules.moneyDecimals, rules.fundingRounding);
  const gap = own > amount ? own - amount : amount - own;
  return gap <= 10n ** BigInt(SCALE - rules.moneyDecimals);
};

const chargedAmount = (charged: string, moneyDecimals: number): Fixed => {
  const amount = parse(charged, 'funding-charged');
  if (roundTo(amount, moneyDecimals, 'down') !== amount)
    refuse('amount-precision', `funding ${charged} has more than ${moneyDecimals} decimal places`);
  return amount;
};

/**
 * The position the exchange's figure is for. It is one amount per symbol (Binance's income record), so the
 * symbol must have exactly one open position; anything else is refused rather than guessed at.
 */
const chargedPosition = (c: ApplyFunding, s: AccountState): PositionState => {
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
  return open[0]!;
};
