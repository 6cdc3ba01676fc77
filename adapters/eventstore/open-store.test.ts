import { describe, expect, it } from 'vitest';
import { signal } from '../testing/events.js';
import { openStore } from './open-store.js';

describe('openStore in memory', () => {
  it('gives each store its own empty, migrated log, though all start from one copy', async () => {
    const a = await openStore({ dataDir: ':memory:' });
    const b = await openStore({ dataDir: ':memory:' });
    try {
      await a.store.append('s-1', 'no_stream', [signal(0), signal(1)]);
      expect((await a.store.readStream('s-1')).length).toBe(2);
      // Nothing written to one reaches the other, nor a store opened after the write.
      expect(await b.store.readStream('s-1')).toEqual([]);
      const c = await openStore({ dataDir: ':memory:' });
      try {
        expect(await c.store.readStream('s-1')).toEqual([]);
        // Every migration is in the copy already: none is applied again.
        expect(c.migrations.applied).toEqual([]);
        expect(c.migrations.all.length).toBeGreaterThan(0);
        await c.store.append('s-1', 'no_stream', [signal(2)]);
        expect((await c.store.readStream('s-1')).map((e) => e.globalPosition)).toEqual([1]);
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});
