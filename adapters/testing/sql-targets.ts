import { type OpenedStore, openStore } from '../eventstore/open-store.js';
import { dropPgSchema } from '../sql/pg-client.js';
import { serviceUrl, uniqueSchema } from './services.js';

/** A SQL store a test suite opens once and closes after. */
export interface SqlTarget {
  readonly name: 'PGlite' | 'PostgreSQL';
  readonly open: () => Promise<{ opened: OpenedStore; close: () => Promise<void> }>;
}

export const pgliteTarget: SqlTarget = {
  name: 'PGlite',
  open: async () => {
    const opened = await openStore({ dataDir: ':memory:' });
    return { opened, close: () => opened.close() };
  },
};

/** The PostgreSQL server at DATABASE_URL, in a fresh schema named after `prefix`; null when unset. */
export const postgresTarget = (prefix: string): SqlTarget | null => {
  const url = serviceUrl('DATABASE_URL');
  if (!url) return null;
  return {
    name: 'PostgreSQL',
    open: async () => {
      const schema = uniqueSchema(prefix);
      const opened = await openStore({ databaseUrl: url, schema });
      return {
        opened,
        close: async () => {
          await opened.close();
          await dropPgSchema(url, schema);
        },
      };
    },
  };
};

/** Every SQL adapter the suite can reach: PGlite always, PostgreSQL when DATABASE_URL is set. */
export const sqlTargets = (prefix: string): SqlTarget[] => {
  const pg = postgresTarget(prefix);
  return pg ? [pgliteTarget, pg] : [pgliteTarget];
};
