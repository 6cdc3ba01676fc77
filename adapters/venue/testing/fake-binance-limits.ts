/**
 * Binance USDⓈ-M Futures' REST rate limits as the fake enforces them, after Binance's "General Info",
 * section "LIMITS" (https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info):
 * - the limits are the `rateLimits` of GET /fapi/v1/exchangeInfo: REQUEST_WEIGHT per IP, ORDERS per account;
 * - counting is by fixed intervals: "a 1 MINUTE interval starts every minute ... once the next minute starts,
 *   the count resets to zero";
 * - every response carries X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter), every order placement
 *   X-MBX-ORDER-COUNT-(intervalNum)(intervalLetter);
 * - going over a limit is answered 429 with Retry-After; "repeatedly violating rate limits and/or failing to
 *   back off after receiving 429s will result in an automated IP ban (HTTP status 418)"; "IP bans are
 *   tracked and scale in duration for repeat offenders, from 2 minutes to 3 days".
 */

type Params = Readonly<Record<string, string>>;

export type RateLimitType = 'REQUEST_WEIGHT' | 'ORDERS';
export type RateInterval = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';

/** One entry of exchangeInfo.rateLimits. */
export interface RateLimit {
  readonly rateLimitType: RateLimitType;
  readonly interval: RateInterval;
  readonly intervalNum: number;
  readonly limit: number;
}

const unitMs: Readonly<Record<RateInterval, number>> = {
  SECOND: 1000,
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: 86_400_000,
};

/** The fake has one client address: every request comes from it. */
const IP = '127.0.0.1';
const MAX_BAN_MS = 3 * 86_400_000;

/**
 * Reads exchangeInfo's `rateLimits`. A limit the fake could not enforce as Binance does (an unknown type or
 * interval, a count that is not a positive integer) fails the test at once, rather than leaving the fake
 * silently unlimited.
 */
export const rateLimitsOf = (exchangeInfo: unknown): RateLimit[] => {
  const list = (exchangeInfo as { rateLimits?: unknown } | null)?.rateLimits;
  if (!Array.isArray(list)) throw new Error('exchangeInfo.rateLimits: not an array');
  return list.map((raw, i) => {
    const r = raw as Partial<Record<keyof RateLimit, unknown>> | null;
    const where = `exchangeInfo.rateLimits[${i}] ${JSON.stringify(raw)}`;
    if (r?.rateLimitType !== 'REQUEST_WEIGHT' && r?.rateLimitType !== 'ORDERS')
      throw new Error(`${where}: rateLimitType must be REQUEST_WEIGHT or ORDERS`);
    if (typeof r.interval !== 'string' || !Object.hasOwn(unitMs, r.interval))
      throw new Error(`${where}: interval must be SECOND, MINUTE, HOUR or DAY`);
    for (const key of ['intervalNum', 'limit'] as const) {
      const v = r[key];
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
        throw new Error(`${where}: ${key} must be a positive integer`);
    }
    return r as RateLimit;
  });
};

// --- what a request costs --------------------------------------------------------------------------

type Weight = number | ((p: Params) => number);

/** Binance's routes that weigh less with a symbol than across the whole account or market. */
const bySymbol =
  (one: number, all: number): Weight =>
  (p) =>
    p.symbol === undefined ? all : one;

/** Kline weight by LIMIT: [1,100) 1, [100,500) 2, [500,1000] 5, > 1000 10; LIMIT defaults to 500. */
const klineWeight: Weight = (p) => {
  const limit = Number(p.limit ?? 500);
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
};

/**
 * The request weight of each route, as each endpoint's page in Binance's USDⓈ-M API reference states it.
 * New orders weigh 0 against the IP: they count against the account's ORDERS limits instead.
 */
export const requestWeights: ReadonlyMap<string, Weight> = new Map<string, Weight>([
  ['GET /fapi/v1/ping', 1],
  ['GET /fapi/v1/time', 1],
  ['GET /fapi/v1/exchangeInfo', 1],
  ['GET /fapi/v1/klines', klineWeight],
  ['GET /fapi/v1/fundingRate', 1],
  ['GET /fapi/v1/premiumIndex', bySymbol(1, 10)],
  ['GET /fapi/v1/ticker/24hr', bySymbol(1, 40)],
  ['GET /fapi/v1/leverageBracket', 1],
  ['GET /fapi/v1/positionSide/dual', 30],
  ['POST /fapi/v1/leverage', 1],
  ['POST /fapi/v1/marginType', 1],
  ['GET /fapi/v1/commissionRate', 20],
  ['GET /fapi/v2/balance', 5],
  ['GET /fapi/v2/positionRisk', 5],
  ['GET /fapi/v3/positionRisk', 5],
  ['GET /fapi/v1/income', 30],
  ['GET /fapi/v1/userTrades', 5],
  ['GET /fapi/v1/forceOrders', bySymbol(20, 50)],
  ['GET /fapi/v1/order', 1],
  ['GET /fapi/v1/openOrders', bySymbol(1, 40)],
  ['GET /fapi/v1/algoOrder', 1],
  ['GET /fapi/v1/openAlgoOrders', 1],
  ['DELETE /fapi/v1/order', 1],
  ['DELETE /fapi/v1/algoOrder', 1],
  ['POST /fapi/v1/order', 0],
  ['POST /fapi/v1/algoOrder', 0],
  ['POST /fapi/v1/batchOrders', 5],
  ['POST /fapi/v1/listenKey', 1],
  ['PUT /fapi/v1/listenKey', 1],
  ['DELETE /fapi/v1/listenKey', 1],
]);

/** A route's request weight; a route missing from the table weighs 1. */
export const weightOf = (method: string, path: string, params: Params): number => {
  const w = requestWeights.get(`${method} ${path}`) ?? 1;
  return typeof w === 'number' ? w : w(params);
};

/** How many new orders a request places: what it adds to each ORDERS window. */
export const ordersIn = (method: string, path: string, params: Params): number => {
  if (method !== 'POST') return 0;
  if (path === '/fapi/v1/order' || path === '/fapi/v1/algoOrder') return 1;
  if (path !== '/fapi/v1/batchOrders') return 0;
  try {
    const batch = JSON.parse(params.batchOrders ?? '') as unknown;
    return Array.isArray(batch) ? batch.length : 0;
  } catch {
    return 0; // Binance refuses an unreadable batch before placing anything
  }
};

// --- the counters ------------------------------------------------------------------------------------

/** What the limits make of one request: 200 lets it through; 429 and 418 answer it instead. */
export interface Admission {
  readonly status: 200 | 429 | 418;
  /** X-MBX-USED-WEIGHT-*, X-MBX-ORDER-COUNT-* for order placements, and Retry-After when refused. */
  readonly headers: Record<string, string>;
  /** The error body of a refusal. */
  readonly body?: string;
}

export interface RequestSeen {
  readonly method: string;
  readonly path: string;
  readonly params: Params;
  /** False for a path the server does not serve: it weighs 1 and places nothing. */
  readonly served?: boolean;
}

export interface FakeRateLimitOptions {
  /** False: requests are counted and reported but never refused for it (faults still throttle and ban). */
  readonly enforce?: boolean;
  /** Requests during a 429's Retry-After that earn a ban; the one that makes the count is answered 418. */
  readonly banAfterViolations?: number;
  /** The first ban's length; each later one doubles, up to Binance's 3 days. */
  readonly banMs?: number;
}

interface Window {
  readonly limit: RateLimit;
  readonly ms: number;
  /** The header suffix and usage key: '1M', '10S'. */
  readonly label: string;
  /** Counts are kept per type and length, so a relisting with a new limit keeps what was already used. */
  readonly counter: string;
}

const windowOf = (limit: RateLimit): Window => {
  const ms = unitMs[limit.interval] * limit.intervalNum;
  return {
    limit,
    ms,
    label: `${limit.intervalNum}${limit.interval[0]}`,
    counter: `${limit.rateLimitType} ${ms}`,
  };
};

const NUMBER_WORDS = ['', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE', 'TEN'];

/** Binance's name for an interval in -1015: "MINUTE", "TEN_SECONDS". */
const intervalName = ({ interval, intervalNum }: RateLimit): string =>
  intervalNum === 1 ? interval : `${NUMBER_WORDS[intervalNum] ?? intervalNum}_${interval}S`;

/** The interval in -1003's prose: "minute", "10 seconds". */
const intervalProse = ({ interval, intervalNum }: RateLimit): string =>
  intervalNum === 1 ? interval.toLowerCase() : `${intervalNum} ${interval.toLowerCase()}s`;

const tooManyRequests = (limit: RateLimit | undefined): string =>
  JSON.stringify({
    code: -1003,
    msg:
      limit === undefined
        ? `Too many requests; current limit of IP(${IP}) is exceeded. Please use WebSocket Streams for live updates to avoid polling the API.`
        : `Too many requests; current limit of IP(${IP}) is ${limit.limit} requests per ${intervalProse(limit)}. Please use WebSocket Streams for live updates to avoid polling the API.`,
  });

const tooManyOrders = (limit: RateLimit): string =>
  JSON.stringify({
    code: -1015,
    msg: `Too many new orders; current limit is ${limit.limit} orders per ${intervalName(limit)}.`,
  });

const bannedUntil = (until: number): string =>
  JSON.stringify({
    code: -1003,
    msg: `Way too many requests; IP(${IP}) banned until ${until}. Please use the websocket for live updates to avoid bans.`,
  });

/** Whole seconds until `until`, rounded up and never 0: a client told 0 would retry at once. */
const secondsUntil = (until: number, now: number): number => Math.max(1, Math.ceil((until - now) / 1000));

/**
 * Binance's request-weight and order-count limits on one IP and one account, on the exchange's clock.
 *
 * A request refused for weight still counts its weight (Binance counts every request that reaches it, so
 * the used weight reported may exceed the limit until the window turns); a refused order placement is not
 * counted as an order, since it was never placed. Requests during a ban are turned away before anything
 * is counted.
 *
 * Back-off is strict: after any 429 every request, of any route, is refused until its Retry-After has
 * passed, and each such request is a violation.
 */
export class FakeRateLimits {
  private windows: Window[] = [];
  private readonly used = new Map<string, { start: number; n: number }>();
  private readonly enforce: boolean;
  private readonly banAfter: number;
  private readonly banMs: number;
  private backOffUntil = 0;
  private backOffBody = '';
  private violations = 0;
  private bannedTill = 0;
  private bans = 0;

  constructor(
    limits: readonly RateLimit[],
    private readonly clock: () => number,
    opts: FakeRateLimitOptions = {},
  ) {
    this.reconfigure(limits);
    this.enforce = opts.enforce ?? true;
    this.banAfter = opts.banAfterViolations ?? 3;
    this.banMs = opts.banMs ?? 120_000;
  }

  /** The exchange published new limits (a relisting): they apply from now, to what was used already. */
  reconfigure(limits: readonly RateLimit[]): void {
    this.windows = limits.map(windowOf);
  }

  /** Counts a request and lets it through, or says how it is refused. */
  admit(req: RequestSeen): Admission {
    const now = this.clock();
    const served = req.served ?? true;
    const orders = served ? ordersIn(req.method, req.path, req.params) : 0;
    if (now < this.bannedTill) return this.banReply(now, orders > 0);
    const weight = served ? weightOf(req.method, req.path, req.params) : 1;
    this.add('REQUEST_WEIGHT', weight, now);
    if (now < this.backOffUntil) return this.violation(now, orders > 0);
    const heavy = this.over('REQUEST_WEIGHT', 0, now);
    if (heavy.length > 0) return this.refuse(now, heavy, tooManyRequests(heavy[0]!.limit), orders > 0);
    if (orders > 0) {
      const full = this.over('ORDERS', orders, now);
      if (full.length > 0) return this.refuse(now, full, tooManyOrders(full[0]!.limit), true);
      this.add('ORDERS', orders, now);
    }
    return { status: 200, headers: this.headers(now, orders > 0) };
  }

  /** A 429 for `retryAfterS` seconds without anything used up (a fault a test injects). */
  throttle(retryAfterS: number, placesOrders = false): Admission {
    const now = this.clock();
    const weight = this.windows.find((w) => w.limit.rateLimitType === 'REQUEST_WEIGHT');
    return this.backOff(now, now + retryAfterS * 1000, tooManyRequests(weight?.limit), placesOrders);
  }

  /** A 418 ban of `retryAfterS` seconds from now (a fault a test injects); it does not lengthen later bans. */
  ban(retryAfterS: number, placesOrders = false): Admission {
    const now = this.clock();
    this.bannedTill = now + retryAfterS * 1000;
    this.backOffUntil = 0;
    this.violations = 0;
    return this.banReply(now, placesOrders);
  }

  /** Weight spent by another client on the same IP. */
  spendWeight(weight: number): void {
    this.add('REQUEST_WEIGHT', weight, this.clock());
  }

  /** Orders placed by another process on the same account. */
  spendOrders(n: number): void {
    this.add('ORDERS', n, this.clock());
  }

  /** Used weight and order counts in the current windows, keyed '1M', '10S'. */
  usage(): { weight: Record<string, number>; orders: Record<string, number> } {
    const now = this.clock();
    return { weight: this.counts('REQUEST_WEIGHT', now), orders: this.counts('ORDERS', now) };
  }

  private violation(now: number, placesOrders: boolean): Admission {
    if (++this.violations >= this.banAfter) return this.startBan(now, placesOrders);
    return this.reply(429, now, this.backOffUntil, this.backOffBody, placesOrders);
  }

  /** Refused for the windows in `hit`: the client must wait until the last of them turns. */
  private refuse(now: number, hit: readonly Window[], body: string, placesOrders: boolean): Admission {
    const turns = Math.max(...hit.map((w) => this.windowStart(w, now) + w.ms));
    return this.backOff(now, now + secondsUntil(turns, now) * 1000, body, placesOrders);
  }

  /** Back-off lasts until what Retry-After told the client, so a client that obeys it is never punished. */
  private backOff(now: number, until: number, body: string, placesOrders: boolean): Admission {
    this.backOffUntil = until;
    this.backOffBody = body;
    return this.reply(429, now, until, body, placesOrders);
  }

  private startBan(now: number, placesOrders: boolean): Admission {
    this.bannedTill = now + Math.min(this.banMs * 2 ** this.bans, MAX_BAN_MS);
    this.bans++;
    this.backOffUntil = 0;
    this.violations = 0;
    return this.banReply(now, placesOrders);
  }

  private banReply(now: number, placesOrders: boolean): Admission {
    return this.reply(418, now, this.bannedTill, bannedUntil(this.bannedTill), placesOrders);
  }

  private reply(
    status: 429 | 418,
    now: number,
    until: number,
    body: string,
    placesOrders: boolean,
  ): Admission {
    const headers = { ...this.headers(now, placesOrders), 'Retry-After': String(secondsUntil(until, now)) };
    return { status, headers, body };
  }

  private headers(now: number, placesOrders: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    for (const [label, n] of Object.entries(this.counts('REQUEST_WEIGHT', now)))
      h[`X-MBX-USED-WEIGHT-${label}`] = String(n);
    if (placesOrders)
      for (const [label, n] of Object.entries(this.counts('ORDERS', now)))
        h[`X-MBX-ORDER-COUNT-${label}`] = String(n);
    return h;
  }

  /** The windows of `type` that `extra` more would take over their limit (or already has, at 0). */
  private over(type: RateLimitType, extra: number, now: number): Window[] {
    if (!this.enforce) return [];
    return this.of(type).filter((w) => this.current(w, now) + extra > w.limit.limit);
  }

  private add(type: RateLimitType, n: number, now: number): void {
    const counted = new Set<string>();
    for (const w of this.of(type)) {
      if (counted.has(w.counter)) continue;
      counted.add(w.counter);
      this.used.set(w.counter, { start: this.windowStart(w, now), n: this.current(w, now) + n });
    }
  }

  private counts(type: RateLimitType, now: number): Record<string, number> {
    return Object.fromEntries(this.of(type).map((w) => [w.label, this.current(w, now)]));
  }

  private current(w: Window, now: number): number {
    const u = this.used.get(w.counter);
    return u !== undefined && u.start === this.windowStart(w, now) ? u.n : 0;
  }

  /** Windows are aligned to the epoch: a minute window starts on every whole minute. */
  private windowStart(w: Window, now: number): number {
    return Math.floor(now / w.ms) * w.ms;
  }

  private of(type: RateLimitType): Window[] {
    return this.windows.filter((w) => w.limit.rateLimitType === type);
  }
}
