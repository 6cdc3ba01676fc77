/** What readers of one side need, whatever its storage. */
export interface SideView {
  readonly size: number;
  /** Best price in ticks, NaN when the side is empty. */
  best(): number;
  bestQty(): number;
  get(ticks: number): number;
  /** Visits levels from the touch outwards until `visit` returns false. */
  forEachLevel(visit: (ticks: number, lots: number) => boolean): void;
  total(): number;
}

/**
 * One side of an L2 book as parallel sorted typed arrays: the ladder's overflow for levels far from the
 * touch, and the reference the ladder is tested against. Keys are `dir × ticks` kept ascending so the
 * best level sits at the end for both sides (bids dir = +1, asks dir = −1); the search gallops back from
 * the end because updates cluster near the touch. Far-away levels (Binance sends bids at 560 and asks at
 * 621k) cost a slot each, not a price range.
 */
export class BookSide implements SideView {
  private keys: Float64Array;
  private qtys: Float64Array;
  private n = 0;

  constructor(
    /** +1 for bids, −1 for asks. */
    readonly dir: 1 | -1,
    capacity = 2048,
  ) {
    this.keys = new Float64Array(capacity);
    this.qtys = new Float64Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.n = 0;
  }

  best(): number {
    return this.n === 0 ? Number.NaN : this.dir * this.keys[this.n - 1]!;
  }

  bestQty(): number {
    return this.n === 0 ? 0 : this.qtys[this.n - 1]!;
  }

  forEachLevel(visit: (ticks: number, lots: number) => boolean): void {
    for (let i = this.n - 1; i >= 0; i--) if (!visit(this.dir * this.keys[i]!, this.qtys[i]!)) return;
  }

  /** Index of the first key ≥ key (n when none). */
  private lowerBound(key: number): number {
    const k = this.keys;
    let hi = this.n;
    let step = 1;
    let lo = hi - step;
    while (lo > 0 && k[lo]! >= key) {
      hi = lo;
      step <<= 1;
      lo = hi - step;
    }
    if (lo < 0) lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (k[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(ticks: number): number {
    const key = this.dir * ticks;
    const i = this.lowerBound(key);
    return i < this.n && this.keys[i] === key ? this.qtys[i]! : 0;
  }

  /** Sets a level's displayed quantity (0 removes it) and returns what it was. */
  set(ticks: number, lots: number): number {
    const key = this.dir * ticks;
    const i = this.lowerBound(key);
    const n = this.n;
    if (i < n && this.keys[i] === key) {
      const prev = this.qtys[i]!;
      if (lots > 0) this.qtys[i] = lots;
      else {
        this.keys.copyWithin(i, i + 1, n);
        this.qtys.copyWithin(i, i + 1, n);
        this.n = n - 1;
      }
      return prev;
    }
    if (lots <= 0) return 0;
    if (n === this.keys.length) this.grow();
    this.keys.copyWithin(i + 1, i, n);
    this.qtys.copyWithin(i + 1, i, n);
    this.keys[i] = key;
    this.qtys[i] = lots;
    this.n = n + 1;
    return 0;
  }

  total(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.qtys[i]!;
    return s;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const qtys = new Float64Array(this.qtys.length * 2);
    keys.set(this.keys);
    qtys.set(this.qtys);
    this.keys = keys;
    this.qtys = qtys;
  }
}
