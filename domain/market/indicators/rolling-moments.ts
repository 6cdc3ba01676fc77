/**
 * Mean and sum of squared deviations of a sliding window, updated Welford-style. The textbook
 * sum / sum-of-squares form cancels catastrophically on prices like 30000 with a spread of 5; this
 * form keeps full precision over a whole year of bars.
 */
export class RollingMoments {
  n = 0;
  mean = 0;
  m2 = 0;

  add(x: number): void {
    this.n++;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }

  /** Replaces the window's oldest value with a new one, keeping n. */
  replace(xOld: number, xNew: number): void {
    const d = xNew - xOld;
    const oldMean = this.mean;
    this.mean += d / this.n;
    this.m2 += d * (xNew - this.mean + xOld - oldMean);
    if (this.m2 < 0) this.m2 = 0;
  }

  /** Population variance (divide by n), TA-Lib's STDDEV/VAR convention. */
  get variance(): number {
    return this.n > 0 ? this.m2 / this.n : Number.NaN;
  }

  /** Sample variance (divide by n - 1). */
  get sampleVariance(): number {
    return this.n > 1 ? this.m2 / (this.n - 1) : Number.NaN;
  }

  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.m2 = 0;
  }
}
