import { assertPeriod } from './ring.js';
import { RollingExtreme } from './rolling-extreme.js';

/**
 * Donchian channel: upper = highest high, lower = lowest low of the last `period` bars including the
 * current one (TA-Lib MAX/MIN windows), middle = their mean. Lookback period - 1. Breakout rules that
 * compare the close with the channel of the *previous* bars should read the value before updating.
 */
export class Donchian {
  readonly lookback: number;
  upper = Number.NaN;
  lower = Number.NaN;
  middle = Number.NaN;
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;

  constructor(readonly period = 20) {
    assertPeriod('Donchian', period);
    this.lookback = period - 1;
    this.hi = new RollingExtreme(period, true);
    this.lo = new RollingExtreme(period, false);
  }

  get ready(): boolean {
    return this.hi.ready;
  }

  /** Returns the middle line; upper and lower are fields. */
  update(high: number, low: number): number {
    const u = this.hi.push(high);
    const l = this.lo.push(low);
    if (this.hi.ready) {
      this.upper = u;
      this.lower = l;
      this.middle = (u + l) / 2;
    }
    return this.middle;
  }

  reset(): void {
    this.hi.reset();
    this.lo.reset();
    this.upper = this.lower = this.middle = Number.NaN;
  }
}
