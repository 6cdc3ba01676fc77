import { type RateBudget, type RateCost, type RatePriority, ratePriorities } from './rate-budget.js';

/** A call the gate did not send: the exchange's limits would have made it wait longer than it may. */
export class RateRefusal extends Error {
  constructor(
    readonly reason: string,
    readonly priority: RatePriority,
  ) {
    super(reason);
    this.name = 'RateRefusal';
  }
}

export type RateGateEvent =
  /** The exchange said stop (429: slow down; 418: the IP is banned) until `until`. */
  | {
      readonly kind: 'halted';
      readonly status: 429 | 418;
      /** When the exchange said so (the gate's clock), and when the stop it extends began. */
      readonly at: number;
      readonly since: number;
      readonly until: number;
      readonly detail: string;
    }
  /** The stop that began at `since` is over. */
  | { readonly kind: 'resumed'; readonly since: number; readonly at: number }
  /** A call went out after waiting `ms` for the budget. */
  | { readonly kind: 'waited'; readonly priority: RatePriority; readonly ms: number }
  /** A call was not sent. */
  | { readonly kind: 'refused'; readonly priority: RatePriority; readonly reason: string };

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

// Unref'd: a wait at the gate is no reason for a process that is otherwise done to stay up.
const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface RateGateOptions {
  readonly budget: RateBudget;
  /** The clock the exchange's windows are on (the one requests are signed with). */
  readonly now: () => number;
  /**
   * The longest a call may wait before it is refused unsent. An order that waits long is placed into a
   * market that has moved: the engine is better told no and left to decide again. Reads can wait out a
   * minute window. Defaults: protect 30 s, trade 10 s, read 65 s.
   */
  readonly maxWaitMs?: Partial<Record<RatePriority, number>>;
  readonly onEvent?: (e: RateGateEvent) => void;
  readonly timers?: Timers;
}

interface Waiter {
  readonly cost: RateCost;
  readonly since: number;
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Calls wait here until the exchange's budget has room for them: protect first, then trade, then read,
 * first come first served within each. A call that would wait beyond its priority's limit is refused at
 * once (RateRefusal) and never sent. When the exchange says stop, nothing goes until it said.
 */
export class RateGate {
  readonly budget: RateBudget;
  /** The clock the exchange's windows are on. */
  readonly now: () => number;
  private readonly maxWait: Record<RatePriority, number>;
  private readonly onEvent: (e: RateGateEvent) => void;
  private readonly timers: Timers;
  private readonly queues: Record<RatePriority, Waiter[]> = { protect: [], trade: [], read: [] };
  private timer: unknown = null;
  /** The exchange's stop in force, once reported: its start and status. */
  private stop: { since: number; status: 429 | 418 } | null = null;
  private closed = false;

  constructor(o: RateGateOptions) {
    this.budget = o.budget;
    this.now = o.now;
    this.maxWait = { protect: 30_000, trade: 10_000, read: 65_000, ...o.maxWaitMs };
    this.onEvent = o.onEvent ?? (() => {});
    this.timers = o.timers ?? realTimers;
  }

  /** Resolves when `cost` may go out (it is then counted); rejects with RateRefusal when it may not. */
  admit(cost: RateCost, priority: RatePriority): Promise<void> {
    if (this.closed) return Promise.reject(new RateRefusal('the venue is closing', priority));
    const now = this.now();
    const queue = this.queues[priority];
    if (queue.length === 0) {
      const short = this.budget.shortfall(cost, priority, now);
      if (short === null) {
        this.budget.take(cost, now);
        return Promise.resolve();
      }
      if (short.waitMs > this.maxWait[priority]) return Promise.reject(this.refusal(priority, short.reason));
    }
    return new Promise<void>((resolve, reject) => {
      queue.push({ cost, since: now, deadline: now + this.maxWait[priority], resolve, reject });
      this.pump();
    });
  }

  /**
   * The exchange answered 429 or 418: nothing goes until Retry-After has passed. Without Retry-After a
   * 429 waits for the minute to end, a 418 for the shortest ban Binance gives (two minutes).
   */
  throttled(status: 429 | 418, retryAfterMs: number | null, detail: string): void {
    const now = this.now();
    const waitMs = retryAfterMs ?? (status === 418 ? 120_000 : 60_000 - (now % 60_000));
    const until = now + Math.max(1, waitMs);
    const before = this.budget.halted.until;
    const what = status === 418 ? 'banned this IP' : 'asked to slow down';
    this.budget.halt(until, `the exchange ${what} (${status}: ${detail}) until ${iso(until)}`);
    const fresh = this.stop === null;
    const worse = this.stop !== null && status === 418 && this.stop.status === 429;
    if (fresh) this.stop = { since: now, status };
    else if (worse) this.stop = { since: this.stop!.since, status };
    if (fresh || worse || until > before + 1_000)
      this.onEvent({
        kind: 'halted',
        status,
        at: now,
        since: this.stop!.since,
        until: this.budget.halted.until,
        detail,
      });
    this.pump();
  }

  /** Calls waiting, by priority. */
  get waiting(): Readonly<Record<RatePriority, number>> {
    return {
      protect: this.queues.protect.length,
      trade: this.queues.trade.length,
      read: this.queues.read.length,
    };
  }

  /** Refuses every waiting call; later ones are refused at once. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    for (const p of ratePriorities)
      for (const w of this.queues[p].splice(0)) w.reject(new RateRefusal('the venue is closing', p));
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    if (this.stop !== null) {
      const until = this.budget.halted.until;
      if (now >= until) {
        this.onEvent({ kind: 'resumed', since: this.stop.since, at: now });
        this.stop = null;
      } else next = until;
    }
    for (const p of ratePriorities) {
      const queue = this.queues[p];
      while (queue.length > 0) {
        const w = queue[0]!;
        const short = this.budget.shortfall(w.cost, p, now);
        if (short === null) {
          queue.shift();
          this.budget.take(w.cost, now);
          this.onEvent({ kind: 'waited', priority: p, ms: now - w.since });
          w.resolve();
          continue;
        }
        if (now + short.waitMs > w.deadline) {
          queue.shift();
          w.reject(this.refusal(p, short.reason));
          continue;
        }
        next = Math.min(next, now + short.waitMs);
        break;
      }
    }
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    // A millisecond past the window's end, so the window has turned when it runs.
    if (next < Number.POSITIVE_INFINITY)
      this.timer = this.timers.set(
        () => {
          this.timer = null;
          this.pump();
        },
        Math.max(0, next - now) + 1,
      );
  }

  private refusal(priority: RatePriority, reason: string): RateRefusal {
    this.onEvent({ kind: 'refused', priority, reason });
    return new RateRefusal(reason, priority);
  }
}
