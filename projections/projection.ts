import type { Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '../domain/events/envelope.js';

// biome-ignore lint/suspicious/noExplicitAny: each projection owns its tables; the runner only sees names
export type ReadModelDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: see ReadModelDb
export type ReadModelTx = Transaction<any>;

/**
 * A read model: its own SQL tables, built by folding the log in order. `apply` receives a batch and
 * runs inside the transaction that also moves the checkpoint, so a batch is applied exactly once or
 * not at all. Folding a batch in memory and writing once per key is what makes a rebuild fast.
 */
export interface Projection {
  readonly name: string;
  /** Bump when the fold or the tables change: the runner rebuilds from position 0. */
  readonly version: number;
  /** Tables owned by this projection, emptied on rebuild. */
  readonly tables: readonly string[];
  /** Event types it reads; others are skipped (the checkpoint still moves past them). */
  readonly types?: readonly string[];
  /** Creates its tables if missing. Must be idempotent. */
  setup(db: ReadModelDb): Promise<void>;
  apply(tx: ReadModelTx, events: readonly RecordedEvent[]): Promise<void>;
}
