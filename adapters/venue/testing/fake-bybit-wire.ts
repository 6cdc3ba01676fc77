import {
  abs,
  div,
  divRound,
  type Fixed,
  fixed,
  mul,
  ONE,
  roundTo,
  toText,
} from '../../../domain/ledger/fixed.js';
import { type BinanceApiError, padded } from './fake-binance-rules.js';

/**
 * The pure half of FakeBybit: Bybit v5 spellings of the listing, orders, executions, positions, the wallet
 * and the transaction log, Bybit's envelope and error codes, cursors and time windows, and its per-endpoint
 * rate limits. Nothing here holds state except the rate limiter.
 */

// --- envelope and errors ----------------------------------------------------------------------------

/** A refusal as Bybit sends it: HTTP 200 with `{"retCode":110007,"retMsg":"ab not enough for new order"}`. */
export class BybitApiError extends Error {
  constructor(
    readonly retCode: number,
    readonly retMsg: string,
    readonly result: Readonly<Record<string, unknown>> = {},
  ) {
    super(`${retCode} ${retMsg}`);
    this.name = 'BybitApiError';
  }
}

export const envelope = (retCode: number, retMsg: string, result: unknown, time: number) => ({
  retCode,
  retMsg,
  result,
  retExtInfo: {},
  time,
});

const paramError = (msg: string): BybitApiError => new BybitApiError(10001, msg);

export const symbolInvalid = (): BybitApiError => paramError('params error: symbol invalid');

/**
 * The engine speaks Binance; what it refuses after the front-end's own checks becomes Bybit's code for the
 * same rule (https://bybit-exchange.github.io/docs/v5/error). The messages are the ones Bybit's API
 * actually answers with where they are known (ccxt's bybit.js quotes several).
 */
export const fromEngine = (e: BinanceApiError, position: Fixed): BybitApiError => {
  switch (e.code) {
    case -4116:
      return new BybitApiError(110072, 'OrderLinkedID is duplicate');
    case -2011:
    case -2013:
      return new BybitApiError(110001, 'order not exists or too late to cancel');
    case -2022:
      return new BybitApiError(
        110017,
        position === 0n
          ? 'current position is zero, cannot fix reduce-only order qty'
          : 'Reduce-only rule not satisfied',
      );
    case -2019:
      return new BybitApiError(110007, 'ab not enough for new order');
    case -4045:
      return new BybitApiError(110009, 'The number of stop orders exceeds maximum limit allowed');
    default:
      return paramError(`params error: ${e.msg}`);
  }
};

// --- parameters ---------------------------------------------------------------------------------------

export type Params = Readonly<Record<string, string>>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A POST body: Bybit takes JSON whose values may be strings, numbers or booleans ("reduceOnly": true). */
export const paramsFromBody = (body: string): Record<string, string> => {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw paramError(`ReadMapCB: expect { or n, but found ${body.trim()[0] ?? ''}`);
  }
  if (!isRecord(parsed)) throw paramError('ReadMapCB: expect { or n');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    else throw paramError(`params error: ${k} invalid`);
  }
  return out;
};

/** An optional decimal parameter: undefined when absent, 10001 when it is not a non-negative decimal. */
export const decimalParam = (p: Params, name: string): Fixed | undefined => {
  const text = p[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+(\.\d+)?$/.test(text)) throw paramError(`params error: ${name} invalid`);
  return fixed(text);
};

export const limitParam = (p: Params, fallback: number, most: number): number => {
  const text = p.limit;
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > most) throw paramError('params error: limit invalid');
  return n;
};

/** `category` must be linear: the fake lists USDT perpetuals only. */
export const linearOnly = (p: Params): void => {
  if (p.category === undefined || p.category === '') throw paramError('params error: category is required');
  if (p.category !== 'linear') throw paramError('params error: category only support linear');
};

const WEEK = 7 * 86_400_000;

/**
 * Bybit's 7-day window for executions, order history and the transaction log: neither bound → the last 7
 * days; only startTime → 7 days from it; only endTime → 7 days up to it; both → at most 7 days apart.
 */
export const sevenDays = (p: Params, now: number): { start: number; end: number } => {
  const int = (k: 'startTime' | 'endTime'): number | undefined => {
    const v = p[k];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw paramError(`params error: ${k} invalid`);
    return Number(v);
  };
  const start = int('startTime');
  const end = int('endTime');
  if (start === undefined && end === undefined) return { start: now - WEEK, end: now };
  if (end === undefined) return { start: start!, end: start! + WEEK };
  if (start === undefined) return { start: end - WEEK, end };
  if (end < start || end - start > WEEK)
    throw paramError('params error: The time range between startTime and endTime cannot exceed 7 days');
  return { start, end };
};

/**
 * Cursor pagination as Bybit does it: an opaque `nextPageCursor` ("first%3DX%26last%3DY") that the next
 * request passes back as `cursor`, empty on the last page. The fake keys it on the last item returned, so a
 * page stays right when newer items arrive in between.
 */
export const cursorPage = <T>(
  items: readonly T[],
  key: (t: T) => string,
  cursor: string | undefined,
  limit: number,
): { list: T[]; nextPageCursor: string } => {
  let start = 0;
  if (cursor !== undefined && cursor !== '') {
    const last = /(?:^|&)last=([^&]*)/.exec(decodeURIComponent(cursor))?.[1];
    if (last === undefined) throw paramError('params error: cursor invalid');
    const i = items.findIndex((t) => key(t) === last);
    start = i < 0 ? items.length : i + 1;
  }
  const list = items.slice(start, start + limit);
  const nextPageCursor =
    start + limit < items.length && list.length > 0
      ? encodeURIComponent(`first=${key(list[0]!)}&last=${key(list.at(-1)!)}`)
      : '';
  return { list, nextPageCursor };
};

// --- numbers ----------------------------------------------------------------------------------------

/** A money amount as Bybit prints it: at most 8 places, no trailing zeros ("0.06739145", "-0.1"). */
export const amount = (x: Fixed): string => toText(roundTo(x, 8, 'half-up'));

/** "10", "12.5": the canonical spelling of a leverage, so "10.00" and "10" are the same setting. */
export const leverageText = (x: Fixed): string => toText(x);

// --- the listing --------------------------------------------------------------------------------------

export interface RiskTier {
  readonly id: number;
  /** riskLimitValue: the largest position value the tier allows. */
  readonly cap: Fixed;
  readonly mmr: Fixed;
  readonly imr: Fixed;
  readonly maxLeverage: number;
  /** mmDeduction: what the maintenance margin of a larger tier subtracts (Binance's `cum`). */
  readonly deduction: Fixed;
}

export interface Instrument {
  readonly symbol: string;
  readonly baseCoin: string;
  readonly launchTime: number;
  readonly priceScale: number;
  readonly qtyScale: number;
  readonly tickSize: Fixed;
  readonly minPrice: Fixed;
  readonly maxPrice: Fixed;
  readonly qtyStep: Fixed;
  readonly minOrderQty: Fixed;
  readonly maxOrderQty: Fixed;
  readonly maxMktOrderQty: Fixed;
  readonly minNotional: Fixed;
  readonly tiers: readonly RiskTier[];
}

const text = (r: Record<string, unknown>, k: string): string => {
  const v = r[k];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`listing: ${k} missing`);
};

const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

const filter = (s: Record<string, unknown>, type: string, key: string): string => {
  const f = records(s.filters).find((x) => x.filterType === type);
  if (f === undefined) throw new Error(`listing: ${String(s.symbol)} has no ${type}`);
  return text(f, key);
};

const tiersOf = (brackets: Record<string, unknown>[]): RiskTier[] =>
  brackets.map((b) => {
    const lev = Number(text(b, 'initialLeverage'));
    return {
      id: Number(text(b, 'bracket')),
      cap: fixed(text(b, 'notionalCap')),
      mmr: fixed(text(b, 'maintMarginRatio')),
      imr: roundTo(div(ONE, BigInt(lev) * ONE), 6, 'half-up'),
      maxLeverage: lev,
      deduction: fixed(text(b, 'cum')),
    };
  });

/**
 * Bybit's USDT linear perpetuals. No Bybit metadata is checked in under ../shared/data, so this is
 * Binance's real listing (exchange-info.json) and leverage brackets (leverage-brackets.json) re-spelled
 * the way Bybit's instruments-info and risk-limit answer: every USDT-margined perpetual Binance is trading,
 * with its own tick, step, quantity bounds, minimum notional and leverage tiers.
 */
export const listingFromBinance = (
  exchangeInfo: unknown,
  leverageBrackets: unknown,
): Map<string, Instrument> => {
  if (!isRecord(exchangeInfo)) throw new Error('listing: exchangeInfo is not an object');
  const bracketsBySymbol = new Map(
    records(leverageBrackets).map((b) => [text(b, 'symbol'), records(b.brackets)]),
  );
  const out = new Map<string, Instrument>();
  // Bybit lists by symbol name; Binance's file is in its own order.
  const byName = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
    text(a, 'symbol') < text(b, 'symbol') ? -1 : 1;
  const symbols = records(exchangeInfo.symbols).sort(byName);
  for (const s of symbols) {
    if (s.contractType !== 'PERPETUAL' || s.status !== 'TRADING' || s.marginAsset !== 'USDT') continue;
    const symbol = text(s, 'symbol');
    const tiers = tiersOf(bracketsBySymbol.get(symbol) ?? []);
    out.set(symbol, {
      symbol,
      baseCoin: text(s, 'baseAsset'),
      launchTime: Number(text(s, 'onboardDate')),
      priceScale: Number(text(s, 'pricePrecision')),
      qtyScale: Number(text(s, 'quantityPrecision')),
      tickSize: fixed(filter(s, 'PRICE_FILTER', 'tickSize')),
      minPrice: fixed(filter(s, 'PRICE_FILTER', 'minPrice')),
      maxPrice: fixed(filter(s, 'PRICE_FILTER', 'maxPrice')),
      qtyStep: fixed(filter(s, 'LOT_SIZE', 'stepSize')),
      minOrderQty: fixed(filter(s, 'LOT_SIZE', 'minQty')),
      maxOrderQty: fixed(filter(s, 'LOT_SIZE', 'maxQty')),
      maxMktOrderQty: fixed(filter(s, 'MARKET_LOT_SIZE', 'maxQty')),
      minNotional: fixed(filter(s, 'MIN_NOTIONAL', 'notional')),
      tiers:
        tiers.length > 0
          ? tiers
          : [
              {
                id: 1,
                cap: fixed('1000000'),
                mmr: fixed('0.005'),
                imr: fixed('0.05'),
                maxLeverage: 20,
                deduction: 0n,
              },
            ],
    });
  }
  return out;
};

export const px = (i: Instrument, x: Fixed): string => padded(x, i.priceScale);
export const qty = (i: Instrument, x: Fixed): string => padded(x, i.qtyScale);
const leverageCap = (i: Instrument): string => i.tiers[0]!.maxLeverage.toFixed(2);

export const instrumentJson = (i: Instrument): Record<string, unknown> => ({
  symbol: i.symbol,
  contractType: 'LinearPerpetual',
  status: 'Trading',
  baseCoin: i.baseCoin,
  quoteCoin: 'USDT',
  symbolType: '',
  launchTime: String(i.launchTime),
  deliveryTime: '0',
  deliveryFeeRate: '',
  priceScale: String(i.priceScale),
  leverageFilter: { minLeverage: '1', maxLeverage: leverageCap(i), leverageStep: '0.01' },
  priceFilter: { minPrice: px(i, i.minPrice), maxPrice: px(i, i.maxPrice), tickSize: px(i, i.tickSize) },
  lotSizeFilter: {
    maxOrderQty: qty(i, i.maxOrderQty),
    minOrderQty: qty(i, i.minOrderQty),
    qtyStep: qty(i, i.qtyStep),
    postOnlyMaxOrderQty: qty(i, i.maxOrderQty),
    maxMktOrderQty: qty(i, i.maxMktOrderQty),
    minNotionalValue: toText(i.minNotional),
  },
  unifiedMarginTrade: true,
  fundingInterval: 480,
  settleCoin: 'USDT',
  copyTrading: 'none',
  isPreListing: false,
  preListingInfo: null,
  displayName: '',
});

export const riskLimitJson = (i: Instrument, t: RiskTier): Record<string, unknown> => ({
  id: t.id,
  symbol: i.symbol,
  riskLimitValue: toText(t.cap),
  maintenanceMargin: toText(t.mmr),
  initialMargin: toText(t.imr),
  isLowestRisk: t.id === i.tiers[0]!.id ? 1 : 0,
  maxLeverage: t.maxLeverage.toFixed(2),
  mmDeduction: t.deduction === 0n ? '' : toText(t.deduction),
});

/** The tier a position of `notional` falls in (the largest tier when it is beyond them all). */
export const tierFor = (i: Instrument, notional: Fixed): RiskTier =>
  i.tiers.find((t) => notional <= t.cap) ?? i.tiers.at(-1)!;

// --- orders -------------------------------------------------------------------------------------------

export type Side = 'Buy' | 'Sell';
export type OrderStatus =
  | 'New'
  | 'PartiallyFilled'
  | 'Untriggered'
  | 'Filled'
  | 'Cancelled'
  | 'Rejected'
  | 'Triggered'
  | 'Deactivated';

export const isOpenStatus = (s: OrderStatus): boolean =>
  s === 'New' || s === 'PartiallyFilled' || s === 'Untriggered';

export interface Trigger {
  readonly price: Fixed;
  /** 1: fires when the price rises to `price`; 2: when it falls to it. */
  readonly direction: 1 | 2;
  readonly by: 'LastPrice' | 'MarkPrice' | 'IndexPrice';
}

/** One order as the fake's Bybit keeps it; a conditional order keeps its id once it triggers (UTA). */
export interface OrderRecord {
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly orderType: 'Market' | 'Limit';
  readonly price: Fixed;
  readonly qty: Fixed;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK' | 'PostOnly';
  readonly reduceOnly: boolean;
  readonly closeOnTrigger: boolean;
  readonly positionIdx: number;
  readonly trigger: Trigger | null;
  readonly lastPriceOnCreated: Fixed | undefined;
  readonly createdTime: number;
  createType: string;
  status: OrderStatus;
  cancelType: string;
  rejectReason: string;
  cumExecQty: Fixed;
  cumExecValue: Fixed;
  cumExecFee: Fixed;
  closedPnl: Fixed;
  updatedTime: number;
}

const leavesOf = (r: OrderRecord): Fixed => (isOpenStatus(r.status) ? r.qty - r.cumExecQty : 0n);

export const orderJson = (r: OrderRecord, i: Instrument): Record<string, unknown> => {
  const leaves = leavesOf(r);
  return {
    orderId: r.orderId,
    orderLinkId: r.orderLinkId,
    blockTradeId: '',
    symbol: r.symbol,
    price: px(i, r.price),
    qty: qty(i, r.qty),
    side: r.side,
    isLeverage: '',
    positionIdx: r.positionIdx,
    orderStatus: r.status,
    createType: r.createType,
    cancelType: r.cancelType,
    rejectReason: r.rejectReason,
    avgPrice: r.cumExecQty === 0n ? '' : amount(div(r.cumExecValue, r.cumExecQty)),
    leavesQty: qty(i, leaves),
    leavesValue: amount(mul(leaves, r.price)),
    cumExecQty: qty(i, r.cumExecQty),
    cumExecValue: amount(r.cumExecValue),
    cumExecFee: amount(r.cumExecFee),
    cumFeeDetail: r.cumExecFee === 0n ? {} : { USDT: amount(r.cumExecFee) },
    timeInForce: r.timeInForce,
    orderType: r.orderType,
    stopOrderType: r.trigger === null ? '' : 'Stop',
    orderIv: '',
    marketUnit: '',
    triggerPrice: r.trigger === null ? '' : px(i, r.trigger.price),
    takeProfit: '',
    stopLoss: '',
    tpslMode: '',
    ocoTriggerBy: '',
    tpLimitPrice: '',
    slLimitPrice: '',
    tpTriggerBy: '',
    slTriggerBy: '',
    triggerDirection: r.trigger?.direction ?? 0,
    triggerBy: r.trigger?.by ?? '',
    lastPriceOnCreated: r.lastPriceOnCreated === undefined ? '' : px(i, r.lastPriceOnCreated),
    reduceOnly: r.reduceOnly,
    closeOnTrigger: r.closeOnTrigger,
    placeType: '',
    smpType: 'None',
    smpGroup: 0,
    smpOrderId: '',
    parentOrderLinkId: '',
    slippageToleranceType: 'UNKNOWN',
    slippageTolerance: '0',
    extraFees: '',
    createdTime: String(r.createdTime),
    updatedTime: String(r.updatedTime),
  };
};

/** The order stream's item: the REST order plus the fields only the stream has. */
export const orderStreamJson = (r: OrderRecord, i: Instrument): Record<string, unknown> => ({
  category: 'linear',
  ...orderJson(r, i),
  closedPnl: amount(r.closedPnl),
  feeCurrency: '',
});

// --- executions ---------------------------------------------------------------------------------------

export type ExecType = 'Trade' | 'BustTrade' | 'AdlTrade' | 'Funding';

export interface ExecRecord {
  readonly execId: string;
  readonly symbol: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly side: Side;
  readonly orderPrice: Fixed;
  readonly orderQty: Fixed;
  readonly leavesQty: Fixed;
  readonly orderType: 'Market' | 'Limit' | 'UNKNOWN';
  readonly stopOrderType: string;
  readonly createType: string;
  readonly execType: ExecType;
  readonly execPrice: Fixed;
  readonly execQty: Fixed;
  /** What the account paid: a fee, or for Funding what the settlement took (negative: it received). */
  readonly execFee: Fixed;
  readonly feeRate: Fixed;
  readonly isMaker: boolean;
  readonly markPrice: Fixed;
  readonly closedSize: Fixed;
  readonly execTime: number;
  readonly seq: number;
}

export const execJson = (x: ExecRecord, i: Instrument): Record<string, unknown> => ({
  symbol: x.symbol,
  orderType: x.orderType,
  underlyingPrice: '',
  orderLinkId: x.orderLinkId,
  side: x.side,
  indexPrice: '',
  orderId: x.orderId,
  stopOrderType: x.stopOrderType,
  leavesQty: qty(i, x.leavesQty),
  execTime: String(x.execTime),
  feeCurrency: '',
  isMaker: x.isMaker,
  execFee: amount(x.execFee),
  feeRate: toText(x.feeRate),
  execId: x.execId,
  tradeIv: '',
  blockTradeId: '',
  markPrice: px(i, x.markPrice),
  execPrice: px(i, x.execPrice),
  markIv: '',
  orderQty: qty(i, x.orderQty),
  orderPrice: px(i, x.orderPrice),
  execValue: amount(mul(x.execPrice, x.execQty)),
  execType: x.execType,
  execQty: qty(i, x.execQty),
  closedSize: qty(i, x.closedSize),
  createType: x.createType,
  extraFees: '',
  seq: x.seq,
});

export const execStreamJson = (x: ExecRecord, i: Instrument): Record<string, unknown> => ({
  category: 'linear',
  ...execJson(x, i),
});

/** The `execution.fast` stream: the few fields a fill needs, sent before the full execution. */
export const fastExecJson = (x: ExecRecord, i: Instrument): Record<string, unknown> => ({
  category: 'linear',
  symbol: x.symbol,
  execId: x.execId,
  execPrice: px(i, x.execPrice),
  execQty: qty(i, x.execQty),
  orderId: x.orderId,
  isMaker: x.isMaker,
  orderLinkId: x.orderLinkId,
  side: x.side,
  execTime: String(x.execTime),
  seq: x.seq,
});

// --- the transaction log ------------------------------------------------------------------------------

export interface LedgerRecord {
  readonly id: string;
  readonly symbol: string;
  readonly side: Side | 'None';
  readonly type: 'TRADE' | 'SETTLEMENT' | 'LIQUIDATION' | 'ADL';
  readonly qty: Fixed;
  /** The position after the entry, signed (short < 0). */
  readonly size: Fixed;
  readonly tradePrice: Fixed;
  /** Funding received (> 0) or paid (< 0); null for entries that are not a settlement. */
  readonly funding: Fixed | null;
  readonly fee: Fixed;
  readonly cashFlow: Fixed;
  readonly cashBalance: Fixed;
  readonly feeRate: Fixed;
  readonly tradeId: string;
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly transactionTime: number;
}

export const ledgerJson = (r: LedgerRecord, i: Instrument): Record<string, unknown> => ({
  id: r.id,
  symbol: r.symbol,
  category: 'linear',
  side: r.side,
  transactionTime: String(r.transactionTime),
  type: r.type,
  transSubType: '',
  qty: qty(i, r.qty),
  size: qty(i, r.size),
  currency: 'USDT',
  tradePrice: px(i, r.tradePrice),
  funding: r.funding === null ? '' : amount(r.funding),
  fee: amount(r.fee),
  cashFlow: amount(r.cashFlow),
  change: amount(r.cashFlow + (r.funding ?? 0n) - r.fee),
  cashBalance: amount(r.cashBalance),
  feeRate: toText(r.feeRate),
  bonusChange: '',
  tradeId: r.tradeId,
  orderId: r.orderId,
  orderLinkId: r.orderLinkId,
  extraFees: '',
});

// --- positions and the wallet -------------------------------------------------------------------------

export interface PositionView {
  readonly symbol: string;
  readonly positionIdx: number;
  /** Signed: long > 0, short < 0. */
  readonly qty: Fixed;
  readonly cost: Fixed;
  readonly mark: Fixed | undefined;
  readonly leverage: Fixed;
  /** What stands behind the position: its isolated margin, or the whole cross wallet. */
  readonly margin: Fixed;
  readonly createdTime: number;
  readonly updatedTime: number;
  readonly seq: number;
  readonly curRealisedPnl: Fixed;
  readonly cumRealisedPnl: Fixed;
}

export interface PositionFigures {
  readonly notional: Fixed;
  readonly im: Fixed;
  readonly mm: Fixed;
  readonly upl: Fixed;
  readonly tier: RiskTier;
}

export const positionFigures = (v: PositionView, i: Instrument): PositionFigures => {
  const size = abs(v.qty);
  const mark = v.mark ?? (v.qty === 0n ? 0n : div(v.cost, v.qty));
  const notional = mul(size, mark);
  const tier = tierFor(i, notional);
  const mm = mul(notional, tier.mmr) - tier.deduction;
  return {
    notional,
    im: v.leverage === 0n ? 0n : div(notional, v.leverage),
    mm: mm > 0n ? mm : 0n,
    upl: mul(v.qty, mark) - v.cost,
    tier,
  };
};

/**
 * Where the position's equity (margin + its PnL) meets its maintenance margin (liquidation) and zero
 * (bankruptcy), from the tier's rate and deduction: for a long P = (entry − (margin + deduction)/size) /
 * (1 − mmr), for a short P = (entry + (margin + deduction)/size) / (1 + mmr). Bybit prints "" when the price
 * would be outside the symbol's price band, as a well-margined position's is.
 */
const liquidation = (v: PositionView, i: Instrument, tier: RiskTier): { liq: string; bust: string } => {
  if (v.qty === 0n) return { liq: '', bust: '' };
  const size = abs(v.qty);
  const entry = div(abs(v.cost), size);
  const long = v.qty > 0n;
  const cushion = div(v.margin + tier.deduction, size);
  const liq = long ? div(entry - cushion, ONE - tier.mmr) : div(entry + cushion, ONE + tier.mmr);
  const bust = long ? entry - div(v.margin, size) : entry + div(v.margin, size);
  const shown = (p: Fixed): string =>
    p <= i.minPrice || p >= i.maxPrice ? '' : px(i, divRound(p, i.tickSize, 'half-up') * i.tickSize);
  return { liq: shown(liq), bust: shown(bust) };
};

export const positionJson = (v: PositionView, i: Instrument): Record<string, unknown> => {
  const f = positionFigures(v, i);
  const { liq, bust } = liquidation(v, i, f.tier);
  const size = abs(v.qty);
  return {
    positionIdx: v.positionIdx,
    riskId: f.tier.id,
    riskLimitValue: toText(f.tier.cap),
    symbol: v.symbol,
    side: v.qty > 0n ? 'Buy' : v.qty < 0n ? 'Sell' : '',
    size: qty(i, size),
    avgPrice: v.qty === 0n ? '0' : amount(div(v.cost, v.qty)),
    positionValue: amount(abs(v.cost)),
    // UTA 2.0 deprecated tradeMode: always 0, the margin mode is the account's (GET /v5/account/info).
    tradeMode: 0,
    autoAddMargin: 0,
    positionStatus: 'Normal',
    leverage: leverageText(v.leverage),
    markPrice: v.mark === undefined ? '' : px(i, v.mark),
    liqPrice: liq,
    bustPrice: bust,
    positionIM: amount(f.im),
    positionMM: amount(f.mm),
    positionBalance: amount(f.im),
    takeProfit: '',
    stopLoss: '',
    trailingStop: '0',
    sessionAvgPrice: '',
    unrealisedPnl: amount(f.upl),
    curRealisedPnl: amount(v.curRealisedPnl),
    cumRealisedPnl: amount(v.cumRealisedPnl),
    adlRankIndicator: v.qty === 0n ? 0 : 2,
    createdTime: String(v.createdTime),
    updatedTime: String(v.updatedTime),
    seq: v.seq,
    isReduceOnly: false,
    mmrSysUpdatedTime: '',
    leverageSysUpdatedTime: '',
    tpslMode: 'Full',
  };
};

export const positionStreamJson = (v: PositionView, i: Instrument): Record<string, unknown> => ({
  category: 'linear',
  ...positionJson(v, i),
});

export interface WalletView {
  readonly balance: Fixed;
  readonly upl: Fixed;
  readonly positionIM: Fixed;
  readonly orderIM: Fixed;
  readonly positionMM: Fixed;
  readonly cumRealisedPnl: Fixed;
}

const rate = (part: Fixed, whole: Fixed): string =>
  whole <= 0n ? '0' : toText(roundTo(div(part, whole), 4, 'half-up'));

/** The UNIFIED account with its one coin, USDT, valued 1:1 in USD (the fake has no other coin). */
export const walletJson = (w: WalletView, coins: readonly string[] | undefined): Record<string, unknown> => {
  const equity = w.balance + w.upl;
  const im = w.positionIM + w.orderIM;
  const listed = coins === undefined ? w.balance !== 0n || equity !== 0n : coins.includes('USDT');
  return {
    accountType: 'UNIFIED',
    accountIMRate: rate(im, equity),
    accountMMRate: rate(w.positionMM, equity),
    accountLTV: '0',
    totalEquity: amount(equity),
    totalWalletBalance: amount(w.balance),
    totalMarginBalance: amount(equity),
    totalAvailableBalance: amount(equity - im),
    totalPerpUPL: amount(w.upl),
    totalInitialMargin: amount(im),
    totalMaintenanceMargin: amount(w.positionMM),
    coin: listed
      ? [
          {
            coin: 'USDT',
            equity: amount(equity),
            usdValue: amount(equity),
            walletBalance: amount(w.balance),
            locked: '0',
            spotHedgingQty: '0',
            borrowAmount: '0',
            availableToBorrow: '',
            // Bybit stopped filling this for UNIFIED accounts; ccxt then reads the margins instead.
            availableToWithdraw: '',
            accruedInterest: '0',
            totalOrderIM: amount(w.orderIM),
            totalPositionIM: amount(w.positionIM),
            totalPositionMM: amount(w.positionMM),
            unrealisedPnl: amount(w.upl),
            cumRealisedPnl: amount(w.cumRealisedPnl),
            bonus: '0',
            collateralSwitch: true,
            marginCollateral: true,
            spotBorrow: '0',
          },
        ]
      : [],
  };
};

// --- rate limits --------------------------------------------------------------------------------------

/**
 * Bybit's per-UID limits for a UTA Pro account trading linear contracts, requests per second per endpoint
 * (https://bybit-exchange.github.io/docs/v5/rate-limit). Private endpoints the table does not list get
 * `DEFAULT_PRIVATE_LIMIT`; public endpoints answer to the IP limit only, which the fake does not keep.
 */
const PRIVATE_LIMITS: Readonly<Record<string, number>> = {
  'POST /v5/order/create': 10,
  'POST /v5/order/amend': 10,
  'POST /v5/order/cancel': 10,
  'POST /v5/order/cancel-all': 10,
  'GET /v5/order/realtime': 50,
  'GET /v5/order/history': 50,
  'GET /v5/execution/list': 50,
  'GET /v5/position/list': 50,
  'POST /v5/position/set-leverage': 10,
  'GET /v5/account/wallet-balance': 50,
  'GET /v5/account/transaction-log': 50,
  'GET /v5/account/fee-rate': 10,
  'GET /v5/user/query-api': 10,
  'GET /v5/asset/coin/query-info': 5,
};
const DEFAULT_PRIVATE_LIMIT = 10;

export interface LimitDecision {
  readonly admitted: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Per-endpoint counters over a rolling one-second window, answering with Bybit's headers: X-Bapi-Limit (the
 * limit), X-Bapi-Limit-Status (what is left) and X-Bapi-Limit-Reset-Timestamp (when a refused caller may
 * ask again; the current time otherwise).
 */
export class BybitRateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly enforce: boolean,
  ) {}

  admit(endpoint: string): LimitDecision {
    const limit = PRIVATE_LIMITS[endpoint] ?? DEFAULT_PRIVATE_LIMIT;
    const now = this.now();
    const times = (this.seen.get(endpoint) ?? []).filter((t) => t > now - 1000);
    this.seen.set(endpoint, times);
    if (this.enforce && times.length >= limit)
      return { admitted: false, headers: this.headers(limit, 0, times[0]! + 1000) };
    times.push(now);
    return { admitted: true, headers: this.headers(limit, Math.max(0, limit - times.length), now) };
  }

  /** A throttle fault: refused as if the window were full, whatever the counters say. */
  refuse(endpoint: string): LimitDecision {
    return {
      admitted: false,
      headers: this.headers(PRIVATE_LIMITS[endpoint] ?? DEFAULT_PRIVATE_LIMIT, 0, this.now() + 1000),
    };
  }

  private headers(limit: number, left: number, reset: number): Record<string, string> {
    return {
      'X-Bapi-Limit': String(limit),
      'X-Bapi-Limit-Status': String(left),
      'X-Bapi-Limit-Reset-Timestamp': String(reset),
    };
  }
}

export const tooManyVisits = (): BybitApiError => new BybitApiError(10006, 'Too many visits!');
