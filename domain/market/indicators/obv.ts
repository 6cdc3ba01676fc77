/**
 * On-balance volume (TA-Lib OBV): starts at the first bar's volume, then adds the volume on an up
 * close and subtracts it on a down close. Lookback 0.
 */
export class Obv {
  readonly lookback = 0;
  value = Number.NaN;
  private prevClose = Number.NaN;

  get ready(): boolean {
    return !Number.isNaN(this.value);
  }

  update(close: number, volume: number): number {
    if (Number.isNaN(this.value)) this.value = volume;
    else if (close > this.prevClose) this.value += volume;
    else if (close < this.prevClose) this.value -= volume;
    this.prevClose = close;
    return this.value;
  }

  reset(): void {
    this.value = Number.NaN;
    this.prevClose = Number.NaN;
  }
}
