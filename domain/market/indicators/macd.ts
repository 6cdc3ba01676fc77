import { Ema } from './ema.js';
import { assertPeriod } from './ring.js';
import { Sma } from './sma.js';

/**
 * MACD (TA-Lib MACD): line = EMA(fast) - EMA(slow), signal = EMA(signal) of the line, histogram =
 * line - signal. TA-Lib starts both EMAs on the same bar: the slow EMA seeds with the SMA of the
 * first `slow` closes and the fast EMA with the SMA of the `fast` closes ending on that same bar
 * (index slow - 1), not of the first `fast` closes. Libraries that seed the fast EMA earlier differ
 * for a few hundred bars and then converge. All three outputs start at lookback slow + signal - 2.
 */
export class Macd {
  readonly lookback: number;
  macd = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;
  private readonly fastSeed: Sma;
  private readonly fastEma: Ema;
  private readonly slowEma: Ema;
  private readonly signalEma: Ema;
  private count = 0;

  constructor(
    readonly fast = 12,
    readonly slow = 26,
    readonly signalPeriod = 9,
  ) {
    assertPeriod('MACD fast', fast, 2);
    assertPeriod('MACD slow', slow, 2);
    assertPeriod('MACD signal', signalPeriod);
    if (fast > slow) [this.fast, this.slow] = [slow, fast];
    this.lookback = this.slow + signalPeriod - 2;
    this.fastSeed = new Sma(this.fast);
    this.fastEma = new Ema(this.fast);
    this.slowEma = new Ema(this.slow);
    this.signalEma = new Ema(signalPeriod);
  }

  get ready(): boolean {
    return this.signalEma.ready;
  }

  /** Returns the MACD line (NaN until the signal is ready); signal and histogram are fields. */
  update(x: number): number {
    this.count++;
    const slow = this.slowEma.update(x);
    if (this.count < this.slow) {
      this.fastSeed.update(x);
      return this.macd;
    }
    let fast: number;
    if (this.count === this.slow) {
      this.fastEma.seed(this.fastSeed.update(x));
      fast = this.fastEma.value;
    } else {
      fast = this.fastEma.update(x);
    }
    const line = fast - slow;
    const signal = this.signalEma.update(line);
    if (this.signalEma.ready) {
      this.macd = line;
      this.signal = signal;
      this.histogram = line - signal;
    }
    return this.macd;
  }

  reset(): void {
    this.count = 0;
    this.fastSeed.reset();
    this.fastEma.reset();
    this.slowEma.reset();
    this.signalEma.reset();
    this.macd = this.signal = this.histogram = Number.NaN;
  }
}
