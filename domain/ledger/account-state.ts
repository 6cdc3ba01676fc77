import { refuse } from './errors.js';
import type {
  AccountEvent,
  FeeChargedData,
  Liquidity,
  MarginType,
  OrderSide,
  PositionMode,
  PositionSide,
} from './events.js';
import { type Fixed, fixed, roundTo } from './fixed.js';
import type { Instrument } from './instrument.js';
import type { PositionAmount } from './position.js';
import type { HandOverPosition, TakeOverPosition } from './position-move.js';
import type { FeeRates, VenueRules } from './venue.js';
import type { ForcedCloseReason } from './venue-port.js';

/** State, commands and shared helpers of the account aggregate; the rules themselves are in account.ts. */
export interface PositionState extends PositionAmount {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly marginType: MarginType;
  readonly leverage: number;
  readonly isolatedWallet: Fixed;
}

export interface SymbolSettings {
  readonly leverage: number;
  readonly marginType: MarginType;
}

export interface LedgerTotals {
  deposits: Fixed;
  withdrawals: Fixed;
  realisedPnl: Fixed;
  fees: Fixed;
  funding: Fixed;
}

/**
 * Folded in place: `evolveAccount` updates the maps and sets of the state it is given and returns it.
 * Copying the settled-fill set on every fill would make a replay quadratic; callers treat a state they
 * passed to evolve as consumed. `decideAccount` never mutates.
 */
export interface AccountState {
  exists: boolean;
  accountId: string;
  venue: string;
  marginAsset: string;
  feeTier: string;
  positionMode: PositionMode;
  crossWallet: Fixed;
  readonly positions: Map<string, PositionState>;
  readonly settings: Map<string, SymbolSettings>;
  /**
   * Per order, the highest fillSeq booked. Fills are booked in fillSeq order (the order stream's order),
   * so this answers "already booked?" with one entry per order instead of one per fill.
   */
  readonly settledFills: Map<string, number>;
  readonly transfers: Set<string>;
  readonly lastFundingTime: Map<string, number>;
  readonly totals: LedgerTotals;
  /**
   * Fees paid in assets other than the margin asset (BNB), by asset: how much of it, and what it was worth
   * in the margin asset. Not in `totals.fees`: the wallet did not pay them, and Δ wallet stays exactly
   * deposits − withdrawals + realised PnL − fees + funding.
   */
  readonly otherAssetFees: Map<string, OtherAssetFees>;
  /** The account's own commission rates by symbol (FeeRatesSet); a symbol without them pays its tier's. */
  readonly feeRates: Map<string, FeeRates>;
}

export interface OtherAssetFees {
  paid: Fixed;
  worth: Fixed;
}

export const initialAccountState = (): AccountState => ({
  exists: false,
  accountId: '',
  venue: '',
  marginAsset: '',
  feeTier: '',
  positionMode: 'one-way',
  crossWallet: 0n,
  positions: new Map(),
  settings: new Map(),
  settledFills: new Map(),
  transfers: new Set(),
  lastFundingTime: new Map(),
  totals: { deposits: 0n, withdrawals: 0n, realisedPnl: 0n, fees: 0n, funding: 0n },
  otherAssetFees: new Map(),
  feeRates: new Map(),
});

/** Binance's default for a symbol nobody configured: 20x cross, capped by the first bracket. */
export const DEFAULT_LEVERAGE = 20;

export const walletBalance = (s: AccountState): Fixed => {
  let w = s.crossWallet;
  for (const p of s.positions.values()) w += p.isolatedWallet;
  return w;
};

const positionKeys = new Map<string, Record<PositionSide, string>>();

/**
 * `SYMBOL:SIDE`. Every fill, fee and funding payment looks its position up by this key, twice (decide
 * and evolve); building the string each time allocates it and makes the map hash it again, while the
 * same few strings, made once per symbol, carry their hash with them.
 */
export const positionKey = (symbol: string, side: PositionSide): string => {
  let keys = positionKeys.get(symbol);
  if (keys === undefined) {
    keys = { BOTH: `${symbol}:BOTH`, LONG: `${symbol}:LONG`, SHORT: `${symbol}:SHORT` };
    positionKeys.set(symbol, keys);
  }
  return keys[side];
};

export type AccountCommand =
  | HandOverPosition
  | TakeOverPosition
  | {
      readonly kind: 'OpenAccount';
      readonly accountId: string;
      readonly venue: string;
      readonly marginAsset: string;
      readonly feeTier: string;
      readonly positionMode: PositionMode;
    }
  | { readonly kind: 'DepositFunds'; readonly transferId: string; readonly amount: string }
  | {
      readonly kind: 'WithdrawFunds';
      readonly transferId: string;
      readonly amount: string;
      readonly marks: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'SetPositionMode'; readonly positionMode: PositionMode }
  | { readonly kind: 'SetLeverage'; readonly symbol: string; readonly leverage: number }
  | { readonly kind: 'SetMarginType'; readonly symbol: string; readonly marginType: MarginType }
  /** The account's own commission rates on a symbol (decimal text fractions), replacing its tier's. */
  | {
      readonly kind: 'SetFeeRates';
      readonly symbol: string;
      readonly makerRate: string;
      readonly takerRate: string;
    }
  | {
      readonly kind: 'SettleFill';
      readonly orderId: string;
      readonly fillSeq: number;
      readonly tradeId: string;
      readonly strategyId: string | null;
      readonly symbol: string;
      readonly side: OrderSide;
      readonly positionSide: PositionSide;
      readonly quantity: string;
      readonly price: string;
      readonly liquidity: Liquidity;
      readonly reduceOnly: boolean;
      /**
       * The fee the venue reports it took for this fill, in the margin asset. When given it is charged
       * instead of the tier's rate × notional: a real account's own tier, discounts and rounding are the
       * exchange's, and the ledger must agree with the exchange to the unit.
       */
      readonly fee?: string;
      /**
       * The asset `fee` is in, when the venue says (live: commissionAsset). Absent or the margin asset: the
       * fee is taken from the wallet. Another asset (BNB): it is booked as paid in that asset (FeeCharged
       * `paidIn`), the wallet does not move, and the fee's worth is priced from the tier less the venue's
       * discount for the asset.
       */
      readonly feeAsset?: string;
      /**
       * The fill is the exchange's own closing order (a live account's liquidation, ADL or delisting
       * settlement), not one the ledger's order decider saw: `orderId` is the exchange's. It must reduce.
       */
      readonly forced?: ForcedCloseReason;
    }
  | {
      readonly kind: 'ApplyFunding';
      readonly symbol: string;
      readonly fundingTime: number;
      readonly rate: string;
      readonly markPrice: string;
      /**
       * The exchange's own figure for the symbol's position at this funding (received +, paid −), on a live
       * account: booked as charged rather than computed from the rate and the mark.
       */
      readonly charged?: string;
    }
  | { readonly kind: 'CheckLiquidation'; readonly marks: Readonly<Record<string, string>> }
  /**
   * The exchange's liquidation clearance fee (Binance's INSURANCE_CLEAR income) on a live account: what it
   * took for the insurance fund when it liquidated `orderId` (the exchange's closing order, as the forced
   * fill booked it), on `notional` (what that order closed of this account's position), booked as charged.
   */
  | {
      readonly kind: 'ChargeClearanceFee';
      readonly symbol: string;
      readonly positionSide: PositionSide;
      readonly orderId: string;
      readonly strategyId: string | null;
      readonly notional: string;
      readonly amount: string;
    };

export interface AccountContext {
  readonly instrument: (symbol: string) => Instrument;
  readonly rules: VenueRules;
}

export const parse = (text: string, what: string): Fixed => {
  try {
    return fixed(text);
  } catch {
    return refuse(`${what}-not-a-number`, `${what} ${JSON.stringify(text)} is not a plain decimal number`);
  }
};

export const parsePositive = (text: string, what: string): Fixed => {
  const v = parse(text, what);
  if (v <= 0n) refuse(`${what}-must-be-positive`, `${what} ${text} must be > 0`);
  return v;
};

/**
 * A fee the venue reports, on its money grid; it may be zero. `rebate`: negative is allowed (a maker's
 * fill on a rebate tier); otherwise a negative fee is refused (a taker's fill, a clearance fee).
 */
export const parseFee = (text: string, rules: VenueRules, rebate = false): Fixed => {
  const v = parse(text, 'fee');
  if (v < 0n && !rebate)
    refuse('fee-negative', `fee ${text} is negative: only a maker's fill is paid a rebate`);
  if (roundTo(v, rules.moneyDecimals, 'down') !== v)
    refuse('amount-precision', `fee ${text} has more than ${rules.moneyDecimals} decimal places`);
  return v;
};

export const parseMoney = (text: string, what: string, rules: VenueRules): Fixed => {
  const v = parsePositive(text, what);
  if (roundTo(v, rules.moneyDecimals, 'down') !== v) {
    refuse('amount-precision', `${what} ${text} has more than ${rules.moneyDecimals} decimal places`);
  }
  return v;
};

export const settingsFor = (s: AccountState, symbol: string, inst: Instrument): SymbolSettings =>
  s.settings.get(symbol) ?? {
    leverage: Math.min(DEFAULT_LEVERAGE, inst.brackets[0]?.initialLeverage ?? DEFAULT_LEVERAGE),
    marginType: 'cross',
  };

export const openPositionsOf = (s: AccountState, symbol?: string): PositionState[] =>
  [...s.positions.values()].filter((p) => p.qty !== 0n && (symbol === undefined || p.symbol === symbol));

export const markOf = (marks: Readonly<Record<string, string>>, symbol: string): Fixed => {
  const m = marks[symbol];
  if (m === undefined) return refuse('mark-price-missing', `no mark price for ${symbol}`);
  return parsePositive(m, 'mark-price');
};

export const feeEvent = (d: FeeChargedData): AccountEvent => ({ type: 'FeeCharged', data: d });

export const accountStreamId = (venue: string, accountId: string): string => `account-${venue}:${accountId}`;
