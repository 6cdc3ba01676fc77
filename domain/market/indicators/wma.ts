import { assertPeriod, Ring } from './ring.js';

/**
 * Linearly weighted moving average (TA-Lib WMA): the newest value weighs `period`, the oldest 1,
 * divided by period * (period + 1) / 2; lookback period - 1. Updated in O(1): each step every weight
 * drops by one, which subtracts the plain window sum.
 */
export class Wma {
  readonly lookback: number;
  value = Number.NaN;
  private readonly ring: Ring;
  private readonly divider: number;
  private sum = 0;
  private weighted = 0;

  constructor(readonly period: number) {
    assertPeriod('WMA', period);
    this.lookback = period - 1;
    this.ring = new Ring(period);
    this.divider = (period * (period + 1)) / 2;
  }

  get ready(): boolean {
    return this.ring.full;
  }

  update(x: number): number {
    if (this.ring.full) {
      this.weighted += this.period * x - this.sum;
      this.sum += x - this.ring.oldest();
      this.ring.push(x);
      this.value = this.weighted / this.divider;
      return this.value;
    }
    this.ring.push(x);
    this.weighted += this.ring.count * x;
    this.sum += x;
    if (this.ring.full) this.value = this.weighted / this.divider;
    return this.value;
  }

  reset(): void {
    this.ring.reset();
    this.sum = 0;
    this.weighted = 0;
    this.value = Number.NaN;
  }
}
