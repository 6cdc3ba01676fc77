import { assertPeriod, Ring } from './ring.js';
import { RollingMoments } from './rolling-moments.js';

const YEAR_MS = 365 * 86_400_000;

/** Bars in a 365-day year: crypto perpetuals trade around the clock, every day. */
export const barsPerYear = (timeframeMs: number): number => YEAR_MS / timeframeMs;

/**
 * Realised volatility: sample standard deviation (n - 1) of the last `period` log returns
 * ln(close / previous close), annualised by sqrt(barsPerYear). Needs period + 1 closes: lookback
 * period. TA-Lib has no such function; the sample estimator is the usual one for realised volatility.
 */
export class RealisedVolatility {
  readonly lookback: number;
  value = Number.NaN;
  private readonly ring: Ring;
  private readonly moments = new RollingMoments();
  private readonly scale: number;
  private prev = Number.NaN;

  constructor(
    readonly period: number,
    readonly barsPerYear: number,
  ) {
    assertPeriod('realised volatility', period, 2);
    if (!(barsPerYear > 0)) throw new RangeError(`realised volatility: barsPerYear must be > 0`);
    this.lookback = period;
    this.ring = new Ring(period);
    this.scale = Math.sqrt(barsPerYear);
  }

  get ready(): boolean {
    return this.ring.full;
  }

  update(close: number): number {
    const prev = this.prev;
    this.prev = close;
    if (Number.isNaN(prev)) return this.value;
    const r = Math.log(close / prev);
    if (this.ring.full) this.moments.replace(this.ring.oldest(), r);
    else this.moments.add(r);
    this.ring.push(r);
    if (this.ring.full) this.value = Math.sqrt(this.moments.sampleVariance) * this.scale;
    return this.value;
  }

  reset(): void {
    this.ring.reset();
    this.moments.reset();
    this.prev = Number.NaN;
    this.value = Number.NaN;
  }
}
