import type { CcxtVenue } from '../../adapters/venue/ccxt-venue.js';
import type { PaperClock } from '../../replay/engine/paper.js';

/**
 * Discrete-event time: every loop sleeps until the test moves the clock to the earliest wake-up, which it
 * does only while the exchange has no call in flight (a signed request must reach the exchange at the time
 * it was signed).
 */
export class StepClock implements PaperClock {
  private sleepers: { at: number; wake: () => void }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const s = {
        at: this.t + ms,
        wake: () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          signal?.removeEventListener('abort', s.wake);
          resolve();
        },
      };
      this.sleepers.push(s);
      signal?.addEventListener('abort', s.wake, { once: true });
    });
  }
  /** Lets real time pass for the loops' I/O, then moves to the earliest wake-up if the exchange is quiet. */
  async step(venue: CcxtVenue): Promise<void> {
    await venue.idle();
    await new Promise((r) => setTimeout(r, 3));
    if (!venue.quiet || this.sleepers.length === 0) return;
    const next = Math.min(...this.sleepers.map((x) => x.at));
    this.t = Math.max(this.t, next);
    for (const x of [...this.sleepers]) if (x.at <= this.t) x.wake();
  }
}
