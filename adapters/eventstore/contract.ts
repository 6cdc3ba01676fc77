import { uuidv7 } from 'uuidv7';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogue as defaultCatalogue } from '../../domain/catalogue.js';
import { EventCatalogue } from '../../domain/events/catalogue.js';
import { defineEvent } from '../../domain/events/define-event.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import {
  EventSchemaError,
  IdempotencyConflictError,
  InvalidAppendError,
  UnknownEventTypeError,
  WrongExpectedVersionError,
} from '../../domain/events/errors.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import { meta, signal } from '../testing/events.js';

export interface ContractStore extends EventStore, EventLookup {
  withCatalogue(catalogue: EventCatalogue): EventStore;
}

export interface ContractFixture {
  readonly store: ContractStore;
  close(): Promise<void>;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One contract, every adapter: PGlite, PostgreSQL server and in-memory all run exactly this. */
export const eventStoreContract = (name: string, open: () => Promise<ContractFixture>): void => {
  describe(`EventStore contract: ${name}`, () => {
    let fx: ContractFixture;
    let store: ContractStore;
    beforeEach(async () => {
      fx = await open();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.close();
    });

    it('appends and reads back the full envelope', async () => {
      const events = [signal(1), signal(2)];
      const r = await store.append('strategy-trend', 'no_stream', events);
      expect(r).toMatchObject({ nextExpectedVersion: 2, duplicate: false });
      expect(r.globalPositions).toHaveLength(2);
      const read = await store.readStream('strategy-trend');
      expect(read.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
      const first = read[0]!;
      expect(first).toMatchObject({
        streamId: 'strategy-trend',
        streamVersion: 1,
        globalPosition: r.globalPositions[0],
        type: 'SignalEmitted',
        schemaVersion: 2,
        data: events[0]!.data,
      });
      expect(first.metadata).toMatchObject(meta());
      expect(Number.isNaN(Date.parse(first.metadata.recordedAt))).toBe(false);
      expect(read[1]!.globalPosition).toBeGreaterThan(first.globalPosition);
      expect(await store.headPosition()).toBe(r.globalPositions[1]);
      // What the API and reports serialise: every envelope field, whatever the adapter's object is.
      expect(JSON.parse(JSON.stringify(first))).toEqual({
        eventId: events[0]!.eventId,
        streamId: 'strategy-trend',
        streamVersion: 1,
        globalPosition: r.globalPositions[0],
        type: 'SignalEmitted',
        schemaVersion: 2,
        data: events[0]!.data,
        metadata: { ...meta(), recordedAt: first.metadata.recordedAt },
      });
    });

    it('checks every kind of expected version and reports the actual one', async () => {
      await expect(store.append('s-1', 'exists', [signal(0)])).rejects.toMatchObject({
        name: 'WrongExpectedVersionError',
        actual: 0,
      });
      await store.append('s-1', 'no_stream', [signal(1)]);
      const err = await store.append('s-1', 'no_stream', [signal(2)]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WrongExpectedVersionError);
      expect(err).toMatchObject({ streamId: 's-1', expected: 'no_stream', actual: 1 });
      await expect(store.append('s-1', 5, [signal(3)])).rejects.toMatchObject({ actual: 1, expected: 5 });
      await expect(store.append('s-1', 0, [signal(3)])).rejects.toMatchObject({ actual: 1 });
      await store.append('s-1', 1, [signal(4)]);
      await store.append('s-1', 'exists', [signal(5)]);
      await store.append('s-1', 'any', [signal(6)]);
      await store.append('s-2', 0, [signal(7)]);
      expect((await store.readStream('s-1')).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4]);
      await expect(store.append('s-1', -1, [signal(8)])).rejects.toBeInstanceOf(InvalidAppendError);
      await expect(store.append('', 'any', [signal(8)])).rejects.toBeInstanceOf(InvalidAppendError);
      await expect(store.append('s-1', 'any', [])).rejects.toBeInstanceOf(InvalidAppendError);
    });

    it('8 writers racing on one stream: exactly one wins each version, no lost update', async () => {
      const rounds = 12;
      const wins: { version: number; eventId: string }[] = [];
      let conflicts = 0;
      const writer = async (w: number) => {
        for (let i = 0; i < rounds; i++) {
          const current = (await store.readStream('race-1')).length;
          const e = signal(w * 1000 + i);
          try {
            const r = await store.append('race-1', current, [e]);
            wins.push({ version: r.nextExpectedVersion, eventId: e.eventId });
          } catch (err) {
            if (!(err instanceof WrongExpectedVersionError)) throw err;
            expect(err.actual).toBeGreaterThan(current);
            conflicts++;
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      const read = await store.readStream('race-1');
      expect(read.map((e) => e.streamVersion)).toEqual(read.map((_, i) => i + 1));
      expect(new Set(wins.map((w) => w.version)).size).toBe(wins.length);
      expect(read.length).toBe(wins.length);
      const byVersion = new Map(read.map((e) => [e.streamVersion, e.eventId]));
      for (const w of wins) expect(byVersion.get(w.version)).toBe(w.eventId);
      expect(wins.length + conflicts).toBe(8 * rounds);
    });

    it('many writers on many streams with a tailing reader: every event seen once, in order', async () => {
      const writers = 6;
      const appendsPerWriter = 25;
      const abort = new AbortController();
      const seen: RecordedEvent[] = [];
      const written = new Set<string>();
      let total = 0;
      const reader = (async () => {
        for await (const e of store.subscribe({ from: 0, batchSize: 7, signal: abort.signal })) {
          seen.push(e);
          if (total > 0 && seen.length >= total) break;
        }
      })();
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < appendsPerWriter; i++) {
            const batch = Array.from({ length: 1 + ((w + i) % 4) }, (_, k) =>
              signal(w * 10_000 + i * 10 + k),
            );
            await store.append(`stream-${w}-${i % 5}`, 'any', batch);
            for (const e of batch) written.add(e.eventId);
          }
        }),
      );
      total = written.size;
      await Promise.race([reader, settle(20_000)]);
      abort.abort();
      await reader;
      expect(seen.length).toBe(total);
      expect(new Set(seen.map((e) => e.eventId))).toEqual(written);
      for (let i = 1; i < seen.length; i++)
        expect(seen[i]!.globalPosition).toBeGreaterThan(seen[i - 1]!.globalPosition);
    });

    it('resumes a subscription from a position and filters by type', async () => {
      const a = await store.append('s-r', 'no_stream', [signal(1), signal(2), signal(3)]);
      const abort = new AbortController();
      const got: RecordedEvent[] = [];
      for await (const e of store.subscribe({ from: a.globalPositions[0]!, signal: abort.signal })) {
        got.push(e);
        if (got.length === 2) break;
      }
      expect(got.map((e) => e.globalPosition)).toEqual(a.globalPositions.slice(1));
      const none: RecordedEvent[] = [];
      const ab2 = new AbortController();
      setTimeout(() => ab2.abort(), 300);
      for await (const e of store.subscribe({ from: 0, types: ['NodeStarted'], signal: ab2.signal }))
        none.push(e);
      expect(none).toEqual([]);
    });

    it('an idempotent retry returns the original result and writes nothing', async () => {
      await store.append('s-i', 'no_stream', [signal(0)]);
      const batch = [signal(1), signal(2), signal(3)];
      const first = await store.append('s-i', 1, batch);
      const head = await store.headPosition();
      const again = await store.append('s-i', 1, batch);
      expect(again).toEqual({ ...first, duplicate: true });
      const anyRetry = await store.append('s-i', 'any', batch);
      expect(anyRetry.globalPositions).toEqual(first.globalPositions);
      expect(await store.headPosition()).toBe(head);
      expect(await store.readStream('s-i')).toHaveLength(4);
    });

    it('an event id in upper case is the same id: stored in lower case, and a retry in either case is idempotent', async () => {
      const e = signal(1);
      const upper = { ...e, eventId: e.eventId.toUpperCase() };
      const first = await store.append('s-case', 'no_stream', [upper]);
      const [read] = await store.readStream('s-case');
      expect(read!.eventId).toBe(e.eventId);
      expect(await store.append('s-case', 'no_stream', [e])).toEqual({ ...first, duplicate: true });
      expect(await store.append('s-case', 'no_stream', [upper])).toEqual({ ...first, duplicate: true });
      expect(await store.readStream('s-case')).toHaveLength(1);
    });

    it('a reused event id with other content, stream or batch is an error and writes nothing', async () => {
      const e = signal(1);
      await store.append('s-d', 'no_stream', [e]);
      const head = await store.headPosition();
      const changed = { ...e, data: { ...(e.data as object), strength: 0.9 } };
      await expect(store.append('s-d', 0, [changed])).rejects.toBeInstanceOf(IdempotencyConflictError);
      await expect(store.append('s-other', 'any', [e])).rejects.toBeInstanceOf(IdempotencyConflictError);
      await expect(store.append('s-d', 'any', [signal(2), e])).rejects.toBeInstanceOf(
        IdempotencyConflictError,
      );
      const dup = signal(3);
      await expect(store.append('s-d', 'any', [dup, dup])).rejects.toBeInstanceOf(InvalidAppendError);
      expect(await store.headPosition()).toBe(head);
      expect(await store.readStream('s-other')).toEqual([]);
    });

    it('refuses data that fails its schema with zod issues, writing nothing of the batch', async () => {
      const bad = signal(2, { strength: 7, side: 'sideways' });
      const err = await store.append('s-v', 'any', [signal(1), bad]).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(EventSchemaError);
      expect((err as Error).message).toMatch(/event #1 of type SignalEmitted/);
      expect((err as Error).message).toMatch(/data\.strength/);
      expect((err as Error).message).toMatch(/data\.side/);
      const badMeta = { ...signal(3), metadata: { ...meta(), actor: 'bob' } };
      await expect(store.append('s-v', 'any', [badMeta])).rejects.toThrow(/metadata\.actor/);
      await expect(store.append('s-v', 'any', [{ ...signal(4), eventId: 'not-a-uuid' }])).rejects.toThrow(
        /UUID v7/,
      );
      await expect(store.append('s-v', 'any', [{ ...signal(5), type: 'Nope' }])).rejects.toBeInstanceOf(
        UnknownEventTypeError,
      );
      expect(await store.readStream('s-v')).toEqual([]);
      expect(await store.headPosition()).toBe(0);
    });

    it('appendAll writes every batch or none, and its retry is idempotent', async () => {
      const a = [signal(1), signal(2)];
      const b = [signal(3)];
      // The second batch's expectation fails: nothing of the first is written either.
      await expect(
        store.appendAll([
          { streamId: 'all-a', expectedVersion: 'no_stream', events: a },
          { streamId: 'all-b', expectedVersion: 5, events: b },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(await store.readStream('all-a')).toEqual([]);
      const batches = [
        { streamId: 'all-a', expectedVersion: 'no_stream' as const, events: a },
        { streamId: 'all-b', expectedVersion: 'no_stream' as const, events: b },
      ];
      const done = await store.appendAll(batches);
      expect(done.map((r) => r.nextExpectedVersion)).toEqual([2, 1]);
      // In order; a SQL store's rolled-back attempt may have left a hole in the positions before them.
      const positions = done.flatMap((r) => r.globalPositions);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      const again = await store.appendAll(batches);
      expect(again.flatMap((r) => r.globalPositions)).toEqual(positions);
      expect((await store.readStream('all-a')).map((e) => e.eventId)).toEqual(a.map((e) => e.eventId));
      expect((await store.readStream('all-b')).map((e) => e.eventId)).toEqual(b.map((e) => e.eventId));
    });

    it('refuses text with a NUL character anywhere in data or metadata, writing nothing', async () => {
      // PostgreSQL text cannot hold NUL; every adapter refuses it so a log is portable between them.
      const inData = signal(1, { features: { note: 'a\u0000b' } });
      const err = await store.append('s-nul', 'any', [signal(2), inData]).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(EventSchemaError);
      expect((err as Error).message).toMatch(/data\.features\.note: text may not contain NUL/);
      const inMeta = { ...signal(3), metadata: { ...meta(), correlationId: 'c\u0000' } };
      await expect(store.append('s-nul', 'any', [inMeta])).rejects.toThrow(/metadata\.correlationId/);
      expect(await store.readStream('s-nul')).toEqual([]);
      expect(await store.headPosition()).toBe(0);
    });

    it('upcasts old schema versions on read', async () => {
      const v1 = defineEvent({
        type: 'SignalEmitted',
        schema: z.object({
          strategy: z.string(),
          observation: z.object({ symbol: z.string(), timeframe: z.string(), openTime: z.number() }),
          side: z.enum(['long', 'short', 'flat']),
          strength: z.number(),
          features: z.record(z.string(), z.number()),
        }),
      });
      const old = store.withCatalogue(new EventCatalogue([v1]));
      const data = {
        strategy: 'breakout@0.9.1',
        observation: { symbol: 'ETHUSDT', timeframe: '1h', openTime: 1672531200000 },
        side: 'long',
        strength: 1,
        features: { donchian_high: 1200.5 },
      };
      await old.append('s-u', 'no_stream', [
        { eventId: uuidv7(), type: 'SignalEmitted', data, metadata: meta() },
      ]);
      const [e] = await store.readStream('s-u');
      expect(e!.schemaVersion).toBe(2);
      expect(e!.data).toEqual({
        strategyId: 'breakout',
        strategyVersion: '0.9.1',
        paramsVersion: 0,
        observation: data.observation,
        side: 'long',
        strength: 1,
        features: { donchian_high: 1200.5 },
      });
      expect((await store.readAll(0, 10))[0]!.schemaVersion).toBe(2);
    });

    it('reading an unknown type or version names the position', async () => {
      const future = defineEvent({
        type: 'SignalEmitted',
        schemaVersion: 9,
        schema: z.object({ x: z.number() }),
        upcasters: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [i + 1, (d: unknown) => d])),
      });
      const alien = defineEvent({ type: 'AlienThing', schema: z.object({ x: z.number() }) });
      const writer = store.withCatalogue(new EventCatalogue([future, alien]));
      const r1 = await writer.append('s-x', 'no_stream', [
        { eventId: uuidv7(), type: 'AlienThing', data: { x: 1 }, metadata: meta() },
      ]);
      await expect(store.readStream('s-x')).rejects.toThrow(
        new RegExp(`unknown event type: type AlienThing v1 at global position ${r1.globalPositions[0]}`),
      );
      const r2 = await writer.append('s-y', 'no_stream', [
        { eventId: uuidv7(), type: 'SignalEmitted', data: { x: 1 }, metadata: meta() },
      ]);
      await expect(store.readAll(r1.globalPositions[0]!, 10)).rejects.toThrow(
        new RegExp(`unknown schema version .*SignalEmitted v9 at global position ${r2.globalPositions[0]}`),
      );
    });

    it('finds a decision chain by correlationId and any event by id', async () => {
      const a = signal(1);
      const b = {
        ...signal(2),
        metadata: { ...signal(2).metadata, correlationId: 'obs:ETHUSDT:5m:1', causationId: a.eventId },
      };
      await store.append('s-c', 'no_stream', [a, b, signal(3)]);
      const chain = await store.readByCorrelation('obs:ETHUSDT:5m:1');
      expect(chain.map((e) => e.eventId)).toEqual([b.eventId]);
      expect((await store.readByCorrelation(a.metadata.correlationId)).length).toBe(2);
      expect((await store.readById(a.eventId))?.streamVersion).toBe(1);
      expect(await store.readById('0190a7a2-0000-7000-8000-000000000000')).toBeUndefined();
      expect(await store.readById('not-an-id')).toBeUndefined();
    });

    it('takes 10k events in one append and pages through them', async () => {
      const batch = Array.from({ length: 10_000 }, (_, i) => signal(i));
      const r = await store.append('big-1', 'no_stream', batch);
      expect(r.nextExpectedVersion).toBe(10_000);
      expect(r.globalPositions).toHaveLength(10_000);
      const page = await store.readStream('big-1', { fromVersion: 5_001, limit: 3 });
      expect(page.map((e) => e.streamVersion)).toEqual([5001, 5002, 5003]);
      expect(page[0]!.eventId).toBe(batch[5000]!.eventId);
      let pos = 0;
      let n = 0;
      for (;;) {
        const b = await store.readAll(pos, 2_500);
        if (b.length === 0) break;
        n += b.length;
        pos = b[b.length - 1]!.globalPosition;
      }
      expect(n).toBe(10_000);
    });
  });
};

export { defaultCatalogue, signal };
