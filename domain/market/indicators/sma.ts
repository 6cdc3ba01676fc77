import { assertPeriod, Ring } from './ring.js';

/** Simple moving average (TA-Lib SMA): lookback period - 1. */
export class Sma {
  readonly lookback: number;
  value = Number.NaN;
  private readonly ring: Ring;
  private sum = 0;

  constructor(readonly period: number) {
    assertPeriod('SMA', period);
    this.lookback = period - 1;
    this.ring = new Ring(period);
  }

  get ready(): boolean {
    return this.ring.full;
  }

  update(x: number): number {
    if (this.ring.full) this.sum -= this.ring.oldest();
    this.ring.push(x);
    this.sum += x;
    if (this.ring.full) this.value = this.sum / this.period;
    return this.value;
  }

  reset(): void {
    this.ring.reset();
    this.sum = 0;
    this.value = Number.NaN;
  }
}
