import type { NewEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';

/**
 * Appends to one stream this process owns, in order, without making each producer wait: events pushed
 * while an append is in flight go out together in the next one, so a fast run batches its writes and a
 * slow one still records every result as it lands. The expected version is checked on every append, so
 * a second coordinator on the same run is refused rather than interleaved.
 */
export class StreamAppender {
  private queue: NewEvent[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private version: number,
    private readonly maxBatch = 256,
  ) {}

  get streamVersion(): number {
    return this.version;
  }

  push(event: NewEvent): void {
    if (this.failure) throw this.failure;
    this.queue.push(event);
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        const r = await this.store.append(this.streamId, this.version, batch);
        this.version = r.nextExpectedVersion;
      }
    } catch (err) {
      this.failure = err;
    } finally {
      this.flushing = null;
    }
  }

  /** Waits until everything pushed is in the log; rethrows a failed append. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }
}
