import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { divRound, fixed, toText } from '../../../domain/ledger/fixed.js';
import { repoRoot } from '../../marketdata/shared-data.js';
import { FakeBinanceEngine, type FakeEngineOptions, type UserEvent } from './fake-binance-engine.js';
import {
  type Admission,
  FakeRateLimits,
  ordersIn,
  type RequestSeen,
  rateLimitsOf,
} from './fake-binance-limits.js';
import { type FakeMarket, fundingRates, klines, premiumIndex, ticker24hr } from './fake-binance-market.js';
import { BinanceApiError, rulesFromExchangeInfo } from './fake-binance-rules.js';

/** The real GET /fapi/v1/exchangeInfo answer checked in beside the repository. */
export const exchangeInfoPath = path.resolve(repoRoot, '../shared/data/meta/exchange-info.json');
/** The real GET /fapi/v1/leverageBracket answer checked in beside the repository. */
export const leverageBracketsPath = path.resolve(repoRoot, '../shared/data/meta/leverage-brackets.json');

type Security = 'NONE' | 'USER_STREAM' | 'SIGNED';
type Params = Record<string, string>;
type Handler = (p: Params) => unknown;

/**
 * What the server does to the next matching request instead of answering it normally.
 * - delay: answers after `ms`.
 * - timeout: does the work, never answers (the client's timeout fires; the exchange has acted).
 * - garbage: does the work, answers `status` with `body` (not what the API promises).
 * - reset: drops the connection before doing anything (unless `process`).
 * - throttle: answers 429 (-1003) with Retry-After `retryAfterS` (default 1) without acting; it is a 429
 *   like any other, so requests before the Retry-After are violations that lead to a ban.
 * - ban: answers 418 and bans the IP for `retryAfterS` seconds (default 1) from now, without acting.
 * A request the rate limits refuse still uses up a fault matching it.
 */
export interface Fault {
  readonly method?: string;
  readonly path: string;
  readonly action: 'delay' | 'timeout' | 'garbage' | 'reset' | 'throttle' | 'ban';
  readonly ms?: number;
  /** The Retry-After of a throttle or ban, in seconds. */
  readonly retryAfterS?: number;
  readonly status?: number;
  readonly body?: string;
  /** Whether the exchange acts on the request; defaults to true except for reset. */
  readonly process?: boolean;
  /** How many matching requests it applies to (default 1). */
  readonly times?: number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Params>;
  readonly status: number;
  /** The exchange's clock when the request arrived: tests check that nothing arrived during a back-off. */
  readonly time: number;
}

export interface FakeBinanceOptions extends FakeEngineOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /**
   * Market data for GET /fapi/v1/klines, /fapi/v1/fundingRate, /fapi/v1/premiumIndex and /fapi/v1/ticker/24hr,
   * released as the clock (`now`) passes it.
   */
  readonly market?: FakeMarket;
  /**
   * Symbols the exchange trades at the market's price as its clock passes (its premiumIndex mark, on the
   * tick grid), moved before every request is answered, so a system under test trades the recorded market
   * without the test setting prices.
   */
  readonly followMarket?: readonly string[];
  /**
   * Changes the exchange's listing from the recorded one (a tick size Binance has since changed, say):
   * GET /fapi/v1/exchangeInfo answers with it, and the exchange's own order checks follow it.
   */
  readonly exchangeInfo?: (recorded: { symbols: Record<string, unknown>[] }) => unknown;
  /**
   * What the API key may do, as GET /sapi/v1/account/apiRestrictions answers (merged over a key that
   * reads and trades futures from one IP, and cannot withdraw or transfer).
   */
  readonly apiKeyRestrictions?: Readonly<Record<string, boolean>>;
  /**
   * False: requests are counted and reported in headers but never refused for going over the limits
   * (faults can still throttle and ban). By default Binance's limits from exchangeInfo's `rateLimits` apply.
   */
  readonly rateLimits?: false;
  /** Requests during a 429's Retry-After that get the IP banned (default 3). */
  readonly banAfterViolations?: number;
  /** The first ban's length (default 120 000 ms, Binance's 2 minutes); each later ban doubles, up to 3 days. */
  readonly banMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A local Binance USDⓈ-M futures server: the REST subset ccxt's binanceusdm uses to trade (time,
 * exchangeInfo, order, openOrders, userTrades, algoOrder, listenKey) with Binance's HMAC-SHA256 signature
 * and timestamp/recvWindow checks, klines and funding rates when given a market, and the user-data websocket (/ws/<listenKey>, and
 * /private/ws?listenKey=<key> which ccxt 4.5 dials) pushing ORDER_TRADE_UPDATE and ALGO_UPDATE.
 * Binance's REST rate limits apply as exchangeInfo's `rateLimits` state them (see fake-binance-limits.ts).
 * Tests drive the market through `engine` and break things through `fault` and `dropUserStreams`.
 */
export class FakeBinance {
  readonly engine: FakeBinanceEngine;
  readonly apiKey: string;
  readonly secret: string;
  readonly requests: LoggedRequest[] = [];
  /** Every user-data event the exchange produced, delivered or not. */
  readonly events: UserEvent[] = [];
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<WebSocket>();
  /** Streams whose listenKey expired: open, carrying nothing. */
  private readonly silenced: WebSocket[] = [];
  private readonly listenKeys = new Set<string>();
  private readonly faults: { fault: Fault; left: number }[] = [];
  private exchangeInfo: Buffer;
  /** Every symbol GET /fapi/v1/exchangeInfo lists now, in its order: the rows of the 24 h tickers. */
  private listed: readonly string[] = [];
  private readonly routes: Map<string, { security: Security; handler: Handler }>;
  private readonly limits: FakeRateLimits;
  private readonly market: FakeMarket | undefined;
  private readonly followed: readonly string[];
  private readonly followedAt = new Map<string, string>();
  private streamsRefused = false;
  private dropAfter: number | null = null;
  private corrupt = 0;
  private port = 0;

  private constructor(opts: FakeBinanceOptions) {
    this.apiKey = opts.apiKey ?? 'fake-api-key-0123456789';
    this.secret = opts.secret ?? 'fake-secret-9876543210';
    const recorded = readFileSync(exchangeInfoPath);
    this.exchangeInfo =
      opts.exchangeInfo === undefined
        ? recorded
        : Buffer.from(JSON.stringify(opts.exchangeInfo(JSON.parse(recorded.toString('utf8')))));
    const brackets = JSON.parse(readFileSync(leverageBracketsPath, 'utf8')) as unknown;
    const info = JSON.parse(this.exchangeInfo.toString('utf8'));
    this.listed = listedSymbols(info);
    this.engine = new FakeBinanceEngine(rulesFromExchangeInfo(info), opts);
    this.limits = new FakeRateLimits(rateLimitsOf(info), () => this.engine.time(), {
      enforce: opts.rateLimits !== false,
      ...(opts.banAfterViolations === undefined ? {} : { banAfterViolations: opts.banAfterViolations }),
      ...(opts.banMs === undefined ? {} : { banMs: opts.banMs }),
    });
    this.engine.onEvent = (e) => this.push(e);
    const e = this.engine;
    this.routes = new Map<string, { security: Security; handler: Handler }>([
      ['GET /fapi/v1/ping', { security: 'NONE', handler: () => ({}) }],
      ['GET /fapi/v1/time', { security: 'NONE', handler: () => ({ serverTime: e.time() }) }],
      ['GET /fapi/v1/leverageBracket', { security: 'SIGNED', handler: () => brackets }],
      [
        'GET /sapi/v1/account/apiRestrictions',
        {
          security: 'SIGNED',
          handler: () => ({
            ipRestrict: true,
            createTime: 1_698_645_219_000,
            enableReading: true,
            enableWithdrawals: false,
            enableInternalTransfer: false,
            enableMargin: false,
            enableFutures: true,
            permitsUniversalTransfer: false,
            enableVanillaOptions: false,
            enableFixApiTrade: false,
            enableFixReadOnly: false,
            enableSpotAndMarginTrading: false,
            enablePortfolioMarginTrading: false,
            ...opts.apiKeyRestrictions,
          }),
        },
      ],
      ['GET /fapi/v1/positionSide/dual', { security: 'SIGNED', handler: () => e.positionSideDual() }],
      [
        'GET /fapi/v1/multiAssetsMargin',
        { security: 'SIGNED', handler: () => ({ multiAssetsMargin: e.multiAssetsMargin }) },
      ],
      ['POST /fapi/v1/leverage', { security: 'SIGNED', handler: (p) => e.changeLeverage(p) }],
      ['POST /fapi/v1/marginType', { security: 'SIGNED', handler: (p) => e.changeMarginType(p) }],
      [
        'GET /fapi/v1/commissionRate',
        {
          security: 'SIGNED',
          handler: (p) => {
            e.symbolRules(p.symbol);
            return {
              symbol: p.symbol,
              makerCommissionRate: toText(e.feeRates.maker, 4),
              takerCommissionRate: toText(e.feeRates.taker, 4),
            };
          },
        },
      ],
      [
        'GET /fapi/v2/balance',
        {
          security: 'SIGNED',
          handler: () => {
            const wallet = toText(e.balance, 8);
            return [
              {
                accountAlias: 'SgsR',
                asset: 'USDT',
                balance: wallet,
                crossWalletBalance: wallet,
                crossUnPnl: '0.00000000',
                availableBalance: wallet,
                maxWithdrawAmount: wallet,
                marginAvailable: true,
                updateTime: e.time(),
              },
            ];
          },
        },
      ],
      [
        'POST /fapi/v1/listenKey',
        { security: 'USER_STREAM', handler: () => ({ listenKey: this.newListenKey() }) },
      ],
      [
        'PUT /fapi/v1/listenKey',
        {
          security: 'USER_STREAM',
          handler: () => {
            const key = [...this.listenKeys].at(-1);
            if (key === undefined) throw new BinanceApiError(-1125, 'This listenKey does not exist.');
            return { listenKey: key };
          },
        },
      ],
      ['DELETE /fapi/v1/listenKey', { security: 'USER_STREAM', handler: () => this.closeListenKeys() }],
      ['POST /fapi/v1/order', { security: 'SIGNED', handler: (p) => e.newOrder(p) }],
      ['DELETE /fapi/v1/order', { security: 'SIGNED', handler: (p) => e.cancelOrder(p) }],
      ['GET /fapi/v1/order', { security: 'SIGNED', handler: (p) => e.queryOrder(p) }],
      ['GET /fapi/v1/openOrders', { security: 'SIGNED', handler: (p) => e.openOrders(p) }],
      ['GET /fapi/v1/userTrades', { security: 'SIGNED', handler: (p) => e.userTrades(p) }],
      ['GET /fapi/v1/forceOrders', { security: 'SIGNED', handler: (p) => e.forceOrders(p) }],
      ['GET /fapi/v1/income', { security: 'SIGNED', handler: (p) => e.income(p) }],
      ['POST /fapi/v1/algoOrder', { security: 'SIGNED', handler: (p) => e.newAlgoOrder(p) }],
      ['DELETE /fapi/v1/algoOrder', { security: 'SIGNED', handler: (p) => e.cancelAlgoOrder(p) }],
      ['GET /fapi/v1/algoOrder', { security: 'SIGNED', handler: (p) => e.queryAlgoOrder(p) }],
      ['GET /fapi/v1/openAlgoOrders', { security: 'SIGNED', handler: (p) => e.openAlgoOrders(p) }],
      ['GET /fapi/v3/positionRisk', { security: 'SIGNED', handler: () => e.positionRisk() }],
    ]);
    const market = opts.market;
    this.market = market;
    this.followed = opts.followMarket ?? [];
    if (market) {
      this.routes.set('GET /fapi/v1/klines', {
        security: 'NONE',
        handler: (p) => klines(market, e.time(), p),
      });
      this.routes.set('GET /fapi/v1/premiumIndex', {
        security: 'NONE',
        handler: (p) => premiumIndex(market, e.time(), p),
      });
      this.routes.set('GET /fapi/v1/fundingRate', {
        security: 'NONE',
        handler: (p) => fundingRates(market, e.time(), p),
      });
      this.routes.set('GET /fapi/v1/ticker/24hr', {
        security: 'NONE',
        handler: (p) => ticker24hr(market, e.time(), this.listed, p),
      });
    } else {
      // Without a market, the settlements the test made (chargeFunding), each with its mark.
      this.routes.set('GET /fapi/v1/fundingRate', { security: 'NONE', handler: (p) => e.fundingRates(p) });
    }
    this.server = http.createServer((req, res) => this.serve(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  /** Moves the followed symbols' prices to the market's mark now (see FakeBinanceOptions.followMarket). */
  private followMarket(): void {
    if (this.market === undefined) return;
    const now = this.engine.time();
    for (const symbol of this.followed) {
      let mark: { markPrice: string };
      try {
        mark = premiumIndex(this.market, now, { symbol }) as { markPrice: string };
      } catch {
        continue; // no bar yet at this time
      }
      const tick = this.engine.tickSize(symbol);
      const price = toText(
        divRound(fixed(Number(mark.markPrice).toFixed(12), 'half-even'), tick, 'half-even') * tick,
      );
      if (this.followedAt.get(symbol) === price) continue;
      this.followedAt.set(symbol, price);
      this.engine.setPrice(symbol, price);
    }
  }

  static async start(opts: FakeBinanceOptions = {}): Promise<FakeBinance> {
    const f = new FakeBinance(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsOrigin(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /**
   * Binance changes its listing mid-session (a finer tick, a larger step): GET /fapi/v1/exchangeInfo
   * answers with `change` applied to what it answers now, and the exchange's order checks and prices
   * follow it at once.
   */
  relist(change: (listed: { symbols: Record<string, unknown>[] }) => unknown): void {
    this.exchangeInfo = Buffer.from(JSON.stringify(change(JSON.parse(this.exchangeInfo.toString('utf8')))));
    const info = JSON.parse(this.exchangeInfo.toString('utf8'));
    this.listed = listedSymbols(info);
    this.engine.relist(rulesFromExchangeInfo(info));
    this.limits.reconfigure(rateLimitsOf(info));
  }

  fault(f: Fault): void {
    this.faults.push({ fault: f, left: f.times ?? 1 });
  }

  /** Another client on the same IP used `weight` in the current windows: exhausts the budget from outside. */
  spendWeight(weight: number): void {
    this.limits.spendWeight(weight);
  }

  /** Another process on the same account placed `n` orders in the current windows (ORDERS are per account). */
  spendOrders(n: number): void {
    this.limits.spendOrders(n);
  }

  /** Used weight and order counts in the current windows, keyed like the headers ('1M', '10S'). */
  usage(): { weight: Record<string, number>; orders: Record<string, number> } {
    return this.limits.usage();
  }

  /** Requests answered 429: the client went over a limit or kept asking during the Retry-After. */
  throttled(): LoggedRequest[] {
    return this.requests.filter((r) => r.status === 429);
  }

  /** Requests answered 418: the IP was banned when they arrived. */
  banned(): LoggedRequest[] {
    return this.requests.filter((r) => r.status === 418);
  }

  /**
   * Closes every user-data stream now, or after `afterEvents` more events have been delivered (to cut a
   * fill in the middle); with `refuse`, new streams are refused until `allowUserStreams()`.
   */
  dropUserStreams(opts: { afterEvents?: number; refuse?: boolean } = {}): void {
    if (opts.refuse) this.streamsRefused = true;
    if (opts.afterEvents !== undefined && opts.afterEvents > 0) {
      this.dropAfter = opts.afterEvents;
      return;
    }
    this.closeStreams();
  }

  /**
   * The listenKeys expire, as when their keepalive lapsed (a process suspended past 60 minutes): each open
   * user stream gets Binance's `listenKeyExpired` event and then nothing more, though its socket stays open;
   * a keepalive of the key is refused (-1125) and a client must ask for a new key.
   */
  expireListenKeys(): void {
    const text = JSON.stringify({
      e: 'listenKeyExpired',
      E: this.engine.time(),
      listenKey: [...this.listenKeys].at(-1) ?? '',
    });
    for (const ws of this.streams) ws.send(text);
    this.silenced.push(...this.streams);
    this.streams.clear();
    this.listenKeys.clear();
  }

  /** The next `n` events go out mangled (the exchange still acted; the message just cannot be read). */
  corruptUserEvents(n = 1): void {
    this.corrupt += n;
  }

  allowUserStreams(): void {
    this.streamsRefused = false;
  }

  get userStreams(): number {
    return this.streams.size;
  }

  /** Requests to paths the fake does not serve: ccxt reaching for something the tests did not expect. */
  unknownRequests(): LoggedRequest[] {
    return this.requests.filter((r) => r.status === 404);
  }

  async close(): Promise<void> {
    this.closeStreams();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- HTTP ---------------------------------------------------------------------------------------

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const time = this.engine.time();
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';
    const query = url.search.slice(1);
    const params: Params = Object.fromEntries([
      ...new URLSearchParams(query).entries(),
      ...new URLSearchParams(body).entries(),
    ]);
    this.followMarket();
    const fault = this.takeFault(method, url.pathname);
    if (fault?.action === 'reset' && !fault.process) {
      this.requests.push({ method, path: url.pathname, params, status: 0, time });
      req.socket.destroy();
      return;
    }
    const isExchangeInfo = method === 'GET' && url.pathname === '/fapi/v1/exchangeInfo';
    const route = this.routes.get(`${method} ${url.pathname}`);
    const admission = this.admit(fault, {
      method,
      path: url.pathname,
      params,
      served: isExchangeInfo || route !== undefined,
    });
    if (admission.status !== 200) {
      this.requests.push({ method, path: url.pathname, params, status: admission.status, time });
      res.writeHead(admission.status, { 'content-type': 'application/json', ...admission.headers });
      res.end(admission.body);
      return;
    }
    let status = 200;
    let text: string | Buffer;
    if (isExchangeInfo) {
      text = this.exchangeInfo;
    } else if (route === undefined) {
      status = 404;
      text = JSON.stringify({ code: -1000, msg: `fake binance does not serve ${method} ${url.pathname}` });
    } else {
      try {
        this.authorize(route.security, req, query, body, params);
        text = JSON.stringify(route.handler(params));
      } catch (e) {
        if (!(e instanceof BinanceApiError)) throw e;
        status = e.http;
        text = JSON.stringify({ code: e.code, msg: e.msg });
      }
    }
    this.requests.push({ method, path: url.pathname, params, status, time });
    if (fault !== undefined) {
      switch (fault.action) {
        case 'timeout':
          return; // the socket stays open until the client gives up or the server closes
        case 'reset':
          req.socket.destroy();
          return;
        case 'delay':
          await sleep(fault.ms ?? 0);
          break;
        case 'garbage':
          status = fault.status ?? 200;
          text = fault.body ?? '{"orderId":8389765001,"status":"NE';
          break;
      }
    }
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...admission.headers });
    res.end(text);
  }

  /** Binance's rate limits decide first: a throttled or banned request is never acted on. */
  private admit(fault: Fault | undefined, req: RequestSeen): Admission {
    const placesOrders = () => ordersIn(req.method, req.path, req.params) > 0;
    if (fault?.action === 'throttle') return this.limits.throttle(fault.retryAfterS ?? 1, placesOrders());
    if (fault?.action === 'ban') return this.limits.ban(fault.retryAfterS ?? 1, placesOrders());
    return this.limits.admit(req);
  }

  private takeFault(method: string, pathname: string): Fault | undefined {
    const i = this.faults.findIndex(
      (f) => f.fault.path === pathname && (f.fault.method === undefined || f.fault.method === method),
    );
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.left <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  /**
   * Binance's endpoint security: an API key for user streams; for SIGNED endpoints also
   * HMAC-SHA256(secret, query string + body without the signature) and a timestamp the server accepts
   * (timestamp < serverTime + 1000 and serverTime − timestamp ≤ recvWindow).
   */
  private authorize(
    security: Security,
    req: http.IncomingMessage,
    query: string,
    body: string,
    p: Params,
  ): void {
    if (security === 'NONE') return;
    const key = req.headers['x-mbx-apikey'];
    if (typeof key !== 'string' || key === '')
      throw new BinanceApiError(-2014, 'API-key format invalid.', 401);
    if (key !== this.apiKey)
      throw new BinanceApiError(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
    if (security === 'USER_STREAM') return;
    const sig = p.signature;
    if (sig === undefined)
      throw new BinanceApiError(
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
      );
    const unsigned = (s: string) => s.replace(new RegExp(`&?signature=${sig}`), '');
    const payload = unsigned(query) + unsigned(body);
    const want = createHmac('sha256', this.secret).update(payload).digest();
    const got = Buffer.from(sig, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want))
      throw new BinanceApiError(-1022, 'Signature for this request is not valid.');
    if (p.timestamp === undefined)
      throw new BinanceApiError(
        -1102,
        "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.",
      );
    const ts = Number(p.timestamp);
    const window = Number(p.recvWindow ?? 5000);
    if (!(window > 0 && window <= 60_000))
      throw new BinanceApiError(-1131, 'recvWindow must be less than 60000');
    const serverTime = this.engine.time();
    if (!(ts < serverTime + 1000 && serverTime - ts <= window))
      throw new BinanceApiError(-1021, 'Timestamp for this request is outside of the recvWindow.');
  }

  // --- user-data stream ---------------------------------------------------------------------------

  private newListenKey(): string {
    const k = randomBytes(32).toString('hex');
    this.listenKeys.add(k);
    return k;
  }

  private closeListenKeys(): Record<string, never> {
    this.listenKeys.clear();
    this.closeStreams();
    return {};
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    const key = url.pathname.startsWith('/ws/')
      ? url.pathname.slice(4)
      : url.pathname === '/private/ws'
        ? url.searchParams.get('listenKey')
        : null;
    const refuse = (line: string) => {
      socket.end(`HTTP/1.1 ${line}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (this.streamsRefused) {
      refuse('503 Service Unavailable');
      return;
    }
    if (key === null || !this.listenKeys.has(key)) {
      refuse('400 Bad Request');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.streams.add(ws);
      ws.on('close', () => this.streams.delete(ws));
      ws.on('message', (data) => {
        // ccxt may send SUBSCRIBE frames; Binance acknowledges them with the request id.
        try {
          const m = JSON.parse(String(data)) as { id?: unknown };
          if (m.id !== undefined) ws.send(JSON.stringify({ result: null, id: m.id }));
        } catch {}
      });
    });
  }

  private push(e: UserEvent): void {
    this.events.push(e);
    let text = JSON.stringify(e);
    if (this.corrupt > 0) {
      this.corrupt--;
      text = JSON.stringify({ ...e, o: { ...(e.o as object), i: 'not-an-id', T: 'yesterday' } });
    }
    for (const ws of this.streams) ws.send(text);
    if (this.dropAfter !== null && --this.dropAfter <= 0) {
      this.dropAfter = null;
      // A close frame goes out after the frames already queued, so the events before the cut arrive.
      for (const ws of this.streams) ws.close(1001, 'fake: stream dropped');
      this.streams.clear();
    }
  }

  private closeStreams(): void {
    for (const ws of [...this.streams, ...this.silenced]) ws.terminate();
    this.streams.clear();
    this.silenced.length = 0;
  }
}

/** The symbols an exchangeInfo answer lists; one a test made without a symbol list lists none. */
const listedSymbols = (info: unknown): string[] => {
  const symbols = (info as { symbols?: unknown } | null)?.symbols;
  return Array.isArray(symbols)
    ? symbols.flatMap((x) => {
        const symbol = (x as { symbol?: unknown } | null)?.symbol;
        return typeof symbol === 'string' ? [symbol] : [];
      })
    : [];
};
