import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import { HotlistHandlers } from '../commands/hotlist/handlers.js';
import { catalogue } from '../domain/catalogue.js';
import type { HotlistScannedData } from '../domain/hotlist/events.js';
import { hotlistStreamId } from '../domain/hotlist/events.js';
import type { HotlistSource } from '../domain/hotlist/source.js';
import { HotlistScanner } from './hotlist-scanner.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2023, 5, 1);

/** Wall time moves only when the scanner sleeps; the market runs `speed` times faster from T0. */
const harness = (speed: number, stopAfterWallMs: number) => {
  let wall = 0;
  const stop = new AbortController();
  const clock = {
    now: () => wall,
    sleep: async (ms: number) => {
      wall += ms;
      if (wall >= stopAfterWallMs) stop.abort();
      await Promise.resolve();
    },
  };
  return { clock, stop, marketNow: () => (wall < 2_000 ? null : T0 + wall * speed) };
};

/** A source with no data: every symbol skipped, which is all a scheduling test needs of a scan. */
const emptySource = (fail: (at: number) => boolean = () => false): HotlistSource & { asked: number[] } => {
  const asked: number[] = [];
  return {
    source: 'test',
    asked,
    inputs: async (symbols, at) => {
      asked.push(at);
      if (fail(at)) throw new Error('venue timeout');
      return { inputs: [], skipped: symbols.map((symbol) => ({ symbol, reason: 'no data in the test' })) };
    },
  };
};

const scans = async (store: MemoryEventStore) =>
  (await store.readStream(hotlistStreamId)).map((e) => (e.data as HotlistScannedData).at);

describe('hotlist scanner', () => {
  it('scans once the runs have a clock, at each market hour, never twice an hour, at most once per minWall', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const source = emptySource();
    // 3600×: a market hour per wall second; a 60 s floor makes it a scan every 60 market hours.
    const h = harness(3600, 200_000);
    const logs: string[] = [];
    await new HotlistScanner({
      handlers: new HotlistHandlers(store, newEventId),
      source,
      symbols: ['BTCUSDT'],
      marketNow: h.marketNow,
      clock: h.clock,
      minWallMs: 60_000,
      log: (m) => logs.push(m),
    }).run(h.stop.signal);
    const at = await scans(store);
    expect(at.length).toBe(4);
    expect(at[0]).toBe(T0 + 7_200 * 1000 - ((T0 + 7_200 * 1000) % HOUR)); // first: the hour of the first clock reading
    for (const t of at) expect(t % HOUR).toBe(0);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(60 * HOUR);
    expect(logs[0]).toMatch(/^hotlist scan-.* 0 ranked, 1 skipped$/);

    // Real time: one scan per market hour, none twice for the same hour across a restart.
    const live = new MemoryEventStore({ catalogue: catalogue() });
    const run = async (from: number, to: number) => {
      let wall = from;
      const stop = new AbortController();
      await new HotlistScanner({
        handlers: new HotlistHandlers(live, newEventId),
        source: emptySource(),
        symbols: ['BTCUSDT'],
        marketNow: () => T0 + wall,
        clock: {
          now: () => wall,
          sleep: async (ms) => {
            wall += ms;
            if (wall >= to) stop.abort();
          },
        },
        minWallMs: 0,
        log: () => {},
      }).run(stop.signal);
    };
    await run(30 * 60_000, 3 * HOUR + 30 * 60_000);
    await run(3 * HOUR + 31 * 60_000, 5 * HOUR + 10 * 60_000);
    expect(await scans(live)).toEqual([0, 1, 2, 3, 4, 5].map((k) => T0 + k * HOUR));
  });

  it('asks a changing universe afresh at each scan, and ranks what it says then', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    let wall = 30 * 60_000;
    const stop = new AbortController();
    const universes = [['BTCUSDT', 'SOLUSDT'], ['WIFUSDT']];
    await new HotlistScanner({
      handlers: new HotlistHandlers(store, newEventId),
      source: emptySource(),
      symbols: async () => universes[Math.min(1, Math.floor(wall / HOUR))]!,
      marketNow: () => T0 + wall,
      clock: {
        now: () => wall,
        sleep: async (ms) => {
          wall += ms;
          if (wall >= HOUR + 30 * 60_000) stop.abort();
        },
      },
      minWallMs: 0,
      log: () => {},
    }).run(stop.signal);
    const scanned = (await store.readStream(hotlistStreamId)).map((e) =>
      (e.data as HotlistScannedData).skipped.map((x) => x.symbol),
    );
    expect(scanned).toEqual(universes);
  });

  it('a store that cannot be read at start delays the scans, and stops nothing', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const real = new HotlistHandlers(store, newEventId);
    let down = 2;
    const handlers = Object.assign(Object.create(real) as HotlistHandlers, {
      state: () => (down-- > 0 ? Promise.reject(new Error('connection refused')) : real.state()),
    });
    const h = harness(1, 2 * HOUR);
    const logs: string[] = [];
    await new HotlistScanner({
      handlers,
      source: emptySource(),
      symbols: ['BTCUSDT'],
      marketNow: h.marketNow,
      clock: h.clock,
      minWallMs: 0,
      log: (m) => logs.push(m),
    }).run(h.stop.signal);
    expect(logs.filter((m) => m.includes('cannot read the scans so far: connection refused'))).toHaveLength(
      2,
    );
    expect((await scans(store)).length).toBeGreaterThanOrEqual(2);
  });

  it('a failed scan is logged and tried again, and the node goes on', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    let failures = 2;
    const source = emptySource(() => failures-- > 0);
    const h = harness(1, 3 * HOUR);
    const logs: string[] = [];
    const scanner = new HotlistScanner({
      handlers: new HotlistHandlers(store, newEventId),
      source,
      symbols: ['BTCUSDT'],
      marketNow: h.marketNow,
      clock: h.clock,
      minWallMs: 60_000,
      log: (m) => logs.push(m),
    });
    await scanner.run(h.stop.signal);
    expect(logs.filter((m) => m.includes('failed: venue timeout'))).toHaveLength(2);
    expect(scanner.failures).toBe(2);
    // The hour that failed twice is scanned on the third try, a minute of wall time apart each.
    const at = await scans(store);
    expect(at[0]).toBe(T0);
    expect(source.asked.slice(0, 3)).toEqual([T0, T0, T0]);
    expect(at.length).toBe(3);
  });
});
