import { isConditional } from '../../../domain/ledger/events.js';
import { type Fixed, fixed, toText, ZERO } from '../../../domain/ledger/fixed.js';
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
import { okxKeyRestrictions } from './api-key.js';
import { okxClOrdId } from './cl-ord-id.js';
import { accountConfigOf, feeRatesOf, positionsOf, serverTimeOf, walletBalanceOf } from './swap-account.js';
import { okxCallError } from './swap-errors.js';
import { okxSwapUrls, TappedOkxSwap } from './swap-exchange.js';
import { swapContracts } from './swap-instruments.js';
import { type SwapContract, swapListing } from './swap-listing.js';
import {
  algoAckObservations,
  algoChildOf,
  algoObservations,
  type ContractSizes,
  dataOf,
  fillObservations,
  fundingObservations,
  fundingSettlementsOf,
  okxInstId,
  okxSymbol,
  oldestBillId,
  orderAckObservations,
  orderObservations,
  SWAP_SETTLE,
  streamObservations,
} from './swap-messages.js';
import { okxOrderRequest, type TdMode } from './swap-order-request.js';
import { okxSwapDefaultLimits } from './swap-rate-tap.js';

export interface OkxSwapSessionOptions {
  /**
   * ccxt constructor config: apiKey, secret, password (the API key's passphrase), timeout, options (ws
   * backoff, ...). Credentials come from the composition root; the adapter reads no environment.
   */
  readonly ccxt: Readonly<Record<string, unknown>>;
  /** Sends every REST and websocket call here instead of OKX (a local fake in tests). */
  readonly endpoint?: { readonly rest: string; readonly ws: string };
  /** Pause before the private stream is reopened after it broke (ccxt adds its own backoff on top). */
  readonly reconnectDelayMs?: number;
  readonly log?: (line: string) => void;
  /** How often the exchange's clock is measured again (default ten minutes); at once after a 50102. */
  readonly clockSyncMs?: number;
  /** Each measurement of this machine's clock against the exchange's, for the health watch. */
  readonly onClock?: (sample: { readonly offsetMs: number; readonly roundTripMs: number }) => void;
  /**
   * OKX's rate limits (swap-rate-tap.ts): every REST call waits for the budget, reduce-only orders, cancels
   * and lookups first, and nothing is sent while OKX says stop. On unless `false` (ccxt's own limiter then
   * paces the calls). A RateGate given is shared with the node's other clients of the account.
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
 * The ccxt options the session runs on. loadMarkets lists perpetual swaps only (`fetchMarkets.types`;
 * ccxt's default also lists spot, futures and options, one GET /public/instruments per type), and calls no
 * asset endpoint (`has.fetchCurrencies` off as well: ccxt's loadMarkets calls GET /asset/currencies, a
 * funding-account endpoint, whenever the exchange has it and a key is set).
 */
export const OKX_SWAP_CCXT_OPTIONS = {
  fetchMarkets: { types: ['swap'] },
  defaultType: 'swap',
  adjustForTimeDifference: false,
} as const;

/** The implicit v5 endpoints the session calls, as ccxt names them (ccxt/js/src/abstract/okx.d.ts). */
type Endpoint =
  | 'publicGetPublicTime'
  | 'publicGetPublicInstruments'
  | 'publicGetPublicPositionTiers'
  | 'publicGetPublicMarkPrice'
  | 'publicGetPublicFundingRateHistory'
  | 'privatePostTradeOrder'
  | 'privatePostTradeOrderAlgo'
  | 'privatePostTradeCancelOrder'
  | 'privatePostTradeCancelAlgos'
  | 'privateGetTradeOrder'
  | 'privateGetTradeOrderAlgo'
  | 'privateGetTradeFills'
  | 'privateGetTradeFillsHistory'
  | 'privateGetAccountPositions'
  | 'privateGetAccountBalance'
  | 'privateGetAccountConfig'
  | 'privateGetAccountTradeFee'
  | 'privateGetAccountBills'
  | 'privateGetAccountBillsArchive'
  | 'privatePostAccountSetLeverage';

/**
 * OKX refuses a signed request whose timestamp is 30 seconds old ("Timestamp request expired", 50102; "The
 * request will expire 30 seconds after the timestamp"): a request is executable until then.
 */
const REQUEST_LIFETIME_MS = 30_000;
const DAY_MS = 86_400_000;
/** /trade/fills keeps the last three days ("Get Transaction details (last 3 days)"); /account/bills seven. */
const FILLS_DAYS = 3;
const BILLS_DAYS = 7;
/** The most rows OKX gives in one page of each listing. */
const PAGE = { fills: 100, bills: 100, funding: 400 } as const;

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

/** Observations oldest first, each once by `key`. */
const uniqueByTime = (
  observations: readonly Observation[],
  key: (o: Observation) => string,
): Observation[] => {
  const out = new Map<string, Observation>();
  for (const o of observations) if (!out.has(key(o))) out.set(key(o), o);
  return [...out.values()].sort((a, b) => a.time - b.time);
};

/**
 * OKX USDT-margined perpetual swaps (v5, instType SWAP, net position mode) through ccxt's okx. Every call is
 * one of OKX's own endpoints with its documented parameters (ccxt's implicit methods), read by
 * swap-messages.ts and swap-account.ts: ccxt's unified methods would reshape the replies, turn contracts
 * into amounts by its own float arithmetic, round prices, or pre-load what the adapter does not use. The
 * private stream is ccxt's (wss://ws.okx.com:8443/ws/v5/private for `orders`, …/business for
 * `orders-algo`), read message by message (see TappedOkxSwap).
 *
 * OKX counts swaps in contracts; the ledger, in the base asset. The session knows every USDT swap's contract
 * value from the listing it loaded (and each later one), sends quantity ÷ ctVal, and reads every size OKX
 * reports back × ctVal. OKX margins each order cross or isolated by its own `tdMode`: the session sends the
 * margin type the run's ledger books for the symbol (configureSymbol), cross until told.
 */
export class OkxSwapSession implements VenueSession {
  readonly name = 'okx';
  private readonly ex: TappedOkxSwap;
  /** The USDT swaps OKX lists, by our symbol (BTCUSDT). */
  private readonly symbols = new Set<string>();
  /** Each USDT swap's contract, by OKX's instId (BTC-USDT-SWAP). */
  private readonly contracts = new Map<string, SwapContract>();
  /** The margin mode each symbol's orders are sent with, as configureSymbol last set it. */
  private readonly tdModes = new Map<string, TdMode>();
  private readonly reconnectDelayMs: number;
  private closed = false;
  private loop: Promise<void> | null = null;
  /** Where every REST call waits for OKX's budget; null when ccxt paces them. */
  readonly rateGate: RateGate | null;
  private readonly ownsGate: boolean;
  /** The exchange's clock, as this machine measures it against its own. */
  private readonly clock: ExchangeClock;
  private readonly log: (line: string) => void;
  private readonly sizes: ContractSizes = (instId) => {
    const c = this.contracts.get(instId);
    if (c === undefined) throw new RangeError(`${instId} is not a USDT swap this session knows`);
    return c.contractSize;
  };

  constructor(opts: OkxSwapSessionOptions) {
    const options = (opts.ccxt.options ?? {}) as Record<string, unknown>;
    const has = (opts.ccxt.has ?? {}) as Record<string, unknown>;
    this.ex = new TappedOkxSwap({
      ...opts.ccxt,
      options: { ...options, ...OKX_SWAP_CCXT_OPTIONS },
      has: { ...has, fetchCurrencies: false },
      ...(opts.endpoint ? { urls: okxSwapUrls(opts.endpoint.rest, opts.endpoint.ws) } : {}),
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
              budget: new RateBudget(okxSwapDefaultLimits, rate?.share),
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
      throw okxCallError(e);
    }
    const infos = Object.values(this.ex.markets ?? {})
      .filter((m) => m?.swap && m.linear && m.settle === SWAP_SETTLE)
      .map((m) => m.info as unknown);
    try {
      this.learn(swapContracts(infos));
    } catch (e) {
      await this.close();
      throw new VenueCallError('unknown', `unreadable instruments: ${(e as Error).message.slice(0, 200)}`, {
        cause: e,
      });
    }
    let first: { resolve: () => void; reject: (e: unknown) => void } | null = null;
    const firstConnection = new Promise<void>((resolve, reject) => {
      first = { resolve, reject };
    });
    this.ex.rawPrivateMessage = (message) => {
      let observations: Observation[];
      try {
        observations = streamObservations(message, this.sizes);
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

  /** The USDT swaps of a listing, as the session sizes orders and reads fills by. */
  private learn(contracts: ReadonlyMap<string, SwapContract>): void {
    for (const [instId, c] of contracts) {
      this.contracts.set(instId, c);
      const symbol = okxSymbol(instId);
      if (symbol !== null) this.symbols.add(symbol);
    }
  }

  /**
   * Keeps one watch per channel pending (`orders` for SWAP and `balance_and_position` on the private socket,
   * `orders-algo` on the business one) so ccxt holds both sockets open, logged in and subscribed, and opens them again after a
   * drop. Their results are not used (the pushes come through rawPrivateMessage), and they resolve only if
   * ccxt's handlers run; a call made while the other is pending returns ccxt's pending future, so the race
   * re-subscribes only what failed.
   */
  private watch(handlers: StreamHandlers, failedBeforeConnecting: (e: unknown) => void): Promise<void> {
    return keepWatching({
      watch: () =>
        Promise.race([
          this.ex.watchOrders(undefined, undefined, undefined, { type: 'swap' }),
          this.ex.watchOrders(undefined, undefined, undefined, { type: 'swap', trigger: true }),
          // ccxt's subscription to balance_and_position: the stream's word that funding was settled.
          this.ex.watchMyLiquidationsForSymbols(undefined as unknown as string[]),
        ]),
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
    return okxClOrdId(clientOrderId);
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
   * OKX's time now (GET /api/v5/public/time), which the session's clock is measured against: every request,
   * REST and websocket login, is signed on OKX's clock, and OKX refuses one whose timestamp is 30 seconds
   * off (50102). Throws VenueCallError.
   */
  private async serverTime(): Promise<number> {
    const reply = await this.endpoint('publicGetPublicTime');
    return readReply('time', () => serverTimeOf(reply));
  }

  /**
   * Runs a signed call; one OKX refuses for its timestamp (50102 "Timestamp request expired": not executed)
   * is run once more after the clock is measured again. The host's clock jumped or drifted since.
   */
  private onExchangeClock<T>(call: () => Promise<T>): Promise<T> {
    return this.clock.retried(
      call,
      (e) => (okxCallError(e).extra.code === '50102' ? '50102' : null),
      () => this.closed,
    );
  }

  /**
   * One of OKX's endpoints, its raw reply. An error is read as OKX's verdict (okxCallError, with the
   * request's expiry when it has one); the caller reads the reply with readReply.
   */
  private async endpoint(method: Endpoint, params: object = {}, expiry?: () => number): Promise<unknown> {
    try {
      return await this.onExchangeClock(() => this.ex[method](params));
    } catch (e) {
      throw okxCallError(e, expiry?.());
    }
  }

  /**
   * Every row of a listing OKX pages by billId, newest first: a full page is followed by the one `after` its
   * oldest row ("records earlier than the requested billId"), until a page is short or brings nothing new.
   */
  private async billPaged(
    method: Endpoint,
    params: Record<string, unknown>,
    limit: number,
    what: string,
  ): Promise<unknown[]> {
    const rows: unknown[] = [];
    const seen = new Set<string>();
    let after: string | null = null;
    for (;;) {
      const reply = await this.endpoint(method, {
        ...params,
        limit: String(limit),
        ...(after === null ? {} : { after }),
      });
      const page = readReply(what, () => dataOf(reply));
      rows.push(...page);
      const oldest = readReply(what, () => oldestBillId(page));
      if (page.length < limit || oldest === null || seen.has(oldest)) return rows;
      seen.add(oldest);
      after = oldest;
    }
  }

  private contractOf(symbol: string): SwapContract {
    const instId = okxInstId(symbol);
    const c = this.contracts.get(instId);
    if (c === undefined) throw new RangeError(`okx does not trade ${symbol}`);
    return c;
  }

  async place(order: VenueOrder): Promise<readonly Observation[]> {
    this.requireSymbol(order.symbol);
    let request: ReturnType<typeof okxOrderRequest>;
    try {
      request = okxOrderRequest(
        order,
        this.contractOf(order.symbol),
        this.tdModes.get(order.symbol) ?? 'cross',
      );
    } catch (e) {
      throw new VenueCallError('refused', `not sent: ${(e as Error).message}`, { cause: e });
    }
    // The request can be executed until 30 seconds after it was signed, after any wait for the rate
    // budget; before it is signed, from now.
    let signedAt: () => number | null = () => null;
    const expiry = () => (signedAt() ?? this.now()) + REQUEST_LIFETIME_MS;
    const reply = await withCallContext(async (call) => {
      signedAt = () => call.signedAt;
      return this.endpoint(
        request.endpoint === 'order' ? 'privatePostTradeOrder' : 'privatePostTradeOrderAlgo',
        request.body,
        expiry,
      );
    });
    return request.endpoint === 'order'
      ? readReply('order', () => orderAckObservations(reply, this.now()), expiry())
      : readReply(
          'algo order',
          () => algoAckObservations(reply, request.body.algoClOrdId, this.now()),
          expiry(),
        );
  }

  /** Cancels by our id: a regular order by clOrdId, a conditional one by algoClOrdId. */
  async cancel(order: VenueOrder): Promise<readonly Observation[]> {
    this.requireSymbol(order.symbol);
    const instId = okxInstId(order.symbol);
    const id = okxClOrdId(order.clientOrderId);
    if (isConditional(order.type)) {
      // "Request parameters should be passed in the form of an array."
      const reply = await this.endpoint('privatePostTradeCancelAlgos', [{ instId, algoClOrdId: id }]);
      return readReply('algo cancel', () => algoAckObservations(reply, id, this.now()));
    }
    const reply = await this.endpoint('privatePostTradeCancelOrder', { instId, clOrdId: id });
    return readReply('order cancel', () => orderAckObservations(reply, this.now()));
  }

  /**
   * The order by our id. A regular order: GET /trade/order by clOrdId ("Either ordId or clOrdId is required";
   * 51603 "Order does not exist" is null). A conditional order: GET /trade/order-algo by algoClOrdId, and
   * once it fired the regular order it placed (by its ordId), whose fills and end are the order's own.
   */
  async lookup(order: VenueOrder): Promise<readonly Observation[] | null> {
    this.requireSymbol(order.symbol);
    const instId = okxInstId(order.symbol);
    const id = okxClOrdId(order.clientOrderId);
    if (!isConditional(order.type)) {
      const row = await this.found(
        'privateGetTradeOrder',
        { instId, clOrdId: id },
        'order',
        (r) => r.clOrdId === id,
      );
      return row === null ? null : readReply('order', () => orderObservations(row, this.sizes, false));
    }
    const algo = await this.found(
      'privateGetTradeOrderAlgo',
      { algoClOrdId: id },
      'algo order',
      (r) => r.algoClOrdId === id,
    );
    if (algo === null) return null;
    const observations = readReply('algo order', () => algoObservations(algo));
    const child = readReply('algo order', () => algoChildOf(algo));
    if (child === null) return observations;
    const row = await this.found(
      'privateGetTradeOrder',
      { instId, ordId: child },
      'order',
      (r) => r.ordId === child,
    );
    if (row === null) return observations;
    // The order the algo placed is ours whatever its clOrdId: it is looked up for this order.
    const childObservations = readReply('order', () => orderObservations(row, this.sizes, false)).map(
      (o): Observation => ({ ...o, clientOrderId: id }),
    );
    return [...observations, ...childObservations];
  }

  /** The one row of a query that matches, or null when OKX has none (51603 and its kin, or no such row). */
  private async found(
    method: Endpoint,
    params: Record<string, unknown>,
    what: string,
    matches: (row: Record<string, unknown>) => boolean,
  ): Promise<unknown> {
    let reply: unknown;
    try {
      reply = await this.endpoint(method, params);
    } catch (e) {
      if (e instanceof VenueCallError && e.outcome === 'refused' && e.extra.unknownOrder) return null;
      throw e;
    }
    const rows = readReply(what, () => dataOf(reply));
    return (
      rows.find((r) => r !== null && typeof r === 'object' && matches(r as Record<string, unknown>)) ?? null
    );
  }

  /**
   * Every trade of one order, oldest first: /trade/fills (the last three days) and /trade/fills-history (the
   * last three months) by ordId, each paged by billId. Both are read: an order may have traded on both sides
   * of the three days; a trade both list is one trade.
   */
  async fills(order: VenueOrder, fillsOrderId: string): Promise<readonly Observation[]> {
    this.requireSymbol(order.symbol);
    const params = { instType: 'SWAP', instId: okxInstId(order.symbol), ordId: fillsOrderId };
    const recent = await this.billPaged('privateGetTradeFills', params, PAGE.fills, 'fills');
    const older = await this.billPaged('privateGetTradeFillsHistory', params, PAGE.fills, 'fills history');
    return readReply('fills', () => fillObservations([...recent, ...older], this.sizes));
  }

  /**
   * The account's open USDT swap positions, signed, in the base asset. Net mode only: a long/short-mode
   * row is refused, as Bybit's session refuses hedge mode. A symbol held both cross and isolated (OKX keeps
   * them apart even in net mode) is their sum: the ledger holds one position per symbol.
   */
  async positions(): Promise<ReadonlyMap<string, string>> {
    const reply = await this.endpoint('privateGetAccountPositions', { instType: 'SWAP' });
    return readReply('positions', () => {
      const sums = new Map<string, Fixed>();
      for (const p of positionsOf(reply, this.sizes)) {
        if (p.posSide !== 'net')
          throw new Error(
            `${p.instId} is held in long/short mode (posSide ${p.posSide}); the ledger trades net`,
          );
        const v = fixed(p.size);
        if (v !== ZERO) sums.set(p.symbol, (sums.get(p.symbol) ?? ZERO) + v);
      }
      const out = new Map<string, string>();
      for (const [symbol, v] of sums) if (v !== ZERO) out.set(symbol, toText(v));
      return out;
    });
  }

  /**
   * The exchange's closing trades on `symbol` since `since`, oldest first: liquidations, ADL and delivery
   * trades (their fills' subType; OKX also gives them a negative tradeId). /trade/fills when `since` is
   * within its three days, else /trade/fills-history, both from `begin` = since, paged by billId.
   */
  async forcedFills(symbol: string, since: number): Promise<readonly Observation[]> {
    this.requireSymbol(symbol);
    const now = this.now();
    const method =
      since >= now - FILLS_DAYS * DAY_MS ? 'privateGetTradeFills' : 'privateGetTradeFillsHistory';
    const rows = await this.billPaged(
      method,
      // No end, as for the funding bills: a fill stamped just now is not left out for the clock's error.
      { instType: 'SWAP', instId: okxInstId(symbol), begin: String(since) },
      PAGE.fills,
      'fills',
    );
    const found = readReply('fills', () => fillObservations(rows, this.sizes));
    return uniqueByTime(
      found.filter((o) => o.kind === 'forced' && o.time >= since),
      (o) => `${o.venueOrderId}:${o.kind === 'forced' ? o.tradeId : ''}`,
    );
  }

  /**
   * Funding records since `since`: the funding bills of USDT swaps (GET /account/bills, type 8 "Funding fee",
   * subtypes 173 expense and 174 income), or of /account/bills-archive when `since` is older than the seven
   * days /account/bills keeps.
   *
   * Clearance fees: none to list. OKX books no bill for a liquidation penalty: its bill types have Liquidation
   * (type 5) only for the liquidation trades themselves (subtypes 100–107) and the liquidation transfers
   * (110, 111), and the orders channel says the penalty is inside the liquidation's result ("pnl … For
   * liquidation under cross margin mode, it will include liquidation penalties"). Older versions of the docs
   * listed a subtype 109 "Liquidation fees", which the current ones no longer list.
   */
  async incomeSince(kind: IncomeKind, since: number): Promise<readonly Observation[]> {
    if (kind === 'clearance-fee') return [];
    const now = this.now();
    const method =
      since >= now - BILLS_DAYS * DAY_MS ? 'privateGetAccountBills' : 'privateGetAccountBillsArchive';
    // No end: a bill OKX stamped just now must not fall after it for the clock measurement's error (one
    // missed here would wait for the next listing, hours away).
    const rows = await this.billPaged(
      method,
      { instType: 'SWAP', ccy: SWAP_SETTLE, type: '8', begin: String(since) },
      PAGE.bills,
      'bills',
    );
    const found = readReply('bills', () => fundingObservations(rows));
    return uniqueByTime(
      found.filter((o) => o.time >= since),
      (o) => (o.kind === 'funding' ? o.incomeId : `${o.kind}:${o.time}`),
    );
  }

  /**
   * The symbol's funding from `from` to `to` (/public/funding-rate-history): at most 400 a page, newest
   * first, each page `after` the oldest of the last ("records earlier than the requested fundingTime"),
   * until one reaches `from` or comes back empty. OKX keeps three months.
   */
  async fundingSettlements(symbol: string, from: number, to: number): Promise<readonly FundingSettlement[]> {
    const instId = okxInstId(symbol);
    const out = new Map<number, FundingSettlement>();
    let after = to + 1;
    for (;;) {
      const reply = await this.endpoint('publicGetPublicFundingRateHistory', {
        instId,
        after: String(after),
        limit: String(PAGE.funding),
      });
      const page = readReply('funding rate history', () => fundingSettlementsOf(dataOf(reply)));
      for (const s of page) if (s.time >= from && s.time <= to) out.set(s.time, s);
      // Followed until a page comes back empty, not merely short: a server may cap `limit` below 400.
      const oldest = page[0]?.time;
      if (oldest === undefined || oldest <= from || oldest >= after) break;
      after = oldest;
    }
    return [...out.values()].sort((a, b) => a.time - b.time);
  }

  /**
   * Every swap OKX lists, or given `symbols` only those, with their brackets (swap-listing.ts). A symbol OKX
   * does not list is left out.
   */
  async instruments(symbols?: readonly string[]): Promise<ReadonlyMap<string, Instrument>> {
    const { contracts, instruments } = await swapListing((m, p) => this.endpoint(m, p), readReply, symbols);
    // A swap listed since the session started trades from now; one no longer listed is OKX's to refuse.
    this.learn(contracts);
    return instruments;
  }

  async walletBalance(asset: string): Promise<string> {
    const reply = await this.endpoint('privateGetAccountBalance', { ccy: asset });
    return readReply('balance', () => walletBalanceOf(reply, asset));
  }

  /**
   * What the API key may do (GET /account/config: `perm`, `ip`), in the terms the node judges every venue's
   * key by (judgeApiKey). Throws VenueCallError, on a reply that cannot be read too.
   */
  async keyRestrictions(): Promise<ApiRestrictions> {
    const reply = await this.endpoint('privateGetAccountConfig');
    return readReply('account config', () => okxKeyRestrictions(reply));
  }

  /** The account's rates on the symbol's instrument family (GET /account/trade-fee?instType=SWAP). */
  async commissionRates(symbol: string): Promise<{ maker: string; taker: string }> {
    this.requireSymbol(symbol);
    const { family } = this.contractOf(symbol);
    const reply = await this.endpoint('privateGetAccountTradeFee', { instType: 'SWAP', instFamily: family });
    return readReply('trade fee', () => feeRatesOf(reply));
  }

  /** GET /account/config `posMode`: net_mode is one-way, long_short_mode is hedge. */
  async positionMode(): Promise<'one-way' | 'hedge'> {
    const reply = await this.endpoint('privateGetAccountConfig');
    return readReply('account config', () => accountConfigOf(reply)).posMode === 'net_mode'
      ? 'one-way'
      : 'hedge';
  }

  /**
   * GET /account/config `acctLv`: Futures mode (2) margins each position in its settlement asset; Multi-
   * currency margin (3) and Portfolio margin (4) pool the assets. Spot mode (1) trades no swaps at all.
   */
  async assetMode(): Promise<'single' | 'multi'> {
    const reply = await this.endpoint('privateGetAccountConfig');
    const { acctLv } = readReply('account config', () => accountConfigOf(reply));
    if (acctLv === '2') return 'single';
    if (acctLv === '3' || acctLv === '4') return 'multi';
    throw new VenueCallError(
      'refused',
      `the OKX account is in ${acctLv === '1' ? 'Spot mode' : `account mode ${acctLv}`}, which trades no perpetual swaps: switch it to Futures mode`,
    );
  }

  /**
   * OKX margins each order cross or isolated by its own `tdMode`, so the margin type is the session's to
   * send: every later order of the symbol goes with it. What OKX holds is checked, not changed: a position of
   * the symbol open in the other margin mode would stay there, so it is refused (Binance and Bybit refuse a
   * margin type change under an open position too). Leverage is set per instrument and margin mode
   * (POST /account/set-leverage {instId, lever, mgnMode}); setting what is set already is no error at OKX.
   */
  async configureSymbol(symbol: string, settings: SymbolSetting): Promise<void> {
    this.requireSymbol(symbol);
    const instId = okxInstId(symbol);
    const reply = await this.endpoint('privateGetAccountPositions', { instType: 'SWAP', instId });
    const other = readReply('positions', () => positionsOf(reply, this.sizes)).find(
      (p) => p.instId === instId && p.mgnMode !== settings.marginType && fixed(p.size) !== ZERO,
    );
    if (other !== undefined)
      throw new VenueCallError(
        'refused',
        `OKX holds ${other.size} ${symbol} ${other.mgnMode}, not ${settings.marginType} as the ledger books it: close it there first`,
      );
    await this.endpoint('privatePostAccountSetLeverage', {
      instId,
      lever: String(settings.leverage),
      mgnMode: settings.marginType,
    });
    this.tdModes.set(symbol, settings.marginType);
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
    if (!this.symbols.has(symbol)) throw new RangeError(`okx does not trade ${symbol}`);
  }
}
