import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  abs,
  div,
  divRound,
  type Fixed,
  fixed,
  fromInt,
  min,
  mul,
  ONE,
  toText,
} from '../../../domain/ledger/fixed.js';
import { exchangeInfoPath, leverageBracketsPath } from './fake-binance.js';
import {
  FakeBinanceEngine,
  type FakeEngineOptions,
  type IncomeRecord,
  type UserEvent,
} from './fake-binance-engine.js';
import type { FakeMarket } from './fake-binance-market.js';
import { premiumIndex } from './fake-binance-market.js';
import { BinanceApiError, rulesFromExchangeInfo } from './fake-binance-rules.js';
import { bybitDay, bybitFundingHistory, bybitKlines, bybitMark, bybitTicker } from './fake-bybit-market.js';
import {
  BybitApiError,
  BybitRateLimiter,
  cursorPage,
  decimalParam,
  type ExecRecord,
  type ExecType,
  envelope,
  execJson,
  execStreamJson,
  fastExecJson,
  fromEngine,
  type Instrument,
  instrumentJson,
  isOpenStatus,
  type LedgerRecord,
  ledgerJson,
  limitParam,
  linearOnly,
  listingFromBinance,
  type OrderRecord,
  type OrderStatus,
  orderJson,
  orderStreamJson,
  type Params,
  type PositionView,
  paramsFromBody,
  positionFigures,
  positionJson,
  positionStreamJson,
  px,
  qty as qtyText,
  riskLimitJson,
  type Side,
  sevenDays,
  symbolInvalid,
  type Trigger,
  tooManyVisits,
  type WalletView,
  walletJson,
} from './fake-bybit-wire.js';

/**
 * What the server does to the next matching request instead of answering it normally.
 * - delay: answers after `ms`.
 * - timeout: does the work, never answers (the client's timeout fires; the exchange has acted).
 * - garbage: does the work, answers `status` with `body` (not what the API promises).
 * - reset: drops the connection before doing anything (unless `process`).
 * - throttle: answers retCode 10006 "Too many visits!" with a full window's headers, without acting.
 */
export interface BybitFault {
  readonly method?: string;
  readonly path: string;
  readonly action: 'delay' | 'timeout' | 'garbage' | 'reset' | 'throttle';
  readonly ms?: number;
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
  readonly params: Readonly<Record<string, string>>;
  /** HTTP status; 0 when the connection was dropped. */
  readonly status: number;
  /** Bybit's retCode; null when no envelope was answered. */
  readonly retCode: number | null;
  /** The exchange's clock when the request arrived. */
  readonly time: number;
}

export interface FakeBybitOptions extends FakeEngineOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  /** False: requests are counted and reported in headers but never refused (faults can still throttle). */
  readonly rateLimits?: false;
  /** Merged over what GET /v5/user/query-api reports: a UTA key that trades contracts from one IP. */
  readonly apiKeyInfo?: Readonly<Record<string, unknown>>;
  /** The account's fee rates; Bybit's non-VIP derivatives rates (maker 0.02 %, taker 0.055 %) by default. */
  readonly feeRates?: { readonly maker: string; readonly taker: string };
  /**
   * Market data for GET /v5/market/kline, /v5/market/funding/history and /v5/market/tickers (a symbol's
   * mark; every symbol's 24 h turnover without one), released as the clock passes it
   * (fake-bybit-market.ts): the recorded market served as Bybit's.
   */
  readonly market?: FakeMarket;
  /** Symbols the exchange trades at the market's mark as its clock passes, as FakeBinance's followMarket. */
  readonly followMarket?: readonly string[];
  /**
   * Bybit's own listing of a symbol where it is not Binance's recorded one: every symbol's row (re-spelled
   * from Binance's, launchTime its onboardDate) passes through and the row returned is what Bybit lists,
   * same symbol (`(i) => i.symbol === 'BTCUSDT' ? { ...i, tickSize: fixed('0.5') } : i`). The whole fake
   * answers by it (instruments-info, risk-limit, its own order checks and tiers); the engine underneath
   * keeps Binance's rules, so a tick or step changed should be a multiple of Binance's.
   */
  readonly relist?: (i: Instrument) => Instrument;
}

/** A private-stream message as Bybit sends it: `{id, topic, creationTime, data: [...]}`. */
export interface PrivateMessage {
  readonly id: string;
  readonly topic: 'order' | 'execution' | 'execution.fast' | 'position' | 'wallet';
  readonly creationTime: number;
  readonly data: readonly Record<string, unknown>[];
}

type Route = { readonly signed: boolean; readonly handler: (p: Params) => unknown };

const UID = '24600000';
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Record<string, unknown>, k: string): string => {
  const v = o[k];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Bybit prints quantities and prices in its messages as integers scaled by 10^8 ("order_qty:579700000000"). */
const e8 = (x: Fixed): string => ((x * 100_000_000n) / ONE).toString();
const newestFirst = <T extends { readonly createdTime: number }>(rows: Iterable<T>): T[] =>
  [...rows].reverse().sort((a, b) => b.createdTime - a.createdTime);

/** An order the REST API is placing: what Bybit's request says that the engine's Binance order cannot. */
interface Draft {
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: 'Market' | 'Limit';
  readonly price: Fixed;
  readonly qty: Fixed;
  readonly timeInForce: OrderRecord['timeInForce'];
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
  readonly positionIdx: number;
  readonly trigger: Trigger | null;
  readonly lastPriceOnCreated: Fixed | undefined;
  record: OrderRecord | null;
}

/** What changed in one synchronous run of the engine: it goes out on the private stream as one batch. */
interface Burst {
  readonly orders: Set<OrderRecord>;
  readonly executions: ExecRecord[];
  readonly symbols: Set<string>;
  readonly expired: Set<OrderRecord>;
  readonly liquidated: Set<string>;
  wallet: boolean;
}

const emptyBurst = (): Burst => ({
  orders: new Set(),
  executions: [],
  symbols: new Set(),
  expired: new Set(),
  liquidated: new Set(),
  wallet: false,
});

interface PositionLife {
  readonly createdTime: number;
  updatedTime: number;
  seq: number;
  cur: Fixed;
  cum: Fixed;
}

const STATUS_OF: Readonly<Record<string, OrderStatus>> = {
  NEW: 'New',
  PARTIALLY_FILLED: 'PartiallyFilled',
  FILLED: 'Filled',
  CANCELED: 'Cancelled',
  EXPIRED: 'Cancelled',
};

/**
 * Bybit's books kept from the engine's Binance user events: orders (with Bybit's ids, statuses and cancel
 * reasons), executions, the transaction log and each position's life (created, realised PnL). The engine
 * calls `observe` synchronously while it matches; whatever one run changed is handed to `publish` once the
 * run is over, as Bybit batches the fills of one match into one message.
 */
class BybitBook {
  readonly orders = new Map<string, OrderRecord>();
  readonly executions: ExecRecord[] = [];
  readonly ledger: LedgerRecord[] = [];
  cumRealised: Fixed = 0n;
  private readonly byLinkId = new Map<string, OrderRecord>();
  private readonly byEngineOrder = new Map<number, OrderRecord>();
  private readonly byEngineAlgo = new Map<number, OrderRecord>();
  private readonly engineIds = new Map<string, { order: number | null; algo: number | null }>();
  private readonly lives = new Map<string, PositionLife>();
  private draft: Draft | null = null;
  private triggering: OrderRecord | null = null;
  private seq = 5_723_621_632;
  private burst = emptyBurst();
  private scheduled = false;

  constructor(
    private readonly engine: FakeBinanceEngine,
    private readonly publish: (burst: Burst) => void,
  ) {}

  byLink(orderLinkId: string): OrderRecord | undefined {
    return this.byLinkId.get(orderLinkId);
  }

  engineIdsOf(r: OrderRecord): { order: number | null; algo: number | null } {
    return this.engineIds.get(r.orderId) ?? { order: null, algo: null };
  }

  life(symbol: string): PositionLife | undefined {
    return this.lives.get(symbol);
  }

  /** Runs the engine call that places `d`; the order's NEW event (read in `observe`) becomes its record. */
  place(d: Draft, run: () => void): OrderRecord {
    this.draft = d;
    try {
      run();
    } finally {
      this.draft = null;
    }
    if (d.record === null) throw new Error(`fake bybit: the engine placed no order for ${d.symbol}`);
    return d.record;
  }

  /**
   * Bybit accepts a post-only order that would take, or a fill-or-kill it cannot fill whole, and cancels
   * it at once with the reason; Binance's engine refuses both without a record, so the record is made here.
   */
  stillborn(d: Draft, rejectReason: string): OrderRecord {
    const r = this.record(d, this.engine.time(), 'CreateByUser');
    r.status = 'Cancelled';
    r.cancelType = 'UNKNOWN';
    r.rejectReason = rejectReason;
    this.burst.orders.add(r);
    this.schedule();
    return r;
  }

  observe(e: UserEvent): void {
    if (e.e === 'ORDER_TRADE_UPDATE' && isRecord(e.o)) this.onOrder(e.o);
    else if (e.e === 'ALGO_UPDATE' && isRecord(e.o)) this.onAlgo(e.o, Number(e.E));
    else if (e.e === 'ACCOUNT_UPDATE' && isRecord(e.a)) this.onAccount(e.a);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      const b = this.burst;
      this.burst = emptyBurst();
      // Orders a liquidation swept away were cancelled to make room for it, not for their own reasons.
      for (const r of b.expired)
        if (b.liquidated.has(r.symbol)) {
          r.cancelType = 'CancelAllBeforeLiq';
          r.rejectReason = 'EC_NoError';
        }
      this.publish(b);
    });
  }

  private record(d: Draft, time: number, createType: string): OrderRecord {
    const r: OrderRecord = {
      orderId: randomUUID(),
      orderLinkId: d.orderLinkId,
      symbol: d.symbol,
      side: d.side,
      orderType: d.orderType,
      price: d.price,
      qty: d.qty,
      timeInForce: d.timeInForce,
      reduceOnly: d.reduceOnly,
      closeOnTrigger: d.closeOnTrigger,
      positionIdx: d.positionIdx,
      trigger: d.trigger,
      lastPriceOnCreated: d.lastPriceOnCreated,
      createdTime: time,
      createType,
      status: d.trigger === null ? 'New' : 'Untriggered',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_NoError',
      cumExecQty: 0n,
      cumExecValue: 0n,
      cumExecFee: 0n,
      closedPnl: 0n,
      updatedTime: time,
    };
    this.orders.set(r.orderId, r);
    if (r.orderLinkId !== '') this.byLinkId.set(r.orderLinkId, r);
    d.record = r;
    return r;
  }

  private onOrder(o: Record<string, unknown>): void {
    const engineId = Number(o.i);
    let r = this.byEngineOrder.get(engineId);
    if (r === undefined) {
      r = this.adoptOrder(o);
      this.byEngineOrder.set(engineId, r);
      this.engineIds.set(r.orderId, { ...this.engineIdsOf(r), order: engineId });
    }
    const x = str(o, 'x');
    r.updatedTime = Number(o.T);
    if (x === 'TRADE' || x === 'CALCULATED') this.onFill(r, o, x === 'CALCULATED');
    r.status = STATUS_OF[str(o, 'X')] ?? r.status;
    if (x === 'CANCELED') {
      r.cancelType = 'CancelByUser';
      r.rejectReason = 'EC_PerCancelRequest';
    } else if (x === 'EXPIRED') {
      // The engine expires what Bybit cancels: a reduce-only order with nothing left to reduce, the
      // unfilled rest of an IOC or market order, and (re-labelled in `schedule`) a liquidation's victims.
      r.cancelType = r.reduceOnly ? 'CancelByReduceOnly' : 'UNKNOWN';
      r.rejectReason = r.reduceOnly ? 'EC_NoError' : 'EC_NoImmediateQtyToFill';
      this.burst.expired.add(r);
    }
    this.burst.orders.add(r);
  }

  /** The record a new engine order belongs to: the REST draft, a conditional order firing, or the exchange's own. */
  private adoptOrder(o: Record<string, unknown>): OrderRecord {
    const time = Number(o.T);
    const d = this.draft;
    if (d !== null && d.record === null && d.trigger === null) return this.record(d, time, 'CreateByUser');
    const firing = this.triggering;
    if (firing !== null) {
      // UTA keeps a conditional order's id when it triggers: the market order is the same record.
      this.triggering = null;
      firing.createType = 'CreateByStopOrder';
      return firing;
    }
    const client = str(o, 'c');
    const liquidation = client.startsWith('autoclose-');
    const adl = client === 'adl_autoclose';
    const symbol = str(o, 's');
    if (liquidation) this.burst.liquidated.add(symbol);
    const type = str(o, 'o');
    return this.record(
      {
        orderLinkId: liquidation || adl || client.startsWith('fake-') ? '' : client,
        symbol,
        side: str(o, 'S') === 'BUY' ? 'Buy' : 'Sell',
        orderType: type === 'LIMIT' ? 'Limit' : 'Market',
        price: fixed(str(o, 'p') || '0'),
        qty: fixed(str(o, 'q')),
        timeInForce: type === 'LIMIT' ? (str(o, 'f') === 'GTX' ? 'PostOnly' : 'GTC') : 'IOC',
        reduceOnly: o.R === true,
        closeOnTrigger: false,
        positionIdx: 0,
        trigger: null,
        lastPriceOnCreated: this.engine.priceOf(symbol),
        record: null,
      },
      time,
      liquidation ? 'CreateByTakeOver_PassThrough' : adl ? 'CreateByAdl_PassThrough' : 'CreateByUser',
    );
  }

  private onFill(r: OrderRecord, o: Record<string, unknown>, bust: boolean): void {
    const q = fixed(str(o, 'l'));
    const price = fixed(str(o, 'L'));
    const fee = o.n === undefined ? 0n : fixed(str(o, 'n'));
    const realised = fixed(str(o, 'rp') || '0');
    const time = Number(o.T);
    const maker = o.m === true;
    const adl = r.createType === 'CreateByAdl_PassThrough';
    const after = this.engine.position(r.symbol);
    const before = after - (r.side === 'Buy' ? q : -q);
    const closedSize = before !== 0n && before > 0n !== (r.side === 'Buy') ? min(abs(before), q) : 0n;
    const feeRate = adl ? 0n : maker ? this.engine.feeRates.maker : this.engine.feeRates.taker;
    r.cumExecQty += q;
    r.cumExecValue += mul(q, price);
    r.cumExecFee += fee;
    if (closedSize > 0n) r.closedPnl += realised - fee;
    const execType: ExecType = bust ? 'BustTrade' : adl ? 'AdlTrade' : 'Trade';
    const x: ExecRecord = {
      execId: randomUUID(),
      symbol: r.symbol,
      orderId: r.orderId,
      orderLinkId: r.orderLinkId,
      side: r.side,
      orderPrice: r.price,
      orderQty: r.qty,
      leavesQty: r.qty - r.cumExecQty,
      orderType: r.orderType,
      stopOrderType: r.trigger === null ? '' : 'Stop',
      createType: r.createType,
      execType,
      execPrice: price,
      execQty: q,
      execFee: fee,
      feeRate,
      isMaker: maker,
      markPrice: this.engine.priceOf(r.symbol) ?? price,
      closedSize,
      execTime: time,
      seq: ++this.seq,
    };
    this.executions.push(x);
    this.burst.executions.push(x);
    this.ledger.push({
      id: `${UID}_${r.symbol}_${x.seq}`,
      symbol: r.symbol,
      side: r.side,
      type: bust ? 'LIQUIDATION' : adl ? 'ADL' : 'TRADE',
      qty: q,
      size: after,
      tradePrice: price,
      funding: null,
      fee,
      cashFlow: realised,
      cashBalance: this.engine.balance,
      feeRate,
      tradeId: x.execId,
      orderId: r.orderId,
      orderLinkId: r.orderLinkId,
      transactionTime: time,
    });
    this.live(r.symbol, before, realised - fee, time);
  }

  /** Bybit's position PnL figures: curRealisedPnl starts over when a position opens from flat. */
  private live(symbol: string, before: Fixed, pnl: Fixed, time: number): void {
    const life = this.lives.get(symbol) ?? {
      createdTime: time,
      updatedTime: time,
      seq: -1,
      cur: 0n,
      cum: 0n,
    };
    if (before === 0n) life.cur = 0n;
    life.cur += pnl;
    life.cum += pnl;
    // A settlement can be booked at a past funding time; the position was still updated now.
    life.updatedTime = Math.max(life.updatedTime, time);
    life.seq = this.seq;
    this.lives.set(symbol, life);
    this.cumRealised += pnl;
    this.burst.symbols.add(symbol);
    this.burst.wallet = true;
  }

  /** `time`: the event's E, which ALGO_UPDATE (unlike ORDER_TRADE_UPDATE) carries outside the order. */
  private onAlgo(o: Record<string, unknown>, time: number): void {
    const algoId = Number(o.aid);
    let r = this.byEngineAlgo.get(algoId);
    if (r === undefined) {
      r = this.adoptAlgo(o, time);
      this.byEngineAlgo.set(algoId, r);
      this.engineIds.set(r.orderId, { ...this.engineIdsOf(r), algo: algoId });
    }
    r.updatedTime = time;
    switch (str(o, 'X')) {
      case 'NEW':
        r.status = 'Untriggered';
        break;
      case 'TRIGGERING':
        this.triggering = r;
        break;
      case 'TRIGGERED':
        // The market order it became has already reported New (and reports its fills next).
        if (r.status === 'Untriggered') r.status = 'Triggered';
        break;
      case 'CANCELED':
        r.status = 'Deactivated';
        r.cancelType = 'CancelByUser';
        r.rejectReason = 'EC_PerCancelRequest';
        break;
      case 'EXPIRED':
        // The engine expires conditional orders only to clear the way for a liquidation.
        r.status = 'Deactivated';
        r.cancelType = 'CancelAllBeforeLiq';
        break;
      case 'REJECTED':
        this.triggering = null;
        r.status = 'Rejected';
        r.cancelType = r.reduceOnly ? 'CancelByReduceOnly' : 'UNKNOWN';
        r.rejectReason = 'EC_Others';
        break;
    }
    this.burst.orders.add(r);
  }

  private adoptAlgo(o: Record<string, unknown>, time: number): OrderRecord {
    const d = this.draft;
    if (d !== null && d.record === null && d.trigger !== null) return this.record(d, time, 'CreateByUser');
    // A conditional order placed on the engine directly (by a test, as a person on the website would).
    const buy = str(o, 'S') === 'BUY';
    const rising = (str(o, 'o') === 'STOP_MARKET') === buy;
    const symbol = str(o, 's');
    return this.record(
      {
        orderLinkId: str(o, 'caid').startsWith('fake-') ? '' : str(o, 'caid'),
        symbol,
        side: buy ? 'Buy' : 'Sell',
        orderType: 'Market',
        price: 0n,
        qty: fixed(str(o, 'q')),
        timeInForce: 'IOC',
        reduceOnly: o.R === true,
        closeOnTrigger: false,
        positionIdx: 0,
        trigger: {
          price: fixed(str(o, 'tp')),
          direction: rising ? 1 : 2,
          by: str(o, 'wt') === 'MARK_PRICE' ? 'MarkPrice' : 'LastPrice',
        },
        lastPriceOnCreated: this.engine.priceOf(symbol),
        record: null,
      },
      time,
      'CreateByUser',
    );
  }

  private onAccount(a: Record<string, unknown>): void {
    const income = this.engine.incomes().at(-1);
    if (income === undefined) return;
    if (str(a, 'm') === 'FUNDING_FEE') this.onFunding(income);
    else this.onClearance(income);
    this.burst.wallet = true;
    this.burst.symbols.add(income.symbol);
  }

  /** A funding settlement: a Funding execution and a SETTLEMENT entry, as Bybit books one. */
  private onFunding(income: IncomeRecord): void {
    const { symbol, time } = income;
    const pos = this.engine.position(symbol);
    const settled = this.engine
      .fundingRates({ symbol, startTime: String(time), endTime: String(time), limit: '1000' })
      .at(-1);
    const rate = settled === undefined ? 0n : fixed(str(settled, 'fundingRate'));
    const mark = settled === undefined ? 0n : fixed(str(settled, 'markPrice'));
    const side: Side = pos > 0n ? 'Buy' : 'Sell';
    const x: ExecRecord = {
      execId: randomUUID(),
      symbol,
      orderId: `${Math.floor(time / 1000)}-8-${UID}-${income.tranId}`,
      orderLinkId: '',
      side,
      orderPrice: 0n,
      orderQty: 0n,
      leavesQty: 0n,
      orderType: 'UNKNOWN',
      stopOrderType: 'UNKNOWN',
      createType: '',
      execType: 'Funding',
      execPrice: mark,
      execQty: abs(pos),
      execFee: -income.income,
      feeRate: rate,
      isMaker: false,
      markPrice: mark,
      closedSize: 0n,
      execTime: time,
      seq: ++this.seq,
    };
    this.executions.push(x);
    this.burst.executions.push(x);
    this.ledger.push({
      id: `${UID}_${symbol}_${x.seq}`,
      symbol,
      side,
      type: 'SETTLEMENT',
      qty: abs(pos),
      size: pos,
      tradePrice: mark,
      funding: income.income,
      fee: 0n,
      cashFlow: 0n,
      cashBalance: this.engine.balance,
      // Bybit signs a settlement's rate by the side: what a long pays at a positive rate, a short receives.
      feeRate: pos > 0n ? rate : -rate,
      tradeId: x.execId,
      orderId: x.orderId,
      orderLinkId: '',
      transactionTime: time,
    });
    this.live(symbol, pos, income.income, time);
  }

  /** The clearance fee a liquidation pays the insurance fund: a LIQUIDATION entry carrying only the fee. */
  private onClearance(income: IncomeRecord): void {
    const liquidation = [...this.orders.values()]
      .reverse()
      .find((r) => r.symbol === income.symbol && r.createType === 'CreateByTakeOver_PassThrough');
    this.ledger.push({
      id: `${UID}_${income.symbol}_${++this.seq}`,
      symbol: income.symbol,
      side: 'None',
      type: 'LIQUIDATION',
      qty: 0n,
      size: this.engine.position(income.symbol),
      tradePrice: this.engine.priceOf(income.symbol) ?? 0n,
      funding: null,
      fee: -income.income,
      cashFlow: 0n,
      cashBalance: this.engine.balance,
      feeRate: 0n,
      tradeId: randomUUID(),
      orderId: liquidation?.orderId ?? '',
      orderLinkId: '',
      transactionTime: income.time,
    });
    this.live(income.symbol, this.engine.position(income.symbol), income.income, income.time);
  }
}

interface PrivateStream {
  readonly ws: WebSocket;
  readonly connId: string;
  authed: boolean;
  readonly topics: Set<string>;
}

/** The private topics a UTA connection may subscribe to, all-in-one or by category, with what they carry. */
const TOPICS: Readonly<Record<string, PrivateMessage['topic']>> = {
  order: 'order',
  'order.linear': 'order',
  execution: 'execution',
  'execution.linear': 'execution',
  'execution.fast': 'execution.fast',
  'execution.fast.linear': 'execution.fast',
  position: 'position',
  'position.linear': 'position',
  wallet: 'wallet',
};

/**
 * A local Bybit v5 server for USDT linear perpetuals, a protocol front-end over the same matching engine
 * FakeBinance uses: Bybit requests become the engine's Binance-style calls, and the engine's user events
 * become Bybit's REST records and private-stream messages, so matching is shared and only the wire differs.
 * It serves the REST subset ccxt's bybit uses for a unified (UTA 2.0) account — the listing, orders,
 * executions, positions, wallet, fee rates, transaction log, account settings — with Bybit's HMAC-SHA256
 * signature and recv-window checks, retCodes and per-endpoint rate limits, and the private websocket at
 * /v5/private (auth, subscribe, ping) pushing `order`, `execution`, `position` and `wallet`. Tests drive the
 * market through `engine` and break things through `fault` and `dropPrivateStreams`.
 */
export class FakeBybit {
  readonly engine: FakeBinanceEngine;
  readonly apiKey: string;
  readonly secret: string;
  readonly requests: LoggedRequest[] = [];
  /** Every private-stream message the exchange produced, delivered or not. */
  readonly messages: PrivateMessage[] = [];
  private readonly listing: ReadonlyMap<string, Instrument>;
  private readonly book: BybitBook;
  private readonly limiter: BybitRateLimiter;
  private readonly routes: ReadonlyMap<string, Route>;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Map<WebSocket, PrivateStream>();
  private readonly faults: { fault: BybitFault; left: number }[] = [];
  private readonly leverages = new Map<string, Fixed>();
  private readonly hedged = new Set<string>();
  private marginMode: 'REGULAR_MARGIN' | 'ISOLATED_MARGIN' = 'REGULAR_MARGIN';
  private marginModeTime: number;
  private readonly keyInfo: Readonly<Record<string, unknown>>;
  private streamsRefused = false;
  private dropAfter: number | null = null;
  private corrupt = 0;
  private nextConn = 1;
  private port = 0;
  private readonly market: FakeMarket | undefined;
  private readonly followed: readonly string[];
  private readonly followedAt = new Map<string, string>();

  private constructor(opts: FakeBybitOptions) {
    this.apiKey = opts.apiKey ?? 'FakeBybitKey0123456';
    this.secret = opts.secret ?? 'FakeBybitSecret9876543210abcdefghijkl';
    const info: unknown = JSON.parse(readFileSync(exchangeInfoPath, 'utf8'));
    const brackets: unknown = JSON.parse(readFileSync(leverageBracketsPath, 'utf8'));
    const relist = opts.relist ?? ((i: Instrument) => i);
    this.listing = new Map([...listingFromBinance(info, brackets)].map(([s, i]) => [s, relist(i)]));
    this.engine = new FakeBinanceEngine(
      rulesFromExchangeInfo(info as Parameters<typeof rulesFromExchangeInfo>[0]),
      opts,
    );
    this.engine.feeRates = {
      maker: fixed(opts.feeRates?.maker ?? '0.0002'),
      taker: fixed(opts.feeRates?.taker ?? '0.00055'),
    };
    this.book = new BybitBook(this.engine, (b) => this.publish(b));
    this.engine.onEvent = (e) => this.book.observe(e);
    this.limiter = new BybitRateLimiter(() => this.engine.time(), opts.rateLimits !== false);
    this.marginModeTime = this.engine.time();
    this.keyInfo = opts.apiKeyInfo ?? {};
    this.routes = this.buildRoutes();
    this.market = opts.market;
    this.followed = opts.followMarket ?? [];
    this.server = http.createServer((req, res) => this.serve(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  static async start(opts: FakeBybitOptions = {}): Promise<FakeBybit> {
    const f = new FakeBybit(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The private stream is `${wsOrigin}/v5/private`, where ccxt's urls.api.ws.private.contract points. */
  get wsOrigin(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  fault(f: BybitFault): void {
    this.faults.push({ fault: f, left: f.times ?? 1 });
  }

  /**
   * Closes every private stream now, or after `afterMessages` more messages have gone out to a subscriber
   * (to cut a fill in the middle); with `refuse`, new connections are refused until `allowPrivateStreams()`.
   */
  dropPrivateStreams(opts: { afterMessages?: number; refuse?: boolean } = {}): void {
    if (opts.refuse) this.streamsRefused = true;
    if (opts.afterMessages !== undefined && opts.afterMessages > 0) {
      this.dropAfter = opts.afterMessages;
      return;
    }
    this.closeStreams();
  }

  allowPrivateStreams(): void {
    this.streamsRefused = false;
  }

  /** The next `n` messages that reach a subscriber go out mangled (the exchange still acted). */
  corruptPrivateMessages(n = 1): void {
    this.corrupt += n;
  }

  /** Open connections to /v5/private, authenticated or not. */
  get privateStreams(): number {
    return this.streams.size;
  }

  /** Authenticated connections subscribed to `topic` ("order", "execution.linear", …). */
  subscribers(topic: string): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.authed && s.topics.has(topic)) n++;
    return n;
  }

  /** Requests to paths the fake does not serve: ccxt reaching for something the tests did not expect. */
  unknownRequests(): LoggedRequest[] {
    return this.requests.filter((r) => r.status === 404);
  }

  /** Requests refused with retCode 10006. */
  throttled(): LoggedRequest[] {
    return this.requests.filter((r) => r.retCode === 10006);
  }

  async close(): Promise<void> {
    this.closeStreams();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- routes -------------------------------------------------------------------------------------

  private buildRoutes(): Map<string, Route> {
    const open = (handler: Route['handler']): Route => ({ signed: false, handler });
    const signed = (handler: Route['handler']): Route => ({ signed: true, handler });
    // With a recorded market, its bars, funding and marks; without, the settlements and prices the test set.
    const market = (serve: (m: FakeMarket, p: Params) => unknown, otherwise: Route['handler']): Route =>
      open((p) => (this.market === undefined ? otherwise(p) : serve(this.market, p)));
    return new Map<string, Route>([
      ['GET /v5/market/time', open(() => this.time())],
      ['GET /v5/market/instruments-info', open((p) => this.instruments(p))],
      ['GET /v5/market/risk-limit', open((p) => this.riskLimits(p))],
      [
        'GET /v5/market/kline',
        market(
          (m, p) => bybitKlines(m, this.engine.time(), p),
          () => {
            throw new BybitApiError(10001, 'no market data: the fake was started without one');
          },
        ),
      ],
      [
        'GET /v5/market/funding/history',
        market(
          (m, p) => bybitFundingHistory(m, this.engine.time(), p),
          (p) => this.fundingHistory(p),
        ),
      ],
      [
        'GET /v5/market/tickers',
        market(
          (m, p) =>
            p.symbol === undefined ? this.marketTickers(m, p) : bybitTicker(m, this.engine.time(), p),
          (p) => this.tickers(p),
        ),
      ],
      ['POST /v5/order/create', signed((p) => this.createOrder(p))],
      ['POST /v5/order/cancel', signed((p) => this.cancelOrder(p))],
      ['GET /v5/order/realtime', signed((p) => this.realtime(p))],
      ['GET /v5/order/history', signed((p) => this.history(p))],
      ['GET /v5/execution/list', signed((p) => this.executionList(p))],
      ['GET /v5/position/list', signed((p) => this.positionList(p))],
      ['POST /v5/position/set-leverage', signed((p) => this.setLeverage(p))],
      ['POST /v5/position/switch-mode', signed((p) => this.switchMode(p))],
      ['POST /v5/position/switch-isolated', signed(() => this.switchIsolated())],
      ['GET /v5/account/wallet-balance', signed((p) => this.walletBalance(p))],
      ['GET /v5/account/fee-rate', signed((p) => this.feeRate(p))],
      ['GET /v5/account/transaction-log', signed((p) => this.transactionLog(p))],
      ['GET /v5/account/info', signed(() => this.accountInfo())],
      ['POST /v5/account/set-margin-mode', signed((p) => this.setMarginMode(p))],
      ['GET /v5/user/query-api', signed(() => this.queryApi())],
      ['GET /v5/asset/coin/query-info', signed((p) => this.coinInfo(p))],
    ]);
  }

  private instrument(symbol: string | undefined): Instrument {
    const i = symbol === undefined ? undefined : this.listing.get(symbol);
    if (i === undefined) throw symbolInvalid();
    return i;
  }

  // --- market data --------------------------------------------------------------------------------

  private time(): Record<string, string> {
    const t = this.engine.time();
    return { timeSecond: String(Math.floor(t / 1000)), timeNano: `${t}000000` };
  }

  private instruments(p: Params): Record<string, unknown> {
    const category = p.category ?? '';
    if (category === '') throw new BybitApiError(10001, 'params error: category is required');
    const limit = limitParam(p, 500, 1000);
    // Only Trading contracts are listed: no pre-market (PreLaunch) or delisted ones, and no other category.
    const trading = p.status === undefined || p.status === '' || p.status === 'Trading';
    const rows =
      category !== 'linear' || !trading
        ? []
        : [...this.listing.values()].filter(
            (i) =>
              (p.symbol === undefined || i.symbol === p.symbol) &&
              (p.baseCoin === undefined || i.baseCoin === p.baseCoin),
          );
    const page = cursorPage(rows, (i) => i.symbol, p.cursor, limit);
    return { category, list: page.list.map(instrumentJson), nextPageCursor: page.nextPageCursor };
  }

  /** Without a symbol Bybit answers 15 symbols' tiers a page. */
  private riskLimits(p: Params): Record<string, unknown> {
    linearOnly(p);
    const symbols = p.symbol === undefined ? [...this.listing.values()] : [this.instrument(p.symbol)];
    const page = cursorPage(symbols, (i) => i.symbol, p.cursor, 15);
    return {
      category: 'linear',
      list: page.list.flatMap((i) => i.tiers.map((t) => riskLimitJson(i, t))),
      nextPageCursor: page.nextPageCursor,
    };
  }

  /** The settlements the test made on the engine (chargeFunding), newest first. */
  private fundingHistory(p: Params): Record<string, unknown> {
    linearOnly(p);
    const i = this.instrument(p.symbol);
    if (p.startTime !== undefined && p.endTime === undefined)
      throw new BybitApiError(10001, 'params error: endTime is required when startTime is passed');
    const end = p.endTime === undefined ? this.engine.time() : Number(p.endTime);
    const start = p.startTime === undefined ? 0 : Number(p.startTime);
    const limit = limitParam(p, 200, 200);
    const list = this.engine
      .fundingRates({ symbol: i.symbol, startTime: String(start), endTime: String(end), limit: '1000' })
      .reverse()
      .slice(0, limit)
      .map((r) => ({
        symbol: i.symbol,
        fundingRate: str(r, 'fundingRate'),
        fundingRateTimestamp: str(r, 'fundingTime'),
      }));
    return { category: 'linear', list };
  }

  /** Mark, index and last are the engine's one price; the book is that price on both sides. */
  private tickers(p: Params): Record<string, unknown> {
    linearOnly(p);
    const rows =
      p.symbol === undefined
        ? [...this.listing.values()].filter((i) => this.engine.priceOf(i.symbol) !== undefined)
        : [this.instrument(p.symbol)];
    return { category: 'linear', list: rows.map((i) => this.ticker(i)) };
  }

  /**
   * With a recorded market, every listed symbol (Bybit lists each contract it trades): the engine's price,
   * else the market's mark, and the 24 h figures of the recorded bars (bybitDay: turnover24h "0" for a
   * symbol the market has no bars of).
   */
  private marketTickers(m: FakeMarket, p: Params): Record<string, unknown> {
    linearOnly(p);
    const now = this.engine.time();
    const list = [...this.listing.values()].map((i) => {
      const row = this.ticker(i);
      const mark = this.engine.priceOf(i.symbol) === undefined ? bybitMark(m, now, i.symbol) : undefined;
      const shown =
        mark === undefined
          ? {}
          : { lastPrice: String(mark), markPrice: String(mark), indexPrice: String(mark) };
      return { ...row, ...shown, ...bybitDay(m, now, i.symbol) };
    });
    return { category: 'linear', list };
  }

  private ticker(i: Instrument): Record<string, unknown> {
    const price = this.engine.priceOf(i.symbol);
    const shown = price === undefined ? '' : px(i, price);
    const now = this.engine.time();
    const eight = 8 * 3_600_000;
    const last = this.engine
      .fundingRates({ symbol: i.symbol, startTime: '0', endTime: String(now), limit: '1000' })
      .at(-1);
    return {
      symbol: i.symbol,
      lastPrice: shown,
      indexPrice: shown,
      markPrice: shown,
      prevPrice24h: shown,
      price24hPcnt: '0',
      highPrice24h: shown,
      lowPrice24h: shown,
      prevPrice1h: shown,
      openInterest: '0',
      openInterestValue: '0',
      turnover24h: '0',
      volume24h: '0',
      fundingRate: last === undefined ? '0' : str(last, 'fundingRate'),
      nextFundingTime: String((Math.floor(now / eight) + 1) * eight),
      predictedDeliveryPrice: '',
      basisRate: '',
      deliveryFeeRate: '',
      deliveryTime: '0',
      // The engine fills any order at its price: each side shows an order's worth of size.
      bid1Price: shown,
      bid1Size: price === undefined ? '0' : qtyText(i, i.maxOrderQty),
      ask1Price: shown,
      ask1Size: price === undefined ? '0' : qtyText(i, i.maxOrderQty),
      basis: '',
      preOpenPrice: '',
      preQty: '',
      curPreListingPhase: '',
      fundingIntervalHour: '8',
    };
  }

  // --- orders -------------------------------------------------------------------------------------

  private createOrder(p: Params): Record<string, string> {
    linearOnly(p);
    const i = this.instrument(p.symbol);
    const side = this.sideOf(p.side);
    const orderType = p.orderType;
    if (orderType !== 'Market' && orderType !== 'Limit')
      throw new BybitApiError(10001, 'params error: orderType invalid');
    const q = decimalParam(p, 'qty');
    if (q === undefined || q === 0n) throw new BybitApiError(10001, 'params error: qty invalid');
    const price = orderType === 'Limit' ? decimalParam(p, 'price') : undefined;
    if (orderType === 'Limit' && (price === undefined || price === 0n))
      throw new BybitApiError(10001, 'params error: price invalid');
    const timeInForce = this.timeInForceOf(p, orderType);
    const reduceOnly = p.reduceOnly === 'true';
    const closeOnTrigger = p.closeOnTrigger === 'true';
    const positionIdx = this.positionIdxOf(p, i.symbol);
    const orderLinkId = this.orderLinkIdOf(p.orderLinkId);
    const trigger = this.triggerOf(p, i);
    if (trigger !== null && orderType === 'Limit')
      throw new BybitApiError(10001, 'params error: the fake has no conditional Limit orders, only Market');
    this.checkQty(i, q, orderType === 'Market' || trigger !== null);
    if (price !== undefined) this.checkPrice(i, price, 'price');
    const last = this.engine.priceOf(i.symbol);
    const notionalAt = price ?? trigger?.price ?? last;
    if (!reduceOnly && !closeOnTrigger && notionalAt !== undefined && mul(q, notionalAt) < i.minNotional)
      throw new BybitApiError(110094, `Order does not meet minimum order value ${toText(i.minNotional)}USDT`);
    const d: Draft = {
      orderLinkId,
      symbol: i.symbol,
      side,
      orderType,
      price: price ?? 0n,
      qty: q,
      timeInForce,
      reduceOnly: reduceOnly || closeOnTrigger,
      closeOnTrigger,
      positionIdx,
      trigger,
      lastPriceOnCreated: last,
      record: null,
    };
    const r = trigger === null ? this.placeActive(d) : this.placeConditional(d, trigger);
    return { orderId: r.orderId, orderLinkId: r.orderLinkId };
  }

  private placeActive(d: Draft): OrderRecord {
    const order: Record<string, string> = {
      symbol: d.symbol,
      side: d.side === 'Buy' ? 'BUY' : 'SELL',
      type: d.orderType === 'Market' ? 'MARKET' : 'LIMIT',
      quantity: toText(d.qty),
      ...(d.orderType === 'Limit'
        ? { price: toText(d.price), timeInForce: d.timeInForce === 'PostOnly' ? 'GTX' : d.timeInForce }
        : {}),
      ...(d.orderLinkId === '' ? {} : { newClientOrderId: d.orderLinkId }),
      ...(d.reduceOnly ? { reduceOnly: 'true' } : {}),
    };
    try {
      return this.book.place(d, () => this.engine.newOrder(order));
    } catch (e) {
      if (!(e instanceof BinanceApiError)) throw e;
      if (e.code === -5022) return this.book.stillborn(d, 'EC_PostOnlyWillTakeLiquidity');
      if (e.code === -5021) return this.book.stillborn(d, 'EC_CancelForNoFullFill');
      throw fromEngine(e, this.engine.position(d.symbol));
    }
  }

  /** A conditional order is the engine's algo order: STOP_MARKET when it fires the way it trades, else TAKE_PROFIT_MARKET. */
  private placeConditional(d: Draft, t: Trigger): OrderRecord {
    const algo: Record<string, string> = {
      algoType: 'CONDITIONAL',
      symbol: d.symbol,
      side: d.side === 'Buy' ? 'BUY' : 'SELL',
      type: (t.direction === 1) === (d.side === 'Buy') ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET',
      quantity: toText(d.qty),
      triggerPrice: toText(t.price),
      workingType: t.by === 'LastPrice' ? 'CONTRACT_PRICE' : 'MARK_PRICE',
      ...(d.orderLinkId === '' ? {} : { clientAlgoId: d.orderLinkId }),
      ...(d.reduceOnly ? { reduceOnly: 'true' } : {}),
    };
    try {
      return this.book.place(d, () => this.engine.newAlgoOrder(algo));
    } catch (e) {
      if (!(e instanceof BinanceApiError)) throw e;
      throw fromEngine(e, this.engine.position(d.symbol));
    }
  }

  private sideOf(v: string | undefined): Side {
    if (v === 'Buy' || v === 'Sell') return v;
    throw new BybitApiError(10001, 'params error: side invalid');
  }

  private timeInForceOf(p: Params, orderType: 'Market' | 'Limit'): OrderRecord['timeInForce'] {
    // Bybit runs every market order as IOC, whatever was asked.
    if (orderType === 'Market') return 'IOC';
    const tif = p.timeInForce ?? 'GTC';
    if (tif === 'GTC' || tif === 'IOC' || tif === 'FOK' || tif === 'PostOnly') return tif;
    throw new BybitApiError(10001, 'params error: timeInForce invalid');
  }

  private positionIdxOf(p: Params, symbol: string): number {
    const idx = p.positionIdx === undefined ? 0 : Number(p.positionIdx);
    if (idx !== 0 && idx !== 1 && idx !== 2)
      throw new BybitApiError(10001, 'params error: positionIdx invalid');
    if ((idx === 0) === this.hedged.has(symbol))
      throw new BybitApiError(10001, 'position idx not match position mode');
    // The engine holds one-way positions only: hedge mode can be switched on, not traded in.
    if (idx !== 0) throw new BybitApiError(10001, 'params error: the fake cannot hold hedge-mode positions');
    return idx;
  }

  /** Bybit's rule for orderLinkId: up to 36 of [A-Za-z0-9_-], and unique for ever (not only among open orders). */
  private orderLinkIdOf(v: string | undefined): string {
    if (v === undefined || v === '') return '';
    if (!/^[A-Za-z0-9_-]{1,36}$/.test(v)) throw new BybitApiError(10001, 'params error: orderLinkId invalid');
    if (this.book.byLink(v) !== undefined) throw new BybitApiError(110072, 'OrderLinkedID is duplicate');
    return v;
  }

  private triggerOf(p: Params, i: Instrument): Trigger | null {
    const price = decimalParam(p, 'triggerPrice');
    if (price === undefined) return null;
    const direction = p.triggerDirection === '1' ? 1 : p.triggerDirection === '2' ? 2 : null;
    if (direction === null) throw new BybitApiError(10001, 'params error: triggerDirection invalid');
    const by = p.triggerBy ?? 'LastPrice';
    if (by !== 'LastPrice' && by !== 'MarkPrice' && by !== 'IndexPrice')
      throw new BybitApiError(10001, 'params error: triggerBy invalid');
    this.checkPrice(i, price, 'triggerPrice');
    // The engine has one price: mark, index and last trigger alike.
    const current = this.engine.priceOf(i.symbol);
    if (current !== undefined && direction === 1 && price <= current)
      throw new BybitApiError(
        110092,
        `expect Rising, but trigger_price[${e8(price)}] <= current[${e8(current)}]??${by}`,
      );
    if (current !== undefined && direction === 2 && price >= current)
      throw new BybitApiError(
        110093,
        `expect Falling, but trigger_price[${e8(price)}] >= current[${e8(current)}]??${by}`,
      );
    return { price, direction, by };
  }

  private checkQty(i: Instrument, q: Fixed, market: boolean): void {
    const most = market ? i.maxMktOrderQty : i.maxOrderQty;
    if (q > most)
      throw new BybitApiError(
        10001,
        `The number of contracts exceeds maximum limit allowed: too large, order_qty:${e8(q)} > max_qty:${e8(most)}`,
      );
    if (q < i.minOrderQty)
      throw new BybitApiError(
        10001,
        `The number of contracts exceeds minimum limit allowed: too small, order_qty:${e8(q)} < min_qty:${e8(i.minOrderQty)}`,
      );
    if (q % i.qtyStep !== 0n)
      throw new BybitApiError(
        10001,
        `Qty invalid: ${toText(q)} is not a multiple of qtyStep ${toText(i.qtyStep)}`,
      );
  }

  private checkPrice(i: Instrument, price: Fixed, name: 'price' | 'triggerPrice'): void {
    if (price < i.minPrice || price > i.maxPrice)
      throw new BybitApiError(110003, `Order price exceeds the allowable range. ${name}:${e8(price)}`);
    if (price % i.tickSize !== 0n)
      throw new BybitApiError(
        10001,
        `${name} invalid: ${toText(price)} is not a multiple of tickSize ${toText(i.tickSize)}`,
      );
  }

  private cancelOrder(p: Params): Record<string, string> {
    linearOnly(p);
    const i = this.instrument(p.symbol);
    if (!p.orderId && !p.orderLinkId)
      throw new BybitApiError(10001, 'params error: orderId or orderLinkId is required');
    const r = p.orderId ? this.book.orders.get(p.orderId) : this.book.byLink(p.orderLinkId ?? '');
    if (r === undefined || r.symbol !== i.symbol || !isOpenStatus(r.status))
      throw new BybitApiError(110001, 'order not exists or too late to cancel');
    const ids = this.book.engineIdsOf(r);
    try {
      if (r.status === 'Untriggered' && ids.algo !== null)
        this.engine.cancelAlgoOrder({ algoId: String(ids.algo) });
      else this.engine.cancelOrder({ symbol: r.symbol, orderId: String(ids.order) });
    } catch (e) {
      if (!(e instanceof BinanceApiError)) throw e;
      throw fromEngine(e, this.engine.position(r.symbol));
    }
    return { orderId: r.orderId, orderLinkId: r.orderLinkId };
  }

  /** orderFilter: StopOrder is a conditional order before it fires (or when it never did); Order is the rest. */
  private filterOf(r: OrderRecord): 'StopOrder' | 'Order' {
    const waiting = r.status === 'Untriggered' || r.status === 'Triggered' || r.status === 'Deactivated';
    return r.trigger !== null && (waiting || r.status === 'Rejected') ? 'StopOrder' : 'Order';
  }

  /** Filters Bybit applies by priority: orderId, then orderLinkId (each alone), else symbol / coins / filter. */
  private selectOrders(p: Params, rows: OrderRecord[]): { rows: OrderRecord[]; byId: boolean } {
    if (p.orderId) return { rows: rows.filter((r) => r.orderId === p.orderId), byId: true };
    if (p.orderLinkId) return { rows: rows.filter((r) => r.orderLinkId === p.orderLinkId), byId: true };
    if (p.symbol !== undefined) this.instrument(p.symbol);
    const kept = rows.filter(
      (r) =>
        (p.symbol === undefined || r.symbol === p.symbol) &&
        (p.baseCoin === undefined || this.listing.get(r.symbol)?.baseCoin === p.baseCoin) &&
        (p.settleCoin === undefined || p.settleCoin === 'USDT') &&
        (p.orderFilter === undefined || p.orderFilter === this.filterOf(r)),
    );
    return { rows: kept, byId: false };
  }

  private ordersPage(p: Params, rows: OrderRecord[], most: number): Record<string, unknown> {
    const page = cursorPage(rows, (r) => r.orderId, p.cursor, limitParam(p, 20, most));
    return {
      category: 'linear',
      list: page.list.map((r) => orderJson(r, this.instrument(r.symbol))),
      nextPageCursor: page.nextPageCursor,
    };
  }

  /** Open orders (openOnly=0), or the 500 most recent closed ones (openOnly=1); by id, any status. */
  private realtime(p: Params): Record<string, unknown> {
    linearOnly(p);
    if (!p.symbol && !p.baseCoin && !p.settleCoin && !p.orderId && !p.orderLinkId)
      throw new BybitApiError(
        10001,
        'Missing some parameters that must be filled in, symbol or settleCoin or baseCoin',
      );
    const { rows, byId } = this.selectOrders(p, newestFirst(this.book.orders.values()));
    const closed = p.openOnly === '1';
    const kept = byId
      ? rows
      : rows.filter((r) => isOpenStatus(r.status) !== closed).slice(0, closed ? 500 : undefined);
    return this.ordersPage(p, kept, 50);
  }

  private history(p: Params): Record<string, unknown> {
    linearOnly(p);
    if ((p.startTime === undefined) !== (p.endTime === undefined))
      throw new BybitApiError(10001, 'params error: startTime and endTime must be passed together');
    const { rows, byId } = this.selectOrders(p, newestFirst(this.book.orders.values()));
    const { start, end } = sevenDays(p, this.engine.time());
    const kept = rows.filter(
      (r) =>
        (byId || (r.createdTime >= start && r.createdTime <= end)) &&
        (p.orderStatus === undefined || r.status === p.orderStatus),
    );
    return this.ordersPage(p, kept, 50);
  }

  private executionList(p: Params): Record<string, unknown> {
    linearOnly(p);
    const byId = Boolean(p.orderId || p.orderLinkId);
    if (!byId && p.symbol !== undefined) this.instrument(p.symbol);
    const { start, end } = sevenDays(p, this.engine.time());
    const rows = [...this.book.executions]
      .reverse()
      .filter((x) =>
        p.orderId
          ? x.orderId === p.orderId
          : p.orderLinkId
            ? x.orderLinkId === p.orderLinkId
            : (p.symbol === undefined || x.symbol === p.symbol) &&
              (p.baseCoin === undefined || this.listing.get(x.symbol)?.baseCoin === p.baseCoin) &&
              x.execTime >= start &&
              x.execTime <= end,
      )
      .filter((x) => p.execType === undefined || x.execType === p.execType)
      .sort((a, b) => b.execTime - a.execTime || b.seq - a.seq);
    const page = cursorPage(rows, (x) => x.execId, p.cursor, limitParam(p, 50, 100));
    return {
      category: 'linear',
      list: page.list.map((x) => execJson(x, this.instrument(x.symbol))),
      nextPageCursor: page.nextPageCursor,
    };
  }

  // --- positions and the account ------------------------------------------------------------------

  private leverageOf(symbol: string): Fixed {
    return (
      this.leverages.get(symbol) ?? fromInt(this.engine.symbolLeverage.get(symbol) ?? this.engine.leverage)
    );
  }

  private positionView(symbol: string, positionIdx: number): PositionView {
    const qty = positionIdx === 0 ? this.engine.position(symbol) : 0n;
    const cost = positionIdx === 0 ? this.engine.positionCost(symbol) : 0n;
    const leverage = this.leverageOf(symbol);
    const life = this.book.life(symbol);
    const now = this.engine.time();
    return {
      symbol,
      positionIdx,
      qty,
      cost,
      mark: this.engine.priceOf(symbol),
      leverage,
      margin: this.marginMode === 'ISOLATED_MARGIN' ? div(abs(cost), leverage) : this.engine.balance,
      createdTime: life?.createdTime ?? now,
      updatedTime: life?.updatedTime ?? now,
      seq: life?.seq ?? -1,
      curRealisedPnl: qty === 0n ? 0n : (life?.cur ?? 0n),
      cumRealisedPnl: life?.cum ?? 0n,
    };
  }

  /** The symbol's rows: one in one-way mode, the Buy (1) and Sell (2) sides in hedge mode. */
  private positionRows(symbol: string): PositionView[] {
    return this.hedged.has(symbol)
      ? [this.positionView(symbol, 1), this.positionView(symbol, 2)]
      : [this.positionView(symbol, 0)];
  }

  private heldSymbols(): string[] {
    return [...this.listing.keys()].filter((s) => this.engine.position(s) !== 0n);
  }

  private positionList(p: Params): Record<string, unknown> {
    const category = p.category ?? '';
    if (category === '') throw new BybitApiError(10001, 'params error: category is required');
    // Nothing but linear is traded here; ccxt's position snapshot also asks for inverse.
    if (category !== 'linear') return { category, list: [], nextPageCursor: '' };
    let rows: PositionView[];
    if (p.symbol !== undefined) rows = this.positionRows(this.instrument(p.symbol).symbol);
    else if (p.settleCoin !== undefined)
      rows = p.settleCoin === 'USDT' ? this.heldSymbols().flatMap((s) => this.positionRows(s)) : [];
    else
      throw new BybitApiError(10001, 'Missing some parameters that must be filled in, symbol or settleCoin');
    const page = cursorPage(rows, (v) => `${v.symbol}-${v.positionIdx}`, p.cursor, limitParam(p, 20, 200));
    return {
      category: 'linear',
      list: page.list.map((v) => positionJson(v, this.instrument(v.symbol))),
      nextPageCursor: page.nextPageCursor,
    };
  }

  private walletView(): WalletView {
    let upl = 0n;
    let positionIM = 0n;
    let positionMM = 0n;
    for (const s of this.heldSymbols()) {
      const f = positionFigures(this.positionView(s, 0), this.instrument(s));
      upl += f.upl;
      positionIM += f.im;
      positionMM += f.mm;
    }
    let orderIM = 0n;
    for (const r of this.book.orders.values())
      if ((r.status === 'New' || r.status === 'PartiallyFilled') && r.orderType === 'Limit' && !r.reduceOnly)
        orderIM += div(mul(r.qty - r.cumExecQty, r.price), this.leverageOf(r.symbol));
    return {
      balance: this.engine.balance,
      upl,
      positionIM,
      orderIM,
      positionMM,
      cumRealisedPnl: this.book.cumRealised,
    };
  }

  private walletBalance(p: Params): Record<string, unknown> {
    if (p.accountType !== 'UNIFIED') throw new BybitApiError(10001, 'accountType only support UNIFIED');
    const coins = p.coin === undefined ? undefined : p.coin.split(',');
    return { list: [walletJson(this.walletView(), coins)] };
  }

  private feeRate(p: Params): Record<string, unknown> {
    linearOnly(p);
    const rows = p.symbol === undefined ? [...this.listing.values()] : [this.instrument(p.symbol)];
    return {
      list: rows.map((i) => ({
        symbol: i.symbol,
        takerFeeRate: toText(this.engine.feeRates.taker),
        makerFeeRate: toText(this.engine.feeRates.maker),
      })),
    };
  }

  private transactionLog(p: Params): Record<string, unknown> {
    if (p.accountType !== undefined && p.accountType !== 'UNIFIED')
      throw new BybitApiError(10001, 'accountType only support UNIFIED');
    const { start, end } = sevenDays(p, this.engine.time());
    const rows = [...this.book.ledger]
      .reverse()
      .filter(
        (r) =>
          (p.category === undefined || p.category === 'linear') &&
          (p.currency === undefined || p.currency === 'USDT') &&
          (p.baseCoin === undefined || this.listing.get(r.symbol)?.baseCoin === p.baseCoin) &&
          (p.type === undefined || r.type === p.type) &&
          r.transactionTime >= start &&
          r.transactionTime <= end,
      );
    const page = cursorPage(rows, (r) => r.id, p.cursor, limitParam(p, 20, 50));
    return {
      list: page.list.map((r) => ledgerJson(r, this.instrument(r.symbol))),
      nextPageCursor: page.nextPageCursor,
    };
  }

  private accountInfo(): Record<string, unknown> {
    return {
      marginMode: this.marginMode,
      updatedTime: String(this.marginModeTime),
      unifiedMarginStatus: 6,
      dcpStatus: 'OFF',
      timeWindow: 10,
      smpGroup: 0,
      isMasterTrader: false,
      spotHedgingStatus: 'OFF',
    };
  }

  private queryApi(): Record<string, unknown> {
    const created = new Date(this.engine.time() - 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      id: '13770661',
      note: 'perpetua',
      apiKey: this.apiKey,
      readOnly: 0,
      secret: '',
      permissions: {
        ContractTrade: ['Order', 'Position'],
        Spot: [],
        Wallet: [],
        Options: [],
        Derivatives: [],
        CopyTrading: [],
        BlockTrade: [],
        Exchange: [],
        NFT: [],
        Affiliate: [],
        Earn: [],
      },
      ips: ['127.0.0.1'],
      type: 1,
      deadlineDay: -1,
      expiredAt: '',
      createdAt: created,
      unified: 0,
      uta: 1,
      userID: Number(UID),
      inviterID: 0,
      vipLevel: 'No VIP',
      mktMakerLevel: '0',
      affiliateID: 0,
      rsaPublicKey: '',
      isMaster: true,
      parentUid: '0',
      kycLevel: 'LEVEL_DEFAULT',
      kycRegion: '',
      ...this.keyInfo,
    };
  }

  /**
   * ccxt's loadMarkets asks for the coins whenever it has credentials (its fetchCurrencies option does not
   * stop it; `has.fetchCurrencies = false` does). The account holds USDT only, and the fake neither deposits
   * nor withdraws, so USDT is listed without chains.
   */
  private coinInfo(p: Params): Record<string, unknown> {
    const usdt = { name: 'USDT', coin: 'USDT', remainAmount: '0', chains: [] };
    return { rows: p.coin === undefined || p.coin === 'USDT' ? [usdt] : [] };
  }

  /** Leverage steps by 0.01 up to the first tier's cap; the engine's margin check takes its whole part. */
  private setLeverage(p: Params): Record<string, never> {
    linearOnly(p);
    const i = this.instrument(p.symbol);
    const buy = decimalParam(p, 'buyLeverage');
    const sell = decimalParam(p, 'sellLeverage');
    if (buy === undefined || sell === undefined)
      throw new BybitApiError(10001, 'params error: buyLeverage and sellLeverage are required');
    if (buy !== sell) throw new BybitApiError(10001, 'params error: buy leverage must equal sell leverage');
    const cap = fromInt(i.tiers[0]!.maxLeverage);
    if (buy < ONE || buy > cap || buy % (ONE / 100n) !== 0n)
      throw new BybitApiError(
        10001,
        `params error: leverage ${toText(buy)} out of range [1, ${toText(cap)}]`,
      );
    if (buy === this.leverageOf(i.symbol)) throw new BybitApiError(110043, 'leverage not modified');
    this.engine.changeLeverage({ symbol: i.symbol, leverage: String(buy / ONE) });
    this.leverages.set(i.symbol, buy);
    return {};
  }

  private switchMode(p: Params): Record<string, never> {
    linearOnly(p);
    const mode = p.mode;
    if (mode !== '0' && mode !== '3') throw new BybitApiError(10001, 'params error: mode invalid');
    const hedge = mode === '3';
    if (p.symbol !== undefined) {
      const symbol = this.instrument(p.symbol).symbol;
      if (this.hedged.has(symbol) === hedge) throw new BybitApiError(110025, 'Position mode is not modified');
      this.checkIdle(symbol);
      this.setHedged(symbol, hedge);
      return {};
    }
    if (p.coin === undefined)
      throw new BybitApiError(10001, 'params error: either symbol or coin is required');
    // By coin: every symbol without a position or open order switches; the others keep their mode.
    if (p.coin === 'USDT') for (const s of this.listing.keys()) if (this.idle(s)) this.setHedged(s, hedge);
    return {};
  }

  private setHedged(symbol: string, hedge: boolean): void {
    if (hedge) this.hedged.add(symbol);
    else this.hedged.delete(symbol);
  }

  private idle(symbol: string): boolean {
    if (this.engine.position(symbol) !== 0n) return false;
    for (const r of this.book.orders.values())
      if (r.symbol === symbol && isOpenStatus(r.status)) return false;
    return true;
  }

  private checkIdle(symbol: string): void {
    if (this.engine.position(symbol) !== 0n)
      throw new BybitApiError(110024, 'You have an existing position, so position mode cannot be switched');
    if (!this.idle(symbol))
      throw new BybitApiError(
        110028,
        'You have existing open orders, so the position mode cannot be switched',
      );
  }

  /** A UTA sets cross/isolated for the whole account (set-margin-mode); switch-isolated is for classic accounts. */
  private switchIsolated(): never {
    throw new BybitApiError(100028, 'The API cannot be accessed by unified account users.');
  }

  private setMarginMode(p: Params): Record<string, unknown> {
    const mode = p.setMarginMode;
    if (mode !== 'REGULAR_MARGIN' && mode !== 'ISOLATED_MARGIN' && mode !== 'PORTFOLIO_MARGIN')
      throw new BybitApiError(10001, 'params error: setMarginMode invalid');
    const failed = (reasonMsg: string) =>
      new BybitApiError(3400045, 'Set margin mode failed', {
        reasons: [{ reasonCode: '3400045', reasonMsg }],
      });
    if (mode === 'PORTFOLIO_MARGIN') throw failed('Portfolio margin does not support USDT perpetuals');
    if (mode === this.marginMode)
      throw new BybitApiError(110026, 'Cross/isolated margin mode is not modified');
    if ([...this.listing.keys()].some((s) => !this.idle(s)))
      throw failed('Positions or open orders exist: close them before switching the margin mode');
    this.marginMode = mode;
    this.marginModeTime = this.engine.time();
    const type = mode === 'ISOLATED_MARGIN' ? 'ISOLATED' : 'CROSSED';
    for (const s of this.listing.keys()) this.engine.symbolMarginType.set(s, type);
    return { reasons: [] };
  }

  // --- HTTP ---------------------------------------------------------------------------------------

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  /** Moves the followed symbols' prices to the market's mark now, on the instrument's tick. */
  private followMarket(): void {
    if (this.market === undefined) return;
    const now = this.engine.time();
    for (const symbol of this.followed) {
      let mark: number;
      try {
        mark = Number((premiumIndex(this.market, now, { symbol }) as { markPrice: string }).markPrice);
      } catch {
        continue; // no bar yet at this time
      }
      const tick = this.engine.tickSize(symbol);
      const price = toText(divRound(fixed(mark.toFixed(12), 'half-even'), tick, 'half-even') * tick);
      if (this.followedAt.get(symbol) === price) continue;
      this.followedAt.set(symbol, price);
      this.engine.setPrice(symbol, price);
    }
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    this.followMarket();
    const time = this.engine.time();
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = url.search.slice(1);
    const params = this.looseParams(method, query, body);
    const fault = this.takeFault(method, path);
    const log = (status: number, retCode: number | null) =>
      this.requests.push({ method, path, params, status, retCode, time });
    if (fault?.action === 'reset' && !fault.process) {
      log(0, null);
      req.socket.destroy();
      return;
    }
    const route = this.routes.get(`${method} ${path}`);
    let status = 200;
    let headers: Record<string, string> = {};
    let reply: ReturnType<typeof envelope>;
    if (route === undefined) {
      status = 404;
      reply = envelope(10017, 'route not found', {}, time);
    } else {
      const out = this.run(route, `${method} ${path}`, req, method === 'GET' ? query : body, fault);
      headers = out.headers;
      reply = out.reply;
    }
    log(status, reply.retCode);
    let text = JSON.stringify(reply);
    switch (fault?.action) {
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
        text = fault.body ?? '{"retCode":0,"retMsg":"OK","result":{"orderId":"';
        break;
    }
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', Timenow: String(time), ...headers });
    res.end(text);
  }

  /** Authentication, then the per-endpoint limit (it counts per UID, so only a known key is counted), then the work. */
  private run(
    route: Route,
    endpoint: string,
    req: http.IncomingMessage,
    payload: string,
    fault: BybitFault | undefined,
  ): { reply: ReturnType<typeof envelope>; headers: Record<string, string> } {
    const time = this.engine.time();
    let headers: Record<string, string> = {};
    try {
      if (route.signed) this.authorize(req, payload);
      if (fault?.action === 'throttle') {
        headers = { ...this.limiter.refuse(endpoint).headers };
        throw tooManyVisits();
      }
      if (route.signed) {
        const decision = this.limiter.admit(endpoint);
        headers = { ...decision.headers };
        if (!decision.admitted) throw tooManyVisits();
      }
      const params =
        req.method === 'GET' ? Object.fromEntries(new URLSearchParams(payload)) : paramsFromBody(payload);
      return { reply: envelope(0, 'OK', route.handler(params), time), headers };
    } catch (e) {
      // A refusal of the engine's that no handler translated still answers as a Bybit error; anything
      // else is a bug in the fake, and surfaces as one.
      const refusal = e instanceof BinanceApiError ? fromEngine(e, 0n) : e;
      if (!(refusal instanceof BybitApiError)) throw e;
      return { reply: envelope(refusal.retCode, refusal.retMsg, refusal.result, time), headers };
    }
  }

  /** The request's parameters for the log, whether or not they parse as Bybit wants. */
  private looseParams(method: string, query: string, body: string): Record<string, string> {
    if (method === 'GET') return Object.fromEntries(new URLSearchParams(query));
    try {
      return paramsFromBody(body);
    } catch {
      return { body };
    }
  }

  private takeFault(method: string, path: string): BybitFault | undefined {
    const i = this.faults.findIndex(
      (f) => f.fault.path === path && (f.fault.method === undefined || f.fault.method === method),
    );
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.left <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  /**
   * Bybit v5's signature: X-BAPI-SIGN = HMAC-SHA256(secret, timestamp + apiKey + recvWindow + (the raw query
   * string of a GET | the raw body of a POST)), and a timestamp the server accepts: serverTime − recvWindow
   * ≤ timestamp < serverTime + 1000.
   */
  private authorize(req: http.IncomingMessage, payload: string): void {
    const header = (name: string): string => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : '';
    };
    const key = header('x-bapi-api-key');
    const timestamp = header('x-bapi-timestamp');
    const sign = header('x-bapi-sign');
    const recvWindow = header('x-bapi-recv-window') || '5000';
    if (key === '' || timestamp === '' || sign === '')
      throw new BybitApiError(
        10001,
        `empty value: apiTimestamp[${timestamp}] apiKey[${key}] apiSignature[${sign}]: openapi sign params error!`,
      );
    if (key !== this.apiKey) throw new BybitApiError(10003, 'API key is invalid.');
    const origin = `${timestamp}${key}${recvWindow}${payload}`;
    const want = createHmac('sha256', this.secret).update(origin).digest();
    const got = Buffer.from(sign, 'hex');
    if (got.length !== want.length || !timingSafeEqual(got, want))
      throw new BybitApiError(10004, `error sign! origin_string[${origin}]`);
    const server = this.engine.time();
    const ts = Number(timestamp);
    const window = Number(recvWindow);
    if (!(server - window <= ts && ts < server + 1000))
      throw new BybitApiError(
        10002,
        `invalid request, please check your server timestamp or recv_window param. req_timestamp[${timestamp}],server_timestamp[${server}],recv_window[${recvWindow}]`,
      );
  }

  // --- the private stream -------------------------------------------------------------------------

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    const refuse = (line: string) => {
      socket.end(`HTTP/1.1 ${line}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/v5/private') {
      refuse('404 Not Found');
      return;
    }
    if (this.streamsRefused) {
      refuse('503 Service Unavailable');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const s: PrivateStream = {
        ws,
        connId: `fake${this.nextConn++}-${randomUUID().slice(0, 8)}`,
        authed: false,
        topics: new Set(),
      };
      this.streams.set(ws, s);
      ws.on('close', () => this.streams.delete(ws));
      ws.on('message', (data) => this.onFrame(s, String(data)));
    });
  }

  private onFrame(s: PrivateStream, text: string): void {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      m = null;
    }
    const send = (x: Record<string, unknown>) => s.ws.send(JSON.stringify(x));
    if (!isRecord(m)) {
      send({
        success: false,
        ret_msg: 'error:invalid op',
        conn_id: s.connId,
        request: { op: '', args: null },
      });
      return;
    }
    const op = str(m, 'op');
    const reqId = m.req_id === undefined ? {} : { req_id: str(m, 'req_id') };
    const args = Array.isArray(m.args)
      ? m.args.map((a) => (typeof a === 'string' || typeof a === 'number' ? String(a) : ''))
      : [];
    const answer = (success: boolean, retMsg: string) =>
      send({
        success,
        ret_msg: retMsg,
        op,
        conn_id: s.connId,
        ...reqId,
        ...(success ? {} : { request: { op, args } }),
      });
    switch (op) {
      case 'ping':
        send({ ...reqId, op: 'pong', args: [String(this.engine.time())], conn_id: s.connId });
        return;
      case 'auth': {
        const refusal = this.checkAuth(args);
        if (refusal === null) s.authed = true;
        answer(refusal === null, refusal ?? '');
        return;
      }
      case 'subscribe':
      case 'unsubscribe': {
        const unknown = args.find((t) => TOPICS[t] === undefined);
        if (!s.authed) answer(false, 'Request not authorized');
        else if (unknown !== undefined) answer(false, `error:handler not found,topic:${unknown}`);
        else {
          for (const t of args) {
            if (op === 'subscribe') s.topics.add(t);
            else s.topics.delete(t);
          }
          answer(true, '');
        }
        return;
      }
      default:
        answer(false, `error:invalid op: ${op}`);
    }
  }

  /** args = [apiKey, expires, HMAC-SHA256(secret, "GET/realtime" + expires)], expires in the future. */
  private checkAuth(args: readonly string[]): string | null {
    const [key, expires, signature] = args;
    if (key !== this.apiKey) return 'error:apiKey invalid';
    if (expires === undefined || !/^\d+$/.test(expires) || Number(expires) <= this.engine.time())
      return 'error:request expired';
    const want = createHmac('sha256', this.secret).update(`GET/realtime${expires}`).digest('hex');
    return signature === want ? null : 'error:signature verification failed';
  }

  private publish(b: Burst): void {
    const now = this.engine.time();
    const message = (topic: PrivateMessage['topic'], data: Record<string, unknown>[]): void => {
      if (data.length > 0) this.broadcast({ id: `${UID}${randomUUID()}`, topic, creationTime: now, data });
    };
    const inst = (symbol: string) => this.instrument(symbol);
    message(
      'execution.fast',
      b.executions.filter((x) => x.execType !== 'Funding').map((x) => fastExecJson(x, inst(x.symbol))),
    );
    message(
      'execution',
      b.executions.map((x) => execStreamJson(x, inst(x.symbol))),
    );
    message(
      'order',
      [...b.orders].map((r) => orderStreamJson(r, inst(r.symbol))),
    );
    message(
      'position',
      [...b.symbols].flatMap((s) => this.positionRows(s).map((v) => positionStreamJson(v, inst(s)))),
    );
    if (b.wallet) message('wallet', [walletJson(this.walletView(), undefined)]);
  }

  private broadcast(m: PrivateMessage): void {
    this.messages.push(m);
    const targets: { s: PrivateStream; topic: string }[] = [];
    for (const s of this.streams.values())
      if (s.authed) for (const topic of s.topics) if (TOPICS[topic] === m.topic) targets.push({ s, topic });
    // Only what reaches a subscriber counts towards a cut or a mangling.
    if (targets.length === 0) return;
    let sent: PrivateMessage = m;
    if (this.corrupt > 0) {
      this.corrupt--;
      sent = {
        ...m,
        data: m.data.map((d) => ({
          ...d,
          symbol: 'NOT-A-SYMBOL',
          updatedTime: 'yesterday',
          execTime: 'yesterday',
        })),
      };
    }
    for (const { s, topic } of targets) s.ws.send(JSON.stringify({ ...sent, topic }));
    if (this.dropAfter !== null && --this.dropAfter <= 0) {
      this.dropAfter = null;
      // A close frame goes out after the frames already queued, so the messages before the cut arrive.
      for (const s of this.streams.values()) s.ws.close(1001, 'fake: stream dropped');
      this.streams.clear();
    }
  }

  private closeStreams(): void {
    for (const s of this.streams.values()) s.ws.terminate();
    this.streams.clear();
  }
}
