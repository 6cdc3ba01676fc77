import type { Fixed } from '../ledger/fixed.js';
import type { Instrument } from '../ledger/instrument.js';
import type { BreakerLevel } from './breaker-levels.js';

/**
 * What the pre-trade check needs to know about the world at the moment of the decision. The engine
 * builds it from its projections (account, positions, open orders) and market state (marks, ATR,
 * correlations); the check itself reads nothing else, so the same snapshot always yields the same
 * decision and a what-if re-run only needs the snapshot and a different configuration.
 */
export interface RiskSnapshot {
  /** Domain time of the decision (the bar's or the exchange's clock), ms. */
  readonly at: number;
  readonly accountId: string;
  readonly marginType: 'cross' | 'isolated';
  readonly walletBalance: Fixed;
  /** Margin balance: wallet + unrealised PnL. Exposure limits are multiples of it. */
  readonly equity: Fixed;
  /** Equity at the start of the trading day, the base of the daily loss limit. */
  readonly dayStartEquity: Fixed;
  readonly instruments: Readonly<Record<string, Instrument>>;
  readonly marks: Readonly<Record<string, Fixed>>;
  /** ATR in price units per symbol, from the timeframe the strategy trades. */
  readonly atr: Readonly<Record<string, number>>;
  /** Leverage setting per symbol on the venue (what the order would be margined at). */
  readonly leverage: Readonly<Record<string, number>>;
  /** Net positions (one-way mode); several rows for one symbol are summed. */
  readonly positions: readonly PositionView[];
  readonly openOrders: readonly OpenOrderView[];
  /** Domain times of orders the account sent recently (at least the rate window's worth). */
  readonly recentOrderTimes: readonly number[];
  /** Rolling correlation of returns between symbols; either [a][b] or [b][a] may be given. */
  readonly correlations: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The stricter of the account's and the strategy's breaker levels. */
  readonly breakerLevel: BreakerLevel;
}

export interface PositionView {
  readonly symbol: string;
  readonly strategyId: string | null;
  /** Signed: long > 0, short < 0. */
  readonly qty: Fixed;
  /** Signed cost basis (Σ qty × price of what is open), as the ledger keeps it. */
  readonly cost: Fixed;
}

export interface OpenOrderView {
  readonly symbol: string;
  readonly strategyId: string | null;
  readonly side: 'BUY' | 'SELL';
  readonly qty: Fixed;
  readonly price: Fixed | null;
  readonly reduceOnly: boolean;
}

/** What a strategy (through the sizing step) asks to trade. */
export interface OrderIntent {
  readonly accountId: string;
  readonly strategyId: string | null;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT' | 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
  readonly quantity: Fixed;
  /**
   * Limit price, or a stop/take-profit order's trigger (where it is meant to execute); null for market
   * orders, which are valued at the mark.
   */
  readonly price: Fixed | null;
  readonly reduceOnly: boolean;
}

export const correlationOf = (snap: RiskSnapshot, a: string, b: string): number | undefined =>
  a === b ? 1 : (snap.correlations[a]?.[b] ?? snap.correlations[b]?.[a]);
