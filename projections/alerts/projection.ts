import { sql } from 'kysely';
import type { Projection, ReadModelDb } from '../projection.js';
import { num, type Row, upsertRows } from '../support.js';
import { type AlertScope, type AlertSeverity, alertEventTypes, alertOf, severitiesFrom } from './alert-of.js';

/*
 * The alerts feed (design §11 stream/alerts, §14): one row per event that raises an alert, keyed by its
 * place in the log, so a rebuild writes the same rows and paging by position needs no other order.
 */

export const alertsProjection: Projection = {
  name: 'alerts',
  // The rows hold alertOf's words: a change to the mapping bumps this, so the runner rewrites them.
  version: 1,
  tables: ['rm_alerts'],
  types: alertEventTypes,
  async setup(db) {
    await db.schema
      .createTable('rm_alerts')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text', (c) => c.notNull())
      .execute();
    await sql`CREATE INDEX IF NOT EXISTS rm_alerts_severity ON rm_alerts (severity, global_position)`.execute(
      db,
    );
  },
  async apply(tx, events) {
    const rows: Row[] = [];
    for (const e of events) {
      const a = alertOf(e);
      if (a === null) continue;
      rows.push({
        global_position: e.globalPosition,
        event_id: e.eventId,
        type: e.type,
        severity: a.severity,
        scope: a.scope,
        subject: a.subject,
        title: a.title,
        detail: a.detail,
        occurred_at: e.metadata.occurredAt,
        correlation_id: e.metadata.correlationId,
      });
    }
    await upsertRows(tx, 'rm_alerts', ['global_position'], rows);
  },
};

export interface AlertView {
  globalPosition: number;
  eventId: string;
  type: string;
  severity: AlertSeverity;
  scope: AlertScope;
  subject: string;
  title: string;
  detail: string;
  occurredAt: string;
  correlationId: string;
}

/** Newest first; `minSeverity` keeps that severity and the worse ones. */
export const readAlerts = async (
  db: ReadModelDb,
  q: { minSeverity?: AlertSeverity; before?: number; limit: number },
): Promise<{ items: AlertView[]; next: number | null }> => {
  let s = db.selectFrom('rm_alerts').selectAll();
  if (q.minSeverity && q.minSeverity !== 'info') s = s.where('severity', 'in', severitiesFrom(q.minSeverity));
  if (q.before !== undefined) s = s.where('global_position', '<', q.before);
  // One row past the page says whether another follows: a full last page gets no cursor.
  const rows = await s
    .orderBy('global_position', 'desc')
    .limit(q.limit + 1)
    .execute();
  const items = rows.slice(0, q.limit).map(
    (r): AlertView => ({
      globalPosition: num(r.global_position),
      eventId: String(r.event_id),
      type: String(r.type),
      severity: r.severity as AlertSeverity,
      scope: r.scope as AlertScope,
      subject: String(r.subject),
      title: String(r.title),
      detail: String(r.detail),
      occurredAt: String(r.occurred_at),
      correlationId: String(r.correlation_id),
    }),
  );
  return { items, next: rows.length > q.limit ? items[items.length - 1]!.globalPosition : null };
};
