import { sql } from 'kysely';
import type { RecordedEvent } from '../domain/events/envelope.js';
import type { ReadModelDb, ReadModelTx } from './projection.js';

export type Db = ReadModelDb | ReadModelTx;
export type Row = Record<string, string | number | null>;

/** Insert-or-replace in chunks: a batch fold writes each key once, so the last value wins. */
export const upsertRows = async (
  db: Db,
  table: string,
  key: readonly string[],
  rows: readonly Row[],
): Promise<void> => {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!).filter((c) => !key.includes(c));
  // PostgreSQL caps bind parameters at 65535; 300 rows × ~20 columns stays well under it.
  for (let i = 0; i < rows.length; i += 300) {
    await db
      .insertInto(table)
      .values(rows.slice(i, i + 300))
      .onConflict((oc) =>
        oc.columns([...key]).doUpdateSet(Object.fromEntries(cols.map((c) => [c, sql.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
};

export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const rec = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const dataOf = (e: RecordedEvent): Record<string, unknown> => rec(e.data);
export const occurredMs = (e: RecordedEvent): number => Date.parse(e.metadata.occurredAt);

/** The strategy an event belongs to: its data names it, or its actor is the strategy itself. */
export const strategyOf = (e: RecordedEvent): string | null => {
  const d = dataOf(e);
  const fromData = str(d.strategyId);
  if (fromData) return fromData;
  const m = /^strategy:([^@]+)@/.exec(e.metadata.actor);
  return m ? m[1]! : null;
};

export const symbolOf = (e: RecordedEvent): string | null => {
  const d = dataOf(e);
  return str(d.symbol) ?? str(rec(d.observation).symbol);
};

/** `run-<runId>` streams hold a run's lifecycle and equity marks. */
export const runIdOfStream = (streamId: string): string | null =>
  streamId.startsWith('run-') ? streamId.slice(4) : null;

/** Reads a bigint column that drivers return as string (pg) or number (PGlite). */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
