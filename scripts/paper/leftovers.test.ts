import { afterEach, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import { type Harness, openHarness } from '../../adapters/venue/testing/venue-harness.js';
import { fixed } from '../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { persistRun } from '../../replay/audit/persist.js';
import type { PaperClock } from '../../replay/engine/paper.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { enterWithBackstop, openLiveAccountRun } from '../../replay/engine/testing/live-account.js';
import { closeOutRun } from './closeout.js';
import {
  carryableLeftover,
  clearLeftovers,
  type LeftoverHandling,
  realAccountStreams,
  realPositionsAt,
} from './leftovers.js';

/**
 * What `npm start` does before a strategy trades real money again (clearLeftovers), from the read models:
 * an earlier process's real run holds a position with its backstop resting at the fake exchange; the next
 * process waits, defers to a run it still drives, or closes it out and then starts.
 */
let first: Harness | null = null;
let second: Harness | null = null;
let opened: OpenedStore | null = null;
afterEach(async () => {
  await second?.close();
  await first?.close();
  await opened?.close();
  first = second = opened = null;
});

describe('clearing what earlier real runs left before a strategy trades again', () => {
  it('waits, defers to a run still winding down here, or closes out and then lets the strategy start', async () => {
    const run = await openLiveAccountRun({ stopAtrMultiple: 1 }, { 1: 0.5 }, { bufferBps: 50, moveBps: 20 });
    first = run.harness;
    const { harness, engine } = run;
    await enterWithBackstop(run);
    // The earlier process recorded its run (a real run's mode is canary or live) and went away.
    opened = await openStore({ dataDir: ':memory:' });
    const runner = new ProjectionRunner(opened.store, opened.db, allProjections());
    await runner.prepare();
    await persistRun(engine.store.raw(), opened.store);
    await runner.catchUpAll();
    const strategyId = engine.config.strategy.id;
    const runId = engine.config.runId;
    // The real runs' ledgers, and what they held at a time: what funding charged while down is split by.
    const streams = await realAccountStreams(opened.db, binanceUsdm.venue);
    expect(streams).toEqual([`account-binance:${runId}`]);
    const held = await realPositionsAt(opened.store, streams, 'BTCUSDT', Date.now() + 60_000);
    expect(held).toEqual(new Map([[streams[0], fixed(String(engine.position('BTCUSDT')))]]));
    expect(await realPositionsAt(opened.store, streams, 'BTCUSDT', 0)).toEqual(new Map());

    second = await openHarness({ fake: harness.fake });
    const h2 = second;
    h2.clock.t = harness.clock.now() + 60_000;
    const clock: PaperClock = {
      now: () => h2.clock.now(),
      sleep: async (ms) => {
        await new Promise((r) => setTimeout(r, 5));
        h2.clock.t += ms;
      },
    };
    const book = await instrumentBookOnce();
    const log: string[] = [];
    const store = opened.store;
    const handling = (over: Partial<LeftoverHandling>): LeftoverHandling => ({
      db: opened!.db,
      venueName: binanceUsdm.venue,
      policy: 'close',
      activeHere: () => new Set(),
      closeOut: (l) =>
        closeOutRun(l, {
          store,
          venue: h2.venue,
          rules: binanceUsdm,
          instrument: book.get,
          clock,
          newEventId,
          log: (m) => log.push(m),
        }),
      log: (m) => log.push(m),
      ...over,
    });

    // A strategy that never traded real money has nothing to clear.
    expect(await clearLeftovers('donchian-breakout', handling({}))).toBeNull();
    // LIVE_LEFTOVERS=carry: the one earlier run, its position in a symbol the next run trades, is carried on;
    // not by a run that does not trade BTCUSDT, and not while this process still drives that run.
    const carry = (symbols: readonly string[], over: Partial<LeftoverHandling> = {}) =>
      carryableLeftover(strategyId, handling(over), symbols);
    expect(await carry(['BTCUSDT', 'ETHUSDT'])).toMatchObject({
      runId,
      accountId: runId,
      positions: [{ symbol: 'BTCUSDT', quantity: fixed(String(engine.position('BTCUSDT'))) }],
      workingOrders: [expect.any(String)],
    });
    expect(await carry(['ETHUSDT'])).toBeNull();
    expect(await carry(['BTCUSDT'], { activeHere: () => new Set([runId]) })).toBeNull();
    expect(await carryableLeftover('donchian-breakout', handling({}), ['BTCUSDT'])).toBeNull();
    // LIVE_LEFTOVERS=wait: it says what is left, and leaves it.
    expect(await clearLeftovers(strategyId, handling({ policy: 'wait' }))).toMatch(
      new RegExp(
        `^${strategyId}'s earlier real run left ${runId} holds BTCUSDT long; ${runId} has order .* working: close them .*LIVE_LEFTOVERS=wait`,
      ),
    );
    // A run this process still drives books its own orders: the strategy waits for it.
    expect(await clearLeftovers(strategyId, handling({ activeHere: () => new Set([runId]) }))).toMatch(
      /is still closing what it holds/,
    );
    expect(harness.fake.engine.openAlgoOrders({})).toHaveLength(1);

    // Closed out: the backstop cancelled and the position closed at the exchange, booked in the run's streams.
    expect(await clearLeftovers(strategyId, handling({}))).toMatch(
      /closed out, it trades again once the books show it clear$/,
    );
    expect(harness.fake.engine.openAlgoOrders({})).toEqual([]);
    expect(harness.fake.engine.position('BTCUSDT')).toBe(0n);
    expect(log[0]).toMatch(new RegExp(`^${strategyId}: closing out what ${runId} left`));
    // Once the read models have caught up, nothing is left: the strategy starts.
    await runner.catchUpAll();
    expect(await clearLeftovers(strategyId, handling({}))).toBeNull();
  });
});
