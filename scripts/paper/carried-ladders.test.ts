import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { type CarriedLadder, ladderOfEvents } from '../../domain/risk/carried-ladder.js';
import type { StopEvent } from '../../domain/risk/stops.js';
import { enterWithBackstop, openLiveAccountRun } from '../../replay/engine/testing/live-account.js';
import { projectedRun } from '../testing/projected-run.js';
import { bestFromBars, carriedLadders } from './carried-ladders.js';

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

  it("take their best price further from the exchange's bars since they opened, or keep the recorded one", async () => {
    // Long BTCUSDT from 2023-06-01 00:00, its events recording no excursion beyond the entry; ten days of
    // real 1h bars since.
    const opened = Date.UTC(2023, 5, 1);
    const ladder: CarriedLadder = {
      positionId: 'real-a-BTCUSDT-1',
      symbol: 'BTCUSDT',
      side: 'long',
      openedAt: opened,
      entry: 27_000,
      initialStop: '26500',
      protective: { layer: 'initial', price: '26500', status: 'armed' },
      takeProfits: [],
      timeStop: null,
      best: 27_000,
    };
    const all = sharedBars('BTCUSDT', '1h');
    const asked: number[] = [];
    const barsSince = async (symbol: string, afterOpen: number) => {
      expect(symbol).toBe('BTCUSDT');
      asked.push(afterOpen);
      const keep = [...all.openTime.keys()].filter(
        (i) => all.openTime[i]! > afterOpen && all.openTime[i]! < opened + 10 * 86_400_000,
      );
      return {
        openTime: keep.map((i) => all.openTime[i]!),
        high: keep.map((i) => all.high[i]!),
        low: keep.map((i) => all.low[i]!),
      };
    };
    const said: string[] = [];
    const further = await bestFromBars(new Map([['BTCUSDT', ladder]]), barsSince, (m) => said.push(m));
    const highs = [...all.openTime.keys()]
      .filter((i) => all.openTime[i]! >= opened && all.openTime[i]! < opened + 10 * 86_400_000)
      .map((i) => all.high[i]!);
    expect(asked).toEqual([opened - 1]);
    expect(further.get('BTCUSDT')).toEqual({ ...ladder, best: Math.max(27_000, ...highs) });
    expect(further.get('BTCUSDT')!.best).toBeGreaterThan(27_000);
    expect(said).toEqual([]);
    // The exchange does not answer: the recorded best, and a word.
    const kept = await bestFromBars(
      new Map([['BTCUSDT', ladder]]),
      async () => {
        throw new Error('klines: 503');
      },
      (m) => said.push(m),
    );
    expect(kept.get('BTCUSDT')).toEqual(ladder);
    expect(said).toEqual([
      'real-a-BTCUSDT-1: the bars since its ladder opened cannot be read (klines: 503): its best price is what its events and the warm-up show',
    ]);
  });
});
