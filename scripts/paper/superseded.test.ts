import { afterEach, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { readAccounts, readHeatmap, readPositions } from '../../adapters/http/views.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import type { Engine } from '../../replay/engine/engine.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import type { LogCopier } from './copier.js';
import { PaperSession } from './session.js';
import { closeOutSuperseded, latestPaperStart, supersededPaperRuns } from './superseded.js';

/**
 * A strategy's symbol set changes across a restart (a symbol whitelisted on the hotlist joins): the run on
 * the old set is ended with the engine's own events (flat, completed as stopped) and left out of the views
 * of live accounts, and the run on the new set carries the clock on from where the old one was.
 */
let opened: OpenedStore | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});

const DAY = 86_400_000;

describe('a paper run superseded by another symbol set', () => {
  it('is closed out and ended, left out of the live views, and the next run carries the clock on', async () => {
    opened = await openStore({ dataDir: ':memory:' });
    const { store, db } = opened;
    const runner = new ProjectionRunner(store, db, allProjections());
    await runner.prepare();
    const book = await instrumentBookOnce();
    const ctx = { instrument: book.get, rules: binanceUsdm };
    const oldSymbols = ['BTCUSDT', 'ETHUSDT'];
    const newSymbols = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'];
    const base = { strategyId: 'vol-breakout', from: '2023-11-15', warmupDays: 5, speed: 1, store };

    // The earlier process: the run on the old set, stopped (a restart) while it holds a position.
    const old = new PaperSession({ ...base, symbols: oldSymbols });
    await old.prepare();
    await old.fastForward();
    const engine = (old as unknown as { engine: Engine }).engine;
    const from = Date.parse('2023-11-15T00:00:00Z');
    while (engine.nextTime() < from + 3 * DAY && engine.step()) {}
    // Until it holds a position (an order sent and not yet filled is not one).
    const holds = () => oldSymbols.some((x) => engine.position(x) !== 0);
    while (!holds() && engine.nextTime() < from + 20 * DAY && engine.step()) {}
    expect(holds()).toBe(true);
    const oldClock = old.simTime;
    await (old as unknown as { copier: LogCopier }).copier.flush();
    await runner.catchUpAll();
    // Without a close-out, its positions are listed as live, their stops armed.
    expect((await readPositions(db, ctx, () => null)).some((p) => p.accountId === old.runId)).toBe(true);

    // The next process trades the new set: the old run is superseded, a run on the same set is not.
    expect(await supersededPaperRuns(db, 'vol-breakout', oldSymbols)).toEqual([]);
    const superseded = await supersededPaperRuns(db, 'vol-breakout', newSymbols);
    expect(superseded.map((r) => [r.runId, r.from, r.symbols])).toEqual([
      [old.runId, '2023-11-15', oldSymbols],
    ]);
    const said: string[] = [];
    const reached = await closeOutSuperseded(superseded[0]!, {
      store,
      warmupDays: 5,
      symbols: newSymbols,
      log: (m) => said.push(m),
    });
    expect(said.join('\n')).toContain('its positions closed');
    expect(reached).toBeGreaterThanOrEqual(oldClock);
    expect(reached - oldClock).toBeLessThan(DAY);
    await runner.catchUpAll();

    // Ended with the engine's events: benched for the new set, flat, completed as stopped.
    const events = (await store.readStream(`run-${old.runId}`)).map((e) => e.type);
    expect(events.at(-1)).toBe('RunCompleted');
    const run = await db
      .selectFrom('rm_runs')
      .select(['state'])
      .where('run_id', '=', old.runId)
      .executeTakeFirstOrThrow();
    expect(run.state).toBe('stopped');
    const held = await db
      .selectFrom('rm_ledger_positions')
      .innerJoin('rm_ledger_accounts', 'rm_ledger_accounts.stream', 'rm_ledger_positions.stream')
      .select(['rm_ledger_positions.quantity'])
      .where('rm_ledger_accounts.account_id', '=', old.runId)
      .execute();
    expect(held.every((p) => Number(p.quantity) === 0)).toBe(true);
    // No view of live accounts counts it any more; asked for by its id, its account is still there.
    expect((await readPositions(db, ctx, () => null)).some((p) => p.accountId === old.runId)).toBe(false);
    expect((await readAccounts(db, ctx, () => null)).some((a) => a.accountId === old.runId)).toBe(false);
    expect((await readAccounts(db, ctx, () => null)).length).toBe(0);
    expect(await readHeatmap(db, () => null)).toEqual([]);
    expect((await readPositions(db, ctx, () => null, old.runId)).length).toBe(0);
    expect(await supersededPaperRuns(db, 'vol-breakout', newSymbols)).toEqual([]);

    // The run on the new set starts where the old one ended: the clock does not go back.
    const day = new Date(reached).toISOString().slice(0, 10);
    const next = new PaperSession({ ...base, symbols: newSymbols, from: day, catchUpTo: () => reached + 1 });
    await next.prepare();
    await next.fastForward();
    expect(next.simTime).toBeGreaterThanOrEqual(reached);
    const nextEngine = (next as unknown as { engine: Engine }).engine;
    nextEngine.step();
    await (next as unknown as { copier: LogCopier }).copier.flush();
    await runner.catchUpAll();
    // The next start resumes it rather than open another run from PAPER_FROM.
    expect(await latestPaperStart(db, 'vol-breakout', newSymbols, '2023-11-15')).toBe(day);
    expect(await latestPaperStart(db, 'vol-breakout', oldSymbols, '2023-11-15')).toBe(null);
    expect((await readAccounts(db, ctx, () => null)).map((a) => a.accountId)).toEqual([next.runId]);
  }, 120_000);
});
