import { type Fixed, fixed, type Rounding } from './fixed.js';

/**
 * What differs between venues, as data. Binance first; OKX and Bybit differ in fee tiers, rounding and
 * which wallet an isolated position's fees come from, and get their own record rather than branches in
 * the maths.
 */
export interface FeeRates {
  readonly maker: Fixed;
  readonly taker: Fixed;
}

export interface VenueRules {
  readonly venue: string;
  /** Decimal places of the margin asset in the wallet (USDT on USDⓈ-M: 8). Every booked amount is rounded to it. */
  readonly moneyDecimals: number;
  /**
   * Rounding of booked amounts. Binance does not document it; half-up at 8 dp reproduces the amounts
   * in its trade and income histories for ordinary cases. Kept as data so a venue that truncates can say so.
   */
  readonly feeRounding: Rounding;
  readonly pnlRounding: Rounding;
  readonly fundingRounding: Rounding;
  /** Isolated margin put up on opening rounds up so the position is never under-collateralised by rounding. */
  readonly marginRounding: Rounding;
  readonly feeTiers: Readonly<Record<string, FeeRates>>;
  /**
   * Assets other than the margin asset the venue takes fees in, with the discount it gives for paying so
   * (Binance: BNB, 10 % off on USDⓈ-M). A fill whose commission came in one is booked as paid in it: the
   * margin wallet does not move, and the fee is worth the tier's rate less this discount on the notional.
   * An asset not listed is worth the tier's full rate.
   */
  readonly feeAssetDiscounts?: Readonly<Record<string, Fixed>>;
}

/**
 * Binance USDⓈ-M regular-user fee schedule (https://www.binance.com/en/fee/futureFee), USDT-margined,
 * without BNB discount. Tiers can be overridden per account by passing other rules.
 */
export const binanceUsdm: VenueRules = {
  venue: 'binance',
  moneyDecimals: 8,
  feeRounding: 'half-up',
  pnlRounding: 'half-up',
  fundingRounding: 'half-up',
  marginRounding: 'ceil',
  feeTiers: {
    VIP0: { maker: fixed('0.0002'), taker: fixed('0.0005') },
    VIP1: { maker: fixed('0.00016'), taker: fixed('0.0004') },
    VIP2: { maker: fixed('0.00014'), taker: fixed('0.00035') },
    VIP3: { maker: fixed('0.00012'), taker: fixed('0.00032') },
    VIP4: { maker: fixed('0.0001'), taker: fixed('0.0003') },
    VIP5: { maker: fixed('0.00008'), taker: fixed('0.00027') },
    VIP6: { maker: fixed('0.00006'), taker: fixed('0.00025') },
    VIP7: { maker: fixed('0.00004'), taker: fixed('0.00022') },
    VIP8: { maker: fixed('0.00002'), taker: fixed('0.0002') },
    VIP9: { maker: fixed('0'), taker: fixed('0.00017') },
  },
  // "Using BNB to pay for fees": 10 % off USDⓈ-M futures fees (https://www.binance.com/en/fee/futureFee).
  feeAssetDiscounts: { BNB: fixed('0.1') },
};

/**
 * Bybit USDT perpetuals (unified trading account). Fee tiers: Bybit's "Trading Fee Structure"
 * (https://www.bybit.com/en/help-center/article/Trading-Fee-Structure) lists Non-VIP ("VIP 0") Perpetual &
 * Futures at 0.0200 % maker and 0.0550 % taker; only that tier is here. The VIP tiers could not be
 * confirmed from Bybit's own page (the page also says actual rates vary by region), so none is guessed:
 * an account on one books its own rates, which the live venue reads from /v5/account/fee-rate.
 *
 * Money: Bybit's records print USDT to 8 decimal places (the transaction log's cashBalance "5086.55825002",
 * its fees "0.01908720", https://bybit-exchange.github.io/docs/v5/account/transaction-log), hence 8. How it
 * rounds fees, realised PnL and funding to them is not documented; half-up is assumed, as for Binance, and
 * the documented examples (fee 88 × 0.3615 × 0.0006 = 0.0190872, funding 100 × 0.3676 × 0.0001 =
 * 0.003676) are exact at 8 places whichever way. Isolated margin rounds up, as for Binance. Bybit takes
 * fees in the settlement asset only: no fee-asset discount.
 */
export const bybitLinear: VenueRules = {
  venue: 'bybit',
  moneyDecimals: 8,
  feeRounding: 'half-up',
  pnlRounding: 'half-up',
  fundingRounding: 'half-up',
  marginRounding: 'ceil',
  feeTiers: {
    VIP0: { maker: fixed('0.0002'), taker: fixed('0.00055') },
  },
};

/**
 * OKX USDT-margined perpetual swaps. Fee tiers: OKX's fee schedule (https://www.okx.com/fees, "Futures and
 * perpetual" / USDT-margined contracts) lists regular users (Lv1) at 0.020 % maker and 0.050 % taker; only
 * that tier is here, named VIP0 like the other venues' entry tiers. The VIP tiers depend on the asset
 * balance and 30-day volume, and change too often to pin down here: an account on one books its own rates,
 * which the live venue reads from /api/v5/account/trade-fee. OKX's own rates are signed the other way
 * (negative = commission charged); these are what is charged.
 *
 * Money: OKX does not round its USDT amounts to 8 places. Its documentation prints balances to 16
 * ("bal": "8694.2179403378290202", "balChg": "0.0219338232210000",
 * https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days) and fees as exact
 * products (the same bill's fee "-0.000021955779" is 0.021955779 × 0.1 %, to its 12th place), hence 16:
 * every fee, PnL and funding amount the ledger books at 16 places is what OKX books, as far as its examples
 * show. How it rounds beyond that is not documented; half-up is assumed, as for Binance and Bybit. Isolated
 * margin rounds up, as for Binance. OKX takes swap fees in the settlement asset only: no fee-asset discount.
 */
export const okxSwap: VenueRules = {
  venue: 'okx',
  moneyDecimals: 16,
  feeRounding: 'half-up',
  pnlRounding: 'half-up',
  fundingRounding: 'half-up',
  marginRounding: 'ceil',
  feeTiers: {
    VIP0: { maker: fixed('0.0002'), taker: fixed('0.0005') },
  },
};

export const venueRules: Readonly<Record<string, VenueRules>> = {
  binance: binanceUsdm,
  bybit: bybitLinear,
  okx: okxSwap,
};
