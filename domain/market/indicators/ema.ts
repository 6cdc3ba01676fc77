import { assertPeriod } from './ring.js';

/**
 * Exponential moving average (TA-Lib EMA, classic seeding): k = 2 / (period + 1), the first value is
 * the SMA of the first `period` inputs, lookback period - 1.
 */
export class Ema {
  readonly lookback: number;
  readonly k: number;
  value = Number.NaN;
  private count = 0;
  private seedSum = 0;

  constructor(readonly period: number) {
    assertPeriod('EMA', period);
    this.lookback = period - 1;
    this.k = 2 / (period + 1);
  }

  get ready(): boolean {
    return this.count >= this.period;
  }

  update(x: number): number {
    if (this.count >= this.period) {
      this.value += (x - this.value) * this.k;
      return this.value;
    }
    this.seedSum += x;
    this.count++;
    if (this.count === this.period) this.value = this.seedSum / this.period;
    return this.value;
  }

  /** Starts the recursion from a given value: MACD seeds its fast EMA this way (see macd.ts). */
  seed(value: number): void {
    this.count = this.period;
    this.value = value;
  }

  reset(): void {
    this.count = 0;
    this.seedSum = 0;
    this.value = Number.NaN;
  }
}
