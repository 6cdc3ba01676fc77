/**
 * A map whose entries are kept at least `ttlMs` after they were set, and let go by 2 × `ttlMs`: what the
 * venues keep of orders that ended (their ids, and which run each was), so a late message about one is
 * still recognised while a node that trades for months holds only the last day or two of them.
 *
 * Two generations: entries go into the newer; when it is `ttlMs` old, the older is dropped whole and the
 * newer takes its place. No timer, no per-entry time: a set costs one comparison more than a Map's.
 * Time is the caller's (the exchange's clock), passed to `set`; a clock that goes back never drops early.
 */
export class ExpiringMap<V> {
  private newer = new Map<string, V>();
  private older = new Map<string, V>();
  private since = Number.NaN;

  constructor(readonly ttlMs: number) {
    if (!(ttlMs > 0)) throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }

  set(key: string, value: V, now: number): void {
    if (Number.isNaN(this.since)) this.since = now;
    else if (now - this.since >= this.ttlMs) {
      this.older = this.newer;
      this.newer = new Map();
      this.since = now;
    }
    // A key set again moves to the newer generation: kept from its latest set.
    this.older.delete(key);
    this.newer.set(key, value);
  }

  get(key: string): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  has(key: string): boolean {
    return this.newer.has(key) || this.older.has(key);
  }

  /** Entries held now (between those set in the last ttlMs and those of the last 2 × ttlMs). */
  get size(): number {
    return this.newer.size + this.older.size;
  }
}

/** The set of ExpiringMap: ids kept at least `ttlMs` after they were added. */
export class ExpiringSet {
  private readonly map: ExpiringMap<true>;

  constructor(ttlMs: number) {
    this.map = new ExpiringMap(ttlMs);
  }

  add(key: string, now: number): void {
    this.map.set(key, true, now);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  get size(): number {
    return this.map.size;
  }
}
