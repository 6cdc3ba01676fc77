/**
 * Design §14, market level: "matching latency anomaly". The round trip of the calls that move money (an
 * order placed, an order cancelled) is watched over the last `window` calls; when its 90th percentile
 * reaches `degradedMs` the venue is slow, and it is back once that falls under `recoverMs`. Two
 * thresholds, so a venue hovering at the limit is reported once rather than at every call. Pure: the
 * caller measures and hands in each round trip.
 */

export interface LatencyWatchConfig {
  /** Calls the percentile is taken over. */
  readonly window: number;
  /**
   * Slow calls (≥ degradedMs) the window must hold as well: over a short window the 90th percentile is its
   * slowest call, and one slow call is not a slow venue.
   */
  readonly minSlow: number;
  readonly degradedMs: number;
  readonly recoverMs: number;
}

export const defaultLatencyWatch: LatencyWatchConfig = {
  window: 20,
  minSlow: 3,
  degradedMs: 1_500,
  recoverMs: 750,
};

export interface LatencyFigures {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly calls: number;
}

export interface LatencyChange extends LatencyFigures {
  readonly state: 'degraded' | 'normal';
}

export const checkLatencyWatch = (c: LatencyWatchConfig): void => {
  const bad = (what: string) => {
    throw new RangeError(`latency watch: ${what}`);
  };
  if (!(Number.isInteger(c.window) && c.window >= 1)) bad(`window must be an integer ≥ 1, got ${c.window}`);
  if (!(Number.isInteger(c.minSlow) && c.minSlow >= 1 && c.minSlow <= c.window))
    bad(`minSlow must be an integer in [1, window ${c.window}], got ${c.minSlow}`);
  if (!(c.recoverMs > 0 && c.degradedMs > c.recoverMs && Number.isFinite(c.degradedMs)))
    bad(`need 0 < recoverMs < degradedMs, got ${c.recoverMs} and ${c.degradedMs}`);
};

/** Nearest-rank percentile of a sorted array (q in (0, 1]). */
const rank = (sorted: Float64Array, n: number, q: number): number =>
  sorted[Math.max(0, Math.ceil(q * n) - 1)]!;

export class LatencyWatch {
  private readonly ring: Float64Array;
  private readonly scratch: Float64Array;
  private count = 0;
  private next = 0;
  private slow = false;

  constructor(private readonly config: LatencyWatchConfig = defaultLatencyWatch) {
    checkLatencyWatch(config);
    this.ring = new Float64Array(config.window);
    this.scratch = new Float64Array(config.window);
  }

  get state(): 'degraded' | 'normal' {
    return this.slow ? 'degraded' : 'normal';
  }

  /** The figures over the calls in the window; null before the first. */
  figures(): LatencyFigures | null {
    const n = this.count;
    if (n === 0) return null;
    const s = this.scratch.subarray(0, n);
    s.set(this.ring.subarray(0, n));
    s.sort();
    return { p50Ms: rank(s, n, 0.5), p90Ms: rank(s, n, 0.9), calls: n };
  }

  private slowCalls(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.ring[i]! >= this.config.degradedMs) n++;
    return n;
  }

  /** One round trip (ms). Returns the change of state it caused, or null. A non-finite or negative time is refused. */
  observe(ms: number): LatencyChange | null {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`a round trip must be a finite time ≥ 0 ms, got ${ms}`);
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.config.window;
    if (this.count < this.config.window) this.count++;
    const f = this.figures()!;
    if (!this.slow && f.p90Ms >= this.config.degradedMs && this.slowCalls() >= this.config.minSlow)
      this.slow = true;
    else if (this.slow && f.p90Ms < this.config.recoverMs) this.slow = false;
    else return null;
    return { state: this.state, ...f };
  }
}
