import { assertPeriod } from './ring.js';

/**
 * Highest (or lowest) of the last `period` values with a monotonic deque held in two preallocated
 * arrays. Each value enters and leaves the deque once, so an update is amortised O(1); a rescan of the
 * window would be O(period).
 */
export class RollingExtreme {
  private readonly vals: Float64Array;
  private readonly idx: Float64Array;
  private head = 0;
  private len = 0;
  private t = 0;
  value = Number.NaN;

  constructor(
    readonly period: number,
    private readonly isMax: boolean,
  ) {
    assertPeriod(isMax ? 'highest' : 'lowest', period);
    this.vals = new Float64Array(period);
    this.idx = new Float64Array(period);
  }

  get ready(): boolean {
    return this.t >= this.period;
  }

  /** Pushes x and returns the extreme of the window ending at x (even before the window is full). */
  push(x: number): number {
    const cap = this.period;
    // Expire first so the deque holds at most period - 1 old entries plus the new one.
    if (this.len > 0 && this.idx[this.head]! <= this.t - cap) {
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
      this.len--;
    }
    while (this.len > 0) {
      let back = this.head + this.len - 1;
      if (back >= cap) back -= cap;
      const v = this.vals[back]!;
      if (this.isMax ? v <= x : v >= x) this.len--;
      else break;
    }
    let tail = this.head + this.len;
    if (tail >= cap) tail -= cap;
    this.vals[tail] = x;
    this.idx[tail] = this.t;
    this.len++;
    this.t++;
    this.value = this.vals[this.head]!;
    return this.value;
  }

  reset(): void {
    this.head = 0;
    this.len = 0;
    this.t = 0;
    this.value = Number.NaN;
  }
}
