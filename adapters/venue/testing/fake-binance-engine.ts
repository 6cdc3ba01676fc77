import { abs, div, type Fixed, fixed, min, mul, roundTo, toText } from '../../../domain/ledger/fixed.js';
import { applyFill } from '../../../domain/ledger/position.js';
import {
  BinanceApiError,
  checkClientId,
  checkNotional,
  checkPrice,
  checkQuantity,
  decimalParam,
  padded,
  type SymbolRules,
} from './fake-binance-rules.js';

type Side = 'BUY' | 'SELL';
type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
type AlgoStatus = 'NEW' | 'TRIGGERING' | 'TRIGGERED' | 'FINISHED' | 'CANCELED' | 'EXPIRED' | 'REJECTED';
type Params = Readonly<Record<string, string>>;

interface FakeOrder {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly positionSide: string;
  /** LIQUIDATION: the exchange's own closing order (forceClose). */
  readonly type: 'MARKET' | 'LIMIT' | 'LIQUIDATION';
  readonly origType: string;
  readonly timeInForce: string;
  readonly quantity: Fixed;
  readonly price: Fixed;
  readonly stopPrice: Fixed;
  readonly reduceOnly: boolean;
  readonly time: number;
  status: OrderStatus;
  executed: Fixed;
  cumQuote: Fixed;
  updateTime: number;
}

interface FakeAlgo {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly positionSide: string;
  readonly orderType: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
  readonly quantity: Fixed;
  readonly triggerPrice: Fixed;
  readonly reduceOnly: boolean;
  readonly workingType: string;
  readonly createTime: number;
  status: AlgoStatus;
  actualOrderId: number | null;
  updateTime: number;
  triggerTime: number;
}

export interface FakeTrade {
  readonly id: number;
  readonly symbol: string;
  readonly orderId: number;
  readonly side: Side;
  readonly positionSide: string;
  readonly price: Fixed;
  readonly qty: Fixed;
  readonly commission: Fixed;
  readonly commissionAsset: string;
  /** The realised profit the trade booked to the wallet (Binance's `realizedPnl`, `rp`), 8 places. */
  readonly realizedPnl: Fixed;
  readonly maker: boolean;
  readonly time: number;
}

/** An amount booked to the wallet outside a trade: a funding fee, a liquidation's clearance fee. */
export interface IncomeRecord {
  readonly symbol: string;
  readonly incomeType: 'FUNDING_FEE' | 'INSURANCE_CLEAR';
  readonly income: Fixed;
  readonly time: number;
  readonly tranId: number;
}

/** A user-data stream event as Binance pushes it (ORDER_TRADE_UPDATE or ALGO_UPDATE). */
export type UserEvent = Readonly<Record<string, unknown>>;

export interface FakeEngineOptions {
  readonly now?: () => number;
  /** USDT wallet balance the margin check works against. */
  readonly balance?: string;
  readonly leverage?: number;
}

const isOpen = (s: OrderStatus): boolean => s === 'NEW' || s === 'PARTIALLY_FILLED';
const sideOf = (v: string | undefined): Side => {
  if (v === 'BUY' || v === 'SELL') return v;
  throw new BinanceApiError(-1117, 'Invalid side.');
};

/**
 * The exchange behind the fake server: one account in one-way mode, a price per symbol that the test
 * sets, and the matching Binance does for what the adapter sends. Market orders take at the price (walking
 * `depth` per tick level when the test sets one), limits that cross take, resting limits fill as maker at
 * their own price when the price moves through them, and conditional (algo) orders trigger into a market
 * order in the matching engine. Every change is pushed as the user-data event Binance would send.
 */
export class FakeBinanceEngine {
  private readonly prices = new Map<string, Fixed>();
  private readonly depth = new Map<string, Fixed>();
  private readonly positions = new Map<string, Fixed>();
  /** Each position's cost (signed quantity × average entry price): what its realised profit is measured from. */
  private readonly costs = new Map<string, Fixed>();
  private readonly orders = new Map<number, FakeOrder>();
  private readonly algos = new Map<number, FakeAlgo>();
  private readonly tradeLog: FakeTrade[] = [];
  /** The account's income records (GET /fapi/v1/income): funding fees, oldest first. */
  private readonly incomeLog: IncomeRecord[] = [];
  private nextTranId = 9_689_322_000;
  /** The funding settlements made (GET /fapi/v1/fundingRate), oldest first, with the mark each was priced at. */
  private readonly fundingLog: {
    symbol: string;
    fundingTime: number;
    fundingRate: string;
    markPrice: string;
  }[] = [];
  private readonly now: () => number;
  private lastTime = 0;
  private nextOrderId = 8_389_765_000;
  private nextAlgoId = 4_000_000_100;
  private nextTradeId = 6_230_000_000;
  balance: Fixed;
  leverage: number;
  /**
   * The account's commission rates: Binance USDⓈ-M's regular tier (VIP 0, maker 0.0200 %, taker 0.0500 %)
   * unless a test gives the account another (a VIP tier, a discount).
   */
  feeRates = { maker: fixed('0.0002'), taker: fixed('0.0005') };
  /**
   * Binance's "BNB deduction": when set, every trade's commission is taken in BNB at 10 % off, converted at
   * this BNB price (rounded half-up to 8 places), instead of in USDT.
   */
  bnbFees: { readonly price: Fixed } | null = null;
  /** Where user-data events go (the server fans them out to the open streams). */
  onEvent: (event: UserEvent) => void = () => {};

  constructor(
    private rules: ReadonlyMap<string, SymbolRules>,
    opts: FakeEngineOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.balance = fixed(opts.balance ?? '10000');
    this.leverage = opts.leverage ?? 20;
  }

  /** The exchange's clock: never goes back, so transaction times order like the events do. */
  time(): number {
    this.lastTime = Math.max(this.lastTime, this.now());
    return this.lastTime;
  }

  // --- what a test controls ------------------------------------------------------------------------

  /**
   * Moves the price: resting limits it crosses fill as maker (up to `volume` in all, time priority), then
   * conditional orders it crosses trigger.
   */
  setPrice(symbol: string, price: string, opts: { volume?: string } = {}): void {
    const p = fixed(price);
    this.prices.set(symbol, p);
    let budget = opts.volume === undefined ? null : fixed(opts.volume);
    for (const o of this.orders.values()) {
      if (o.symbol !== symbol || o.type !== 'LIMIT' || !isOpen(o.status)) continue;
      if (o.side === 'BUY' ? p > o.price : p < o.price) continue;
      if (budget !== null && budget <= 0n) break;
      const left = o.quantity - o.executed;
      const qty = budget === null ? left : min(left, budget);
      if (budget !== null) budget -= qty;
      this.fill(o, o.price, qty, true);
    }
    for (const a of this.algos.values()) {
      if (a.symbol !== symbol || a.status !== 'NEW') continue;
      if (this.crosses(a, p)) this.trigger(a);
    }
  }

  /** Quantity available per tick level to takers (null: unlimited, one trade per order). */
  setDepth(symbol: string, perLevel: string | null): void {
    if (perLevel === null) this.depth.delete(symbol);
    else this.depth.set(symbol, fixed(perLevel));
  }

  /**
   * The exchange closes (part of) the account's position by its own order, as Binance does when the margin
   * runs out (a liquidation: client order id "autoclose-…", type LIQUIDATION, its trade executed as
   * CALCULATED, charged the taker rate) or when it auto-deleverages a profitable position against a
   * bankrupt one (ADL: "adl_autoclose", a MARKET order executed as TRADE, no commission). A liquidation
   * first expires the symbol's working orders and conditional orders, as the exchange cancels an account's
   * orders before it liquidates. `quantity` defaults to the whole position, `price` to the symbol's price.
   * With `clearanceRate`, a liquidation also takes the clearance fee for the insurance fund (that rate of
   * the notional closed, half-up to 8 places): an INSURANCE_CLEAR income record and its ACCOUNT_UPDATE.
   */
  forceClose(
    symbol: string,
    reason: 'liquidation' | 'adl',
    opts: { quantity?: string; price?: string; clearanceRate?: string } = {},
  ): void {
    const pos = this.position(symbol);
    if (pos === 0n) throw new RangeError(`no ${symbol} position to close`);
    const qty = opts.quantity === undefined ? abs(pos) : fixed(opts.quantity);
    if (qty <= 0n || qty > abs(pos)) throw new RangeError(`cannot close ${toText(qty)} of ${toText(pos)}`);
    const price = opts.price === undefined ? this.prices.get(symbol) : fixed(opts.price);
    if (price === undefined) throw new RangeError(`no ${symbol} price to close at`);
    if (reason === 'liquidation') {
      for (const o of this.orders.values())
        if (o.symbol === symbol && isOpen(o.status)) this.end(o, 'EXPIRED');
      for (const a of this.algos.values()) {
        if (a.symbol !== symbol || a.status !== 'NEW') continue;
        a.status = 'EXPIRED';
        a.updateTime = this.time();
        this.emitAlgo(a);
      }
    }
    const o = this.open({
      clientOrderId:
        reason === 'liquidation' ? `autoclose-${this.time()}${this.nextOrderId % 1000}` : 'adl_autoclose',
      symbol,
      side: pos > 0n ? 'SELL' : 'BUY',
      positionSide: 'BOTH',
      type: reason === 'liquidation' ? 'LIQUIDATION' : 'MARKET',
      origType: reason === 'liquidation' ? 'LIQUIDATION' : 'MARKET',
      timeInForce: reason === 'liquidation' ? 'IOC' : 'GTC',
      quantity: qty,
      price,
      stopPrice: 0n,
      reduceOnly: true,
    });
    this.fill(
      o,
      price,
      qty,
      false,
      reason === 'liquidation' ? 'CALCULATED' : 'TRADE',
      reason === 'adl' ? 0n : null,
    );
    if (reason === 'liquidation' && opts.clearanceRate !== undefined) {
      const fee = roundTo(mul(mul(qty, price), fixed(opts.clearanceRate)), 8, 'half-up');
      this.bookIncome(symbol, 'INSURANCE_CLEAR', -fee, this.time());
    }
  }

  /** Books an income record: the wallet moves, the record is kept, the brief ACCOUNT_UPDATE goes out. */
  private bookIncome(
    symbol: string,
    incomeType: 'FUNDING_FEE' | 'INSURANCE_CLEAR',
    amount: Fixed,
    time: number,
  ): void {
    this.balance += amount;
    this.incomeLog.push({ symbol, incomeType, income: amount, time, tranId: ++this.nextTranId });
    const t = this.time();
    this.onEvent({
      e: 'ACCOUNT_UPDATE',
      E: t,
      T: t,
      a: {
        m: incomeType,
        B: [{ a: 'USDT', wb: toText(this.balance, 8), cw: toText(this.balance, 8), bc: toText(amount, 8) }],
        P: [],
      },
    });
  }

  /**
   * A funding settlement, as Binance makes one: every open position of `symbol` is charged −position ×
   * `markPrice` × `rate` (rounded half-up to 8 places; longs pay when the rate is positive), the wallet moves
   * by it, an income record (FUNDING_FEE, at `fundingTime`) is kept, and the stream gets the brief
   * ACCOUNT_UPDATE Binance sends for a cross position: the balance only, no symbol. Returns the amount.
   */
  chargeFunding(symbol: string, rate: string, markPrice: string, fundingTime = this.time()): string {
    this.symbolRules(symbol);
    this.fundingLog.push({ symbol, fundingTime, fundingRate: rate, markPrice });
    const pos = this.position(symbol);
    if (pos === 0n) return '0';
    const amount = roundTo(mul(mul(-pos, fixed(markPrice)), fixed(rate)), 8, 'half-up');
    this.bookIncome(symbol, 'FUNDING_FEE', amount, fundingTime);
    return toText(amount);
  }

  /**
   * GET /fapi/v1/fundingRate from the settlements this engine made: a symbol's records from `startTime` to
   * `endTime`, oldest first, at most `limit` (default 100, at most 1000), with the mark each was priced at.
   */
  fundingRates(params: Params): Record<string, unknown>[] {
    const end = params.endTime === undefined ? this.time() : Number(params.endTime);
    const start = params.startTime === undefined ? 0 : Number(params.startTime);
    const limit = Number(params.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new BinanceApiError(-1130, "Data sent for parameter 'limit' is not valid.");
    return this.fundingLog
      .filter((r) => r.symbol === params.symbol && r.fundingTime >= start && r.fundingTime <= end)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  /**
   * GET /fapi/v1/income: the account's income records from `startTime` to `endTime` (default: the last 7
   * days), oldest first, of `incomeType` (FUNDING_FEE and INSURANCE_CLEAR are kept here), at most `limit` (default 100,
   * at most 1000). Amounts are printed to 8 places, as Binance prints them.
   */
  income(params: Params): Record<string, unknown>[] {
    if (params.symbol !== undefined) this.symbolRules(params.symbol);
    const end = params.endTime === undefined ? this.time() : Number(params.endTime);
    const start = params.startTime === undefined ? end - 7 * 86_400_000 : Number(params.startTime);
    const limit = Number(params.limit ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new BinanceApiError(-1130, "Data sent for parameter 'limit' is not valid.");
    return this.incomeLog
      .filter(
        (r) =>
          (params.symbol === undefined || r.symbol === params.symbol) &&
          (params.incomeType === undefined || r.incomeType === params.incomeType) &&
          r.time >= start &&
          r.time <= end,
      )
      .slice(0, limit)
      .map((r) => ({
        symbol: r.symbol,
        incomeType: r.incomeType,
        income: toText(r.income, 8),
        asset: 'USDT',
        info: r.incomeType,
        time: r.time,
        tranId: r.tranId,
        tradeId: '',
      }));
  }

  /** GET /fapi/v3/positionRisk: the account's open positions (one-way mode), as Binance lists them. */
  positionRisk(): Record<string, unknown>[] {
    const rows: Record<string, unknown>[] = [];
    for (const [symbol, qty] of this.positions) {
      if (qty === 0n) continue;
      const mark = this.prices.get(symbol) ?? 0n;
      rows.push({
        symbol,
        positionSide: 'BOTH',
        positionAmt: toText(qty),
        markPrice: toText(mark),
        notional: toText(mul(qty, mark)),
        updateTime: this.time(),
      });
    }
    return rows;
  }

  /** Sets a position directly, as a trade outside this account's orders would (a person on the exchange's site). */
  setPosition(symbol: string, qty: string): void {
    this.positions.set(symbol, fixed(qty));
    // Bought or sold by hand at the last price: the position's entry is that price from now on.
    this.costs.set(symbol, mul(fixed(qty), this.prices.get(symbol) ?? 0n));
  }

  /** The exchange changes its listing (FakeBinance.relist): orders are checked and filled by it from now. */
  relist(rules: ReadonlyMap<string, SymbolRules>): void {
    this.rules = rules;
  }

  tickSize(symbol: string): Fixed {
    return this.symbolRules(symbol).tickSize;
  }

  position(symbol: string): Fixed {
    return this.positions.get(symbol) ?? 0n;
  }

  trades(): readonly FakeTrade[] {
    return this.tradeLog;
  }

  orderCount(): number {
    return this.orders.size + this.algos.size;
  }

  // --- read-only views for other venues' front-ends over this engine (FakeBybit) ----------------------

  /** The symbol's price as the test last set it; undefined until one is set. */
  priceOf(symbol: string): Fixed | undefined {
    return this.prices.get(symbol);
  }

  /** The position's cost basis (signed quantity × average entry): an entry price is cost ÷ quantity. */
  positionCost(symbol: string): Fixed {
    return this.costs.get(symbol) ?? 0n;
  }

  /** Every income record booked, oldest first; the last one is the one an ACCOUNT_UPDATE just reported. */
  incomes(): readonly IncomeRecord[] {
    return this.incomeLog;
  }

  // --- REST ---------------------------------------------------------------------------------------

  newOrder(params: Params): Record<string, unknown> {
    const r = this.symbolRules(params.symbol);
    const side = sideOf(params.side);
    const type = params.type;
    if (type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET' || type === 'STOP' || type === 'TAKE_PROFIT')
      throw new BinanceApiError(
        -4120,
        'Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.',
      );
    if (type !== 'MARKET' && type !== 'LIMIT') throw new BinanceApiError(-1116, 'Invalid orderType.');
    const positionSide = this.positionSideOf(params);
    const reduceOnly = params.reduceOnly === 'true';
    const clientOrderId = checkClientId(params.newClientOrderId ?? `fake-${this.nextOrderId + 1}`);
    if (this.openByClientId(params.symbol!, clientOrderId))
      throw new BinanceApiError(-4116, 'ClientOrderId is duplicated.');
    const qty = decimalParam(params, 'quantity');
    checkQuantity(r, params.quantity!, qty, type === 'MARKET');
    let price = 0n;
    let tif = 'GTC';
    if (type === 'LIMIT') {
      tif = params.timeInForce ?? '';
      if (!['GTC', 'IOC', 'FOK', 'GTX'].includes(tif))
        throw new BinanceApiError(
          -1102,
          "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
        );
      price = decimalParam(params, 'price');
      checkPrice(r, params.price!, price, 'Price');
    } else if (params.price !== undefined || params.timeInForce !== undefined) {
      throw new BinanceApiError(
        -1106,
        `Parameter '${params.price !== undefined ? 'price' : 'timeInForce'}' sent when not required.`,
      );
    }
    const last = this.prices.get(r.symbol);
    // Without a price yet a market order's notional is unknown; it expires unfilled instead.
    if (type === 'LIMIT' || last !== undefined)
      checkNotional(r, qty, type === 'LIMIT' ? price : last!, reduceOnly);
    if (reduceOnly) this.checkReduces(r.symbol, side, type === 'LIMIT' ? qty : null);
    if (tif === 'GTX' && last !== undefined && (side === 'BUY' ? price >= last : price <= last))
      throw new BinanceApiError(
        -5022,
        'Due to the order could not be executed as maker, the Post Only order will be rejected.',
      );
    if (!reduceOnly) this.checkMargin(r.symbol, qty, type === 'LIMIT' ? price : (last ?? 0n));
    // Binance refuses a fill-or-kill it cannot fill whole, and keeps no record: no NEW, no EXPIRED.
    if (tif === 'FOK' && !this.fillsWhole(r.symbol, side, price, qty))
      throw new BinanceApiError(
        -5021,
        'Due to the order could not be filled immediately, the FOK order has been rejected. The order will not be recorded in the order history',
      );
    const o = this.open({
      clientOrderId,
      symbol: r.symbol,
      side,
      positionSide,
      type,
      origType: type,
      timeInForce: tif,
      quantity: qty,
      price,
      stopPrice: 0n,
      reduceOnly,
    });
    this.work(o);
    return this.orderJson(o, false);
  }

  cancelOrder(params: Params): Record<string, unknown> {
    const o = this.findOrder(params);
    if (o === undefined || !isOpen(o.status)) throw new BinanceApiError(-2011, 'Unknown order sent.');
    this.end(o, 'CANCELED');
    return this.orderJson(o, false);
  }

  queryOrder(params: Params): Record<string, unknown> {
    const o = this.findOrder(params);
    if (o === undefined) throw new BinanceApiError(-2013, 'Order does not exist.');
    return this.orderJson(o, true);
  }

  openOrders(params: Params): Record<string, unknown>[] {
    return [...this.orders.values()]
      .filter((o) => isOpen(o.status) && (params.symbol === undefined || o.symbol === params.symbol))
      .map((o) => this.orderJson(o, true));
  }

  userTrades(params: Params): Record<string, unknown>[] {
    this.symbolRules(params.symbol);
    const orderId = params.orderId === undefined ? null : Number(params.orderId);
    const fromId = params.fromId === undefined ? null : Number(params.fromId);
    const limit = Math.min(Number(params.limit ?? 500), 1000);
    return this.tradeLog
      .filter(
        (t) =>
          t.symbol === params.symbol &&
          (orderId === null || t.orderId === orderId) &&
          (fromId === null || t.id >= fromId),
      )
      .slice(0, limit)
      .map((t) => this.tradeJson(t));
  }

  /**
   * GET /fapi/v1/forceOrders: the account's liquidation and ADL orders, newest first (Binance sorts so),
   * from `startTime` (default: the last 7 days), of `autoCloseType` LIQUIDATION or ADL (default both).
   */
  forceOrders(params: Params): Record<string, unknown>[] {
    if (params.symbol !== undefined) this.symbolRules(params.symbol);
    const kind = params.autoCloseType;
    if (kind !== undefined && kind !== 'LIQUIDATION' && kind !== 'ADL')
      throw new BinanceApiError(-1102, "Mandatory parameter 'autoCloseType' was malformed.");
    const end = params.endTime === undefined ? this.time() : Number(params.endTime);
    const start = params.startTime === undefined ? end - 7 * 86_400_000 : Number(params.startTime);
    const limit = Math.min(Number(params.limit ?? 50), 100);
    return [...this.orders.values()]
      .filter((o) => {
        const liquidation = o.clientOrderId.startsWith('autoclose-');
        const adl = o.clientOrderId === 'adl_autoclose';
        if (!liquidation && !adl) return false;
        if (kind === 'LIQUIDATION' && !liquidation) return false;
        if (kind === 'ADL' && !adl) return false;
        return (
          (params.symbol === undefined || o.symbol === params.symbol) && o.time >= start && o.time <= end
        );
      })
      .sort((a, b) => b.time - a.time)
      .slice(0, limit)
      .map((o) => this.orderJson(o, true));
  }

  newAlgoOrder(params: Params): Record<string, unknown> {
    if (params.algoType !== 'CONDITIONAL') throw new BinanceApiError(-1116, 'Invalid algoType.');
    const r = this.symbolRules(params.symbol);
    const side = sideOf(params.side);
    const type = params.type;
    if (type !== 'STOP_MARKET' && type !== 'TAKE_PROFIT_MARKET')
      throw new BinanceApiError(-1116, 'Invalid orderType.');
    const positionSide = this.positionSideOf(params);
    const reduceOnly = params.reduceOnly === 'true';
    const workingType = params.workingType ?? 'CONTRACT_PRICE';
    if (workingType !== 'CONTRACT_PRICE' && workingType !== 'MARK_PRICE')
      throw new BinanceApiError(-1130, "Data sent for parameter 'workingType' is not valid.");
    const clientAlgoId = checkClientId(params.clientAlgoId ?? `fake-algo-${this.nextAlgoId + 1}`);
    for (const a of this.algos.values())
      if (a.clientAlgoId === clientAlgoId && (a.status === 'NEW' || a.status === 'TRIGGERING'))
        throw new BinanceApiError(-4116, 'ClientOrderId is duplicated.');
    const qty = decimalParam(params, 'quantity');
    checkQuantity(r, params.quantity!, qty, true);
    const trigger = decimalParam(params, 'triggerPrice');
    checkPrice(r, params.triggerPrice!, trigger, 'Stop price');
    checkNotional(r, qty, trigger, reduceOnly);
    const t = this.time();
    const a: FakeAlgo = {
      algoId: ++this.nextAlgoId,
      clientAlgoId,
      symbol: r.symbol,
      side,
      positionSide,
      orderType: type,
      quantity: qty,
      triggerPrice: trigger,
      reduceOnly,
      workingType,
      createTime: t,
      status: 'NEW',
      actualOrderId: null,
      updateTime: t,
      triggerTime: 0,
    };
    const last = this.prices.get(r.symbol);
    if (last !== undefined && this.crosses(a, last))
      throw new BinanceApiError(-2021, 'Order would immediately trigger.');
    let resting = 0;
    for (const x of this.algos.values()) if (x.symbol === r.symbol && x.status === 'NEW') resting++;
    if (resting >= r.maxAlgoOrders) throw new BinanceApiError(-4045, 'Reach max stop order limit.');
    this.algos.set(a.algoId, a);
    this.emitAlgo(a);
    return this.algoJson(a);
  }

  cancelAlgoOrder(params: Params): Record<string, unknown> {
    const a = this.findAlgo(params);
    if (a === undefined || a.status !== 'NEW') throw new BinanceApiError(-2011, 'Unknown order sent.');
    a.status = 'CANCELED';
    a.updateTime = this.time();
    this.emitAlgo(a);
    return { algoId: a.algoId, clientAlgoId: a.clientAlgoId, code: '200', msg: 'success' };
  }

  queryAlgoOrder(params: Params): Record<string, unknown> {
    const a = this.findAlgo(params);
    if (a === undefined) throw new BinanceApiError(-2013, 'Order does not exist.');
    return this.algoJson(a);
  }

  openAlgoOrders(params: Params): Record<string, unknown>[] {
    return [...this.algos.values()]
      .filter((a) => a.status === 'NEW' && (params.symbol === undefined || a.symbol === params.symbol))
      .map((a) => this.algoJson(a));
  }

  // --- matching -----------------------------------------------------------------------------------

  private open(
    o: Omit<FakeOrder, 'orderId' | 'time' | 'status' | 'executed' | 'cumQuote' | 'updateTime'>,
  ): FakeOrder {
    const t = this.time();
    const order: FakeOrder = {
      ...o,
      orderId: ++this.nextOrderId,
      time: t,
      status: 'NEW',
      executed: 0n,
      cumQuote: 0n,
      updateTime: t,
    };
    this.orders.set(order.orderId, order);
    this.emitOrder(order, 'NEW');
    return order;
  }

  /** What an order does on arrival: take what it crosses, then rest, expire or finish. */
  private work(o: FakeOrder): void {
    const last = this.prices.get(o.symbol);
    if (o.type === 'MARKET') {
      if (last !== undefined) this.take(o, null);
      if (isOpen(o.status)) this.end(o, 'EXPIRED');
      return;
    }
    const crosses = last !== undefined && (o.side === 'BUY' ? o.price >= last : o.price <= last);
    if (crosses) this.take(o, o.price);
    if (o.timeInForce === 'IOC' && isOpen(o.status)) this.end(o, 'EXPIRED');
  }

  /** Takes liquidity level by level from the current price, up to `limit` when given. */
  private take(o: FakeOrder, limit: Fixed | null): void {
    const r = this.rules.get(o.symbol)!;
    const perLevel = this.depth.get(o.symbol) ?? null;
    let price = this.prices.get(o.symbol)!;
    while (isOpen(o.status)) {
      if (limit !== null && (o.side === 'BUY' ? price > limit : price < limit)) return;
      const left = o.quantity - o.executed;
      this.fill(o, price, perLevel === null ? left : min(left, perLevel), false);
      price = o.side === 'BUY' ? price + r.tickSize : price - r.tickSize;
    }
  }

  /** Whether a limit order at `price` could fill `qty` whole on arrival: what a fill-or-kill needs. */
  private fillsWhole(symbol: string, side: 'BUY' | 'SELL', price: Fixed, qty: Fixed): boolean {
    const last = this.prices.get(symbol);
    if (last === undefined || (side === 'BUY' ? price < last : price > last)) return false;
    const perLevel = this.depth.get(symbol);
    if (perLevel === undefined) return true;
    const r = this.rules.get(symbol)!;
    const levels = (side === 'BUY' ? price - last : last - price) / r.tickSize + 1n;
    return levels * perLevel >= qty;
  }

  private fill(
    o: FakeOrder,
    price: Fixed,
    wanted: Fixed,
    maker: boolean,
    x: 'TRADE' | 'CALCULATED' = 'TRADE',
    commission: Fixed | null = null,
  ): void {
    if (wanted <= 0n) return;
    let qty = wanted;
    // A reduce-only order never opens or flips a position: it fills what is left of it, and once there is
    // nothing left it expires (the position went to zero under it: its own earlier fills, another order,
    // a liquidation).
    if (o.reduceOnly) {
      const room = this.reduceOnlyRoom(o.symbol, o.side);
      if (room === 0n) {
        if (isOpen(o.status)) this.end(o, 'EXPIRED');
        return;
      }
      if (qty > room) qty = room;
    }
    const t = this.time();
    const notional = mul(price, qty);
    const rate = maker ? this.feeRates.maker : this.feeRates.taker;
    const bnb = commission === null ? this.bnbFees : null;
    // The wallet moves as Binance's does: by the trade's realised profit (half-up to 8 places) less a
    // commission taken in USDT.
    const outcome = applyFill(
      { qty: this.position(o.symbol), cost: this.costs.get(o.symbol) ?? 0n },
      o.side === 'BUY' ? qty : -qty,
      price,
    );
    const realizedPnl = roundTo(outcome.realisedExact, 8, 'half-up');
    const trade: FakeTrade = {
      id: ++this.nextTradeId,
      symbol: o.symbol,
      orderId: o.orderId,
      side: o.side,
      positionSide: o.positionSide,
      price,
      qty,
      commission:
        bnb !== null
          ? roundTo(div(mul(notional, (rate * 9n) / 10n), bnb.price), 8, 'half-up')
          : (commission ?? roundTo(mul(notional, rate), 8, 'half-up')),
      commissionAsset: bnb !== null ? 'BNB' : 'USDT',
      realizedPnl,
      maker,
      time: t,
    };
    this.tradeLog.push(trade);
    o.executed += qty;
    o.cumQuote += notional;
    o.status = o.executed === o.quantity ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updateTime = t;
    this.positions.set(o.symbol, outcome.position.qty);
    this.costs.set(o.symbol, outcome.position.cost);
    this.balance += realizedPnl - (trade.commissionAsset === 'USDT' ? trade.commission : 0n);
    this.emitOrder(o, x, trade);
    if (o.status === 'FILLED') this.finishAlgoOf(o);
    else if (o.reduceOnly && outcome.position.qty === 0n) this.end(o, 'EXPIRED');
  }

  private end(o: FakeOrder, status: 'CANCELED' | 'EXPIRED'): void {
    o.status = status;
    o.updateTime = this.time();
    this.emitOrder(o, status);
    this.finishAlgoOf(o);
  }

  private crosses(a: FakeAlgo, p: Fixed): boolean {
    // STOP_MARKET BUY fires at price ≥ stop, SELL at ≤; TAKE_PROFIT_MARKET the other way round.
    const rising = (a.orderType === 'STOP_MARKET') === (a.side === 'BUY');
    return rising ? p >= a.triggerPrice : p <= a.triggerPrice;
  }

  /**
   * The algo service hands a crossed conditional order to the matching engine as a MARKET order under
   * the same client id, and checks margin only then (REJECTED when it fails).
   */
  private trigger(a: FakeAlgo): void {
    a.status = 'TRIGGERING';
    a.triggerTime = this.time();
    a.updateTime = a.triggerTime;
    this.emitAlgo(a);
    const last = this.prices.get(a.symbol)!;
    try {
      if (a.reduceOnly) this.checkReduces(a.symbol, a.side);
      else this.checkMargin(a.symbol, a.quantity, last);
    } catch {
      a.status = 'REJECTED';
      a.updateTime = this.time();
      this.emitAlgo(a, a.reduceOnly ? 'Reduce Only reject' : 'Margin is insufficient.');
      return;
    }
    const o = this.open({
      clientOrderId: a.clientAlgoId,
      symbol: a.symbol,
      side: a.side,
      positionSide: a.positionSide,
      type: 'MARKET',
      origType: a.orderType,
      timeInForce: 'GTC',
      quantity: a.quantity,
      price: 0n,
      stopPrice: a.triggerPrice,
      reduceOnly: a.reduceOnly,
    });
    a.status = 'TRIGGERED';
    a.actualOrderId = o.orderId;
    a.updateTime = this.time();
    this.emitAlgo(a);
    this.work(o);
  }

  private finishAlgoOf(o: FakeOrder): void {
    for (const a of this.algos.values()) {
      if (a.actualOrderId !== o.orderId || a.status !== 'TRIGGERED') continue;
      a.status = 'FINISHED';
      a.updateTime = this.time();
      this.emitAlgo(a);
    }
  }

  /**
   * Binance's "Summary of Failed Orders in Binance Futures" (FAQ 360039707291): a reduce-only order is
   * refused when it goes the position's way (or there is none), or when it is larger than the position,
   * except that reduce-only MARKET and STOP_MARKET orders of the position's size or more are not held to
   * the size (`limitQty` null). What such an order fills is capped at the position (`reduceOnlyRoom`).
   */
  private checkReduces(symbol: string, side: Side, limitQty: Fixed | null = null): void {
    const room = this.reduceOnlyRoom(symbol, side);
    if (room === 0n || (limitQty !== null && limitQty > room))
      throw new BinanceApiError(-2022, 'ReduceOnly Order is rejected.');
  }

  /** How much an order on `side` can take off the position without crossing zero. */
  private reduceOnlyRoom(symbol: string, side: Side): Fixed {
    const pos = this.position(symbol);
    return side === 'BUY' ? (pos < 0n ? -pos : 0n) : pos > 0n ? pos : 0n;
  }

  /** Initial margin (notional / the symbol's leverage) of positions, open limits and the new order against the wallet. */
  private checkMargin(symbol: string, qty: Fixed, price: Fixed): void {
    const lev = (s: string) => BigInt(this.symbolLeverage.get(s) ?? this.leverage);
    // Summed as notional × (the largest leverage ÷ the symbol's), against the wallet × the largest leverage:
    // exact in integers, and the same as Σ notional ÷ leverage ≤ wallet.
    let most = BigInt(this.leverage);
    for (const l of this.symbolLeverage.values()) if (BigInt(l) > most) most = BigInt(l);
    let margin = (mul(qty, price) * most) / lev(symbol);
    for (const o of this.orders.values())
      if (isOpen(o.status) && o.type === 'LIMIT' && !o.reduceOnly)
        margin += (mul(o.price, o.quantity - o.executed) * most) / lev(o.symbol);
    for (const [s, pos] of this.positions)
      margin += (mul(abs(pos), this.prices.get(s) ?? 0n) * most) / lev(s);
    if (margin > this.balance * most) throw new BinanceApiError(-2019, 'Margin is insufficient.');
  }

  // --- the account's settings (POST /fapi/v1/leverage, /fapi/v1/marginType, GET /fapi/v1/positionSide/dual) ---

  /** Hedge mode ("dual side position") instead of one-way: what a person may have set on the account. */
  dualSidePosition = false;
  /** Multi-Assets mode: every asset in the wallet margins every position (a person's setting too). */
  multiAssetsMargin = false;
  /** Per symbol, as set through the API (Binance's default for a symbol nobody set: 20x, cross). */
  readonly symbolLeverage = new Map<string, number>();
  readonly symbolMarginType = new Map<string, 'CROSSED' | 'ISOLATED'>();

  positionSideDual(): { dualSidePosition: boolean } {
    return { dualSidePosition: this.dualSidePosition };
  }

  changeLeverage(p: Record<string, string>): Record<string, unknown> {
    const r = this.symbolRules(p.symbol);
    const leverage = Number(p.leverage);
    if (!Number.isInteger(leverage) || leverage < 1 || leverage > 125)
      throw new BinanceApiError(-4028, `Leverage ${p.leverage} is not valid`);
    this.symbolLeverage.set(r.symbol, leverage);
    return { leverage, maxNotionalValue: '1000000', symbol: r.symbol };
  }

  changeMarginType(p: Record<string, string>): Record<string, unknown> {
    const r = this.symbolRules(p.symbol);
    const type = p.marginType;
    if (type !== 'CROSSED' && type !== 'ISOLATED') throw new BinanceApiError(-1116, 'Invalid marginType.');
    if ((this.symbolMarginType.get(r.symbol) ?? 'CROSSED') === type)
      throw new BinanceApiError(-4046, 'No need to change margin type.');
    if (this.position(r.symbol) !== 0n)
      throw new BinanceApiError(-4048, 'Margin type cannot be changed if there exists position.');
    this.symbolMarginType.set(r.symbol, type);
    return { code: 200, msg: 'success' };
  }

  // --- lookups and JSON ---------------------------------------------------------------------------

  symbolRules(symbol: string | undefined): SymbolRules {
    if (symbol === undefined)
      throw new BinanceApiError(
        -1102,
        "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
      );
    const r = this.rules.get(symbol);
    if (r === undefined) throw new BinanceApiError(-1121, 'Invalid symbol.');
    return r;
  }

  private positionSideOf(params: Params): string {
    const ps = params.positionSide ?? 'BOTH';
    if (ps !== 'BOTH')
      throw new BinanceApiError(-4061, "Order's position side does not match user's setting.");
    return ps;
  }

  private openByClientId(symbol: string, id: string): boolean {
    for (const o of this.orders.values())
      if (o.symbol === symbol && o.clientOrderId === id && isOpen(o.status)) return true;
    return false;
  }

  private findOrder(params: Params): FakeOrder | undefined {
    this.symbolRules(params.symbol);
    if (params.orderId !== undefined) {
      const o = this.orders.get(Number(params.orderId));
      return o?.symbol === params.symbol ? o : undefined;
    }
    const id = params.origClientOrderId;
    if (id === undefined)
      throw new BinanceApiError(-1102, "Either 'orderId' or 'origClientOrderId' must be sent.");
    let found: FakeOrder | undefined;
    for (const o of this.orders.values()) if (o.symbol === params.symbol && o.clientOrderId === id) found = o;
    return found;
  }

  private findAlgo(params: Params): FakeAlgo | undefined {
    if (params.algoId !== undefined) return this.algos.get(Number(params.algoId));
    const id = params.clientAlgoId;
    if (id === undefined) throw new BinanceApiError(-1102, "Either 'algoId' or 'clientAlgoId' must be sent.");
    let found: FakeAlgo | undefined;
    for (const a of this.algos.values()) if (a.clientAlgoId === id) found = a;
    return found;
  }

  private px(symbol: string, x: Fixed): string {
    return padded(x, this.rules.get(symbol)!.pricePrecision);
  }

  private qty(symbol: string, x: Fixed): string {
    return padded(x, this.rules.get(symbol)!.quantityPrecision);
  }

  private avg(o: FakeOrder): string {
    return o.executed === 0n ? '0' : toText(roundTo((o.cumQuote * 10n ** 18n) / o.executed, 5, 'half-up'));
  }

  private orderJson(o: FakeOrder, withTime: boolean): Record<string, unknown> {
    return {
      orderId: o.orderId,
      symbol: o.symbol,
      status: o.status,
      clientOrderId: o.clientOrderId,
      price: this.px(o.symbol, o.price),
      avgPrice: this.avg(o),
      origQty: this.qty(o.symbol, o.quantity),
      executedQty: this.qty(o.symbol, o.executed),
      cumQty: this.qty(o.symbol, o.executed),
      cumQuote: toText(o.cumQuote),
      timeInForce: o.timeInForce,
      type: o.type,
      reduceOnly: o.reduceOnly,
      closePosition: false,
      side: o.side,
      positionSide: o.positionSide,
      stopPrice: this.px(o.symbol, o.stopPrice),
      workingType: 'CONTRACT_PRICE',
      priceProtect: false,
      origType: o.origType,
      priceMatch: 'NONE',
      selfTradePreventionMode: 'EXPIRE_MAKER',
      goodTillDate: 0,
      ...(withTime ? { time: o.time } : {}),
      updateTime: o.updateTime,
    };
  }

  private algoJson(a: FakeAlgo): Record<string, unknown> {
    const child = a.actualOrderId === null ? undefined : this.orders.get(a.actualOrderId);
    return {
      algoId: a.algoId,
      clientAlgoId: a.clientAlgoId,
      algoType: 'CONDITIONAL',
      orderType: a.orderType,
      symbol: a.symbol,
      side: a.side,
      positionSide: a.positionSide,
      timeInForce: 'GTC',
      quantity: this.qty(a.symbol, a.quantity),
      algoStatus: a.status,
      actualOrderId: a.actualOrderId === null ? '' : String(a.actualOrderId),
      actualPrice: child === undefined ? '0' : this.avg(child),
      triggerPrice: this.px(a.symbol, a.triggerPrice),
      price: this.px(a.symbol, 0n),
      icebergQuantity: null,
      selfTradePreventionMode: 'EXPIRE_MAKER',
      workingType: a.workingType,
      priceMatch: 'NONE',
      closePosition: false,
      priceProtect: false,
      reduceOnly: a.reduceOnly,
      activatePrice: '',
      callbackRate: '',
      createTime: a.createTime,
      updateTime: a.updateTime,
      triggerTime: a.triggerTime,
      goodTillDate: 0,
    };
  }

  private tradeJson(t: FakeTrade): Record<string, unknown> {
    return {
      buyer: t.side === 'BUY',
      commission: toText(t.commission, 8),
      commissionAsset: t.commissionAsset,
      id: t.id,
      maker: t.maker,
      orderId: t.orderId,
      price: this.px(t.symbol, t.price),
      qty: this.qty(t.symbol, t.qty),
      quoteQty: toText(mul(t.price, t.qty)),
      realizedPnl: toText(t.realizedPnl),
      side: t.side,
      positionSide: t.positionSide,
      symbol: t.symbol,
      time: t.time,
    };
  }

  private emitOrder(
    o: FakeOrder,
    x: 'NEW' | 'TRADE' | 'CALCULATED' | 'CANCELED' | 'EXPIRED',
    trade?: FakeTrade,
  ): void {
    const t = trade?.time ?? o.updateTime;
    this.onEvent({
      e: 'ORDER_TRADE_UPDATE',
      E: t + 1,
      T: t,
      o: {
        s: o.symbol,
        c: o.clientOrderId,
        S: o.side,
        o: o.type,
        f: o.timeInForce,
        q: this.qty(o.symbol, o.quantity),
        p: this.px(o.symbol, o.price),
        ap: this.avg(o),
        sp: this.px(o.symbol, o.stopPrice),
        x,
        X: o.status,
        i: o.orderId,
        l: trade ? this.qty(o.symbol, trade.qty) : '0',
        z: this.qty(o.symbol, o.executed),
        L: trade ? this.px(o.symbol, trade.price) : '0',
        ...(trade ? { N: trade.commissionAsset, n: toText(trade.commission, 8) } : {}),
        T: t,
        t: trade?.id ?? 0,
        b: '0',
        a: '0',
        m: trade?.maker ?? false,
        R: o.reduceOnly,
        wt: 'CONTRACT_PRICE',
        ot: o.origType,
        ps: o.positionSide,
        cp: false,
        rp: trade ? toText(trade.realizedPnl, 8) : '0',
        pP: false,
        si: 0,
        ss: 0,
        V: 'EXPIRE_MAKER',
        pm: 'NONE',
        gtd: 0,
      },
    });
  }

  private emitAlgo(a: FakeAlgo, rejectReason = ''): void {
    const child = a.actualOrderId === null ? undefined : this.orders.get(a.actualOrderId);
    this.onEvent({
      e: 'ALGO_UPDATE',
      // Binance documents ALGO_UPDATE's T as the event time and E as the transaction time.
      T: a.updateTime + 1,
      E: a.updateTime,
      o: {
        caid: a.clientAlgoId,
        aid: a.algoId,
        at: 'CONDITIONAL',
        o: a.orderType,
        s: a.symbol,
        S: a.side,
        ps: a.positionSide,
        f: 'GTC',
        q: this.qty(a.symbol, a.quantity),
        X: a.status,
        ai: a.actualOrderId === null ? '' : String(a.actualOrderId),
        ap: child === undefined ? '0' : this.avg(child),
        aq: child === undefined ? '0' : this.qty(a.symbol, child.executed),
        act: child === undefined ? '0' : 'MARKET',
        tp: this.px(a.symbol, a.triggerPrice),
        p: '0',
        V: 'EXPIRE_MAKER',
        wt: a.workingType,
        pm: 'NONE',
        cp: false,
        pP: false,
        R: a.reduceOnly,
        tt: a.triggerTime,
        gtd: 0,
        rm: rejectReason,
      },
    });
  }
}
