import { sql } from 'kysely';
import { streamCategory } from '../../domain/events/envelope.js';
import type { Projection } from '../projection.js';

export interface EventCountRow {
  category: string;
  type: string;
  events: number;
  first_position: number;
  last_position: number;
}

/**
 * How many events of each type each stream category holds: the operator's first look at a log
 * ("are fills arriving? did the optimizer promote anything today?") and the runner's smoke test.
 */
export const eventCounts: Projection = {
  name: 'event-counts',
  version: 1,
  tables: ['rm_event_counts'],
  async setup(db) {
    await db.schema
      .createTable('rm_event_counts')
      .ifNotExists()
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('events', 'bigint', (c) => c.notNull())
      .addColumn('first_position', 'bigint', (c) => c.notNull())
      .addColumn('last_position', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('rm_event_counts_pk', ['category', 'type'])
      .execute();
  },
  async apply(tx, events) {
    const acc = new Map<string, EventCountRow>();
    for (const e of events) {
      const category = streamCategory(e.streamId);
      const key = `${category}\u0000${e.type}`;
      const row = acc.get(key);
      if (row) {
        row.events++;
        row.last_position = e.globalPosition;
      } else {
        acc.set(key, {
          category,
          type: e.type,
          events: 1,
          first_position: e.globalPosition,
          last_position: e.globalPosition,
        });
      }
    }
    await tx
      .insertInto('rm_event_counts')
      .values([...acc.values()])
      .onConflict((oc) =>
        oc.columns(['category', 'type']).doUpdateSet({
          events: sql`rm_event_counts.events + excluded.events`,
          last_position: sql`excluded.last_position`,
        }),
      )
      .execute();
  },
};

export const readEventCounts = async (db: Parameters<Projection['setup']>[0]): Promise<EventCountRow[]> =>
  (await db.selectFrom('rm_event_counts').selectAll().orderBy('category').orderBy('type').execute()).map(
    (r) => ({
      category: String(r.category),
      type: String(r.type),
      events: Number(r.events),
      first_position: Number(r.first_position),
      last_position: Number(r.last_position),
    }),
  );
