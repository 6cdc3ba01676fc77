import { afterEach, describe, expect, it } from 'vitest';
import type { VenueReport } from '../../domain/ledger/venue-port.js';
import { brief, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, type HarnessOptions, openHarness } from './testing/venue-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const open = async (opts: HarnessOptions = {}): Promise<Harness> => {
  h = await openHarness(opts);
  h.fake.engine.setPrice('BTCUSDT', '100000');
  return h;
};

const settle = async (x: Harness, n: number): Promise<readonly VenueReport[]> => {
  await until(
    () => x.venue.received >= n,
    () => `${n} reports (have ${x.venue.received})`,
  );
  await x.venue.idle();
  return x.venue.poll(x.clock.t);
};

const calls = (x: Harness, method: string, path: string) =>
  x.fake.requests.filter((r) => r.method === method && r.path === path);

describe('CcxtVenue on Binance USDⓈ-M (fake server): refusals and failures', () => {
  it("turns Binance's refusals into rejected reports with the exchange's words, and never throws", async () => {
    const x = await open();
    const at = x.clock.t;
    expect(() => {
      x.venue.submit(venueOrder({ clientOrderId: 'margin', side: 'BUY', type: 'MARKET', quantity: '3' }), at);
      x.venue.submit(
        venueOrder({ clientOrderId: 'tick', side: 'BUY', type: 'LIMIT', price: '99000.05' }),
        at,
      );
      x.venue.submit(
        venueOrder({ clientOrderId: 'digits', side: 'BUY', type: 'LIMIT', price: '99000.123' }),
        at,
      );
      x.venue.submit(
        venueOrder({ clientOrderId: 'small', side: 'BUY', type: 'LIMIT', price: '50000', quantity: '0.001' }),
        at,
      );
    }).not.toThrow();
    const rs = await settle(x, 4);
    expect(Object.fromEntries(rs.map((r) => [r.clientOrderId, brief([r])[0]]))).toEqual({
      margin: 'margin rejected: insufficient margin: Margin is insufficient. (binance -2019)',
      tick: 'tick rejected: price off the tick grid: Price not increased by tick size. (binance -4014)',
      digits:
        'digits rejected: bad precision: Precision is over the maximum defined for this asset. (binance -1111)',
      small:
        "small rejected: below minimum notional: Order's notional must be no smaller than 100 (unless you choose reduce only). (binance -4164)",
    });
    // A refusal by the symbol's listed rules says so: the run may hold an out-of-date listing (margin is not one).
    expect(
      Object.fromEntries(rs.map((r) => [r.clientOrderId, r.kind === 'rejected' && r.listing === true])),
    ).toEqual({ margin: false, tick: true, digits: true, small: true });
    expect(x.fake.engine.orderCount()).toBe(0);
  });

  it('refuses, without sending it, a trigger price ccxt would round onto the grid', async () => {
    const x = await open();
    x.venue.submit(
      venueOrder({ clientOrderId: 'sl', side: 'SELL', type: 'STOP_MARKET', stopPrice: '95000.05' }),
      x.clock.t,
    );
    const [r] = await settle(x, 1);
    expect(r).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(
        /^not sent: trigger price 95000\.05 is off BTCUSDT's tick grid \(ccxt would send 95000\.[01]\)$/,
      ),
    });
    expect(calls(x, 'POST', '/fapi/v1/algoOrder')).toEqual([]);
  });

  it('looks up a submit that timed out: the order Binance accepted is reported accepted, once, and not placed twice', async () => {
    const x = await open({ timeoutMs: 300 });
    x.fake.dropUserStreams({ refuse: true }); // only the lookup can tell
    x.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'timeout' });
    x.venue.submit(
      venueOrder({ clientOrderId: 'slow', side: 'BUY', type: 'LIMIT', price: '99000' }),
      x.clock.t,
    );
    expect(brief(await settle(x, 1))).toEqual(['slow accepted']);
    expect(x.log.some((l) => l.startsWith('slow: submit no verdict (network: RequestTimeout'))).toBe(true);
    expect(calls(x, 'GET', '/fapi/v1/order').map((r) => r.params.origClientOrderId)).toEqual(['slow']);
    x.fake.allowUserStreams();
    await until(() => x.fake.userStreams === 1, 'the stream to reconnect');
    await x.venue.idle();
    expect(x.venue.poll(x.clock.t)).toEqual([]);
    expect(calls(x, 'POST', '/fapi/v1/order')).toHaveLength(1);
    expect(x.fake.engine.orderCount()).toBe(1);
  });

  it('finds the fills of a market order whose reply was lost while the stream was down, and reports each once', async () => {
    const x = await open({ timeoutMs: 300 });
    x.fake.engine.setDepth('BTCUSDT', '0.001');
    x.fake.dropUserStreams({ refuse: true });
    x.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'timeout' });
    x.venue.submit(venueOrder({ clientOrderId: 'm', side: 'BUY', type: 'MARKET' }), x.clock.t);
    const rs = await settle(x, 3);
    expect(brief(rs)).toEqual([
      'm accepted',
      'm fill 0.001@100000 taker left 0.001',
      'm fill 0.001@100000.1 taker left 0',
    ]);
    expect(rs.slice(1).map((r) => (r.kind === 'fill' ? r.tradeId : ''))).toEqual(
      x.fake.engine.trades().map((t) => String(t.id)),
    );
    x.fake.allowUserStreams();
    await until(() => x.fake.userStreams === 1, 'the stream to reconnect');
    await x.venue.idle();
    expect(x.venue.poll(x.clock.t)).toEqual([]);
  });

  it('fetches the fills of a submit without a verdict that the stream showed in part before it dropped', async () => {
    // The stream delivers NEW and the first trade, then drops; it is back (and its catch-up done) before
    // the submit times out. The catch-up leaves the order to its submit; the submit must fetch it.
    const x = await open({ timeoutMs: 300 });
    x.fake.engine.setDepth('BTCUSDT', '0.004');
    x.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'timeout' });
    x.fake.dropUserStreams({ afterEvents: 2 });
    x.venue.submit(
      venueOrder({ clientOrderId: 'm', side: 'BUY', type: 'MARKET', quantity: '0.008' }),
      x.clock.t,
    );
    const rs = await settle(x, 3);
    expect(brief(rs)).toEqual([
      'm accepted',
      'm fill 0.004@100000 taker left 0.004',
      'm fill 0.004@100000.1 taker left 0',
    ]);
    expect(x.log.some((l) => l.startsWith('m: submit no verdict'))).toBe(true);
    expect(calls(x, 'POST', '/fapi/v1/order')).toHaveLength(1);
  });

  it('fetches an order whose reply was still on its way when the stream came back: a fill in the gap is not lost', async () => {
    // The stream delivers NEW, then drops; the limit fills while it is down; it comes back and its
    // catch-up runs while the (slow) reply to the submit is still on its way, so it leaves the order to
    // the submit. The reply says NEW: the submit must still fetch what happened since.
    const x = await open();
    x.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'delay', ms: 400 });
    x.fake.dropUserStreams({ afterEvents: 1, refuse: true });
    x.venue.submit(
      venueOrder({ clientOrderId: 'l', side: 'BUY', type: 'LIMIT', price: '99900', quantity: '0.002' }),
      x.clock.t,
    );
    await until(() => x.venue.received === 1, 'the acceptance from the stream');
    await until(() => x.fake.userStreams === 0, 'the stream to drop');
    x.fake.engine.setPrice('BTCUSDT', '99900');
    x.fake.allowUserStreams();
    await until(() => x.fake.userStreams === 1, 'the stream to reconnect');
    const rs = await settle(x, 2);
    expect(brief(rs)).toEqual(['l accepted', 'l fill 0.002@99900 maker left 0']);
    expect(calls(x, 'POST', '/fapi/v1/order')).toHaveLength(1);
  });

  it('reports a submit that never reached Binance as rejected only once its recvWindow has passed', async () => {
    const x = await open({ recvWindowMs: 600 });
    x.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'reset' });
    const started = Date.now();
    x.venue.submit(
      venueOrder({ clientOrderId: 'lost', side: 'BUY', type: 'LIMIT', price: '99000' }),
      x.clock.t,
    );
    const [r] = await settle(x, 1);
    expect(r).toMatchObject({
      kind: 'rejected',
      reason:
        'not placed: the submit got no verdict and the venue has no order lost after the request expired',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(calls(x, 'GET', '/fapi/v1/order').length).toBeGreaterThanOrEqual(2);
    expect(x.fake.engine.orderCount()).toBe(0);
  });

  it('treats unreadable replies as no verdict: the lookup settles them and nothing is lost or doubled', async () => {
    const x = await open({ timeoutMs: 300 });
    x.fake.dropUserStreams({ refuse: true }); // only the lookups can tell
    x.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'garbage' });
    x.fake.fault({ method: 'GET', path: '/fapi/v1/order', action: 'garbage', body: '<html>oops</html>' });
    x.venue.submit(venueOrder({ clientOrderId: 'g', side: 'BUY', type: 'LIMIT', price: '99000' }), x.clock.t);
    expect(brief(await settle(x, 1))).toEqual(['g accepted']);
    expect(x.log.find((l) => l.startsWith('g: submit'))).toMatch(
      /^g: submit no verdict \(unreadable reply, ccxt failed on it: TypeError: .*"status":"NE\)/,
    );
    expect(x.log.some((l) => l.startsWith('g: lookup failed: no verdict'))).toBe(true);
    x.fake.allowUserStreams();
    await until(() => x.fake.userStreams === 1, 'the stream to reconnect');

    x.fake.fault({
      method: 'DELETE',
      path: '/fapi/v1/order',
      action: 'garbage',
      status: 502,
      body: '<html>502 Bad Gateway</html>',
    });
    x.venue.cancel('g', x.clock.t);
    expect(brief(await settle(x, 2))).toEqual(['g cancelled: cancelled on request']);
    expect(calls(x, 'POST', '/fapi/v1/order')).toHaveLength(1);
  });

  it('fetches what an unreadable stream message was about instead of dropping it', async () => {
    const x = await open();
    x.venue.submit(venueOrder({ clientOrderId: 'l', side: 'BUY', type: 'LIMIT', price: '99900' }), x.clock.t);
    await settle(x, 1);
    x.fake.corruptUserEvents(1);
    x.fake.engine.setPrice('BTCUSDT', '99800');
    const rs = await settle(x, 2);
    expect(brief(rs)).toEqual(['l fill 0.002@99900 maker left 0']);
    expect(x.log.some((l) => l.includes('unreadable stream message'))).toBe(true);
    expect(calls(x, 'GET', '/fapi/v1/userTrades')).toHaveLength(1);
  });

  it('after a dropped stream, reports the fills it missed once and in order, before a message that arrived during the catch-up', async () => {
    const x = await open();
    const v = x.venue;
    v.submit(
      venueOrder({ clientOrderId: 'a', side: 'BUY', type: 'LIMIT', price: '99900', quantity: '0.003' }),
      x.clock.t,
    );
    v.submit(
      venueOrder({ clientOrderId: 'b', side: 'SELL', type: 'LIMIT', price: '100100', quantity: '0.001' }),
      x.clock.t,
    );
    await settle(x, 2);
    // The first trade gets through, then the stream drops and stays down for the next two.
    x.fake.dropUserStreams({ afterEvents: 1, refuse: true });
    for (let k = 0; k < 3; k++) x.fake.engine.setPrice('BTCUSDT', '99900', { volume: '0.001' });
    await until(() => v.received === 3, 'the first fill');
    // The catch-up's lookup of `a` is held back; meanwhile `b` fills and its live message arrives first.
    x.fake.fault({ method: 'GET', path: '/fapi/v1/order', action: 'delay', ms: 300 });
    x.fake.allowUserStreams();
    await until(() => calls(x, 'GET', '/fapi/v1/order').length === 1, 'the catch-up lookup');
    x.fake.engine.setPrice('BTCUSDT', '100100');
    await until(() => v.received >= 6, 'all fills');
    await v.idle();
    const rs = v.poll(x.clock.t);
    expect(brief(rs)).toEqual([
      'a fill 0.001@99900 maker left 0.002',
      'a fill 0.001@99900 maker left 0.001',
      'a fill 0.001@99900 maker left 0',
      'b fill 0.001@100100 maker left 0',
    ]);
    const tradeIds = rs.map((r) => (r.kind === 'fill' ? r.tradeId : ''));
    expect(tradeIds).toEqual(x.fake.engine.trades().map((t) => String(t.id)));
    await new Promise((r) => setTimeout(r, 100));
    expect(v.poll(x.clock.t)).toEqual([]);
  });

  it('opens the stream again on a new key when Binance says its listenKey expired, and misses no fill', async () => {
    const x = await open();
    const v = x.venue;
    v.submit(
      venueOrder({ clientOrderId: 'k', side: 'BUY', type: 'LIMIT', price: '99900', quantity: '0.002' }),
      x.clock.t,
    );
    expect(brief(await settle(x, 1))).toEqual(['k accepted']);
    // The key lapsed: one listenKeyExpired, then the socket stays open and silent.
    x.fake.expireListenKeys();
    x.fake.engine.setPrice('BTCUSDT', '99900', { volume: '0.001' });
    await until(
      () => v.received >= 2,
      () => `the first fill (have ${v.received})`,
    );
    x.fake.engine.setPrice('BTCUSDT', '99900', { volume: '0.001' });
    await until(
      () => v.received >= 3,
      () => `the second fill (have ${v.received})`,
    );
    await v.idle();
    expect(brief(v.poll(x.clock.t))).toEqual([
      'k fill 0.001@99900 maker left 0.001',
      'k fill 0.001@99900 maker left 0',
    ]);
    expect(calls(x, 'POST', '/fapi/v1/listenKey')).toHaveLength(2);
    expect(x.fake.userStreams).toBe(1);
  });

  it('fails to open when the user stream cannot connect', async () => {
    await expect(openHarness({ prepare: (f) => f.dropUserStreams({ refuse: true }) })).rejects.toThrow(/503/);
  });

  it('poll(t) returns only what was received by t, each report once, in arrival order', async () => {
    const x = await open();
    const v = x.venue;
    const t0 = x.clock.t;
    v.submit(venueOrder({ clientOrderId: 'first', side: 'BUY', type: 'MARKET' }), t0 - 10);
    await until(() => v.received === 2, 'first');
    await v.idle();
    x.clock.t = t0 + 100;
    v.submit(venueOrder({ clientOrderId: 'second', side: 'SELL', type: 'MARKET' }), t0 - 10);
    await until(() => v.received === 4, 'second');
    await v.idle();
    expect(v.poll(t0 - 1)).toEqual([]);
    const early = v.poll(t0 + 99);
    expect(brief(early)).toEqual(['first accepted', 'first fill 0.002@100000 taker left 0']);
    expect(v.poll(t0 + 99)).toEqual([]);
    const late = v.poll(t0 + 100);
    expect(brief(late)).toEqual(['second accepted', 'second fill 0.002@100000 taker left 0']);
    for (const r of early) expect(r.receivedAt).toBe(t0);
    for (const r of late) expect(r.receivedAt).toBe(t0 + 100);
    expect(v.poll(t0 + 10_000)).toEqual([]);
    expect(() => v.poll(t0)).toThrow(/before the venue's last call/);
    expect(v.nextEventAt()).toBe(Number.POSITIVE_INFINITY);
  });
});
