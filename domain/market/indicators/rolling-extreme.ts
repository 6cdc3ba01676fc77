import { assertPeriod } from './ring.js';

/**
 * Highest (or lowest) of the last `period` values with a monotonic deque held in two preallocated
 * arrays. Each value enters and leaves the deque once, so an update is amortised O(1); a rescan of the
 * window would be O(period). The capacity is a power of two so positions wrap with a mask.
 */
export class RollingExtreme {
  private readonly vals: Float64Array;
  private readonly idx: Float64Array;
  private readonly mask: number;
  private head = 0;
  private len = 0;
  private t = 0;
  value = Number.NaN;

  constructor(
    readonly period: number,
    private readonly isMax: boolean,
  ) {
    assertPeriod(isMax ? 'highest' : 'lowest', period);
    let cap = 1;
    while (cap < period) cap <<= 1;
    this.mask = cap - 1;
    this.vals = new Float64Array(cap);
    this.idx = new Float64Array(cap);
  }

  get ready(): boolean {
    return this.t >= this.period;
  }

  /** Pushes x and returns the extreme of the window ending at x (even before the window is full). */
  push(x: number): number {
    const mask = this.mask;
    const vals = this.vals;
    // Expire first so the deque holds at most period - 1 old entries plus the new one.
    if (this.len > 0 && this.idx[this.head]! <= this.t - this.period) {
      this.head = (this.head + 1) & mask;
      this.len--;
    }
    let len = this.len;
    if (this.isMax) {
      while (len > 0 && vals[(this.head + len - 1) & mask]! <= x) len--;
    } else {
      while (len > 0 && vals[(this.head + len - 1) & mask]! >= x) len--;
    }
    const tail = (this.head + len) & mask;
    vals[tail] = x;
    this.idx[tail] = this.t;
    this.len = len + 1;
    this.t++;
    this.value = vals[this.head]!;
    return this.value;
  }

  reset(): void {
    this.head = 0;
    this.len = 0;
    this.t = 0;
    this.value = Number.NaN;
  }
}
