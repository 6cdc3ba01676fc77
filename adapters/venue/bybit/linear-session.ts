import type { Instrument } from '../../../domain/ledger/instrument.js';
import type { VenueOrder } from '../../../domain/ledger/venue-port.js';
import type { ApiRestrictions } from '../api-key.js';
import { ExchangeClock } from '../exchange-clock.js';
import type { IncomeKind, Observation } from '../observation.js';
import { RateBudget, type RatePriority } from '../rate-budget.js';
import { RateGate, type RateGateEvent } from '../rate-gate.js';
import {
  type FundingSettlement,
  keepWatching,
  type StreamHandlers,
  type SymbolSetting,
  VenueCallError,
  type VenueSession,
  withCallContext,
} from '../venue-session.js';
import { bybitKeyRestrictions } from './api-key.js';
import { feeRatesOf, marginModeOf, positionsOf, serverTimeOf, walletBalanceOf } from './linear-account.js';
import { bybitCallError } from './linear-errors.js';
import { bybitLinearUrls, TappedBybitLinear } from './linear-exchange.js';
import { linearListing, pagedRows } from './linear-listing.js';
import {
  executionListObservations,
  fundingObservations,
  fundingSettlementsOf,
  LINEAR_SETTLE,
  orderObservations,
  pageOf,
  requestAckObservations,
  streamObservations,
} from './linear-messages.js';
import { bybitCreateOrder } from './linear-order-request.js';
import { bybitLinearDefaultLimits } from './linear-rate-tap.js';
import { bybitOrderLinkId } from './order-link-id.js';

export interface BybitLinearSessionOptions {
  /**
   * ccxt constructor config: apiKey, secret, timeout, options (recvWindow, ws backoff, ...). Credentials come
   * from the composition root; the adapter reads no environment.
   */
  readonly ccxt: Readonly<Record<string, unknown>>;
  /** Sends every REST and websocket call here instead of Bybit (a local fake in tests). */
  readonly endpoint?: { readonly rest: string; readonly ws: string };
  /** Pause before the private stream is reopened after it broke (ccxt adds its own backoff on top). */
  readonly reconnectDelayMs?: number;
  readonly log?: (line: string) => void;
  /** How often the exchange's clock is measured again (default ten minutes); at once after a 10002. */
  readonly clockSyncMs?: number;
  /** Each measurement of this machine's clock against the exchange's, for the health watch. */
  readonly onClock?: (sample: { readonly offsetMs: number; readonly roundTripMs: number }) => void;
  /**
   * Bybit's rate limits (linear-rate-tap.ts): every REST call waits for the budget, reduce-only orders,
   * cancels and lookups first, and nothing is sent while Bybit says stop. On unless `false` (ccxt's own
   * limiter then paces the calls). A RateGate given is shared with the node's other clients of the account.
   */
  readonly rateLimits?:
    | false
    | RateGate
    | {
        /** The part of each limit calls that open positions or only read may use (default 0.8). */
        readonly share?: number;
        readonly maxWaitMs?: Partial<Record<RatePriority, number>>;
        readonly onEvent?: (e: RateGateEvent) => void;
      };
}

/**
 * The ccxt options the session runs on. loadMarkets lists linear instruments only (ccxt's default also
 * lists spot, inverse and options), and calls no asset endpoint (`has.fetchCurrencies` off as well: ccxt's
 * loadMarkets asks for the coin list whenever the exchange has one). Declaring the account unified spares
 * ccxt's stream the two account queries it makes to pick the private socket (isUnifiedEnabled).
 */
export const BYBIT_LINEAR_CCXT_OPTIONS = {
  fetchMarkets: { types: ['linear'] },
  fetchCurrencies: false,
  enableUnifiedAccount: true,
  enableUnifiedMargin: false,
  defaultType: 'swap',
} as const;

/** The implicit v5 endpoints the session calls, as ccxt names them (ccxt/js/src/abstract/bybit.d.ts). */
type Endpoint =
  | 'publicGetV5MarketTime'
  | 'publicGetV5MarketInstrumentsInfo'
  | 'publicGetV5MarketRiskLimit'
  | 'publicGetV5MarketFundingHistory'
  | 'privatePostV5OrderCreate'
  | 'privatePostV5OrderCancel'
  | 'privateGetV5OrderRealtime'
  | 'privateGetV5OrderHistory'
  | 'privateGetV5ExecutionList'
  | 'privateGetV5PositionList'
  | 'privateGetV5AccountWalletBalance'
  | 'privateGetV5AccountFeeRate'
  | 'privateGetV5AccountTransactionLog'
  | 'privateGetV5AccountInfo'
  | 'privateGetV5UserQueryApi'
  | 'privatePostV5PositionSetLeverage';

/**
 * How far past the exchange's time as measured a listing of what it just booked reaches: a record Bybit
 * stamped just now must not fall after the window for the measurement's error (one missed would wait for
 * the next listing, hours away).
 */
const LISTING_MARGIN_MS = 60_000;

/** Bybit's longest span of one execution-list or transaction-log query ("endTime - startTime <= 7 days"). */
const WEEK_MS = 7 * 86_400_000;
/** The most rows Bybit gives in one page of each listing. */
const PAGE = { executions: 100, transactions: 50, positions: 200, funding: 200 } as const;

/** Turns a parse failure of a reply into "no verdict": the request went out and may have been executed. */
const readReply = <T>(what: string, read: () => T, expiresAt?: number): T => {
  try {
    return read();
  } catch (e) {
    throw new VenueCallError(
      'unknown',
      `no verdict (unreadable ${what} reply: ${(e as Error).message.slice(0, 200)})`,
      {
        ...(expiresAt === undefined ? {} : { expiresAt }),
        cause: e,
      },
    );
  }
};

/**
 * Observations oldest first, each once by `key`: consecutive weeks of a listing meet at their boundary,
 * where a record can be listed twice.
 */
const uniqueByTime = (
  observations: readonly Observation[],
  key: (o: Observation) => string,
): Observation[] => {
  const out = new Map<string, Observation>();
  for (const o of observations) if (!out.has(key(o))) out.set(key(o), o);
  return [...out.values()].sort((a, b) => a.time - b.time);
};

/**
 * Bybit USDT perpetuals (v5, category linear, unified trading account, one-way mode) through ccxt's bybit.
 * Every call is one of Bybit's own endpoints with its documented parameters (ccxt's implicit methods),
 * read by linear-messages.ts and linear-account.ts: ccxt's unified methods would reshape the replies, round
 * prices and quantities, or pre-load what the adapter does not use. The private stream is ccxt's
 * (wss://stream.bybit.com/v5/private, `order` and `execution` topics), read message by message (see
 * TappedBybitLinear).
 */
export class BybitLinearSession implements VenueSession {
  readonly name = 'bybit';
  private readonly ex: TappedBybitLinear;
  /** The USDT perpetuals Bybit lists, by Bybit's symbol (BTCUSDT). */
  private readonly symbols = new Set<string>();
  private readonly reconnectDelayMs: number;
  private closed = false;
  private loop: Promise<void> | null = null;
  /** Where every REST call waits for Bybit's budget; null when ccxt paces them. */
  readonly rateGate: RateGate | null;
  private readonly ownsGate: boolean;
  /** The exchange's clock, as this machine measures it against its own. */
  private readonly clock: ExchangeClock;
  private readonly log: (line: string) => void;

  constructor(opts: BybitLinearSessionOptions) {
    const options = (opts.ccxt.options ?? {}) as Record<string, unknown>;
    const has = (opts.ccxt.has ?? {}) as Record<string, unknown>;
    this.ex = new TappedBybitLinear({
      ...opts.ccxt,
      options: { ...options, ...BYBIT_LINEAR_CCXT_OPTIONS },
      has: { ...has, fetchCurrencies: false },
      ...(opts.endpoint ? { urls: bybitLinearUrls(opts.endpoint.rest, opts.endpoint.ws) } : {}),
    });
    this.reconnectDelayMs = opts.reconnectDelayMs ?? 1000;
    this.log = opts.log ?? (() => {});
    this.clock = new ExchangeClock({
      name: this.name,
      local: () => this.ex.milliseconds(),
      serverTime: () => this.serverTime(),
      apply: (offsetMs) => {
        this.ex.options.timeDifference = offsetMs;
      },
      onSample: opts.onClock,
      everyMs: opts.clockSyncMs ?? 600_000,
      log: this.log,
    });
    const rate = opts.rateLimits;
    this.rateGate =
      rate === false
        ? null
        : rate instanceof RateGate
          ? rate
          : new RateGate({
              budget: new RateBudget(bybitLinearDefaultLimits, rate?.share),
              now: () => this.now(),
              ...(rate?.maxWaitMs ? { maxWaitMs: rate.maxWaitMs } : {}),
              ...(rate?.onEvent ? { onEvent: rate.onEvent } : {}),
            });
    this.ownsGate = !(rate instanceof RateGate);
    if (this.rateGate !== null) this.ex.paceWith(this.rateGate);
  }

  /** The ccxt instance's URLs, for checking where the session would send its calls. */
  get urls(): unknown {
    return this.ex.urls;
  }

  async start(handlers: StreamHandlers): Promise<void> {
    // ccxt refuses plain ws:// (a local endpoint) until its http agent is loaded.
    await this.ex.loadHttpProxyAgent();
    // Before anything is signed.
    await this.clock.keep();
    try {
      await this.ex.loadMarkets();
    } catch (e) {
      await this.close();
      throw bybitCallError(e);
    }
    for (const m of Object.values(this.ex.markets ?? {}))
      if (m?.linear && m.swap && m.settle === LINEAR_SETTLE && typeof m.id === 'string')
        this.symbols.add(m.id);
    let first: { resolve: () => void; reject: (e: unknown) => void } | null = null;
    const firstConnection = new Promise<void>((resolve, reject) => {
      first = { resolve, reject };
    });
    this.ex.rawPrivateMessage = (message) => {
      let observations: Observation[];
      try {
        observations = streamObservations(message);
      } catch (e) {
        handlers.gap(`unreadable stream message: ${(e as Error).message.slice(0, 200)}`);
        return;
      }
      if (observations.length > 0) handlers.message(observations);
    };
    this.ex.streamConnected = () => {
      handlers.connected();
      first?.resolve();
      first = null;
    };
    this.loop = this.watch(handlers, (e) => {
      first?.reject(e);
      first = null;
    });
    try {
      await firstConnection;
    } catch (e) {
      // Nobody gets a session that never connected, so nobody could stop its reconnect loop.
      await this.close();
      throw e;
    }
  }

  /**
   * Keeps watchOrders and watchMyTrades pending so ccxt holds the private socket open, authenticated and
   * subscribed to `order` and `execution`, and opens it again after a drop. Their results are not used
   * (the messages come through rawPrivateMessage), and they resolve only if ccxt's handlers run; a call
   * made while the other is pending returns ccxt's pending future, so the race re-subscribes only what
   * failed.
   */
  private watch(handlers: StreamHandlers, failedBeforeConnecting: (e: unknown) => void): Promise<void> {
    return keepWatching({
      watch: () => Promise.race([this.ex.watchOrders(), this.ex.watchMyTrades()]),
      closed: () => this.closed,
      failed: (e) => {
        this.ex.streamInterrupted();
        failedBeforeConnecting(e);
        handlers.disconnected(e);
      },
      delayMs: this.reconnectDelayMs,
    });
  }

  trades(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  wireId(clientOrderId: string): string {
    return bybitOrderLinkId(clientOrderId);
  }

  /** The exchange's clock, as this machine's corrected by the last measured offset. */
  now(): number {
    return this.clock.now();
  }

  /** This machine's clock minus the exchange's, as last measured (ms). */
  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }

  /**
   * Bybit's time now (GET /v5/market/time), which the session's clock is measured against: Bybit refuses a
   * request whose timestamp is not within "server_time - recv_window <= timestamp < server_time + 1000"
   * (10002), so a host whose clock runs a second ahead would have every order refused. Throws
   * VenueCallError.
   */
  private async serverTime(): Promise<number> {
    const reply = await this.endpoint('publicGetV5MarketTime');
    return readReply('time', () => serverTimeOf(reply));
  }

  /**
   * Runs a signed call; one Bybit refuses for its timestamp (10002: not executed) is run once more after
   * the clock is measured again. The host's clock jumped or drifted since the last measurement.
   */
  private onExchangeClock<T>(call: () => Promise<T>): Promise<T> {
    return this.clock.retried(
      call,
      (e) => (bybitCallError(e).extra.code === '10002' ? '10002' : null),
      () => this.closed,
    );
  }

  /**
   * One of Bybit's endpoints, its raw reply. An error is read as Bybit's verdict (bybitCallError, with the
   * request's expiry when it has one); the caller reads the reply with readReply.
   */
  private async endpoint(method: Endpoint, params: object = {}, expiry?: () => number): Promise<unknown> {
    try {
      return await this.onExchangeClock(() => this.ex[method](params));
    } catch (e) {
      throw bybitCallError(e, expiry?.());
    }
  }

  /** Every row of a paged listing (linear-listing.ts), each page read as a reply of this session. */
  private pagedRows(method: Endpoint, params: Record<string, unknown>, what: string): Promise<unknown[]> {
    return pagedRows((m, p) => this.endpoint(m, p), method, params, what, readReply);
  }

  async place(order: VenueOrder): Promise<readonly Observation[]> {
    this.requireSymbol(order.symbol);
    let body: ReturnType<typeof bybitCreateOrder>;
    try {
      body = bybitCreateOrder(order);
    } catch (e) {
      throw new VenueCallError('refused', `not sent: ${(e as Error).message}`, { cause: e });
    }
    // The request can be executed until its recvWindow from when it was signed, after any wait for the
    // rate budget; before it is signed, from now.
    let signedAt: () => number | null = () => null;
    const expiry = () => (signedAt() ?? this.now()) + this.recvWindow();
    const reply = await withCallContext(async (call) => {
      signedAt = () => call.signedAt;
      return this.endpoint('privatePostV5OrderCreate', body, expiry);
    });
    return readReply('order create', () => requestAckObservations(reply, this.now()), expiry());
  }

  async cancel(order: VenueOrder): Promise<readonly Observation[]> {
    this.requireSymbol(order.symbol);
    // A conditional order is cancelled like any other: it is one order at Bybit, by its orderLinkId.
    const reply = await this.endpoint('privatePostV5OrderCancel', {
      category: 'linear',
      symbol: order.symbol,
      orderLinkId: bybitOrderLinkId(order.clientOrderId),
    });
    return readReply('order cancel', () => requestAckObservations(reply, this.now()));
  }

  /**
   * The order by its orderLinkId: /v5/order/realtime (open orders, and the latest closed ones until a
   * restart of Bybit's service clears them), else /v5/order/history ("The orders in the last 7 days:
   * supports querying all statuses"). Null when neither has it.
   */
  async lookup(order: VenueOrder): Promise<readonly Observation[] | null> {
    this.requireSymbol(order.symbol);
    const orderLinkId = bybitOrderLinkId(order.clientOrderId);
    const params = { category: 'linear', symbol: order.symbol, orderLinkId };
    for (const method of ['privateGetV5OrderRealtime', 'privateGetV5OrderHistory'] as const) {
      let reply: unknown;
      try {
        reply = await this.endpoint(method, params);
      } catch (e) {
        if (e instanceof VenueCallError && e.outcome === 'refused' && e.extra.unknownOrder) continue;
        throw e;
      }
      const rows = readReply('order', () => pageOf(reply).rows).filter(
        (r) => (r as { orderLinkId?: unknown } | null)?.orderLinkId === orderLinkId,
      );
      if (rows.length > 0) return readReply('order', () => rows.flatMap(orderObservations));
    }
    return null;
  }

  async fills(order: VenueOrder, fillsOrderId: string): Promise<readonly Observation[]> {
    this.requireSymbol(order.symbol);
    const rows = await this.pagedRows(
      'privateGetV5ExecutionList',
      { category: 'linear', symbol: order.symbol, orderId: fillsOrderId, limit: PAGE.executions },
      'execution list',
    );
    return readReply('execution list', () => executionListObservations(rows));
  }

  async positions(): Promise<ReadonlyMap<string, string>> {
    // "If symbol=null and settleCoin specified, it returns position size greater than zero."
    const rows = await this.openPositionRows();
    return readReply('positions', () => {
      const out = new Map<string, string>();
      for (const p of positionsOf(rows)) {
        if (p.positionIdx !== 0)
          throw new Error(
            `${p.symbol} is held in hedge mode (positionIdx ${p.positionIdx}); the ledger trades one-way`,
          );
        if (!/^-?0*(\.0*)?$/.test(p.size)) out.set(p.symbol, p.size);
      }
      return out;
    });
  }

  private openPositionRows(): Promise<unknown[]> {
    return this.pagedRows(
      'privateGetV5PositionList',
      { category: 'linear', settleCoin: LINEAR_SETTLE, limit: PAGE.positions },
      'positions',
    );
  }

  /**
   * The exchange's closing executions on `symbol` since `since`, oldest first: BustTrade, AdlTrade, a
   * delisting's Delivery or Settle, and the trades of the orders Bybit placed itself to liquidate (a
   * laddered liquidation's orders trade as execType Trade, told apart by their createType). The execution
   * list cannot filter by createType, so each week (its longest span) is listed whole, page by page.
   */
  async forcedFills(symbol: string, since: number): Promise<readonly Observation[]> {
    this.requireSymbol(symbol);
    const found: Observation[] = [];
    const until = this.now() + LISTING_MARGIN_MS;
    for (let from = since; from < until; from += WEEK_MS) {
      const rows = await this.pagedRows(
        'privateGetV5ExecutionList',
        {
          category: 'linear',
          symbol,
          startTime: from,
          endTime: Math.min(from + WEEK_MS, until),
          limit: PAGE.executions,
        },
        'execution list',
      );
      found.push(...readReply('execution list', () => executionListObservations(rows)));
    }
    return uniqueByTime(
      found.filter((o) => o.kind === 'forced'),
      (o) => `${o.venueOrderId}:${o.kind === 'forced' ? o.tradeId : ''}`,
    );
  }

  /**
   * Funding records since `since`: the transaction log's SETTLEMENT records of USDT perpetuals, a week
   * (its longest span) at a time. Bybit keeps no record of a liquidation clearance fee: it takes a
   * liquidated position over at its bankruptcy price, and what the position loses goes to the insurance
   * fund within that trade (its BustTrade execution), so there is none to list.
   */
  async incomeSince(kind: IncomeKind, since: number): Promise<readonly Observation[]> {
    if (kind === 'clearance-fee') return [];
    const found: Observation[] = [];
    const until = this.now() + LISTING_MARGIN_MS;
    for (let from = since; from < until; from += WEEK_MS) {
      const rows = await this.pagedRows(
        'privateGetV5AccountTransactionLog',
        {
          accountType: 'UNIFIED',
          category: 'linear',
          currency: LINEAR_SETTLE,
          type: 'SETTLEMENT',
          startTime: from,
          endTime: Math.min(from + WEEK_MS, until),
          limit: PAGE.transactions,
        },
        'transaction log',
      );
      found.push(...readReply('transaction log', () => fundingObservations(rows)));
    }
    return uniqueByTime(found, (o) => (o.kind === 'funding' ? o.incomeId : `${o.kind}:${o.time}`));
  }

  /**
   * The symbol's funding rates from `from` to `to` (/v5/market/funding/history): at most 200 a page, newest
   * first, so a full page is followed by the one ending before its oldest.
   */
  async fundingSettlements(symbol: string, from: number, to: number): Promise<readonly FundingSettlement[]> {
    const out = new Map<number, FundingSettlement>();
    let end = to;
    for (;;) {
      const reply = await this.endpoint('publicGetV5MarketFundingHistory', {
        category: 'linear',
        symbol,
        startTime: from,
        endTime: end,
        limit: PAGE.funding,
      });
      const page = readReply('funding history', () => fundingSettlementsOf(pageOf(reply).rows));
      for (const s of page) out.set(s.time, s);
      if (page.length < PAGE.funding) break;
      const oldest = page[0]!.time;
      if (oldest <= from || oldest - 1 >= end) break;
      end = oldest - 1;
    }
    return [...out.values()].sort((a, b) => a.time - b.time);
  }

  async instruments(): Promise<ReadonlyMap<string, Instrument>> {
    const { instruments: listed } = await linearListing((m, p) => this.endpoint(m, p), readReply);
    // A symbol listed since the session started trades from now; one no longer listed is Bybit's to refuse.
    for (const symbol of listed.keys()) this.symbols.add(symbol);
    return listed;
  }

  async walletBalance(asset: string): Promise<string> {
    const reply = await this.endpoint('privateGetV5AccountWalletBalance', {
      accountType: 'UNIFIED',
      coin: asset,
    });
    return readReply('wallet-balance', () => walletBalanceOf(reply, asset));
  }

  /**
   * What the API key may do (GET /v5/user/query-api), in the terms the node judges every venue's key by
   * (judgeApiKey). Throws VenueCallError, on a reply that cannot be read too.
   */
  async keyRestrictions(): Promise<ApiRestrictions> {
    const reply = await this.endpoint('privateGetV5UserQueryApi');
    return readReply('query-api', () => bybitKeyRestrictions(reply));
  }

  async commissionRates(symbol: string): Promise<{ maker: string; taker: string }> {
    const reply = await this.endpoint('privateGetV5AccountFeeRate', { category: 'linear', symbol });
    return readReply('fee-rate', () => feeRatesOf(reply, symbol));
  }

  /**
   * Hedge mode shows as positionIdx 1 and 2 in /v5/position/list. Its rows for one symbol are there
   * whether or not a position is open ("If symbol passed, it returns data regardless of having position
   * or not"), so BTCUSDT (or the first symbol listed) stands for the USDT perpetuals Bybit switches as
   * one, and the open positions for the rest. A symbol switched on its own and not held is not seen: Bybit
   * then refuses its orders' positionIdx 0.
   */
  async positionMode(): Promise<'one-way' | 'hedge'> {
    const probe = this.symbols.has('BTCUSDT') ? 'BTCUSDT' : [...this.symbols][0];
    const rows = [
      ...(await this.openPositionRows()),
      ...(probe === undefined
        ? []
        : await this.pagedRows(
            'privateGetV5PositionList',
            { category: 'linear', symbol: probe },
            'positions',
          )),
    ];
    return readReply('positions', () => positionsOf(rows).some((p) => p.positionIdx !== 0))
      ? 'hedge'
      : 'one-way';
  }

  /**
   * A unified account margins USDT perpetuals cross or isolated for the whole account (/v5/account/info
   * marginMode REGULAR_MARGIN or ISOLATED_MARGIN; per-symbol switching is for inverse contracts and
   * classic accounts only), so it is checked, not changed: changing it would move every other position on
   * the account. Portfolio margin is a margin model the ledger does not book. Leverage is set per symbol;
   * 110043 "Set leverage not modified" is what it already was.
   */
  async configureSymbol(symbol: string, settings: SymbolSetting): Promise<void> {
    this.requireSymbol(symbol);
    const info = await this.endpoint('privateGetV5AccountInfo');
    const mode = readReply('account info', () => marginModeOf(info));
    const wanted = settings.marginType === 'cross' ? 'REGULAR_MARGIN' : 'ISOLATED_MARGIN';
    if (mode !== wanted)
      throw new VenueCallError(
        'refused',
        `the Bybit unified account margins every position ${mode}, not ${wanted} as the ledger books ${symbol}: Bybit sets it for the whole account; switch it there`,
      );
    const leverage = String(settings.leverage);
    try {
      await this.endpoint('privatePostV5PositionSetLeverage', {
        category: 'linear',
        symbol,
        buyLeverage: leverage,
        sellLeverage: leverage,
      });
    } catch (err) {
      if (!(err instanceof VenueCallError) || err.extra.code !== '110043') throw err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.stop();
    // A gate this session made is its own; one it was given is shared with the node's other clients.
    if (this.ownsGate) this.rateGate?.close();
    await this.ex.close();
    await this.loop;
  }

  private requireSymbol(symbol: string): void {
    if (!this.symbols.has(symbol)) throw new RangeError(`bybit does not trade ${symbol}`);
  }

  private recvWindow(): number {
    const w = this.ex.options.recvWindow;
    return typeof w === 'number' ? w : 5000;
  }
}
