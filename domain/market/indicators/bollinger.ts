import { assertPeriod, Ring } from './ring.js';
import { RollingMoments } from './rolling-moments.js';

/**
 * Bollinger Bands (TA-Lib BBANDS with SMA): middle = SMA(period), bands = middle ± k * population
 * standard deviation of the same window. Lookback period - 1.
 */
export class Bollinger {
  readonly lookback: number;
  upper = Number.NaN;
  middle = Number.NaN;
  lower = Number.NaN;
  private readonly ring: Ring;
  private readonly moments = new RollingMoments();

  constructor(
    readonly period = 20,
    readonly k = 2,
  ) {
    assertPeriod('Bollinger', period);
    this.lookback = period - 1;
    this.ring = new Ring(period);
  }

  get ready(): boolean {
    return this.ring.full;
  }

  /** Returns the middle band; all three bands are fields. */
  update(x: number): number {
    if (this.ring.full) this.moments.replace(this.ring.oldest(), x);
    else this.moments.add(x);
    this.ring.push(x);
    if (!this.ring.full) return this.middle;
    const width = this.k * Math.sqrt(this.moments.variance);
    this.middle = this.moments.mean;
    this.upper = this.middle + width;
    this.lower = this.middle - width;
    return this.middle;
  }

  reset(): void {
    this.ring.reset();
    this.moments.reset();
    this.upper = this.middle = this.lower = Number.NaN;
  }
}
