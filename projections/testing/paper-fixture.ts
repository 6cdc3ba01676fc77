import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { dropPgSchema } from '../../adapters/sql/pg-client.js';
import { uniqueSchema } from '../../adapters/testing/services.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { Engine } from '../../replay/engine/engine.js';
import { loadFeeds } from '../../replay/engine/feeds.js';
import { prepareRun } from '../../replay/engine/run.js';
import { LogCopier, wholeLog } from '../../scripts/paper/copier.js';
import { allProjections } from '../index.js';
import { ProjectionRunner } from '../runner.js';

/** A short paper run on real data, its account named after the run as scripts/paper does. */
export const paperRunEvents = async (
  strategyId = 'ema-cross',
  runId = `paper-${strategyId}-test`,
  to = '2023-06-21',
): Promise<readonly StoredEvent[]> => {
  const { config } = await prepareRun({
    strategyId,
    symbols: ['BTCUSDT', 'ETHUSDT'],
    from: '2023-06-01',
    to,
    mode: 'paper',
    runId,
  });
  const engine = new Engine({ ...config, accountId: runId }, loadFeeds(config.symbols, '1h').feeds);
  engine.start();
  while (engine.step()) {}
  engine.finish('end-of-data', null);
  return engine.store.raw();
};

export interface ProjectedStore {
  opened: OpenedStore;
  runner: ProjectionRunner;
  close(): Promise<void>;
}

/** An embedded store in memory, or a fresh schema on the server when `databaseUrl` is given. */
export const projectedStore = async (
  events: readonly StoredEvent[],
  databaseUrl?: string,
  batchSize = 300,
): Promise<ProjectedStore> => {
  const schema = uniqueSchema('rm');
  const opened = await openStore(databaseUrl ? { databaseUrl, schema } : { dataDir: ':memory:' });
  await new LogCopier(
    wholeLog(() => events),
    opened.store,
  ).flush();
  // Small batches so folds continue across batch boundaries, as they do live.
  const runner = new ProjectionRunner(opened.store, opened.db, allProjections(), { batchSize });
  await runner.prepare();
  await runner.catchUpAll();
  return {
    opened,
    runner,
    close: async () => {
      await opened.close();
      if (databaseUrl) await dropPgSchema(databaseUrl, schema);
    },
  };
};
