import { isConditional } from '../../../domain/ledger/events.js';
import type { VenueOrder } from '../../../domain/ledger/venue-port.js';
import { bybitOrderLinkId } from './order-link-id.js';

/** The body of POST /v5/order/create for a linear order (https://bybit-exchange.github.io/docs/v5/order/create-order). */
export interface BybitCreateOrder {
  readonly category: 'linear';
  readonly symbol: string;
  readonly side: 'Buy' | 'Sell';
  readonly orderType: 'Market' | 'Limit';
  readonly qty: string;
  readonly price?: string;
  readonly timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'PostOnly';
  readonly orderLinkId: string;
  readonly positionIdx: 0 | 1 | 2;
  readonly reduceOnly?: true;
  readonly triggerPrice?: string;
  readonly triggerDirection?: 1 | 2;
  readonly triggerBy?: 'MarkPrice' | 'LastPrice';
}

/** positionIdx: "0: one-way mode, 1: hedge-mode Buy side, 2: hedge-mode Sell side". */
const POSITION_IDX = { BOTH: 0, LONG: 1, SHORT: 2 } as const;

/**
 * The trigger's direction: "1: triggered when market price rises to triggerPrice, 2: … falls to". A stop
 * fires against the position it protects (a sell stop as the price falls), a take-profit with it.
 */
const directionOf = (o: VenueOrder): 1 | 2 => ((o.type === 'STOP_MARKET') === (o.side === 'BUY') ? 1 : 2);

/**
 * The create-order body for an order the ledger booked. Prices and quantities go as the ledger's exact
 * text: an off-grid value reaches Bybit as booked, so that Bybit's own verdict on it comes back. A
 * stop-market or take-profit-market order is Bybit's conditional market order: "if triggerPrice is set,
 * the order will be automatically converted into a conditional order", which works as a market order
 * once its trigger price is crossed in `triggerDirection`, watching the mark price (MARK_PRICE) or the
 * last trade (CONTRACT_PRICE; Bybit's default when absent). Post-only is a time in force at Bybit.
 */
export const bybitCreateOrder = (o: VenueOrder): BybitCreateOrder => {
  const common = {
    category: 'linear' as const,
    symbol: o.symbol,
    side: o.side === 'BUY' ? ('Buy' as const) : ('Sell' as const),
    qty: o.quantity,
    orderLinkId: bybitOrderLinkId(o.clientOrderId),
    positionIdx: POSITION_IDX[o.positionSide],
    ...(o.reduceOnly ? { reduceOnly: true as const } : {}),
  };
  if (o.type === 'LIMIT') {
    if (o.price === null) throw new RangeError(`limit order ${o.clientOrderId} has no price`);
    return {
      ...common,
      orderType: 'Limit',
      price: o.price,
      timeInForce: o.postOnly ? 'PostOnly' : o.timeInForce,
    };
  }
  if (!isConditional(o.type)) return { ...common, orderType: 'Market' };
  if (o.stopPrice === null) throw new RangeError(`${o.type} order ${o.clientOrderId} has no stop price`);
  return {
    ...common,
    orderType: 'Market',
    triggerPrice: o.stopPrice,
    triggerDirection: directionOf(o),
    ...(o.workingType === undefined
      ? {}
      : { triggerBy: o.workingType === 'MARK_PRICE' ? ('MarkPrice' as const) : ('LastPrice' as const) }),
  };
};
