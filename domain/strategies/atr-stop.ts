/**
 * A stop k·ATR from the close, kept by the strategy itself: it is checked on closes (the same rule in
 * every mode, whatever stop orders the venue supports), and it can trail (a chandelier on closes),
 * which a stop price handed to the engine once at entry cannot. The engine's own stop at the initial
 * level stays as the intra-bar backstop.
 */
export class AtrStop {
  /** +1 long, -1 short, 0 none. */
  direction = 0;
  level = Number.NaN;

  constructor(
    readonly multiple: number,
    readonly trailing: boolean,
  ) {}

  arm(direction: number, close: number, atr: number): void {
    this.direction = direction;
    this.level = close - direction * this.multiple * atr;
  }

  /**
   * Arms for a new exposure, or disarms when going flat, and returns the stop price a signal records:
   * the new level on an entry, the level that was live on an exit (null when there was none).
   */
  follow(exposure: number, close: number, atr: number): number | null {
    const previous = this.direction !== 0 ? this.level : null;
    if (exposure !== 0) this.arm(exposure, close, atr);
    else this.disarm();
    return exposure !== 0 ? this.level : previous;
  }

  disarm(): void {
    this.direction = 0;
    this.level = Number.NaN;
  }

  /** Moves a trailing stop toward the price (never away), then says whether this close crossed it. */
  update(close: number, atr: number): boolean {
    const d = this.direction;
    if (d === 0) return false;
    if (this.trailing) {
      const candidate = close - d * this.multiple * atr;
      if (d > 0 ? candidate > this.level : candidate < this.level) this.level = candidate;
    }
    return d > 0 ? close <= this.level : close >= this.level;
  }
}
