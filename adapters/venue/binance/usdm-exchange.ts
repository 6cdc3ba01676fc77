import { pro } from 'ccxt';

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
 */
export class TappedBinanceUsdm extends pro.binanceusdm {
  rawUserEvent: (message: unknown) => void = () => {};
  streamConnected: () => void = () => {};

  override handleOrderUpdate(...args: Parameters<ProBinanceUsdm['handleOrderUpdate']>): void {
    this.rawUserEvent(args[1]);
    super.handleOrderUpdate(...args);
  }

  override handleAcountUpdate(...args: Parameters<ProBinanceUsdm['handleAcountUpdate']>): void {
    this.rawUserEvent(args[1]);
    super.handleAcountUpdate(...args);
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
