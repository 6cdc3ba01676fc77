import { pro } from 'ccxt';
import type { RateGate } from '../rate-gate.js';
import { pacedOkxFetch2, readOkxRateReply } from './swap-rate-tap.js';

type ProOkx = InstanceType<typeof pro.okx>;

/**
 * The private channels the session reads, and the socket each is on: OKX serves `orders` and
 * `balance_and_position` (funding settled) on /ws/v5/private and `orders-algo` on /ws/v5/business (ccxt's
 * getUrl). Without all three the stream does not count as connected.
 */
export const OKX_PRIVATE_CHANNELS = ['orders', 'orders-algo', 'balance_and_position'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/**
 * ccxt pro's okx with the hooks ccxt does not offer as events.
 *
 * `rawPrivateMessage` sees every push of the `orders` and `orders-algo` channels as it arrives (ccxt routes
 * both to handleOrders). ccxt's own handling is skipped: it would parse each push into its order caches,
 * which keep the latest state per order, so two pushes that land between two awaits collapse into one and a
 * fill's tradeId, price and size are lost; the ledger needs every trade exactly once. The pending
 * watchOrders calls then never resolve: they are what keeps ccxt's sockets open, logged in and subscribed,
 * and they fail when one drops.
 *
 * `streamConnected` fires once both sockets are logged in (`{"event":"login","code":"0"}`) and OKX has
 * confirmed both subscriptions (`{"event":"subscribe","arg":{"channel":…}}`): only from then on does the
 * stream carry what happens, so only then may the venue fetch what it missed. OKX's subscription replies
 * carry no request id, so a confirmation counts for its channel on its own socket.
 *
 * OKX signs the websocket login with a timestamp in seconds that it refuses 30 seconds out ("The request will
 * expire 30 seconds after the timestamp"); ccxt takes it from this machine's clock (`seconds()`), so here it
 * comes from the exchange's clock as the session measured it (`nonce()`, corrected by timeDifference), as
 * REST requests are signed.
 *
 * With `paceWith`, every REST call waits at a RateGate for OKX's budget (swap-rate-tap.ts) instead of ccxt's
 * limiter.
 */
export class TappedOkxSwap extends pro.okx {
  rawPrivateMessage: (message: unknown) => void = () => {};
  streamConnected: () => void = () => {};
  private gate: RateGate | null = null;
  /** What OKX confirmed on each socket now open, by its URL: `login` and the channels subscribed. */
  private readonly confirmed = new Map<string, Set<string>>();
  private live = false;

  constructor(config: Record<string, unknown>) {
    super(config);
    this.seconds = () => Math.floor(this.nonce() / 1000);
  }

  paceWith(gate: RateGate): void {
    this.gate = gate;
    this.enableRateLimit = false;
  }

  /** The session saw the stream fail: the next time both sockets are confirmed is a reconnection. */
  streamInterrupted(): void {
    this.live = false;
  }

  override async fetch2(...args: Parameters<ProOkx['fetch2']>): ReturnType<ProOkx['fetch2']> {
    const gate = this.gate;
    if (gate === null) return super.fetch2(...args);
    return pacedOkxFetch2(this, gate, args, () => super.fetch2(...args));
  }

  override handleErrors(...args: Parameters<ProOkx['handleErrors']>): ReturnType<ProOkx['handleErrors']> {
    if (this.gate !== null) readOkxRateReply(this.gate, args[0], args[2], args[6]);
    return super.handleErrors(...args);
  }

  override handleOrders(...args: Parameters<ProOkx['handleOrders']>): void {
    this.rawPrivateMessage(args[1]);
  }

  /** ccxt reads this channel for liquidations only; the session wants its word on funding (as orders). */
  override handleBalanceAndPosition(...args: Parameters<ProOkx['handleBalanceAndPosition']>): void {
    this.rawPrivateMessage(args[1]);
  }

  override onConnected(...args: Parameters<ProOkx['onConnected']>): void {
    super.onConnected(...args);
    const url = (args[0] as { url?: unknown }).url;
    if (typeof url === 'string') this.confirmed.delete(url);
    this.live = false;
  }

  override handleMessage(...args: Parameters<ProOkx['handleMessage']>): void {
    super.handleMessage(...args);
    const [client, message] = args;
    if (!isRecord(message) || !isRecord(client) || typeof client.url !== 'string') return;
    const url = client.url;
    const seen = this.confirmed.get(url) ?? new Set<string>();
    if (message.event === 'login' && String(message.code) === '0') seen.add('login');
    else if (
      message.event === 'subscribe' &&
      isRecord(message.arg) &&
      typeof message.arg.channel === 'string'
    )
      seen.add(message.arg.channel);
    else return;
    this.confirmed.set(url, seen);
    if (this.live) return;
    const carried = OKX_PRIVATE_CHANNELS.every((channel) => {
      const on = this.confirmed.get(this.getUrl(channel, 'private'));
      return on?.has('login') === true && on.has(channel);
    });
    if (carried) {
      this.live = true;
      this.streamConnected();
    }
  }
}

/** `wss://ws.okx.com:8443/ws/v5` → `<origin>/ws/v5`: scheme, host and port go, the path stays. */
const URL_PARTS = /^([a-z]+):\/\/[^/?#]*(.*)$/i;

/**
 * Every URL ccxt's okx (pro) knows, REST and websocket, moved to `rest` / `ws` (a local fake, a proxy): the
 * live and demo APIs (`https://{hostname}`), the websockets (private, business and public all hang off
 * `api.ws`), and the links (www, doc, fees, referral), so no call to an endpoint nobody expected can reach
 * OKX.
 */
export const okxSwapUrls = (rest: string, ws: string): Record<string, unknown> => {
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
  return move(new pro.okx().urls) as Record<string, unknown>;
};
