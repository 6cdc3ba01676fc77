import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { persistRun } from '../../replay/audit/persist.js';
import { runBacktest } from '../../replay/engine/run.js';
import { leftOnAccount } from './leftovers.js';
import { realRunId } from './real-session.js';

/**
 * Before a strategy trades the real account again, the node asks the read models what its earlier real
 * runs left there. Here an earlier "canary" is a run recorded with that mode on real bars, ending with a
 * position open.
 */
describe('what earlier real runs left on the account', () => {
  let opened: OpenedStore;
  let runner: ProjectionRunner;
  beforeAll(async () => {
    opened = await openStore({ dataDir: ':memory:' });
    runner = new ProjectionRunner(opened.store, opened.db, allProjections());
    await runner.prepare();
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('names the positions a canary run still holds, and nothing for a strategy that never traded real money', async () => {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      to: '2023-03-07',
      params: { fast: 5, slow: 20 },
      runId: 'real-ema-cross-earlier',
      mode: 'canary',
    });
    const held = out.engine.position('BTCUSDT');
    // The week ends in a position: that is what the check must see.
    expect(held).not.toBe(0);
    await persistRun(out.engine.store.raw(), opened.store);
    await runner.catchUpAll();
    expect(await leftOnAccount(opened.db, 'ema-cross', 'binance')).toEqual([
      `real-ema-cross-earlier holds BTCUSDT ${held > 0 ? 'long' : 'short'}`,
    ]);
    expect(await leftOnAccount(opened.db, 'donchian-breakout', 'binance')).toEqual([]);

    // A paper run of the same strategy holds paper positions: they are not on the account.
    const paper = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      to: '2023-03-08',
      params: { fast: 5, slow: 20 },
      runId: 'paper-ema-cross-elsewhere',
      mode: 'paper',
    });
    await persistRun(paper.engine.store.raw(), opened.store);
    await runner.catchUpAll();
    expect(await leftOnAccount(opened.db, 'ema-cross', 'binance')).toHaveLength(1);
  });
});

describe('real run ids', () => {
  it('gives two runs built before the same bar ids of their own (a crash and restart, or a new version, within the bar), and tells versions apart', () => {
    const at = Date.UTC(2023, 2, 1, 10, 20, 0);
    const first = realRunId('ema-cross', ['BTCUSDT'], at, 0);
    expect(first).toMatch(/^real-ema-cross-[0-9a-f]{6}-20230301102000$/);
    // Fifteen minutes later, still before the 11:00 bar both would start at.
    expect(realRunId('ema-cross', ['BTCUSDT'], at + 15 * 60_000, 0)).not.toBe(first);
    expect(realRunId('ema-cross', ['BTCUSDT'], at, 2)).toBe(`${first}-v2`);
    expect(realRunId('ema-cross', ['ETHUSDT'], at, 0)).not.toBe(first);
  });
});
