import type { EventCatalogue, ValidatedEvent } from '../../domain/events/catalogue.js';
import type { EventMetadata, NewEvent, RecordedEvent, StoredEvent } from '../../domain/events/envelope.js';
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
import { assertAppendArgs, assertUniqueIds, expectationHolds, resolveRetry } from './append-rules.js';
import { LocalWakeup, tail } from './subscription.js';

export interface MemoryEventStoreOptions {
  readonly catalogue: EventCatalogue;
  /** Wall clock for recordedAt; a backtest passes its own so runs are reproducible. */
  readonly now?: () => Date;
  /**
   * Validate every append against the catalogue (default true). The backtest engine turns it off on
   * its hot path: its events are typed at compile time and a test validates a whole run's log, and
   * the log is validated again when a run is persisted to the main store.
   */
  readonly validate?: boolean;
}

/**
 * The log in process memory, for backtests and tests: the same contract as the SQL stores (the shared
 * contract suite runs against it), so a run can be persisted to PostgreSQL afterwards unchanged.
 */
interface MemoryLog {
  readonly log: StoredEvent[];
  readonly streams: Map<string, number[]>;
  readonly ids: Map<string, number>;
  /**
   * How much of the log the two indexes cover (trusted appends leave them behind, see `index`), and how
   * many events from the start were released (`release`).
   */
  readonly indexed: { upTo: number; released: number };
  readonly wakeup: LocalWakeup;
}

/** The stored metadata: a literal in envelope order, which V8 builds several times faster than a spread. */
export const withRecordedAt = (m: EventMetadata, recordedAt: string): RecordedEvent['metadata'] => ({
  correlationId: m.correlationId,
  causationId: m.causationId,
  actor: m.actor,
  mode: m.mode,
  occurredAt: m.occurredAt,
  recordedAt,
});

export class MemoryEventStore implements EventStore, EventLookup {
  private readonly log: StoredEvent[];
  private readonly streams: Map<string, number[]>;
  private readonly ids: Map<string, number>;
  private readonly indexed: { upTo: number; released: number };
  private readonly wakeup: LocalWakeup;
  private readonly now: () => Date;
  private readonly recordedIso = new IsoTime();

  constructor(
    private readonly opts: MemoryEventStoreOptions,
    shared?: MemoryLog,
  ) {
    this.now = opts.now ?? (() => new Date());
    this.log = shared?.log ?? [];
    this.streams = shared?.streams ?? new Map();
    this.ids = shared?.ids ?? new Map();
    this.indexed = shared?.indexed ?? { upTo: 0, released: 0 };
    this.wakeup = shared?.wakeup ?? new LocalWakeup();
  }

  get catalogue(): EventCatalogue {
    return this.opts.catalogue;
  }

  /** The same log read and written under another catalogue (a newer build, in upcasting tests). */
  withCatalogue(catalogue: EventCatalogue): MemoryEventStore {
    const { log, streams, ids, indexed, wakeup } = this;
    return new MemoryEventStore({ ...this.opts, catalogue }, { log, streams, ids, indexed, wakeup });
  }

  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
  ): Promise<AppendResult> {
    return this.appendSync(streamId, expectedVersion, events);
  }

  /** The same append without a promise: the backtest loop is synchronous and appends between bars. */
  appendSync(streamId: string, expectedVersion: ExpectedVersion, events: readonly NewEvent[]): AppendResult {
    this.whole('append');
    const validated = this.validated(streamId, expectedVersion, events);
    this.index();
    const current = this.streams.get(streamId)?.length ?? 0;
    if (validated.some((e) => this.ids.has(e.eventId))) {
      const existing = validated.flatMap((e) => {
        const i = this.ids.get(e.eventId);
        return i === undefined ? [] : [this.log[i]!];
      });
      return resolveRetry(streamId, expectedVersion, validated, existing, current);
    }
    if (!expectationHolds(expectedVersion, current))
      throw new WrongExpectedVersionError(streamId, expectedVersion, current);
    const result = this.write(streamId, validated, this.recordedAt(this.now().getTime()));
    this.wakeup.notify();
    return result;
  }

  async appendAll(batches: readonly AppendBatch[]): Promise<AppendResult[]> {
    this.whole('append');
    // Everything is checked before anything is written: the log is in this process, so nothing can
    // come between the checks and the writes.
    const prepared = batches.map((b) => ({
      ...b,
      validated: this.validated(b.streamId, b.expectedVersion, b.events),
    }));
    assertUniqueIds(prepared.flatMap((p) => p.validated));
    this.index();
    if (prepared.some((p) => p.validated.some((e) => this.ids.has(e.eventId))))
      return prepared.map((p) => this.appendSync(p.streamId, p.expectedVersion, p.events));
    const lengths = new Map<string, number>();
    for (const p of prepared) {
      const current = lengths.get(p.streamId) ?? this.streams.get(p.streamId)?.length ?? 0;
      if (!expectationHolds(p.expectedVersion, current))
        throw new WrongExpectedVersionError(p.streamId, p.expectedVersion, current);
      lengths.set(p.streamId, current + p.validated.length);
    }
    const recordedAt = this.recordedAt(this.now().getTime());
    const results = prepared.map((p) => this.write(p.streamId, p.validated, recordedAt));
    this.wakeup.notify();
    return results;
  }

  private validated(streamId: string, expectedVersion: ExpectedVersion, events: readonly NewEvent[]) {
    assertAppendArgs(streamId, expectedVersion, events.length);
    const validated: ValidatedEvent[] =
      this.opts.validate === false
        ? events.map((e) => ({
            // Written out: a spread followed by a new key is V8's slow path (about 1 µs a key).
            eventId: e.eventId,
            type: e.type,
            schemaVersion: this.opts.catalogue.definition(e.type)?.schemaVersion ?? 1,
            data: e.data,
            metadata: e.metadata,
          }))
        : events.map((e, i) => this.opts.catalogue.validate(e, i));
    assertUniqueIds(validated);
    return validated;
  }

  /** Writes after the indexes were brought up to date (`index`), and keeps them so. */
  private write(streamId: string, validated: readonly ValidatedEvent[], recordedAt: string): AppendResult {
    const stream = this.streams.get(streamId);
    const current = stream?.length ?? 0;
    const indices = stream ?? [];
    const positions = validated.map((e: ValidatedEvent, i) => {
      const globalPosition = this.log.length + 1;
      this.log.push({
        eventId: e.eventId,
        streamId,
        streamVersion: current + i + 1,
        globalPosition,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: withRecordedAt(e.metadata, recordedAt),
      });
      this.ids.set(e.eventId, globalPosition - 1);
      indices.push(globalPosition - 1);
      return globalPosition;
    });
    if (!stream) this.streams.set(streamId, indices);
    this.indexed.upTo = this.log.length;
    return { nextExpectedVersion: current + validated.length, globalPositions: positions, duplicate: false };
  }

  /**
   * The engine's hot path: one event, no validation, an id the caller guarantees unique and the stream
   * version the caller counted (the engine derives both from the run). The id and stream indexes are
   * brought up to date by the next call that reads them: a run of a million events mostly never does,
   * and two maps of a million entries were a third of its garbage collector's work.
   */
  appendTrusted(
    streamId: string,
    streamVersion: number,
    event: NewEvent & { readonly schemaVersion: number; readonly metadata: RecordedEvent['metadata'] },
  ): StoredEvent {
    const stored: StoredEvent = {
      eventId: event.eventId,
      streamId,
      streamVersion,
      globalPosition: this.indexed.released + this.log.length + 1,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: event.metadata,
    };
    this.log.push(stored);
    this.wakeup.notify();
    return stored;
  }

  /**
   * The recordedAt this store would give an event appended now. The trusted path's caller builds the
   * recorded metadata itself with it: one object per event, not one built and then copied.
   */
  recordedAtNow(): string {
    return this.recordedAt(Date.now());
  }

  /** Brings the id and stream indexes up to the end of the log. */
  private index(): void {
    const log = this.log;
    const from = this.indexed.upTo;
    if (from === log.length) return;
    for (let i = from; i < log.length; i++) {
      const e = log[i]!;
      this.ids.set(e.eventId, i);
      const stream = this.streams.get(e.streamId);
      if (stream) stream.push(i);
      else this.streams.set(e.streamId, [i]);
    }
    this.indexed.upTo = log.length;
  }

  /** Appends within one millisecond share the text: toISOString per append was a visible cost. */
  private recordedAt(ms: number): string {
    return this.recordedIso.format(ms);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.whole('read');
    this.index();
    const indices = this.streams.get(streamId) ?? [];
    const from = Math.max(1, options.fromVersion ?? 1);
    const end =
      options.limit === undefined ? indices.length : Math.min(indices.length, from - 1 + options.limit);
    const out: RecordedEvent[] = [];
    for (let v = from; v <= end; v++) out.push(this.opts.catalogue.upcast(this.log[indices[v - 1]!]!));
    return out;
  }

  async readAll(fromGlobalPosition: number, limit: number): Promise<RecordedEvent[]> {
    this.whole('read');
    const start = Math.max(0, fromGlobalPosition);
    return this.log.slice(start, start + limit).map((e) => this.opts.catalogue.upcast(e));
  }

  subscribe(options: SubscribeOptions = {}): AsyncIterable<RecordedEvent> {
    return tail((from, limit) => this.readAll(from, limit), this.wakeup, options);
  }

  async readByCorrelation(correlationId: string, limit = 10_000): Promise<RecordedEvent[]> {
    this.whole('read');
    const out: RecordedEvent[] = [];
    for (const e of this.log) {
      if (e.metadata.correlationId !== correlationId) continue;
      out.push(this.opts.catalogue.upcast(e));
      if (out.length >= limit) break;
    }
    return out;
  }

  async readById(eventId: string): Promise<RecordedEvent | undefined> {
    this.whole('read');
    this.index();
    const i = this.ids.get(eventId.toLowerCase());
    return i === undefined ? undefined : this.opts.catalogue.upcast(this.log[i]!);
  }

  async headPosition(): Promise<number> {
    return this.total;
  }

  /**
   * Stored (not upcast) events: what a test or a persist step copies into another store. After a
   * `release`, the events still held: the first is at global position `released + 1`.
   */
  raw(): readonly StoredEvent[] {
    return this.log;
  }

  /** Every event appended so far, released ones included. */
  get total(): number {
    return this.indexed.released + this.log.length;
  }

  /** How many events from the start of the log were released (raw()[0] is the next one). */
  get released(): number {
    return this.indexed.released;
  }

  /**
   * Lets go of the events up to global position `through` (those already held elsewhere: a live run's
   * events once they are copied to the main store), so a run of months keeps in memory only what it has
   * not copied yet. Only the run's own trusted appends continue after it; this store is no longer a store
   * to read or to append to with checks (its indexes would miss what was released), and says so.
   */
  release(through: number): void {
    const n = Math.min(this.log.length, through - this.indexed.released);
    if (n <= 0) return;
    this.log.splice(0, n);
    this.indexed.released += n;
    this.ids.clear();
    this.streams.clear();
    this.indexed.upTo = 0;
  }

  private whole(what: 'read' | 'append'): void {
    if (this.indexed.released > 0)
      throw new Error(
        `this in-memory log released its first ${this.indexed.released} events (copied to the main store): ${what} the main store`,
      );
  }

  async close(): Promise<void> {}
}
