import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { type OpenedStore, openStore, storeConfigFromEnv } from '../adapters/eventstore/open-store.js';

export const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

export const nodeId = (): string => `${hostname()}:${process.pid}`;

/** The composition root shared by every CLI: open the configured store and say which one it is. */
export const openConfiguredStore = async (say: (m: string) => void = console.log): Promise<OpenedStore> => {
  const config = storeConfigFromEnv();
  say(
    config.databaseUrl
      ? 'store: PostgreSQL server (DATABASE_URL)'
      : `store: embedded PostgreSQL (PGlite) in ${config.dataDir}`,
  );
  const opened = await openStore(config);
  say(
    `store: open at ${opened.location}; migrations ${opened.migrations.applied.length ? `applied ${opened.migrations.applied.join(', ')}` : 'up to date'}`,
  );
  return opened;
};
