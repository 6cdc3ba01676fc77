/** One UTC day: the usual session for 24/7 crypto markets. */
export const DAY_MS = 86_400_000;

/**
 * Volume-weighted average price of the typical price (high + low + close) / 3, anchored at the start
 * of each session: the running sums restart when a bar's open time enters a new `sessionMs`-long
 * window of epoch time (default: the UTC day). sessionMs = 0 anchors once at the first bar, which is
 * what technicalindicators' VWAP computes. TA-Lib has no VWAP. NaN until the session has volume.
 * Lookback 0.
 */
export class Vwap {
  readonly lookback = 0;
  value = Number.NaN;
  private sessionStart = Number.NaN;
  private sessionEnd = Number.NaN;
  private pv = 0;
  private vol = 0;

  constructor(readonly sessionMs = DAY_MS) {
    if (!(sessionMs >= 0)) throw new RangeError(`VWAP: sessionMs must be >= 0, got ${sessionMs}`);
  }

  get ready(): boolean {
    return !Number.isNaN(this.value);
  }

  update(openTime: number, high: number, low: number, close: number, volume: number): number {
    // Comparing with the session's bounds spares a division per bar; NaN bounds force the first reset.
    if (!(openTime >= this.sessionStart && openTime < this.sessionEnd)) {
      const ms = this.sessionMs;
      this.sessionStart = ms > 0 ? Math.floor(openTime / ms) * ms : Number.NEGATIVE_INFINITY;
      this.sessionEnd = ms > 0 ? this.sessionStart + ms : Number.POSITIVE_INFINITY;
      this.pv = 0;
      this.vol = 0;
      this.value = Number.NaN;
    }
    // pv accumulates 3 * typical * volume: one division per bar instead of two.
    this.pv += (high + low + close) * volume;
    this.vol += volume;
    if (this.vol > 0) this.value = this.pv / (3 * this.vol);
    return this.value;
  }

  reset(): void {
    this.sessionStart = this.sessionEnd = Number.NaN;
    this.pv = 0;
    this.vol = 0;
    this.value = Number.NaN;
  }
}
