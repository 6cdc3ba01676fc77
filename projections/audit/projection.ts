import { sql } from 'kysely';
import type { Projection, ReadModelDb } from '../projection.js';
import { num, type Row, str, strategyOf, symbolOf, upsertRows } from '../support.js';
import { summarise } from './summary.js';

/*
 * The audit timeline: one row per event with the columns people filter on pulled out of the envelope
 * and the data.
 *
 * Index design. Every page is `WHERE <filters> AND global_position < :cursor ORDER BY global_position
 * DESC LIMIT n`. The primary key on global_position serves the unfiltered timeline as a backward index
 * scan that stops after n rows. Each equality filter (strategy, symbol, actor, type, correlation) has a
 * composite btree `(column, global_position)`: the planner seeks to `column = x AND global_position <
 * cursor` and walks backward, so a page costs n index entries whatever the table size and however
 * selective the filter, and no sort runs. With several filters the most selective index drives and the
 * rest are residual checks on the fetched rows. The time range is on `occurred_ms`: within one run
 * domain time grows with the position, so a range over a position-ordered scan is a contiguous band;
 * `(occurred_ms)` alone serves the case where only a range is given and it is narrow. Strategy and
 * symbol are nullable (system events have neither), which keeps those indexes small.
 */

const indexes: readonly [string, string][] = [
  ['rm_audit_strategy', 'strategy_id'],
  ['rm_audit_symbol', 'symbol'],
  ['rm_audit_actor', 'actor'],
  ['rm_audit_type', 'type'],
  ['rm_audit_correlation', 'correlation_id'],
];

export const auditProjection: Projection = {
  name: 'audit',
  version: 1,
  tables: ['rm_audit'],
  async setup(db) {
    await db.schema
      .createTable('rm_audit')
      .ifNotExists()
      .addColumn('global_position', 'bigint', (c) => c.primaryKey())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('stream_id', 'text', (c) => c.notNull())
      .addColumn('occurred_at', 'text', (c) => c.notNull())
      .addColumn('occurred_ms', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text', (c) => c.notNull())
      .addColumn('causation_id', 'text')
      .addColumn('strategy_id', 'text')
      .addColumn('symbol', 'text')
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute();
    for (const [name, col] of indexes) {
      await sql`CREATE INDEX IF NOT EXISTS ${sql.id(name)} ON rm_audit (${sql.id(col)}, global_position)`.execute(
        db,
      );
    }
    await sql`CREATE INDEX IF NOT EXISTS rm_audit_time ON rm_audit (occurred_ms)`.execute(db);
  },
  async apply(tx, events) {
    const rows: Row[] = events.map((e) => ({
      global_position: e.globalPosition,
      event_id: e.eventId,
      type: e.type,
      stream_id: e.streamId,
      occurred_at: e.metadata.occurredAt,
      occurred_ms: Date.parse(e.metadata.occurredAt),
      actor: e.metadata.actor,
      correlation_id: e.metadata.correlationId,
      causation_id: e.metadata.causationId,
      strategy_id: strategyOf(e),
      symbol: symbolOf(e),
      summary: summarise(e),
    }));
    await upsertRows(tx, 'rm_audit', ['global_position'], rows);
  },
};

export interface AuditQuery {
  from?: number;
  to?: number;
  strategy?: string;
  symbol?: string;
  actor?: string;
  type?: string;
  correlationId?: string;
  before?: number;
  limit: number;
}

export interface AuditItem {
  globalPosition: number;
  eventId: string;
  type: string;
  streamId: string;
  occurredAt: string;
  actor: string;
  correlationId: string;
  causationId: string | null;
  summary: string;
}

export const readAudit = async (
  db: ReadModelDb,
  q: AuditQuery,
): Promise<{ items: AuditItem[]; next: number | null }> => {
  let s = db.selectFrom('rm_audit').selectAll();
  if (q.from !== undefined) s = s.where('occurred_ms', '>=', q.from);
  if (q.to !== undefined) s = s.where('occurred_ms', '<', q.to);
  if (q.strategy) s = s.where('strategy_id', '=', q.strategy);
  if (q.symbol) s = s.where('symbol', '=', q.symbol);
  if (q.actor) s = s.where('actor', '=', q.actor);
  if (q.type) s = s.where('type', '=', q.type);
  if (q.correlationId) s = s.where('correlation_id', '=', q.correlationId);
  if (q.before !== undefined) s = s.where('global_position', '<', q.before);
  // One row past the page says whether another follows: a full last page gets no cursor.
  const rows = await s
    .orderBy('global_position', 'desc')
    .limit(q.limit + 1)
    .execute();
  const items = rows.slice(0, q.limit).map(
    (r): AuditItem => ({
      globalPosition: num(r.global_position),
      eventId: String(r.event_id),
      type: String(r.type),
      streamId: String(r.stream_id),
      occurredAt: String(r.occurred_at),
      actor: String(r.actor),
      correlationId: String(r.correlation_id),
      causationId: str(r.causation_id),
      summary: String(r.summary),
    }),
  );
  return { items, next: rows.length > q.limit ? items[items.length - 1]!.globalPosition : null };
};
