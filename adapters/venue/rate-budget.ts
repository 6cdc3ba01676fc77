import { z } from 'zod';

/**
 * How much of an exchange's REST rate limits a call may use, and how long it has to wait. Binance USDⓈ-M
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info, "LIMITS") counts
 * request weight per IP and new orders per account in fixed windows ("a 1 MINUTE interval starts every
 * minute … once the next minute starts, the count resets to zero"), reports the counts in every reply's
 * X-MBX-USED-WEIGHT-1M / X-MBX-ORDER-COUNT-10S headers, answers 429 with Retry-After when a limit is hit,
 * and bans the IP (418, two minutes up to three days) when a client goes on sending.
 *
 * Written here, not taken from a library: ccxt's limiter is one first-come queue at a fixed pace (an
 * order waits behind an income listing of weight 30), blind to what other clients on the IP or account
 * used, and it does not stop for Retry-After; the general-purpose limiters (bottleneck, unmaintained since
 * 2019) refill on their own timers, not on the exchange's windows, and cannot be corrected from its
 * headers. What is needed is small: the exchange's windows, its counts, and who goes first.
 */

/** One limit as the exchange lists it: `limit` units of `kind` per window of `windowMs`. */
export interface RateLimit {
  readonly kind: 'weight' | 'orders';
  readonly windowMs: number;
  readonly limit: number;
  /** The window as the exchange's headers name it: `1M`, `10S`. */
  readonly label: string;
}

export interface RateCost {
  /** Request weight (Binance's per-IP units). */
  readonly weight: number;
  /** New orders (Binance's per-account count). */
  readonly orders: number;
}

/**
 * Who goes first when the budget is short, and how much of it each may use.
 * - protect: what keeps money safe: cancels, reduce-only orders, looking orders up, the user stream's key.
 *   May use every unit, and is served first.
 * - trade: orders that open or add. May use all the weight but only `share` of the order windows, so a
 *   reduce-only order always finds room.
 * - read: everything else (income, balances, listings, bars). Only `share` of the weight.
 */
export type RatePriority = 'protect' | 'trade' | 'read';

export const ratePriorities: readonly RatePriority[] = ['protect', 'trade', 'read'];

const UNIT_MS = { SECOND: 1_000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 } as const;
const UNIT_LETTER = { SECOND: 'S', MINUTE: 'M', HOUR: 'H', DAY: 'D' } as const;

const listedLimit = z.object({
  rateLimitType: z.string(),
  interval: z.enum(['SECOND', 'MINUTE', 'HOUR', 'DAY']),
  intervalNum: z.number().int().positive(),
  limit: z.number().int().positive(),
});

/**
 * The limits in GET /fapi/v1/exchangeInfo's `rateLimits`. Types other than REQUEST_WEIGHT and ORDERS
 * (RAW_REQUESTS, once listed) are returned as `ignored`, not refused: a limit the exchange adds must not
 * stop a node from trading. Throws when the list cannot be read.
 */
export const rateLimitsFromExchangeInfo = (
  rateLimits: unknown,
): { readonly limits: readonly RateLimit[]; readonly ignored: readonly string[] } => {
  const parsed = z.array(listedLimit).safeParse(rateLimits);
  if (!parsed.success)
    throw new RangeError(
      `exchangeInfo rateLimits cannot be read: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const limits: RateLimit[] = [];
  const ignored: string[] = [];
  for (const l of parsed.data) {
    const label = `${l.intervalNum}${UNIT_LETTER[l.interval]}`;
    const windowMs = l.intervalNum * UNIT_MS[l.interval];
    if (l.rateLimitType === 'REQUEST_WEIGHT')
      limits.push({ kind: 'weight', windowMs, limit: l.limit, label });
    else if (l.rateLimitType === 'ORDERS') limits.push({ kind: 'orders', windowMs, limit: l.limit, label });
    else ignored.push(`${l.rateLimitType} ${l.limit} per ${label}`);
  }
  return { limits, ignored };
};

/**
 * Binance USDⓈ-M's limits as documented for a new account, used until the exchange's own list is read:
 * 2,400 weight a minute (the exchange lists more today), 1,200 orders a minute, 300 per ten seconds.
 */
export const binanceUsdmDefaultLimits: readonly RateLimit[] = [
  { kind: 'weight', windowMs: 60_000, limit: 2_400, label: '1M' },
  { kind: 'orders', windowMs: 60_000, limit: 1_200, label: '1M' },
  { kind: 'orders', windowMs: 10_000, limit: 300, label: '10S' },
];

/** One limit's counts, by the start of the window they are in. */
interface Counter {
  readonly limit: RateLimit;
  readonly used: Map<number, number>;
}

/** Why a call cannot go now, and until when. */
export interface RateShortfall {
  readonly waitMs: number;
  readonly reason: string;
}

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`;

/**
 * The counts of one exchange's windows, as this process used them and as the exchange reported them.
 * Pure: every method takes the time it is asked at.
 *
 * This machine knows the exchange's clock only to within a round trip, so a call within `guardMs` of a
 * window's turn may land in either window there: it counts in both here, and goes only if both have room.
 */
export class RateBudget {
  private counters: Counter[];
  private haltedUntil = Number.NEGATIVE_INFINITY;
  private haltReason = '';

  /** `share`: the part of a limit that `read` (weight) and `trade` (orders) may use. */
  constructor(
    limits: readonly RateLimit[],
    readonly share = 0.8,
    readonly guardMs = 250,
  ) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], got ${share}`);
    if (!(guardMs >= 0)) throw new RangeError(`guardMs must be ≥ 0, got ${guardMs}`);
    this.counters = limits.map((limit) => ({ limit, used: new Map() }));
  }

  get limits(): readonly RateLimit[] {
    return this.counters.map((c) => c.limit);
  }

  /** The exchange's list replaces the one in force; counts of the windows both name carry over. */
  setLimits(limits: readonly RateLimit[]): void {
    this.counters = limits.map((limit) => {
      const same = this.counters.find(
        (c) => c.limit.kind === limit.kind && c.limit.windowMs === limit.windowMs,
      );
      return { limit, used: same?.used ?? new Map() };
    });
  }

  /** Null when `cost` may go now at `priority` (then `take` it); otherwise how long it must wait, and why. */
  shortfall(cost: RateCost, priority: RatePriority, now: number): RateShortfall | null {
    if (now < this.haltedUntil)
      return {
        waitMs: this.haltedUntil - now,
        reason: `${this.haltReason}; waiting ${seconds(this.haltedUntil - now)}`,
      };
    let worst: RateShortfall | null = null;
    for (const c of this.counters) {
      const amount = c.limit.kind === 'weight' ? cost.weight : cost.orders;
      if (amount <= 0) continue;
      this.prune(c, now);
      const cap = this.cap(c.limit, priority);
      for (const start of this.windowsAt(c.limit, now)) {
        const used = c.used.get(start) ?? 0;
        // A call larger than its cap goes alone in an empty window, or it could never go.
        if (used + amount <= cap || used === 0) continue;
        const waitMs = start + c.limit.windowMs + this.guardMs - now;
        if (worst === null || waitMs > worst.waitMs)
          worst = {
            waitMs,
            reason: `${c.limit.kind === 'weight' ? 'request weight' : 'new orders'} per ${c.limit.label} at ${used} of ${c.limit.limit}${cap < c.limit.limit ? ` (${priority} calls may use ${cap})` : ''}; the window ends in ${seconds(waitMs)}`,
          };
      }
    }
    return worst;
  }

  /** Counts a call that is going out now. */
  take(cost: RateCost, now: number): void {
    for (const c of this.counters) {
      const amount = c.limit.kind === 'weight' ? cost.weight : cost.orders;
      if (amount <= 0) continue;
      this.prune(c, now);
      for (const start of this.windowsAt(c.limit, now)) c.used.set(start, (c.used.get(start) ?? 0) + amount);
    }
  }

  /**
   * The exchange's own count of a window (from a reply's headers): it includes what other clients on the
   * same IP or account used. Counts only go up: a reply that left before this process's later calls were
   * counted must not lower one. Near a turn it is taken for both windows: that errs towards waiting.
   */
  observe(kind: RateLimit['kind'], label: string, used: number, now: number): void {
    if (!Number.isFinite(used) || used < 0) return;
    for (const c of this.counters) {
      if (c.limit.kind !== kind || c.limit.label !== label) continue;
      this.prune(c, now);
      for (const start of this.windowsAt(c.limit, now))
        if (used > (c.used.get(start) ?? 0)) c.used.set(start, used);
    }
  }

  /** The exchange said stop (429, 418) until `until`: nothing goes before. */
  halt(until: number, reason: string): void {
    if (until > this.haltedUntil) {
      this.haltedUntil = until;
      this.haltReason = reason;
    }
  }

  /** When the exchange's stop ends; -Infinity when it never said stop. */
  get halted(): { readonly until: number; readonly reason: string } {
    return { until: this.haltedUntil, reason: this.haltReason };
  }

  /** Each window's count now, for the metrics and the status page. */
  usage(now: number): { readonly limit: RateLimit; readonly used: number; readonly endsAt: number }[] {
    return this.counters.map((c) => {
      this.prune(c, now);
      const start = Math.floor(now / c.limit.windowMs) * c.limit.windowMs;
      return { limit: c.limit, used: c.used.get(start) ?? 0, endsAt: start + c.limit.windowMs };
    });
  }

  private cap(limit: RateLimit, priority: RatePriority): number {
    const shared =
      (limit.kind === 'weight' && priority === 'read') || (limit.kind === 'orders' && priority === 'trade');
    return shared ? Math.floor(limit.limit * this.share) : limit.limit;
  }

  /** The windows a call at `now` may land in at the exchange: its own, and a neighbour within the guard. */
  private windowsAt(limit: RateLimit, now: number): number[] {
    const w = limit.windowMs;
    const start = Math.floor(now / w) * w;
    const out = [start];
    if (now - start < this.guardMs) out.push(start - w);
    if (start + w - now <= this.guardMs) out.push(start + w);
    return out;
  }

  /** Forgets windows no call can land in any more. */
  private prune(c: Counter, now: number): void {
    if (c.used.size < 4) return;
    for (const start of c.used.keys())
      if (start + c.limit.windowMs + this.guardMs <= now) c.used.delete(start);
  }
}
