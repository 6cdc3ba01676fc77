import { describe, expect, it } from 'vitest';
import { catalogue } from '../../domain/catalogue.js';
import { WrongExpectedVersionError } from '../../domain/events/errors.js';
import { signal } from '../testing/events.js';
import { eventStoreContract } from './contract.js';
import { MemoryEventStore } from './memory-event-store.js';

eventStoreContract('in-memory', async () => ({
  store: new MemoryEventStore({ catalogue: catalogue() }),
  close: async () => {},
}));

describe('in-memory store: trusted appends and its lazy indexes', () => {
  it('an append, a stream read and an id lookup after trusted appends see them, in order and versioned', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const schemaVersion = catalogue().definition('SignalEmitted')!.schemaVersion;
    const trusted = (stream: string, version: number, n: number) => {
      const e = signal(n);
      const metadata = { ...e.metadata, recordedAt: store.recordedAtNow() };
      store.appendTrusted(stream, version, { ...e, schemaVersion, metadata });
      return e;
    };
    const a1 = trusted('s-a', 1, 1);
    trusted('s-b', 1, 2);
    const a2 = trusted('s-a', 2, 3);
    // The stream index catches up before the expected version is checked.
    await expect(store.append('s-a', 1, [signal(4)])).rejects.toThrow(WrongExpectedVersionError);
    const r = await store.append('s-a', 2, [signal(5)]);
    expect(r.nextExpectedVersion).toBe(3);
    expect((await store.readStream('s-a')).map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect((await store.readById(a2.eventId))?.globalPosition).toBe(3);
    // A retried trusted event is recognised as a duplicate by a later validated append.
    const again = await store.append('s-a', 'any', [a1]);
    expect(again.duplicate).toBe(true);
    // Trusted appends after the indexes caught up are picked up by the next reader too.
    trusted('s-b', 2, 6);
    expect((await store.readStream('s-b')).map((e) => e.streamVersion)).toEqual([1, 2]);
    // A view of the same log under another catalogue shares the indexes' progress.
    const view = store.withCatalogue(catalogue());
    trusted('s-c', 1, 7);
    expect((await view.readStream('s-c')).length).toBe(1);
    expect((await store.readStream('s-c')).length).toBe(1);
    expect(await store.headPosition()).toBe(6);
  });

  it('lets go of a copied prefix: positions go on, reads and checked appends refuse, saying why', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const schemaVersion = catalogue().definition('SignalEmitted')!.schemaVersion;
    const trusted = (version: number) => {
      const e = signal(version);
      const metadata = { ...e.metadata, recordedAt: store.recordedAtNow() };
      return store.appendTrusted('s-a', version, { ...e, schemaVersion, metadata });
    };
    for (let v = 1; v <= 5; v++) trusted(v);
    store.release(3);
    expect(store.released).toBe(3);
    expect(store.raw().map((e) => e.globalPosition)).toEqual([4, 5]);
    expect(trusted(6).globalPosition).toBe(6);
    expect(store.total).toBe(6);
    expect(await store.headPosition()).toBe(6);
    // Releasing less than before, or more than is held, keeps what it must.
    store.release(2);
    expect(store.released).toBe(3);
    store.release(99);
    expect(store.released).toBe(6);
    expect(store.raw()).toEqual([]);
    expect(trusted(7).globalPosition).toBe(7);
    await expect(store.readStream('s-a')).rejects.toThrow(
      /released its first 6 events .*: read the main store/,
    );
    await expect(store.readById('x')).rejects.toThrow(/read the main store/);
    await expect(store.append('s-a', 'any', [signal(8)])).rejects.toThrow(/append the main store/);
  });
});
