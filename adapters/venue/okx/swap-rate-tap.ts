import { type Fetch2Args, fetch2Call, type PacedExchange, pacedCall } from '../paced-call.js';
import type { RateCost, RateLimit, RatePriority } from '../rate-budget.js';
import type { RateGate } from '../rate-gate.js';

/**
 * OKX's rate limits (https://www.okx.com/docs-v5/en/#overview-rate-limits, and each endpoint's own "Rate
 * Limit" line) in RateBudget's terms.
 *
 * OKX limits every endpoint on its own, almost always per two seconds: POST /trade/order and
 * /trade/cancel-order 60 per 2 s per instrument, GET /trade/order and /trade/fills 60, /trade/order-algo
 * (place, cancel, query) 20, /trade/fills-history 10, /account/positions and /account/balance 10,
 * /account/bills 5 a second, /account/config and /account/trade-fee 5, /account/set-leverage 20; public data
 * per IP (/public/instruments 20, /public/position-tiers, /public/funding-rate-history and /public/time 10).
 * It does not say whether the windows are fixed or rolling, and reports no usage in its replies; ccxt's
 * notes say it refuses "with rolling window". The fit is Bybit's (linear-rate-tap.ts): a fixed two-second
 * window holding at most half a limit keeps every rolling two seconds (which overlaps two fixed ones) within
 * it, and the per-endpoint limits fold into one budget when each call costs 60/N for an endpoint of N per
 * 2 s. ccxt's cost table for okx is in units of 20 per 2 s (cost 1 = 20 per 2 s, 1/3 = 60, 2 = 10, 4 = 5,
 * which is OKX's table for every endpoint this adapter calls), so 60/N is three times ccxt's cost.
 *
 * - weight, 30 per 2 s: half of 60 in those units. Folding every endpoint into one count errs towards
 *   waiting when several are busy; the public endpoints are counted too, though OKX limits them per IP.
 * - orders, 30 per 2 s: half of POST /trade/order's 60 per instrument, counted for all instruments at once.
 *
 * Not counted: the sub-account's 1,000 order requests per 2 s (50061), which 30 cannot approach.
 */
export const okxSwapDefaultLimits: readonly RateLimit[] = [
  { kind: 'weight', windowMs: 2_000, limit: 30, label: '2S' },
  { kind: 'orders', windowMs: 2_000, limit: 30, label: '2S' },
];

/** ccxt names OKX's endpoints by their path after /api/v5/. */
const PLACE = 'trade/order';
const ALGO = 'trade/order-algo';
const CANCEL = 'trade/cancel-order';
const CANCEL_ALGOS = 'trade/cancel-algos';

/** The weight of an endpoint ccxt costs at `ccxtCost` (20 per 2 s is 1): 60/N for N per 2 s. */
const weightOf = (ccxtCost: number): number => 3 * (Number.isFinite(ccxtCost) && ccxtCost > 0 ? ccxtCost : 1);

/** What a call costs: a new order counts as an order, everything else as weight. */
export const okxRateCost = (_api: unknown, method: string, path: string, ccxtCost: number): RateCost => {
  if (method === 'POST' && path === PLACE) return { weight: 0, orders: 1 };
  return { weight: weightOf(ccxtCost), orders: 0 };
};

/** Endpoints about our orders: what a trader needs even when the budget is short. */
const ABOUT_ORDERS = new Set([
  CANCEL,
  CANCEL_ALGOS,
  'trade/order',
  ALGO,
  'trade/fills',
  'trade/fills-history',
]);

const truthy = (v: unknown): boolean => v === true || v === 'true';

/** Who goes first when the budget is short (rate-budget.ts, RatePriority). */
export const okxRatePriority = (method: string, path: string, params: unknown): RatePriority => {
  if (method === 'POST' && (path === PLACE || path === ALGO))
    return truthy((params as { reduceOnly?: unknown } | null)?.reduceOnly) ? 'protect' : 'trade';
  return ABOUT_ORDERS.has(path) ? 'protect' : 'read';
};

/**
 * OKX refused a call for its rate limits: HTTP 429, 50011 "Rate limit reached" or 50061 "You've reached the
 * maximum order rate limit for this account" (https://www.okx.com/docs-v5/en/#error-code-rest-api-public).
 * It was not executed.
 */
export class OkxThrottled extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number,
    message: string,
  ) {
    super(message);
    this.name = 'OkxThrottled';
  }
}

/** Sends one REST call when the gate lets it: `send` is ccxt's own fetch2. */
export const pacedOkxFetch2 = <T>(
  ex: PacedExchange,
  gate: RateGate,
  args: Fetch2Args,
  send: () => Promise<T>,
): Promise<T> => {
  const c = fetch2Call(ex, args);
  const cost = okxRateCost(c.api, c.method, c.path, c.ccxtCost);
  // Not executed: the call waits for the gate again, which holds until OKX's stop is over.
  return pacedCall(
    ex,
    gate,
    cost,
    okxRatePriority(c.method, c.path, c.params),
    (e) => e instanceof OkxThrottled,
    send,
  );
};

/**
 * OKX names no reset time and sends no Retry-After: the gate stops for one window, after which both the
 * rolling and the fixed two seconds that refused the call have passed.
 */
const THROTTLE_PAUSE_MS = 2_000;

const THROTTLE_CODES = new Set(['50011', '50061']);

/** The code OKX answered with: the envelope's, or a refused order's own sCode inside `data`. */
const codesOf = (response: unknown): string[] => {
  if (response === null || typeof response !== 'object') return [];
  const r = response as { code?: unknown; data?: unknown };
  const out: string[] = [];
  if (typeof r.code === 'string' || typeof r.code === 'number') out.push(String(r.code));
  if (Array.isArray(r.data))
    for (const d of r.data) {
      const s = (d as { sCode?: unknown } | null)?.sCode;
      if (typeof s === 'string' || typeof s === 'number') out.push(String(s));
    }
  return out;
};

/**
 * Every reply. OKX reports no usage, so there is nothing to learn from one that went through; a refusal for
 * the limits (HTTP 429, or 50011 / 50061 in the envelope or in an order's sCode) stops the gate for a window
 * and throws OkxThrottled.
 */
export const readOkxRateReply = (gate: RateGate, status: unknown, url: unknown, response: unknown): void => {
  const code = codesOf(response).find((c) => THROTTLE_CODES.has(c));
  if (status !== 429 && code === undefined) return;
  const msg = (response as { msg?: unknown } | null)?.msg;
  const detail =
    code !== undefined
      ? `okx ${code}${typeof msg === 'string' && msg !== '' ? ` ${msg}` : ''}`
      : `HTTP ${String(status)}`;
  gate.throttled(429, THROTTLE_PAUSE_MS, detail);
  throw new OkxThrottled(
    Number(status),
    THROTTLE_PAUSE_MS,
    `okx ${String(status)} ${pathOf(url)}: ${detail}`,
  );
};

/** `trade/order` of `https://www.okx.com/api/v5/trade/order?…`; a local endpoint's own prefix is left out. */
export const pathOf = (url: unknown): string => {
  if (typeof url !== 'string') return '';
  try {
    const path = new URL(url).pathname;
    const at = path.indexOf('/api/v5/');
    return at < 0 ? '' : path.slice(at + '/api/v5/'.length);
  } catch {
    return '';
  }
};
