import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import type { VenueReport } from '../../domain/ledger/venue-port.js';
import { type BybitHarness, type BybitHarnessOptions, openBybitHarness } from './testing/bybit-harness.js';
import { brief, byOrder, settleReports, until, venueOrder } from './testing/venue-fixtures.js';

/**
 * The venue-neutral live adapter (CcxtVenue) on Bybit's USDT perpetuals (BybitLinearSession, ccxt's bybit)
 * against the fake Bybit v5 server: the same reports, from Bybit's own requests, replies and stream.
 */

let h: BybitHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const open = async (opts: BybitHarnessOptions = {}): Promise<BybitHarness> => {
  h = await openBybitHarness(opts);
  h.fake.engine.setPrice('BTCUSDT', '100000');
  return h;
};

const settle = (x: BybitHarness, n: number): Promise<readonly VenueReport[]> => settleReports(x, n);

const creates = (x: BybitHarness) =>
  x.fake.requests.filter((r) => r.method === 'POST' && r.path === '/v5/order/create');

/** The create request of our order `id`, in Bybit's parameters. */
const created = (x: BybitHarness, id: string): Readonly<Record<string, string>> => {
  const wire = x.session.wireId(id);
  const r = creates(x).find((c) => c.params.orderLinkId === wire);
  if (r === undefined) throw new Error(`no order/create for ${id}`);
  return r.params;
};

describe('CcxtVenue on Bybit USDT perpetuals (fake server)', () => {
  it('sends each order type as Bybit parameters and reports what the exchange did with each', async () => {
    const x = await open();
    const v = x.venue;
    v.submit(venueOrder({ clientOrderId: 'mkt', side: 'BUY', type: 'MARKET', quantity: '0.003' }), x.clock.t);
    const first = await settle(x, 2);
    expect(brief(first)).toEqual(['mkt accepted', 'mkt fill 0.003@100000 taker left 0']);
    // Bybit's non-VIP taker rate, 0.055 % of 300 USDT, as the execution says.
    expect(first[1]).toMatchObject({ kind: 'fill', fee: { amount: '0.165', asset: 'USDT' } });
    v.submit(venueOrder({ clientOrderId: 'lim', side: 'BUY', type: 'LIMIT', price: '99000.5' }), x.clock.t);
    v.submit(
      venueOrder({ clientOrderId: 'po', side: 'BUY', type: 'LIMIT', price: '101000', postOnly: true }),
      x.clock.t,
    );
    v.submit(
      venueOrder({
        clientOrderId: 'sl',
        side: 'SELL',
        type: 'STOP_MARKET',
        stopPrice: '95000',
        reduceOnly: true,
      }),
      x.clock.t,
    );
    v.submit(
      venueOrder({
        clientOrderId: 'tp',
        side: 'SELL',
        type: 'TAKE_PROFIT_MARKET',
        stopPrice: '105000',
        reduceOnly: true,
      }),
      x.clock.t,
    );
    const rs = byOrder(await settle(x, 7));
    expect(rs.lim).toEqual(['lim accepted']);
    // Bybit takes a post-only order that would take, then cancels it: an expiry by the order's own terms
    // (as an IOC's), where Binance refuses it on arrival.
    expect(rs.po).toEqual(['po accepted', 'po expired: post-only: would have taken liquidity']);
    expect(rs.sl).toEqual(['sl accepted']);
    expect(rs.tp).toEqual(['tp accepted']);
    expect(created(x, 'mkt')).toMatchObject({
      category: 'linear',
      side: 'Buy',
      orderType: 'Market',
      qty: '0.003',
    });
    expect(created(x, 'lim')).toMatchObject({ orderType: 'Limit', price: '99000.5', timeInForce: 'GTC' });
    expect(created(x, 'po')).toMatchObject({ orderType: 'Limit', timeInForce: 'PostOnly' });
    // A stop below the price fires when it falls to it (2), a take-profit above when it rises (1).
    expect(created(x, 'sl')).toMatchObject({
      orderType: 'Market',
      triggerPrice: '95000',
      triggerDirection: '2',
    });
    expect(created(x, 'tp')).toMatchObject({
      orderType: 'Market',
      triggerPrice: '105000',
      triggerDirection: '1',
    });
    expect(String(created(x, 'sl').reduceOnly)).toBe('true');

    // The price falls through the limit and then the stop: a maker fill, then the stop's trigger and fill.
    x.fake.engine.setPrice('BTCUSDT', '99000');
    const filled = byOrder(await settle(x, 8));
    expect(filled.lim).toEqual(['lim fill 0.002@99000.5 maker left 0']);
    x.fake.engine.setPrice('BTCUSDT', '94900');
    const stopped = byOrder(await settle(x, 10));
    expect(stopped.sl?.[0]).toBe('sl triggered at 95000');
    expect(stopped.sl?.[1]).toMatch(/^sl fill 0\.002@94900 taker left 0$/);
    expect(x.fake.unknownRequests()).toEqual([]);
  });

  it('cancels by our id, and reports the exchange’s refusals with its words', async () => {
    const x = await open();
    x.venue.submit(
      venueOrder({ clientOrderId: 'rest', side: 'BUY', type: 'LIMIT', price: '90000' }),
      x.clock.t,
    );
    await settle(x, 1);
    x.venue.cancel('rest', x.clock.t);
    x.venue.submit(
      venueOrder({ clientOrderId: 'margin', side: 'BUY', type: 'MARKET', quantity: '50' }),
      x.clock.t,
    );
    x.venue.submit(
      venueOrder({ clientOrderId: 'tick', side: 'BUY', type: 'LIMIT', price: '99000.05' }),
      x.clock.t,
    );
    const rs = byOrder(await settle(x, 4));
    expect(rs.rest).toEqual([expect.stringMatching(/^rest cancelled: /)]);
    expect(rs.margin).toEqual([expect.stringMatching(/^margin rejected: .*110007/)]);
    expect(rs.tick).toEqual([expect.stringMatching(/^tick rejected: /)]);
    const cancels = x.fake.requests.filter((r) => r.path === '/v5/order/cancel');
    expect(cancels.map((c) => c.params.orderLinkId)).toEqual([x.session.wireId('rest')]);
  });

  it('looks up an order whose reply never came: the one Bybit placed is reported once, and not placed twice', async () => {
    const x = await open({ timeoutMs: 300 });
    x.fake.dropPrivateStreams({ refuse: true }); // only the lookup can tell
    x.fake.fault({ method: 'POST', path: '/v5/order/create', action: 'timeout', process: true });
    x.venue.submit(venueOrder({ clientOrderId: 'slow', side: 'BUY', type: 'MARKET' }), x.clock.t);
    const rs = await settle(x, 2);
    expect(brief(rs)).toEqual(['slow accepted', 'slow fill 0.002@100000 taker left 0']);
    x.fake.allowPrivateStreams();
    await until(() => x.fake.subscribers('execution') === 1, 'the stream to reconnect');
    await x.venue.idle();
    expect(x.venue.poll(x.clock.t)).toEqual([]);
    expect(creates(x)).toHaveLength(1);
    expect(x.fake.engine.position('BTCUSDT')).toBe(fixed('0.002'));
  });

  it('recovers the fills the stream dropped while it was down, each once', async () => {
    const x = await open();
    x.venue.submit(
      venueOrder({ clientOrderId: 'bid', side: 'BUY', type: 'LIMIT', price: '99000' }),
      x.clock.t,
    );
    await settle(x, 1);
    x.fake.dropPrivateStreams({ refuse: true });
    x.fake.engine.setPrice('BTCUSDT', '98000'); // fills while nothing can say so
    x.fake.allowPrivateStreams();
    const rs = await settle(x, 2);
    expect(brief(rs)).toEqual(['bid fill 0.002@99000 maker left 0']);
    await x.venue.idle();
    expect(x.venue.poll(x.clock.t)).toEqual([]);
  });

  it('reads the account as Bybit holds it: positions, wallet, commission rates and instruments', async () => {
    const x = await open();
    x.venue.submit(
      venueOrder({ clientOrderId: 'long', side: 'BUY', type: 'MARKET', quantity: '0.004' }),
      x.clock.t,
    );
    await settle(x, 2);
    expect(Object.fromEntries(await x.session.positions())).toEqual({ BTCUSDT: '0.004' });
    expect(Object.fromEntries(await x.venue.commissionRates(['BTCUSDT']))).toEqual({
      BTCUSDT: { maker: '0.0002', taker: '0.00055' },
    });
    const wallet = Number(await x.venue.walletBalance('USDT'));
    expect(wallet).toBeGreaterThan(0);
    const book = await x.venue.instrumentBook();
    expect(book.get('BTCUSDT')).toMatchObject({ symbol: 'BTCUSDT' });
    expect(book.get('BTCUSDT').brackets.length).toBeGreaterThan(1);
  });

  it('reports the funding Bybit charged, from its transaction log, once', async () => {
    const x = await open();
    x.venue.submit(
      venueOrder({ clientOrderId: 'long', side: 'BUY', type: 'MARKET', quantity: '0.003' }),
      x.clock.t,
    );
    await settle(x, 2);
    const fundingTime = Date.now() - 1;
    const charged = x.fake.engine.chargeFunding('BTCUSDT', '0.0001', '100000', fundingTime);
    const rs = (await settle(x, 3)).filter((r) => r.kind === 'funding');
    expect(rs).toEqual([
      expect.objectContaining({
        kind: 'funding',
        symbol: 'BTCUSDT',
        amount: charged,
        asset: 'USDT',
        time: fundingTime,
      }),
    ]);
    await x.venue.idle();
    expect(x.venue.poll(x.clock.t)).toEqual([]);
  });

  it('reports a liquidation as a forced fill', async () => {
    const x = await open();
    x.venue.submit(
      venueOrder({ clientOrderId: 'long', side: 'BUY', type: 'MARKET', quantity: '0.003' }),
      x.clock.t,
    );
    await settle(x, 2);
    x.fake.engine.forceClose('BTCUSDT', 'liquidation', { price: '95000' });
    const rs = await settle(x, 3);
    expect(rs.at(-1)).toMatchObject({
      kind: 'forced',
      reason: 'liquidation',
      side: 'SELL',
      quantity: '0.003',
      symbol: 'BTCUSDT',
      price: '95000',
    });
    expect(x.fake.engine.position('BTCUSDT')).toBe(0n);
  });
});
