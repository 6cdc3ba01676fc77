import { assertPeriod, Ring } from './ring.js';

/**
 * Rolling Pearson correlation of two series over `period` pairs (TA-Lib CORREL): lookback period - 1,
 * 0 when either side is flat. Co-moments are updated Welford-style (remove the oldest pair, add the
 * newest) instead of TA-Lib's raw sums, which cancel badly on price levels; clamped to [-1, 1]
 * against rounding. Flat means every value in the window is identical, counted exactly as a run
 * length: TA-Lib's absolute epsilon on the co-moments would call a genuinely moving 0.001-priced
 * coin flat, while sliding updates leave rounding residue on a truly flat one.
 */
export class Correlation {
  readonly lookback: number;
  value = Number.NaN;
  private readonly xs: Ring;
  private readonly ys: Ring;
  private n = 0;
  private mx = 0;
  private my = 0;
  private cxx = 0;
  private cyy = 0;
  private cxy = 0;
  private lastX = Number.NaN;
  private lastY = Number.NaN;
  private runX = 0;
  private runY = 0;

  constructor(readonly period: number) {
    assertPeriod('correlation', period, 2);
    this.lookback = period - 1;
    this.xs = new Ring(period);
    this.ys = new Ring(period);
  }

  get ready(): boolean {
    return this.xs.full;
  }

  update(x: number, y: number): number {
    if (this.xs.full) this.remove(this.xs.oldest(), this.ys.oldest());
    this.xs.push(x);
    this.ys.push(y);
    this.runX = x === this.lastX ? this.runX + 1 : 1;
    this.runY = y === this.lastY ? this.runY + 1 : 1;
    this.lastX = x;
    this.lastY = y;
    this.n++;
    const dx = x - this.mx;
    const dy = y - this.my;
    this.mx += dx / this.n;
    this.my += dy / this.n;
    this.cxx += dx * (x - this.mx);
    this.cyy += dy * (y - this.my);
    this.cxy += dx * (y - this.my);
    if (!this.xs.full) return this.value;
    const den = this.cxx * this.cyy;
    if (this.runX >= this.period || this.runY >= this.period || !(den > 0)) {
      this.value = 0;
      return 0;
    }
    const r = this.cxy / Math.sqrt(den);
    this.value = Math.max(-1, Math.min(1, r));
    return this.value;
  }

  private remove(x: number, y: number): void {
    const n1 = this.n - 1;
    const mxN = this.mx;
    const myN = this.my;
    this.mx = mxN - (x - mxN) / n1;
    this.my = myN - (y - myN) / n1;
    this.cxx -= (x - this.mx) * (x - mxN);
    this.cyy -= (y - this.my) * (y - myN);
    this.cxy -= (x - this.mx) * (y - myN);
    if (this.cxx < 0) this.cxx = 0;
    if (this.cyy < 0) this.cyy = 0;
    this.n = n1;
  }

  reset(): void {
    this.xs.reset();
    this.ys.reset();
    this.n = 0;
    this.mx = this.my = this.cxx = this.cyy = this.cxy = 0;
    this.lastX = this.lastY = Number.NaN;
    this.runX = this.runY = 0;
    this.value = Number.NaN;
  }
}
