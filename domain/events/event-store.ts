import type { NewEvent, RecordedEvent } from './envelope.js';
import type { ExpectedVersion } from './errors.js';

export interface AppendResult {
  /** The stream's version after the append (the version of its last event). */
  readonly nextExpectedVersion: number;
  /** Global positions of the appended events, in order. */
  readonly globalPositions: readonly number[];
  /** True when every event was already in the log (an idempotent retry): nothing was written. */
  readonly duplicate: boolean;
}

export interface ReadStreamOptions {
  /** First stream version to return (1-based, inclusive). */
  readonly fromVersion?: number;
  readonly limit?: number;
}

export interface SubscribeOptions {
  /** Deliver events with globalPosition > from (0 = from the start). */
  readonly from?: number;
  readonly batchSize?: number;
  /** Only these types (others are skipped, but the position still advances). */
  readonly types?: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * The event log port. Stream versions start at 1; version 0 means "no stream".
 * globalPosition increases in commit order and a reader never sees a gap fill in later:
 * once it has read position p, no event with a position below p can appear.
 */
/** One stream's part of an appendAll. */
export interface AppendBatch {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly NewEvent[];
}

export interface EventStore {
  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
  ): Promise<AppendResult>;
  /**
   * Appends to several streams as one: every batch is written or none is, each checked against its own
   * expected version. A decision that spans two streams (a fill on the order and its booking on the
   * account) then has no moment where one is written and the other not. When a batch holds events
   * already in the log, each batch is appended on its own instead, which resolves idempotent retries as
   * `append` does.
   */
  appendAll(batches: readonly AppendBatch[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events with globalPosition > fromGlobalPosition, ascending, at most `limit`. */
  readAll(fromGlobalPosition: number, limit: number): Promise<RecordedEvent[]>;
  /**
   * Catch-up from `from`, then live, until `signal` aborts (or the consumer breaks out of the loop).
   * An async iterator keeps domain/ free of rxjs; adapters/eventstore/observe.ts wraps it as an Observable.
   */
  subscribe(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;
  /** Highest global position committed (0 for an empty log). */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Look-ups the audit tools need beyond the log's order: a decision chain is every event sharing one
 * correlationId, and a reviewer starts from any event id. Both SQL stores and the memory store have them.
 */
export interface EventLookup {
  readByCorrelation(correlationId: string, limit?: number): Promise<RecordedEvent[]>;
  readById(eventId: string): Promise<RecordedEvent | undefined>;
}
