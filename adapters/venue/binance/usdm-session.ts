import { createHash } from 'node:crypto';
import { instrumentsFromBinance } from '../../../domain/ledger/binance-metadata.js';
import { isConditional } from '../../../domain/ledger/events.js';
import { fixed } from '../../../domain/ledger/fixed.js';
import type { Instrument } from '../../../domain/ledger/instrument.js';
import { instrumentChanges } from '../../../domain/ledger/instrument-changes.js';
import type { VenueOrder } from '../../../domain/ledger/venue-port.js';
import type { ApiRestrictions } from '../api-key.js';
import { ExchangeClock } from '../exchange-clock.js';
import type { IncomeKind, Observation } from '../observation.js';
import {
  binanceUsdmDefaultLimits,
  RateBudget,
  type RatePriority,
  rateLimitsFromExchangeInfo,
} from '../rate-budget.js';
import { RateGate, type RateGateEvent } from '../rate-gate.js';
import type { SymbolSetting } from '../venue-session.js';
import {
  type FundingSettlement,
  keepWatching,
  type StreamHandlers,
  VenueCallError,
  type VenueSession,
  withCallContext,
} from '../venue-session.js';
import { apiRestrictions } from './api-key.js';
import { binanceCallError } from './usdm-errors.js';
import { binanceUsdmUrls, TappedBinanceUsdm } from './usdm-exchange.js';
import {
  algoCancelObservations,
  algoObservationsOf,
  type ForceOrder,
  forceOrdersOf,
  fundingSettlementsOf,
  incomeObservationsOf,
  incomeTypeOf,
  orderObservations,
  streamObservations,
  tradeObservations,
} from './usdm-messages.js';

export interface BinanceUsdmSessionOptions {
  /**
   * ccxt constructor config: apiKey, secret, timeout, options (recvWindow, ws backoff, ...). Credentials come
   * from the composition root; the adapter reads no environment.
   */
  readonly ccxt: Readonly<Record<string, unknown>>;
  /** Sends every REST and websocket call here instead of Binance (a local fake in tests). */
  readonly endpoint?: { readonly rest: string; readonly ws: string };
  /** Pause before the user stream is reopened after it broke (ccxt adds its own backoff on top). */
  readonly reconnectDelayMs?: number;
  readonly log?: (line: string) => void;
  /** How often the exchange's clock is measured again (default ten minutes); at once after a -1021. */
  readonly clockSyncMs?: number;
  /** Each measurement of this machine's clock against the exchange's, for the health watch. */
  readonly onClock?: (sample: { readonly offsetMs: number; readonly roundTripMs: number }) => void;
  /**
   * Binance's rate limits (rate-gate.ts): every REST call waits for the exchange's budget, reduce-only
   * orders, cancels and lookups first, and nothing is sent while Binance says stop. On unless `false`
   * (ccxt's own limiter then paces the calls). A RateGate given is shared with the node's other clients of
   * Binance on the same IP (the live bars feed).
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

/** The most trades GET /fapi/v1/userTrades gives in one call ("limit: Default 500; max 1000"). */
const TRADES_PAGE = 1000;

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
 * Binance USDⓈ-M futures through ccxt's binanceusdm. Orders go out with createOrder, which Binance (and
 * ccxt since the December 2025 change) routes by type: MARKET and LIMIT to POST /fapi/v1/order with
 * newClientOrderId, STOP_MARKET and TAKE_PROFIT_MARKET to the algo service (POST /fapi/v1/algoOrder,
 * algoType CONDITIONAL, clientAlgoId, triggerPrice); cancels and lookups follow the same split. The user
 * stream is ccxt's listenKey stream (watchOrders), read message by message (see TappedBinanceUsdm).
 */
export class BinanceUsdmSession implements VenueSession {
  readonly name = 'binanceusdm';
  private readonly ex: TappedBinanceUsdm;
  /** Binance symbol (BTCUSDT) → ccxt symbol (BTC/USDT:USDT), linear perpetuals only. */
  private readonly symbols = new Map<string, string>();
  /**
   * Symbols whose listed maker rate is a rebate (commissionRates): their makers' commissions are booked
   * as paid to the account (usdm-messages.ts says why the sign of a commission is not read).
   */
  private readonly rebates = new Set<string>();
  private readonly reconnectDelayMs: number;
  private closed = false;
  private loop: Promise<void> | null = null;
  /** The instruments as this session last listed them (ccxt's markets agree with them). */
  private listed: ReadonlyMap<string, Instrument> | null = null;
  /** Where every REST call waits for Binance's budget; null when ccxt paces them. */
  readonly rateGate: RateGate | null;
  private readonly ownsGate: boolean;
  /** The exchange's clock, as this machine measures it against its own. */
  private readonly clock: ExchangeClock;
  private readonly log: (line: string) => void;

  constructor(opts: BinanceUsdmSessionOptions) {
    const options = (opts.ccxt.options ?? {}) as Record<string, unknown>;
    this.ex = new TappedBinanceUsdm({
      ...opts.ccxt,
      // fetchCurrencies would call the spot wallet API (sapi), and watchOrders would load a positions
      // snapshot (leverage brackets, account): the venue uses neither, the ledger keeps the positions.
      options: { ...options, fetchCurrencies: false, watchPositions: { fetchPositionsSnapshot: false } },
      ...(opts.endpoint ? { urls: binanceUsdmUrls(opts.endpoint.rest, opts.endpoint.ws) } : {}),
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
              budget: new RateBudget(binanceUsdmDefaultLimits, rate?.share),
              now: () => this.now(),
              ...(rate?.maxWaitMs ? { maxWaitMs: rate.maxWaitMs } : {}),
              ...(rate?.onEvent ? { onEvent: rate.onEvent } : {}),
            });
    this.ownsGate = !(rate instanceof RateGate);
    if (this.rateGate !== null) this.ex.paceWith(this.rateGate);
  }

  async start(handlers: StreamHandlers): Promise<void> {
    // ccxt refuses plain ws:// (a local endpoint) until its http agent is loaded.
    await this.ex.loadHttpProxyAgent();
    // Before anything is signed.
    await this.clock.keep();
    if (this.rateGate !== null) this.takeRateLimits(await this.endpoint('fapiPublicGetExchangeInfo'));
    await this.ex.loadMarkets();
    for (const m of Object.values(this.ex.markets ?? {})) {
      if (m?.linear && m.swap && typeof m.id === 'string' && typeof m.symbol === 'string')
        this.symbols.set(m.id, m.symbol);
    }
    let first: { resolve: () => void; reject: (e: unknown) => void } | null = null;
    const firstConnection = new Promise<void>((resolve, reject) => {
      first = { resolve, reject };
    });
    this.ex.rawUserEvent = (message) => {
      let observations: Observation[];
      try {
        observations = streamObservations(message, this.rebates);
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
   * Keeps watchOrders pending so ccxt holds the stream open (and its listenKey alive) and reopens it after
   * a drop. Its results are not used: the messages come through rawUserEvent.
   */
  private watch(handlers: StreamHandlers, failedBeforeConnecting: (e: unknown) => void): Promise<void> {
    return keepWatching({
      watch: () => this.ex.watchOrders(),
      closed: () => this.closed,
      failed: (e) => {
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
    return binanceClientId(clientOrderId);
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
   * Binance's time now (GET /fapi/v1/time), which the session's clock is measured against: Binance refuses
   * a timestamp more than a second ahead of its own or older than the recvWindow (-1021), so a host whose
   * clock drifts a second would have every order refused. Throws VenueCallError.
   */
  private async serverTime(): Promise<number> {
    const reply = await this.endpoint('fapiPublicGetTime');
    return readReply('time', () => {
      const t = (reply as { serverTime?: unknown } | null)?.serverTime;
      const n = typeof t === 'string' ? Number(t) : t;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0)
        throw new Error(`serverTime ${String(t)}`);
      return n;
    });
  }

  /**
   * Runs a signed call; one Binance refuses for its timestamp (-1021: not executed) is run once more
   * after the clock is measured again. The host's clock jumped or drifted since the last measurement.
   */
  private onExchangeClock<T>(call: () => Promise<T>): Promise<T> {
    return this.clock.retried(
      call,
      (e) => (binanceCallError(e).extra.code === '-1021' ? '-1021' : null),
      () => this.closed,
    );
  }

  async place(order: VenueOrder): Promise<readonly Observation[]> {
    const symbol = this.ccxtSymbol(order.symbol);
    const { type, side, amount, price, params } = createOrderArgs(order);
    if (order.stopPrice !== null && isConditional(order.type)) {
      const sent = String(this.ex.priceToPrecision(symbol, order.stopPrice));
      if (fixed(sent) !== fixed(order.stopPrice))
        throw new VenueCallError(
          'refused',
          `not sent: trigger price ${order.stopPrice} is off ${order.symbol}'s tick grid (ccxt would send ${sent})`,
        );
    }
    try {
      // ccxt builds (and checks) the request before it sends anything: a failure here never reached Binance.
      this.ex.createOrderRequest(symbol, type, side, amount, price, params);
    } catch (e) {
      throw new VenueCallError('refused', `not sent: ${(e as Error).message}`, { cause: e });
    }
    // The request can be executed until its recvWindow from when it was signed, after any wait for the
    // rate budget; before it is signed, from now.
    let signedAt: () => number | null = () => null;
    const expiry = () => (signedAt() ?? this.now()) + this.recvWindow();
    let reply: unknown;
    try {
      reply = await withCallContext(async (call) => {
        signedAt = () => call.signedAt;
        return (
          await this.onExchangeClock(() => this.ex.createOrder(symbol, type, side, amount, price, params))
        ).info;
      });
    } catch (e) {
      throw binanceCallError(e, expiry());
    }
    const expiresAt = expiry();
    return readReply(
      'order',
      () => (isConditional(order.type) ? algoObservationsOf(reply).observations : orderObservations(reply)),
      expiresAt,
    );
  }

  async cancel(order: VenueOrder): Promise<readonly Observation[]> {
    const symbol = this.ccxtSymbol(order.symbol);
    const params = isConditional(order.type)
      ? { trigger: true, clientAlgoId: binanceClientId(order.clientOrderId) }
      : { origClientOrderId: binanceClientId(order.clientOrderId) };
    let reply: unknown;
    try {
      reply = (await this.onExchangeClock(() => this.ex.cancelOrder('', symbol, params))).info;
    } catch (e) {
      throw binanceCallError(e);
    }
    const at = this.now();
    return readReply('cancel', () =>
      isConditional(order.type) ? algoCancelObservations(reply, at) : orderObservations(reply),
    );
  }

  async lookup(order: VenueOrder): Promise<readonly Observation[] | null> {
    const symbol = this.ccxtSymbol(order.symbol);
    if (!isConditional(order.type)) {
      const reply = await this.fetchOrder(symbol, {
        origClientOrderId: binanceClientId(order.clientOrderId),
      });
      return reply === null ? null : readReply('order', () => orderObservations(reply));
    }
    const algo = await this.fetchOrder(symbol, {
      trigger: true,
      clientAlgoId: binanceClientId(order.clientOrderId),
    });
    if (algo === null) return null;
    const { observations, childOrderId } = readReply('algo order', () => algoObservationsOf(algo));
    if (childOrderId === null) return observations;
    // Triggered: the fills and the end belong to the order the algo service put in the book.
    const child = await this.fetchOrder(symbol, { orderId: childOrderId });
    if (child === null) return observations;
    return [...observations, ...readReply('order', () => orderObservations(child))];
  }

  async fills(order: VenueOrder, fillsOrderId: string): Promise<readonly Observation[]> {
    const rows = await this.orderTrades(order.symbol, fillsOrderId);
    return readReply('trades', () => tradeObservations(rows, order.symbol, this.rebates));
  }

  /**
   * Every trade of one order (GET /fapi/v1/userTrades), oldest first. Binance gives at most 1000 a call
   * (500 unless asked), so a full page is followed from the trade after its last: without that, an order
   * of more trades would never be found complete and its catch-up would ask for the same page for ever.
   */
  private async orderTrades(symbol: string, orderId: string): Promise<unknown[]> {
    const ccxtSymbol = this.ccxtSymbol(symbol);
    const rows: unknown[] = [];
    let fromId: number | undefined;
    for (;;) {
      let page: unknown[];
      try {
        const trades = await this.onExchangeClock(() =>
          this.ex.fetchMyTrades(ccxtSymbol, undefined, TRADES_PAGE, {
            orderId,
            ...(fromId === undefined ? {} : { fromId }),
          }),
        );
        page = trades.map((t) => t.info as unknown);
      } catch (e) {
        throw binanceCallError(e);
      }
      rows.push(...page);
      if (page.length < TRADES_PAGE) return rows;
      const last = Math.max(...page.map((r) => Number((r as { id?: unknown }).id)));
      if (!Number.isSafeInteger(last) || (fromId !== undefined && last < fromId))
        throw new VenueCallError(
          'unknown',
          `a page of trades of order ${orderId} ends in no readable trade id`,
        );
      fromId = last + 1;
    }
  }

  async forcedFills(symbol: string, since: number): Promise<readonly Observation[]> {
    // GET /fapi/v1/forceOrders: liquidation and ADL orders both, newest first, at most 100 a page (Binance's
    // limit). A full page is followed by the one ending where it ended (orders of that instant are met
    // again and skipped), until a page is not full or brings nothing new.
    const orders = new Map<string, ForceOrder>();
    let end: number | undefined;
    for (;;) {
      const rows = await this.endpoint('fapiPrivateGetForceOrders', {
        symbol,
        startTime: since,
        ...(end === undefined ? {} : { endTime: end }),
        limit: 100,
      });
      const page = readReply('forceOrders', () => forceOrdersOf(rows));
      const fresh = page.filter((o) => !orders.has(o.orderId));
      for (const o of fresh) orders.set(o.orderId, o);
      if (fresh.length === 0 || (Array.isArray(rows) && rows.length < 100)) break;
      end = Math.min(...page.map((o) => o.time));
    }
    const out: Observation[] = [];
    for (const o of orders.values()) {
      if (!o.traded) continue;
      const trades = await this.orderTrades(symbol, o.orderId);
      for (const t of readReply('trades', () => tradeObservations(trades, symbol, this.rebates))) {
        if (t.kind !== 'trade') continue;
        out.push({
          kind: 'forced',
          reason: o.reason,
          clientOrderId: o.clientOrderId,
          venueOrderId: o.orderId,
          time: t.time,
          symbol,
          side: o.side,
          tradeId: t.tradeId,
          price: t.price,
          quantity: t.quantity,
          fee: t.fee,
        });
      }
    }
    return out.sort((a, b) => a.time - b.time);
  }

  /**
   * One of Binance's endpoints as ccxt names it (`fapiPrivateV2GetBalance`, …), its raw reply: ccxt's
   * unified methods would reshape or pre-load what the adapter reads itself. An error is read as Binance's
   * verdict (binanceCallError); the caller reads the reply with readReply.
   */
  private async endpoint(method: string, params: object = {}): Promise<unknown> {
    const ex = this.ex as unknown as Record<string, (p: object) => Promise<unknown>>;
    try {
      return await this.onExchangeClock(() => ex[method]!.call(this.ex, params));
    } catch (e) {
      throw binanceCallError(e);
    }
  }

  async incomeSince(kind: IncomeKind, since: number): Promise<readonly Observation[]> {
    const out: Observation[] = [];
    const seen = new Set<string>();
    let from = since;
    // GET /fapi/v1/income pages by time (1,000 records at most): the next page starts at the last record's
    // time, and records seen already (same time) are skipped. A page with nothing new ends the listing.
    for (;;) {
      const rows = await this.endpoint('fapiPrivateGetIncome', {
        incomeType: incomeTypeOf[kind],
        startTime: from,
        limit: 1000,
      });
      const page = readReply('income', () => incomeObservationsOf(rows)).filter((o) => o.kind === kind);
      const fresh = page.filter((o) => 'incomeId' in o && !seen.has(o.incomeId));
      for (const o of fresh) if ('incomeId' in o) seen.add(o.incomeId);
      out.push(...fresh);
      if (fresh.length === 0 || (Array.isArray(rows) && rows.length < 1000)) return out;
      from = page[page.length - 1]!.time;
    }
  }

  async fundingSettlements(symbol: string, from: number, to: number): Promise<readonly FundingSettlement[]> {
    // GET /fapi/v1/fundingRate: at most 1,000 records, far more than the settlements of a close-out's span.
    const rows = await this.endpoint('fapiPublicGetFundingRate', {
      symbol,
      startTime: from,
      endTime: to,
      limit: 1000,
    });
    return readReply('fundingRate', () => fundingSettlementsOf(rows));
  }

  async instruments(): Promise<ReadonlyMap<string, Instrument>> {
    // GET /fapi/v1/exchangeInfo (public) and GET /fapi/v1/leverageBracket (signed: the account's own brackets).
    const [info, brackets] = await Promise.all([
      this.endpoint('fapiPublicGetExchangeInfo'),
      this.endpoint('fapiPrivateGetLeverageBracket'),
    ]);
    const listed = readReply('exchangeInfo and leverageBracket', () =>
      instrumentsFromBinance(info, brackets),
    );
    if (this.rateGate !== null) this.takeRateLimits(info);
    // ccxt formats trigger prices by its markets' precision, which must be the listing's of now. Loading
    // them costs as much as the listing itself, so only when the listing is new to this session.
    if (this.listed === null || listingChanged(this.listed, listed)) await this.reloadMarkets();
    this.listed = listed;
    return listed;
  }

  async commissionRates(symbol: string): Promise<{ maker: string; taker: string }> {
    // GET /fapi/v1/commissionRate: {"symbol", "makerCommissionRate": "0.0002", "takerCommissionRate": "0.0004"}.
    // A rebate tier lists its maker rate below zero; a taker is never paid.
    const reply = await this.endpoint('fapiPrivateGetCommissionRate', { symbol });
    const rates = readReply('commissionRate', () => {
      const r = reply as Record<string, unknown>;
      if (r === null || typeof r !== 'object' || r.symbol !== symbol)
        throw new Error(`not ${symbol}'s rates`);
      const rate = (v: unknown, which: string, signed: boolean): string => {
        if (typeof v !== 'string' || !(signed ? /^-?\d+(\.\d+)?$/ : /^\d+(\.\d+)?$/).test(v))
          throw new Error(`${which} ${JSON.stringify(v)} is not a decimal rate${signed ? '' : ' ≥ 0'}`);
        return v;
      };
      return {
        maker: rate(r.makerCommissionRate, 'maker', true),
        taker: rate(r.takerCommissionRate, 'taker', false),
      };
    });
    const rebate = rates.maker.startsWith('-') && !/^-0*(\.0*)?$/.test(rates.maker);
    if (rebate) this.rebates.add(symbol);
    else this.rebates.delete(symbol);
    return rates;
  }

  private async reloadMarkets(): Promise<void> {
    try {
      await this.ex.loadMarkets(true);
    } catch (e) {
      throw binanceCallError(e);
    }
  }

  async walletBalance(asset: string): Promise<string> {
    // GET /fapi/v2/balance: per asset, `balance` is the wallet balance (crossUnPnl is apart from it).
    const rows = await this.endpoint('fapiPrivateV2GetBalance');
    return readReply('balance', () => {
      if (!Array.isArray(rows)) throw new Error('not a list');
      const row = (rows as Record<string, unknown>[]).find((r) => r.asset === asset);
      // An asset the account never held is not listed: it holds none of it.
      if (row === undefined) return '0';
      const b = row.balance;
      if (typeof b !== 'string' || !/^-?\d+(\.\d+)?$/.test(b))
        throw new Error(`${asset} balance ${JSON.stringify(b)} is not a decimal`);
      return b;
    });
  }

  /**
   * What the API key may do (GET /sapi/v1/account/apiRestrictions, on the spot host: the key is the
   * account's, not the futures API's). Throws VenueCallError, on a reply that cannot be read too.
   */
  async keyRestrictions(): Promise<ApiRestrictions> {
    const reply = await this.endpoint('sapiGetAccountApiRestrictions');
    return readReply('apiRestrictions', () => apiRestrictions.parse(reply));
  }

  async assetMode(): Promise<'single' | 'multi'> {
    // GET /fapi/v1/multiAssetsMargin: {"multiAssetsMargin": true} is Multi-Assets mode.
    return (await this.accountFlag('fapiPrivateGetMultiAssetsMargin', 'multiAssetsMargin'))
      ? 'multi'
      : 'single';
  }

  async positionMode(): Promise<'one-way' | 'hedge'> {
    // GET /fapi/v1/positionSide/dual: {"dualSidePosition": true} is hedge mode.
    return (await this.accountFlag('fapiPrivateGetPositionSideDual', 'dualSidePosition'))
      ? 'hedge'
      : 'one-way';
  }

  /** One of the account's settings Binance answers as `{ <field>: true | false }`. */
  private async accountFlag(method: string, field: string): Promise<boolean> {
    const reply = await this.endpoint(method);
    return readReply(field, () => {
      const flag = (reply as Record<string, unknown> | null)?.[field];
      if (typeof flag !== 'boolean') throw new Error(`${field} ${JSON.stringify(flag)} is not a boolean`);
      return flag;
    });
  }

  async configureSymbol(symbol: string, settings: SymbolSetting): Promise<void> {
    try {
      await this.endpoint('fapiPrivatePostMarginType', {
        symbol,
        marginType: settings.marginType === 'cross' ? 'CROSSED' : 'ISOLATED',
      });
    } catch (err) {
      // -4046 "No need to change margin type.": it already is.
      if (!(err instanceof VenueCallError) || err.extra.code !== '-4046') throw err;
    }
    const reply = await this.endpoint('fapiPrivatePostLeverage', { symbol, leverage: settings.leverage });
    readReply('leverage', () => {
      const got = Number((reply as { leverage?: unknown } | null)?.leverage);
      if (got !== settings.leverage)
        throw new Error(`${symbol} leverage is ${String(got)}, not the ${settings.leverage} asked for`);
    });
  }

  async positions(): Promise<ReadonlyMap<string, string>> {
    // GET /fapi/v3/positionRisk: the raw rows, as ccxt's fetchPositions would first load leverage brackets.
    const rows = await this.endpoint('fapiPrivateV3GetPositionRisk');
    return readReply('positions', () => {
      if (!Array.isArray(rows)) throw new Error('not a list');
      const out = new Map<string, string>();
      for (const r of rows as Record<string, unknown>[]) {
        const symbol = r.symbol;
        const amount = r.positionAmt;
        if (typeof symbol !== 'string' || typeof amount !== 'string' || !/^-?\d+(\.\d+)?$/.test(amount))
          throw new Error(`a row without symbol or positionAmt: ${JSON.stringify(r).slice(0, 200)}`);
        if (r.positionSide !== undefined && r.positionSide !== 'BOTH')
          throw new Error(
            `${symbol} is held in hedge mode (${String(r.positionSide)}); the ledger trades one-way`,
          );
        if (Number(amount) !== 0) out.set(symbol, amount);
      }
      return out;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clock.stop();
    // A gate this session made is its own; one it was given is shared with the node's other clients.
    if (this.ownsGate) this.rateGate?.close();
    await this.ex.close();
    await this.loop;
  }

  private async fetchOrder(symbol: string, params: Record<string, unknown>): Promise<unknown | null> {
    try {
      return (await this.onExchangeClock(() => this.ex.fetchOrder('', symbol, params))).info;
    } catch (e) {
      const err = binanceCallError(e);
      if (err.outcome === 'refused' && err.extra.code === '-2013') return null;
      throw err;
    }
  }

  /**
   * The limits exchangeInfo lists replace the ones in force. A listing that cannot be read keeps them:
   * the limits are a courtesy to the exchange, whose headers and 429s correct the counts anyway.
   */
  private takeRateLimits(info: unknown): void {
    const gate = this.rateGate;
    if (gate === null) return;
    try {
      const { limits, ignored } = rateLimitsFromExchangeInfo(
        (info as { rateLimits?: unknown } | null)?.rateLimits,
      );
      if (limits.length > 0) gate.budget.setLimits(limits);
      if (ignored.length > 0) this.log(`${this.name}: rate limits not followed: ${ignored.join(', ')}`);
    } catch (e) {
      this.log(`${this.name}: keeping the rate limits in force: ${(e as Error).message}`);
    }
  }

  private ccxtSymbol(symbol: string): string {
    const s = this.symbols.get(symbol);
    if (s === undefined) throw new RangeError(`binanceusdm does not trade ${symbol}`);
    return s;
  }

  private recvWindow(): number {
    const w = this.ex.options.recvWindow;
    return typeof w === 'number' ? w : 5000;
  }
}

/** Binance's rule for a client order id (newClientOrderId, clientAlgoId): USDⓈ-M Futures, New Order. */
const BINANCE_CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/**
 * Our client order id as Binance takes it: as it is where it keeps Binance's rule (at most 36 characters of
 * `.A-Z:/a-z0-9_-`), else its first 23 characters (others as `_`), a dot and 12 characters of its SHA-256
 * in base64url. A run's order ids (`<run id>-<n>`) outgrow 36 characters with a longer strategy name or
 * the tenth order, and Binance refuses them (-4015). The ledger keeps its own id; the same id always gives
 * the same one here, so an order an earlier process placed is found again (adopt), and CcxtVenue routes
 * what Binance says about it back by it (VenueSession.wireId). 72 bits of hash make two ids of one
 * account meeting on one wire id a chance of about 2^-72 per pair.
 */
export const binanceClientId = (id: string): string =>
  BINANCE_CLIENT_ID.test(id)
    ? id
    : `${id.slice(0, 23).replace(/[^.A-Z:/a-z0-9_-]/g, '_')}.${createHash('sha256').update(id).digest('base64url').slice(0, 12)}`;

/**
 * The createOrder arguments for an order the ledger booked. Price and quantity also go in params as the
 * ledger's exact text: ccxt would otherwise round them to the market's precision, and an off-grid value
 * must reach Binance as booked so that Binance's own filter verdict comes back. A conditional order's
 * trigger price cannot be passed through that way (ccxt always formats it), so an off-grid one is refused
 * before sending rather than sent as something else.
 */
export const createOrderArgs = (
  o: VenueOrder,
): {
  type: string;
  side: string;
  amount: number;
  price: number | undefined;
  params: Record<string, unknown>;
} => {
  const params: Record<string, unknown> = {
    newClientOrderId: binanceClientId(o.clientOrderId),
    quantity: o.quantity,
  };
  if (o.reduceOnly) params.reduceOnly = true;
  // Binance rejects positionSide BOTH in hedge mode and accepts its absence in one-way mode.
  if (o.positionSide !== 'BOTH') params.positionSide = o.positionSide;
  const side = o.side.toLowerCase();
  const amount = Number(o.quantity);
  switch (o.type) {
    case 'MARKET':
      return { type: 'market', side, amount, price: undefined, params };
    case 'LIMIT':
      params.price = o.price;
      // Binance USDⓈ-M spells post-only as time in force GTX ("good till crossing").
      params.timeInForce = o.postOnly ? 'GTX' : o.timeInForce;
      return { type: 'limit', side, amount, price: Number(o.price), params };
    case 'STOP_MARKET':
      params.stopLossPrice = o.stopPrice;
      if (o.workingType !== undefined) params.workingType = o.workingType;
      return { type: 'market', side, amount, price: undefined, params };
    case 'TAKE_PROFIT_MARKET':
      params.takeProfitPrice = o.stopPrice;
      if (o.workingType !== undefined) params.workingType = o.workingType;
      return { type: 'market', side, amount, price: undefined, params };
  }
};

/** Whether two listings differ in a symbol, or in anything orders, fills and margin depend on. */
const listingChanged = (
  before: ReadonlyMap<string, Instrument>,
  now: ReadonlyMap<string, Instrument>,
): boolean => {
  if (before.size !== now.size) return true;
  for (const [symbol, inst] of now) {
    const was = before.get(symbol);
    if (was === undefined || instrumentChanges(was, inst).length > 0) return true;
  }
  return false;
};
