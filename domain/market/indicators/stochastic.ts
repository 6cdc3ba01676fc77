import { isZero } from './ring.js';
import { RollingExtreme } from './rolling-extreme.js';
import { Sma } from './sma.js';

/**
 * Stochastic oscillator (TA-Lib STOCH with SMA smoothing): fast %K = 100 * (close - lowest low) /
 * (highest high - lowest low) over kPeriod bars (0 when the range is zero, as TA-Lib), %K = SMA(fast
 * %K, kSmooth), %D = SMA(%K, dPeriod). kSmooth = 1 gives the fast stochastic. TA-Lib emits %K and %D
 * together, so both start at lookback (kPeriod - 1) + (kSmooth - 1) + (dPeriod - 1).
 */
export class Stochastic {
  readonly lookback: number;
  k = Number.NaN;
  d = Number.NaN;
  private readonly hi: RollingExtreme;
  private readonly lo: RollingExtreme;
  private readonly kSma: Sma;
  private readonly dSma: Sma;

  constructor(
    readonly kPeriod = 14,
    readonly kSmooth = 3,
    readonly dPeriod = 3,
  ) {
    this.hi = new RollingExtreme(kPeriod, true);
    this.lo = new RollingExtreme(kPeriod, false);
    this.kSma = new Sma(kSmooth);
    this.dSma = new Sma(dPeriod);
    this.lookback = kPeriod - 1 + (kSmooth - 1) + (dPeriod - 1);
  }

  get ready(): boolean {
    return this.dSma.ready;
  }

  /** Returns %K; %D is a field. */
  update(high: number, low: number, close: number): number {
    const hh = this.hi.push(high);
    const ll = this.lo.push(low);
    if (!this.hi.ready) return this.k;
    const range = hh - ll;
    const fastK = isZero(range) ? 0 : (100 * (close - ll)) / range;
    const k = this.kSma.update(fastK);
    if (!this.kSma.ready) return this.k;
    const d = this.dSma.update(k);
    if (this.dSma.ready) {
      this.k = k;
      this.d = d;
    }
    return this.k;
  }

  reset(): void {
    this.hi.reset();
    this.lo.reset();
    this.kSma.reset();
    this.dSma.reset();
    this.k = this.d = Number.NaN;
  }
}
