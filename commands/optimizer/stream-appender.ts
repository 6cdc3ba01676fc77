import type { NewEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';

/**
 * Appends to one stream this process owns, in order, without making each producer wait: events pushed
 * while an append is in flight go out together in the next one, so a fast run batches its writes and a
 * slow one still records every result as it lands. The expected version is checked on every append, so
 * a second coordinator on the same run is refused rather than interleaved.
 *
 * `lingerMs` holds a first event that long for company before appending (Kafka's linger.ms). Trial
 * results carry their equity curve (~16 KB); on the embedded store one such event costs ~2 ms of the
 * coordinator's CPU alone and ~1 ms in a batch of four, and on two cores that CPU is taken from the
 * trials. An event waiting here is no more at risk than one queued behind an append in flight: a crash
 * loses the result, not a recorded event, and the resumed run computes it again.
 */
export class StreamAppender {
  private queue: NewEvent[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private version: number,
    private readonly maxBatch = 256,
    private readonly lingerMs = 0,
  ) {}

  get streamVersion(): number {
    return this.version;
  }

  push(event: NewEvent): void {
    if (this.failure) throw this.failure;
    this.queue.push(event);
    if (this.flushing) return;
    if (this.lingerMs > 0 && this.queue.length < this.maxBatch) {
      this.timer ??= setTimeout(() => this.flushNow(), this.lingerMs);
      return;
    }
    this.flushNow();
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
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

  /** Appends what is waiting now, and waits until everything pushed is in the log; rethrows a failed append. */
  async drain(): Promise<void> {
    if (this.queue.length > 0) this.flushNow();
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }
}
