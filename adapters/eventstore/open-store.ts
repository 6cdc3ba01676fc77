import { join } from 'node:path';
import { catalogue as defaultCatalogue } from '../../domain/catalogue.js';
import type { EventCatalogue } from '../../domain/events/catalogue.js';
import { createPgClient } from '../sql/pg-client.js';
import { createPgliteClient } from '../sql/pglite-client.js';
import { type AnyDb, kyselyFor, type SqlClient } from '../sql/sql-client.js';
import { type MigrationReport, migrate } from './migrations.js';
import { SqlEventStore } from './sql-event-store.js';

export interface StoreConfig {
  /** A PostgreSQL server; when absent the embedded store is used. */
  readonly databaseUrl?: string;
  /** Embedded store directory; `:memory:` keeps it in memory. */
  readonly dataDir?: string;
  readonly schema?: string;
  readonly catalogue?: EventCatalogue;
}

export interface OpenedStore {
  readonly store: SqlEventStore;
  readonly client: SqlClient;
  readonly db: AnyDb;
  readonly kind: 'pglite' | 'postgres';
  readonly location: string;
  readonly migrations: MigrationReport;
  close(): Promise<void>;
}

export const storeConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): StoreConfig => ({
  ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  dataDir: env.DATA_DIR ?? '.data',
  ...(env.PERPETUA_SCHEMA ? { schema: env.PERPETUA_SCHEMA } : {}),
});

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/**
 * Every in-memory store of a process starts as a copy of one empty, migrated cluster made at its first
 * open: initdb and the migrations take about 3 s a store, loading the copy about 0.6 s, and a test run
 * opens hundreds. The migrations still run on each copy, so a copy made before a new migration is
 * brought up to date like any store.
 */
let memoryTemplate: Promise<Blob> | undefined;
const emptyMigratedCluster = (): Promise<Blob> => {
  memoryTemplate ??= (async () => {
    const client = await createPgliteClient();
    const db = kyselyFor(client);
    try {
      await migrate(db);
      return await client.dump();
    } finally {
      await db.destroy();
      await client.close();
    }
  })().catch((err: unknown) => {
    memoryTemplate = undefined;
    throw err;
  });
  return memoryTemplate;
};

/** Opens the log (server or embedded), applies migrations, and returns it with a kysely handle. */
export const openStore = async (config: StoreConfig): Promise<OpenedStore> => {
  const client = config.databaseUrl
    ? await createPgClient({
        connectionString: config.databaseUrl,
        ...(config.schema ? { schema: config.schema } : {}),
      })
    : config.dataDir === ':memory:'
      ? await createPgliteClient({ from: await emptyMigratedCluster() })
      : await createPgliteClient({ dataDir: join(config.dataDir ?? '.data', 'pglite') });
  const db = kyselyFor(client);
  try {
    const migrations = await migrate(db, config.databaseUrl ? config.schema : undefined);
    const store = new SqlEventStore(client, { catalogue: config.catalogue ?? defaultCatalogue() });
    return {
      store,
      client,
      db,
      kind: client.kind,
      location: config.databaseUrl
        ? redact(config.databaseUrl) + (config.schema ? ` (schema ${config.schema})` : '')
        : config.dataDir === ':memory:'
          ? 'in memory'
          : join(config.dataDir ?? '.data', 'pglite'),
      migrations,
      close: async () => {
        await db.destroy();
        await client.close();
      },
    };
  } catch (err) {
    await client.close();
    throw err;
  }
};
