import { NetworkError, pro } from 'ccxt';
import type { RateGate } from '../rate-gate.js';
import { pacedFetch2, readRateReply } from './rate-tap.js';

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
    return pacedFetch2(this, gate, args, () => super.fetch2(...args));
  }

  override handleErrors(
    ...args: Parameters<ProBinanceUsdm['handleErrors']>
  ): ReturnType<ProBinanceUsdm['handleErrors']> {
    if (this.gate !== null) readRateReply(this, this.gate, args[0], args[4], args[5]);
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
