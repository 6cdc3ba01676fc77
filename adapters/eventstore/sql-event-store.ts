import type { EventCatalogue, ValidatedEvent } from '../../domain/events/catalogue.js';
import type { NewEvent, RecordedEvent, StoredEvent } from '../../domain/events/envelope.js';
import { type ExpectedVersion, WrongExpectedVersionError } from '../../domain/events/errors.js';
import type {
  AppendBatch,
  AppendResult,
  EventLookup,
  EventStore,
  ReadStreamOptions,
  SubscribeOptions,
} from '../../domain/events/event-store.js';
import { IsoTime } from '../../domain/events/iso-time.js';
import type { SqlClient } from '../sql/sql-client.js';
import { assertAppendArgs, assertUniqueIds, resolveRetry } from './append-rules.js';
import { contentHashHex } from './event-hash.js';
import { LocalWakeup, tail } from './subscription.js';

export interface SqlEventStoreOptions {
  readonly catalogue: EventCatalogue;
  readonly now?: () => Date;
  /** How often a live subscription looks for other processes' appends. */
  readonly pollMs?: number;
}

interface AppendRow {
  status: string;
  version: number;
  positions: (string | number)[] | null;
}

interface EventRow {
  global_position: string | number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  /** JSON text (COLUMNS casts it): parsed on first access. */
  data: string;
  metadata: string;
  recorded_ms: string | number;
}

// recorded_at as epoch ms: turning timestamptz into a Date per row is a measurable share of readAll.
// data and metadata as text: they are parsed when first read (toStored), not by the driver for every row.
const COLUMNS = `global_position, event_id::text AS event_id, stream_id, stream_version, type, schema_version,
  data::text AS data, metadata::text AS metadata, (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms`;

// Rows of one append share recorded_at, and IsoTime formats a run of equal instants once: readAll stays
// near the wire's speed.
const iso = new IsoTime();
const isoOf = (ms: number): string => iso.format(ms);

type Metadata = StoredEvent['metadata'];

/**
 * An event as read from SQL. data and metadata are parsed on first access, once each: JSON.parse of the
 * two payloads was ~70 % of readAll at 5,000-row batches, and most readers of the whole log (a
 * projection, a process manager's subscription, the scheduler's catch-up) look at the type and stream
 * of every event but at the payload of only a few.
 *
 * The two are accessors on the class, not own properties. Own accessors need a pair of closures per
 * event: ~1.5 µs and most of readAll's garbage, against ~30 ns for this class. The price is that a
 * spread (`{...e}`) copies the envelope fields only; JSON.stringify goes through toJSON and sees
 * everything, and code that copies an event builds the literal (as Catalogue.upcast does).
 */
class SqlStoredEvent implements StoredEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly globalPosition: number;
  readonly type: string;
  readonly schemaVersion: number;
  #dataText: string | null;
  #data: unknown;
  #metaText: string | null;
  #metadata: Metadata | undefined;
  #recordedMs: number;

  constructor(r: EventRow) {
    this.eventId = r.event_id;
    this.streamId = r.stream_id;
    this.streamVersion = r.stream_version;
    this.globalPosition = Number(r.global_position);
    this.type = r.type;
    this.schemaVersion = r.schema_version;
    this.#dataText = r.data;
    this.#data = undefined;
    this.#metaText = r.metadata;
    this.#metadata = undefined;
    this.#recordedMs = Number(r.recorded_ms);
  }

  get data(): unknown {
    if (this.#dataText !== null) {
      this.#data = JSON.parse(this.#dataText);
      this.#dataText = null;
    }
    return this.#data;
  }

  get metadata(): Metadata {
    if (this.#metaText !== null) {
      const m = JSON.parse(this.#metaText) as Metadata;
      (m as { recordedAt: string }).recordedAt = isoOf(Math.round(this.#recordedMs));
      this.#metadata = m;
      this.#metaText = null;
    }
    return this.#metadata!;
  }

  toJSON(): StoredEvent {
    return {
      eventId: this.eventId,
      streamId: this.streamId,
      streamVersion: this.streamVersion,
      globalPosition: this.globalPosition,
      type: this.type,
      schemaVersion: this.schemaVersion,
      data: this.data,
      metadata: this.metadata,
    };
  }
}

const toStored = (r: EventRow): StoredEvent => new SqlStoredEvent(r);

/** The append met an event id that is already in the log (unique index events_event_id). */
const isDuplicateEventId = (err: unknown): boolean => {
  const e = err as { code?: string; constraint?: string; message?: string };
  return (
    e?.code === '23505' && (e.constraint === 'events_event_id' || /events_event_id/.test(e.message ?? ''))
  );
};

const APPEND_SQL =
  'SELECT status, version, positions FROM perpetua_append($1, $2, $3, $4::json, $5::text[], $6)';

/** The log in PostgreSQL: a server through pg, or embedded through PGlite; one implementation. */
export class SqlEventStore implements EventStore, EventLookup {
  private readonly wakeup = new LocalWakeup();
  private readonly now: () => Date;

  constructor(
    readonly client: SqlClient,
    private readonly opts: SqlEventStoreOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  withCatalogue(catalogue: EventCatalogue): SqlEventStore {
    return new SqlEventStore(this.client, { ...this.opts, catalogue });
  }

  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
  ): Promise<AppendResult> {
    const prepared = this.prepare(streamId, expectedVersion, events);
    let row: AppendRow | undefined;
    try {
      row = (await this.client.query<AppendRow>(APPEND_SQL, prepared.params)).rows[0];
    } catch (err) {
      if (!isDuplicateEventId(err)) throw err;
      return this.retryResult(streamId, expectedVersion, prepared.validated);
    }
    return this.settle(streamId, expectedVersion, prepared.validated, row);
  }

  /**
   * Several appends in one transaction: all or none. A bulk copy (a backtest persisted to the main
   * store) pays one commit instead of one per stream batch. When the transaction meets an event that
   * is already in the log it is rolled back and the appends are retried one by one, which resolves
   * each as an idempotent retry or reports the conflict.
   */
  async appendAll(batches: readonly AppendBatch[]): Promise<AppendResult[]> {
    const prepared = batches.map((b) => ({ ...b, ...this.prepare(b.streamId, b.expectedVersion, b.events) }));
    const conn = await this.client.connect();
    let rows: (AppendRow | undefined)[] | null = [];
    let conflict: WrongExpectedVersionError | null = null;
    try {
      await conn.query('BEGIN');
      for (const p of prepared) {
        const row = (await conn.query<AppendRow>(APPEND_SQL, p.params)).rows[0];
        if (row?.status === 'conflict') {
          // Nothing of the transaction is kept: appending the batches one by one now would write those
          // before this one, the half-done state appendAll exists to rule out.
          conflict = new WrongExpectedVersionError(p.streamId, p.expectedVersion, row.version);
          rows = null;
          break;
        }
        if (row?.status !== 'ok') {
          rows = null;
          break;
        }
        rows.push(row);
      }
      await conn.query(rows === null ? 'ROLLBACK' : 'COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => {});
      if (!isDuplicateEventId(err)) throw err;
      rows = null;
    } finally {
      conn.release();
    }
    if (conflict) throw conflict;
    if (rows === null) {
      const out: AppendResult[] = [];
      for (const b of batches) out.push(await this.append(b.streamId, b.expectedVersion, b.events));
      return out;
    }
    return prepared.map((p, i) => this.settleSync(p.streamId, p.expectedVersion, rows![i]!));
  }

  private prepare(streamId: string, expectedVersion: ExpectedVersion, events: readonly NewEvent[]) {
    assertAppendArgs(streamId, expectedVersion, events.length);
    const validated = events.map((e, i) => this.opts.catalogue.validate(e, i));
    assertUniqueIds(validated);
    const kind =
      typeof expectedVersion === 'number' ? (expectedVersion === 0 ? 'no_stream' : 'exact') : expectedVersion;
    const recordedAt = this.now().toISOString();
    // Serialised once: the same text is stored (json keeps it verbatim) and hashed.
    const parts: string[] = [];
    const hashes: string[] = [];
    for (const e of validated) {
      const dataJson = JSON.stringify(e.data);
      const metadataJson = JSON.stringify(e.metadata);
      parts.push(
        `{"eventId":"${e.eventId}","type":${JSON.stringify(e.type)},"schemaVersion":${e.schemaVersion},` +
          `"data":${dataJson},"metadata":${metadataJson}}`,
      );
      hashes.push(
        contentHashHex({
          eventId: e.eventId,
          streamId,
          type: e.type,
          schemaVersion: e.schemaVersion,
          recordedAt,
          dataJson,
          metadataJson,
        }),
      );
    }
    const params = [
      streamId,
      kind,
      typeof expectedVersion === 'number' ? expectedVersion : 0,
      `[${parts.join(',')}]`,
      hashes,
      recordedAt,
    ];
    return { validated, params };
  }

  private async settle(
    streamId: string,
    expectedVersion: ExpectedVersion,
    validated: readonly ValidatedEvent[],
    row: AppendRow | undefined,
  ): Promise<AppendResult> {
    if (row?.status === 'duplicate') return this.retryResult(streamId, expectedVersion, validated);
    return this.settleSync(streamId, expectedVersion, row);
  }

  private settleSync(
    streamId: string,
    expectedVersion: ExpectedVersion,
    row: AppendRow | undefined,
  ): AppendResult {
    if (!row) throw new Error('perpetua_append returned no row');
    if (row.status === 'conflict')
      throw new WrongExpectedVersionError(streamId, expectedVersion, row.version);
    this.wakeup.notify();
    return {
      nextExpectedVersion: row.version,
      globalPositions: (row.positions ?? []).map(Number),
      duplicate: false,
    };
  }

  private async retryResult(
    streamId: string,
    expected: ExpectedVersion,
    validated: readonly ValidatedEvent[],
  ): Promise<AppendResult> {
    const existing = await this.client.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE event_id = ANY($1::uuid[]) ORDER BY global_position`,
      [validated.map((e) => e.eventId)],
    );
    const current = await this.client.query<{ v: number }>(
      'SELECT coalesce(max(stream_version), 0)::int AS v FROM events WHERE stream_id = $1',
      [streamId],
    );
    return resolveRetry(streamId, expected, validated, existing.rows.map(toStored), current.rows[0]?.v ?? 0);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const r = await this.client.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3`,
      [streamId, options.fromVersion ?? 1, options.limit ?? 2_147_483_647],
    );
    return r.rows.map((row) => this.opts.catalogue.upcast(toStored(row)));
  }

  async readAll(fromGlobalPosition: number, limit: number): Promise<RecordedEvent[]> {
    const r = await this.client.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
      [fromGlobalPosition, limit],
    );
    return r.rows.map((row) => this.opts.catalogue.upcast(toStored(row)));
  }

  subscribe(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    return tail((from, limit) => this.readAll(from, limit), this.wakeup, {
      pollMs: this.opts.pollMs ?? 200,
      ...options,
    });
  }

  async readByCorrelation(correlationId: string, limit = 10_000): Promise<RecordedEvent[]> {
    const r = await this.client.query<EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE metadata->>'correlationId' = $1 ORDER BY global_position LIMIT $2`,
      [correlationId, limit],
    );
    return r.rows.map((row) => this.opts.catalogue.upcast(toStored(row)));
  }

  async readById(eventId: string): Promise<RecordedEvent | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(eventId)) return undefined;
    const r = await this.client.query<EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id = $1::uuid`, [
      eventId,
    ]);
    const row = r.rows[0];
    return row ? this.opts.catalogue.upcast(toStored(row)) : undefined;
  }

  async headPosition(): Promise<number> {
    const r = await this.client.query<{ p: string | number | null }>(
      'SELECT max(global_position) AS p FROM events',
    );
    return Number(r.rows[0]?.p ?? 0);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
