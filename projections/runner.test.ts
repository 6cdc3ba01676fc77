import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../adapters/eventstore/open-store.js';
import { signal } from '../adapters/testing/events.js';
import { sqlTargets } from '../adapters/testing/sql-targets.js';
import type { EventStore } from '../domain/events/event-store.js';
import { eventCounts, readEventCounts } from './event-counts/projection.js';
import type { Projection } from './projection.js';
import { ProjectionRunner } from './runner.js';

/** A projection with a per-event side effect, so a failure mid-batch leaves half-written rows to roll back. */
const streamHeads = (failAt: { remaining: number } | null): Projection => ({
  name: 'stream-heads',
  version: 1,
  tables: ['rm_test_stream_heads'],
  async setup(db) {
    await db.schema
      .createTable('rm_test_stream_heads')
      .ifNotExists()
      .addColumn('stream_id', 'text', (c) => c.primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('seen', 'integer', (c) => c.notNull())
      .execute();
  },
  async apply(tx, events) {
    for (const e of events) {
      if (failAt && failAt.remaining-- === 0) throw new Error('injected failure');
      await sql`INSERT INTO rm_test_stream_heads (stream_id, version, seen) VALUES (${e.streamId}, ${e.streamVersion}, 1)
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, seen = rm_test_stream_heads.seen + 1`.execute(
        tx,
      );
    }
  },
});

const seed = async (store: EventStore, streams: number, perStream: number) => {
  for (let s = 0; s < streams; s++) {
    for (let i = 0; i < perStream; i += 7) {
      const n = Math.min(7, perStream - i);
      await store.append(
        `${s % 2 ? 'strategy' : 'order'}-${s}`,
        'any',
        Array.from({ length: n }, (_, k) => signal(i + k)),
      );
    }
  }
};

const heads = async (o: OpenedStore) =>
  (await o.db.selectFrom('rm_test_stream_heads').selectAll().orderBy('stream_id').execute()).map((r) => ({
    ...r,
  }));

const runnerSuite = (
  name: string,
  open: () => Promise<{ opened: OpenedStore; close: () => Promise<void> }>,
) => {
  describe(`projection runner on ${name}`, () => {
    let opened: OpenedStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ opened, close } = await open());
    });
    afterEach(async () => close());

    it('folds the log into event counts and reports zero lag', async () => {
      await seed(opened.store, 5, 30);
      const runner = new ProjectionRunner(opened.store, opened.db, [eventCounts], { batchSize: 16 });
      await runner.prepare();
      expect(await runner.catchUp('event-counts')).toBe(150);
      expect(await readEventCounts(opened.db)).toEqual([
        {
          category: 'order',
          type: 'SignalEmitted',
          events: 90,
          first_position: 1,
          last_position: expect.any(Number),
        },
        {
          category: 'strategy',
          type: 'SignalEmitted',
          events: 60,
          first_position: 31,
          last_position: expect.any(Number),
        },
      ]);
      const [st] = await runner.status();
      expect(st).toMatchObject({ name: 'event-counts', position: 150, head: 150, lag: 0, storedVersion: 1 });
      await opened.store.append('order-9', 'any', [signal(1)]);
      expect(await runner.catchUp('event-counts')).toBe(1);
      expect((await readEventCounts(opened.db))[0]!.events).toBe(91);
    });

    it('a failure injected mid-batch and a restart leave the read model as if it never failed', async () => {
      await seed(opened.store, 6, 40);
      const failing = new ProjectionRunner(opened.store, opened.db, [streamHeads({ remaining: 45 })], {
        batchSize: 20,
      });
      await failing.prepare();
      await expect(failing.catchUp('stream-heads')).rejects.toThrow('injected failure');
      const [mid] = await failing.status();
      expect(mid!.position).toBe(40);
      // restart: a new runner (a new process, as far as the read model can tell)
      const restarted = new ProjectionRunner(opened.store, opened.db, [streamHeads(null)], { batchSize: 20 });
      await restarted.prepare();
      await restarted.catchUp('stream-heads');
      const afterFailure = await heads(opened);
      await restarted.rebuild('stream-heads');
      expect(await heads(opened)).toEqual(afterFailure);
      expect(afterFailure).toHaveLength(6);
      for (const h of afterFailure) expect(h).toMatchObject({ version: 40, seen: 40 });
    });

    it('rebuild from 0 gives the same tables, and a version bump rebuilds on prepare', async () => {
      await seed(opened.store, 3, 21);
      const runner = new ProjectionRunner(opened.store, opened.db, [eventCounts]);
      await runner.prepare();
      await runner.catchUp('event-counts');
      const before = await readEventCounts(opened.db);
      expect(await runner.rebuild('event-counts')).toBe(63);
      expect(await readEventCounts(opened.db)).toEqual(before);
      const bumped = new ProjectionRunner(opened.store, opened.db, [{ ...eventCounts, version: 2 }]);
      await bumped.prepare();
      expect(await readEventCounts(opened.db)).toEqual([]);
      expect((await bumped.status())[0]).toMatchObject({ position: 0, storedVersion: 2 });
      await bumped.catchUp('event-counts');
      expect(await readEventCounts(opened.db)).toEqual(before);
      await expect(bumped.catchUp('nope')).rejects.toThrow(/no projection named nope/);
    });
  });
};

for (const target of sqlTargets('proj'))
  runnerSuite(target.name === 'PostgreSQL' ? 'PostgreSQL server' : target.name, target.open);
