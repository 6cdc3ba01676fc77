import { type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { AnyDb } from '../sql/sql-client.js';

/** Advisory-lock key that serialises appends (see APPEND_FUNCTION). 'PERP' in ASCII. */
export const APPEND_LOCK_KEY = 0x50455250;

/**
 * Gap-free global order: the Message DB technique (message-db write_message + acquire_lock), applied
 * to the whole log instead of one category. Every append takes one transaction-scoped advisory lock
 * (keyed by the log's schema) before it draws from the sequence and holds it until commit. PostgreSQL makes a commit visible
 * (ProcArrayEndTransaction) before it releases the transaction's locks, so the next appender can only
 * draw a higher position after the previous one is visible: positions become visible in order, and a
 * reader that has seen position p will never later see a position below p appear. A rolled-back
 * append leaves a hole that stays a hole forever, which readers skip safely.
 *
 * Why not Emmett's xid8 filter: it orders the log by (transaction id, position), so "position" stops
 * being the order readers see and `readAll(fromGlobalPosition)` would need a compound cursor. Why not a
 * Marten/Axon gap detector: it must guess when a gap is abandoned (timeouts), and a wrong guess skips an
 * event. The cost of the lock is one appender at a time: measured in docs/BENCHMARKS.md; batching
 * appends is what makes the log fast, not writer parallelism.
 *
 * The function is one round trip: lock, read the stream's version, check the expected version, extend
 * the hash chains (adapters/eventstore/event-hash.ts), insert the batch. An event id already in the log
 * fails the insert on its unique index, so nothing of the batch is written and the caller can decide
 * whether it was an idempotent retry.
 */
const APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION perpetua_append(
  p_stream text, p_expected_kind text, p_expected int, p_events json, p_content_hashes text[],
  p_recorded_at timestamptz
) RETURNS TABLE (status text, version int, positions bigint[])
LANGUAGE plpgsql AS $fn$
DECLARE
  v_current int;
  -- The hashes count the batch: json_array_length would parse the whole batch once more just to count it.
  v_n int := cardinality(p_content_hashes);
  v_positions bigint[];
  v_stream_prev bytea;
  v_global_prev bytea;
  v_stream_hashes bytea[] := '{}';
  v_global_hashes bytea[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(${APPEND_LOCK_KEY}, hashtext(current_schema()));
  SELECT e.stream_version, e.stream_hash INTO v_current, v_stream_prev
    FROM events e WHERE e.stream_id = p_stream ORDER BY e.stream_version DESC LIMIT 1;
  v_current := coalesce(v_current, 0);
  IF (p_expected_kind = 'no_stream' AND v_current <> 0)
     OR (p_expected_kind = 'exists' AND v_current = 0)
     OR (p_expected_kind = 'exact' AND v_current <> p_expected) THEN
    IF EXISTS (SELECT 1 FROM events e WHERE e.event_id = (p_events->0->>'eventId')::uuid) THEN
      RETURN QUERY SELECT 'duplicate'::text, v_current, NULL::bigint[];
    ELSE
      RETURN QUERY SELECT 'conflict'::text, v_current, NULL::bigint[];
    END IF;
    RETURN;
  END IF;
  -- Tamper evidence: the lock makes "the previous event" well defined for the whole log too.
  SELECT e.global_hash INTO v_global_prev FROM events e ORDER BY e.global_position DESC LIMIT 1;
  FOR i IN 1..v_n LOOP
    v_stream_prev := sha256(coalesce(v_stream_prev, ''::bytea) || decode(p_content_hashes[i], 'hex'));
    v_global_prev := sha256(coalesce(v_global_prev, ''::bytea) || v_stream_prev);
    v_stream_hashes := v_stream_hashes || v_stream_prev;
    v_global_hashes := v_global_hashes || v_global_prev;
  END LOOP;
  WITH ins AS (
    INSERT INTO events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at,
                        stream_hash, global_hash)
    SELECT x."eventId", p_stream, v_current + x.ord::int, x.type, x."schemaVersion", x.data, x.metadata, p_recorded_at,
           v_stream_hashes[x.ord], v_global_hashes[x.ord]
    FROM ROWS FROM (json_to_recordset(p_events)
      AS ("eventId" uuid, type text, "schemaVersion" int, data json, metadata json)) WITH ORDINALITY
      AS x("eventId", type, "schemaVersion", data, metadata, ord)
    ORDER BY x.ord
    RETURNING global_position, stream_version
  )
  SELECT array_agg(ins.global_position ORDER BY ins.stream_version) INTO v_positions FROM ins;
  RETURN QUERY SELECT 'ok'::text, v_current + v_n, v_positions;
END
$fn$;
`;

/*
 * data and metadata are `json`, not `jsonb`: json keeps the exact text the store wrote (canonical
 * content for hashing, byte-for-byte re-runs) and reading it back skips jsonb's re-encoding, which was
 * the largest server-side cost of readAll. Queries on metadata use expression indexes, which json allows.
 */
const migrations: Record<string, Migration> = {
  '0001_event_log': {
    async up(db) {
      await sql
        .raw(`
        CREATE SEQUENCE events_global_position_seq;
        CREATE TABLE events (
          global_position bigint PRIMARY KEY DEFAULT nextval('events_global_position_seq'),
          event_id uuid NOT NULL,
          stream_id text NOT NULL,
          stream_version int NOT NULL CHECK (stream_version > 0),
          type text NOT NULL,
          schema_version int NOT NULL,
          data json NOT NULL,
          metadata json NOT NULL,
          recorded_at timestamptz NOT NULL,
          stream_hash bytea NOT NULL,
          global_hash bytea NOT NULL
        );
        ALTER SEQUENCE events_global_position_seq OWNED BY events.global_position;
        CREATE UNIQUE INDEX events_event_id ON events (event_id);
        CREATE UNIQUE INDEX events_stream ON events (stream_id, stream_version);
      `)
        .execute(db);
      await sql.raw(APPEND_FUNCTION).execute(db);
    },
  },
  '0002_projection_checkpoints': {
    async up(db) {
      await sql
        .raw(`
        CREATE TABLE projection_checkpoints (
          name text PRIMARY KEY,
          position bigint NOT NULL,
          version int NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
      `)
        .execute(db);
    },
  },
};

migrations['0003_correlation_index'] = {
  // Decision chains are read by correlationId (replay explain, the API's chain view); the position in
  // the index keeps a chain in log order without a sort.
  async up(db) {
    await sql
      .raw(`CREATE INDEX events_correlation ON events ((metadata->>'correlationId'), global_position)`)
      .execute(db);
  },
};

migrations['0004_append_lock_per_schema'] = {
  // Advisory locks are database-wide: with one key for every schema, two logs in one database (tests,
  // benches, tenants) queued behind each other. The key now includes the schema, so each log orders
  // its own appends and no other.
  async up(db) {
    await sql.raw(APPEND_FUNCTION).execute(db);
  },
};

migrations['0005_append_plain_insert'] = {
  // A plain INSERT: an event id already in the log now fails on the unique index (23505 on
  // events_event_id) instead of going through ON CONFLICT's speculative insertion on every row, which
  // cost more than the rest of the append at batch 100. The caller treats that error as "maybe an
  // idempotent retry", exactly as before.
  async up(db) {
    await sql.raw(APPEND_FUNCTION).execute(db);
  },
};

migrations['0006_append_counts_hashes'] = {
  // The batch size is taken from the hash array instead of json_array_length, which parsed the whole
  // JSON batch a second time (~0.2 ms of a 100-event append).
  async up(db) {
    await sql.raw(APPEND_FUNCTION).execute(db);
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export interface MigrationReport {
  readonly applied: string[];
  readonly all: string[];
}

/** Applies pending migrations in order; kysely's migrator holds a lock so two processes cannot race. */
export const migrate = async (db: AnyDb, schema?: string): Promise<MigrationReport> => {
  // kysely finds its bookkeeping tables by introspecting every schema; name ours so that a store in
  // its own schema never mistakes another schema's migration table for its own.
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error)
    throw new Error(`migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    all: Object.keys(migrations),
  };
};
