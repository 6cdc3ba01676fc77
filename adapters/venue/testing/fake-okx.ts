import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { abs, div, type Fixed, fixed, fromInt, mul, ONE, toText } from '../../../domain/ledger/fixed.js';
import { exchangeInfoPath, leverageBracketsPath } from './fake-binance.js';
import {
  FakeBinanceEngine,
  type FakeEngineOptions,
  type IncomeRecord,
  type UserEvent,
} from './fake-binance-engine.js';
import type { FakeMarket } from './fake-binance-market.js';
import { BinanceApiError, rulesFromExchangeInfo } from './fake-binance-rules.js';
import {
  fundingRow,
  marketMark,
  okxCandles,
  okxFundingHistory,
  okxTicker,
  onTick,
} from './fake-okx-market.js';
import {
  type AlgoOrdType,
  type AlgoRecord,
  type AlgoState,
  type AlgoTrigger,
  algoJson,
  type BillRecord,
  balanceJson,
  baseOf,
  billJson,
  billKindOf,
  type Category,
  cancelFailed,
  clientIdOf,
  clOrdIdTaken,
  contractsOf,
  decimalParam,
  type Envelope,
  envelope,
  type Fill,
  type FillRecord,
  fillJson,
  fromEngine,
  type Instrument,
  type ItemResult,
  idPage,
  instrumentJson,
  instrumentMissing,
  insufficientMargin,
  isPending,
  itemsEnvelope,
  LIMITS,
  listingFromBinance,
  type MgnMode,
  nothingToReduce,
  OkxApiError,
  OkxRateLimiter,
  type OrderRecord,
  type OrdState,
  type OrdType,
  orderJson,
  orderMissing,
  orderPushJson,
  type Params,
  type PositionView,
  type PxType,
  paramEmpty,
  paramError,
  paramsFromBody,
  positionFigures,
  positionJson,
  rateLimited,
  type Side,
  sameDirection,
  tierJson,
  timeWindow,
  type WalletView,
} from './fake-okx-wire.js';

/**
 * What the server does to the next matching request instead of answering it normally.
 * - delay: answers after `ms`.
 * - timeout: does the work, never answers (the client's timeout fires; the exchange has acted).
 * - garbage: does the work, answers `status` with `body` (not what the API promises).
 * - reset: drops the connection before doing anything (unless `process`).
 * - throttle: answers HTTP 429 with code 50011, without acting.
 */
export interface OkxFault {
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
  /** OKX's code; null when no envelope was answered. */
  readonly code: string | null;
  /** The exchange's clock when the request arrived. */
  readonly time: number;
}

export interface FakeOkxOptions extends FakeEngineOptions {
  readonly apiKey?: string;
  readonly secret?: string;
  readonly passphrase?: string;
  /** False: requests are counted but never refused (faults can still throttle). */
  readonly rateLimits?: false;
  /** Merged over what GET /api/v5/account/config reports: a main account's trading key bound to one IP. */
  readonly keyInfo?: Readonly<Record<string, unknown>>;
  /**
   * The account's commission rates, positive as a rate is usually written; OKX's regular tier for
   * USDT-margined swaps (maker 0.02 %, taker 0.05 %) by default. The API reports them negated.
   */
  readonly feeRates?: { readonly maker: string; readonly taker: string };
  /**
   * Market data for GET /api/v5/market/candles and /market/history-candles, /public/funding-rate-history,
   * /public/mark-price and /market/tickers, released as the clock passes it (fake-okx-market.ts): the
   * recorded market (keyed by Binance's symbol names, BTCUSDT) served as OKX's.
   */
  readonly market?: FakeMarket;
  /** Instruments (BTC-USDT-SWAP) the exchange trades at the market's mark as its clock passes. */
  readonly followMarket?: readonly string[];
  /**
   * OKX's own listing of a swap where it is not Binance's recorded one: every swap's row (re-spelled from
   * Binance's, listTime its onboardDate) passes through and the row returned is what OKX lists, same instId
   * and symbol (`(i) => i.symbol === 'BTCUSDT' ? { ...i, tickSz: fixed('0.5') } : i`). The whole fake
   * answers by it (instruments, position-tiers, its own order checks and tiers); the engine underneath
   * keeps Binance's rules, so a tick or lot changed should be a multiple of Binance's.
   */
  readonly relist?: (i: Instrument) => Instrument;
}

/** A private-stream push as the exchange produced it, before it was fanned out to the subscriptions. */
export interface PrivateMessage {
  readonly channel: 'orders' | 'orders-algo' | 'balance_and_position';
  readonly time: number;
  readonly data: readonly Record<string, unknown>[];
}

const UID = '446556018520336384';
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Record<string, unknown>, k: string): string => {
  const v = o[k];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const byOrdId = (r: OrderRecord): bigint => BigInt(r.ordId);
const byAlgoId = (a: AlgoRecord): bigint => BigInt(a.algoId);
const byBillId = (x: { readonly billId: string }): bigint => BigInt(x.billId);
const sortDesc = <T>(rows: readonly T[], id: (t: T) => bigint): T[] =>
  [...rows].sort((a, b) => (id(a) < id(b) ? 1 : id(a) > id(b) ? -1 : 0));

/** An order the REST API is placing: what OKX's request says that the engine's Binance order cannot. */
interface OrderDraft {
  readonly clOrdId: string;
  readonly tag: string;
  readonly instId: string;
  readonly side: Side;
  readonly ordType: OrdType;
  readonly px: Fixed | null;
  readonly sz: Fixed;
  readonly tdMode: MgnMode;
  readonly reduceOnly: boolean;
  readonly lever: Fixed;
  record: OrderRecord | null;
}

interface AlgoDraft {
  readonly algoClOrdId: string;
  readonly instId: string;
  readonly side: Side;
  readonly ordType: AlgoOrdType;
  readonly sz: Fixed;
  readonly tdMode: MgnMode;
  readonly reduceOnly: boolean;
  readonly lever: Fixed;
  readonly trigger: AlgoTrigger;
  readonly last: Fixed | undefined;
  record: AlgoRecord | null;
}

/** An order as it stood at one change, with the fill that change was (null when it was not a fill). */
interface OrderItem {
  readonly record: OrderRecord;
  readonly snapshot: OrderRecord;
  readonly fill: Fill | null;
}

/** What changed in one synchronous run of the engine: it goes out on the private streams as one push a channel. */
interface Burst {
  readonly orders: OrderItem[];
  readonly algos: AlgoRecord[];
  /** balance_and_position pushes: the account's balance moved for a reason the orders do not show. */
  readonly accounts: Record<string, unknown>[];
  readonly expired: Set<OrderRecord>;
  readonly liquidated: Set<string>;
}

const emptyBurst = (): Burst => ({
  orders: [],
  algos: [],
  accounts: [],
  expired: new Set(),
  liquidated: new Set(),
});

/** A position's life, from when it opened from flat: OKX reports its fees, funding and PnL since then. */
interface PositionLife {
  readonly posId: string;
  mgnMode: MgnMode;
  cTime: number;
  uTime: number;
  tradeId: string;
  pnl: Fixed;
  fee: Fixed;
  fundingFee: Fixed;
  liqPenalty: Fixed;
}

/** An order no algo order placed. */
const NO_ALGO = { algoId: '', algoClOrdId: '', source: '' } as const;

const STATE_OF: Readonly<Record<string, OrdState>> = {
  NEW: 'live',
  PARTIALLY_FILLED: 'partially_filled',
  FILLED: 'filled',
  CANCELED: 'canceled',
  EXPIRED: 'canceled',
};

/** What the book needs of the server around it. */
interface BookContext {
  readonly engine: FakeBinanceEngine;
  instrumentOf(symbol: string): Instrument;
  /** The margin mode a new position or order of the instrument falls under now. */
  modeOf(instId: string): MgnMode;
  leverOf(instId: string, mode: MgnMode): Fixed;
  publish(burst: Burst): void;
}

/**
 * OKX's books kept from the engine's Binance user events: orders and algo orders with OKX's ids, states
 * and cancel sources, fills, bills and each position's life. The engine calls `observe` synchronously
 * while it matches; whatever one run changed is handed to `publish` once the run is over.
 */
class OkxBook {
  readonly orders = new Map<string, OrderRecord>();
  readonly algos = new Map<string, AlgoRecord>();
  readonly fills: FillRecord[] = [];
  readonly bills: BillRecord[] = [];
  private readonly byEngineOrder = new Map<number, OrderRecord>();
  private readonly engineOrderIds = new Map<string, number>();
  private readonly byEngineAlgo = new Map<number, AlgoRecord>();
  private readonly engineAlgoIds = new Map<string, number>();
  private readonly lives = new Map<string, PositionLife>();
  private orderDraft: OrderDraft | null = null;
  private algoDraft: AlgoDraft | null = null;
  private triggering: AlgoRecord | null = null;
  private nextOrdId = 2_657_625_147_249_614_848n;
  private nextAlgoId = 1_876_543_210_987_654_321n;
  private nextBillId = 2_301_467_953_140_875_264n;
  private nextPosId = 1_398_765_432_109_876_543n;
  private burst = emptyBurst();
  private scheduled = false;

  constructor(private readonly ctx: BookContext) {}

  engineOrderId(r: OrderRecord): number | undefined {
    return this.engineOrderIds.get(r.ordId);
  }

  engineAlgoId(a: AlgoRecord): number | undefined {
    return this.engineAlgoIds.get(a.algoId);
  }

  life(instId: string): PositionLife | undefined {
    return this.lives.get(instId);
  }

  /** The latest order of the instrument with that clOrdId: OKX answers the latest when one was reused. */
  byClOrdId(instId: string, clOrdId: string): OrderRecord | undefined {
    let found: OrderRecord | undefined;
    for (const r of this.orders.values()) if (r.instId === instId && r.clOrdId === clOrdId) found = r;
    return found;
  }

  byAlgoClOrdId(algoClOrdId: string): AlgoRecord | undefined {
    let found: AlgoRecord | undefined;
    for (const a of this.algos.values()) if (a.algoClOrdId === algoClOrdId) found = a;
    return found;
  }

  /** Runs the engine call that places `d`; the order's NEW event (read in `observe`) becomes its record. */
  place(d: OrderDraft, run: () => void): OrderRecord {
    this.orderDraft = d;
    try {
      run();
    } finally {
      this.orderDraft = null;
    }
    if (d.record === null) throw new Error(`fake okx: the engine placed no order for ${d.instId}`);
    return d.record;
  }

  placeAlgo(d: AlgoDraft, run: () => void): AlgoRecord {
    this.algoDraft = d;
    try {
      run();
    } finally {
      this.algoDraft = null;
    }
    if (d.record === null) throw new Error(`fake okx: the engine placed no algo order for ${d.instId}`);
    return d.record;
  }

  /**
   * OKX accepts a post-only order that would take, or a fill-or-kill it cannot fill whole, and cancels it
   * at once (cancelSource 31, 13); Binance's engine refuses both without a record, so it is made here.
   */
  stillborn(d: OrderDraft, cancelSource: string): OrderRecord {
    const r = this.orderFrom(d, this.ctx.engine.time(), 'normal', NO_ALGO);
    r.state = 'canceled';
    r.cancelSource = cancelSource;
    this.note(r, null);
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
      // Orders a liquidation swept away were cancelled by the risk system, not for their own reasons.
      for (const item of b.orders)
        if (b.expired.has(item.record) && b.liquidated.has(item.record.instId)) {
          item.record.cancelSource = '3';
          if (item.snapshot.state === 'canceled') item.snapshot.cancelSource = '3';
        }
      this.ctx.publish(b);
    });
  }

  private note(r: OrderRecord, fill: Fill | null): void {
    this.burst.orders.push({ record: r, snapshot: { ...r }, fill });
    this.schedule();
  }

  private orderFrom(
    d: Omit<OrderDraft, 'record'>,
    time: number,
    category: Category,
    algo: { algoId: string; algoClOrdId: string; source: string },
  ): OrderRecord {
    const r: OrderRecord = {
      ordId: String(++this.nextOrdId),
      clOrdId: d.clOrdId,
      tag: d.tag,
      instId: d.instId,
      side: d.side,
      ordType: d.ordType,
      px: d.px,
      sz: d.sz,
      tdMode: d.tdMode,
      reduceOnly: d.reduceOnly,
      lever: d.lever,
      category,
      algoId: algo.algoId,
      algoClOrdId: algo.algoClOrdId,
      source: algo.source,
      cTime: time,
      state: 'live',
      accFillSz: 0n,
      fillValue: 0n,
      fee: 0n,
      feeCcy: 'USDT',
      pnl: 0n,
      last: null,
      cancelSource: '',
      uTime: time,
    };
    this.orders.set(r.ordId, r);
    return r;
  }

  private onOrder(o: Record<string, unknown>): void {
    const engineId = Number(o.i);
    let r = this.byEngineOrder.get(engineId);
    if (r === undefined) {
      r = this.adoptOrder(o);
      this.byEngineOrder.set(engineId, r);
      this.engineOrderIds.set(r.ordId, engineId);
    }
    const x = str(o, 'x');
    r.uTime = Number(o.T);
    const fill = x === 'TRADE' || x === 'CALCULATED' ? this.onFill(r, o) : null;
    r.state = STATE_OF[str(o, 'X')] ?? r.state;
    if (x === 'CANCELED') r.cancelSource = '1';
    else if (x === 'EXPIRED') {
      r.cancelSource = cancelSourceOf(r);
      this.burst.expired.add(r);
    }
    this.note(r, fill);
  }

  /** The record a new engine order belongs to: the REST draft, an algo order firing, or the exchange's own. */
  private adoptOrder(o: Record<string, unknown>): OrderRecord {
    const time = Number(o.T);
    const d = this.orderDraft;
    if (d !== null && d.record === null) {
      d.record = this.orderFrom(d, time, 'normal', NO_ALGO);
      return d.record;
    }
    const i = this.ctx.instrumentOf(str(o, 's'));
    const firing = this.triggering;
    if (firing !== null) {
      this.triggering = null;
      const child = this.orderFrom(
        {
          clOrdId: '',
          tag: '',
          instId: i.instId,
          side: firing.side,
          ordType: 'market',
          px: null,
          sz: firing.sz,
          tdMode: firing.tdMode,
          reduceOnly: firing.reduceOnly,
          lever: firing.lever,
        },
        time,
        'normal',
        {
          algoId: firing.algoId,
          algoClOrdId: firing.algoClOrdId,
          source: firing.ordType === 'conditional' ? '7' : '6',
        },
      );
      firing.ordId = child.ordId;
      return child;
    }
    return this.adoptOwn(o, i, time);
  }

  /** An order the exchange placed itself (liquidation, ADL) or a test placed on the engine directly. */
  private adoptOwn(o: Record<string, unknown>, i: Instrument, time: number): OrderRecord {
    const client = str(o, 'c');
    const liquidation = client.startsWith('autoclose-');
    const adl = client === 'adl_autoclose';
    const sz = contractsOf(i, fixed(str(o, 'q')));
    const held = abs(contractsOf(i, this.ctx.engine.position(i.symbol)));
    const category: Category = liquidation
      ? sz >= held
        ? 'full_liquidation'
        : 'partial_liquidation'
      : adl
        ? 'adl'
        : 'normal';
    if (liquidation) this.burst.liquidated.add(i.instId);
    const limit = str(o, 'o') === 'LIMIT';
    const tif = str(o, 'f');
    const mode = this.ctx.modeOf(i.instId);
    return this.orderFrom(
      {
        clOrdId: liquidation || adl || client.startsWith('fake-') ? '' : client,
        tag: '',
        instId: i.instId,
        side: str(o, 'S') === 'BUY' ? 'buy' : 'sell',
        ordType: !limit
          ? 'market'
          : tif === 'GTX'
            ? 'post_only'
            : tif === 'IOC'
              ? 'ioc'
              : tif === 'FOK'
                ? 'fok'
                : 'limit',
        px: limit ? fixed(str(o, 'p')) : null,
        sz,
        tdMode: mode,
        reduceOnly: o.R === true,
        lever: this.ctx.leverOf(i.instId, mode),
      },
      time,
      category,
      NO_ALGO,
    );
  }

  private onFill(r: OrderRecord, o: Record<string, unknown>): Fill {
    const i = this.ctx.instrumentOf(str(o, 's'));
    const engine = this.ctx.engine;
    const base = fixed(str(o, 'l'));
    const price = fixed(str(o, 'L'));
    const commission = o.n === undefined ? 0n : fixed(str(o, 'n'));
    const feeCcy = str(o, 'N') || 'USDT';
    const maker = o.m === true;
    const fill: Fill = {
      tradeId: str(o, 't'),
      billId: String(++this.nextBillId),
      fillPx: price,
      fillSz: contractsOf(i, base),
      fee: -commission,
      feeCcy,
      pnl: fixed(str(o, 'rp') || '0'),
      // OKX gives a liquidation's or ADL's fill no liquidity side.
      execType: r.category !== 'normal' ? '' : maker ? 'M' : 'T',
      markPx: engine.priceOf(i.symbol) ?? price,
      time: Number(o.T),
    };
    r.accFillSz += fill.fillSz;
    r.fillValue += mul(fill.fillSz, price);
    r.fee += fill.fee;
    r.feeCcy = feeCcy;
    r.pnl += fill.pnl;
    r.last = fill;
    this.book(r, i, fill, base);
    return fill;
  }

  /** The fill's record, its bill, and what it did to the position's life. */
  private book(r: OrderRecord, i: Instrument, fill: Fill, base: Fixed): void {
    const kind = billKindOf(r.category, r.side);
    this.fills.push({
      fill,
      instId: r.instId,
      ordId: r.ordId,
      clOrdId: r.clOrdId,
      tag: r.tag,
      side: r.side,
      subType: kind.subType,
      system: r.category !== 'normal',
    });
    const usdtFee = fill.feeCcy === 'USDT' ? fill.fee : 0n;
    this.bills.push({
      billId: fill.billId,
      ...kind,
      instId: r.instId,
      mgnMode: r.tdMode,
      ordId: r.ordId,
      clOrdId: r.clOrdId,
      tradeId: r.category === 'normal' ? fill.tradeId : `-${fill.tradeId}`,
      execType: fill.execType,
      sz: fill.fillSz,
      px: fill.fillPx,
      balChg: fill.pnl + usdtFee,
      bal: this.ctx.engine.balance,
      pnl: fill.pnl,
      fee: usdtFee,
      markPx: fill.markPx,
      ts: fill.time,
    });
    const after = this.ctx.engine.position(i.symbol);
    const before = after - (r.side === 'buy' ? base : -base);
    const life = this.lifeOf(r.instId, before === 0n, r.tdMode, fill.time);
    life.tradeId = fill.tradeId;
    life.pnl += fill.pnl;
    life.fee += usdtFee;
  }

  /** The instrument's position life, started over when the position opens from flat. */
  private lifeOf(instId: string, opening: boolean, mode: MgnMode, time: number): PositionLife {
    let life = this.lives.get(instId);
    if (life === undefined) {
      life = {
        posId: String(++this.nextPosId),
        mgnMode: mode,
        cTime: time,
        uTime: time,
        tradeId: '',
        pnl: 0n,
        fee: 0n,
        fundingFee: 0n,
        liqPenalty: 0n,
      };
      this.lives.set(instId, life);
    } else if (opening) {
      Object.assign(life, { mgnMode: mode, cTime: time, pnl: 0n, fee: 0n, fundingFee: 0n, liqPenalty: 0n });
    }
    life.uTime = Math.max(life.uTime, time);
    return life;
  }

  /** `time`: the event's E, which ALGO_UPDATE (unlike ORDER_TRADE_UPDATE) carries outside the order. */
  private onAlgo(o: Record<string, unknown>, time: number): void {
    const engineId = Number(o.aid);
    let a = this.byEngineAlgo.get(engineId);
    if (a === undefined) {
      a = this.adoptAlgo(o, time);
      this.byEngineAlgo.set(engineId, a);
      this.engineAlgoIds.set(a.algoId, engineId);
    }
    a.uTime = time;
    const next = this.algoStateOf(a, str(o, 'X'), time);
    if (next === null) return;
    a.state = next;
    this.burst.algos.push({ ...a });
  }

  /** OKX's state for the engine's algo status; null for the engine's steps OKX does not report. */
  private algoStateOf(a: AlgoRecord, status: string, time: number): AlgoState | null {
    switch (status) {
      case 'NEW':
        return 'live';
      case 'TRIGGERING':
        this.triggering = a;
        a.triggerTime = time;
        return null;
      case 'TRIGGERED':
        // The order it placed has already reported itself (and reports its fills next).
        return 'effective';
      case 'CANCELED':
      case 'EXPIRED':
        return 'canceled';
      case 'REJECTED':
        this.triggering = null;
        a.failCode = a.reduceOnly ? '51169' : insufficientMargin().code;
        return 'order_failed';
      default:
        return null;
    }
  }

  private adoptAlgo(o: Record<string, unknown>, time: number): AlgoRecord {
    const d = this.algoDraft;
    const i = this.ctx.instrumentOf(str(o, 's'));
    const base = d ?? this.ownAlgo(o, i);
    const a: AlgoRecord = {
      algoId: String(++this.nextAlgoId),
      algoClOrdId: base.algoClOrdId,
      instId: base.instId,
      side: base.side,
      ordType: base.ordType,
      sz: base.sz,
      tdMode: base.tdMode,
      reduceOnly: base.reduceOnly,
      lever: base.lever,
      trigger: base.trigger,
      last: base.last,
      cTime: time,
      state: 'live',
      ordId: '',
      triggerTime: 0,
      failCode: '',
      uTime: time,
    };
    this.algos.set(a.algoId, a);
    if (d !== null) d.record = a;
    return a;
  }

  /** A conditional order placed on the engine directly (by a test, as a person on the website would). */
  private ownAlgo(o: Record<string, unknown>, i: Instrument): Omit<AlgoDraft, 'record'> {
    const client = str(o, 'caid');
    const mode = this.ctx.modeOf(i.instId);
    return {
      algoClOrdId: client.startsWith('fake-') ? '' : client,
      instId: i.instId,
      side: str(o, 'S') === 'BUY' ? 'buy' : 'sell',
      ordType: 'trigger',
      sz: contractsOf(i, fixed(str(o, 'q'))),
      tdMode: mode,
      reduceOnly: o.R === true,
      lever: this.ctx.leverOf(i.instId, mode),
      trigger: {
        leg: 'trigger',
        px: fixed(str(o, 'tp')),
        pxType: str(o, 'wt') === 'MARK_PRICE' ? 'mark' : 'last',
      },
      last: this.ctx.engine.priceOf(i.symbol),
    };
  }

  private onAccount(a: Record<string, unknown>): void {
    const income = this.ctx.engine.incomes().at(-1);
    if (income === undefined) return;
    if (str(a, 'm') === 'FUNDING_FEE') this.onFunding(income);
    else this.onClearance(income);
  }

  /** A funding settlement: a type 8 bill, 173 when the account paid, 174 when it received. */
  private onFunding(income: IncomeRecord): void {
    const engine = this.ctx.engine;
    const i = this.ctx.instrumentOf(income.symbol);
    const settled = engine
      .fundingRates({
        symbol: i.symbol,
        startTime: String(income.time),
        endTime: String(income.time),
        limit: '1000',
      })
      .at(-1);
    const mark = settled === undefined ? 0n : fixed(str(settled, 'markPrice'));
    const life = this.lifeOf(i.instId, false, this.ctx.modeOf(i.instId), income.time);
    life.fundingFee += income.income;
    this.bills.push({
      billId: String(++this.nextBillId),
      type: '8',
      subType: income.income < 0n ? '173' : '174',
      instId: i.instId,
      mgnMode: life.mgnMode,
      ordId: '',
      clOrdId: '',
      tradeId: '',
      execType: '',
      sz: abs(contractsOf(i, engine.position(i.symbol))),
      px: mark,
      balChg: income.income,
      bal: engine.balance,
      pnl: income.income,
      fee: 0n,
      markPx: mark,
      ts: income.time,
    });
    // What the account channel says of it: the balance moved for a funding fee, and the new balance.
    const now = String(engine.time());
    this.burst.accounts.push({
      pTime: now,
      eventType: 'funding_fee',
      balData: [{ ccy: 'USDT', cashBal: toText(engine.balance), uTime: now }],
      posData: [],
      trades: [],
    });
  }

  /**
   * The clearance fee a liquidation pays the insurance fund: OKX counts the penalty in the liquidation
   * order's pnl (cross margin) and the position's liqPenalty; here it is also a type 5 bill of its own.
   */
  private onClearance(income: IncomeRecord): void {
    const i = this.ctx.instrumentOf(income.symbol);
    const liquidation = [...this.orders.values()]
      .reverse()
      .find((r) => r.instId === i.instId && r.category.endsWith('liquidation'));
    const life = this.lifeOf(i.instId, false, this.ctx.modeOf(i.instId), income.time);
    life.liqPenalty += income.income;
    if (liquidation !== undefined) liquidation.pnl += income.income;
    this.bills.push({
      billId: String(++this.nextBillId),
      ...billKindOf(liquidation?.category ?? 'full_liquidation', liquidation?.side ?? 'sell'),
      instId: i.instId,
      mgnMode: life.mgnMode,
      ordId: liquidation?.ordId ?? '',
      clOrdId: '',
      tradeId: '',
      execType: '',
      sz: 0n,
      px: this.ctx.engine.priceOf(i.symbol) ?? 0n,
      balChg: income.income,
      bal: this.ctx.engine.balance,
      pnl: income.income,
      fee: 0n,
      markPx: this.ctx.engine.priceOf(i.symbol) ?? 0n,
      ts: income.time,
    });
  }
}

/**
 * Why OKX cancelled an order the engine expired: a reduce-only order with nothing left to reduce (17),
 * the unfilled rest of a market or IOC order (14); a liquidation's victims are relabelled (3) when the
 * burst is published.
 */
const cancelSourceOf = (r: OrderRecord): string => {
  if (r.reduceOnly) return '17';
  if (r.ordType === 'market' || r.ordType === 'ioc' || r.ordType === 'optimal_limit_ioc') return '14';
  return '0';
};

interface PrivateStream {
  readonly ws: WebSocket;
  readonly connId: string;
  /** Which of OKX's private URLs it is on: /ws/v5/private (orders) or /ws/v5/business (orders-algo). */
  readonly url: 'private' | 'business';
  authed: boolean;
  readonly subs: Map<string, Readonly<Record<string, string>>>;
}

/** The channels each private URL serves. */
const CHANNELS: Readonly<Record<PrivateStream['url'], PrivateMessage['channel']>> = {
  private: 'orders',
  business: 'orders-algo',
};

const INST_TYPES = new Set(['SPOT', 'MARGIN', 'SWAP', 'FUTURES', 'OPTION', 'ANY']);

interface RequestData {
  readonly query: Params;
  /** A POST's JSON: one object, or a batch endpoint's array. */
  readonly body: Params | readonly Params[] | null;
}

type Route = { readonly signed: boolean; readonly run: (r: RequestData) => Envelope };

/**
 * A local OKX v5 server for USDT-margined perpetual swaps, a protocol front-end over the same matching
 * engine FakeBinance uses: OKX requests become the engine's Binance-style calls (sizes in contracts become
 * base quantities), and the engine's user events become OKX's orders, algo orders, fills, bills and
 * private-stream pushes, so matching is shared and only the wire differs. It serves the REST subset ccxt's
 * okx uses for a swap account in net mode — the listing, orders and algo orders, fills, positions, the
 * balance, fee rates, bills, account settings — with OKX's HMAC-SHA256/base64 signature, passphrase and
 * timestamp checks, its codes and per-endpoint rate limits, and the private websockets at /ws/v5/private
 * (login, `orders`) and /ws/v5/business (login, `orders-algo`), with the text ping. Tests drive the market
 * through `engine` and break things through `fault` and `dropPrivateStreams`.
 */
export class FakeOkx {
  readonly engine: FakeBinanceEngine;
  readonly apiKey: string;
  readonly secret: string;
  readonly passphrase: string;
  readonly requests: LoggedRequest[] = [];
  /** Every private-stream push the exchange produced, delivered or not. */
  readonly messages: PrivateMessage[] = [];
  private readonly listing: ReadonlyMap<string, Instrument>;
  private readonly bySymbol: ReadonlyMap<string, Instrument>;
  private readonly book: OkxBook;
  private readonly limiter: OkxRateLimiter;
  private readonly routes: ReadonlyMap<string, Route>;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Map<WebSocket, PrivateStream>();
  private readonly faults: { fault: OkxFault; left: number }[] = [];
  /** Leverage per instrument and margin mode, as OKX keeps it. */
  private readonly leverages = new Map<string, Fixed>();
  private posMode: 'net_mode' | 'long_short_mode' = 'net_mode';
  private readonly keyInfo: Readonly<Record<string, unknown>>;
  private streamsRefused = false;
  private dropAfter: number | null = null;
  private corrupt = 0;
  private port = 0;
  private readonly market: FakeMarket | undefined;
  private readonly followed: readonly Instrument[];
  private readonly followedAt = new Map<string, Fixed>();

  private constructor(opts: FakeOkxOptions) {
    this.apiKey = opts.apiKey ?? 'fake-okx-key-6f1c2d3e-4b5a-6978';
    this.secret = opts.secret ?? 'FAKEOKXSECRET0123456789ABCDEF01';
    this.passphrase = opts.passphrase ?? 'Fake-Okx-Passphrase-1';
    const info: unknown = JSON.parse(readFileSync(exchangeInfoPath, 'utf8'));
    const brackets: unknown = JSON.parse(readFileSync(leverageBracketsPath, 'utf8'));
    const relist = opts.relist ?? ((i: Instrument) => i);
    this.listing = new Map([...listingFromBinance(info, brackets)].map(([id, i]) => [id, relist(i)]));
    this.bySymbol = new Map([...this.listing.values()].map((i) => [i.symbol, i]));
    this.engine = new FakeBinanceEngine(
      rulesFromExchangeInfo(info as Parameters<typeof rulesFromExchangeInfo>[0]),
      opts,
    );
    this.engine.feeRates = {
      maker: fixed(opts.feeRates?.maker ?? '0.0002'),
      taker: fixed(opts.feeRates?.taker ?? '0.0005'),
    };
    this.book = new OkxBook({
      engine: this.engine,
      instrumentOf: (symbol) => this.instrumentOfSymbol(symbol),
      modeOf: (instId) => this.modeOf(instId) ?? 'cross',
      leverOf: (instId, mode) => this.leverOf(instId, mode),
      publish: (b) => this.publish(b),
    });
    this.engine.onEvent = (e) => this.book.observe(e);
    this.limiter = new OkxRateLimiter(() => this.engine.time(), opts.rateLimits !== false);
    this.keyInfo = opts.keyInfo ?? {};
    this.routes = this.buildRoutes();
    this.market = opts.market;
    this.followed = (opts.followMarket ?? []).map((id) => this.instrument(id));
    this.server = http.createServer((req, res) => this.serve(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  static async start(opts: FakeOkxOptions = {}): Promise<FakeOkx> {
    const f = new FakeOkx(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.port = (f.server.address() as AddressInfo).port;
    return f;
  }

  /** Where ccxt's urls.api.rest points. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The private streams are `${wsOrigin}/ws/v5/private` and `/ws/v5/business`: ccxt's urls.api.ws is `${wsOrigin}/ws/v5`. */
  get wsOrigin(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The listed swap `instId` (BTC-USDT-SWAP): its engine symbol, contract value, lot and tick. */
  instrument(instId: string | undefined): Instrument {
    const i = instId === undefined ? undefined : this.listing.get(instId);
    if (i === undefined) throw instrumentMissing();
    return i;
  }

  fault(f: OkxFault): void {
    this.faults.push({ fault: f, left: f.times ?? 1 });
  }

  /**
   * Closes every private stream now, or after `afterMessages` more pushes have gone out to a subscriber
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

  /** The next `n` pushes that reach a subscriber go out mangled (the exchange still acted). */
  corruptPrivateMessages(n = 1): void {
    this.corrupt += n;
  }

  /** Open connections to /ws/v5/private and /ws/v5/business, logged in or not. */
  get privateStreams(): number {
    return this.streams.size;
  }

  /** Logged-in connections subscribed to `channel` ("orders", "orders-algo"). */
  subscribers(channel: string): number {
    let n = 0;
    for (const s of this.streams.values())
      if (s.authed && [...s.subs.values()].some((a) => a.channel === channel)) n++;
    return n;
  }

  /** Requests to paths the fake does not serve: ccxt reaching for something the tests did not expect. */
  unknownRequests(): LoggedRequest[] {
    return this.requests.filter((r) => r.status === 404);
  }

  /** Requests refused with code 50011. */
  throttled(): LoggedRequest[] {
    return this.requests.filter((r) => r.code === '50011');
  }

  async close(): Promise<void> {
    this.closeStreams();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- routes -------------------------------------------------------------------------------------

  private buildRoutes(): Map<string, Route> {
    const q = (handler: (p: Params) => unknown[]) => (r: RequestData) => envelope('0', '', handler(r.query));
    const open = (handler: (p: Params) => unknown[]): Route => ({ signed: false, run: q(handler) });
    const read = (handler: (p: Params) => unknown[]): Route => ({ signed: true, run: q(handler) });
    const write = (handler: (p: Params) => unknown[]): Route => ({
      signed: true,
      run: (r) => envelope('0', '', handler(oneBody(r))),
    });
    // Order endpoints answer per order; a batch takes an array of what the single endpoint takes.
    const perOrder = (handler: (p: Params) => ItemResult, batch: number | null): Route => ({
      signed: true,
      run: (r) => itemsEnvelope((batch === null ? [oneBody(r)] : manyBodies(r, batch)).map(handler)),
    });
    return new Map<string, Route>([
      ['GET /api/v5/public/time', open(() => [{ ts: String(this.engine.time()) }])],
      ['GET /api/v5/public/instruments', open((p) => this.instruments(p))],
      ['GET /api/v5/public/position-tiers', open((p) => this.positionTiers(p))],
      ['GET /api/v5/public/funding-rate-history', open((p) => this.fundingRateHistory(p))],
      ['GET /api/v5/public/mark-price', open((p) => this.markPrice(p))],
      ['GET /api/v5/market/candles', open((p) => this.candles(p, false))],
      ['GET /api/v5/market/history-candles', open((p) => this.candles(p, true))],
      ['GET /api/v5/market/tickers', open((p) => this.tickers(p))],
      ['POST /api/v5/trade/order', perOrder((p) => this.placeItem(p), null)],
      ['POST /api/v5/trade/batch-orders', perOrder((p) => this.placeItem(p), 20)],
      ['POST /api/v5/trade/cancel-order', perOrder((p) => this.cancelItem(p), null)],
      ['POST /api/v5/trade/cancel-batch-orders', perOrder((p) => this.cancelItem(p), 20)],
      ['GET /api/v5/trade/order', read((p) => this.order(p))],
      ['GET /api/v5/trade/orders-pending', read((p) => this.ordersPending(p))],
      ['GET /api/v5/trade/orders-history', read((p) => this.ordersHistory(p, 7 * DAY))],
      ['GET /api/v5/trade/orders-history-archive', read((p) => this.ordersHistory(p, 90 * DAY))],
      ['GET /api/v5/trade/fills', read((p) => this.fills(p, 3 * DAY))],
      ['GET /api/v5/trade/fills-history', read((p) => this.fills(p, 90 * DAY))],
      ['POST /api/v5/trade/order-algo', perOrder((p) => this.placeAlgoItem(p), null)],
      ['POST /api/v5/trade/cancel-algos', perOrder((p) => this.cancelAlgoItem(p), 10)],
      ['GET /api/v5/trade/order-algo', read((p) => this.algoOrder(p))],
      ['GET /api/v5/trade/orders-algo-pending', read((p) => this.algosPending(p))],
      ['GET /api/v5/trade/orders-algo-history', read((p) => this.algosHistory(p))],
      ['GET /api/v5/account/positions', read((p) => this.positions(p))],
      ['GET /api/v5/account/balance', read((p) => this.balance(p))],
      ['GET /api/v5/account/config', read(() => [this.config()])],
      ['GET /api/v5/account/leverage-info', read((p) => this.leverageInfo(p))],
      ['POST /api/v5/account/set-leverage', write((p) => this.setLeverage(p))],
      ['POST /api/v5/account/set-position-mode', write((p) => this.setPositionMode(p))],
      ['GET /api/v5/account/trade-fee', read((p) => this.tradeFee(p))],
      ['GET /api/v5/account/bills', read((p) => this.bills(p, 7 * DAY))],
      ['GET /api/v5/account/bills-archive', read((p) => this.bills(p, 90 * DAY))],
      // ccxt's loadMarkets asks for the coins whenever it has credentials; the fake has no deposit or
      // withdrawal chains to list, so ccxt builds its currencies from the markets instead.
      ['GET /api/v5/asset/currencies', read(() => [])],
    ]);
  }

  private instrumentOfSymbol(symbol: string): Instrument {
    const i = this.bySymbol.get(symbol);
    if (i === undefined) throw new Error(`fake okx: ${symbol} is not listed`);
    return i;
  }

  /** Instruments a list filter names: instId, or the family (uly / instFamily), or all of them. */
  private selected(p: Params): Instrument[] {
    if (p.instId !== undefined && p.instId !== '') return [this.instrument(p.instId)];
    const family = p.instFamily || p.uly;
    const all = [...this.listing.values()];
    return family === undefined || family === '' ? all : all.filter((i) => i.family === family);
  }

  // --- market data --------------------------------------------------------------------------------

  private instruments(p: Params): unknown[] {
    if (swapOnly(p, true) === false) return [];
    return this.selected(p).map(instrumentJson);
  }

  /** Sized at the contract's price now (the engine's, else the market's mark): OKX's tiers are contracts. */
  private positionTiers(p: Params): unknown[] {
    if (swapOnly(p, true) === false) return [];
    if (p.tdMode !== 'cross' && p.tdMode !== 'isolated')
      throw p.tdMode ? paramError('tdMode') : paramEmpty('tdMode');
    const families = (p.instFamily || p.uly || '').split(',').filter((f) => f !== '');
    if (families.length === 0) throw paramEmpty('instFamily');
    const rows: unknown[] = [];
    for (const family of families)
      for (const i of this.listing.values()) {
        if (i.family !== family) continue;
        // A symbol the test never priced has no mark (GET /public/mark-price leaves it out) and so no
        // tiers in contracts: it is listed without them, where OKX, which always has a price, lists them.
        const price = this.priceOf(i);
        if (price === undefined) continue;
        for (const t of i.tiers)
          if (p.tier === undefined || p.tier === String(t.tier)) rows.push(tierJson(i, t, price));
      }
    return rows;
  }

  /** The contract's price now: the engine's, else the market's mark. */
  private priceOf(i: Instrument): Fixed | undefined {
    const traded = this.engine.priceOf(i.symbol);
    if (traded !== undefined || this.market === undefined) return traded;
    const mark = marketMark(this.market, this.engine.time(), i);
    return mark === undefined ? undefined : onTick(i, mark);
  }

  private fundingRateHistory(p: Params): unknown[] {
    if (!p.instId) throw paramEmpty('instId');
    const i = this.instrument(p.instId);
    const now = this.engine.time();
    if (this.market !== undefined) return okxFundingHistory(this.market, now, i, p);
    // Without a market, the settlements the test made on the engine (chargeFunding), newest first.
    const made = this.engine
      .fundingRates({ symbol: i.symbol, startTime: '0', endTime: String(now), limit: '1000' })
      .map((r) => fundingRow(i, Number(r.fundingTime), str(r, 'fundingRate')))
      .reverse();
    return idPage(made, (r) => BigInt(r.fundingTime ?? '0'), p);
  }

  /** The engine's price, else the market's mark. OKX's docs require instType; ccxt sends instId alone. */
  private markPrice(p: Params): unknown[] {
    if (swapOnly(p, !p.instId) === false) return [];
    const ts = String(this.engine.time());
    return this.selected(p).flatMap((i) => {
      const price = this.priceOf(i);
      return price === undefined ? [] : [{ instId: i.instId, instType: 'SWAP', markPx: toText(price), ts }];
    });
  }

  /** Every swap (or a family's), at its price now, with its day from the recorded market (okxTicker). */
  private tickers(p: Params): unknown[] {
    if (swapOnly(p, true) === false) return [];
    const now = this.engine.time();
    return this.selected(p).map((i) => okxTicker(this.market, now, i, this.priceOf(i)));
  }

  private candles(p: Params, history: boolean): unknown[] {
    if (!p.instId) throw paramEmpty('instId');
    const i = this.instrument(p.instId);
    if (this.market === undefined)
      throw new OkxApiError('51000', 'Parameter instId error: the fake was started without a market');
    return okxCandles(this.market, this.engine.time(), i, p, history);
  }

  // --- orders -------------------------------------------------------------------------------------

  private placeItem(p: Params): ItemResult {
    const ts = String(this.engine.time());
    try {
      const r = this.placeOrder(p);
      return { clOrdId: r.clOrdId, ordId: r.ordId, sCode: '0', sMsg: '', subCode: '', tag: r.tag, ts };
    } catch (e) {
      const refusal = this.refusal(e, p.instId);
      return {
        clOrdId: p.clOrdId ?? '',
        ordId: '',
        sCode: refusal.code,
        sMsg: refusal.msg,
        subCode: refusal.subCode,
        tag: p.tag ?? '',
        ts,
      };
    }
  }

  /** An error as OKX's refusal: the engine's Binance refusals translated; anything else is a bug in the fake. */
  private refusal(e: unknown, instId: string | undefined): OkxApiError {
    if (e instanceof OkxApiError) return e;
    if (e instanceof BinanceApiError) {
      const i = instId === undefined ? undefined : this.listing.get(instId);
      return fromEngine(e, i === undefined ? 0n : this.engine.position(i.symbol));
    }
    throw e;
  }

  private placeOrder(p: Params): OrderRecord {
    const i = this.instrumentParam(p);
    const tdMode = this.tdModeParam(p, i);
    const side = sideParam(p);
    this.checkPosSide(p);
    const ordType = ordTypeParam(p);
    const market = ordType === 'market' || ordType === 'optimal_limit_ioc';
    const sz = this.checkSize(i, decimalParam(p, 'sz'), market);
    const px = market ? null : this.checkPrice(i, decimalParam(p, 'px'));
    if (p.attachAlgoOrds !== undefined || p.tpTriggerPx || p.slTriggerPx)
      throw new OkxApiError(
        '51000',
        'Parameter attachAlgoOrds error: the fake has no attached TP/SL, place an algo order',
      );
    const clOrdId = clientIdOf(p.clOrdId, 'clOrdId');
    // Unique among the account's pending orders, on any instrument; a finished order's may be reused.
    if (
      clOrdId !== '' &&
      [...this.book.orders.values()].some((r) => r.clOrdId === clOrdId && isPending(r.state))
    )
      throw clOrdIdTaken();
    const reduceOnly = p.reduceOnly === 'true';
    if (reduceOnly) this.checkReduceOnly(i, side, sz);
    const d: OrderDraft = {
      clOrdId,
      tag: p.tag ?? '',
      instId: i.instId,
      side,
      ordType,
      px,
      sz,
      tdMode,
      reduceOnly,
      lever: this.leverOf(i.instId, tdMode),
      record: null,
    };
    this.applyLeverage(i, tdMode);
    return this.placeOnEngine(i, d);
  }

  /**
   * OKX's reduce-only rule in net mode: a position the other way, which the order and the reduce-only
   * orders pending on its side may not exceed; a larger order is refused whole, not trimmed (the engine,
   * Binance's, would trim a market one).
   */
  private checkReduceOnly(i: Instrument, side: Side, sz: Fixed): void {
    const pos = contractsOf(i, this.engine.position(i.symbol));
    if (pos === 0n) throw nothingToReduce();
    if (pos > 0n === (side === 'buy')) throw sameDirection();
    let pending = 0n;
    for (const r of this.book.orders.values())
      if (r.instId === i.instId && r.side === side && r.reduceOnly && isPending(r.state))
        pending += r.sz - r.accFillSz;
    if (sz + pending > abs(pos))
      throw new OkxApiError('51112', 'Close order size exceeds available size for this position.');
  }

  private placeOnEngine(i: Instrument, d: OrderDraft): OrderRecord {
    const limit = d.px !== null;
    const order: Record<string, string> = {
      symbol: i.symbol,
      side: d.side === 'buy' ? 'BUY' : 'SELL',
      type: limit ? 'LIMIT' : 'MARKET',
      quantity: toText(baseOf(i, d.sz)),
      ...(d.px === null ? {} : { price: toText(d.px), timeInForce: TIME_IN_FORCE[d.ordType] ?? 'GTC' }),
      ...(d.clOrdId === '' ? {} : { newClientOrderId: d.clOrdId }),
      ...(d.reduceOnly ? { reduceOnly: 'true' } : {}),
    };
    try {
      return this.book.place(d, () => this.engine.newOrder(order));
    } catch (e) {
      if (!(e instanceof BinanceApiError)) throw e;
      if (e.code === -5022) return this.book.stillborn(d, '31');
      if (e.code === -5021) return this.book.stillborn(d, '13');
      throw fromEngine(e, this.engine.position(i.symbol));
    }
  }

  private instrumentParam(p: Params): Instrument {
    if (!p.instId) throw paramEmpty('instId');
    return this.instrument(p.instId);
  }

  /**
   * tdMode cross or isolated. The engine holds one position an instrument, where OKX can hold a cross and
   * an isolated one side by side: an order in the other mode than the instrument's position or pending
   * orders is refused.
   */
  private tdModeParam(p: Params, i: Instrument): MgnMode {
    const mode = p.tdMode;
    if (mode === undefined || mode === '') throw paramEmpty('tdMode');
    if (mode !== 'cross' && mode !== 'isolated') throw paramError('tdMode');
    const current = this.modeOf(i.instId);
    if (current !== undefined && current !== mode)
      throw new OkxApiError(
        '51000',
        `Parameter tdMode error: the fake holds one ${current} position for ${i.instId}`,
      );
    return mode;
  }

  /** Net mode takes posSide net or none; long/short mode can be switched on, not traded in. */
  private checkPosSide(p: Params): void {
    const posSide = p.posSide ?? '';
    if (this.posMode === 'net_mode' && posSide !== '' && posSide !== 'net') throw paramError('posSide');
    if (this.posMode === 'long_short_mode')
      throw new OkxApiError(
        '51000',
        'Parameter posSide error: the fake cannot hold long/short mode positions',
      );
  }

  private checkSize(i: Instrument, sz: Fixed | undefined, market: boolean): Fixed {
    if (sz === undefined) throw paramEmpty('sz');
    if (sz <= 0n) throw paramError('sz');
    if (sz % i.lotSz !== 0n)
      throw new OkxApiError('51121', 'Order quantity must be a multiple of the lot size.');
    if (sz < i.minSz)
      throw new OkxApiError('51020', 'Your order should meet or exceed the minimum order amount.');
    if (market && sz > i.maxMktSz)
      throw new OkxApiError('51202', 'Market order amount exceeds the maximum amount.');
    if (!market && sz > i.maxLmtSz)
      throw new OkxApiError('51203', `Order amount exceeds the limit ${toText(i.maxLmtSz)}.`);
    return sz;
  }

  private checkPrice(i: Instrument, px: Fixed | undefined, name = 'px'): Fixed {
    if (px === undefined) throw new OkxApiError('51204', 'The price for the limit order cannot be empty.');
    if (px <= 0n || px % i.tickSz !== 0n) throw paramError(name);
    if (px < i.minPx || px > i.maxPx)
      throw new OkxApiError(
        '51006',
        `Order price is not within the price limit (max buy price: ${toText(i.maxPx)} min sell price: ${toText(i.minPx)})`,
      );
    return px;
  }

  private cancelItem(p: Params): ItemResult {
    const ts = String(this.engine.time());
    try {
      const r = this.cancelOrder(p);
      return { clOrdId: r.clOrdId, ordId: r.ordId, sCode: '0', sMsg: '', ts };
    } catch (e) {
      const refusal = this.refusal(e, p.instId);
      return { clOrdId: p.clOrdId ?? '', ordId: p.ordId ?? '', sCode: refusal.code, sMsg: refusal.msg, ts };
    }
  }

  private cancelOrder(p: Params): OrderRecord {
    const i = this.instrumentParam(p);
    const r = this.findOrder(p, i);
    if (r === undefined || !isPending(r.state)) throw cancelFailed();
    this.engine.cancelOrder({ symbol: i.symbol, orderId: String(this.book.engineOrderId(r)) });
    return r;
  }

  /** By ordId, else the latest by clOrdId; a cancelled order that never filled is kept for 2 hours only. */
  private findOrder(p: Params, i: Instrument): OrderRecord | undefined {
    if (!p.ordId && !p.clOrdId)
      throw new OkxApiError('51003', 'Either client order ID or order ID is required.');
    const r = p.ordId ? this.book.orders.get(p.ordId) : this.book.byClOrdId(i.instId, p.clOrdId ?? '');
    return r !== undefined && r.instId === i.instId && this.kept(r, Number.POSITIVE_INFINITY) ? r : undefined;
  }

  /** OKX keeps finished orders for `keptMs` (by list), and cancelled ones that never filled for 2 hours. */
  private kept(r: OrderRecord, keptMs: number): boolean {
    const age = this.engine.time() - r.uTime;
    if (r.state === 'canceled' && r.accFillSz === 0n && age > 2 * HOUR) return false;
    return isPending(r.state) || age <= keptMs;
  }

  private order(p: Params): unknown[] {
    const r = this.findOrder(p, this.instrumentParam(p));
    if (r === undefined) throw orderMissing();
    return [orderJson(r)];
  }

  /** Filters shared by the order lists: instrument type, family or id, order type, state, category. */
  private orderFilter(p: Params): (r: OrderRecord) => boolean {
    const instruments = new Set(this.selected(p).map((i) => i.instId));
    const types = p.ordType ? p.ordType.split(',') : null;
    return (r) =>
      instruments.has(r.instId) &&
      (types === null || types.includes(r.ordType)) &&
      (!p.state || p.state === r.state) &&
      (!p.category || p.category === r.category);
  }

  private ordersPending(p: Params): unknown[] {
    if (swapOnly(p, false) === false) return [];
    const keep = this.orderFilter(p);
    const rows = sortDesc(
      [...this.book.orders.values()].filter((r) => isPending(r.state) && keep(r)),
      byOrdId,
    );
    return idPage(rows, byOrdId, p).map(orderJson);
  }

  /** Finished orders of the last `keptMs`, newest first; instType is required. */
  private ordersHistory(p: Params, keptMs: number): unknown[] {
    if (swapOnly(p, true) === false) return [];
    const keep = this.orderFilter(p);
    const inWindow = timeWindow(p, this.engine.time(), keptMs);
    const rows = sortDesc(
      [...this.book.orders.values()].filter(
        (r) => !isPending(r.state) && keep(r) && inWindow(r.cTime) && this.kept(r, keptMs),
      ),
      byOrdId,
    );
    return idPage(rows, byOrdId, p).map(orderJson);
  }

  private fills(p: Params, keptMs: number): unknown[] {
    if (swapOnly(p, keptMs > 3 * DAY) === false) return [];
    const instruments = new Set(this.selected(p).map((i) => i.instId));
    const inWindow = timeWindow(p, this.engine.time(), keptMs);
    const rows = sortDesc(
      this.book.fills.filter(
        (x) =>
          instruments.has(x.instId) &&
          (!p.ordId || x.ordId === p.ordId) &&
          (!p.subType || x.subType === p.subType) &&
          inWindow(x.fill.time),
      ),
      (x) => BigInt(x.fill.billId),
    );
    return idPage(rows, (x) => BigInt(x.fill.billId), p).map(fillJson);
  }

  // --- algo orders --------------------------------------------------------------------------------

  /** clOrdId is OKX's deprecated name of the client id: the reply leaves it empty, as OKX's does. */
  private placeAlgoItem(p: Params): ItemResult {
    const reply = (algoId: string, algoClOrdId: string, sCode: string, sMsg: string): ItemResult => ({
      algoClOrdId,
      algoId,
      clOrdId: '',
      sCode,
      sMsg,
      tag: p.tag ?? '',
    });
    try {
      const a = this.placeAlgo(p);
      return reply(a.algoId, a.algoClOrdId, '0', '');
    } catch (e) {
      const refusal = this.refusal(e, p.instId);
      return reply('', p.algoClOrdId ?? '', refusal.code, refusal.msg);
    }
  }

  /**
   * A conditional order with one leg (stop-loss or take-profit) or a trigger order, each at the market
   * price once it fires (slOrdPx / tpOrdPx / orderPx "-1").
   */
  private placeAlgo(p: Params): AlgoRecord {
    const i = this.instrumentParam(p);
    const tdMode = this.tdModeParam(p, i);
    const side = sideParam(p);
    this.checkPosSide(p);
    if (p.closeFraction) throw new OkxApiError('51000', 'Parameter closeFraction error: the fake needs sz');
    const sz = this.checkSize(i, decimalParam(p, 'sz'), true);
    const ordType = p.ordType;
    if (ordType !== 'conditional' && ordType !== 'trigger')
      throw p.ordType
        ? new OkxApiError(
            '51000',
            'Parameter ordType error: the fake serves conditional and trigger algo orders',
          )
        : paramEmpty('ordType');
    const last = this.engine.priceOf(i.symbol);
    const trigger = ordType === 'conditional' ? this.legOf(p, i, side, last) : this.triggerOf(p, i, last);
    // Only algoClOrdId: the clOrdId ccxt sends (its createOrder's clientOrderId) is not an algo parameter.
    const algoClOrdId = clientIdOf(p.algoClOrdId, 'algoClOrdId');
    const held = algoClOrdId === '' ? undefined : this.book.byAlgoClOrdId(algoClOrdId);
    if (held?.state === 'live') throw new OkxApiError('51065', 'algoClOrdId already exists.');
    const d: AlgoDraft = {
      algoClOrdId,
      instId: i.instId,
      side,
      ordType,
      sz,
      tdMode,
      reduceOnly: p.reduceOnly === 'true',
      lever: this.leverOf(i.instId, tdMode),
      trigger,
      last,
      record: null,
    };
    this.applyLeverage(i, tdMode);
    return this.placeAlgoOnEngine(i, d);
  }

  /** The engine's conditional order: STOP_MARKET when it fires the way it trades, else TAKE_PROFIT_MARKET. */
  private placeAlgoOnEngine(i: Instrument, d: AlgoDraft): AlgoRecord {
    const buy = d.side === 'buy';
    const rising =
      d.trigger.leg === 'trigger'
        ? d.last !== undefined && d.trigger.px > d.last
        : (d.trigger.leg === 'sl') === buy;
    const algo: Record<string, string> = {
      algoType: 'CONDITIONAL',
      symbol: i.symbol,
      side: buy ? 'BUY' : 'SELL',
      type: rising === buy ? 'STOP_MARKET' : 'TAKE_PROFIT_MARKET',
      quantity: toText(baseOf(i, d.sz)),
      triggerPrice: toText(d.trigger.px),
      // The engine has one price: last, mark and index trigger alike.
      workingType: d.trigger.pxType === 'last' ? 'CONTRACT_PRICE' : 'MARK_PRICE',
      ...(d.algoClOrdId === '' ? {} : { clientAlgoId: d.algoClOrdId }),
      ...(d.reduceOnly ? { reduceOnly: 'true' } : {}),
    };
    return this.book.placeAlgo(d, () => this.engine.newAlgoOrder(algo));
  }

  /**
   * The leg of a conditional order, on the side of the last price it must be: a sell's stop-loss and a
   * buy's take-profit below it, a buy's stop-loss and a sell's take-profit above it. Given both legs, OKX
   * keeps the stop-loss and ignores the take-profit.
   */
  private legOf(p: Params, i: Instrument, side: Side, last: Fixed | undefined): AlgoTrigger {
    const sl = decimalParam(p, 'slTriggerPx');
    const tp = decimalParam(p, 'tpTriggerPx');
    if (sl === undefined && tp === undefined) throw paramEmpty('slTriggerPx');
    const leg = sl !== undefined ? 'sl' : 'tp';
    const px = this.checkPrice(i, sl ?? tp, `${leg}TriggerPx`);
    if ((p[`${leg}OrdPx`] ?? '-1') !== '-1')
      throw new OkxApiError(
        '51000',
        `Parameter ${leg}OrdPx error: the fake fires at the market price only (-1)`,
      );
    const below = (leg === 'sl') === (side === 'sell');
    if (last !== undefined && (below ? px >= last : px <= last)) throw wrongSide(leg, below);
    return { leg, px, pxType: pxTypeParam(p, `${leg}TriggerPxType`) };
  }

  /** A trigger order fires when the price reaches triggerPx from where it is now. */
  private triggerOf(p: Params, i: Instrument, last: Fixed | undefined): AlgoTrigger {
    const px = this.checkPrice(i, decimalParam(p, 'triggerPx'), 'triggerPx');
    if ((p.orderPx ?? '') !== '-1')
      throw new OkxApiError('51000', 'Parameter orderPx error: the fake fires at the market price only (-1)');
    if (last === undefined || px === last)
      throw new OkxApiError('51000', 'Parameter triggerPx error: it must differ from the last price');
    return { leg: 'trigger', px, pxType: pxTypeParam(p, 'triggerPxType') };
  }

  private cancelAlgoItem(p: Params): ItemResult {
    try {
      const a = this.findAlgo(p);
      if (a === undefined || a.state !== 'live' || (p.instId && p.instId !== a.instId))
        throw new OkxApiError(
          '51400',
          'Order cancellation failed as the order has been filled, canceled or does not exist.',
        );
      this.engine.cancelAlgoOrder({ algoId: String(this.book.engineAlgoId(a)) });
      return { algoClOrdId: a.algoClOrdId, algoId: a.algoId, sCode: '0', sMsg: '' };
    } catch (e) {
      const refusal = this.refusal(e, p.instId);
      return {
        algoClOrdId: p.algoClOrdId ?? '',
        algoId: p.algoId ?? '',
        sCode: refusal.code,
        sMsg: refusal.msg,
      };
    }
  }

  private findAlgo(p: Params): AlgoRecord | undefined {
    if (p.algoId) return this.book.algos.get(p.algoId);
    if (p.algoClOrdId) return this.book.byAlgoClOrdId(p.algoClOrdId);
    throw new OkxApiError('50015', 'Either parameter algoId or algoClOrdId is required.');
  }

  private algoOrder(p: Params): unknown[] {
    const a = this.findAlgo(p);
    if (a === undefined) throw orderMissing();
    return [algoJson(a, this.instrument(a.instId))];
  }

  private algoFilter(p: Params): (a: AlgoRecord) => boolean {
    if (!p.ordType) throw paramEmpty('ordType');
    const types = p.ordType.split(',');
    const instruments = new Set(this.selected(p).map((i) => i.instId));
    return (a) =>
      types.includes(a.ordType) &&
      instruments.has(a.instId) &&
      (!p.algoId || p.algoId === a.algoId) &&
      (!p.algoClOrdId || p.algoClOrdId === a.algoClOrdId);
  }

  private algosPending(p: Params): unknown[] {
    const keep = this.algoFilter(p);
    if (swapOnly(p, false) === false) return [];
    const rows = sortDesc(
      [...this.book.algos.values()].filter((a) => a.state === 'live' && keep(a)),
      byAlgoId,
    );
    return idPage(rows, byAlgoId, p).map((a) => algoJson(a, this.instrument(a.instId)));
  }

  /** Algo orders that fired, were cancelled or failed, in the last 3 months; state or algoId is required. */
  private algosHistory(p: Params): unknown[] {
    const keep = this.algoFilter(p);
    if (!p.state && !p.algoId)
      throw new OkxApiError('50015', 'Either parameter state or algoId is required.');
    if (p.state && p.state !== 'effective' && p.state !== 'canceled' && p.state !== 'order_failed')
      throw paramError('state');
    if (swapOnly(p, false) === false) return [];
    const now = this.engine.time();
    const rows = sortDesc(
      [...this.book.algos.values()].filter(
        (a) =>
          a.state !== 'live' && keep(a) && (!p.state || p.state === a.state) && now - a.uTime <= 90 * DAY,
      ),
      byAlgoId,
    );
    return idPage(rows, byAlgoId, p).map((a) => algoJson(a, this.instrument(a.instId)));
  }

  // --- positions and the account ------------------------------------------------------------------

  private leverOf(instId: string, mode: MgnMode): Fixed {
    return this.leverages.get(`${instId} ${mode}`) ?? fromInt(this.engine.leverage);
  }

  /** Gives the engine the leverage the order's margin mode has (its whole part: the engine's are whole). */
  private applyLeverage(i: Instrument, mode: MgnMode): void {
    this.engine.symbolMarginType.set(i.symbol, mode === 'isolated' ? 'ISOLATED' : 'CROSSED');
    const lever = this.leverOf(i.instId, mode) / ONE;
    if (this.engine.symbolLeverage.get(i.symbol) === Number(lever)) return;
    this.engine.changeLeverage({ symbol: i.symbol, leverage: String(lever < 1n ? 1n : lever) });
  }

  /** The margin mode the instrument's position, else its pending orders or algo orders, are under. */
  private modeOf(instId: string): MgnMode | undefined {
    const i = this.instrument(instId);
    if (this.engine.position(i.symbol) !== 0n) return this.book.life(instId)?.mgnMode ?? 'cross';
    for (const r of this.book.orders.values()) if (r.instId === instId && isPending(r.state)) return r.tdMode;
    for (const a of this.book.algos.values()) if (a.instId === instId && a.state === 'live') return a.tdMode;
    return undefined;
  }

  private positionView(i: Instrument): PositionView {
    const base = this.engine.position(i.symbol);
    const cost = this.engine.positionCost(i.symbol);
    const life = this.book.life(i.instId);
    const mgnMode = life?.mgnMode ?? 'cross';
    const lever = this.leverOf(i.instId, mgnMode);
    const now = this.engine.time();
    return {
      instId: i.instId,
      posId: life?.posId ?? '',
      mgnMode,
      pos: contractsOf(i, base),
      cost,
      mark: this.engine.priceOf(i.symbol),
      lever,
      margin: mgnMode === 'isolated' ? div(abs(cost), lever) : this.engine.balance,
      cTime: life?.cTime ?? now,
      uTime: life?.uTime ?? now,
      tradeId: life?.tradeId ?? '',
      pnl: life?.pnl ?? 0n,
      fee: life?.fee ?? 0n,
      fundingFee: life?.fundingFee ?? 0n,
      liqPenalty: life?.liqPenalty ?? 0n,
    };
  }

  private held(): Instrument[] {
    return [...this.listing.values()].filter((i) => this.engine.position(i.symbol) !== 0n);
  }

  /** Open positions (net mode: one an instrument, pos signed), newest first. */
  private positions(p: Params): unknown[] {
    if (swapOnly(p, false) === false) return [];
    const ids = p.instId ? p.instId.split(',') : null;
    if (ids !== null) for (const id of ids) this.instrument(id);
    return this.held()
      .filter((i) => ids === null || ids.includes(i.instId))
      .map((i) => this.positionView(i))
      .filter((v) => !p.posId || p.posId.split(',').includes(v.posId))
      .sort((a, b) => b.cTime - a.cTime)
      .map((v) => positionJson(v, this.instrument(v.instId)));
  }

  private walletView(): WalletView {
    let upl = 0n;
    let crossImr = 0n;
    let isoMargin = 0n;
    let isoUpl = 0n;
    let mmr = 0n;
    for (const i of this.held()) {
      const v = this.positionView(i);
      const f = positionFigures(v, i);
      upl += f.upl;
      mmr += f.mmr;
      if (v.mgnMode === 'isolated') {
        isoMargin += v.margin;
        isoUpl += f.upl;
      } else crossImr += f.imr;
    }
    let ordFrozen = 0n;
    for (const r of this.book.orders.values())
      if (isPending(r.state) && r.px !== null && !r.reduceOnly) {
        const i = this.instrument(r.instId);
        ordFrozen += div(mul(baseOf(i, r.sz - r.accFillSz), r.px), this.leverOf(r.instId, r.tdMode));
      }
    return {
      cashBal: this.engine.balance,
      upl,
      crossImr,
      isoMargin,
      isoUpl,
      ordFrozen,
      mmr,
      uTime: this.engine.time(),
    };
  }

  private balance(p: Params): unknown[] {
    const listed = !p.ccy || p.ccy.split(',').includes('USDT');
    return [balanceJson(this.walletView(), listed)];
  }

  /** A main account in Spot and futures mode (acctLv 2), net mode, its key able to read and trade. */
  private config(): Record<string, unknown> {
    return {
      acctLv: '2',
      acctStpMode: 'cancel_maker',
      autoLoan: false,
      ctIsoMode: 'automatic',
      enableSpotBorrow: false,
      greeksType: 'PA',
      ip: '127.0.0.1',
      kycLv: '2',
      label: 'perpetua',
      level: 'Lv1',
      levelTmp: '',
      liquidationGtdMode: '',
      mainUid: UID,
      mgnIsoMode: 'automatic',
      opAuth: '0',
      perm: 'read_only,trade',
      posMode: this.posMode,
      roleType: '0',
      settleCcy: 'USDT',
      settleCcyList: ['USDT'],
      spotBorrowAutoRepay: false,
      spotOffsetType: '',
      spotRoleType: '0',
      spotTraderInsts: [],
      traderInsts: [],
      type: '0',
      uid: UID,
      ...this.keyInfo,
    };
  }

  private leverageInfo(p: Params): unknown[] {
    const mode = p.mgnMode;
    if (mode !== 'cross' && mode !== 'isolated') throw mode ? paramError('mgnMode') : paramEmpty('mgnMode');
    if (!p.instId) throw paramEmpty('instId');
    return p.instId.split(',').map((id) => ({
      instId: this.instrument(id).instId,
      lever: toText(this.leverOf(id, mode)),
      mgnMode: mode,
      posSide: 'net',
    }));
  }

  /** Leverage per instrument and margin mode, steps of 0.01 from 1 to the first tier's cap. */
  private setLeverage(p: Params): unknown[] {
    const i = this.instrumentParam(p);
    const mode = p.mgnMode;
    if (mode !== 'cross' && mode !== 'isolated') throw mode ? paramError('mgnMode') : paramEmpty('mgnMode');
    const lever = decimalParam(p, 'lever');
    if (lever === undefined) throw paramEmpty('lever');
    if (lever < ONE || lever % (ONE / 100n) !== 0n) throw paramError('lever');
    if (lever > fromInt(i.tiers[0]!.maxLever))
      throw new OkxApiError('59102', 'Leverage exceeds the maximum limit. Try lowering the leverage.');
    this.leverages.set(`${i.instId} ${mode}`, lever);
    if ((this.modeOf(i.instId) ?? mode) === mode) this.applyLeverage(i, mode);
    return [{ instId: i.instId, lever: toText(lever), mgnMode: mode, posSide: p.posSide ?? '' }];
  }

  private setPositionMode(p: Params): unknown[] {
    const mode = p.posMode;
    if (mode !== 'net_mode' && mode !== 'long_short_mode')
      throw mode ? paramError('posMode') : paramEmpty('posMode');
    const busy =
      this.held().length > 0 ||
      [...this.book.orders.values()].some((r) => isPending(r.state)) ||
      [...this.book.algos.values()].some((a) => a.state === 'live');
    if (busy && mode !== this.posMode)
      throw new OkxApiError(
        '59000',
        'Settings failed. Delete any open orders or positions before changing your settings.',
      );
    this.posMode = mode;
    return [{ posMode: mode }];
  }

  /**
   * OKX's sign for fee rates: negative is a commission the account pays, positive a rebate it earns. For
   * contracts, maker/taker are the crypto-margined rates and makerU/takerU the USDT-margined ones; the fake
   * account has one tier, so both carry its rates.
   */
  private tradeFee(p: Params): unknown[] {
    if (!p.instType) throw paramEmpty('instType');
    if (!INST_TYPES.has(p.instType) || p.instType === 'ANY') throw paramError('instType');
    const maker = toText(-this.engine.feeRates.maker);
    const taker = toText(-this.engine.feeRates.taker);
    return [
      {
        category: '1',
        delivery: '',
        exercise: '',
        fiat: [],
        instType: p.instType,
        level: 'Lv1',
        maker,
        makerU: maker,
        makerUSDC: maker,
        ruleType: 'normal',
        taker,
        takerU: taker,
        takerUSDC: taker,
        ts: String(this.engine.time()),
      },
    ];
  }

  private bills(p: Params, keptMs: number): unknown[] {
    const inWindow = timeWindow(p, this.engine.time(), keptMs);
    const rows = sortDesc(
      this.book.bills.filter(
        (b) =>
          (!p.instType || p.instType === 'SWAP') &&
          (!p.instId || p.instId === b.instId) &&
          (!p.ccy || p.ccy === 'USDT') &&
          (!p.mgnMode || p.mgnMode === b.mgnMode) &&
          (!p.ctType || p.ctType === 'linear') &&
          (!p.type || p.type === b.type) &&
          (!p.subType || p.subType === b.subType) &&
          inWindow(b.ts),
      ),
      byBillId,
    );
    return idPage(rows, byBillId, p).map(billJson);
  }

  // --- HTTP ---------------------------------------------------------------------------------------

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void this.answer(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  }

  /** Moves the followed instruments' prices to the market's mark now, on the instrument's tick. */
  private followMarket(): void {
    if (this.market === undefined) return;
    const now = this.engine.time();
    for (const i of this.followed) {
      const mark = marketMark(this.market, now, i);
      if (mark === undefined) continue; // no bar yet at this time
      const price = onTick(i, mark);
      if (this.followedAt.get(i.instId) === price) continue;
      this.followedAt.set(i.instId, price);
      this.engine.setPrice(i.symbol, toText(price));
    }
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    this.followMarket();
    const time = this.engine.time();
    const url = new URL(req.url ?? '/', this.origin);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const query = url.search.slice(1);
    const params = looseParams(method, query, body);
    const fault = this.takeFault(method, path);
    const log = (status: number, code: string | null) =>
      this.requests.push({ method, path, params, status, code, time });
    if (fault?.action === 'reset' && !fault.process) {
      log(0, null);
      req.socket.destroy();
      return;
    }
    const { status: answered, reply } = this.reply(method, path, req, query, body, fault);
    log(answered, reply.code);
    let status = answered;
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
        text = fault.body ?? '{"code":"0","msg":"","data":[{"ordId":"';
        break;
    }
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  }

  private reply(
    method: string,
    path: string,
    req: http.IncomingMessage,
    query: string,
    body: string,
    fault: OkxFault | undefined,
  ): { status: number; reply: Envelope } {
    const route = this.routes.get(`${method} ${path}`);
    if (route !== undefined) return this.run(route, `${method} ${path}`, req, query, body, fault);
    const elsewhere = [...this.routes.keys()].some((k) => k.endsWith(` ${path}`));
    return elsewhere
      ? { status: 405, reply: envelope('50115', 'Invalid request method.') }
      : { status: 404, reply: envelope('404', 'Not Found') };
  }

  /** Authentication, then the endpoint's rate limit, then the work; a refusal answers with its HTTP status. */
  private run(
    route: Route,
    endpoint: string,
    req: http.IncomingMessage,
    query: string,
    body: string,
    fault: OkxFault | undefined,
  ): { status: number; reply: Envelope } {
    try {
      if (route.signed) this.authorize(req, body);
      const data: RequestData = {
        query: Object.fromEntries(new URLSearchParams(query)),
        body: req.method === 'POST' ? paramsFromBody(body) : null,
      };
      const counted = limitKeys(endpoint, data);
      if (fault?.action === 'throttle' || !this.limiter.admit(counted.endpoint, counted.keys))
        throw rateLimited();
      return { status: 200, reply: route.run(data) };
    } catch (e) {
      const refusal = this.refusal(e, undefined);
      return { status: refusal.status, reply: envelope(refusal.code, refusal.msg) };
    }
  }

  private takeFault(method: string, path: string): OkxFault | undefined {
    const i = this.faults.findIndex(
      (f) => f.fault.path === path && (f.fault.method === undefined || f.fault.method === method),
    );
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.left <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  /**
   * OKX's signature: OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp + method + requestPath (with
   * its query string) + body)), OK-ACCESS-TIMESTAMP an ISO 8601 time within 30 s of the server's, and the
   * key's passphrase in OK-ACCESS-PASSPHRASE.
   */
  private authorize(req: http.IncomingMessage, body: string): void {
    const header = (name: string): string => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : '';
    };
    const key = header('ok-access-key');
    const sign = header('ok-access-sign');
    const timestamp = header('ok-access-timestamp');
    const passphrase = header('ok-access-passphrase');
    if (key === '') throw new OkxApiError('50103', 'Request header "OK-ACCESS-KEY" cannot be empty.');
    if (passphrase === '')
      throw new OkxApiError('50104', 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.');
    if (sign === '') throw new OkxApiError('50106', 'Request header "OK-ACCESS-SIGN" cannot be empty.');
    if (timestamp === '')
      throw new OkxApiError('50107', 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.');
    if (key !== this.apiKey) throw new OkxApiError('50111', 'Invalid OK-ACCESS-KEY.');
    const ts = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(timestamp)
      ? Date.parse(timestamp)
      : Number.NaN;
    if (Number.isNaN(ts)) throw new OkxApiError('50112', 'Invalid OK-ACCESS-TIMESTAMP.');
    if (Math.abs(this.engine.time() - ts) > 30_000)
      throw new OkxApiError('50102', 'Timestamp request expired.');
    if (passphrase !== this.passphrase)
      throw new OkxApiError('50105', 'Request header "OK-ACCESS-PASSPHRASE" incorrect.');
    if (!this.signs(sign, `${timestamp}${req.method ?? 'GET'}${req.url ?? ''}${body}`))
      throw new OkxApiError('50113', 'Invalid signature.');
  }

  private signs(sign: string, prehash: string): boolean {
    const want = createHmac('sha256', this.secret).update(prehash).digest();
    const got = Buffer.from(sign, 'base64');
    return got.length === want.length && timingSafeEqual(got, want);
  }

  // --- the private streams ------------------------------------------------------------------------

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', this.origin);
    const refuse = (line: string) => {
      socket.end(`HTTP/1.1 ${line}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const kind =
      url.pathname === '/ws/v5/private' ? 'private' : url.pathname === '/ws/v5/business' ? 'business' : null;
    if (kind === null) {
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
        connId: randomUUID().slice(0, 8),
        url: kind,
        authed: false,
        subs: new Map(),
      };
      this.streams.set(ws, s);
      ws.on('close', () => this.streams.delete(ws));
      ws.on('message', (data) => this.onFrame(s, String(data)));
    });
  }

  private onFrame(s: PrivateStream, text: string): void {
    if (text === 'ping') {
      s.ws.send('pong');
      return;
    }
    const send = (x: Record<string, unknown>) => s.ws.send(JSON.stringify({ ...x, connId: s.connId }));
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      m = null;
    }
    const args = isRecord(m) && Array.isArray(m.args) ? m.args : null;
    const op = isRecord(m) ? str(m, 'op') : '';
    const id = isRecord(m) && m.id !== undefined ? { id: str(m, 'id') } : {};
    const invalid = () => send({ ...id, event: 'error', code: '60012', msg: `Invalid request: ${text}` });
    if (args === null) {
      invalid();
      return;
    }
    if (op === 'login') {
      const refusal = this.checkLogin(args[0]);
      if (refusal === null) s.authed = true;
      send(
        refusal === null
          ? { ...id, event: 'login', code: '0', msg: '' }
          : { ...id, event: 'error', ...refusal },
      );
      return;
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      invalid();
      return;
    }
    for (const arg of args) send({ ...id, ...this.subscription(s, op, arg) });
  }

  /** One subscribe/unsubscribe argument: the answer OKX gives it, the subscription kept when it is good. */
  private subscription(
    s: PrivateStream,
    op: 'subscribe' | 'unsubscribe',
    raw: unknown,
  ): Record<string, unknown> {
    const arg: Record<string, string> = {};
    if (isRecord(raw)) for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') arg[k] = v;
    const channel = arg.channel ?? '';
    const error = (code: string, msg: string) => ({ event: 'error', code, msg });
    if (!s.authed) return error('60011', 'Please log in');
    if (channel === 'orders-algo' && s.url === 'private')
      return error(
        '64001',
        'This channel has been migrated to the business URL. Please subscribe using the new URL.',
      );
    if (channel === 'orders' && s.url === 'business')
      return error(
        '64002',
        'This channel is not supported by business URL. Please use "/private" URL(for private channels).',
      );
    // The account channel takes no instType (https://www.okx.com/docs-v5/en/#trading-account-websocket-balance-and-position-channel).
    const account = channel === 'balance_and_position' && s.url === 'private';
    if (!account && (channel !== CHANNELS[s.url] || !INST_TYPES.has(arg.instType ?? '')))
      return error(
        '60018',
        `Wrong URL or channel:${channel},instType:${arg.instType ?? ''} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`,
      );
    const key = JSON.stringify(Object.entries(arg).sort());
    if (op === 'subscribe') s.subs.set(key, arg);
    else s.subs.delete(key);
    return { event: op, arg };
  }

  /**
   * The login argument: {apiKey, passphrase, timestamp (seconds, within 30 s), sign: base64(HMAC-SHA256(
   * secret, timestamp + "GET" + "/users/self/verify"))}. null when it is good, else OKX's error.
   */
  private checkLogin(raw: unknown): { code: string; msg: string } | null {
    const a = isRecord(raw) ? raw : {};
    if (str(a, 'apiKey') !== this.apiKey) return { code: '60005', msg: 'Invalid OK-ACCESS-KEY' };
    const timestamp = str(a, 'timestamp');
    if (!/^\d+(\.\d+)?$/.test(timestamp)) return { code: '60004', msg: 'Invalid timestamp' };
    if (Math.abs(this.engine.time() / 1000 - Number(timestamp)) > 30)
      return { code: '60006', msg: 'Timestamp request expired' };
    if (str(a, 'passphrase') !== this.passphrase) return { code: '60024', msg: 'Wrong passphrase' };
    return this.signs(str(a, 'sign'), `${timestamp}GET/users/self/verify`)
      ? null
      : { code: '60007', msg: 'Invalid sign' };
  }

  private publish(b: Burst): void {
    const inst = (instId: string) => this.instrument(instId);
    const orders = b.orders.map((x) => orderPushJson(x.snapshot, x.fill, inst(x.snapshot.instId)));
    if (orders.length > 0) this.broadcast({ channel: 'orders', time: this.engine.time(), data: orders });
    const algos = b.algos.map((a) => algoJson(a, inst(a.instId)));
    if (algos.length > 0) this.broadcast({ channel: 'orders-algo', time: this.engine.time(), data: algos });
    if (b.accounts.length > 0)
      this.broadcast({ channel: 'balance_and_position', time: this.engine.time(), data: b.accounts });
  }

  /** Each subscription gets the push's items it asked for (instType, instFamily, instId), under its own arg. */
  private broadcast(m: PrivateMessage): void {
    this.messages.push(m);
    const targets: {
      s: PrivateStream;
      arg: Readonly<Record<string, string>>;
      data: Record<string, unknown>[];
    }[] = [];
    for (const s of this.streams.values()) {
      if (!s.authed) continue;
      for (const arg of s.subs.values()) {
        if (arg.channel !== m.channel) continue;
        const data =
          m.channel === 'balance_and_position'
            ? [...m.data]
            : m.data.filter((d) => this.wanted(arg, str(d, 'instId')));
        if (data.length > 0) targets.push({ s, arg, data });
      }
    }
    // Only what reaches a subscriber counts towards a cut or a mangling.
    if (targets.length === 0) return;
    const mangle = this.corrupt > 0;
    if (mangle) this.corrupt--;
    for (const t of targets) {
      const data = mangle
        ? t.data.map((d) => ({
            ...d,
            instId: 'NOT-AN-INSTRUMENT',
            uTime: 'yesterday',
            fillTime: 'yesterday',
          }))
        : t.data;
      t.s.ws.send(JSON.stringify({ arg: { ...t.arg, uid: UID }, data }));
    }
    if (this.dropAfter !== null && --this.dropAfter <= 0) {
      this.dropAfter = null;
      // A close frame goes out after the frames already queued, so the pushes before the cut arrive.
      for (const s of this.streams.values()) s.ws.close(1001, 'fake: stream dropped');
      this.streams.clear();
    }
  }

  private wanted(arg: Readonly<Record<string, string>>, instId: string): boolean {
    const i = this.listing.get(instId);
    if (i === undefined) return false;
    return (
      (arg.instType === 'ANY' || arg.instType === 'SWAP') &&
      (!arg.instFamily || arg.instFamily === i.family) &&
      (!arg.instId || arg.instId === instId)
    );
  }

  private closeStreams(): void {
    for (const s of this.streams.values()) s.ws.terminate();
    this.streams.clear();
  }
}

/** ordType → the engine's timeInForce for a limit order. */
const TIME_IN_FORCE: Readonly<Partial<Record<OrdType, string>>> = {
  limit: 'GTC',
  post_only: 'GTX',
  fok: 'FOK',
  ioc: 'IOC',
};

const ORD_TYPES = new Set<string>(['market', 'limit', 'post_only', 'fok', 'ioc', 'optimal_limit_ioc']);

const ordTypeParam = (p: Params): OrdType => {
  const t = p.ordType;
  if (t === undefined || t === '') throw paramEmpty('ordType');
  if (!ORD_TYPES.has(t)) throw paramError('ordType');
  return t as OrdType;
};

const sideParam = (p: Params): Side => {
  if (p.side === 'buy' || p.side === 'sell') return p.side;
  throw p.side ? paramError('side') : paramEmpty('side');
};

const pxTypeParam = (p: Params, name: string): PxType => {
  const v = p[name] || 'last';
  if (v === 'last' || v === 'mark' || v === 'index') return v;
  throw paramError(name);
};

/** OKX's refusal of a conditional leg on the wrong side of the last price. */
const wrongSide = (leg: 'sl' | 'tp', below: boolean): OkxApiError => {
  const name = leg === 'sl' ? 'SL' : 'TP';
  const code = leg === 'tp' ? (below ? '51277' : '51279') : below ? '51280' : '51278';
  return new OkxApiError(
    code,
    `${name} trigger price cannot be ${below ? 'higher' : 'lower'} than the last price.`,
  );
};

/**
 * Whether a list asks for swaps: true for SWAP (or, where OKX allows it, no instType), false for another
 * instrument type the fake lists nothing of; an unknown type is refused.
 */
const swapOnly = (p: Params, required: boolean): boolean => {
  const t = p.instType;
  if (t === undefined || t === '') {
    if (required) throw paramEmpty('instType');
    return true;
  }
  if (!INST_TYPES.has(t) || t === 'ANY') throw paramError('instType');
  return t === 'SWAP';
};

const oneBody = (r: RequestData): Params => {
  if (r.body === null) return r.query;
  if (Array.isArray(r.body)) throw new OkxApiError('50002', 'JSON syntax error');
  return r.body as Params;
};

const manyBodies = (r: RequestData, most: number): readonly Params[] => {
  const list = Array.isArray(r.body) ? (r.body as readonly Params[]) : [oneBody(r)];
  if (list.length === 0) throw new OkxApiError('50000', 'Body for POST request cannot be empty.');
  if (list.length > most) throw new OkxApiError('51111', `Maximum ${most} orders can be placed in bulk.`);
  return list;
};

/** The single-order endpoint a batch of one counts against (OKX's rule for its batch endpoints). */
const SINGLE: Readonly<Record<string, string>> = {
  'POST /api/v5/trade/batch-orders': 'POST /api/v5/trade/order',
  'POST /api/v5/trade/cancel-batch-orders': 'POST /api/v5/trade/cancel-order',
};

/**
 * What a request counts against which endpoint's limit: once for the account (or IP), or per instrument
 * for the endpoints OKX limits by Instrument ID. A batch counts each instrument's orders, and a batch of
 * one counts as the single-order endpoint.
 */
const limitKeys = (
  endpoint: string,
  r: RequestData,
): { endpoint: string; keys: { key: string; weight: number }[] } => {
  const list =
    r.body === null ? [r.query] : Array.isArray(r.body) ? (r.body as readonly Params[]) : [r.body as Params];
  const counted = list.length === 1 ? (SINGLE[endpoint] ?? endpoint) : endpoint;
  if (LIMITS[counted]?.scope !== 'instrument') return { endpoint: counted, keys: [{ key: '', weight: 1 }] };
  const counts = new Map<string, number>();
  for (const p of list) counts.set(p.instId ?? '', (counts.get(p.instId ?? '') ?? 0) + 1);
  return { endpoint: counted, keys: [...counts].map(([key, weight]) => ({ key, weight })) };
};

/** The request's parameters for the log, whether or not they parse as OKX wants. */
const looseParams = (method: string, query: string, body: string): Record<string, string> => {
  if (method === 'GET') return Object.fromEntries(new URLSearchParams(query));
  try {
    const parsed = paramsFromBody(body);
    return Array.isArray(parsed) ? { body } : parsed;
  } catch {
    return { body };
  }
};
