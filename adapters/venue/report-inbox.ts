import type { VenueReport } from '../../domain/ledger/venue-port.js';
import type { ReportDraft } from './observation.js';

/** The local clock reports are stamped with as they arrive (the wall clock live, a hand-set one in tests). */
export interface VenueClock {
  now(): number;
}

const NONE: readonly VenueReport[] = [];

/**
 * Reports in the order they reached the trader, each stamped with the local time it arrived. `receivedAt`
 * never goes back even if the clock does (an NTP step), so `take(t)` hands out a prefix of the queue: a
 * report never overtakes one that arrived before it, and nothing received after `t` is handed out early.
 */
export class ReportInbox {
  private queue: VenueReport[] = [];
  private last = Number.NEGATIVE_INFINITY;
  /** Reports received so far, handed out or not. */
  received = 0;

  constructor(
    private readonly clock: VenueClock,
    private readonly onReport: () => void = () => {},
  ) {}

  push(draft: ReportDraft): void {
    const receivedAt = Math.max(this.clock.now(), this.last);
    this.last = receivedAt;
    this.queue.push({ ...draft, receivedAt } as VenueReport);
    this.received++;
    this.onReport();
  }

  /** Removes and returns, in arrival order, the reports received at or before `t`. */
  take(t: number): readonly VenueReport[] {
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.receivedAt <= t) n++;
    if (n === 0) return NONE;
    return this.queue.splice(0, n);
  }

  get waiting(): number {
    return this.queue.length;
  }
}
