import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryEventStore } from '../adapters/eventstore/memory-event-store.js';
import type { VenueCallSample } from '../adapters/venue/ccxt-venue.js';
import { RateBudget } from '../adapters/venue/rate-budget.js';
import { RateGate } from '../adapters/venue/rate-gate.js';
import { catalogue } from '../domain/catalogue.js';
import type { VenueHealthChangedData } from '../domain/system/events.js';
import { VenueHealth, venueStatusOf } from './venue-health.js';

afterEach(() => {
  vi.useRealTimers();
});

const setup = () => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  let t = Date.UTC(2026, 10, 28);
  const samples: VenueCallSample[] = [];
  const health = new VenueHealth({
    store,
    venue: 'binance',
    now: () => t,
    latency: { window: 10, minSlow: 3, degradedMs: 1_000, recoverMs: 400 },
    streamGraceMs: 30_000,
    onCall: (s) => samples.push(s),
  });
  const changes = async () => {
    await health.close();
    return store.raw().map((e) => {
      expect(e.streamId).toBe('venue-binance');
      expect(e.metadata.actor).toBe('system:venue');
      return e.data as VenueHealthChangedData;
    });
  };
  return { health, changes, samples, tick: (ms: number) => (t += ms), at: () => t };
};

const place = (ms: number): VenueCallSample => ({ call: 'place', ms, outcome: 'answered' });

describe('VenueHealth (the real account’s venue as the node sees it)', () => {
  it('records the venue turning slow once, and well again once, with the figures', async () => {
    const { health, changes, samples, tick, at } = setup();
    for (let i = 0; i < 5; i++) health.call(place(80));
    const start = tick(60_000);
    // The third slow call makes it slow: three of eight calls, the p90 (8th of 8) 2.5 s.
    for (let i = 0; i < 10; i++) health.call(place(2_500));
    tick(600_000);
    for (let i = 0; i < 10; i++) health.call(place(90));
    expect(samples).toHaveLength(25);
    const recorded = await changes();
    expect(recorded).toEqual([
      {
        venue: 'binance',
        aspect: 'latency',
        state: 'degraded',
        since: start,
        at: start,
        detail: 'orders take 2500 ms (90th percentile of the last 8 placed or cancelled; slow from 1000 ms)',
        latency: { p50Ms: 80, p90Ms: 2_500, calls: 8, degradedMs: 1_000, recoverMs: 400 },
      },
      {
        venue: 'binance',
        aspect: 'latency',
        state: 'normal',
        since: start,
        at: at(),
        detail: 'orders take 90 ms again (90th percentile of the last 10; well under 400 ms)',
        latency: { p50Ms: 90, p90Ms: 90, calls: 10, degradedMs: 1_000, recoverMs: 400 },
      },
    ]);
  });

  it('records a user stream down past the grace, and back; a short drop records nothing', async () => {
    vi.useFakeTimers();
    const { health, changes, tick } = setup();
    // Down for 5 s (the venue's daily reconnect): nothing.
    health.stream('down', 'binance: user stream down: closed');
    vi.advanceTimersByTime(5_000);
    tick(5_000);
    health.stream('up', 'binance: user stream connected');
    vi.advanceTimersByTime(60_000);
    expect(await changes()).toEqual([]);
    // Down for two minutes: recorded once at the grace, and its end.
    const down = tick(1_000);
    health.stream('down', 'binance: user stream down: ECONNRESET');
    health.stream('down', 'binance: user stream down: ECONNREFUSED');
    tick(30_000);
    vi.advanceTimersByTime(30_000);
    tick(90_000);
    health.stream('up', 'binance: user stream connected');
    expect(await changes()).toEqual([
      {
        venue: 'binance',
        aspect: 'user-stream',
        state: 'degraded',
        since: down,
        at: down + 30_000,
        detail: 'binance: user stream down: ECONNRESET; fills are learnt from lookups until it is back',
      },
      {
        venue: 'binance',
        aspect: 'user-stream',
        state: 'normal',
        since: down,
        at: down + 120_000,
        detail: 'binance: user stream connected',
      },
    ]);
  });

  it("records the exchange's stops for its rate limits and their end; waits and refusals are not recorded", async () => {
    const { health, changes, at } = setup();
    const since = at();
    health.rate({ kind: 'waited', priority: 'trade', ms: 1_200 });
    health.rate({
      kind: 'halted',
      status: 429,
      at: since,
      since,
      until: since + 3_000,
      detail: 'binance -1003 too many',
    });
    health.rate({ kind: 'refused', priority: 'trade', reason: 'held' });
    health.rate({
      kind: 'halted',
      status: 418,
      at: since + 500,
      since,
      until: since + 120_000,
      detail: 'binance -1003 banned',
    });
    health.rate({ kind: 'resumed', since, at: since + 120_001 });
    const recorded = await changes();
    expect(recorded.map((c) => [c.aspect, c.state, c.rate?.status ?? null])).toEqual([
      ['rate-limit', 'degraded', 429],
      ['rate-limit', 'degraded', 418],
      ['rate-limit', 'normal', null],
    ]);
    // The ban is recorded when the exchange said so, as part of the stop that began with the 429.
    expect(recorded[1]).toMatchObject({ since, at: since + 500 });
    expect(recorded[1]!.detail).toBe(
      `the exchange banned this IP until ${new Date(since + 120_000).toISOString()} (418: binance -1003 banned); nothing is sent, not even cancels, until then: the stops at the exchange still stand`,
    );
    expect(recorded[2]).toMatchObject({
      since,
      at: since + 120_001,
      detail: 'the exchange takes calls again',
    });
  });

  it('says on /api/status how much of each window is used, whether the exchange said stop, and what is degraded', async () => {
    const { health, at } = setup();
    const now = at();
    const gate = new RateGate({
      budget: new RateBudget(
        [
          { kind: 'weight', windowMs: 60_000, limit: 6_000, label: '1M' },
          { kind: 'orders', windowMs: 10_000, limit: 300, label: '10S' },
        ],
        0.8,
        0,
      ),
      now: () => now,
    });
    gate.budget.take({ weight: 30, orders: 2 }, now);
    gate.budget.observe('weight', '1M', 1_200, now);
    expect(venueStatusOf('binance', gate, health, now)).toEqual({
      venue: 'binance',
      rateLimits: [
        {
          kind: 'weight',
          window: '1M',
          used: 1_200,
          limit: 6_000,
          endsAt: new Date(now + 60_000).toISOString(),
        },
        { kind: 'orders', window: '10S', used: 2, limit: 300, endsAt: new Date(now + 10_000).toISOString() },
      ],
      stopped: null,
      key: null,
      clockOffsetMs: null,
      waiting: { protect: 0, trade: 0, read: 0 },
      degraded: [],
    });
    gate.throttled(418, 120_000, 'binance -1003 banned');
    health.rate({
      kind: 'halted',
      status: 418,
      at: now,
      since: now,
      until: now + 120_000,
      detail: 'binance -1003 banned',
    });
    const stopped = venueStatusOf('binance', gate, health, now);
    expect(stopped.stopped).toEqual({
      until: new Date(now + 120_000).toISOString(),
      reason: `the exchange banned this IP (418: binance -1003 banned) until ${new Date(now + 120_000).toISOString()}`,
    });
    expect(stopped.degraded).toEqual([
      {
        aspect: 'rate-limit',
        since: new Date(now).toISOString(),
        detail: expect.stringMatching(/^the exchange banned this IP/),
      },
    ]);
    gate.close();
    await health.close();
  });

  it("records this machine's clock a second off the exchange's once, and in step again under half a second", async () => {
    const { health, changes, tick, at } = setup();
    health.clock({ offsetMs: 40 });
    health.clock({ offsetMs: -900 });
    const off = tick(600_000);
    health.clock({ offsetMs: -2_340 });
    health.clock({ offsetMs: -1_200 });
    // Between the two thresholds it holds.
    health.clock({ offsetMs: 700 });
    tick(600_000);
    health.clock({ offsetMs: 120 });
    expect(await changes()).toEqual([
      {
        venue: 'binance',
        aspect: 'clock',
        state: 'degraded',
        since: off,
        at: off,
        detail:
          "this machine's clock is 2.3 s behind the exchange's: requests are signed on the exchange's clock, but fix the host's time sync (NTP)",
        clock: { offsetMs: -2_340 },
      },
      {
        venue: 'binance',
        aspect: 'clock',
        state: 'normal',
        since: off,
        at: at(),
        detail: "this machine's clock is within 120 ms of the exchange's again",
        clock: { offsetMs: 120 },
      },
    ]);
    expect(health.degraded()).toEqual([]);
  });
});
