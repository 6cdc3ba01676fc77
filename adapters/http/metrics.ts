import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { RateGateEvent } from '../venue/rate-gate.js';

export interface LagSource {
  status(): Promise<readonly { name: string; lag: number; head: number }[]>;
}

/** How a node fed live is doing: the age of each symbol's newest bar, and the feed's failed fetches. */
export interface LiveFeedSource {
  /** Symbol → ms since the close of the newest bar any run holds. */
  barAges(): ReadonlyMap<string, number>;
  /** Fetches that failed since the start (each is retried). */
  failures(): number;
}

/** The node's Prometheus metrics; one registry per app so tests do not share counters. */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly appended: Counter<'type'>;
  private readonly orders: Counter<'type'>;
  private readonly rejects: Counter<'source'>;
  readonly requests: Histogram<'method' | 'route' | 'status'>;
  readonly wsClients: Gauge;
  readonly wsDropped: Counter;
  /** Round trips of the orders placed and cancelled on the real account (design §14, a slow venue). */
  readonly venueCalls: Histogram<'call' | 'outcome'>;
  private readonly rateWaits: Histogram<'priority'>;
  private readonly rateRefused: Counter<'priority'>;

  constructor(lag?: LagSource, live?: LiveFeedSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'perpetua_' });
    this.appended = new Counter({
      name: 'perpetua_events_appended_total',
      help: 'Events appended to the log by this process, by type',
      labelNames: ['type'],
      registers,
    });
    this.orders = new Counter({
      name: 'perpetua_orders_total',
      help: 'Order lifecycle events appended, by type (OrderRequested, OrderFilled, ...)',
      labelNames: ['type'],
      registers,
    });
    this.rejects = new Counter({
      name: 'perpetua_rejects_total',
      help: 'Orders refused: by the risk engine (reject), by the venue, or by its listed rules before sending',
      labelNames: ['source'],
      registers,
    });
    this.requests = new Histogram({
      name: 'perpetua_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.wsClients = new Gauge({
      name: 'perpetua_ws_clients',
      help: 'Open WebSocket connections',
      registers,
    });
    this.wsDropped = new Counter({
      name: 'perpetua_ws_dropped_total',
      help: 'WebSocket clients dropped for reading too slowly',
      registers,
    });
    this.venueCalls = new Histogram({
      name: 'perpetua_venue_call_seconds',
      help: 'Round trip of orders placed and cancelled on the real account, by call and how the venue answered',
      labelNames: ['call', 'outcome'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.rateWaits = new Histogram({
      name: 'perpetua_venue_rate_wait_seconds',
      help: "Time calls to the real account's exchange waited for its rate limits, by priority (protect, trade, read)",
      labelNames: ['priority'],
      buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.rateRefused = new Counter({
      name: 'perpetua_venue_rate_refused_total',
      help: "Calls to the real account's exchange not sent because its rate limits would have held them too long",
      labelNames: ['priority'],
      registers,
    });
    if (live) this.liveMetrics(live, registers);
    if (lag) {
      new Gauge({
        name: 'perpetua_projection_lag_events',
        help: 'Events between the log head and each projection checkpoint',
        labelNames: ['projection'],
        registers,
        async collect() {
          for (const s of await lag.status()) this.set({ projection: s.name }, s.lag);
        },
      });
    }
  }

  private liveMetrics(live: LiveFeedSource, registers: Registry[]): void {
    new Gauge({
      name: 'perpetua_live_bar_age_seconds',
      help: 'Seconds since the close of the newest bar the live runs hold, by symbol (alert when it passes a bar or two)',
      labelNames: ['symbol'],
      registers,
      collect() {
        for (const [symbol, ms] of live.barAges()) this.set({ symbol }, ms / 1000);
      },
    });
    let seen = 0;
    const failures = new Counter({
      name: 'perpetua_live_feed_failures_total',
      help: 'Live feed fetches that failed (each is retried with back-off)',
      registers,
      collect() {
        const n = live.failures();
        if (n > seen) failures.inc(n - seen);
        seen = n;
      },
    });
  }

  /** The rate gate's waits and refusals (RateGate `onEvent`). */
  observeRate(e: RateGateEvent): void {
    if (e.kind === 'waited') this.rateWaits.observe({ priority: e.priority }, e.ms / 1000);
    else if (e.kind === 'refused') this.rateRefused.inc({ priority: e.priority });
  }

  /** This machine's clock minus the exchange's, as last measured, read at each scrape. */
  watchClockOffset(offsetMs: () => number | null): void {
    new Gauge({
      name: 'perpetua_venue_clock_offset_seconds',
      help: "This machine's clock minus the real account's exchange's, as last measured (requests are signed on the exchange's; alert beyond ±1 s: the host's time sync is broken)",
      registers: [this.registry],
      collect() {
        const ms = offsetMs();
        if (ms !== null) this.set(ms / 1000);
      },
    });
  }

  /** How much of each of the exchange's rate-limit windows is used, read at each scrape. */
  watchRateBudget(
    usage: () => readonly {
      readonly kind: string;
      readonly window: string;
      readonly used: number;
      readonly limit: number;
    }[],
  ): void {
    new Gauge({
      name: 'perpetua_venue_rate_used_ratio',
      help: "Share of each rate-limit window of the real account's exchange used (its own count and its headers'), by kind (weight, orders) and window",
      labelNames: ['kind', 'window'],
      registers: [this.registry],
      collect() {
        for (const u of usage())
          this.set({ kind: u.kind, window: u.window }, u.limit > 0 ? u.used / u.limit : 0);
      },
    });
  }

  /** Called with every batch this process appends. */
  observeAppended(events: readonly StoredEvent[]): void {
    for (const e of events) {
      this.appended.inc({ type: e.type });
      if (e.type.startsWith('Order')) this.orders.inc({ type: e.type });
      if (e.type === 'OrderRejected') this.rejects.inc({ source: 'venue' });
      // Refused by the venue's listed rules before it was sent: the venue's rules, the ledger's check.
      if (e.type === 'OrderRefused') this.rejects.inc({ source: 'rules' });
      if (e.type === 'RiskDecided' && (e.data as { outcome?: string }).outcome === 'reject')
        this.rejects.inc({ source: 'risk' });
    }
  }
}
