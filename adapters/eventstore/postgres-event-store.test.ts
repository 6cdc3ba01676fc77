import { describe, expect, it } from 'vitest';
import { dropPgSchema } from '../sql/pg-client.js';
import { serviceUrl, uniqueSchema } from '../testing/services.js';
import { eventStoreContract, signal } from './contract.js';
import { openStore } from './open-store.js';

const url = serviceUrl('DATABASE_URL');

if (url) {
  eventStoreContract('PostgreSQL server', async () => {
    const schema = uniqueSchema('contract');
    const opened = await openStore({ databaseUrl: url, schema });
    return {
      store: opened.store,
      close: async () => {
        await opened.close();
        await dropPgSchema(url, schema);
      },
    };
  });
} else {
  describe.skip('EventStore contract: PostgreSQL server (set DATABASE_URL to run)', () => {
    it('needs DATABASE_URL', () => {});
  });
}

describe.runIf(Boolean(url))('PostgreSQL server: no gap fills in later', () => {
  it('an append that commits late holds back the next one, so a tail never skips it', async () => {
    const schema = uniqueSchema('gap');
    const opened = await openStore({ databaseUrl: url!, schema });
    const slow = await opened.client.connect();
    try {
      await slow.query('BEGIN');
      const payload = JSON.stringify([{ ...signal(1), schemaVersion: 2 }]);
      await slow.query('SELECT * FROM perpetua_append($1, $2, $3, $4::json, $5::text[], now())', [
        'slow-1',
        'any',
        0,
        payload,
        ['00'],
      ]);
      // A second writer starts while the first is uncommitted: it must not become visible first.
      const fast = opened.store.append('fast-1', 'any', [signal(2)]);
      await new Promise((r) => setTimeout(r, 300));
      const early = await opened.store.readAll(0, 10);
      await slow.query('COMMIT');
      expect(early).toEqual([]);
      await fast;
      const all = await opened.store.readAll(0, 10);
      expect(all.map((e) => e.streamId)).toEqual(['slow-1', 'fast-1']);
      expect(all[1]!.globalPosition).toBeGreaterThan(all[0]!.globalPosition);
    } finally {
      await slow.query('ROLLBACK').catch(() => {});
      slow.release();
      await opened.close();
      await dropPgSchema(url!, schema);
    }
  });
});
