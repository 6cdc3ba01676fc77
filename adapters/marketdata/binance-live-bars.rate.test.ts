import { afterEach, describe, expect, it } from 'vitest';
import { RateBudget } from '../venue/rate-budget.js';
import { RateGate, type RateGateEvent } from '../venue/rate-gate.js';
import { FakeBinance } from '../venue/testing/fake-binance.js';
import { BinanceLiveBars } from './binance-live-bars.js';
import { sharedBars } from './shared-data.js';

/**
 * The live bars feed on Binance's rate limits: the fake exchange enforces ten weight a second (the
 * recorded limits, shrunk so the test runs in seconds), and the feed asks for marks faster than that.
 */

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));

let fake: FakeBinance | null = null;
const gates: RateGate[] = [];
afterEach(async () => {
  for (const g of gates.splice(0)) g.close();
  await fake?.close();
  fake = null;
});

const start = () =>
  FakeBinance.start({
    exchangeInfo: (recorded) => ({
      ...recorded,
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'SECOND', intervalNum: 1, limit: 10 }],
    }),
    market: {
      bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
      funding: () => undefined,
    },
  });

const feedOn = (f: FakeBinance, events?: RateGateEvent[]) => {
  const gate = new RateGate({
    budget: new RateBudget([{ kind: 'weight', windowMs: 1_000, limit: 10, label: '1S' }]),
    now: Date.now,
    ...(events ? { onEvent: (e) => events.push(e) } : {}),
  });
  gates.push(gate);
  return new BinanceLiveBars({
    endpoint: { rest: f.origin, ws: f.wsOrigin },
    ccxt: { timeout: 2_000 },
    rateGate: gate,
  });
};

describe('BinanceLiveBars paced by the rate gate', () => {
  it('spreads its calls over the windows instead of being told 429', async () => {
    fake = await start();
    const feed = feedOn(fake);
    // Twelve marks of two symbols: 24 weight, three windows' worth at the reads' share of 8.
    for (let i = 0; i < 12; i++) expect((await feed.markPrices(SYMBOLS)).size).toBe(2);
    expect(fake.throttled()).toEqual([]);
    const perSecond = new Map<number, number>();
    for (const r of fake.requests) {
      const s = Math.floor(r.time / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(10);
    // At most eight a window (the reads' share): the 24 took three windows.
    expect(perSecond.size).toBeGreaterThanOrEqual(3);
  });

  it('waits out a 429 and gets its bars, with nothing sent meanwhile', async () => {
    fake = await start();
    const events: RateGateEvent[] = [];
    const feed = feedOn(fake, events);
    fake.fault({ path: '/fapi/v1/premiumIndex', action: 'throttle', retryAfterS: 1 });
    const marks = await feed.markPrices(['BTCUSDT']);
    expect(marks.get('BTCUSDT')?.price).toBeGreaterThan(0);
    const [refused, retried] = fake.requests.filter((r) => r.path === '/fapi/v1/premiumIndex');
    expect(refused?.status).toBe(429);
    expect(retried!.time - refused!.time).toBeGreaterThanOrEqual(1_000);
    expect(events.find((e) => e.kind === 'halted')).toMatchObject({ status: 429 });
  });

  it("reads the exchange's own limits, for a node that trades no account", async () => {
    fake = await start();
    expect(await feedOn(fake).rateLimits()).toEqual([
      { kind: 'weight', windowMs: 1_000, limit: 10, label: '1S' },
    ]);
  });
});
