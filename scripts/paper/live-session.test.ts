import { afterAll, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { BinanceLiveBars } from '../../adapters/marketdata/binance-live-bars.js';
import { BybitLiveBars } from '../../adapters/marketdata/bybit-live-bars.js';
import { RecordingLiveBars } from '../../adapters/marketdata/recording-live-bars.js';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import { FakeBybit } from '../../adapters/venue/testing/fake-bybit.js';
import { withFilters } from '../../adapters/venue/testing/listing.js';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { fixed, isMultipleOf, toText } from '../../domain/ledger/fixed.js';
import type { LiveBars } from '../../domain/market/live-feed.js';
import { explainChain, formatChain } from '../../replay/audit/explain.js';
import { rerun } from '../../replay/audit/rerun.js';
import { whatIf } from '../../replay/audit/whatif.js';
import type { PaperClock } from '../../replay/engine/paper.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { LivePaperSession, venueListingOf } from './live-session.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const funding = new Map(SYMBOLS.map((s) => [s, sharedFunding(s)]));
const FROM = Date.UTC(2023, 2, 1);
const HOUR = 3_600_000;

/** Virtual time shared by the fake venue and the session; `onSleep` sees it move. */
class VirtualClock implements PaperClock {
  onSleep: (t: number) => void = () => {};
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    this.onSleep(this.t);
    await new Promise((r) => setImmediate(r));
  }
}

let clock: VirtualClock;
const fakes: FakeBinance[] = [];
/** A fresh venue on the clock: the fake's time never goes back, so each timeline gets its own. */
const venue = async (prepare?: (fake: FakeBinance) => void): Promise<BinanceLiveBars> => {
  const fake = await FakeBinance.start({
    now: () => clock.t,
    market: {
      bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
      funding: (s) => funding.get(s),
    },
  });
  fakes.push(fake);
  prepare?.(fake);
  return new BinanceLiveBars({
    endpoint: { rest: fake.origin, ws: fake.wsOrigin },
    ccxt: { timeout: 1_000, rateLimit: 1 },
  });
};
afterAll(async () => {
  for (const f of fakes) await f.close();
});

const newStore = () => new MemoryEventStore({ catalogue: catalogue() });
const ids = (s: MemoryEventStore) => s.raw().map((e) => e.eventId);
const logs: string[] = [];
const session = (
  store: MemoryEventStore,
  feed: LiveBars,
  over: Partial<ConstructorParameters<typeof LivePaperSession>[0]> = {},
) =>
  new LivePaperSession({
    log: (m) => logs.push(m),
    strategyId: 'ema-cross',
    symbols: SYMBOLS,
    from: '2023-03-01',
    to: '2023-03-05',
    feed,
    store,
    clock,
    flushMs: 5,
    ...over,
  });

/** The BTCUSDT fills among `events` (more than two) are all on the `tick` grid. */
const expectBtcFillsOnTick = (events: readonly StoredEvent[], tick: string): void => {
  const prices = events
    .filter((e) => e.type === 'FillSettled' && (e.data as { symbol: string }).symbol === 'BTCUSDT')
    .map((e) => fixed((e.data as { price: string }).price));
  expect(prices.length).toBeGreaterThan(2);
  for (const p of prices) expect(isMultipleOf(p, fixed(tick))).toBe(true);
};

describe('LivePaperSession (paper trading on a venue’s live bars, the fake Binance serving the real 2023 bars)', () => {
  it('a restart continues the same run from the venue’s bars: the log ends identical to an uninterrupted run', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const reference = newStore();
    // At the account's own rates (PAPER_FEE_RATES), which the restart below is not given: it keeps them.
    const own = { feeRates: { maker: '0.00016', taker: '0.0004' } };
    const whole = session(reference, await venue(), own);
    await whole.prepare();
    expect(await whole.fastForward()).toBe(0);
    await whole.run(new AbortController().signal);
    expect(whole.status()).toMatchObject({ state: 'finished', feed: 'live', progress: 1, speed: 1 });
    expect(whole.runId).toMatch(/^live-ema-cross-20230301-/);
    expect(reference.raw().filter((e) => e.type === 'FundingPaid').length).toBeGreaterThan(0);

    // Interrupted two days in; the process is gone for six hours while the venue closes bars.
    clock = new VirtualClock(FROM + 2_000);
    const feed = await venue();
    const target = newStore();
    const first = session(target, feed, own);
    await first.prepare();
    await first.fastForward();
    const stop = new AbortController();
    clock.onSleep = (t) => {
      if (t >= FROM + 2 * 24 * HOUR) stop.abort();
    };
    await first.run(stop.signal);
    clock.onSleep = () => {};
    const before = target.raw().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(reference.raw().length);
    expect(first.status().progress).toBeLessThan(1);

    clock.t += 6 * HOUR;
    const second = session(target, feed);
    await second.prepare();
    logs.length = 0;
    await second.run(new AbortController().signal);
    expect(logs).toContain(`paper ${second.runId}: resumed after ${before} events already in the log`);
    expect(ids(target)).toEqual(ids(reference));
    const fees = (s: MemoryEventStore) =>
      s
        .raw()
        .filter((e) => e.type === 'FeeCharged')
        .map((e) => e.data);
    expect(fees(target)).toEqual(fees(reference));
    expect(fees(reference).map((d) => (d as { rate: string }).rate)).toContain('0.0004');
    expect(new Set(ids(target)).size).toBe(target.raw().length);
    expect(
      target
        .raw()
        .some((e) => e.type === 'RunCompleted' && (e.data as { reason: string }).reason === 'stopped'),
    ).toBe(false);
  }, 60_000);

  it('on Bybit’s market, a run of its own: its id names the venue, its account is a Bybit one and its fees are Bybit’s', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const fake = await FakeBybit.start({
      now: () => clock.t,
      market: {
        bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
        funding: (s) => funding.get(s),
      },
    });
    try {
      const feed = new BybitLiveBars({
        endpoint: { rest: fake.origin },
        ccxt: { timeout: 1_000, rateLimit: 1 },
      });
      const store = newStore();
      const run = session(store, feed);
      await run.prepare();
      await run.fastForward();
      await run.run(new AbortController().signal);
      expect(run.status()).toMatchObject({ state: 'finished', feed: 'live' });
      // Not the Binance-fed run's id: a node switched to another venue's market does not carry that run on.
      expect(run.runId).toMatch(/^live-bybit-ema-cross-20230301-/);
      const fees = store.raw().filter((e) => e.type === 'FeeCharged');
      expect(fees.length).toBeGreaterThan(0);
      expect(new Set(fees.map((e) => e.streamId))).toEqual(new Set([`account-bybit:${run.runId}`]));
      for (const e of fees) expect(['0.00055', '0.0002']).toContain((e.data as { rate: string }).rate);
      const started = store.raw().find((e) => e.type === 'RunStarted')!;
      expect((started.data as { config: object }).config).toMatchObject({
        venue: 'bybit',
        feed: { kind: 'live', venue: 'bybit' },
      });
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('trades by its venue’s own listing, recorded at its start; a restart keeps to the recorded one', async () => {
    const recorded = await instrumentBookOnce();
    /** The venue's listing, with BTCUSDT on a coarser tick than Binance's recorded one. */
    const listingWith = (tick: string) => async (symbols: readonly string[]) =>
      new Map(
        symbols.map((s) => {
          const i = recorded.get(s);
          return [
            s,
            { ...i, venue: 'bybit', ...(s === 'BTCUSDT' ? { tickSize: fixed(tick) } : {}) },
          ] as const;
        }),
      );
    const listed: string[][] = [];
    const sessionOn = (store: MemoryEventStore, feed: LiveBars, tick: string) =>
      new LivePaperSession({
        log: (m) => logs.push(m),
        strategyId: 'ema-cross',
        symbols: SYMBOLS,
        from: '2023-03-01',
        to: '2023-03-10',
        parameters: { version: 1, params: { fast: 5, slow: 20 } },
        feed,
        listing: (symbols) => {
          listed.push([...symbols]);
          return listingWith(tick)(symbols);
        },
        store,
        clock,
        flushMs: 5,
      });
    clock = new VirtualClock(FROM + 2_000);
    const fake = await FakeBybit.start({
      now: () => clock.t,
      market: {
        bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
        funding: (s) => funding.get(s),
      },
    });
    try {
      const store = newStore();
      // The bars as the node records them, so the run re-runs from the log alone.
      const feed = new RecordingLiveBars(
        new BybitLiveBars({ endpoint: { rest: fake.origin }, ccxt: { timeout: 1_000, rateLimit: 1 } }),
        store,
      );
      const first = sessionOn(store, feed, '0.5');
      await first.prepare();
      const stop = new AbortController();
      clock.onSleep = (t) => {
        if (t >= FROM + 24 * HOUR) stop.abort();
      };
      await first.run(stop.signal);
      clock.onSleep = () => {};
      expect(listed).toEqual([SYMBOLS]);
      const started = store.raw().find((e) => e.type === 'RunStarted')!;
      const inst = (started.data as { config: { instruments: Record<string, { tickSize: string }> } }).config
        .instruments;
      expect(Object.keys(inst).sort()).toEqual([...SYMBOLS].sort());
      expect(inst.BTCUSDT!.tickSize).toBe('0.5');
      expect(inst.ETHUSDT!.tickSize).toBe(toText(recorded.get('ETHUSDT').tickSize));

      // The venue moves BTCUSDT to another tick while the node is down: the run goes on by the one it took.
      clock.t += 6 * HOUR;
      const before = store.raw().length;
      const second = sessionOn(store, feed, '0.1');
      await second.prepare();
      await second.run(new AbortController().signal);
      expect(second.status()).toMatchObject({ state: 'finished' });
      expect(listed).toHaveLength(1);
      // Fills after the restart are still on the 0.5 grid: on the finer one some would fall off it.
      expectBtcFillsOnTick(store.raw().slice(before), '0.5');
      // And the log re-runs on it alone.
      expect(await rerun(store, second.runId)).toMatchObject({ identical: true });
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('waits for a venue whose listing lacks one of its symbols, saying which', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const store = newStore();
    const run = new LivePaperSession({
      log: (m) => logs.push(m),
      strategyId: 'ema-cross',
      symbols: SYMBOLS,
      from: '2023-03-01',
      to: '2023-03-05',
      feed: await venue(),
      listing: async () => new Map([['BTCUSDT', (await instrumentBookOnce()).get('BTCUSDT')]]),
      store,
      clock,
      flushMs: 5,
    });
    await run.prepare();
    const stop = new AbortController();
    logs.length = 0;
    clock.onSleep = (t) => {
      if (t >= FROM + HOUR) stop.abort();
    };
    await run.run(stop.signal);
    clock.onSleep = () => {};
    expect(logs.some((m) => m.includes("the venue's listing has no ETHUSDT"))).toBe(true);
    expect(store.raw().filter((e) => e.type === 'RunStarted')).toHaveLength(0);
  }, 60_000);

  it('on Binance’s market, trades by exchangeInfo’s grids with the recorded brackets, taken at its start; a restart keeps them', async () => {
    const recorded = await instrumentBookOnce();
    clock = new VirtualClock(FROM + 2_000);
    let fake: FakeBinance | null = null;
    const binance = await venue((f) => {
      fake = f;
      // Binance has moved BTCUSDT to a coarser tick since the metadata was recorded.
      f.relist(withFilters('BTCUSDT', { PRICE_FILTER: { tickSize: '0.5' } }));
    });
    const listings: string[][] = [];
    const store = newStore();
    const feed = new RecordingLiveBars(binance, store);
    const sessionOn = () =>
      new LivePaperSession({
        log: (m) => logs.push(m),
        strategyId: 'ema-cross',
        symbols: SYMBOLS,
        from: '2023-03-01',
        to: '2023-03-10',
        parameters: { version: 1, params: { fast: 5, slow: 20 } },
        feed,
        listing: (symbols) => {
          listings.push([...symbols]);
          return venueListingOf(binance, recorded.all)(symbols);
        },
        store,
        clock,
        flushMs: 5,
      });
    const first = sessionOn();
    await first.prepare();
    const stop = new AbortController();
    clock.onSleep = (t) => {
      if (t >= FROM + 24 * HOUR) stop.abort();
    };
    await first.run(stop.signal);
    clock.onSleep = () => {};
    expect(first.runId).toMatch(/^live-ema-cross-20230301-/);
    expect(listings).toEqual([SYMBOLS]);
    const started = store.raw().find((e) => e.type === 'RunStarted')!;
    const inst = (
      started.data as {
        config: { instruments: Record<string, { venue: string; tickSize: string; brackets: unknown[] }> };
      }
    ).config.instruments;
    expect(Object.keys(inst).sort()).toEqual([...SYMBOLS].sort());
    expect(inst.BTCUSDT).toMatchObject({ venue: 'binance', tickSize: '0.5' });
    expect(inst.BTCUSDT!.brackets).toHaveLength(recorded.get('BTCUSDT').brackets.length);
    expect(inst.ETHUSDT!.tickSize).toBe(toText(recorded.get('ETHUSDT').tickSize));

    // Binance moves BTCUSDT to a finer tick while the node is down: the run goes on by the one it took.
    fake!.relist(withFilters('BTCUSDT', { PRICE_FILTER: { tickSize: '0.01' } }));
    expect((await binance.listing(['BTCUSDT'])).instruments.get('BTCUSDT')!.tickSize).toBe(fixed('0.01'));
    clock.t += 6 * HOUR;
    const before = store.raw().length;
    const second = sessionOn();
    await second.prepare();
    await second.run(new AbortController().signal);
    expect(second.status()).toMatchObject({ state: 'finished' });
    expect(listings).toHaveLength(1);
    expectBtcFillsOnTick(store.raw().slice(before), '0.5');
    expect(await rerun(store, second.runId)).toMatchObject({ identical: true });
  }, 60_000);

  it('on Binance’s market, refuses a run on a symbol the recorded metadata has no brackets for, saying so', async () => {
    const recorded = await instrumentBookOnce();
    clock = new VirtualClock(FROM + 2_000);
    const feed = await venue();
    const run = new LivePaperSession({
      log: (m) => logs.push(m),
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT', 'GOATUSDT'],
      from: '2023-03-01',
      to: '2023-03-05',
      feed,
      listing: venueListingOf(feed, recorded.all),
      store: newStore(),
      clock,
      flushMs: 5,
    });
    await run.prepare();
    await run.run(new AbortController().signal);
    expect(run.status().state).toBe('failed');
    expect(run.status().error).toMatch(
      /GOATUSDT: no leverage brackets in the recorded metadata, and Binance gives them only to an account/,
    );
  }, 60_000);

  it('fails, saying which, a run whose recorded listing cannot be read back', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const store = newStore();
    const run = session(store, await venue());
    await run.prepare();
    await store.append(`run-${run.runId}`, 'no_stream', [
      {
        eventId: '0190f5e2-0000-7000-8000-0000000000aa',
        type: 'RunStarted',
        data: {
          runId: run.runId,
          mode: 'paper',
          strategyId: 'ema-cross',
          strategyVersion: '1.0.0',
          params: {},
          paramsVersion: 0,
          symbols: SYMBOLS,
          timeframe: '1h',
          from: FROM,
          to: Date.UTC(2023, 2, 5),
          seed: 1,
          initialBalance: '10000',
          config: { instruments: { BTCUSDT: { symbol: 'BTCUSDT', tickSize: 'fine' } } },
        },
        metadata: {
          correlationId: `run-${run.runId}`,
          causationId: null,
          actor: 'system:engine',
          mode: 'paper',
          occurredAt: new Date(FROM).toISOString(),
        },
      },
    ]);
    await run.run(new AbortController().signal);
    expect(run.status().state).toBe('failed');
    expect(run.status().error).toMatch(/config.instruments.BTCUSDT: not an instrument listing/);
  }, 60_000);

  it('a venue that does not answer at start delays the run, not the node: it waits, then trades as usual', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const reference = newStore();
    const whole = session(reference, await venue());
    await whole.prepare();
    await whole.run(new AbortController().signal);

    clock = new VirtualClock(FROM + 2_000);
    const target = newStore();
    const down = session(
      target,
      await venue((f) => f.fault({ path: '/fapi/v1/time', action: 'reset', times: 3 })),
    );
    await down.prepare(); // at once: only the request is checked
    expect(down.status()).toMatchObject({ state: 'starting', events: 0 });
    logs.length = 0;
    await down.run(new AbortController().signal);
    expect(logs.filter((l) => l.includes('waiting to start')).length).toBe(3);
    expect(down.status()).toMatchObject({ state: 'finished', error: null });
    expect(ids(target)).toEqual(ids(reference));
  }, 60_000);

  it('records a feed outage for the alerts beside the run, whose own log it leaves as it was', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const reference = newStore();
    const whole = session(reference, await venue());
    await whole.prepare();
    await whole.run(new AbortController().signal);

    clock = new VirtualClock(FROM + 2_000);
    const target = newStore();
    const live = await venue();
    const down = FROM + 36 * HOUR;
    const up = down + 4 * HOUR;
    const flaky: LiveBars = {
      venue: 'binance',
      fetch: (...args) =>
        clock.t >= down && clock.t < up ? Promise.reject(new Error('fetch failed')) : live.fetch(...args),
    };
    const run = session(target, flaky);
    await run.prepare();
    await run.run(new AbortController().signal);
    expect(run.status()).toMatchObject({ state: 'finished', error: null });
    const feedEvents = target.raw().filter((e) => e.streamId === `feed-${run.runId}`);
    expect(feedEvents.map((e) => e.type)).toEqual(['FeedInterrupted', 'FeedRestored']);
    expect(feedEvents[0]!.data).toMatchObject({
      runId: run.runId,
      strategyId: 'ema-cross',
      mode: 'paper',
      feed: 'venue',
      symbol: null,
      detail: '3 fetches of bars failed in a row: fetch failed',
    });
    expect(feedEvents[0]!.metadata).toMatchObject({
      actor: 'system:feed',
      correlationId: `feed-${run.runId}`,
    });
    expect((feedEvents[1]!.data as { at: number }).at).toBeGreaterThanOrEqual(up);
    expect(
      target
        .raw()
        .filter((e) => !e.streamId.startsWith('feed-'))
        .map((e) => e.eventId),
    ).toEqual(ids(reference));
  }, 60_000);

  it('refuses at once what cannot run on a live feed', async () => {
    const bad = new LivePaperSession({
      strategyId: 'flow-imbalance',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      feed: await venue(),
      store: newStore(),
    });
    await expect(bad.prepare()).rejects.toThrow(/a live feed gives closed bars only/);
    // An end before the start is found when the run starts; it fails then, and is not retried.
    const backwards = new LivePaperSession({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-03-05',
      to: '2023-03-01',
      feed: await venue(),
      store: newStore(),
      clock: new VirtualClock(FROM),
    });
    await backwards.prepare();
    await backwards.run(new AbortController().signal);
    expect(backwards.status()).toMatchObject({ state: 'failed' });
    expect(backwards.status().error).toMatch(
      /the end \(to: 2023-03-01T00:00:00.000Z\) must be after the first bar open \(2023-03-05T00:00:00.000Z\)/,
    );
  });

  it('records the bars it is given, so a live run re-runs from the log alone: stopped or finished, and as a what-if', async () => {
    clock = new VirtualClock(FROM + 2_000);
    const store = newStore();
    const feed = new RecordingLiveBars(await venue(), store);
    const first = session(store, feed);
    await first.prepare();
    const stop = new AbortController();
    clock.onSleep = (t) => {
      if (t >= FROM + 2 * 24 * HOUR) stop.abort();
    };
    await first.run(stop.signal);
    clock.onSleep = () => {};
    const bars = store.raw().filter((e) => e.type === 'BarClosed');
    // Each symbol's bars once, though the warm-up and two days were fetched in many asks.
    expect(bars.length).toBeGreaterThan(2 * (150 + 47));
    expect(new Set(bars.map((e) => e.eventId)).size).toBe(bars.length);
    expect(store.raw().some((e) => e.type === 'FundingRatePublished')).toBe(true);

    // Stopped two days in: the log holds a prefix of what the recorded bars decide.
    const stopped = await rerun(store, first.runId);
    expect(stopped).toMatchObject({ identical: true, divergence: null });
    expect(stopped.ahead).toBeGreaterThan(0);

    // Carried on to its end: the re-run is the run, event for event.
    clock.t += HOUR;
    const second = session(store, feed);
    await second.prepare();
    await second.run(new AbortController().signal);
    expect(second.status().state).toBe('finished');
    const finished = await rerun(store, first.runId);
    expect(finished).toMatchObject({ identical: true, ahead: 0, divergence: null });
    // A decision's chain shows the bar it was made on, as the feed gave it.
    const order = store.raw().find((e) => e.type === 'OrderRequested')!;
    const chain = await explainChain(store, (order.data as { orderId: string }).orderId);
    const bar = chain.bar!;
    expect(bar.type).toBe('BarClosed');
    const obs = /^obs:([A-Z]+):1h:(\d+)$/.exec(chain.correlationId)!;
    expect(bar.data).toMatchObject({ venue: 'binance', symbol: obs[1], openTime: Number(obs[2]) });
    expect(formatChain(chain)).toContain(`market       binance ${obs[1]} 1h bar`);
    // A what-if on it: the same recorded bars, another parameter.
    const w = await whatIf(store, first.runId, { set: { fast: 8 } });
    expect(w.diff.added.length + w.diff.removed.length + w.diff.changed.length).toBeGreaterThan(0);
  }, 60_000);
});
