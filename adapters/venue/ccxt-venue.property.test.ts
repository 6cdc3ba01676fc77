import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import type { VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import type { Fault } from './testing/fake-binance.js';
import { brief, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

/**
 * The live adapter against the fake Binance under any sequence of orders, cancels, price moves and
 * failures (requests that time out, are dropped, or come back unreadable; user streams that drop, stay
 * down or carry a mangled message). Once the network is healthy again and the venue has gone quiet, its
 * reports must tell each order's story as the exchange holds it: a lifecycle in the right order, every
 * trade of the order exactly once, the end the exchange recorded, and no order placed twice. This is
 * the money path: a fill the ledger never hears of, or hears of twice, is a wrong position.
 */

const RUNS = Number(process.env.VENUE_FLOW_RUNS ?? 6);
const BASE = 100_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const px = (ticks: number) => (BASE + ticks / 10).toFixed(1);

type Action =
  | {
      readonly kind: 'submit';
      readonly type: VenueOrder['type'];
      readonly side: 'BUY' | 'SELL';
      readonly lots: number;
      /** Limit price or trigger, in ticks from the base price. */
      readonly ticks: number;
      readonly tif: 'GTC' | 'IOC' | 'FOK' | 'post-only';
      readonly reduceOnly: boolean;
    }
  | { readonly kind: 'cancel'; readonly which: number }
  | { readonly kind: 'price'; readonly ticks: number; readonly volumeLots: number | null }
  | { readonly kind: 'fault'; readonly fault: Fault }
  | { readonly kind: 'drop'; readonly afterEvents: number; readonly refuse: boolean }
  | { readonly kind: 'allow' }
  | { readonly kind: 'corrupt'; readonly n: number }
  | { readonly kind: 'depth'; readonly lots: number | null }
  | { readonly kind: 'pause'; readonly ms: number };

const faults: Fault[] = [
  { method: 'POST', path: '/fapi/v1/order', action: 'timeout' },
  { method: 'POST', path: '/fapi/v1/order', action: 'reset' },
  { method: 'POST', path: '/fapi/v1/order', action: 'garbage', status: 502, body: '<html>502</html>' },
  // Acted on, then the connection drops: no verdict, yet the order is there.
  { method: 'POST', path: '/fapi/v1/order', action: 'reset', process: true },
  // The reply arrives after the stream has told the story.
  { method: 'POST', path: '/fapi/v1/order', action: 'delay', ms: 150 },
  { method: 'GET', path: '/fapi/v1/userTrades', action: 'garbage', body: '[{"id":' },
  { method: 'POST', path: '/fapi/v1/algoOrder', action: 'reset', process: true },
  { method: 'DELETE', path: '/fapi/v1/order', action: 'delay', ms: 150 },
  { method: 'DELETE', path: '/fapi/v1/order', action: 'timeout' },
  { method: 'DELETE', path: '/fapi/v1/order', action: 'garbage', status: 502, body: '<html>502</html>' },
  { method: 'GET', path: '/fapi/v1/order', action: 'garbage', body: '<html>oops</html>' },
  { method: 'GET', path: '/fapi/v1/order', action: 'delay', ms: 200 },
  { method: 'GET', path: '/fapi/v1/userTrades', action: 'timeout' },
  { method: 'POST', path: '/fapi/v1/algoOrder', action: 'timeout' },
  { method: 'DELETE', path: '/fapi/v1/algoOrder', action: 'reset' },
  { method: 'GET', path: '/fapi/v1/algoOrder', action: 'garbage', body: '{"algoStatus":' },
  { method: 'GET', path: '/fapi/v1/algoOrder', action: 'timeout' },
  { method: 'DELETE', path: '/fapi/v1/algoOrder', action: 'timeout' },
  { method: 'GET', path: '/fapi/v1/order', action: 'timeout', times: 2 },
];

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('submit' as const),
      type: fc.constantFrom(
        'MARKET' as const,
        'LIMIT' as const,
        'STOP_MARKET' as const,
        'TAKE_PROFIT_MARKET' as const,
      ),
      side: fc.constantFrom('BUY' as const, 'SELL' as const),
      lots: fc.integer({ min: 1, max: 30 }),
      ticks: fc.integer({ min: -3_000, max: 3_000 }),
      tif: fc.constantFrom('GTC' as const, 'IOC' as const, 'FOK' as const, 'post-only' as const),
      reduceOnly: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), which: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('price' as const),
      ticks: fc.integer({ min: -3_000, max: 3_000 }),
      volumeLots: fc.option(fc.integer({ min: 1, max: 10 }), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('fault' as const), fault: fc.constantFrom(...faults) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('drop' as const),
      afterEvents: fc.integer({ min: 0, max: 3 }),
      refuse: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'allow' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('corrupt' as const), n: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('depth' as const),
      lots: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('pause' as const), ms: fc.integer({ min: 0, max: 120 }) }),
  },
);

const requestOf = (a: Extract<Action, { kind: 'submit' }>, id: string): VenueOrder => {
  const quantity = toText(BigInt(a.lots) * fixed('0.001'));
  if (a.type === 'MARKET')
    return venueOrder({
      clientOrderId: id,
      side: a.side,
      type: 'MARKET',
      quantity,
      reduceOnly: a.reduceOnly,
    });
  if (a.type === 'LIMIT')
    return venueOrder({
      clientOrderId: id,
      side: a.side,
      type: 'LIMIT',
      quantity,
      price: px(a.ticks),
      timeInForce: a.tif === 'post-only' ? 'GTC' : a.tif,
      postOnly: a.tif === 'post-only',
      reduceOnly: a.reduceOnly,
    });
  return venueOrder({
    clientOrderId: id,
    side: a.side,
    type: a.type,
    quantity,
    stopPrice: px(a.ticks),
    reduceOnly: a.reduceOnly,
  });
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TERMINAL = new Set(['rejected', 'cancelled', 'expired']);

/** The exchange's record of an order, by our client id: status and its trades (a conditional order's child). */
const exchangeTruth = (x: Harness, o: VenueOrder) => {
  const e = x.fake.engine;
  const trades = (orderId: number | null) =>
    orderId === null ? [] : e.trades().filter((t) => t.orderId === orderId);
  if (o.type === 'STOP_MARKET' || o.type === 'TAKE_PROFIT_MARKET') {
    let algo: Record<string, unknown> | null = null;
    try {
      algo = e.queryAlgoOrder({ clientAlgoId: o.clientOrderId });
    } catch {
      return { status: 'NONE', trades: [] };
    }
    const child = algo.actualOrderId === '' ? null : Number(algo.actualOrderId);
    const childStatus =
      child === null ? null : (e.queryOrder({ symbol: o.symbol, orderId: String(child) }).status as string);
    return { status: childStatus ?? String(algo.algoStatus), trades: trades(child) };
  }
  try {
    const q = e.queryOrder({ symbol: o.symbol, origClientOrderId: o.clientOrderId });
    return { status: String(q.status), trades: trades(Number(q.orderId)) };
  } catch {
    return { status: 'NONE', trades: [] };
  }
};

const reconcile = (x: Harness, sent: readonly VenueOrder[], reports: readonly VenueReport[]) => {
  for (const o of sent) {
    const rs = reports.filter((r) => r.clientOrderId === o.clientOrderId && r.kind !== 'cancel-rejected');
    const story = () => `${o.clientOrderId} ${o.type}: ${brief(rs).join(' | ')}`;
    const truth = exchangeTruth(x, o);
    // The lifecycle: accepted or rejected first; nothing after the end.
    expect(rs.length, story()).toBeGreaterThan(0);
    expect(['accepted', 'rejected'], story()).toContain(rs[0]!.kind);
    let ended = false;
    let filled = 0n;
    let accepted = false;
    for (const r of rs) {
      expect(ended, `report after the end: ${story()}`).toBe(false);
      if (r.kind === 'accepted') {
        expect(accepted, `accepted twice: ${story()}`).toBe(false);
        accepted = true;
      } else if (r.kind === 'fill') {
        expect(accepted, story()).toBe(true);
        filled += fixed(r.quantity);
        expect(toText(fixed(o.quantity) - filled), story()).toBe(toText(fixed(r.remaining)));
        if (fixed(r.remaining) === 0n) ended = true;
      } else if (TERMINAL.has(r.kind)) {
        if (r.kind !== 'rejected') expect(accepted, story()).toBe(true);
        ended = true;
      }
    }
    // Every trade of the order, once, as the exchange recorded it.
    const fills = rs.flatMap((r) => (r.kind === 'fill' ? [r] : []));
    expect(
      fills.map((f) => `${f.tradeId} ${toText(fixed(f.quantity))}@${toText(fixed(f.price))}`),
      story(),
    ).toEqual(truth.trades.map((t) => `${t.id} ${toText(t.qty)}@${toText(t.price)}`));
    // Each with the exchange's liquidity and commission.
    fills.forEach((f, i) => {
      const t = truth.trades[i]!;
      expect(f.liquidity, story()).toBe(t.maker ? 'maker' : 'taker');
      if (f.fee !== undefined) expect(toText(fixed(f.fee.amount)), story()).toBe(toText(t.commission));
    });
    // The end the exchange recorded.
    const last = rs[rs.length - 1]!;
    switch (truth.status) {
      case 'NONE':
        expect(last.kind, story()).toBe('rejected');
        break;
      case 'FILLED':
        expect(last.kind === 'fill' && fixed(last.remaining) === 0n, story()).toBe(true);
        break;
      case 'CANCELED':
        expect(last.kind, story()).toBe('cancelled');
        break;
      case 'EXPIRED':
        expect(last.kind, story()).toBe('expired');
        break;
      case 'REJECTED':
        // Refused when it fired, after the venue had accepted it: for the ledger that is an expiry.
        expect(last.kind, story()).toBe(accepted ? 'expired' : 'rejected');
        break;
      default:
        // Still working (NEW, PARTIALLY_FILLED, an untriggered algo): no end reported.
        expect(ended, `ended while the exchange still works it (${truth.status}): ${story()}`).toBe(false);
    }
  }
  // Nothing placed twice: the exchange holds one order (or algo) per client id it knows.
  const placed = x.fake.requests.filter(
    (r) =>
      r.method === 'POST' &&
      (r.path === '/fapi/v1/order' || r.path === '/fapi/v1/algoOrder') &&
      r.status === 200,
  );
  const ids = placed.map((r) => r.params.newClientOrderId ?? r.params.clientAlgoId);
  expect(new Set(ids).size, `placed twice: ${ids}`).toBe(ids.length);
};

const play = async (actions: readonly Action[]) => {
  const x = await openHarness({ timeoutMs: 250, recvWindowMs: 500, fillGraceMs: 80 });
  h = x;
  x.fake.engine.setPrice('BTCUSDT', px(0));
  x.fake.engine.setDepth('BTCUSDT', '0.004');
  const sent: VenueOrder[] = [];
  for (const a of actions) {
    switch (a.kind) {
      case 'submit': {
        const o = requestOf(a, `p${sent.length}`);
        sent.push(o);
        x.venue.submit(o, x.clock.t);
        break;
      }
      case 'cancel':
        if (sent.length > 0) x.venue.cancel(sent[a.which % sent.length]!.clientOrderId, x.clock.t);
        break;
      case 'price':
        x.fake.engine.setPrice(
          'BTCUSDT',
          px(a.ticks),
          a.volumeLots === null ? {} : { volume: toText(BigInt(a.volumeLots) * fixed('0.001')) },
        );
        break;
      case 'fault':
        x.fake.fault(a.fault);
        break;
      case 'drop':
        x.fake.dropUserStreams({ afterEvents: a.afterEvents, refuse: a.refuse });
        break;
      case 'allow':
        x.fake.allowUserStreams();
        break;
      case 'corrupt':
        x.fake.corruptUserEvents(a.n);
        break;
      case 'depth':
        x.fake.engine.setDepth('BTCUSDT', a.lots === null ? null : toText(BigInt(a.lots) * fixed('0.001')));
        break;
      case 'pause':
        await sleep(a.ms);
        break;
    }
    await sleep(2);
  }
  // The network heals; wait until the stream is back and nothing more arrives.
  x.fake.allowUserStreams();
  await until(() => x.fake.userStreams >= 1, 'the user stream to reconnect', 10_000);
  let seen = -1;
  for (let k = 0; k < 200 && seen !== x.venue.received; k++) {
    seen = x.venue.received;
    await x.venue.idle();
    await sleep(250);
    await x.venue.idle();
  }
  const reports = x.venue.poll(x.clock.t);
  reconcile(x, sent, reports);
  await x.close();
  h = undefined;
};

describe('CcxtVenue under any order flow and failures (fake Binance)', () => {
  it('reports each order as the exchange holds it, every trade once, nothing placed twice', async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 30 }), play), {
      numRuns: RUNS,
      endOnFailure: true,
    });
  }, 600_000);
});
