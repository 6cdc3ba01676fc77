/**
 * Read responses change only when the read models do, that is when the projections move past new
 * events. So a GET response is kept under its URL together with the projection version it was computed
 * at, and served again until the version moves; one computation serves every request that arrives while
 * it runs (no stampede when the version moves under load). Routes whose answer also depends on things
 * outside the log (paper progress) use a short time-to-live instead. Bounded: the oldest keys go first.
 */
export interface CachedBody {
  readonly status: number;
  /** Encoded once: a hit writes the bytes without re-encoding tens of kilobytes of JSON. */
  readonly body: Uint8Array;
}

interface Entry {
  version: number | null;
  at: number;
  value: Promise<CachedBody>;
}

export type CachePolicy = 'log' | { readonly ttlMs: number };

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    /** The read models' version (e.g. the sum of projection checkpoints); null disables log-keyed reuse. */
    private readonly version: () => number | null,
    private readonly maxEntries = 1_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string, policy: CachePolicy, compute: () => Promise<CachedBody>): Promise<CachedBody> {
    const version = this.version();
    const t = this.now();
    const e = this.entries.get(key);
    if (e && (policy === 'log' ? version !== null && e.version === version : t - e.at < policy.ttlMs))
      return e.value;
    if (policy === 'log' && version === null) return compute();
    const value = compute();
    // A failed computation is not kept: the next request tries again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    this.entries.delete(key);
    this.entries.set(key, { version, at: t, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

/** Follows the projections' checkpoints by polling; the version is their sum, so any move changes it. */
export class ProjectionVersion {
  private current: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: { status(): Promise<readonly { position: number }[]> },
    private readonly everyMs = 100,
  ) {}

  async start(): Promise<this> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    this.timer.unref();
    return this;
  }

  private async poll(): Promise<void> {
    try {
      this.current = (await this.source.status()).reduce((s, p) => s + p.position, 0);
    } catch {
      this.current = null;
    }
  }

  get value(): number | null {
    return this.current;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
