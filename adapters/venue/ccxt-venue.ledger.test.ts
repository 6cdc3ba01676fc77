import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OrderRequestedData } from '../../domain/ledger/events.js';
import { type Fixed, fixed, toText } from '../../domain/ledger/fixed.js';
import {
  decideOrder,
  evolveOrder,
  initialOrderState,
  type OrderCommand,
  type OrderContext,
  type OrderState,
  type PlaceOrder,
} from '../../domain/ledger/order.js';
import type { VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import { loadBinanceInstruments } from '../instruments/binance-files.js';
import { until } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

let ctx: OrderContext;
let h: Harness | undefined;
beforeAll(async () => {
  const book = await loadBinanceInstruments();
  ctx = { instrument: book.get };
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The order decider's command for a report, as the engine books tick-venue reports (engine.venueReport). */
const command = (r: VenueReport): OrderCommand | null => {
  switch (r.kind) {
    case 'accepted':
      return { kind: 'AcceptOrder', venueOrderId: r.venueOrderId };
    case 'rejected':
      return { kind: 'RejectOrder', reason: r.reason };
    case 'triggered':
      return { kind: 'TriggerOrder', price: r.triggerPrice };
    case 'fill':
      return {
        kind: 'FillOrder',
        tradeId: r.tradeId,
        quantity: r.quantity,
        price: r.price,
        liquidity: r.liquidity,
      };
    case 'cancelled':
      return { kind: 'CancelOrder', reason: r.reason };
    case 'expired':
      return { kind: 'ExpireOrder', reason: r.reason };
    case 'cancel-rejected':
    case 'forced':
    case 'funding':
    case 'clearance-fee':
      return null;
  }
};

const step = (state: OrderState, c: OrderCommand): OrderState =>
  decideOrder(c, state, ctx).reduce(evolveOrder, state);

describe('CcxtVenue reports booked through the order decider', () => {
  it('give every order a consistent state: filled = the sum of its fills = what the exchange executed', async () => {
    h = await openHarness();
    const x = h;
    const { engine } = x.fake;
    engine.setPrice('BTCUSDT', '100000');
    engine.setDepth('BTCUSDT', '0.001');
    const states = new Map<string, OrderState>();
    const fills = new Map<string, Fixed>();
    const booked: VenueReport[] = [];

    const place = (
      p: Omit<
        PlaceOrder,
        'kind' | 'orderId' | 'accountId' | 'venue' | 'strategyId' | 'symbol' | 'positionSide'
      >,
    ) => {
      const s = step(initialOrderState, {
        kind: 'PlaceOrder',
        orderId: `ord-${p.clientOrderId}`,
        accountId: 'acc-1',
        venue: 'binanceusdm',
        strategyId: null,
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        ...p,
      });
      states.set(p.clientOrderId, s);
      const { orderId, accountId, venue, strategyId, ...order } = s.request as OrderRequestedData;
      x.venue.submit(order satisfies VenueOrder, x.clock.t);
    };
    const bookAll = async (n: number) => {
      await until(
        () => x.venue.received >= n,
        () => `${n} reports (have ${x.venue.received})`,
      );
      await x.venue.idle();
      for (const r of x.venue.poll(x.clock.t)) {
        booked.push(r);
        const c = command(r);
        if (c !== null) states.set(r.clientOrderId, step(states.get(r.clientOrderId)!, c));
        if (r.kind === 'fill')
          fills.set(r.clientOrderId, (fills.get(r.clientOrderId) ?? 0n) + fixed(r.quantity));
      }
    };

    place({ clientOrderId: 'mkt', side: 'BUY', type: 'MARKET', quantity: '0.003' });
    place({ clientOrderId: 'lim', side: 'BUY', type: 'LIMIT', quantity: '0.003', price: '99900' });
    place({ clientOrderId: 'rej', side: 'BUY', type: 'MARKET', quantity: '3' });
    await bookAll(6);
    engine.setPrice('BTCUSDT', '99900', { volume: '0.001' });
    await bookAll(7);
    x.venue.cancel('lim', x.clock.t);
    x.venue.cancel('mkt', x.clock.t);
    await bookAll(9);
    place({
      clientOrderId: 'tp',
      side: 'SELL',
      type: 'TAKE_PROFIT_MARKET',
      quantity: '0.002',
      stopPrice: '100500',
      reduceOnly: true,
    });
    place({ clientOrderId: 'drop', side: 'SELL', type: 'LIMIT', quantity: '0.002', price: '100700' });
    await bookAll(11);
    // The stream drops after the trigger starts; the take-profit's fills and the limit's happen unseen.
    x.fake.dropUserStreams({ afterEvents: 1, refuse: true });
    engine.setPrice('BTCUSDT', '100500');
    engine.setPrice('BTCUSDT', '100700', { volume: '0.001' });
    engine.setPrice('BTCUSDT', '100700', { volume: '0.001' });
    x.fake.allowUserStreams();
    await bookAll(11 + 3 + 2);

    const status = Object.fromEntries(
      [...states].map(([id, s]) => [id, [s.status, toText(s.filled), s.triggered]]),
    );
    expect(status).toEqual({
      mkt: ['filled', '0.003', false],
      lim: ['cancelled', '0.001', false],
      rej: ['rejected', '0', false],
      tp: ['filled', '0.002', true],
      drop: ['filled', '0.002', false],
    });
    for (const [id, s] of states) {
      expect(s.filled, id).toBe(fills.get(id) ?? 0n);
      expect(s.fills, id).toBe(booked.filter((r) => r.kind === 'fill' && r.clientOrderId === id).length);
    }
    // The exchange's own count of every trade, against what the ledger booked.
    const executed = engine.trades().reduce((sum, t) => sum + t.qty, 0n);
    expect([...fills.values()].reduce((a, b) => a + b, 0n)).toBe(executed);
    expect(
      new Set(booked.filter((r) => r.kind === 'fill').map((r) => (r.kind === 'fill' ? r.tradeId : ''))).size,
    ).toBe(engine.trades().length);
    await new Promise((r) => setTimeout(r, 100));
    expect(x.venue.poll(x.clock.t)).toEqual([]);
  });
});
