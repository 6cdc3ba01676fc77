import type { Fixed } from '../../../domain/ledger/fixed.js';
import type { VenueOrder } from '../../../domain/ledger/venue-port.js';
import { okxClOrdId } from './cl-ord-id.js';
import { baseToContracts, okxInstId } from './swap-messages.js';

/** How OKX margins an order: chosen per order (`tdMode`), not per account or symbol. */
export type TdMode = 'cross' | 'isolated';

/** What the request needs of the instrument: its contract's base-asset size and its lot, in contracts. */
export interface SwapContract {
  readonly contractSize: Fixed;
  readonly lotSz: Fixed;
}

/** The body of POST /api/v5/trade/order (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order). */
export interface OkxPlaceOrder {
  readonly instId: string;
  readonly tdMode: TdMode;
  readonly side: 'buy' | 'sell';
  readonly posSide: 'net';
  readonly ordType: 'market' | 'limit' | 'post_only' | 'fok' | 'ioc';
  readonly sz: string;
  readonly px?: string;
  readonly reduceOnly?: true;
  readonly clOrdId: string;
}

/**
 * The body of POST /api/v5/trade/order-algo for a one-way stop (ordType `conditional`,
 * https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-place-algo-order): a stop-loss leg
 * (slTriggerPx) or a take-profit leg (tpTriggerPx), whose order price "-1" makes it a market order when it
 * fires.
 */
export interface OkxPlaceAlgo {
  readonly instId: string;
  readonly tdMode: TdMode;
  readonly side: 'buy' | 'sell';
  readonly posSide: 'net';
  readonly ordType: 'conditional';
  readonly sz: string;
  readonly reduceOnly?: true;
  readonly algoClOrdId: string;
  /**
   * The same id as the algo order's clOrdId. ccxt's okx puts a broker id of its own (and a broker `tag`)
   * into any POST /trade/order-algo without one; sent here, it is ours, as ccxt's own createOrder sends it.
   */
  readonly clOrdId: string;
  readonly slTriggerPx?: string;
  readonly slOrdPx?: '-1';
  readonly slTriggerPxType?: 'mark' | 'last';
  readonly tpTriggerPx?: string;
  readonly tpOrdPx?: '-1';
  readonly tpTriggerPxType?: 'mark' | 'last';
}

export type OkxOrderRequest =
  | { readonly endpoint: 'order'; readonly body: OkxPlaceOrder }
  | { readonly endpoint: 'algo'; readonly body: OkxPlaceAlgo };

/**
 * The request for an order the ledger booked. Prices go as the ledger's exact text: an off-tick value reaches
 * OKX as booked, so that OKX's own verdict on it comes back. The size is the ledger's base quantity in
 * contracts, which must be whole lots (baseToContracts throws otherwise: nothing is sent). Post-only,
 * fill-or-kill and immediate-or-cancel are order types at OKX. One-way (net) mode only: a LONG or SHORT
 * position side is hedge mode, which the session refuses.
 *
 * STOP_MARKET is OKX's stop-loss conditional order and TAKE_PROFIT_MARKET its take-profit one: each fires
 * when its trigger price is crossed (OKX decides the direction from the side and leg), watching the mark
 * price (MARK_PRICE) or the last trade (CONTRACT_PRICE; OKX's default, "The default is last", when absent).
 */
export const okxOrderRequest = (o: VenueOrder, contract: SwapContract, tdMode: TdMode): OkxOrderRequest => {
  if (o.positionSide !== 'BOTH')
    throw new RangeError(
      `${o.clientOrderId} is for the ${o.positionSide} side: OKX is traded in net mode only`,
    );
  const common = {
    instId: okxInstId(o.symbol),
    tdMode,
    side: o.side === 'BUY' ? ('buy' as const) : ('sell' as const),
    posSide: 'net' as const,
    sz: baseToContracts(o.quantity, contract.contractSize, contract.lotSz),
    ...(o.reduceOnly ? { reduceOnly: true as const } : {}),
  };
  const id = okxClOrdId(o.clientOrderId);
  if (o.type === 'MARKET') return { endpoint: 'order', body: { ...common, ordType: 'market', clOrdId: id } };
  if (o.type === 'LIMIT') {
    if (o.price === null) throw new RangeError(`limit order ${o.clientOrderId} has no price`);
    const ordType = o.postOnly
      ? ('post_only' as const)
      : o.timeInForce === 'IOC'
        ? ('ioc' as const)
        : o.timeInForce === 'FOK'
          ? ('fok' as const)
          : ('limit' as const);
    return { endpoint: 'order', body: { ...common, ordType, px: o.price, clOrdId: id } };
  }
  if (o.stopPrice === null) throw new RangeError(`${o.type} order ${o.clientOrderId} has no stop price`);
  const pxType =
    o.workingType === undefined
      ? {}
      : { type: o.workingType === 'MARK_PRICE' ? ('mark' as const) : ('last' as const) };
  const leg =
    o.type === 'STOP_MARKET'
      ? {
          slTriggerPx: o.stopPrice,
          slOrdPx: '-1' as const,
          ...(pxType.type === undefined ? {} : { slTriggerPxType: pxType.type }),
        }
      : {
          tpTriggerPx: o.stopPrice,
          tpOrdPx: '-1' as const,
          ...(pxType.type === undefined ? {} : { tpTriggerPxType: pxType.type }),
        };
  return {
    endpoint: 'algo',
    body: { ...common, ordType: 'conditional', algoClOrdId: id, clOrdId: id, ...leg },
  };
};
