import { afterEach, describe, expect, it } from 'vitest';
import type { VenueReport } from '../../domain/ledger/venue-port.js';
import type { RateGateEvent } from './rate-gate.js';
import { FakeBinance } from './testing/fake-binance.js';
import { settleReports, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

/**
 * The live venue against Binance's rate limits, on the fake exchange enforcing them as Binance documents
 * (429 with Retry-After, then 418 for a client that does not back off). The limits are the recorded
 * exchangeInfo's, shrunk to windows of a second or two so that a test runs in seconds.
 */

let h: Harness | null = null;
let fake: FakeBinance | null = null;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = null;
  fake = null;
});

const withLimits = (limits: object[]) =>
  FakeBinance.start({
    exchangeInfo: (recorded) => ({ ...recorded, rateLimits: limits }),
  });

const orders = (per: number, seconds: number) => ({
  rateLimitType: 'ORDERS',
  interval: 'SECOND',
  intervalNum: seconds,
  limit: per,
});
const weight = (per: number, seconds: number) => ({
  rateLimitType: 'REQUEST_WEIGHT',
  interval: 'SECOND',
  intervalNum: seconds,
  limit: per,
});

/** Waits for the next window of `ms` to start, so that what follows falls in a fresh window. */
const windowStart = async (ms: number): Promise<void> => {
  const next = Math.floor(Date.now() / ms) * ms + ms;
  while (Date.now() < next) await new Promise((r) => setTimeout(r, Math.max(1, next - Date.now())));
};

const resting = (id: string, side: 'BUY' | 'SELL' = 'BUY', reduceOnly = false) =>
  venueOrder({
    clientOrderId: id,
    side,
    type: 'LIMIT',
    price: side === 'BUY' ? '90000' : '110000',
    quantity: '0.002',
    reduceOnly,
  });

const placed = (f: FakeBinance) =>
  f.requests.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');

describe('CcxtVenue on Binance USDⓈ-M (fake server): the exchange’s rate limits', () => {
  it('spreads a burst over the order windows: every order placed, none refused, no 429; reduce-only orders first', async () => {
    fake = await withLimits([weight(6_000, 60), orders(10, 1)]);
    fake.engine.setPrice('BTCUSDT', '100000');
    h = await openHarness({ fake });
    const v = h.venue;
    v.submit(
      venueOrder({ clientOrderId: 'long', side: 'BUY', type: 'MARKET', quantity: '0.002' }),
      h.clock.t,
    );
    await settleReports(h, 2);
    await windowStart(1_000);
    for (let i = 0; i < 12; i++) v.submit(resting(`entry${i}`), h.clock.t);
    v.submit(resting('tp1', 'SELL', true), h.clock.t);
    v.submit(resting('tp2', 'SELL', true), h.clock.t);
    const reports = await settleReports(h, 2 + 14);
    expect(reports.filter((r) => r.kind === 'rejected')).toEqual([]);
    expect(reports.filter((r) => r.kind === 'accepted')).toHaveLength(14);
    expect(fake.throttled()).toEqual([]);
    const sent = placed(fake).slice(1);
    const ids = sent.map((r) => r.params.newClientOrderId);
    // Eight entries (the share of ten an opening order may use), both reduce-only orders in the last two
    // places of the window, the other four entries in the next second.
    expect(ids.slice(0, 10).sort()).toEqual(
      [...Array.from({ length: 8 }, (_, i) => `entry${i}`), 'tp1', 'tp2'].sort(),
    );
    const perSecond = new Map<number, number>();
    for (const r of sent)
      perSecond.set(Math.floor(r.time / 1000), (perSecond.get(Math.floor(r.time / 1000)) ?? 0) + 1);
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(10);
    expect(sent.at(-1)!.time - sent[0]!.time).toBeGreaterThan(900);
  });

  it('reads what other clients on the IP used from the headers, and holds its reads rather than be told 429', async () => {
    fake = await withLimits([weight(50, 1), orders(1_000, 10)]);
    h = await openHarness({ fake });
    // The start's two income listings (30 each) take two windows: the reads' share is 40.
    await h.venue.idle();
    await windowStart(1_000);
    // Another process on the same IP used most of this window's weight.
    fake.spendWeight(42);
    h.venue.submit(resting('probe'), h.clock.t);
    await settleReports(h, 1);
    const asked = Date.now();
    // GET /fapi/v3/positionRisk weighs 5: over the reads' share of 50 until the window turns.
    const positions = await h.venue.positions();
    expect(positions.size).toBe(0);
    expect(fake.throttled()).toEqual([]);
    const read = fake.requests.find((r) => r.path === '/fapi/v3/positionRisk')!;
    expect(read.time).toBeGreaterThanOrEqual(Math.ceil(asked / 1_000) * 1_000);
  });

  it('waits out Retry-After after a 429 and places the order then, once', async () => {
    const events: RateGateEvent[] = [];
    h = await openHarness({ rateLimits: { onEvent: (e) => events.push(e) } });
    h.fake.engine.setPrice('BTCUSDT', '100000');
    h.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'throttle', retryAfterS: 1 });
    h.venue.submit(resting('after-429'), h.clock.t);
    h.venue.submit(resting('second'), h.clock.t);
    const reports = await settleReports(h, 2);
    expect(reports.map((r) => [r.kind, r.clientOrderId])).toEqual(
      expect.arrayContaining([
        ['accepted', 'after-429'],
        ['accepted', 'second'],
      ]),
    );
    const [refused, ...rest] = h.fake.requests.filter((r) => r.status !== 0 && r.time >= 0).slice(-3);
    expect(refused).toMatchObject({ path: '/fapi/v1/order', status: 429 });
    // Nothing reached the exchange for the second Binance asked for; then both orders, each once.
    for (const r of rest) expect(r.time - refused!.time).toBeGreaterThanOrEqual(1_000);
    expect(placed(h.fake).filter((r) => r.status === 200)).toHaveLength(2);
    await until(() => events.some((e) => e.kind === 'resumed'), 'the stop to end');
    expect(events.filter((e) => e.kind === 'halted' || e.kind === 'resumed').map((e) => e.kind)).toEqual([
      'halted',
      'resumed',
    ]);
  });

  it('keeps an order that waited looked up for its recvWindow from when it was signed, not from when it was asked', async () => {
    h = await openHarness({ recvWindowMs: 500, timeoutMs: 300 });
    // The first try is told 429 for a second; the second never reaches the book (the connection drops).
    h.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'throttle', retryAfterS: 1 });
    h.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'reset', process: false });
    h.venue.submit(resting('lost'), h.clock.t);
    const [r] = await settleReports(h, 1);
    expect(r).toMatchObject({ kind: 'rejected', clientOrderId: 'lost' });
    const tries = placed(h.fake);
    expect(tries.map((t) => t.status)).toEqual([429, 0]);
    // Binance could execute the second request until 500 ms after it was signed: only a lookup after
    // that may conclude it was not placed.
    expect(r!.time - tries[1]!.time).toBeGreaterThanOrEqual(500);
    expect(tries[1]!.time - tries[0]!.time).toBeGreaterThanOrEqual(1_000);
  });

  it('refuses unsent what cannot wait out a ban, and sends nothing to a banning exchange', async () => {
    const events: RateGateEvent[] = [];
    h = await openHarness({ rateLimits: { onEvent: (e) => events.push(e) } });
    h.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'ban', retryAfterS: 120 });
    h.venue.submit(resting('banned'), h.clock.t);
    const [r] = (await settleReports(h, 1)) as VenueReport[];
    expect(r).toMatchObject({ kind: 'rejected', clientOrderId: 'banned' });
    expect((r as { reason: string }).reason).toMatch(
      /^not sent: the exchange banned this IP \(418: binance -1003 Way too many requests; .*\) until .*; waiting 12\d s$/,
    );
    const before = h.fake.requests.length;
    h.venue.submit(resting('later'), h.clock.t);
    await expect(h.venue.positions()).rejects.toMatchObject({ outcome: 'refused' });
    await settleReports(h, 2);
    expect(h.fake.requests.length).toBe(before);
    expect(h.fake.banned()).toHaveLength(1);
    expect(events.find((e) => e.kind === 'halted')).toMatchObject({ status: 418 });
  });
});
