import { describe, expect, it } from 'vitest';
import { fixed } from '../../../domain/ledger/fixed.js';
import type { VenueOrder } from '../../../domain/ledger/venue-port.js';
import { okxClOrdId } from './cl-ord-id.js';
import { okxOrderRequest } from './swap-order-request.js';

const order = (o: Partial<VenueOrder>): VenueOrder => ({
  clientOrderId: 'run-1',
  symbol: 'BTCUSDT',
  side: 'BUY',
  positionSide: 'BOTH',
  type: 'LIMIT',
  quantity: '0.03',
  price: '30000.1',
  stopPrice: null,
  timeInForce: 'GTC',
  reduceOnly: false,
  postOnly: false,
  ...o,
});

/** BTC-USDT-SWAP: a contract is 0.01 BTC, a lot 0.01 contract. */
const btc = { contractSize: fixed('0.01'), lotSz: fixed('0.01') };
const id = okxClOrdId('run-1');

// https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order and
// https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-place-algo-order (request parameters).
describe('okxOrderRequest', () => {
  it('sends the base quantity as contracts, in net mode, with the run’s margin mode', () => {
    expect(okxOrderRequest(order({}), btc, 'cross')).toEqual({
      endpoint: 'order',
      body: {
        instId: 'BTC-USDT-SWAP',
        tdMode: 'cross',
        side: 'buy',
        posSide: 'net',
        ordType: 'limit',
        sz: '3',
        px: '30000.1',
        clOrdId: id,
      },
    });
    const market = okxOrderRequest(
      order({ type: 'MARKET', side: 'SELL', price: null, reduceOnly: true }),
      btc,
      'isolated',
    );
    expect(market.body).toEqual({
      instId: 'BTC-USDT-SWAP',
      tdMode: 'isolated',
      side: 'sell',
      posSide: 'net',
      ordType: 'market',
      sz: '3',
      reduceOnly: true,
      clOrdId: id,
    });
  });

  it('spells post-only, IOC and FOK as OKX’s order types', () => {
    expect(okxOrderRequest(order({ postOnly: true }), btc, 'cross').body.ordType).toBe('post_only');
    expect(okxOrderRequest(order({ timeInForce: 'IOC' }), btc, 'cross').body.ordType).toBe('ioc');
    expect(okxOrderRequest(order({ timeInForce: 'FOK' }), btc, 'cross').body.ordType).toBe('fok');
  });

  it('sends stops and take-profits as conditional algo orders that fire as market orders', () => {
    const stop = okxOrderRequest(
      order({
        type: 'STOP_MARKET',
        side: 'SELL',
        price: null,
        stopPrice: '29000',
        reduceOnly: true,
        workingType: 'MARK_PRICE',
      }),
      btc,
      'cross',
    );
    expect(stop).toEqual({
      endpoint: 'algo',
      body: {
        instId: 'BTC-USDT-SWAP',
        tdMode: 'cross',
        side: 'sell',
        posSide: 'net',
        ordType: 'conditional',
        sz: '3',
        reduceOnly: true,
        algoClOrdId: id,
        clOrdId: id,
        slTriggerPx: '29000',
        slOrdPx: '-1',
        slTriggerPxType: 'mark',
      },
    });
    const tp = okxOrderRequest(
      order({
        type: 'TAKE_PROFIT_MARKET',
        side: 'SELL',
        price: null,
        stopPrice: '31000',
        workingType: 'CONTRACT_PRICE',
      }),
      btc,
      'cross',
    );
    expect(tp.body).toMatchObject({ tpTriggerPx: '31000', tpOrdPx: '-1', tpTriggerPxType: 'last' });
    // Without a working type OKX's own default (last) applies.
    const plain = okxOrderRequest(order({ type: 'STOP_MARKET', price: null, stopPrice: '1' }), btc, 'cross');
    expect(plain.body).not.toHaveProperty('slTriggerPxType');
  });

  it('refuses what OKX cannot be sent: part of a lot, hedge-mode sides, missing prices', () => {
    expect(() =>
      okxOrderRequest(
        order({ quantity: '0.01' }),
        { contractSize: fixed('0.03'), lotSz: fixed('1') },
        'cross',
      ),
    ).toThrow(/whole number of contracts/);
    expect(() => okxOrderRequest(order({ quantity: '0.00005' }), btc, 'cross')).toThrow(
      /not a whole number of lots/,
    );
    expect(() => okxOrderRequest(order({ quantity: '0.0300001' }), btc, 'cross')).toThrow(RangeError);
    expect(() =>
      okxOrderRequest(
        order({ quantity: '0.015' }),
        { contractSize: fixed('0.01'), lotSz: fixed('1') },
        'cross',
      ),
    ).toThrow(/not a whole number of lots/);
    expect(() => okxOrderRequest(order({ positionSide: 'LONG' }), btc, 'cross')).toThrow(/net mode/);
    expect(() => okxOrderRequest(order({ price: null }), btc, 'cross')).toThrow(/no price/);
    expect(() => okxOrderRequest(order({ type: 'STOP_MARKET', stopPrice: null }), btc, 'cross')).toThrow(
      /no stop price/,
    );
    expect(() => okxOrderRequest(order({ symbol: 'BTCUSDC' }), btc, 'cross')).toThrow(/not a USDT perpetual/);
  });
});
