import { type Fetch2Args, fetch2Call, type PacedExchange, pacedCall } from '../paced-call.js';
import type { RateCost, RatePriority } from '../rate-budget.js';
import type { RateGate } from '../rate-gate.js';

/**
 * ccxt's binanceusdm (pro or not) paced by a RateGate instead of its own limiter: its `fetch2` waits at the
 * gate (this), and its `handleErrors`, which sees every reply's status and headers, feeds the exchange's
 * counts and stops back to it (readRateReply). One gate is shared by every ccxt instance on the IP.
 */
export const pacedFetch2 = <T>(
  ex: PacedExchange,
  gate: RateGate,
  args: Fetch2Args,
  send: () => Promise<T>,
): Promise<T> => {
  const c = fetch2Call(ex, args);
  const cost = rateCostOf(c.api, c.method, c.path, c.params, c.ccxtCost);
  // A 429 or 418 was not acted on (Binance rejects before it executes).
  return pacedCall(
    ex,
    gate,
    cost,
    ratePriorityOf(c.api, c.method, c.path, c.params),
    (e) => e instanceof Throttled,
    send,
  );
};

/** Every reply: the exchange's counts raise the gate's; a 429 or 418 stops it and throws Throttled. */
export const readRateReply = (
  ex: PacedExchange,
  gate: RateGate,
  status: unknown,
  headers: unknown,
  body: unknown,
): void => {
  const now = gate.now();
  const h = (headers ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(h)) {
    const counted = RATE_HEADER.exec(name.toLowerCase());
    if (counted === null) continue;
    const kind = counted[1] === 'used-weight' ? 'weight' : 'orders';
    gate.budget.observe(kind, `${counted[2]}${counted[3]!.toUpperCase()}`, Number(value), now);
  }
  if (status === 429 || status === 418) {
    const retryAfterMs = retryAfterOf(h, now);
    const detail = throttleDetail(String(body ?? ''));
    gate.throttled(status, retryAfterMs, detail);
    throw new Throttled(status, retryAfterMs, `${ex.id} ${status}: ${detail}`);
  }
};

/** Binance answered 429 (slow down) or 418 (the IP is banned): the request was not executed. */
export class Throttled extends Error {
  constructor(
    readonly status: 429 | 418,
    readonly retryAfterMs: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'Throttled';
  }
}

/** X-MBX-USED-WEIGHT-1M (per IP), X-MBX-ORDER-COUNT-10S (per account), as ccxt spells them or not. */
const RATE_HEADER = /^x-mbx-(used-weight|order-count)-(\d+)([smhd])$/;

/** Retry-After in seconds (Binance's form) or as an HTTP date; null when absent or unreadable. */
const retryAfterOf = (headers: Record<string, unknown>, now: number): number | null => {
  const raw = Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  const s = Number(raw);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(String(raw));
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
};

/** Binance's `{"code":-1003,"msg":"..."}` as `binance -1003 ...`, or the body's start. */
const throttleDetail = (body: string): string => {
  try {
    const b = JSON.parse(body) as { code?: unknown; msg?: unknown };
    if (typeof b.code === 'number')
      return `binance ${b.code} ${typeof b.msg === 'string' ? b.msg : ''}`.trim();
  } catch {}
  return body.slice(0, 200) || 'no body';
};

/** Endpoints that place orders: they count against the account's order limits, not the IP's weight. */
const PLACING = new Set(['order', 'algoOrder', 'batchOrders']);
/** Endpoints about our orders and the stream that reports them: what a trader needs even when short. */
const ABOUT_ORDERS = new Set([
  'order',
  'algoOrder',
  'openOrders',
  'openAlgoOrders',
  'allOpenOrders',
  'userTrades',
  'batchOrders',
  'listenKey',
]);

const isFuturesPrivate = (api: unknown): boolean =>
  typeof api === 'string'
    ? api.startsWith('fapiPrivate')
    : Array.isArray(api) && String(api[0]).startsWith('fapiPrivate');

/**
 * What a call costs. ccxt's cost table is Binance's IP weights for the futures endpoints, except for
 * placing orders, which Binance counts as orders and 0 weight (ccxt gives them weight to pace them).
 */
export const rateCostOf = (
  api: unknown,
  method: string,
  path: string,
  params: unknown,
  ccxtCost: number,
): RateCost => {
  if (method === 'POST' && PLACING.has(path) && isFuturesPrivate(api)) {
    const batch = (params as { batchOrders?: unknown } | null)?.batchOrders;
    // A batch holds at most five orders; one that cannot be read is counted as full.
    const n = Array.isArray(batch) ? batch.length : typeof batch === 'string' ? batchLength(batch) : 1;
    return { weight: 0, orders: n };
  }
  return { weight: Number.isFinite(ccxtCost) && ccxtCost > 0 ? ccxtCost : 1, orders: 0 };
};

const batchLength = (batch: string): number => {
  try {
    const list = JSON.parse(batch) as unknown;
    return Array.isArray(list) ? Math.max(1, list.length) : 5;
  } catch {
    return 5;
  }
};

const truthy = (v: unknown): boolean => v === true || v === 'true';

/** Who goes first when the budget is short (rate-budget.ts, RatePriority). */
export const ratePriorityOf = (api: unknown, method: string, path: string, params: unknown): RatePriority => {
  if (!ABOUT_ORDERS.has(path)) return 'read';
  if (method === 'POST' && PLACING.has(path)) {
    const p = (params ?? {}) as Record<string, unknown>;
    return truthy(p.reduceOnly) || truthy(p.closePosition) ? 'protect' : 'trade';
  }
  return isFuturesPrivate(api) || path === 'listenKey' ? 'protect' : 'read';
};
