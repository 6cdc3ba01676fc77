import { assertPeriod, isZero, Ring } from './ring.js';

/**
 * Kaufman efficiency ratio, as inside TA-Lib's KAMA: |close - close[period bars ago]| divided by the
 * sum of the absolute one-bar changes over those `period` bars; 1 when that sum is zero or not above
 * the net change (TA-Lib's rule), clamped to 1 against rounding. Lookback period.
 */
export class EfficiencyRatio {
  readonly lookback: number;
  value = Number.NaN;
  private readonly closes: Ring;
  private readonly changes: Ring;
  private path = 0;

  constructor(readonly period = 10) {
    assertPeriod('efficiency ratio', period);
    this.lookback = period;
    this.closes = new Ring(period + 1);
    this.changes = new Ring(period);
  }

  get ready(): boolean {
    return this.closes.full;
  }

  update(close: number): number {
    if (this.closes.count > 0) {
      const change = Math.abs(close - this.closes.ago(0));
      if (this.changes.full) this.path -= this.changes.oldest();
      this.changes.push(change);
      this.path += change;
    }
    this.closes.push(close);
    if (!this.closes.full) return this.value;
    const net = Math.abs(close - this.closes.oldest());
    this.value = isZero(this.path) || this.path <= net ? 1 : net / this.path;
    return this.value;
  }

  reset(): void {
    this.closes.reset();
    this.changes.reset();
    this.path = 0;
    this.value = Number.NaN;
  }
}
