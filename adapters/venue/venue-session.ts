import { AsyncLocalStorage } from 'node:async_hooks';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { VenueOrder } from '../../domain/ledger/venue-port.js';

/**
 * The venue call being made in this async context. The session fills it in: when the request was signed
 * (a recvWindow runs from then) and how long it waited for the exchange's rate budget first, so that
 * the round trip is timed without the wait.
 */
export interface CallContext {
  signedAt: number | null;
  waitedMs: number;
}

const callContext = new AsyncLocalStorage<CallContext>();

/** The context of the call in progress, if a caller opened one (see openCall). */
export const currentCall = (): CallContext | undefined => callContext.getStore();

/**
 * Runs `fn` as a new venue call with a context of its own. Async contexts follow every promise made
 * inside them, so an order placed from a report of another order's call would otherwise find that
 * call's context: each call a caller starts opens its own.
 */
export const openCall = <T>(fn: (ctx: CallContext) => Promise<T>): Promise<T> => {
  const ctx: CallContext = { signedAt: null, waitedMs: 0 };
  return callContext.run(ctx, () => fn(ctx));
};

/** Runs `fn` in the context of the call its caller opened (openCall), or in a new one. */
export const withCallContext = <T>(fn: (ctx: CallContext) => Promise<T>): Promise<T> => {
  const outer = callContext.getStore();
  return outer !== undefined ? fn(outer) : openCall(fn);
};

/**
 * Holds a venue's stream open: `watch` (ccxt's pending watch calls, which fail when the socket drops) is
 * awaited again and again, each failure said (`failed`) and followed by a pause, until `closed()`. What is
 * the same in every venue session's reconnect loop; what they watch differs.
 */
export const keepWatching = async (o: {
  readonly watch: () => Promise<unknown>;
  readonly closed: () => boolean;
  readonly failed: (e: unknown) => void;
  readonly delayMs: number;
}): Promise<void> => {
  while (!o.closed()) {
    try {
      await o.watch();
    } catch (e) {
      if (o.closed()) return;
      o.failed(e);
      await new Promise((r) => setTimeout(r, o.delayMs));
    }
  }
};

/** A symbol's margin settings on the account. */
export interface SymbolSetting {
  readonly leverage: number;
  readonly marginType: 'cross' | 'isolated';
}

import type { IncomeKind, Observation } from './observation.js';

/** One funding settlement as the exchange's history gives it; decimal text as the exchange printed it. */
export interface FundingSettlement {
  readonly time: number;
  readonly rate: string;
  readonly markPrice: string | null;
}

/** What the user stream tells the venue, in the order it happens. */
export interface StreamHandlers {
  /** The stream is (re)connected: what it carries from now on is live, what happened before may be lost. */
  connected(): void;
  /** One stream message, as observations. */
  message(observations: readonly Observation[]): void;
  /** A message could not be read: it may have been about one of our orders, so treat it as a gap. */
  gap(reason: string): void;
  /** The stream broke; the session reopens it. */
  disconnected(error: unknown): void;
}

/**
 * A call the venue did not carry out as asked. `refused`: the venue said no (or the request was never
 * sent), so nothing happened there. `unknown`: no verdict came back (timeout, dropped connection, an
 * unreadable reply, the venue's own "status unknown"), so the request may or may not have been acted on.
 */
export class VenueCallError extends Error {
  constructor(
    readonly outcome: 'refused' | 'unknown',
    readonly reason: string,
    readonly extra: {
      /** The venue's error code, when it gave one. */
      readonly code?: string;
      /** A cancel or lookup that found no such order. */
      readonly unknownOrder?: boolean;
      /**
       * A refusal by the instrument's listed rules (tick, step, minimums and maximums): the listing the
       * caller sized by may be out of date.
       */
      readonly listing?: boolean;
      /**
       * An order refused on arrival by its own terms: a fill-or-kill that could not fill whole, a post-only
       * order that would have taken. How the market stood, not the venue's health.
       */
      readonly unmetTerms?: boolean;
      /**
       * Not executed for the exchange's rate limits: held back unsent, or answered 429/418. The venue's
       * health, not the order's terms.
       */
      readonly throttled?: boolean;
      /** Session time after which an unanswered request can no longer be executed. */
      readonly expiresAt?: number;
      readonly cause?: unknown;
    } = {},
  ) {
    super(reason, { cause: extra.cause });
    this.name = 'VenueCallError';
  }
}

/**
 * One exchange account as CcxtVenue drives it: the venue-specific half of the live adapter (which ccxt
 * calls, with which parameters, and how the exchange's replies, stream events and errors read). CcxtVenue
 * holds everything that is the same for every exchange: the queue, de-duplication, ordering, reconnect
 * recovery and the outcome of calls that got no answer. Binance USDⓈ-M is binance/usdm-session.ts; OKX
 * and Bybit would each be one more of these.
 */
export interface VenueSession {
  readonly name: string;
  /** Loads the venue's markets and opens the user stream; resolves once the stream first connects. */
  start(handlers: StreamHandlers): Promise<void>;
  /** Whether the venue trades this symbol (in the venue's own spelling, as the ledger books it). */
  trades(symbol: string): boolean;
  /**
   * Our client order id as the venue takes it, where its rule differs (length, characters): what it sends
   * and what the venue's replies and stream messages carry back. The same id always gives the same one.
   * Absent: as it is.
   */
  wireId?(clientOrderId: string): string;
  /** Places the order; resolves with what the reply says. Throws VenueCallError. */
  place(order: VenueOrder): Promise<readonly Observation[]>;
  /** Cancels by clientOrderId; resolves with what the reply says. Throws VenueCallError. */
  cancel(order: VenueOrder): Promise<readonly Observation[]>;
  /** The order's state at the venue by clientOrderId, or null if the venue has no such order. */
  lookup(order: VenueOrder): Promise<readonly Observation[] | null>;
  /** Every trade of the order in the book `fillsOrderId`, oldest first. */
  fills(order: VenueOrder, fillsOrderId: string): Promise<readonly Observation[]>;
  /**
   * The account's open positions as the venue holds them: symbol (the venue's own spelling) → signed
   * quantity as decimal text (one-way mode). Throws VenueCallError.
   */
  positions(): Promise<ReadonlyMap<string, string>>;
  /**
   * The trades of the exchange's own closing orders (liquidations, ADL) on `symbol` since `since` (epoch
   * ms), oldest first, as `forced` observations: what a process that was down missed on the stream. A venue
   * that cannot list them leaves this out. Throws VenueCallError.
   */
  forcedFills?(symbol: string, since: number): Promise<readonly Observation[]>;
  /**
   * The account's income records of one kind since `since` (epoch ms), every symbol, oldest first: the
   * funding the exchange charged or paid (`funding` observations), or the clearance fees it took when it
   * liquidated (`clearance-fee`). A venue that cannot list them leaves this out, and its runs book funding
   * from their own computation. Throws VenueCallError.
   */
  incomeSince?(kind: IncomeKind, since: number): Promise<readonly Observation[]>;
  /**
   * The symbol's funding settlements from `from` to `to` (epoch ms), oldest first: each one's time, rate and
   * the mark price it was charged at. Left out by a venue that cannot list them. Throws VenueCallError.
   */
  fundingSettlements?(symbol: string, from: number, to: number): Promise<readonly FundingSettlement[]>;
  /**
   * Every instrument as the exchange lists it now (tick and lot grids, limits, leverage brackets), by
   * symbol: what a real account's orders and fills are on. Given `symbols`, at least those: a venue whose
   * whole listing takes many calls (OKX's brackets come five instrument families a call) lists only them.
   * Left out by a venue that cannot list them. Throws VenueCallError, on a reply that cannot be read too.
   */
  instruments?(symbols?: readonly string[]): Promise<ReadonlyMap<string, Instrument>>;
  /**
   * The account's wallet balance in `asset` (decimal text; what it holds before unrealised profit): what the
   * ledgers' money is reconciled with. Left out by a venue that cannot say. Throws VenueCallError.
   */
  walletBalance?(asset: string): Promise<string>;
  /**
   * The account's own commission rates on a symbol (decimal text fractions: 0.0004 is 4 bp), as the
   * exchange charges them: its VIP tier, a promotion. Left out by a venue that cannot say. Throws
   * VenueCallError.
   */
  commissionRates?(symbol: string): Promise<{ readonly maker: string; readonly taker: string }>;
  /**
   * Whether the account holds one position per symbol (`one-way`) or a long and a short (`hedge`). Left out
   * by a venue that cannot say. Throws VenueCallError.
   */
  positionMode?(): Promise<'one-way' | 'hedge'>;
  /**
   * Whether the account margins each position in its own settlement asset (`single`) or pools every asset
   * as collateral (`multi`, Binance's Multi-Assets mode). Left out by a venue that cannot say. Throws
   * VenueCallError.
   */
  assetMode?(): Promise<'single' | 'multi'>;
  /**
   * Sets a symbol's margin type and leverage on the account, as a run's ledger books them: the exchange
   * sizes margin and liquidates by its own settings, not the ledger's. Setting what is already set is no
   * error. Throws VenueCallError (a margin type cannot change while a position is open).
   */
  configureSymbol?(symbol: string, settings: SymbolSetting): Promise<void>;
  /** The clock the session signs requests with: what `expiresAt` is measured on. */
  now(): number;
  close(): Promise<void>;
}
