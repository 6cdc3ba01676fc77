import { Atr } from './atr.js';
import { Ema } from './ema.js';

/**
 * Keltner channel (TA-Lib has none; this is the StockCharts/Raschke form): middle = EMA(close,
 * emaPeriod), bands = middle ± multiplier * ATR(atrPeriod), both with the TA-Lib conventions of
 * ema.ts and atr.ts. Lookback max(emaPeriod - 1, atrPeriod).
 */
export class Keltner {
  readonly lookback: number;
  upper = Number.NaN;
  middle = Number.NaN;
  lower = Number.NaN;
  private readonly ema: Ema;
  private readonly atr: Atr;

  constructor(
    readonly emaPeriod = 20,
    readonly atrPeriod = 10,
    readonly multiplier = 2,
  ) {
    this.ema = new Ema(emaPeriod);
    this.atr = new Atr(atrPeriod);
    this.lookback = Math.max(emaPeriod - 1, atrPeriod);
  }

  get ready(): boolean {
    return this.ema.ready && this.atr.ready;
  }

  /** Returns the middle line; upper and lower are fields. */
  update(high: number, low: number, close: number): number {
    const m = this.ema.update(close);
    const a = this.atr.update(high, low, close);
    if (this.ema.ready && this.atr.ready) {
      this.middle = m;
      this.upper = m + this.multiplier * a;
      this.lower = m - this.multiplier * a;
    }
    return this.middle;
  }

  reset(): void {
    this.ema.reset();
    this.atr.reset();
    this.upper = this.middle = this.lower = Number.NaN;
  }
}
