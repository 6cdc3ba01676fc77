import { BookSide, type SideView } from './book-side.js';

/**
 * One side of the book as a dense price ladder around the touch plus a sorted overflow for the rest.
 * On the real BTCUSDT stream three quarters of diff rows land 10–100 USD from the touch, where a sorted
 * array pays a search and a shift of hundreds of levels per insert or delete; a ladder slot is O(1).
 * Binance also sends levels thousands of USD away (bids at 560), which would make a ladder over every
 * price huge, so those live in the sorted overflow, which they rarely touch.
 *
 * Keys are dir × ticks (bids +1, asks −1), so on both sides the best level is the highest key. The window
 * re-centres when a level outside it becomes the best, i.e. when the market has moved far.
 */
export class LadderSide implements SideView {
  private readonly qty: Float64Array;
  private readonly width: number;
  private base = Number.NaN;
  /** Index of the best non-empty slot, −1 when the window is empty. */
  private bestIdx = -1;
  private inWindow = 0;
  private readonly overflow: BookSide;

  constructor(
    readonly dir: 1 | -1,
    /** Slots each side of the centre; 2^14 ticks of 0.1 is ±1 638 USD on BTCUSDT. */
    half = 1 << 14,
  ) {
    this.width = 2 * half;
    this.qty = new Float64Array(this.width);
    this.overflow = new BookSide(dir, 256);
  }

  get size(): number {
    return this.inWindow + this.overflow.size;
  }

  clear(): void {
    if (this.inWindow > 0) this.qty.fill(0);
    this.inWindow = 0;
    this.bestIdx = -1;
    this.base = Number.NaN;
    this.overflow.clear();
  }

  private bestKey(): number {
    const w = this.bestIdx >= 0 ? this.base + this.bestIdx : Number.NEGATIVE_INFINITY;
    const o = this.overflow.size > 0 ? this.dir * this.overflow.best() : Number.NEGATIVE_INFINITY;
    return Math.max(w, o);
  }

  best(): number {
    const k = this.bestKey();
    return k === Number.NEGATIVE_INFINITY ? Number.NaN : this.dir * k;
  }

  bestQty(): number {
    const k = this.bestKey();
    if (k === Number.NEGATIVE_INFINITY) return 0;
    return this.get(this.dir * k);
  }

  get(ticks: number): number {
    const i = this.dir * ticks - this.base;
    if (i >= 0 && i < this.width) return this.qty[i]!;
    return this.overflow.get(ticks);
  }

  /** Sets a level's displayed lots (0 removes it) and returns what it was. */
  set(ticks: number, lots: number): number {
    const key = this.dir * ticks;
    let i = key - this.base;
    if (!(i >= 0 && i < this.width)) {
      // Outside the window (or no window yet): re-centre only if this level is the new touch.
      if (!(lots > 0 && key > this.bestKey())) return this.overflow.set(ticks, lots);
      this.recentre(key);
      i = key - this.base;
    }
    const q = this.qty;
    const prev = q[i]!;
    q[i] = lots;
    if (lots > 0) {
      if (prev === 0) this.inWindow++;
      if (i > this.bestIdx) this.bestIdx = i;
    } else if (prev > 0) {
      this.inWindow--;
      if (i === this.bestIdx) {
        let j = i - 1;
        if (this.inWindow === 0) j = -1;
        else while (q[j] === 0) j--;
        this.bestIdx = j;
      }
    }
    return prev;
  }

  private recentre(key: number): void {
    const half = this.width >> 1;
    const moved: number[] = [];
    for (let i = 0; i < this.width && this.inWindow > 0; i++) {
      const lots = this.qty[i]!;
      if (lots === 0) continue;
      moved.push(this.dir * (this.base + i), lots);
      this.qty[i] = 0;
      this.inWindow--;
    }
    this.bestIdx = -1;
    this.base = key - half;
    for (let k = 0; k < moved.length; k += 2) this.overflow.set(moved[k]!, moved[k + 1]!);
    // Pull overflow levels that now fall inside the window.
    const inside: number[] = [];
    this.overflow.forEachLevel((ticks, lots) => {
      const i = this.dir * ticks - this.base;
      if (i >= 0 && i < this.width) inside.push(ticks, lots);
      return true;
    });
    for (let k = 0; k < inside.length; k += 2) {
      const ticks = inside[k]!;
      const i = this.dir * ticks - this.base;
      this.overflow.set(ticks, 0);
      this.qty[i] = inside[k + 1]!;
      this.inWindow++;
      if (i > this.bestIdx) this.bestIdx = i;
    }
  }

  forEachLevel(visit: (ticks: number, lots: number) => boolean): void {
    const top = this.base + this.width;
    let stopped = false;
    // Overflow levels better than the window, then the window from its best, then overflow below it.
    this.overflow.forEachLevel((ticks, lots) => {
      if (this.dir * ticks < top) return false;
      if (!visit(ticks, lots)) stopped = true;
      return !stopped;
    });
    if (stopped) return;
    for (let i = this.bestIdx; i >= 0; i--) {
      const lots = this.qty[i]!;
      if (lots > 0 && !visit(this.dir * (this.base + i), lots)) return;
    }
    this.overflow.forEachLevel((ticks, lots) => {
      if (this.dir * ticks >= this.base) return true;
      return visit(ticks, lots);
    });
  }

  total(): number {
    let s = this.overflow.total();
    for (let i = 0; i <= this.bestIdx; i++) s += this.qty[i]!;
    return s;
  }
}
