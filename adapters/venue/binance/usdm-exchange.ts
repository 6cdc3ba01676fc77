import { NetworkError, pro } from 'ccxt';
import type { RateCost, RatePriority } from '../rate-budget.js';
import type { RateGate } from '../rate-gate.js';
import { currentCall } from '../venue-session.js';

type ProBinanceUsdm = InstanceType<typeof pro.binanceusdm>;

/**
 * ccxt pro's binanceusdm with two hooks ccxt does not offer as events.
 *
 * `rawUserEvent` sees every ORDER_TRADE_UPDATE / ALGO_UPDATE message as it arrives, and every
 * ACCOUNT_UPDATE (a funding settlement says so only there, and only as a balance change). watchOrders alone
 * is not enough: it resolves with ccxt's order cache, which keeps the latest state per order id, so two
 * messages that land between two awaits (NEW and a fill, two partial fills) collapse into one and the
 * earlier trade's id, price and size are gone. The ledger needs every trade exactly once.
 *
 * `streamConnected` fires when a websocket opens. This instance is used for the user stream only, so every
 * open is a (re)connection of it, and whatever happened while it was down has to be fetched.
 *
 * `listenKeyExpired`: Binance says so on the stream when the key's keepalive lapsed, and then sends
 * nothing more on it, though the socket may stay open. ccxt drops that message, so the stream would go
 * silent with no error and every fill after it unreported. Here it breaks the stream instead: the watch
 * fails, the session reopens it on a new key, and the reconnection's catch-up fetches what was missed.
 */
export class TappedBinanceUsdm extends pro.binanceusdm {
  rawUserEvent: (message: unknown) => void = () => {};
  streamConnected: () => void = () => {};
  private gate: RateGate | null = null;

  /**
   * Every REST call from now on waits at `gate` for Binance's budget (rate-gate.ts) instead of ccxt's
   * limiter, which paces all calls in one queue and does not stop for Retry-After.
   */
  paceWith(gate: RateGate): void {
    this.gate = gate;
    this.enableRateLimit = false;
  }

  override async fetch2(...args: Parameters<ProBinanceUsdm['fetch2']>): ReturnType<ProBinanceUsdm['fetch2']> {
    const gate = this.gate;
    if (gate === null) return super.fetch2(...args);
    const [path, api = 'public', method = 'GET', params = {}, , , config = {}] = args;
    const cost = rateCostOf(
      api,
      method,
      path,
      params,
      Number(this.calculateRateLimiterCost(api, method, path, params, config)),
    );
    const priority = ratePriorityOf(api, method, path, params);
    for (let attempt = 1; ; attempt++) {
      const asked = this.milliseconds();
      await gate.admit(cost, priority);
      const call = currentCall();
      // Signed now: a request's recvWindow runs from here, however long it waited at the gate.
      if (call !== undefined) {
        call.signedAt = this.milliseconds();
        call.waitedMs += call.signedAt - asked;
      }
      try {
        return await super.fetch2(...args);
      } catch (e) {
        // A 429 or 418 was not acted on (Binance rejects before it executes): the call waits for the
        // gate again, which holds until Retry-After or refuses it unsent.
        if (!(e instanceof Throttled) || attempt >= MAX_THROTTLED_ATTEMPTS) throw e;
      }
    }
  }

  override handleErrors(
    ...args: Parameters<ProBinanceUsdm['handleErrors']>
  ): ReturnType<ProBinanceUsdm['handleErrors']> {
    const gate = this.gate;
    if (gate !== null) {
      const [status, , , , headers, body] = args;
      const now = this.milliseconds();
      for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
        const counted = RATE_HEADER.exec(name.toLowerCase());
        if (counted === null) continue;
        const kind = counted[1] === 'used-weight' ? 'weight' : 'orders';
        gate.budget.observe(kind, `${counted[2]}${counted[3]!.toUpperCase()}`, Number(value), now);
      }
      if (status === 429 || status === 418) {
        const retryAfterMs = retryAfterOf((headers as Record<string, unknown> | undefined) ?? {}, now);
        const detail = throttleDetail(String(body ?? ''));
        gate.throttled(status, retryAfterMs, detail);
        throw new Throttled(status, retryAfterMs, `${this.id} ${status}: ${detail}`);
      }
    }
    return super.handleErrors(...args);
  }

  override handleOrderUpdate(...args: Parameters<ProBinanceUsdm['handleOrderUpdate']>): void {
    this.rawUserEvent(args[1]);
    super.handleOrderUpdate(...args);
  }

  override handleAcountUpdate(...args: Parameters<ProBinanceUsdm['handleAcountUpdate']>): void {
    this.rawUserEvent(args[1]);
    super.handleAcountUpdate(...args);
  }

  override handleMessage(...args: Parameters<ProBinanceUsdm['handleMessage']>): void {
    const [client, message] = args;
    if ((message as { e?: unknown } | null)?.e !== 'listenKeyExpired') {
      super.handleMessage(...args);
      return;
    }
    // The next watch asks for a new key (ccxt re-authenticates when its last authentication is stale).
    const future = (this.options as Record<string, Record<string, unknown>>).future ?? {};
    (this.options as Record<string, unknown>).future = {
      ...future,
      listenKey: undefined,
      lastAuthenticatedTime: 0,
    };
    const c = client as { reset(e: unknown): void; close(): unknown };
    c.reset(new NetworkError(`${this.id} listenKeyExpired: the user stream carries nothing more`));
    Promise.resolve()
      .then(() => c.close())
      .catch(() => {});
  }

  override onConnected(...args: Parameters<ProBinanceUsdm['onConnected']>): void {
    super.onConnected(...args);
    this.streamConnected();
  }
}

/**
 * Every URL ccxt's binanceusdm knows, REST and websocket, moved to `rest` / `ws` (a local fake, a proxy).
 * Rewriting them all, not just the futures ones, is what keeps a call to an endpoint nobody expected from
 * reaching the real exchange.
 */
export const binanceUsdmUrls = (rest: string, ws: string): Record<string, unknown> => {
  const move = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const u = new URL(v);
      const origin = u.protocol.startsWith('ws') ? ws : rest;
      return `${origin.replace(/\/$/, '')}${u.pathname}${u.search}`;
    }
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  const api = new pro.binanceusdm().urls.api as Record<string, unknown>;
  return { api: move(api), test: move(api), demo: move(api) };
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

/** A call answered 429 this many times is given up as refused. */
const MAX_THROTTLED_ATTEMPTS = 3;

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
