/**
 * Fixed-size FIFO over a preallocated Float64Array: the window store every rolling indicator uses,
 * so an update never allocates.
 */
export class Ring {
  readonly buf: Float64Array;
  private head = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buf = new Float64Array(size);
  }

  get full(): boolean {
    return this.count === this.size;
  }

  /** The value the next push will evict once the ring is full. */
  oldest(): number {
    return this.buf[this.head]!;
  }

  push(x: number): void {
    this.buf[this.head] = x;
    this.head = this.head + 1 === this.size ? 0 : this.head + 1;
    if (this.count < this.size) this.count++;
  }

  /** `ago(0)` is the newest value, `ago(size - 1)` the oldest. */
  ago(k: number): number {
    let i = this.head - 1 - k;
    if (i < 0) i += this.size;
    return this.buf[i]!;
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
  }
}

export const assertPeriod = (name: string, period: number, min = 1): void => {
  if (!Number.isInteger(period) || period < min) {
    throw new RangeError(`${name}: period must be an integer >= ${min}, got ${period}`);
  }
};

/** TA-Lib's TA_IS_ZERO epsilon: below it a denominator counts as zero. */
export const EPSILON = 1e-14;
export const isZero = (x: number): boolean => x > -EPSILON && x < EPSILON;
