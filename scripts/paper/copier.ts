import type { NewEvent, StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';

/**
 * Event types written in one transaction with the batch after them: a position a run takes over is given
 * up by the earlier run's ledger in the next event (Engine's carry), and a crash between the two appends
 * would leave the position in both ledgers.
 */
const WITH_NEXT = new Set(['PositionTakenOver']);

const toNew = (e: StoredEvent): NewEvent => {
  const { recordedAt: _wall, ...metadata } = e.metadata;
  return { eventId: e.eventId, type: e.type, data: e.data, metadata };
};

/**
 * A run's log as the copier reads it: the events still held in memory, and how many before them were
 * released (MemoryEventStore.release) once copied. Positions below are counted from the log's start.
 */
export interface HeldLog {
  raw(): readonly StoredEvent[];
  readonly released: number;
}

/** A log nothing was released from (a test's array, a finished run's events). */
export const wholeLog = (events: () => readonly StoredEvent[]): HeldLog => ({ raw: events, released: 0 });

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
    private readonly source: HeldLog,
    private readonly target: EventStore & EventLookup,
    private readonly onAppended: (events: readonly StoredEvent[]) => void = () => {},
    private readonly maxBatch = 500,
  ) {}

  get position(): number {
    return this.copied;
  }

  /** Skips the events of the source that the target already holds (they are a prefix). */
  async resume(): Promise<number> {
    const log = this.source.raw();
    const base = this.source.released;
    let lo = Math.max(this.copied, base);
    let hi = base + log.length;
    // Invariant: positions [0, lo) are in the target, [hi, …) are not.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (await this.target.readById(log[mid - base]!.eventId)) lo = mid + 1;
      else hi = mid;
    }
    this.copied = lo;
    return lo;
  }

  /** Copies nothing the source records after this call (see PaperSession.run). */
  freeze(): void {
    this.limit = this.source.released + this.source.raw().length;
  }

  /** Appends everything new; concurrent calls share one flush so the order holds. */
  flush(): Promise<number> {
    this.flushing ??= this.copy().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async copy(): Promise<number> {
    let n = 0;
    for (;;) {
      // Read afresh each batch: the run may release what was copied while an append was awaited.
      const log = this.source.raw();
      const base = this.source.released;
      const end = Math.min(base + log.length, this.limit);
      if (this.copied >= end) return n;
      if (this.copied < base)
        throw new Error(`events ${this.copied + 1}–${base} were released before they were copied`);
      const start = this.copied - base;
      let stop = this.batchEnd(log, start, end - base);
      const batches = [log.slice(start, stop)];
      while (WITH_NEXT.has(log[stop - 1]!.type) && stop < end - base) {
        const next = this.batchEnd(log, stop, end - base);
        batches.push(log.slice(stop, next));
        stop = next;
      }
      if (batches.length === 1)
        await this.target.append(batches[0]![0]!.streamId, 'any', batches[0]!.map(toNew));
      else
        await this.target.appendAll(
          batches.map((b) => ({ streamId: b[0]!.streamId, expectedVersion: 'any', events: b.map(toNew) })),
        );
      for (const batch of batches) {
        this.copied += batch.length;
        n += batch.length;
        this.onAppended(batch);
      }
    }
  }

  /** One past the last event of the batch that starts at `start`: consecutive events of one stream. */
  private batchEnd(log: readonly StoredEvent[], start: number, end: number): number {
    const stream = log[start]!.streamId;
    let stop = start + 1;
    while (stop < end && stop - start < this.maxBatch && log[stop]!.streamId === stream) stop++;
    return stop;
  }
}
