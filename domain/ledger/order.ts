import { refuse } from './errors.js';
import {
  isConditional,
  type Liquidity,
  type OrderEvent,
  type OrderRequestedData,
  type OrderSide,
  type OrderType,
  type PositionSide,
  type TimeInForce,
  type WorkingType,
} from './events.js';
import { canonicalText, type Fixed, fixed, toText } from './fixed.js';
import {
  checkFillGrid,
  checkMinNotional,
  checkPriceBand,
  conformPrice,
  conformQty,
  type GridPolicy,
  type Instrument,
} from './instrument.js';

/**
 * The order aggregate as a decider. Lifecycle:
 *   requested → accepted | rejected;  accepted → partially filled → filled | cancelled | expired.
 * Placing is idempotent on clientOrderId because the stream is named for it: the same request again
 * decides nothing, a different request under the same id is refused.
 */
export type OrderStatus =
  | 'none'
  | 'requested'
  | 'accepted'
  | 'partially-filled'
  | 'filled'
  | 'rejected'
  | 'cancelled'
  | 'expired';

/** No command changes an order in these states any more (a retry of its last one decides nothing). */
export const isFinalOrder = (s: Pick<OrderState, 'status'>): boolean =>
  s.status === 'filled' || s.status === 'rejected' || s.status === 'cancelled' || s.status === 'expired';

export interface OrderState {
  readonly status: OrderStatus;
  /** Conditional orders only: the stop price has been crossed and the order now works as a market order. */
  readonly triggered: boolean;
  readonly request: OrderRequestedData | null;
  readonly quantity: Fixed;
  readonly filled: Fixed;
  readonly fills: number;
  /**
   * The trades booked so far, to make a repeated fill decide nothing. An array, not a Set: the state is
   * immutable, so every fill copies it, and an order has a handful of fills, where copying and scanning a
   * short array costs a fraction of copying a hash set.
   */
  readonly tradeIds: readonly string[];
}

export const initialOrderState: OrderState = {
  status: 'none',
  triggered: false,
  request: null,
  quantity: 0n,
  filled: 0n,
  fills: 0,
  tradeIds: [],
};

export interface PlaceOrder {
  readonly kind: 'PlaceOrder';
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly accountId: string;
  readonly venue: string;
  readonly strategyId: string | null;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly positionSide: PositionSide;
  readonly type: OrderType;
  readonly quantity: string;
  readonly price?: string | null;
  readonly stopPrice?: string | null;
  readonly timeInForce?: TimeInForce;
  readonly reduceOnly?: boolean;
  readonly postOnly?: boolean;
  /** A conditional order's trigger source at the venue; absent: the venue's default (the last trade). */
  readonly workingType?: WorkingType;
  /** Off-grid price/quantity: refuse (default) or round (see GridPolicy for the direction). */
  readonly gridPolicy?: GridPolicy;
  /** When given, a limit price is checked against the instrument's PERCENT_PRICE band and a market order's notional against MIN_NOTIONAL. */
  readonly markPrice?: string;
}

export type OrderCommand =
  | PlaceOrder
  | { readonly kind: 'AcceptOrder'; readonly venueOrderId: string }
  | { readonly kind: 'RejectOrder'; readonly reason: string }
  /** `price` is the observed price the order's trigger watches (mark or last, per the caller's working type). */
  | { readonly kind: 'TriggerOrder'; readonly price: string }
  | {
      readonly kind: 'FillOrder';
      readonly tradeId: string;
      readonly quantity: string;
      readonly price: string;
      readonly liquidity: Liquidity;
    }
  | { readonly kind: 'CancelOrder'; readonly reason: string }
  | { readonly kind: 'ExpireOrder'; readonly reason: string };

export interface OrderContext {
  readonly instrument: (symbol: string) => Instrument;
}

const parsePositive = (text: string | null | undefined, what: string): Fixed => {
  if (text === null || text === undefined) return refuse(`${what}-required`, `${what} is required`);
  let v: Fixed;
  try {
    v = fixed(text);
  } catch {
    return refuse(`${what}-not-a-number`, `${what} ${JSON.stringify(text)} is not a plain decimal number`);
  }
  if (v <= 0n) refuse(`${what}-must-be-positive`, `${what} ${text} must be > 0`);
  return v;
};

const sameRequest = (a: OrderRequestedData, b: OrderRequestedData): boolean =>
  JSON.stringify({ ...a, orderId: '' }) === JSON.stringify({ ...b, orderId: '' });

/** The minimum-notional check of a reduce-only order: none (Binance exempts them; see buildRequest). */
const exemptFromMinNotional = (): void => {};

const buildRequest = (c: PlaceOrder, ctx: OrderContext): OrderRequestedData => {
  const inst = ctx.instrument(c.symbol);
  if (inst.status !== 'TRADING') refuse('symbol-not-trading', `${c.symbol} status is ${inst.status}`);
  const policy = c.gridPolicy ?? 'refuse';
  const market = c.type === 'MARKET' || isConditional(c.type);
  const tif = c.timeInForce ?? 'GTC';
  const postOnly = c.postOnly ?? false;
  const reduceOnly = c.reduceOnly ?? false;

  if (c.positionSide !== 'BOTH' && reduceOnly) {
    // Binance: in hedge mode the position side already says whether an order opens or closes.
    refuse('reduce-only-in-hedge-mode', 'reduceOnly cannot be sent with positionSide LONG/SHORT');
  }
  if (postOnly && c.type !== 'LIMIT')
    refuse('post-only-needs-limit', `postOnly is only valid on LIMIT orders, not ${c.type}`);
  if (postOnly && tif !== 'GTC') refuse('post-only-needs-gtc', `postOnly cannot be combined with ${tif}`);
  if (market && c.price != null) refuse('market-order-has-price', `${c.type} orders take no limit price`);
  if (c.type === 'MARKET' && c.stopPrice != null)
    refuse('market-order-has-stop', 'MARKET orders take no stopPrice');
  if (c.type === 'LIMIT' && c.stopPrice != null)
    refuse('limit-order-has-stop', 'LIMIT orders take no stopPrice');
  if (c.workingType !== undefined && !isConditional(c.type))
    refuse('working-type-needs-trigger', `${c.type} orders have no trigger to watch a ${c.workingType}`);

  const asked = parsePositive(c.quantity, 'quantity');
  const quantity = conformQty(inst, asked, market, policy);
  // Binance exempts reduce-only orders from MIN_NOTIONAL ("Order's notional must be no smaller than 5
  // (unless you choose reduce only)", -4164): the remainder of a position, or its stop, is always closable.
  // Whether it really reduces is the venue's check when it fills (a reduce-only that would not is refused).
  const minNotional = c.reduceOnly ? exemptFromMinNotional : checkMinNotional;
  let price: Fixed | null = null;
  if (c.type === 'LIMIT') {
    price = conformPrice(inst, parsePositive(c.price, 'price'), c.side, policy);
    minNotional(inst, quantity, price);
    if (c.markPrice !== undefined) checkPriceBand(inst, price, parsePositive(c.markPrice, 'mark-price'));
  }
  let stopPrice: Fixed | null = null;
  if (isConditional(c.type)) {
    // A trigger rounds like the order it releases: toward the passive side.
    stopPrice = conformPrice(inst, parsePositive(c.stopPrice, 'stop-price'), c.side, policy);
    minNotional(inst, quantity, stopPrice);
  }
  if (c.type === 'MARKET' && c.markPrice !== undefined) {
    minNotional(inst, quantity, parsePositive(c.markPrice, 'mark-price'));
  }
  const request: { -readonly [K in keyof OrderRequestedData]: OrderRequestedData[K] } = {
    orderId: c.orderId,
    clientOrderId: c.clientOrderId,
    accountId: c.accountId,
    venue: c.venue,
    strategyId: c.strategyId,
    symbol: c.symbol,
    side: c.side,
    positionSide: c.positionSide,
    type: c.type,
    quantity: quantity === asked ? canonicalText(c.quantity, asked) : toText(quantity),
    price: price === null ? null : toText(price),
    stopPrice: stopPrice === null ? null : toText(stopPrice),
    timeInForce: tif,
    reduceOnly,
    postOnly,
  };
  // Set after the literal rather than spread into it: same key order, without a spread per order.
  if (c.workingType !== undefined) request.workingType = c.workingType;
  return request;
};

const isOpen = (s: OrderStatus): boolean => s === 'accepted' || s === 'partially-filled';

export const decideOrder = (command: OrderCommand, state: OrderState, ctx: OrderContext): OrderEvent[] => {
  switch (command.kind) {
    case 'PlaceOrder': {
      const request = buildRequest(command, ctx);
      if (state.request) {
        if (sameRequest(state.request, request)) return [];
        return refuse(
          'client-order-id-reused',
          `clientOrderId ${command.clientOrderId} already names a different order (${state.request.orderId})`,
        );
      }
      return [{ type: 'OrderRequested', data: request }];
    }
    case 'AcceptOrder': {
      if (state.status === 'accepted' || state.status === 'partially-filled') return [];
      if (state.status !== 'requested')
        return refuse('accept-needs-requested', `cannot accept an order that is ${state.status}`);
      return [
        {
          type: 'OrderAccepted',
          data: { orderId: state.request!.orderId, venueOrderId: command.venueOrderId },
        },
      ];
    }
    case 'RejectOrder': {
      if (state.status === 'rejected') return [];
      if (state.status !== 'requested')
        return refuse('reject-needs-requested', `cannot reject an order that is ${state.status}`);
      return [{ type: 'OrderRejected', data: { orderId: state.request!.orderId, reason: command.reason } }];
    }
    case 'TriggerOrder': {
      if (state.triggered) return [];
      if (state.status !== 'accepted') {
        return refuse('trigger-needs-accepted-order', `cannot trigger an order that is ${state.status}`);
      }
      const req = state.request!;
      if (req.stopPrice === null)
        refuse('trigger-needs-conditional-order', `${req.type} order ${req.orderId} has no stop price`);
      const seen = parsePositive(command.price, 'trigger-price');
      const stop = fixed(req.stopPrice!);
      // Binance New Order (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api):
      // STOP_MARKET triggers a BUY at price ≥ stopPrice and a SELL at ≤; TAKE_PROFIT_MARKET the other way round.
      const rising = (req.type === 'STOP_MARKET') === (req.side === 'BUY');
      if (rising ? seen < stop : seen > stop) {
        refuse(
          'trigger-price-not-reached',
          `${req.type} ${req.side} stop ${req.stopPrice} is not crossed by price ${command.price}`,
        );
      }
      return [{ type: 'OrderTriggered', data: { orderId: req.orderId, triggerPrice: toText(seen) } }];
    }
    case 'FillOrder': {
      if (state.tradeIds.includes(command.tradeId)) return [];
      if (!isOpen(state.status))
        return refuse('fill-needs-open-order', `cannot fill an order that is ${state.status}`);
      const req = state.request!;
      if (req.stopPrice !== null && !state.triggered) {
        refuse(
          'conditional-order-not-triggered',
          `${req.type} order ${req.orderId} cannot fill before its stop is crossed`,
        );
      }
      const qty = parsePositive(command.quantity, 'fill-quantity');
      const price = parsePositive(command.price, 'fill-price');
      checkFillGrid(ctx.instrument(req.symbol), price, qty);
      const remaining = state.quantity - state.filled;
      if (qty > remaining) {
        refuse(
          'fill-exceeds-remaining',
          `fill of ${toText(qty)} exceeds the remaining ${toText(remaining)} of order ${req.orderId}`,
        );
      }
      if (req.timeInForce === 'FOK' && qty !== state.quantity) {
        refuse(
          'fok-fills-entirely',
          `FOK order ${req.orderId} must fill ${req.quantity} at once, not ${toText(qty)}`,
        );
      }
      if (req.postOnly && command.liquidity === 'taker') {
        refuse('post-only-cannot-take', `postOnly order ${req.orderId} cannot be filled as taker`);
      }
      if (req.type === 'LIMIT') {
        const limit = fixed(req.price!);
        if (req.side === 'BUY' ? price > limit : price < limit) {
          refuse(
            'fill-worse-than-limit',
            `fill at ${command.price} is worse than the ${req.side} limit ${req.price}`,
          );
        }
      }
      const filled = state.filled + qty;
      const quantity = canonicalText(command.quantity, qty);
      const left = state.quantity - filled;
      return [
        {
          type: 'OrderFilled',
          data: {
            orderId: req.orderId,
            fillSeq: state.fills + 1,
            tradeId: command.tradeId,
            quantity,
            price: canonicalText(command.price, price),
            liquidity: command.liquidity,
            // A first fill's cumulative quantity is the fill itself: its text is already at hand.
            filledQuantity: state.filled === 0n ? quantity : toText(filled),
            remainingQuantity: left === 0n ? '0' : toText(left),
          },
        },
      ];
    }
    case 'CancelOrder': {
      if (state.status === 'cancelled') return [];
      if (!isOpen(state.status) && state.status !== 'requested') {
        return refuse('cancel-needs-open-order', `cannot cancel an order that is ${state.status}`);
      }
      return [{ type: 'OrderCancelled', data: { orderId: state.request!.orderId, reason: command.reason } }];
    }
    case 'ExpireOrder': {
      if (state.status === 'expired') return [];
      if (!isOpen(state.status))
        return refuse('expire-needs-open-order', `cannot expire an order that is ${state.status}`);
      return [{ type: 'OrderExpired', data: { orderId: state.request!.orderId, reason: command.reason } }];
    }
  }
};

export const evolveOrder = (state: OrderState, event: OrderEvent): OrderState => {
  switch (event.type) {
    case 'OrderRequested':
      return { ...state, status: 'requested', request: event.data, quantity: fixed(event.data.quantity) };
    case 'OrderAccepted':
      return { ...state, status: 'accepted' };
    case 'OrderRejected':
      return { ...state, status: 'rejected' };
    case 'OrderTriggered':
      return { ...state, triggered: true };
    case 'OrderFilled': {
      const filled = fixed(event.data.filledQuantity);
      return {
        ...state,
        status: filled === state.quantity ? 'filled' : 'partially-filled',
        filled,
        fills: event.data.fillSeq,
        tradeIds: [...state.tradeIds, event.data.tradeId],
      };
    }
    case 'OrderCancelled':
      return { ...state, status: 'cancelled' };
    case 'OrderExpired':
      return { ...state, status: 'expired' };
  }
};

export const orderStreamId = (accountId: string, clientOrderId: string): string =>
  `order-${accountId}:${clientOrderId}`;
