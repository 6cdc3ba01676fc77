import { assertPeriod } from './ring.js';

export const trueRange = (high: number, low: number, prevClose: number): number =>
  Math.max(high - low, Math.abs(high - prevClose), Math.abs(low - prevClose));

/**
 * Average true range (TA-Lib ATR): true range needs the previous close, so the first bar yields none;
 * the first ATR is the mean of the first `period` true ranges, then Wilder smoothing. Lookback period.
 */
export class Atr {
  readonly lookback: number;
  value = Number.NaN;
  private count = 0;
  private prevClose = 0;
  private acc = 0;
  // Wilder's (atr * (n - 1) + tr) / n as two products: a division on the bar-to-bar dependency chain
  // would triple its latency. Differs from TA-Lib's form only in the last bits.
  private readonly keep: number;
  private readonly gain: number;

  constructor(readonly period: number) {
    assertPeriod('ATR', period);
    this.lookback = period;
    this.keep = (period - 1) / period;
    this.gain = 1 / period;
  }

  get ready(): boolean {
    return this.count > this.period;
  }

  update(high: number, low: number, close: number): number {
    if (this.count === 0) {
      this.prevClose = close;
      this.count = 1;
      return this.value;
    }
    const tr = trueRange(high, low, this.prevClose);
    this.prevClose = close;
    const n = this.period;
    if (this.count > n) {
      this.value = this.value * this.keep + tr * this.gain;
      return this.value;
    }
    this.acc += tr;
    this.count++;
    if (this.count > n) this.value = this.acc / n;
    return this.value;
  }

  reset(): void {
    this.count = 0;
    this.acc = 0;
    this.value = Number.NaN;
  }
}
