import { type Fetch2Args, fetch2Call, type PacedExchange, pacedCall } from '../paced-call.js';
import type { RateCost, RateLimit, RatePriority } from '../rate-budget.js';
import type { RateGate } from '../rate-gate.js';

/**
 * Bybit's rate limits (https://bybit-exchange.github.io/docs/v5/rate-limit) in RateBudget's terms.
 *
 * Bybit counts per UID and per endpoint in a rolling second (linear, unified account: order create,
 * amend and cancel 10/s each, order realtime/history, execution list and position list 50/s, set-leverage
 * and fee-rate 10/s, wallet balance and transaction log 50/s), and per IP 600 requests in any five
 * seconds. RateBudget counts two kinds in fixed windows. The fit: a fixed one-second window holding at
 * most half a limit keeps every rolling second (which overlaps two fixed ones) within the limit; and the
 * per-endpoint limits fold into one budget when each call costs 50/N for an endpoint of N a second
 * (ccxt's own cost table is in those units), which errs towards waiting when several endpoints are busy.
 *
 * - weight, 25 per second: half of 50/s in ccxt's units. Public market data is limited per IP only, and
 *   costs 1 here.
 * - orders, 5 per second: half of the 10/s of order create (linear).
 *
 * The IP's 600 per five seconds is not counted: 25 weight a second cannot come near it, and what other
 * clients on the IP send is not seen here.
 */
export const bybitLinearDefaultLimits: readonly RateLimit[] = [
  { kind: 'weight', windowMs: 1_000, limit: 25, label: '1S' },
  { kind: 'orders', windowMs: 1_000, limit: 5, label: '1S' },
];

/** The weight an endpoint of `perSecond` calls a second costs (50 a second is 1). */
const weightOf = (perSecond: number): number => 50 / perSecond;

/** Bybit's limits of the endpoints this adapter calls where ccxt's table is not Bybit's for linear. */
const CANCEL = 'v5/order/cancel';
const CREATE = 'v5/order/create';

/** What a call costs: order create counts as an order, everything else as weight. */
export const bybitRateCost = (api: unknown, method: string, path: string, ccxtCost: number): RateCost => {
  if (method === 'POST' && path === CREATE) return { weight: 0, orders: 1 };
  if (method === 'POST' && path === CANCEL) return { weight: weightOf(10), orders: 0 };
  if (api === 'public') return { weight: 1, orders: 0 };
  return { weight: Number.isFinite(ccxtCost) && ccxtCost > 0 ? ccxtCost : 1, orders: 0 };
};

/** Endpoints about our orders: what a trader needs even when the budget is short. */
const ABOUT_ORDERS = new Set([CANCEL, 'v5/order/realtime', 'v5/order/history', 'v5/execution/list']);

const truthy = (v: unknown): boolean => v === true || v === 'true';

/** Who goes first when the budget is short (rate-budget.ts, RatePriority). */
export const bybitRatePriority = (method: string, path: string, params: unknown): RatePriority => {
  if (method === 'POST' && path === CREATE)
    return truthy((params as { reduceOnly?: unknown } | null)?.reduceOnly) ? 'protect' : 'trade';
  return ABOUT_ORDERS.has(path) ? 'protect' : 'read';
};

/**
 * Bybit refused a call for its rate limits: HTTP 429 ("System level frequency protection"), 403 (the IP
 * is banned), or retCode 10006 / 10018 ("Too many visits"). It was not executed.
 */
export class BybitThrottled extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'BybitThrottled';
  }
}

/** Sends one REST call when the gate lets it: `send` is ccxt's own fetch2. */
export const pacedBybitFetch2 = <T>(
  ex: PacedExchange,
  gate: RateGate,
  args: Fetch2Args,
  send: () => Promise<T>,
): Promise<T> => {
  const c = fetch2Call(ex, args);
  const cost = bybitRateCost(c.api, c.method, c.path, c.ccxtCost);
  // Not executed: the call waits for the gate again, which holds until Bybit's stop is over.
  return pacedCall(
    ex,
    gate,
    cost,
    bybitRatePriority(c.method, c.path, c.params),
    (e) => e instanceof BybitThrottled,
    send,
  );
};

/** Bybit bans an IP "for a set period of time (usually 30 minutes)" (rate-limit page, IP Rate Limit). */
const IP_BAN_MS = 30 * 60_000;

const header = (headers: Record<string, unknown>, name: string): string | undefined => {
  const hit = Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return typeof hit === 'string' || typeof hit === 'number' ? String(hit) : undefined;
};

/**
 * Every reply. Bybit reports each endpoint's limit and what is left of it (X-Bapi-Limit,
 * X-Bapi-Limit-Status): what was used, other clients of the UID included, raises the budget's count of
 * the window (in the budget's units). A refusal for the limits stops the gate until Bybit's reset
 * (X-Bapi-Limit-Reset-Timestamp), or for the usual ban on a 403, and throws BybitThrottled.
 */
export const readBybitRateReply = (
  gate: RateGate,
  status: unknown,
  url: unknown,
  headers: unknown,
  response: unknown,
): void => {
  const now = gate.now();
  const h = (headers ?? {}) as Record<string, unknown>;
  const limit = Number(header(h, 'x-bapi-limit'));
  const left = Number(header(h, 'x-bapi-limit-status'));
  const path = typeof url === 'string' ? pathOf(url) : '';
  if (Number.isFinite(limit) && limit > 0 && Number.isFinite(left) && left >= 0 && left <= limit) {
    const used = limit - left;
    if (path === CREATE) gate.budget.observe('orders', '1S', used, now);
    else gate.budget.observe('weight', '1S', used * weightOf(limit), now);
  }
  const code = (response as { retCode?: unknown } | null)?.retCode;
  const limited = code === 10006 || code === 10018 || code === '10006' || code === '10018';
  if (status !== 429 && status !== 403 && !limited) return;
  const reset = Number(header(h, 'x-bapi-limit-reset-timestamp'));
  const retryAfterMs =
    status === 403 ? IP_BAN_MS : Number.isFinite(reset) && reset > now ? Math.min(reset - now, 60_000) : null;
  const detail = limited
    ? `bybit ${String(code)} ${String((response as { retMsg?: unknown }).retMsg ?? '')}`.trim()
    : `HTTP ${String(status)}`;
  gate.throttled(status === 403 ? 418 : 429, retryAfterMs, detail);
  throw new BybitThrottled(Number(status), retryAfterMs, `bybit ${String(status)} ${path}: ${detail}`);
};

/**
 * `v5/order/create` of `https://api.bybit.com/v5/order/create?…`, as ccxt names the endpoint; a local
 * endpoint's own path prefix is left out.
 */
const pathOf = (url: string): string => {
  try {
    const path = new URL(url).pathname;
    const at = path.indexOf('/v5/');
    return at < 0 ? '' : path.slice(at + 1);
  } catch {
    return '';
  }
};
