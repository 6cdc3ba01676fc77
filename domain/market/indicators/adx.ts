import { trueRange } from './atr.js';
import { assertPeriod, isZero } from './ring.js';

/**
 * ADX with +DI / -DI / DX (TA-Lib ADX, PLUS_DI, MINUS_DI, DX). TA-Lib's seeding, kept exactly:
 * - +DM/-DM/TR start on the second bar; the first smoothed sums add up `period - 1` of them, and from
 *   bar `period` on each is smoothed as s = s - s / period + x. So DI is first defined at bar `period`
 *   (lookback period).
 * - ADX is the mean of the first `period` DX values (bars period .. 2*period - 1), then Wilder
 *   smoothing: lookback 2 * period - 1.
 * - A zero true range (or +DI + -DI = 0) leaves DX undefined: it counts as 0 in the seed mean and
 *   leaves ADX unchanged afterwards, as TA-Lib does.
 */
export class Adx {
  readonly lookback: number;
  adx = Number.NaN;
  plusDI = Number.NaN;
  minusDI = Number.NaN;
  dx = Number.NaN;
  private count = 0;
  private prevHigh = 0;
  private prevLow = 0;
  private prevClose = 0;
  private sPlus = 0;
  private sMinus = 0;
  private sTr = 0;
  private sumDx = 0;
  // s - s/n + x and (adx * (n - 1) + dx) / n as products, off the division's latency (see atr.ts).
  private readonly keep: number;
  private readonly gain: number;

  constructor(readonly period = 14) {
    assertPeriod('ADX', period, 2);
    this.lookback = 2 * period - 1;
    this.keep = (period - 1) / period;
    this.gain = 1 / period;
  }

  get ready(): boolean {
    return this.count >= 2 * this.period;
  }

  /** Returns ADX; the DIs and DX are fields. */
  update(high: number, low: number, close: number): number {
    const i = this.count++;
    if (i === 0) {
      this.prevHigh = high;
      this.prevLow = low;
      this.prevClose = close;
      return this.adx;
    }
    const diffP = high - this.prevHigh;
    const diffM = this.prevLow - low;
    let plusDM = 0;
    let minusDM = 0;
    if (diffM > 0 && diffP < diffM) minusDM = diffM;
    else if (diffP > 0 && diffP > diffM) plusDM = diffP;
    const tr = trueRange(high, low, this.prevClose);
    this.prevHigh = high;
    this.prevLow = low;
    this.prevClose = close;
    const n = this.period;
    if (i < n) {
      this.sPlus += plusDM;
      this.sMinus += minusDM;
      this.sTr += tr;
      return this.adx;
    }
    this.sPlus = this.sPlus * this.keep + plusDM;
    this.sMinus = this.sMinus * this.keep + minusDM;
    this.sTr = this.sTr * this.keep + tr;
    let dx = Number.NaN;
    if (isZero(this.sTr)) {
      this.plusDI = 0;
      this.minusDI = 0;
    } else {
      this.plusDI = (100 * this.sPlus) / this.sTr;
      this.minusDI = (100 * this.sMinus) / this.sTr;
      const sum = this.plusDI + this.minusDI;
      if (!isZero(sum)) dx = (100 * Math.abs(this.plusDI - this.minusDI)) / sum;
    }
    this.dx = Number.isNaN(dx) ? 0 : dx;
    if (i < 2 * n - 1) {
      this.sumDx += this.dx;
    } else if (i === 2 * n - 1) {
      this.adx = (this.sumDx + this.dx) / n;
    } else if (!Number.isNaN(dx)) {
      this.adx = this.adx * this.keep + dx * this.gain;
    }
    return this.adx;
  }

  reset(): void {
    this.count = 0;
    this.sPlus = this.sMinus = this.sTr = this.sumDx = 0;
    this.adx = this.plusDI = this.minusDI = this.dx = Number.NaN;
  }
}
