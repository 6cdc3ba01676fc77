import { newEventId } from '../adapters/ids/event-id.js';
import type { VenueCallSample } from '../adapters/venue/ccxt-venue.js';
import type { RateGate, RateGateEvent } from '../adapters/venue/rate-gate.js';
import type { EventStore } from '../domain/events/event-store.js';
import { defaultLatencyWatch, LatencyWatch, type LatencyWatchConfig } from '../domain/risk/venue-latency.js';
import { type VenueHealthChangedData, venueStreamId } from '../domain/system/events.js';

export interface VenueHealthOptions {
  readonly store: EventStore;
  readonly venue: string;
  readonly now: () => number;
  readonly latency?: LatencyWatchConfig;
  /**
   * How long the user stream may be down before it is recorded: the venue drops it now and then (Binance
   * ends every connection after a day) and it is back within seconds.
   */
  readonly streamGraceMs?: number;
  /** Every round trip, for the metrics. */
  readonly onCall?: (sample: VenueCallSample) => void;
  readonly log?: (line: string) => void;
}

/**
 * The real account's venue as the node sees it: CcxtVenue's `onCall` and `onStream` in, VenueHealthChanged
 * in `venue-<venue>` out, for the alerts (design §14: connectivity and matching latency). Changes only:
 * one event when the venue turns slow or loses its stream, one when it is well again.
 */
export class VenueHealth {
  private readonly watch: LatencyWatch;
  private readonly config: LatencyWatchConfig;
  private slowSince = 0;
  private streamDownAt: number | null = null;
  private streamReported = false;
  private streamTimer: ReturnType<typeof setTimeout> | null = null;
  /** The last change recorded of each aspect. */
  private readonly current = new Map<
    VenueHealthChangedData['aspect'],
    Omit<VenueHealthChangedData, 'venue'>
  >();
  /** Appends in the order the changes happened. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly o: VenueHealthOptions) {
    this.config = o.latency ?? defaultLatencyWatch;
    this.watch = new LatencyWatch(this.config);
  }

  /** CcxtVenue's `onCall`. A call with no verdict counts with the time waited: a venue that times out is slow. */
  call(sample: VenueCallSample): void {
    this.o.onCall?.(sample);
    const change = this.watch.observe(sample.ms);
    if (change === null) return;
    const at = this.o.now();
    if (change.state === 'degraded') this.slowSince = at;
    const { degradedMs, recoverMs } = this.config;
    this.record({
      aspect: 'latency',
      state: change.state,
      since: this.slowSince,
      at,
      detail:
        change.state === 'degraded'
          ? `orders take ${Math.round(change.p90Ms)} ms (90th percentile of the last ${change.calls} placed or cancelled; slow from ${degradedMs} ms)`
          : `orders take ${Math.round(change.p90Ms)} ms again (90th percentile of the last ${change.calls}; well under ${recoverMs} ms)`,
      latency: { p50Ms: change.p50Ms, p90Ms: change.p90Ms, calls: change.calls, degradedMs, recoverMs },
    });
  }

  /** CcxtVenue's `onStream`. */
  stream(state: 'up' | 'down', detail: string): void {
    if (state === 'down') {
      if (this.streamDownAt !== null) return;
      const since = this.o.now();
      this.streamDownAt = since;
      this.streamTimer = setTimeout(() => {
        this.streamTimer = null;
        this.streamReported = true;
        this.record({
          aspect: 'user-stream',
          state: 'degraded',
          since,
          at: this.o.now(),
          detail: `${detail}; fills are learnt from lookups until it is back`,
        });
      }, this.o.streamGraceMs ?? 30_000);
      return;
    }
    if (this.streamTimer !== null) clearTimeout(this.streamTimer);
    this.streamTimer = null;
    if (this.streamReported && this.streamDownAt !== null)
      this.record({
        aspect: 'user-stream',
        state: 'normal',
        since: this.streamDownAt,
        at: this.o.now(),
        detail,
      });
    this.streamDownAt = null;
    this.streamReported = false;
  }

  /**
   * The rate gate's events (BinanceUsdmSession's `rateLimits.onEvent`). The exchange's stops are recorded,
   * a ban as loudly as it is: nothing, not even a cancel, reaches the exchange until it ends. Waits and
   * refusals are many and short: they are the metrics' (ApiMetrics.observeRate), not recorded.
   */
  rate(e: RateGateEvent): void {
    if (e.kind === 'halted') {
      const until = new Date(e.until).toISOString();
      this.record({
        aspect: 'rate-limit',
        state: 'degraded',
        since: e.since,
        at: e.at,
        detail:
          e.status === 418
            ? `the exchange banned this IP until ${until} (418: ${e.detail}); nothing is sent, not even cancels, until then: the stops at the exchange still stand`
            : `the exchange asked to slow down (429: ${e.detail}); nothing is sent until ${until}, then calls go again, reduce-only orders and cancels first`,
        rate: { status: e.status, until: e.until },
      });
    } else if (e.kind === 'resumed')
      this.record({
        aspect: 'rate-limit',
        state: 'normal',
        since: e.since,
        at: e.at,
        detail: 'the exchange takes calls again',
      });
  }

  /**
   * BinanceUsdmSession's `onClock`: each measurement of this machine's clock against the exchange's.
   * Requests are signed on the exchange's clock whatever the offset, but one of a second or more means the
   * host's time sync is broken (bar times, logs and other services read this clock): off from 1 s, well
   * again under 0.5 s, so an offset at the limit is reported once.
   */
  clock(sample: { readonly offsetMs: number }): void {
    const off = Math.abs(sample.offsetMs);
    const was = this.current.get('clock')?.state ?? 'normal';
    const state = was === 'normal' ? (off >= 1_000 ? 'degraded' : null) : off < 500 ? 'normal' : null;
    if (state === null) return;
    const at = this.o.now();
    const since = state === 'degraded' ? at : (this.current.get('clock')?.since ?? at);
    const side = sample.offsetMs > 0 ? 'ahead of' : 'behind';
    this.record({
      aspect: 'clock',
      state,
      since,
      at,
      detail:
        state === 'degraded'
          ? `this machine's clock is ${(off / 1000).toFixed(1)} s ${side} the exchange's: requests are signed on the exchange's clock, but fix the host's time sync (NTP)`
          : `this machine's clock is within ${Math.round(off)} ms of the exchange's again`,
      clock: { offsetMs: Math.round(sample.offsetMs) },
    });
  }

  /** The aspects degraded now, as last recorded: since when, and why. */
  degraded(): readonly { aspect: VenueHealthChangedData['aspect']; since: number; detail: string }[] {
    return [...this.current.values()].filter((c) => c.state === 'degraded');
  }

  /** Waits for what is being written; stops the stream's timer. */
  async close(): Promise<void> {
    if (this.streamTimer !== null) clearTimeout(this.streamTimer);
    this.streamTimer = null;
    await this.writing;
  }

  private record(change: Omit<VenueHealthChangedData, 'venue'>): void {
    const data: VenueHealthChangedData = { venue: this.o.venue, ...change };
    this.current.set(change.aspect, change);
    this.o.log?.(`${this.o.venue}: ${change.aspect} ${change.state}: ${change.detail}`);
    this.writing = this.writing.then(() =>
      this.o.store
        .append(venueStreamId(this.o.venue), 'any', [
          {
            eventId: newEventId(),
            type: 'VenueHealthChanged',
            data,
            metadata: {
              correlationId: venueStreamId(this.o.venue),
              causationId: null,
              actor: 'system:venue',
              mode: 'live',
              occurredAt: new Date(change.at).toISOString(),
            },
          },
        ])
        .then(
          () => {},
          // The node trades on; what it could not write is in its log.
          (err: unknown) =>
            this.o.log?.(
              `${this.o.venue}: the ${change.aspect} change was not recorded: ${err instanceof Error ? err.message : String(err)}`,
            ),
        ),
    );
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** GET /api/status's `venue`: the gate's windows, stop and queue now, and what the health watch holds degraded. */
export const venueStatusOf = (
  venue: string,
  gate: RateGate,
  health: VenueHealth | null,
  now: number,
  clockOffsetMs: number | null = null,
  key: {
    ipRestricted: boolean;
    withdrawals: boolean;
    futures: boolean;
    refused: string | null;
  } | null = null,
) => {
  const halted = gate.budget.halted;
  return {
    venue,
    rateLimits: gate.budget.usage(now).map((u) => ({
      kind: u.limit.kind,
      window: u.limit.label,
      used: u.used,
      limit: u.limit.limit,
      endsAt: iso(u.endsAt),
    })),
    stopped: halted.until > now ? { until: iso(halted.until), reason: halted.reason } : null,
    key,
    clockOffsetMs: clockOffsetMs === null ? null : Math.round(clockOffsetMs),
    waiting: { ...gate.waiting },
    degraded: (health?.degraded() ?? []).map((d) => ({
      aspect: d.aspect,
      since: iso(d.since),
      detail: d.detail,
    })),
  };
};
