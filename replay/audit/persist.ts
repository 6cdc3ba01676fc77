import type { NewEvent, StoredEvent } from '../../domain/events/envelope.js';
import type { AppendResult, EventStore } from '../../domain/events/event-store.js';

/**
 * Copies a run's in-memory log into the main store in its original order. Each append states the
 * version the stream had in the run, so a run cannot interleave with another writer's history, and
 * copying the same run again is an idempotent retry that writes nothing.
 */
type Batch = { streamId: string; expectedVersion: number; events: NewEvent[] };

/** A store that can commit many appends at once (the SQL stores); others get one append at a time. */
interface BulkAppender {
  appendAll(batches: readonly Batch[]): Promise<AppendResult[]>;
}

export const persistRun = async (
  events: readonly StoredEvent[],
  store: EventStore,
  onProgress?: (done: number, total: number) => void,
): Promise<{ appended: number; duplicates: number }> => {
  let appended = 0;
  let duplicates = 0;
  const bulk = 'appendAll' in store ? (store as unknown as BulkAppender) : null;
  let pending: Batch[] = [];
  let pendingEvents = 0;
  const flush = async () => {
    const results = bulk
      ? await bulk.appendAll(pending)
      : await Promise.all(pending.map((b) => store.append(b.streamId, b.expectedVersion, b.events)));
    results.forEach((r, k) => {
      if (r.duplicate) duplicates += pending[k]!.events.length;
      else appended += pending[k]!.events.length;
    });
    pending = [];
    pendingEvents = 0;
  };
  let i = 0;
  while (i < events.length) {
    const first = events[i]!;
    let j = i + 1;
    while (j < events.length && events[j]!.streamId === first.streamId && j - i < 1000) j++;
    const batch = events.slice(i, j).map((e) => {
      const { recordedAt: _r, ...metadata } = e.metadata;
      return { eventId: e.eventId, type: e.type, data: e.data, metadata };
    });
    pending.push({ streamId: first.streamId, expectedVersion: first.streamVersion - 1, events: batch });
    pendingEvents += batch.length;
    i = j;
    if (pendingEvents >= 2_000 || !bulk) await flush();
    onProgress?.(i, events.length);
  }
  if (pending.length) await flush();
  return { appended, duplicates };
};
