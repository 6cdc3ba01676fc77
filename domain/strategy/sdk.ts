import type { z } from 'zod';

/**
 * The Strategy SDK. A strategy is the same object in backtest, paper, shadow and live: it sees bars
 * (and, when it asks, trades, books and funding) only up to "now", and acts through the context.
 * It cannot tell which mode it runs in, and it never touches the clock, the network or randomness.
 */
export interface StrategyDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  readonly id: string;
  /** Semantic version of the code; recorded in every signal so a decision names what made it. */
  readonly version: string;
  readonly description: string;
  /** Parameters with ranges and steps (domain/optimizer/param.ts); defaults make a runnable strategy. */
  readonly params: z.ZodType<P, z.ZodTypeDef, unknown>;
  /** The bar timeframe it trades on, e.g. '5m'. */
  readonly timeframe: string;
  /**
   * Extra feeds it wants; bars are always delivered. Asking for trades or books also changes how its
   * orders fill: against the same trade/L2 capture, tick by tick (queue position for limits, a walk of
   * the book for market orders, seeded latency) instead of on bars, so a run without that data for
   * every symbol over its whole span is refused rather than left to starve.
   */
  readonly feeds?: { readonly funding?: boolean; readonly trades?: boolean; readonly book?: boolean };
  create(params: P, setup: StrategySetup): StrategyHandlers;
}

export interface StrategySetup {
  readonly symbols: readonly string[];
  /** Bar duration in ms of `timeframe`. */
  readonly barMs: number;
}

/** A bar as the strategy sees it: a read-only view, reused between calls (copy what you keep). */
export interface BarView {
  readonly symbol: string;
  readonly timeframe: string;
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface FillView {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: number;
  readonly price: number;
  readonly positionAfter: number;
  /**
   * Set when the fill is the exchange's own closing order on a live account (a liquidation, an ADL, a
   * delisting settlement), not one of the strategy's: `orderId` is then the exchange's.
   */
  readonly forced?: 'liquidation' | 'adl' | 'settlement';
}

export interface FundingView {
  readonly symbol: string;
  readonly time: number;
  readonly rate: number;
}

/** One print, handed over at its time: a view reused between calls, like BarView (copy what you keep). */
export interface TradeView {
  readonly symbol: string;
  /** Exchange trade time (ms); `ctx.now` equals it while the handler runs. */
  readonly time: number;
  readonly price: number;
  readonly quantity: number;
  /** True when the buyer was the maker (the aggressor sold). */
  readonly buyerMaker: boolean;
}

/**
 * The top of the L2 book once every depth update stamped `time` is applied (one call per millisecond
 * with updates); reused between calls.
 */
export interface BookView {
  readonly symbol: string;
  readonly time: number;
  readonly bestBid: number;
  readonly bestAsk: number;
  readonly bidQty: number;
  readonly askQty: number;
}

export interface StrategyHandlers {
  onBar?(bar: BarView, ctx: StrategyContext): void;
  onFunding?(funding: FundingView, ctx: StrategyContext): void;
  onFill?(fill: FillView, ctx: StrategyContext): void;
  onTrade?(trade: TradeView, ctx: StrategyContext): void;
  onBook?(book: BookView, ctx: StrategyContext): void;
  onTimer?(now: number, ctx: StrategyContext): void;
}

export type FeatureValue = number | string | boolean | null;

/** What the strategy saw and why it acts: recorded verbatim in SignalEmitted. */
export interface SignalRecord {
  readonly side: 'long' | 'short' | 'flat';
  /** Conviction in [-1, 1]; sizing may scale by it. */
  readonly strength: number;
  readonly features: Readonly<Record<string, FeatureValue>>;
}

/**
 * The engine's stops for the position a target opens. They trigger on bars, so a strategy fed trades or
 * books cannot ask for them (yet); it manages its exits with orders.
 */
export interface ProtectionRequest {
  /** Initial stop distance as a multiple of ATR (the risk engine adapts it); or an absolute price. */
  readonly stopAtrMultiple?: number;
  readonly stopPrice?: number;
  /** Partial exits at these R multiples (fractions of the position each). */
  readonly takeProfitR?: readonly { readonly r: number; readonly fraction: number }[];
  readonly trailing?: boolean;
  /** Close after this many bars whatever happens. */
  readonly maxBars?: number;
}

/** An explicit order, for strategies that manage their own entries (a target is the simpler path). */
export interface OrderRequest {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  /**
   * The ledger's order types. STOP_MARKET and TAKE_PROFIT_MARKET rest until the price crosses
   * `stopPrice` (a BUY stop at or above it, a SELL stop at or below; a take-profit the other way round),
   * then work as a market order. One whose stop is already crossed when it reaches the venue is
   * rejected, as Binance rejects an order that would trigger immediately.
   */
  readonly type: 'MARKET' | 'LIMIT' | 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
  /** Base units; floored to the lot step. */
  readonly quantity: number;
  /** LIMIT only; rounded to the tick on the passive side. */
  readonly price?: number;
  /** STOP_MARKET and TAKE_PROFIT_MARKET only: the trigger, rounded to the tick away from the market. */
  readonly stopPrice?: number;
  /**
   * LIMIT only. GTC rests until filled or cancelled. IOC fills what it can when it reaches the venue and
   * expires the rest; FOK fills in full then or not at all. With bar fills "when it reaches the venue" is
   * the first bar after it is sent, and a bar has no volume limit, so FOK and IOC behave alike there.
   */
  readonly timeInForce?: 'GTC' | 'IOC' | 'FOK';
  /**
   * LIMIT with GTC only: the order may only add liquidity. One that would take liquidity when it reaches
   * the venue (a buy at or above the price there, a sell at or below) expires instead (Binance's GTX; a
   * real Binance account refuses it, -5022). Neither, nor a FOK the market cannot fill (refused live,
   * -5021), counts as a venue error.
   */
  readonly postOnly?: boolean;
  readonly reduceOnly?: boolean;
}

export interface StrategyContext {
  /** Simulation or wall time of the event being handled (ms). */
  readonly now: number;
  /** Signed position in base units (positive long). */
  position(symbol: string): number;
  /** Account equity at the last close, in the margin asset. */
  equity(): number;
  /**
   * Close prices back in time: `close(symbol, 0)` is the bar just closed, `close(symbol, 1)` the one
   * before. A negative offset asks for the future and fails the run with LookAheadError.
   */
  close(symbol: string, barsAgo: number): number;
  /** The latest funding rate published at or before now, or NaN before the first. */
  fundingRate(symbol: string): number;
  /**
   * Go to this exposure: a signed fraction of the risk budget (1 = a full-size long, -1 = full short,
   * 0 = flat). Sizing, the risk check and stops turn it into orders; `signal` records why. It is sized at
   * the last close, or for a strategy fed ticks at the book's mid; asked before any price exists, it does
   * nothing.
   */
  target(symbol: string, exposure: number, signal: SignalRecord, protection?: ProtectionRequest): void;
  /**
   * Sends one order after the risk check; `signal` records why. Returns the order id, or null when the
   * risk check or the venue's rules refused it (the log says which rule).
   */
  order(request: OrderRequest, signal: SignalRecord): string | null;
  /**
   * Cancels a resting order of this strategy; false when it is no longer open. With tick fills the cancel
   * lands after the venue's latency and the order may fill first (the log says which).
   */
  cancel(orderId: string): boolean;
}

export class LookAheadError extends Error {
  constructor(detail: string) {
    super(`look-ahead: ${detail}`);
    this.name = 'LookAheadError';
  }
}
