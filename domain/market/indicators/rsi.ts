import { assertPeriod, isZero } from './ring.js';

/**
 * Relative strength index with Wilder smoothing (TA-Lib RSI, unstable period 0): the first averages
 * are plain means of the first `period` gains and losses, then avg = (avg * (period - 1) + x) / period.
 * Lookback period (one bar is spent on the first change). Zero movement gives 0, as TA-Lib does.
 */
export class Rsi {
  readonly lookback: number;
  value = Number.NaN;
  private count = 0;
  private prev = 0;
  private avgGain = 0;
  private avgLoss = 0;
  // Wilder smoothing as products, off the division's latency (see atr.ts).
  private readonly keep: number;
  private readonly gain: number;

  constructor(readonly period: number) {
    assertPeriod('RSI', period, 2);
    this.lookback = period;
    this.keep = (period - 1) / period;
    this.gain = 1 / period;
  }

  get ready(): boolean {
    return this.count > this.period;
  }

  update(close: number): number {
    if (this.count === 0) {
      this.prev = close;
      this.count = 1;
      return this.value;
    }
    const d = close - this.prev;
    this.prev = close;
    // Branch-free split of the change (exact: d + |d| is 2d or 0).
    const abs = Math.abs(d);
    const gain = (d + abs) * 0.5;
    const loss = (abs - d) * 0.5;
    const n = this.period;
    if (this.count <= n) {
      this.avgGain += gain;
      this.avgLoss += loss;
      this.count++;
      if (this.count <= n) return this.value;
      this.avgGain /= n;
      this.avgLoss /= n;
    } else {
      this.avgGain = this.avgGain * this.keep + gain * this.gain;
      this.avgLoss = this.avgLoss * this.keep + loss * this.gain;
    }
    const total = this.avgGain + this.avgLoss;
    this.value = isZero(total) ? 0 : (100 * this.avgGain) / total;
    return this.value;
  }

  reset(): void {
    this.count = 0;
    this.avgGain = 0;
    this.avgLoss = 0;
    this.value = Number.NaN;
  }
}
