import { assertPeriod } from './ring.js';

/**
 * Highest (or lowest) of the last `period` values, van Herk / Gil-Werman style: values arrive in
 * blocks of `period`; the window ending at position j of the current block is the current block's
 * prefix [0..j] plus the previous block's suffix [j+1..]. The prefix extreme is a running max, the
 * suffixes are computed once per completed block (O(period) every period updates, amortised O(1)).
 * Unlike a monotonic deque there is no data-dependent loop, so the CPU has nothing to mispredict.
 */
export class RollingExtreme {
  private readonly block: Float64Array;
  /** suffix[k] = extreme of the previous block from position k on; suffix[period] is the identity. */
  private readonly suffix: Float64Array;
  private readonly identity: number;
  private j = 0;
  private prefix: number;
  private t = 0;
  value = Number.NaN;

  constructor(
    readonly period: number,
    private readonly isMax: boolean,
  ) {
    assertPeriod(isMax ? 'highest' : 'lowest', period);
    this.block = new Float64Array(period);
    this.suffix = new Float64Array(period + 1);
    this.identity = isMax ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    this.suffix.fill(this.identity);
    this.prefix = this.identity;
  }

  get ready(): boolean {
    return this.t >= this.period;
  }

  /** Pushes x and returns the extreme of the window ending at x (even before the window is full). */
  push(x: number): number {
    const j = this.j;
    this.block[j] = x;
    if (this.isMax) {
      this.prefix = Math.max(this.prefix, x);
      this.value = Math.max(this.suffix[j + 1]!, this.prefix);
    } else {
      this.prefix = Math.min(this.prefix, x);
      this.value = Math.min(this.suffix[j + 1]!, this.prefix);
    }
    this.t++;
    if (j + 1 === this.period) this.closeBlock();
    else this.j = j + 1;
    return this.value;
  }

  private closeBlock(): void {
    let acc = this.identity;
    const block = this.block;
    const suffix = this.suffix;
    if (this.isMax) {
      for (let k = this.period - 1; k >= 0; k--) suffix[k] = acc = Math.max(acc, block[k]!);
    } else {
      for (let k = this.period - 1; k >= 0; k--) suffix[k] = acc = Math.min(acc, block[k]!);
    }
    this.j = 0;
    this.prefix = this.identity;
  }

  reset(): void {
    this.suffix.fill(this.identity);
    this.prefix = this.identity;
    this.j = 0;
    this.t = 0;
    this.value = Number.NaN;
  }
}
