import { pro } from 'ccxt';
import type { RateGate } from '../rate-gate.js';
import { pacedBybitFetch2, readBybitRateReply } from './linear-rate-tap.js';

type ProBybit = InstanceType<typeof pro.bybit>;

/** The private topics the session reads: without both the stream does not count as connected. */
export const BYBIT_PRIVATE_TOPICS = ['order', 'execution'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/**
 * ccxt pro's bybit with the hooks ccxt does not offer as events.
 *
 * `rawPrivateMessage` sees every message of the private stream's `order` and `execution` topics as it
 * arrives (ccxt routes them to handleOrder and handleMyTrades). ccxt's own handling is skipped: it would
 * parse each message into its order and trade caches, which keep the latest state per order, so two
 * messages that land between two awaits collapse into one and a trade's id, price and size are lost; the
 * ledger needs every trade exactly once. The pending watchOrders / watchMyTrades calls then never resolve:
 * they are what keeps ccxt's socket open, authenticated and subscribed, and they fail when it drops.
 *
 * `streamConnected` fires once the socket is authenticated and Bybit has confirmed both subscriptions (a
 * `{"op":"subscribe","success":true,"req_id":…}` reply each): only from then on does the stream carry what
 * happens, so only then may the venue fetch what it missed. The private socket
 * (wss://stream.bybit.com/v5/private) is the only one this instance opens.
 *
 * With `paceWith`, every REST call waits at a RateGate for Bybit's budget (linear-rate-tap.ts) instead of
 * ccxt's limiter.
 */
export class TappedBybitLinear extends pro.bybit {
  rawPrivateMessage: (message: unknown) => void = () => {};
  streamConnected: () => void = () => {};
  private gate: RateGate | null = null;
  /** Subscription requests (ccxt's req_id) Bybit confirmed on the socket now open. */
  private readonly confirmed = new Set<string>();
  private live = false;

  paceWith(gate: RateGate): void {
    this.gate = gate;
    this.enableRateLimit = false;
  }

  /** The session saw the stream fail: the next time both topics are confirmed is a reconnection. */
  streamInterrupted(): void {
    this.live = false;
  }

  override async fetch2(...args: Parameters<ProBybit['fetch2']>): ReturnType<ProBybit['fetch2']> {
    const gate = this.gate;
    if (gate === null) return super.fetch2(...args);
    return pacedBybitFetch2(this, gate, args, () => super.fetch2(...args));
  }

  override handleErrors(...args: Parameters<ProBybit['handleErrors']>): ReturnType<ProBybit['handleErrors']> {
    if (this.gate !== null) readBybitRateReply(this.gate, args[0], args[2], args[4], args[6]);
    return super.handleErrors(...args);
  }

  override handleOrder(...args: Parameters<ProBybit['handleOrder']>): void {
    this.rawPrivateMessage(args[1]);
  }

  override handleMyTrades(...args: Parameters<ProBybit['handleMyTrades']>): void {
    this.rawPrivateMessage(args[1]);
  }

  override onConnected(...args: Parameters<ProBybit['onConnected']>): void {
    super.onConnected(...args);
    this.confirmed.clear();
    this.live = false;
  }

  override handleMessage(...args: Parameters<ProBybit['handleMessage']>): void {
    super.handleMessage(...args);
    const [client, message] = args;
    if (!isRecord(message) || message.op !== 'subscribe' || message.success !== true) return;
    const subscriptions = isRecord(client) && isRecord(client.subscriptions) ? client.subscriptions : {};
    if (message.req_id !== undefined) this.confirmed.add(String(message.req_id));
    // A confirmation that names no request confirms every request this socket made.
    else
      for (const s of Object.values(subscriptions))
        if (isRecord(s) && s.id !== undefined) this.confirmed.add(String(s.id));
    if (this.live) return;
    const carried = new Set<unknown>();
    for (const s of Object.values(subscriptions))
      if (isRecord(s) && Array.isArray(s.topics) && this.confirmed.has(String(s.id)))
        for (const t of s.topics) carried.add(t);
    if (BYBIT_PRIVATE_TOPICS.every((t) => carried.has(t))) {
      this.live = true;
      this.streamConnected();
    }
  }
}

/** `https://api.{hostname}/v5/x` → `<origin>/v5/x`: scheme and host go, the path stays. */
const URL_PARTS = /^([a-z]+):\/\/[^/?#]*(.*)$/i;

/**
 * Every URL ccxt's bybit (pro) knows, REST and websocket, moved to `rest` / `ws` (a local fake, a proxy):
 * the live, testnet and demo APIs, the private and public streams, and the links (www, doc, fees), so no
 * call to an endpoint nobody expected can reach Bybit.
 */
export const bybitLinearUrls = (rest: string, ws: string): Record<string, unknown> => {
  const move = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const parts = URL_PARTS.exec(v);
      if (parts === null) return v;
      const origin = parts[1]!.toLowerCase().startsWith('ws') ? ws : rest;
      return `${origin.replace(/\/$/, '')}${parts[2]}`;
    }
    if (Array.isArray(v)) return v.map(move);
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  return move(new pro.bybit().urls) as Record<string, unknown>;
};
