import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { ladderOfEvents } from '../../domain/risk/carried-ladder.js';
import type { StopEvent } from '../../domain/risk/stops.js';
import { enterWithBackstop, openLiveAccountRun } from '../../replay/engine/testing/live-account.js';
import { projectedRun } from '../testing/projected-run.js';
import { carriedLadders } from './carried-ladders.js';

/**
 * The next process finds the stop ladder an earlier real run keeps on a symbol from the read models and
 * the main log: the run's latest position on it, its events read whole.
 */
let harness: Harness | null = null;
let opened: OpenedStore | null = null;
afterEach(async () => {
  await harness?.close();
  await opened?.close();
  harness = opened = null;
});

describe("an earlier real run's stop ladders, for the run that carries its positions on", () => {
  it('are read from the main log, the latest position on each symbol it holds', async () => {
    const run = await openLiveAccountRun({ stopAtrMultiple: 1 }, { 1: 0.5 }, { bufferBps: 50, moveBps: 20 });
    harness = run.harness;
    await enterWithBackstop(run);
    opened = (await projectedRun(run.engine.store.raw())).opened;
    const runId = run.engine.config.runId;
    const said: string[] = [];
    const ladders = await carriedLadders(opened.db, opened.store, runId, ['BTCUSDT', 'ETHUSDT'], (m) =>
      said.push(m),
    );
    // What the run itself wrote, rebuilt the same way: the engine's ladder as it stands.
    const own = run.events
      .filter((e) => e.type === 'StopAdjusted' || e.type === 'StopStatusChanged')
      .map((e) => ({ type: e.type, data: e.data }) as StopEvent);
    expect([...ladders.keys()]).toEqual(['BTCUSDT']);
    expect(ladders.get('BTCUSDT')).toEqual(ladderOfEvents(own));
    expect(ladders.get('BTCUSDT')).toMatchObject({
      positionId: `${runId}-BTCUSDT-1`,
      side: 'long',
      protective: { layer: 'initial', status: 'armed' },
    });
    expect(said).toEqual([]);
    // Another run's, or none: nothing.
    expect((await carriedLadders(opened.db, opened.store, 'real-other', ['BTCUSDT'], () => {})).size).toBe(0);
  });
});
