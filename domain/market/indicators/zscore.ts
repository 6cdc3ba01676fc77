import { assertPeriod, isZero, Ring } from './ring.js';
import { RollingMoments } from './rolling-moments.js';

/**
 * Rolling z-score: (x - mean) / population standard deviation of the last `period` values including
 * x (the window Bollinger Bands use, so z = ±k sits on the bands). 0 when the window is flat.
 * Lookback period - 1.
 */
export class ZScore {
  readonly lookback: number;
  value = Number.NaN;
  private readonly ring: Ring;
  private readonly moments = new RollingMoments();

  constructor(readonly period: number) {
    assertPeriod('z-score', period, 2);
    this.lookback = period - 1;
    this.ring = new Ring(period);
  }

  get ready(): boolean {
    return this.ring.full;
  }

  update(x: number): number {
    if (this.ring.full) this.moments.replace(this.ring.oldest(), x);
    else this.moments.add(x);
    this.ring.push(x);
    if (!this.ring.full) return this.value;
    const sd = Math.sqrt(this.moments.variance);
    this.value = isZero(sd) ? 0 : (x - this.moments.mean) / sd;
    return this.value;
  }

  reset(): void {
    this.ring.reset();
    this.moments.reset();
    this.value = Number.NaN;
  }
}
