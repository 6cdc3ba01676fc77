import type { NewEvent, StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';

const toNew = (e: StoredEvent): NewEvent => {
  const { recordedAt: _wall, ...metadata } = e.metadata;
  return { eventId: e.eventId, type: e.type, data: e.data, metadata };
};

/**
 * Copies a run's in-memory log into the main store, in the run's order. Consecutive events of one
 * stream go in one append (a stream's events stay in order and a batch is atomic), so what has been
 * copied is always a prefix of the run's log. That is what makes a restart exact: `resume` finds the
 * prefix by binary search on event ids and copying carries on after it, so no batch ever mixes events
 * the log has with events it lacks (which the store refuses as an idempotency conflict).
 */
export class LogCopier {
  private copied = 0;
  private flushing: Promise<number> | null = null;
  private limit = Number.POSITIVE_INFINITY;

  constructor(
    private readonly source: () => readonly StoredEvent[],
    private readonly target: EventStore & EventLookup,
    private readonly onAppended: (events: readonly StoredEvent[]) => void = () => {},
    private readonly maxBatch = 500,
  ) {}

  get position(): number {
    return this.copied;
  }

  /** Skips the events of the source that the target already holds (they are a prefix). */
  async resume(): Promise<number> {
    const log = this.source();
    let lo = this.copied;
    let hi = log.length;
    // Invariant: log[0..lo) are in the target, log[hi..) are not.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (await this.target.readById(log[mid]!.eventId)) lo = mid + 1;
      else hi = mid;
    }
    this.copied = lo;
    return lo;
  }

  /** Copies nothing the source records after this call (see PaperSession.run). */
  freeze(): void {
    this.limit = this.source().length;
  }

  /** Appends everything new; concurrent calls share one flush so the order holds. */
  flush(): Promise<number> {
    this.flushing ??= this.copy().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async copy(): Promise<number> {
    const log = this.source();
    const end = Math.min(log.length, this.limit);
    let n = 0;
    while (this.copied < end) {
      const start = this.copied;
      const stream = log[start]!.streamId;
      let stop = start + 1;
      while (stop < end && stop - start < this.maxBatch && log[stop]!.streamId === stream) stop++;
      const batch = log.slice(start, stop);
      await this.target.append(stream, 'any', batch.map(toNew));
      this.copied = stop;
      n += batch.length;
      this.onAppended(batch);
    }
    return n;
  }
}
