import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { SubscribeOptions } from '../../domain/events/event-store.js';

export interface Wakeup {
  /** Resolves at the next append seen by this process, or after `ms`, or when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Same-process append notification: appenders call `notify`, tailing readers wake at once. */
export class LocalWakeup implements Wakeup {
  private waiters = new Set<() => void>();

  notify(): void {
    // Appends far outnumber waiting readers (a backtest has none): no allocation when nobody waits.
    if (this.waiters.size === 0) return;
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * Catch-up then live over `readAll`. Correct for any store whose positions become visible in order
 * (see migrations.ts): the cursor is simply the last position delivered. Other processes' appends are
 * picked up by polling every `pollMs`; this process's appends wake the reader immediately.
 */
export async function* tail(
  readAll: (from: number, limit: number) => Promise<RecordedEvent[]>,
  wakeup: Wakeup,
  options: SubscribeOptions & { pollMs?: number } = {},
): AsyncGenerator<RecordedEvent> {
  const batchSize = options.batchSize ?? 1000;
  const pollMs = options.pollMs ?? 200;
  const types = options.types ? new Set(options.types) : null;
  const signal = options.signal;
  let position = options.from ?? 0;
  while (!signal?.aborted) {
    const batch = await readAll(position, batchSize);
    for (const e of batch) {
      if (signal?.aborted) return;
      position = e.globalPosition;
      if (!types || types.has(e.type)) yield e;
    }
    if (batch.length < batchSize) await wakeup.wait(pollMs, signal);
  }
}
