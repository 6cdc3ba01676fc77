import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import type { VenueReport } from '../../domain/ledger/venue-port.js';
import { type OkxHarness, type OkxHarnessOptions, openOkxHarness } from './testing/okx-harness.js';
import { brief, byOrder, settleReports, until, venueOrder } from './testing/venue-fixtures.js';

/**
 * The venue-neutral live adapter (CcxtVenue) on OKX's USDT-margined swaps (OkxSwapSession, ccxt's okx)
 * against the fake OKX v5 server: the same reports, in base units, from OKX's own requests in contracts
 * (BTC-USDT-SWAP: 0.01 BTC a contract), its replies and its private stream.
 */

let h: OkxHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const open = async (opts: OkxHarnessOptions = {}): Promise<OkxHarness> => {
  h = await openOkxHarness(opts);
  h.fake.engine.setPrice('BTCUSDT', '100000');
  return h;
};

const settle = (x: OkxHarness, n: number): Promise<readonly VenueReport[]> => settleReports(x, n);

const creates = (x: OkxHarness) =>
  x.fake.requests.filter(
    (r) => r.method === 'POST' && (r.path === '/api/v5/trade/order' || r.path === '/api/v5/trade/order-algo'),
  );

/** The order (or algo order) request of our order `id`, in OKX's parameters. */
const created = (x: OkxHarness, id: string): Readonly<Record<string, string>> => {
  const wire = x.session.wireId(id);
  const r = creates(x).find((c) => c.params.clOrdId === wire || c.params.algoClOrdId === wire);
  if (r === undefined) throw new Error(`no order for ${id}`);
  return r.params;
};

describe('CcxtVenue on OKX USDT-margined swaps (fake server)', () => {
  it('sends each order type as OKX parameters, sized in contracts, and reports what the exchange did with each', async () => {
    const x = await open();
    const v = x.venue;
    v.submit(venueOrder({ clientOrderId: 'mkt', side: 'BUY', type: 'MARKET', quantity: '0.003' }), x.clock.t);
    const first = await settle(x, 2);
    expect(brief(first)).toEqual(['mkt accepted', 'mkt fill 0.003@100000 taker left 0']);
    // OKX's regular taker rate, 0.05 % of 300 USDT: charged, so OKX prints it negative; booked as paid.
    expect(first[1]).toMatchObject({ kind: 'fill', fee: { amount: '0.15', asset: 'USDT' } });
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
    expect(rs.po).toEqual(['po accepted', 'po expired: post-only: would have taken liquidity']);
    expect(rs.sl).toEqual(['sl accepted']);
    expect(rs.tp).toEqual(['tp accepted']);
    // 0.003 BTC is 0.3 contracts of 0.01 BTC.
    expect(created(x, 'mkt')).toMatchObject({
      instId: 'BTC-USDT-SWAP',
      side: 'buy',
      ordType: 'market',
      sz: '0.3',
      posSide: 'net',
      tdMode: 'cross',
    });
    expect(created(x, 'lim')).toMatchObject({ ordType: 'limit', px: '99000.5', sz: '0.2' });
    expect(created(x, 'po')).toMatchObject({ ordType: 'post_only' });
    // Stops and take-profits are OKX's conditional algo orders, closing at market (-1).
    expect(created(x, 'sl')).toMatchObject({ ordType: 'conditional', slTriggerPx: '95000', slOrdPx: '-1' });
    expect(created(x, 'tp')).toMatchObject({ ordType: 'conditional', tpTriggerPx: '105000', tpOrdPx: '-1' });
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
    expect(rs.margin).toEqual([expect.stringMatching(/^margin rejected: .*51008/)]);
    expect(rs.tick).toEqual([expect.stringMatching(/^tick rejected: /)]);
    const cancels = x.fake.requests.filter((r) => r.path === '/api/v5/trade/cancel-order');
    expect(cancels.map((c) => c.params.clOrdId)).toEqual([x.session.wireId('rest')]);
  });

  it('looks up an order whose reply never came: the one OKX placed is reported once, and not placed twice', async () => {
    const x = await open({ timeoutMs: 300 });
    x.fake.dropPrivateStreams({ refuse: true }); // only the lookup can tell
    x.fake.fault({ method: 'POST', path: '/api/v5/trade/order', action: 'timeout', process: true });
    x.venue.submit(venueOrder({ clientOrderId: 'slow', side: 'BUY', type: 'MARKET' }), x.clock.t);
    const rs = await settle(x, 2);
    expect(brief(rs)).toEqual(['slow accepted', 'slow fill 0.002@100000 taker left 0']);
    x.fake.allowPrivateStreams();
    await until(() => x.fake.subscribers('orders') === 1, 'the stream to reconnect');
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

  it('reads the account as OKX holds it, in base units: positions, wallet, commission rates and instruments', async () => {
    // The listing takes a position-tiers call per five families, at once: paced by the session's rate gate
    // in a node, here (the gate off) not refused by the fake's limits either.
    const x = await open({ fake: { rateLimits: false } });
    x.venue.submit(
      venueOrder({ clientOrderId: 'long', side: 'BUY', type: 'MARKET', quantity: '0.004' }),
      x.clock.t,
    );
    await settle(x, 2);
    expect(Object.fromEntries(await x.session.positions())).toEqual({ BTCUSDT: '0.004' });
    expect(Object.fromEntries(await x.venue.commissionRates(['BTCUSDT']))).toEqual({
      BTCUSDT: { maker: '0.0002', taker: '0.0005' },
    });
    const wallet = Number(await x.venue.walletBalance('USDT'));
    expect(wallet).toBeGreaterThan(0);
    x.fake.engine.setPrice('ETHUSDT', '2000');
    const tiers = () => x.fake.requests.filter((r) => r.path === '/api/v5/public/position-tiers').length;
    const book = await x.venue.instrumentBook();
    expect(book.get('BTCUSDT')).toMatchObject({ symbol: 'BTCUSDT' });
    expect(book.get('BTCUSDT').brackets.length).toBeGreaterThan(1);
    // 0.01 BTC a contract, in lots of a tenth: the ledger's step is 0.001 BTC.
    expect(book.get('BTCUSDT').stepSize).toBe(fixed('0.001'));
    // A run's own symbols take one call for their brackets, where the whole listing takes one per five
    // families; the others are not handed out without theirs.
    const before = tiers();
    const mine = await x.venue.instrumentBook(['BTCUSDT', 'ETHUSDT']);
    expect(tiers() - before).toBe(1);
    expect([...mine.all.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(mine.get('ETHUSDT').brackets.length).toBeGreaterThan(1);
    expect(mine.get('ETHUSDT').brackets).toEqual(book.get('ETHUSDT').brackets);
  });

  it('reports the funding OKX charged, from its bills, once', async () => {
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
