import type { Liquidity, OrderRequestedData } from './events.js';
import type { Fixed } from './fixed.js';

/**
 * The execution venue port: what an engine needs from a place that works orders. The simulated bar
 * venue (replay/bar/bar-venue.ts) and tick venue (replay/tick/sim-venue.ts) implement it, and so does the
 * live ccxt adapter (adapters/venue/ccxt-venue.ts), so the engine that books the reports cannot tell
 * which one it talks to. On bars the engine's own stop ladder is not behind it (replay/engine/engine.ts says
 * why); fed ticks, its exits are market orders through it.
 *
 * Time is the caller's. Every call carries the engine's clock (`at`, `t`, epoch ms, never going back):
 * the data's clock in backtest and paper, the wall clock (or the exchange's, as the engine tracks it) live.
 * The port is synchronous because the engine's step is: nothing here waits on the network.
 *
 * Each report maps onto one command of the order decider (domain/ledger/order.ts): accepted →
 * AcceptOrder, rejected → RejectOrder, triggered → TriggerOrder, fill → FillOrder (then the account's
 * SettleFill, which charges the fee from the account's tier), cancelled → CancelOrder, expired →
 * ExpireOrder. `cancel-rejected` changes nothing in the ledger: the order went on to another end.
 *
 * What a live adapter must do to implement it:
 * - `submit`/`cancel` enqueue the REST call (POST/DELETE /fapi/v1/order with newClientOrderId =
 *   clientOrderId; since December 2025 Binance takes STOP_MARKET / TAKE_PROFIT_MARKET through its algo
 *   service, POST/DELETE /fapi/v1/algoOrder with clientAlgoId, and streams them as ALGO_UPDATE) and
 *   return at once; the response and the user-data stream (ORDER_TRADE_UPDATE) are buffered as reports.
 *   An HTTP or venue error on submit becomes a `rejected` report, never a throw. adapters/venue/ccxt-venue.ts
 *   is that adapter for Binance USDⓈ-M.
 * - Reports carry the exchange's transaction time as `time` and the local receive time as `receivedAt`,
 *   and `poll(t)` returns what was received up to t in arrival order (the user-data stream is one ordered
 *   channel: a later report never overtakes an earlier one, and the simulator keeps that too).
 * - Map Binance's statuses: NEW → accepted, REJECTED → rejected, a conditional order's trigger (its
 *   TRADE_UPDATE with an activated stop) → triggered, TRADE → fill (tradeId = the exchange's trade id,
 *   liquidity from the maker flag, fee from commission/commissionAsset), CANCELED → cancelled,
 *   EXPIRED (IOC/FOK remainder, market order out of book) → expired; an "unknown order" answer to a
 *   cancel → cancel-rejected.
 * - Enforce nothing the exchange enforces (reduceOnly, postOnly, filters): the exchange's verdict arrives
 *   as a report, and the ledger has already refused what breaks its rules before anything is sent.
 * - Reconnects: replay missed updates (GET /fapi/v1/order per open clientOrderId) into the same buffer
 *   before reporting anything newer, so the ledger never sees a fill before its acceptance.
 * - `nextEventAt()` returns +∞: a live venue cannot know when the exchange will speak, so a live engine
 *   polls on its own clock (each websocket message, each timer tick) instead of stepping to this time.
 */

/** An order as the ledger recorded it (OrderRequested): the engine sends exactly what it booked. */
export type VenueOrder = Pick<
  OrderRequestedData,
  | 'clientOrderId'
  | 'symbol'
  | 'side'
  | 'positionSide'
  | 'type'
  | 'quantity'
  | 'price'
  | 'stopPrice'
  | 'timeInForce'
  | 'reduceOnly'
  | 'postOnly'
  | 'workingType'
>;

interface ReportBase {
  readonly clientOrderId: string;
  /** When it happened at the venue (the exchange's transaction time), epoch ms. */
  readonly time: number;
  /** When the trader learns it (time + the venue→trader latency): the engine acts on it no earlier. */
  readonly receivedAt: number;
}

export interface VenueFill extends ReportBase {
  readonly kind: 'fill';
  /** Unique per order: the ledger's idempotency key for this fill. */
  readonly tradeId: string;
  /** Decimal text on the instrument's tick and lot grids. */
  readonly price: string;
  readonly quantity: string;
  /** Decides the fee rate (maker or taker of the account's tier). */
  readonly liquidity: Liquidity;
  /** Quantity still open after this fill. */
  readonly remaining: string;
  /**
   * The venue's own fee figure when it reports one (live: commission and its asset), signed as the
   * ledger books it: what was taken, below zero a maker's rebate. The ledger books it as reported (its
   * rate is what it works out to); without one it charges the account's own rates or its tier's.
   */
  readonly fee?: { readonly amount: string; readonly asset: string };
}

/** Why the exchange closed a position by an order of its own. */
export type ForcedCloseReason = 'liquidation' | 'adl' | 'settlement';

/**
 * A fill of an order the exchange placed itself to close (part of) a position: a liquidation (the margin
 * ran out), an auto-deleveraging (ADL: a bankrupt counterparty's position was set against this profitable
 * one) or a delisting settlement. No order of ours is behind it, so it is not routed by our clientOrderId
 * but by symbol: `clientOrderId` is the exchange's own ("autoclose-…", "adl_autoclose",
 * "settlement_autoclose-…"; ADL reuses one id, so `venueOrderId` is what tells two apart). The ledger books
 * it as a reduce-only fill (SettleFill with `forced`), at the exchange's price, fee and trade id.
 */
export interface VenueForcedFill extends ReportBase {
  readonly kind: 'forced';
  readonly reason: ForcedCloseReason;
  readonly symbol: string;
  /** The side of the exchange's order: SELL closes a long. */
  readonly side: 'BUY' | 'SELL';
  readonly venueOrderId: string;
  /** Unique per order, as for our fills. */
  readonly tradeId: string;
  readonly price: string;
  readonly quantity: string;
  readonly fee?: { readonly amount: string; readonly asset: string };
}

/**
 * Funding the exchange charged (amount < 0) or paid (> 0) the account on a symbol's position at a funding
 * time (`time`): its own income record. Like a forced fill it is about a position, not an order, and is
 * routed by symbol; `clientOrderId` is `funding:<incomeId>`. A live engine books it as charged
 * (ApplyFunding with `charged`) rather than computing its own figure from the rate and its mark reading.
 */
export interface VenueFunding extends ReportBase {
  readonly kind: 'funding';
  readonly symbol: string;
  /** Signed decimal text in `asset`: received +, paid −. */
  readonly amount: string;
  readonly asset: string;
  /** The exchange's id of the record: reported once. */
  readonly incomeId: string;
}

/**
 * The exchange's liquidation clearance fee (Binance's INSURANCE_CLEAR income record): what it took for the
 * insurance fund when it liquidated a position of `symbol`, at `time`. Routed by symbol to the runs whose
 * positions that liquidation closed; `clientOrderId` is `clearance:<incomeId>`. A live engine books it as a
 * liquidation fee against the liquidation it follows.
 */
export interface VenueClearanceFee extends ReportBase {
  readonly kind: 'clearance-fee';
  readonly symbol: string;
  /** What was taken (≥ 0), decimal text in `asset`. */
  readonly amount: string;
  readonly asset: string;
  /** The exchange's id of the record: reported once. */
  readonly incomeId: string;
}

/**
 * A funding record of the exchange's, listed after the fact (not reported live): what a close-out books for
 * a run the node was down for. `rate` and `markPrice` are those of the exchange's settlement at that time
 * (its funding-rate history), null when it does not give them.
 */
export interface FundingCharge {
  readonly symbol: string;
  readonly time: number;
  /** Signed decimal text: received +, paid −. */
  readonly amount: string;
  readonly asset: string;
  readonly incomeId: string;
  readonly rate: string | null;
  readonly markPrice: string | null;
}

/** A liquidation clearance fee of the exchange's, listed after the fact: what was taken (≥ 0). */
export interface ClearanceCharge {
  readonly symbol: string;
  readonly time: number;
  readonly amount: string;
  readonly asset: string;
  readonly incomeId: string;
}

export type VenueReport =
  | (ReportBase & { readonly kind: 'accepted'; readonly venueOrderId: string })
  | (ReportBase & {
      readonly kind: 'rejected';
      readonly reason: string;
      /**
       * Refused by the instrument's listed rules (tick, step, minimums): the venue may have changed its
       * listing since the run read it, so the run lists it again.
       */
      readonly listing?: boolean;
      /**
       * Refused on arrival by its own terms: a fill-or-kill order that could not fill whole, a post-only
       * order that would have taken (Binance refuses both rather than expiring them). Part of trading, like
       * an IOC's expiry: not counted against the venue's health.
       */
      readonly unmetTerms?: boolean;
    })
  /** A STOP_MARKET / TAKE_PROFIT_MARKET order's stop was crossed; it now works as a market order. */
  | (ReportBase & { readonly kind: 'triggered'; readonly triggerPrice: string })
  | VenueFill
  /** Cancelled on the trader's request. */
  | (ReportBase & { readonly kind: 'cancelled'; readonly reason: string })
  /** Ended by the venue's rules: an IOC/FOK remainder, a market order the book could not fill. */
  | (ReportBase & { readonly kind: 'expired'; readonly reason: string })
  /** A cancel that found nothing open (already filled, expired, or not yet arrived). */
  | (ReportBase & { readonly kind: 'cancel-rejected'; readonly reason: string })
  | VenueForcedFill
  | VenueFunding
  | VenueClearanceFee;

export interface Venue {
  /**
   * Sends an order at `at`. Whatever the venue makes of it comes back as reports, rejections included.
   * Throws only on a caller's error (a reused clientOrderId, time going back, a symbol it does not trade).
   */
  submit(order: VenueOrder, at: number): void;
  /** Asks to cancel at `at`. The order may still fill before the cancel lands; the reports say. */
  cancel(clientOrderId: string, at: number): void;
  /** Lets the venue run to `t` and returns, once each and in arrival order, the reports received by then. */
  poll(t: number): readonly VenueReport[];
  /**
   * The earliest time at which the venue has something to do or to say (an order or cancel landing, a
   * market event that may fill a resting order, a report reaching the trader), +∞ when it cannot know.
   * An engine that replays history steps to it; a live engine ignores it.
   */
  nextEventAt(): number;
}

/** What the ledger has booked of an order so far: an adopting venue reports only what is new. */
export interface BookedSoFar {
  readonly accepted: boolean;
  readonly triggered: boolean;
  /** Filled quantity booked (decimal text). */
  readonly filled: string;
  /** The venue's trade ids already booked as fills. */
  readonly tradeIds: readonly string[];
}

/**
 * A live venue that can follow an order an earlier process placed: after a restart, the orders the log
 * shows working are adopted, looked up by clientOrderId, and reported from where the ledger left them.
 */
export interface AdoptingVenue extends Venue {
  /**
   * Follows `order` (as its OrderRequested recorded it) from `booked` on. Reports come as for a submitted
   * order; one the venue no longer knows ends (expired, or rejected if never accepted) with the reason.
   */
  adopt(order: VenueOrder, booked: BookedSoFar, at: number): void;
}

/**
 * A venue several runs trade through (one exchange account, adapters/venue/shared-venue.ts). The exchange's
 * closing trades name a symbol and no order of ours, so a run says which symbols it trades and what it
 * holds in them: a forced fill is shared out among the runs that held the side it closes.
 */
export interface HoldingVenue extends Venue {
  /**
   * `holding(symbol)` is the run's signed position in the symbol, with the forced fills it was handed but
   * has not booked yet already counted.
   */
  follow(symbols: readonly string[], holding: (symbol: string) => Fixed): void;
}

/**
 * A live venue that reports the funding the exchange charged (VenueFunding). A run trading through one
 * books funding from those reports only, never from its own computation, so its ledger moves exactly as
 * the exchange's wallet did.
 */
export interface FundingReportingVenue extends Venue {
  readonly reportsFunding: boolean;
}

export const reportsFunding = (v: Venue): boolean =>
  (v as Partial<FundingReportingVenue>).reportsFunding === true;
