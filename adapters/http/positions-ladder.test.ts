import { afterEach, describe, expect, it } from 'vitest';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { persistRun } from '../../replay/audit/persist.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { enterWithBackstop, openLiveAccountRun, SYMBOL } from '../../replay/engine/testing/live-account.js';
import { type OpenedStore, openStore } from '../eventstore/open-store.js';
import type { Harness } from '../venue/testing/venue-harness.js';
import { position } from './schemas.js';
import { readPositions } from './views.js';

/**
 * The position list's multi-layer indicator (design §12.9), from the read models: a run on a real account
 * (the local fake Binance) opens a position whose entry asked for two take-profits and a time stop; the
 * position shows its protective stop, each take-profit and the time stop, and the backstop resting at
 * the exchange.
 */
let h: Harness | null = null;
let opened: OpenedStore | null = null;
afterEach(async () => {
  await h?.close();
  await opened?.close();
  h = null;
  opened = null;
});

describe('GET /api/positions: every stop layer of a position', () => {
  it('lists the ladder’s live legs and the backstop at the exchange', async () => {
    const run = await openLiveAccountRun(
      {
        stopAtrMultiple: 1,
        takeProfitR: [
          { r: 1, fraction: 0.5 },
          { r: 2, fraction: 0.5 },
        ],
        maxBars: 24,
      },
      { 1: 0.5 },
      { bufferBps: 50, moveBps: 20 },
    );
    h = run.harness;
    const { engine } = run;
    await enterWithBackstop(run);
    const backstop = run
      .of('OrderRequested')
      .find((e) => (e.data as { type: string }).type === 'STOP_MARKET')!;
    const { orderId, stopPrice } = backstop.data as { orderId: string; stopPrice: string };

    opened = await openStore({ dataDir: ':memory:' });
    const runner = new ProjectionRunner(opened.store, opened.db, allProjections());
    await runner.prepare();
    await persistRun(engine.store.raw(), opened.store);
    await runner.catchUpAll();
    const book = await instrumentBookOnce();
    const list = await readPositions(opened.db, { instrument: book.get, rules: binanceUsdm }, () => null);
    expect(list).toHaveLength(1);
    const p = position.parse(list[0]);
    expect(p).toMatchObject({ accountId: engine.config.accountId, symbol: SYMBOL, side: 'long' });
    // No mark on this node for it (marks: () => null): valued at its entry, no unrealised PnL, not a 500.
    expect(Number(p.markPrice)).toBeCloseTo(Number(p.entryPrice), 6);
    expect(Number(p.unrealisedPnl)).toBeCloseTo(0, 6);
    expect(p.legs.map((l) => [l.kind, l.status])).toEqual([
      ['stop', 'armed'],
      ['take-profit', 'armed'],
      ['take-profit', 'armed'],
      ['time', 'armed'],
    ]);
    expect(p.legs[0]!.price).toBe(p.stop!.price);
    expect(Number(p.legs[1]!.price)).toBeLessThan(Number(p.legs[2]!.price));
    expect(p.exchangeStop).toEqual({ orderId, price: stopPrice, status: 'accepted' });
    expect(Number(stopPrice)).toBeLessThan(Number(p.stop!.price));
  });
});
