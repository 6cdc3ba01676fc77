import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { allProjections } from '../../projections/index.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { persistRun } from '../../replay/audit/persist.js';

/**
 * What the next process finds of a run an earlier one drove: its events in an embedded main log, and the
 * read models caught up with them. The caller closes `opened`; `runner` catches up after more appends.
 */
export const projectedRun = async (
  events: readonly StoredEvent[],
): Promise<{ opened: OpenedStore; runner: ProjectionRunner }> => {
  const opened = await openStore({ dataDir: ':memory:' });
  const runner = new ProjectionRunner(opened.store, opened.db, allProjections());
  await runner.prepare();
  await persistRun(events, opened.store);
  await runner.catchUpAll();
  return { opened, runner };
};
