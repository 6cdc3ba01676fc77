import { afterEach, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { readAccounts } from '../../adapters/http/views.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { engineLogVersion, engineTag, engineVersionOf } from '../../replay/engine/engine-version.js';
import { instrumentBookOnce, runBacktest } from '../../replay/engine/run.js';
import { LogCopier, wholeLog } from './copier.js';
import { endOlderEngineRuns } from './older-engine.js';
import { paperRunId } from './session.js';

/**
 * A node upgraded to an engine that writes another log on the same inputs finds paper runs the earlier
 * engine wrote. It cannot resume them (the replay would mix two logs, which the store refuses, for ever),
 * so it ends each where it stood, says why, and leaves the runs of its own version alone.
 */
let opened: OpenedStore | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});

describe('paper runs an earlier engine wrote', () => {
  it('are ended where they stood, left out of the live accounts; this engine’s runs are not', async () => {
    opened = await openStore({ dataDir: ':memory:' });
    const { store, db } = opened;
    const runner = new ProjectionRunner(store, db, allProjections());
    await runner.prepare();
    const current = paperRunId('ema-cross', '2023-03-01', ['BTCUSDT']);
    const earlier = current.slice(0, -engineTag().length);
    expect(engineVersionOf(earlier)).toBe(1);
    expect(engineVersionOf(current)).toBe(engineLogVersion);
    expect(engineVersionOf('paper-ema-cross-20230601-e12345')).toBe(1);
    const liveEarlier = earlier.replace(/^paper-/, 'live-');
    for (const runId of [earlier, current, liveEarlier]) {
      const { engine } = await runBacktest({
        strategyId: 'ema-cross',
        symbols: ['BTCUSDT'],
        from: '2023-03-01',
        to: '2023-03-08',
        runId,
        mode: 'paper',
      });
      // Copied as a paper run copies its log, but never completed: the process went away.
      const events = engine.store.raw().filter((e) => e.type !== 'RunCompleted');
      await new LogCopier(
        wholeLog(() => events),
        store,
      ).flush();
    }
    await runner.catchUpAll();
    const book = await instrumentBookOnce();
    const ctx = { instrument: book.get, rules: binanceUsdm };
    const accounts = async () => (await readAccounts(db, ctx, () => null)).map((a) => a.accountId).sort();
    expect(await accounts()).toEqual([current, earlier, liveEarlier].sort());

    const said: string[] = [];
    const ended = await endOlderEngineRuns(db, store, (m) => said.push(m));
    expect(ended.map((r) => r.runId).sort()).toEqual([earlier, liveEarlier].sort());
    for (const r of ended) expect(r.lastAt).toBe(Date.parse('2023-03-08T00:00:00Z'));
    expect(said.join('\n')).toMatch(/written by an earlier engine \(log version 1\); ended where it stood/);
    // Started again before the read models caught up: each is found ended in its stream, not ended twice.
    const again = await endOlderEngineRuns(db, store, () => {});
    expect(again.map((r) => r.runId).sort()).toEqual([earlier, liveEarlier].sort());
    for (const runId of [earlier, liveEarlier])
      expect((await store.readStream(`run-${runId}`)).filter((e) => e.type === 'RunCompleted')).toHaveLength(
        1,
      );
    await runner.catchUpAll();
    const state = async (runId: string) =>
      (await db.selectFrom('rm_runs').select(['state']).where('run_id', '=', runId).executeTakeFirstOrThrow())
        .state;
    expect(await state(earlier)).toBe('stopped');
    expect(await state(liveEarlier)).toBe('stopped');
    expect(await state(current)).toBe('running');
    expect(await accounts()).toEqual([current]);
    // Once ended, a later start finds nothing more to end.
    expect(await endOlderEngineRuns(db, store, () => {})).toEqual([]);
  });
});
