import { describe, expect, it } from 'vitest';
import type { VenueOrder } from '../../../domain/ledger/venue-port.js';
import { bybitCreateOrder } from './linear-order-request.js';
import { bybitOrderLinkId } from './order-link-id.js';

const order = (o: Partial<VenueOrder>): VenueOrder => ({
  clientOrderId: 'usdt-test-01',
  symbol: 'BTCUSDT',
  side: 'BUY',
  positionSide: 'BOTH',
  type: 'LIMIT',
  quantity: '0.001',
  price: '25000.10',
  stopPrice: null,
  timeInForce: 'GTC',
  reduceOnly: false,
  postOnly: false,
  ...o,
});

describe('bybitCreateOrder', () => {
  // https://bybit-exchange.github.io/docs/v5/order/create-order ("USDT Perp open long position (one-way mode)").
  it('sends a limit order as booked, the text of its price and quantity untouched', () => {
    expect(bybitCreateOrder(order({}))).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Buy',
      orderType: 'Limit',
      qty: '0.001',
      price: '25000.10',
      timeInForce: 'GTC',
      orderLinkId: 'usdt-test-01',
      positionIdx: 0,
    });
    expect(bybitCreateOrder(order({ timeInForce: 'IOC' })).timeInForce).toBe('IOC');
    expect(bybitCreateOrder(order({ timeInForce: 'FOK' })).timeInForce).toBe('FOK');
    expect(bybitCreateOrder(order({ postOnly: true })).timeInForce).toBe('PostOnly');
  });

  it('sends a market order, a reduce-only close, and hedge-mode sides by positionIdx', () => {
    expect(
      bybitCreateOrder(
        order({ type: 'MARKET', price: null, side: 'SELL', reduceOnly: true, timeInForce: 'GTC' }),
      ),
    ).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Sell',
      orderType: 'Market',
      qty: '0.001',
      orderLinkId: 'usdt-test-01',
      positionIdx: 0,
      reduceOnly: true,
    });
    expect(bybitCreateOrder(order({ positionSide: 'LONG' })).positionIdx).toBe(1);
    expect(bybitCreateOrder(order({ positionSide: 'SHORT' })).positionIdx).toBe(2);
  });

  it('sends stops and take-profits as conditional market orders, triggered in the right direction', () => {
    const conditional = (type: VenueOrder['type'], side: VenueOrder['side']) =>
      bybitCreateOrder(order({ type, side, price: null, stopPrice: '24000', reduceOnly: true }));
    // A sell stop protects a long: it fires as the price falls (2); a sell take-profit as it rises (1).
    expect(conditional('STOP_MARKET', 'SELL')).toEqual({
      category: 'linear',
      symbol: 'BTCUSDT',
      side: 'Sell',
      orderType: 'Market',
      qty: '0.001',
      orderLinkId: 'usdt-test-01',
      positionIdx: 0,
      reduceOnly: true,
      triggerPrice: '24000',
      triggerDirection: 2,
    });
    expect(conditional('TAKE_PROFIT_MARKET', 'SELL').triggerDirection).toBe(1);
    expect(conditional('STOP_MARKET', 'BUY').triggerDirection).toBe(1);
    expect(conditional('TAKE_PROFIT_MARKET', 'BUY').triggerDirection).toBe(2);
    expect(
      bybitCreateOrder(order({ type: 'STOP_MARKET', stopPrice: '1', workingType: 'MARK_PRICE' })).triggerBy,
    ).toBe('MarkPrice');
    expect(
      bybitCreateOrder(order({ type: 'STOP_MARKET', stopPrice: '1', workingType: 'CONTRACT_PRICE' }))
        .triggerBy,
    ).toBe('LastPrice');
  });

  it('sends a long client id as its orderLinkId, and refuses an order missing its price', () => {
    const id = 'trend-follow-btc-0195f3a2-7c1e-7a01-9d2b-5d0c0e8b1f42-10';
    expect(bybitCreateOrder(order({ clientOrderId: id })).orderLinkId).toBe(bybitOrderLinkId(id));
    expect(() => bybitCreateOrder(order({ price: null }))).toThrow(/no price/);
    expect(() => bybitCreateOrder(order({ type: 'STOP_MARKET', stopPrice: null }))).toThrow(/no stop price/);
  });
});
