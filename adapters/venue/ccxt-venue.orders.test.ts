import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toText } from '../../domain/ledger/fixed.js';
import { binanceClientId } from './binance/usdm-session.js';
import { brief, byOrder, settleReports, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
  h.fake.engine.setPrice('BTCUSDT', '100000');
});
afterEach(async () => {
  await h?.close();
});

/** Waits for `n` reports in all, lets the calls finish, and hands everything out. */
const settle = (n: number) => settleReports(h, n);

/** A request's Binance parameters without the signing ones, which differ on every call. */
const sent = (method: string, path: string, id: string): Record<string, string> => {
  const r = h.fake.requests.find(
    (x) =>
      x.method === method &&
      x.path === path &&
      (x.params.newClientOrderId === id || x.params.clientAlgoId === id || x.params.origClientOrderId === id),
  );
  if (r === undefined) throw new Error(`no ${method} ${path} for ${id}`);
  const { timestamp, signature, recvWindow, ...rest } = r.params;
  expect([timestamp, signature, recvWindow].every((v) => v !== undefined)).toBe(true);
  return rest;
};

describe('CcxtVenue on Binance USDⓈ-M (fake server): orders', () => {
  it('sends each order type with its flags as Binance parameters: newClientOrderId, GTX for post-only, the algo service for stops', async () => {
    const v = h.venue;
    v.submit(venueOrder({ clientOrderId: 'mkt', side: 'BUY', type: 'MARKET', quantity: '0.003' }), h.clock.t);
    await settle(2);
    v.submit(venueOrder({ clientOrderId: 'lim', side: 'BUY', type: 'LIMIT', price: '99000.5' }), h.clock.t);
    v.submit(
      venueOrder({ clientOrderId: 'po', side: 'SELL', type: 'LIMIT', price: '101000', postOnly: true }),
      h.clock.t,
    );
    v.submit(
      venueOrder({ clientOrderId: 'ioc', side: 'SELL', type: 'LIMIT', price: '101000', timeInForce: 'IOC' }),
      h.clock.t,
    );
    v.submit(
      venueOrder({ clientOrderId: 'fok', side: 'BUY', type: 'LIMIT', price: '99000', timeInForce: 'FOK' }),
      h.clock.t,
    );
    v.submit(
      venueOrder({ clientOrderId: 'ro', side: 'SELL', type: 'MARKET', quantity: '0.001', reduceOnly: true }),
      h.clock.t,
    );
    v.submit(
      venueOrder({
        clientOrderId: 'sl',
        side: 'SELL',
        type: 'STOP_MARKET',
        stopPrice: '95000',
        reduceOnly: true,
      }),
      h.clock.t,
    );
    v.submit(
      venueOrder({
        clientOrderId: 'tp',
        side: 'SELL',
        type: 'TAKE_PROFIT_MARKET',
        stopPrice: '105000.5',
        quantity: '0.001',
      }),
      h.clock.t,
    );
    await settle(2 + 9);

    const order = '/fapi/v1/order';
    const base = { symbol: 'BTCUSDT', newOrderRespType: 'RESULT' };
    expect(sent('POST', order, 'mkt')).toEqual({
      ...base,
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.003',
      newClientOrderId: 'mkt',
    });
    expect(sent('POST', order, 'lim')).toEqual({
      ...base,
      side: 'BUY',
      type: 'LIMIT',
      quantity: '0.002',
      price: '99000.5',
      timeInForce: 'GTC',
      newClientOrderId: 'lim',
    });
    expect(sent('POST', order, 'po')).toMatchObject({
      type: 'LIMIT',
      side: 'SELL',
      price: '101000',
      timeInForce: 'GTX',
    });
    expect(sent('POST', order, 'ioc')).toMatchObject({ type: 'LIMIT', timeInForce: 'IOC' });
    expect(sent('POST', order, 'fok')).toMatchObject({ type: 'LIMIT', timeInForce: 'FOK' });
    expect(sent('POST', order, 'ro')).toEqual({
      ...base,
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.001',
      reduceOnly: 'true',
      newClientOrderId: 'ro',
    });
    const algo = '/fapi/v1/algoOrder';
    expect(sent('POST', algo, 'sl')).toEqual({
      ...base,
      algoType: 'CONDITIONAL',
      side: 'SELL',
      type: 'STOP_MARKET',
      quantity: '0.002',
      triggerPrice: '95000',
      reduceOnly: 'true',
      clientAlgoId: 'sl',
    });
    expect(sent('POST', algo, 'tp')).toMatchObject({
      type: 'TAKE_PROFIT_MARKET',
      triggerPrice: '105000.5',
      clientAlgoId: 'tp',
    });
    expect(h.fake.unknownRequests()).toEqual([]);
  });

  it('works IOC, FOK and post-only the way Binance does: an IOC expires, a FOK that cannot fill and a post-only that would take are refused', async () => {
    const v = h.venue;
    v.submit(
      venueOrder({ clientOrderId: 'ioc', side: 'SELL', type: 'LIMIT', price: '101000', timeInForce: 'IOC' }),
      h.clock.t,
    );
    v.submit(
      venueOrder({ clientOrderId: 'fok', side: 'BUY', type: 'LIMIT', price: '99000', timeInForce: 'FOK' }),
      h.clock.t,
    );
    v.submit(
      venueOrder({ clientOrderId: 'po', side: 'BUY', type: 'LIMIT', price: '100000.1', postOnly: true }),
      h.clock.t,
    );
    const rs = await settle(4);
    // Neither refusal says anything of the venue's health: the engine does not count them as its errors.
    expect(
      rs.filter((r) => r.kind === 'rejected' && r.unmetTerms === true).map((r) => r.clientOrderId),
    ).toEqual(['fok', 'po']);
    expect(byOrder(rs)).toEqual({
      ioc: ['ioc accepted', 'ioc expired: IOC: remainder not filled on arrival'],
      fok: [
        'fok rejected: FOK could not fill: Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history (binance -5021)',
      ],
      po: [
        'po rejected: post-only would take: Due to the order could not be executed as maker, the Post Only order will be rejected. (binance -5022)',
      ],
    });
  });

  it('reports a market order as accepted, then each trade with its id, price, size, taker flag and commission, then nothing more', async () => {
    h.fake.engine.setDepth('BTCUSDT', '0.001');
    h.venue.submit(
      venueOrder({ clientOrderId: 'm', side: 'BUY', type: 'MARKET', quantity: '0.003' }),
      h.clock.t,
    );
    const rs = await settle(4);
    expect(brief(rs)).toEqual([
      'm accepted',
      'm fill 0.001@100000 taker left 0.002',
      'm fill 0.001@100000.1 taker left 0.001',
      'm fill 0.001@100000.2 taker left 0',
    ]);
    const trades = h.fake.engine.trades();
    expect(rs.slice(1)).toEqual(
      trades.map((t) =>
        expect.objectContaining({
          tradeId: String(t.id),
          time: t.time,
          fee: { amount: toText(t.commission), asset: 'USDT' },
        }),
      ),
    );
    expect(rs.map((r) => r.receivedAt)).toEqual(rs.map(() => h.clock.t));
    // Nothing more: no late duplicate from the REST reply, and no trade fetch, since the stream had them all.
    await new Promise((r) => setTimeout(r, 400));
    expect(h.venue.poll(h.clock.t)).toEqual([]);
    expect(h.fake.requests.map((r) => `${r.method} ${r.path}`)).not.toContain('GET /fapi/v1/userTrades');
  });

  it('rests a limit order, then fills it as maker at its price as the market moves through it', async () => {
    h.venue.submit(
      venueOrder({ clientOrderId: 'l', side: 'BUY', type: 'LIMIT', price: '99900', quantity: '0.003' }),
      h.clock.t,
    );
    expect(brief(await settle(1))).toEqual(['l accepted']);
    h.fake.engine.setPrice('BTCUSDT', '99950');
    h.fake.engine.setPrice('BTCUSDT', '99900', { volume: '0.001' });
    expect(brief(await settle(2))).toEqual(['l fill 0.001@99900 maker left 0.002']);
    h.fake.engine.setPrice('BTCUSDT', '99500');
    expect(brief(await settle(3))).toEqual(['l fill 0.002@99900 maker left 0']);
  });

  it('reports a cancel as cancelled, and a cancel of a filled or unknown order as cancel-rejected', async () => {
    const v = h.venue;
    v.submit(venueOrder({ clientOrderId: 'rest', side: 'BUY', type: 'LIMIT', price: '99000' }), h.clock.t);
    v.submit(venueOrder({ clientOrderId: 'done', side: 'BUY', type: 'MARKET' }), h.clock.t);
    await settle(3);
    v.cancel('rest', h.clock.t);
    v.cancel('done', h.clock.t);
    v.cancel('never', h.clock.t);
    expect(byOrder(await settle(6))).toEqual({
      rest: ['rest cancelled: cancelled on request'],
      // An order that ended is not asked about again: the venue let it go and knows it ended.
      done: ['done cancel-rejected: the order has ended'],
      never: ['never cancel-rejected: unknown order: never submitted through this venue'],
    });
    expect(sent('DELETE', '/fapi/v1/order', 'rest')).toEqual({
      symbol: 'BTCUSDT',
      origClientOrderId: 'rest',
    });
    // An ended order's id cannot be reused, and a late repeat of a message about it is nothing new.
    expect(() =>
      v.submit(venueOrder({ clientOrderId: 'done', side: 'BUY', type: 'MARKET' }), h.clock.t),
    ).toThrow('clientOrderId done was already submitted');
    expect(v.unmatched).toBe(0);
    expect(v.following).toBe(0);
  });

  it('lets go of each order once it has ended: a long session holds only what still works', async () => {
    const v = h.venue;
    const push = h.fake.engine.onEvent;
    // The stream repeats every message: the repeats of ended orders are recognised, not counted as strangers.
    h.fake.engine.onEvent = (e) => {
      push(e);
      push(e);
    };
    for (let i = 0; i < 20; i++)
      v.submit(
        venueOrder({ clientOrderId: `m${i}`, side: i % 2 ? 'SELL' : 'BUY', type: 'MARKET' }),
        h.clock.t,
      );
    v.submit(venueOrder({ clientOrderId: 'rest', side: 'BUY', type: 'LIMIT', price: '90000' }), h.clock.t);
    const rs = await settle(41);
    expect(rs.filter((r) => r.kind === 'fill')).toHaveLength(20);
    await new Promise((r) => setTimeout(r, 50));
    expect(v.following).toBe(1);
    expect(v.unmatched).toBe(0);
  });

  it('keeps the ids of ended orders for a while only: after two spans of endedOrderTtlMs one is a stranger', async () => {
    await h.close();
    h = await openHarness({ endedOrderTtlMs: 150, fillGraceMs: 20 });
    h.fake.engine.setPrice('BTCUSDT', '100000');
    const v = h.venue;
    const pause = () => new Promise((r) => setTimeout(r, 200));
    for (const [i, id] of ['m0', 'm1', 'm2'].entries()) {
      v.submit(venueOrder({ clientOrderId: id, side: 'BUY', type: 'MARKET' }), h.clock.t);
      await settle(2 * (i + 1));
      await pause();
    }
    v.cancel('m0', h.clock.t);
    v.cancel('m1', h.clock.t);
    v.cancel('m2', h.clock.t);
    expect(brief(await settle(9))).toEqual([
      'm0 cancel-rejected: unknown order: never submitted through this venue',
      'm1 cancel-rejected: the order has ended',
      'm2 cancel-rejected: the order has ended',
    ]);
    expect(v.endedHeld).toBe(2);
  });

  it('is refused an eleventh conditional order resting on one symbol, as Binance refuses it (MAX_NUM_ALGO_ORDERS)', async () => {
    for (let k = 0; k < 11; k++)
      h.venue.submit(
        venueOrder({
          clientOrderId: `tp-${k}`,
          side: 'SELL',
          type: 'TAKE_PROFIT_MARKET',
          stopPrice: String(101000 + k * 100),
          quantity: '0.001',
        }),
        h.clock.t,
      );
    const rs = await settle(11);
    const refused = rs.filter((r) => r.kind === 'rejected');
    expect(refused).toHaveLength(1);
    expect(brief(refused)[0]).toMatch(
      /rejected: too many conditional orders on the symbol: .*\(binance -4045\)$/,
    );
    expect(rs.filter((r) => r.kind === 'accepted')).toHaveLength(10);
  });

  it('reports a take-profit as accepted, triggered and filled when the price reaches it, and cancels a stop through the algo service', async () => {
    const v = h.venue;
    v.submit(venueOrder({ clientOrderId: 'open', side: 'BUY', type: 'MARKET' }), h.clock.t);
    await settle(2);
    v.submit(
      venueOrder({
        clientOrderId: 'tp',
        side: 'SELL',
        type: 'TAKE_PROFIT_MARKET',
        stopPrice: '102000',
        reduceOnly: true,
      }),
      h.clock.t,
    );
    v.submit(
      venueOrder({
        clientOrderId: 'sl',
        side: 'SELL',
        type: 'STOP_MARKET',
        stopPrice: '98000',
        reduceOnly: true,
      }),
      h.clock.t,
    );
    expect(byOrder(await settle(4))).toEqual({ tp: ['tp accepted'], sl: ['sl accepted'] });
    h.fake.engine.setPrice('BTCUSDT', '102000.3');
    expect(brief(await settle(6))).toEqual(['tp triggered at 102000', 'tp fill 0.002@102000.3 taker left 0']);
    v.cancel('sl', h.clock.t);
    expect(brief(await settle(7))).toEqual(['sl cancelled: cancelled on request']);
    expect(sent('DELETE', '/fapi/v1/algoOrder', 'sl')).toEqual({ symbol: 'BTCUSDT', clientAlgoId: 'sl' });
    expect(h.fake.engine.position('BTCUSDT')).toBe(0n);
  });

  it('sends a client id longer than Binance takes (36 characters) as a short one of its own, and routes what Binance says back to ours', async () => {
    const v = h.venue;
    // A run's ids: `<run id>-<n>`, 45 and 46 characters here; Binance refuses anything past 36 (-4015).
    const run = 'real-donchian-breakout-a1b2c3-202303011100';
    const [mkt, rest, tp] = [`${run}-1`, `${run}-2`, `${run}-10`];
    v.submit(venueOrder({ clientOrderId: mkt, side: 'BUY', type: 'MARKET' }), h.clock.t);
    v.submit(venueOrder({ clientOrderId: rest, side: 'BUY', type: 'LIMIT', price: '99000' }), h.clock.t);
    v.submit(
      venueOrder({
        clientOrderId: tp,
        side: 'SELL',
        type: 'TAKE_PROFIT_MARKET',
        stopPrice: '102000',
        reduceOnly: true,
      }),
      h.clock.t,
    );
    expect(byOrder(await settle(4))).toEqual({
      [mkt]: [`${mkt} accepted`, `${mkt} fill 0.002@100000 taker left 0`],
      [rest]: [`${rest} accepted`],
      [tp]: [`${tp} accepted`],
    });
    const wire = (id: string) => binanceClientId(id);
    // What reached Binance: a valid id, the same every time for the same order, one per order.
    for (const id of [mkt, rest, tp]) {
      expect(wire(id)).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
      expect(wire(id)).toBe(binanceClientId(id));
    }
    expect(new Set([mkt, rest, tp].map(wire)).size).toBe(3);
    expect(wire('m1')).toBe('m1');
    expect(sent('POST', '/fapi/v1/order', wire(mkt)).newClientOrderId).toBe(wire(mkt));
    // The stream's messages about them (trigger, fill, cancel) come back under our ids.
    h.fake.engine.setPrice('BTCUSDT', '102000.3');
    expect(brief(await settle(6))).toEqual([
      `${tp} triggered at 102000`,
      `${tp} fill 0.002@102000.3 taker left 0`,
    ]);
    v.cancel(rest, h.clock.t);
    expect(brief(await settle(7))).toEqual([`${rest} cancelled: cancelled on request`]);
    expect(sent('DELETE', '/fapi/v1/order', wire(rest))).toEqual({
      symbol: 'BTCUSDT',
      origClientOrderId: wire(rest),
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(v.unmatched).toBe(0);
    expect(v.following).toBe(0);
  });
});
