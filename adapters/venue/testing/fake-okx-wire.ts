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
import type { BinanceApiError } from './fake-binance-rules.js';

/**
 * The pure half of FakeOkx: OKX v5 spellings of the listing, orders, algo orders, fills, bills, positions
 * and the balance, OKX's envelope and error codes, its billId/ordId pagination and its per-endpoint rate
 * limits. Nothing here holds state except the rate limiter.
 */

// --- envelope and errors ----------------------------------------------------------------------------

/**
 * A refusal as OKX sends it: `{"code":"51000","msg":"Parameter sz error","data":[]}`. Inside an order
 * endpoint the same refusal is one order's `sCode`/`sMsg`/`subCode` instead (see `itemsEnvelope`).
 */
export class OkxApiError extends Error {
  constructor(
    readonly code: string,
    readonly msg: string,
    /** OKX's sub-code of some refusals (51008 "1001": margin rather than balance); '' when it has none. */
    readonly subCode = '',
  ) {
    super(`${code} ${msg}`);
    this.name = 'OkxApiError';
  }

  /** The HTTP status OKX answers the code with (its error-code table); most business refusals are 200. */
  get status(): number {
    return httpStatusOf(this.code);
  }
}

const AUTH_CODES = new Set(['50101', '50102', '50103', '50104', '50105', '50106', '50107']);
const KEY_CODES = new Set(['50111', '50112', '50113', '50114']);
const BAD_REQUEST_CODES = new Set(['50000', '50002', '50006', '50014', '50015', '50016', '51000']);

/** https://www.okx.com/docs-v5/en/#error-code-rest-api-public: the HTTP status of each code the fake uses. */
export const httpStatusOf = (code: string): number => {
  if (AUTH_CODES.has(code) || KEY_CODES.has(code)) return 401;
  if (code === '50011') return 429;
  if (BAD_REQUEST_CODES.has(code)) return 400;
  return 200;
};

export interface Envelope {
  readonly code: string;
  readonly msg: string;
  readonly data: readonly unknown[];
}

export const envelope = (code: string, msg: string, data: readonly unknown[] = []): Envelope => ({
  code,
  msg,
  data,
});

/** An order endpoint's per-order result: sCode "0" when it went through. */
export interface ItemResult {
  readonly sCode: string;
  readonly sMsg: string;
  readonly [field: string]: unknown;
}

/**
 * How OKX sums up an order endpoint's per-order results: "0" when every order went through, "1" ("All
 * operations failed") when none did, "2" when some did.
 */
export const itemsEnvelope = (items: readonly ItemResult[]): Envelope => {
  const failed = items.filter((x) => x.sCode !== '0').length;
  if (failed === 0) return envelope('0', '', items);
  if (failed === items.length) return envelope('1', 'All operations failed', items);
  return envelope('2', 'Bulk operation partially succeeded', items);
};

export const paramError = (name: string): OkxApiError => new OkxApiError('51000', `Parameter ${name} error`);
export const paramEmpty = (name: string): OkxApiError =>
  new OkxApiError('50014', `Parameter ${name} can not be empty.`);
export const instrumentMissing = (): OkxApiError =>
  new OkxApiError('51001', "Instrument ID, Instrument ID code or Spread ID doesn't exist.");
export const rateLimited = (): OkxApiError => new OkxApiError('50011', 'Too Many Requests');
export const orderMissing = (): OkxApiError => new OkxApiError('51603', 'Order does not exist.');
export const insufficientMargin = (): OkxApiError =>
  new OkxApiError('51008', 'Order failed. Insufficient USDT margin in account', '1001');
export const clOrdIdTaken = (): OkxApiError => new OkxApiError('51016', 'Client order ID already exists.');
/** OKX answers every failed cancel of an ordinary order so: filled, already cancelled or unknown alike. */
export const cancelFailed = (): OkxApiError =>
  new OkxApiError(
    '51400',
    'Order cancellation failed as the order has been filled, canceled or does not exist.',
  );
export const nothingToReduce = (): OkxApiError =>
  new OkxApiError(
    '51169',
    "Order failed because you don't have any positions in this direction for this contract to reduce or close.",
  );
export const sameDirection = (): OkxApiError =>
  new OkxApiError(
    '51170',
    'Failed to place order. A reduce-only order can’t be the same trading direction as your existing positions.',
  );

/**
 * What the engine (it speaks Binance) refuses after the front-end's own checks, as OKX's code for the same
 * rule (https://www.okx.com/docs-v5/en/#error-code). `position` tells the reduce-only refusals apart.
 */
export const fromEngine = (e: BinanceApiError, position: Fixed): OkxApiError => {
  switch (e.code) {
    case -2019:
      return insufficientMargin();
    case -2022:
      return position === 0n ? nothingToReduce() : sameDirection();
    case -4116:
      return clOrdIdTaken();
    case -4164:
      // OKX has no minimum order value; the engine keeps Binance's (see FakeOkx's notes).
      return new OkxApiError('51020', 'Your order should meet or exceed the minimum order amount.');
    case -4045:
      return new OkxApiError('51261', 'Each user can hold up to 10 pending stop orders at the same time.');
    case -2011:
    case -2013:
      return cancelFailed();
    default:
      return new OkxApiError('51000', `Parameter error: ${e.msg}`);
  }
};

// --- parameters ---------------------------------------------------------------------------------------

export type Params = Readonly<Record<string, string>>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const flat = (o: Record<string, unknown>): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    // Nested values (attachAlgoOrds) are kept as their JSON so a handler can refuse them by name.
    else out[k] = JSON.stringify(v);
  }
  return out;
};

/**
 * A POST body: one JSON object, or (batch endpoints) an array of them; values may be strings, numbers or
 * booleans, as ccxt sends `"reduceOnly": true` and `"lever": 10`.
 */
export const paramsFromBody = (body: string): Record<string, string> | Record<string, string>[] => {
  if (body.trim() === '') throw new OkxApiError('50000', 'Body for POST request cannot be empty.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new OkxApiError('50002', 'JSON syntax error');
  }
  if (Array.isArray(parsed)) {
    if (!parsed.every(isRecord)) throw new OkxApiError('50002', 'JSON syntax error');
    return parsed.map(flat);
  }
  if (!isRecord(parsed)) throw new OkxApiError('50002', 'JSON syntax error');
  return flat(parsed);
};

/** An optional decimal parameter: undefined when absent or empty, 51000 when it is not a decimal. */
export const decimalParam = (p: Params, name: string): Fixed | undefined => {
  const text = p[name];
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw paramError(name);
  return fixed(text);
};

/** An optional integer parameter (a timestamp, an id): undefined when absent or empty. */
export const intParam = (p: Params, name: string): bigint | undefined => {
  const text = p[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,20}$/.test(text)) throw paramError(name);
  return BigInt(text);
};

/** `limit`: OKX's lists default to and stop at 100 rows. */
export const limitParam = (p: Params, most = 100): number => {
  const text = p.limit;
  if (text === undefined || text === '') return most;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw paramError('limit');
  return Math.min(n, most);
};

/** OKX's rule for clOrdId and algoClOrdId: up to 32 case-sensitive letters and digits. */
export const clientIdOf = (v: string | undefined, name: 'clOrdId' | 'algoClOrdId'): string => {
  if (v === undefined || v === '') return '';
  if (!/^[A-Za-z0-9]{1,32}$/.test(v)) throw paramError(name);
  return v;
};

/**
 * OKX's id pagination on a list sorted newest first: `after` keeps what is older than that id, `before`
 * what is newer, both exclusive; the `limit` rows nearest to `after` (the newest, without it) are returned.
 */
export const idPage = <T>(
  rows: readonly T[],
  id: (t: T) => bigint,
  p: Params,
  names: { readonly after: string; readonly before: string } = { after: 'after', before: 'before' },
): T[] => {
  const after = intParam(p, names.after);
  const before = intParam(p, names.before);
  return rows
    .filter((r) => (after === undefined || id(r) < after) && (before === undefined || id(r) > before))
    .slice(0, limitParam(p));
};

/** `begin`/`end` (ms, inclusive) filter, within what the endpoint keeps (`keptMs` back from `now`). */
export const timeWindow = (p: Params, now: number, keptMs: number): ((t: number) => boolean) => {
  const begin = intParam(p, 'begin');
  const end = intParam(p, 'end');
  const from = Math.max(now - keptMs, begin === undefined ? 0 : Number(begin));
  const to = end === undefined ? Number.POSITIVE_INFINITY : Number(end);
  return (t) => t >= from && t <= to;
};

// --- numbers ----------------------------------------------------------------------------------------

/** A money amount as the fake prints it: at most 8 places, no trailing zeros ("-0.5", "0.00012"). */
export const amount = (x: Fixed): string => toText(roundTo(x, 8, 'half-up'));

/** A size or price, canonical ("0.1", "100000"). */
export const num = (x: Fixed): string => toText(x);

// --- the listing --------------------------------------------------------------------------------------

export interface RiskTier {
  readonly tier: number;
  /** The notional range of Binance's bracket the tier is, in USDT. */
  readonly floor: Fixed;
  readonly cap: Fixed;
  readonly mmr: Fixed;
  readonly imr: Fixed;
  readonly maxLever: number;
  /** What the maintenance margin of a larger tier subtracts (Binance's `cum`). */
  readonly deduction: Fixed;
}

export interface Instrument {
  /** BTC-USDT-SWAP */
  readonly instId: string;
  /** The engine's (Binance's) name of the same contract: BTCUSDT. */
  readonly symbol: string;
  readonly base: string;
  /** BTC-USDT: the underlying and instrument family. */
  readonly family: string;
  readonly listTime: number;
  /** Base quantity per contract. */
  readonly ctVal: Fixed;
  readonly lotSz: Fixed;
  readonly minSz: Fixed;
  readonly maxLmtSz: Fixed;
  readonly maxMktSz: Fixed;
  readonly tickSz: Fixed;
  readonly minPx: Fixed;
  readonly maxPx: Fixed;
  readonly tiers: readonly RiskTier[];
}

const text = (r: Record<string, unknown>, k: string): string => {
  const v = r[k];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`listing: ${k} missing`);
};

const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

const filter = (s: Record<string, unknown>, type: string, key: string): Fixed => {
  const f = records(s.filters).find((x) => x.filterType === type);
  if (f === undefined) throw new Error(`listing: ${String(s.symbol)} has no ${type}`);
  return fixed(text(f, key));
};

const DEFAULT_TIER: RiskTier = {
  tier: 1,
  floor: 0n,
  cap: fixed('1000000'),
  mmr: fixed('0.005'),
  imr: fixed('0.05'),
  maxLever: 20,
  deduction: 0n,
};

const tiersOf = (brackets: Record<string, unknown>[]): RiskTier[] =>
  brackets.map((b) => {
    const lever = Number(text(b, 'initialLeverage'));
    return {
      tier: Number(text(b, 'bracket')),
      floor: fixed(text(b, 'notionalFloor')),
      cap: fixed(text(b, 'notionalCap')),
      mmr: fixed(text(b, 'maintMarginRatio')),
      imr: roundTo(div(ONE, BigInt(lever) * ONE), 6, 'half-up'),
      maxLever: lever,
      deduction: fixed(text(b, 'cum')),
    };
  });

/** Ten of Binance's steps a contract, so one lot (0.1 contract) is exactly Binance's step. */
const LOTS_PER_CONTRACT = 10n;

/**
 * OKX's USDT-margined perpetual swaps. No OKX metadata is checked in under ../shared/data, so this is
 * Binance's real listing (exchange-info.json) and leverage brackets (leverage-brackets.json) re-spelled as
 * OKX's instruments: every USDT perpetual Binance is trading becomes `<base>-USDT-SWAP`, with a contract
 * of ten Binance steps (ctVal; BTC: 0.01 BTC) and a lot of a tenth of a contract (lotSz 0.1), so one lot is
 * Binance's step exactly and every size OKX accepts is one the engine accepts. Binance's minQty, maxQty
 * and market maxQty become minSz, maxLmtSz and maxMktSz in contracts; its tick is tickSz.
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
  const symbols = records(exchangeInfo.symbols)
    .filter((s) => s.contractType === 'PERPETUAL' && s.status === 'TRADING' && s.marginAsset === 'USDT')
    .map((s) => ({ s, base: text(s, 'baseAsset') }))
    .sort((a, b) => (a.base < b.base ? -1 : 1));
  for (const { s, base } of symbols) {
    const symbol = text(s, 'symbol');
    const step = filter(s, 'LOT_SIZE', 'stepSize');
    const ctVal = step * LOTS_PER_CONTRACT;
    const contracts = (q: Fixed): Fixed => divRound(q, step, 'floor') * (ONE / LOTS_PER_CONTRACT);
    const tiers = tiersOf(bracketsBySymbol.get(symbol) ?? []);
    const instId = `${base}-USDT-SWAP`;
    out.set(instId, {
      instId,
      symbol,
      base,
      family: `${base}-USDT`,
      listTime: Number(text(s, 'onboardDate')),
      ctVal,
      lotSz: ONE / LOTS_PER_CONTRACT,
      minSz: contracts(filter(s, 'LOT_SIZE', 'minQty')),
      maxLmtSz: contracts(filter(s, 'LOT_SIZE', 'maxQty')),
      maxMktSz: contracts(filter(s, 'MARKET_LOT_SIZE', 'maxQty')),
      tickSz: filter(s, 'PRICE_FILTER', 'tickSize'),
      minPx: filter(s, 'PRICE_FILTER', 'minPrice'),
      maxPx: filter(s, 'PRICE_FILTER', 'maxPrice'),
      tiers: tiers.length > 0 ? tiers : [DEFAULT_TIER],
    });
  }
  return out;
};

/** Contracts → the engine's base quantity, exact (a lot is a whole number of Binance steps). */
export const baseOf = (i: Instrument, contracts: Fixed): Fixed => mul(contracts, i.ctVal);
/** The engine's base quantity → contracts. */
export const contractsOf = (i: Instrument, base: Fixed): Fixed => div(base, i.ctVal);

export const instrumentJson = (i: Instrument): Record<string, unknown> => ({
  alias: '',
  auctionEndTime: '',
  baseCcy: '',
  category: '1',
  contTdSwTime: String(i.listTime),
  ctMult: '1',
  ctType: 'linear',
  ctVal: num(i.ctVal),
  ctValCcy: i.base,
  expTime: '',
  futureSettlement: false,
  instFamily: i.family,
  instId: i.instId,
  instType: 'SWAP',
  lever: String(i.tiers[0]!.maxLever),
  listTime: String(i.listTime),
  lotSz: num(i.lotSz),
  maxIcebergSz: num(i.maxLmtSz),
  maxLmtAmt: '20000000',
  maxLmtSz: num(i.maxLmtSz),
  maxMktAmt: '',
  maxMktSz: num(i.maxMktSz),
  maxStopSz: num(i.maxMktSz),
  maxTriggerSz: num(i.maxLmtSz),
  maxTwapSz: num(i.maxLmtSz),
  minSz: num(i.minSz),
  openType: '',
  optType: '',
  quoteCcy: '',
  ruleType: 'normal',
  settleCcy: 'USDT',
  state: 'live',
  stk: '',
  tickSz: num(i.tickSz),
  tradeQuoteCcyList: [],
  uly: i.family,
});

/**
 * GET /api/v5/public/position-tiers rows for a swap: OKX sizes tiers in contracts, Binance's brackets are
 * notional, so each bound is converted at `price` (the contract's price now), down to a whole lot.
 */
export const tierJson = (i: Instrument, t: RiskTier, price: Fixed): Record<string, unknown> => {
  const contracts = (notional: Fixed): string =>
    num(divRound(div(notional, mul(price, i.ctVal)), i.lotSz, 'floor') * i.lotSz);
  return {
    baseMaxLoan: '',
    imr: toText(t.imr),
    instFamily: i.family,
    instId: '',
    maxLever: String(t.maxLever),
    maxSz: contracts(t.cap),
    minSz: contracts(t.floor),
    mmr: toText(t.mmr),
    optMgnFactor: '',
    quoteMaxLoan: '',
    tier: String(t.tier),
    uly: i.family,
  };
};

/** The tier a position of `notional` falls in (the largest tier when it is beyond them all). */
export const tierFor = (i: Instrument, notional: Fixed): RiskTier =>
  i.tiers.find((t) => notional <= t.cap) ?? i.tiers.at(-1)!;

// --- orders -------------------------------------------------------------------------------------------

export type Side = 'buy' | 'sell';
export type MgnMode = 'cross' | 'isolated';
export type OrdType = 'market' | 'limit' | 'post_only' | 'fok' | 'ioc' | 'optimal_limit_ioc';
export type OrdState = 'live' | 'partially_filled' | 'filled' | 'canceled';
export type Category = 'normal' | 'full_liquidation' | 'partial_liquidation' | 'adl';

export const isPending = (s: OrdState): boolean => s === 'live' || s === 'partially_filled';

/**
 * One fill as the order that made it reports it. A liquidation's or ADL's fill is a system fill: OKX gives
 * it a negative tradeId in the fills (0 on the order) and no execType.
 */
export interface Fill {
  readonly tradeId: string;
  readonly billId: string;
  readonly fillPx: Fixed;
  /** Contracts. */
  readonly fillSz: Fixed;
  /** What the fill cost in fees, OKX's sign: negative when charged, positive for a rebate. */
  readonly fee: Fixed;
  readonly feeCcy: string;
  readonly pnl: Fixed;
  readonly execType: '' | 'T' | 'M';
  readonly markPx: Fixed;
  readonly time: number;
}

/** One order as the fake's OKX keeps it. Sizes are contracts. */
export interface OrderRecord {
  readonly ordId: string;
  readonly clOrdId: string;
  readonly tag: string;
  readonly instId: string;
  readonly side: Side;
  readonly ordType: OrdType;
  /** null for a market order. */
  readonly px: Fixed | null;
  readonly sz: Fixed;
  readonly tdMode: MgnMode;
  readonly reduceOnly: boolean;
  readonly lever: Fixed;
  readonly category: Category;
  /** The algo order it was placed by ('' when none). */
  readonly algoId: string;
  readonly algoClOrdId: string;
  /** What placed it: '' the user, "7" a TP/SL (conditional) order, "6" a trigger order. */
  readonly source: string;
  readonly cTime: number;
  state: OrdState;
  accFillSz: Fixed;
  /** Σ contracts × price of the fills: avgPx is this over accFillSz. */
  fillValue: Fixed;
  fee: Fixed;
  feeCcy: string;
  pnl: Fixed;
  last: Fill | null;
  /** Why OKX cancelled it ("1": the user; see cancelSourceOf), '' while it is not cancelled. */
  cancelSource: string;
  uTime: number;
}

const CANCEL_REASONS: Readonly<Record<string, string>> = {
  '0': 'Order canceled by system',
  '1': 'Order canceled by user',
  '3': 'Order canceled: Risk cancellation was triggered. Pending order was canceled due to insufficient maintenance margin ratio and forced-liquidation risk.',
  '13': 'Order canceled: FOK order was canceled due to incompletely filled.',
  '14': 'Order canceled: IOC order was partially canceled due to incompletely filled.',
  '17': 'Order canceled: Close order was canceled, due to the position was already closed at market price.',
  '31': 'The post-only order will take liquidity in taker orders',
};

const avgPxOf = (r: OrderRecord, none: string): string =>
  r.accFillSz === 0n ? none : num(div(r.fillValue, r.accFillSz));

/** The tradeId an order shows for a fill: a system order's is "0". */
const orderTradeId = (r: OrderRecord, fill: Fill | null): string =>
  fill === null ? '' : r.category === 'normal' ? fill.tradeId : '0';

const orderCore = (r: OrderRecord): Record<string, unknown> => ({
  accFillSz: num(r.accFillSz),
  algoClOrdId: r.algoClOrdId,
  algoId: r.algoId,
  attachAlgoClOrdId: '',
  attachAlgoOrds: [],
  cTime: String(r.cTime),
  cancelSource: r.cancelSource,
  cancelSourceReason: CANCEL_REASONS[r.cancelSource] ?? '',
  category: r.category,
  ccy: '',
  clOrdId: r.clOrdId,
  fee: amount(r.fee),
  feeCcy: r.feeCcy,
  instId: r.instId,
  instType: 'SWAP',
  isTpLimit: 'false',
  lever: toText(r.lever),
  linkedAlgoOrd: { algoId: '' },
  ordId: r.ordId,
  ordType: r.ordType,
  pnl: amount(r.pnl),
  posSide: 'net',
  px: r.px === null ? '' : num(r.px),
  pxType: '',
  pxUsd: '',
  pxVol: '',
  quickMgnType: '',
  rebate: '0',
  rebateCcy: 'USDT',
  reduceOnly: String(r.reduceOnly),
  side: r.side,
  slOrdPx: '',
  slTriggerPx: '',
  slTriggerPxType: '',
  source: r.source,
  state: r.state,
  stpId: '',
  stpMode: 'cancel_maker',
  sz: num(r.sz),
  tag: r.tag,
  tdMode: r.tdMode,
  tgtCcy: '',
  tpOrdPx: '',
  tpTriggerPx: '',
  tpTriggerPxType: '',
  tradeQuoteCcy: '',
  uTime: String(r.uTime),
});

/** GET /api/v5/trade/order and the order lists: the last fill's fields are the order's latest fill. */
export const orderJson = (r: OrderRecord): Record<string, unknown> => ({
  ...orderCore(r),
  avgPx: avgPxOf(r, ''),
  fillPx: r.last === null ? '' : num(r.last.fillPx),
  fillSz: r.last === null ? '0' : num(r.last.fillSz),
  fillTime: r.last === null ? '' : String(r.last.time),
  tradeId: orderTradeId(r, r.last),
});

/**
 * An `orders` channel item: the order as it stood at one change, with the fill that change was (empty
 * fields, fillSz "0", when it was not a fill), as OKX pushes every fill of an order separately.
 */
export const orderPushJson = (r: OrderRecord, fill: Fill | null, i: Instrument): Record<string, unknown> => ({
  ...orderCore(r),
  amendResult: '',
  // The channel shows "0" where REST shows "" for an order nothing has filled yet.
  avgPx: avgPxOf(r, '0'),
  amendSource: '',
  code: '0',
  execType: fill === null ? '' : fill.execType,
  fillFee: fill === null ? '0' : amount(fill.fee),
  fillFeeCcy: fill === null ? '' : fill.feeCcy,
  fillFwdPx: '',
  fillIdxPx: fill === null ? '' : num(fill.markPx),
  fillMarkPx: fill === null ? '' : num(fill.markPx),
  fillMarkVol: '',
  fillNotionalUsd: fill === null ? '' : amount(mul(baseOf(i, fill.fillSz), fill.fillPx)),
  fillPnl: fill === null ? '0' : amount(fill.pnl),
  fillPx: fill === null ? '' : num(fill.fillPx),
  fillPxUsd: '',
  fillPxVol: '',
  fillSz: fill === null ? '0' : num(fill.fillSz),
  fillTime: fill === null ? '' : String(fill.time),
  lastPx: fill === null ? '' : num(fill.fillPx),
  msg: '',
  notionalUsd: amount(mul(baseOf(i, r.sz), r.px ?? fill?.fillPx ?? 0n)),
  reqId: '',
  tradeId: orderTradeId(r, fill),
});

// --- algo orders --------------------------------------------------------------------------------------

export type AlgoOrdType = 'conditional' | 'trigger';
export type AlgoState = 'live' | 'effective' | 'canceled' | 'order_failed';
export type PxType = 'last' | 'index' | 'mark';

/** What fires an algo order: its stop-loss or take-profit leg (conditional), or its trigger price. */
export interface AlgoTrigger {
  readonly leg: 'sl' | 'tp' | 'trigger';
  readonly px: Fixed;
  readonly pxType: PxType;
}

export interface AlgoRecord {
  readonly algoId: string;
  readonly algoClOrdId: string;
  readonly instId: string;
  readonly side: Side;
  readonly ordType: AlgoOrdType;
  readonly sz: Fixed;
  readonly tdMode: MgnMode;
  readonly reduceOnly: boolean;
  readonly lever: Fixed;
  readonly trigger: AlgoTrigger;
  /** The last price when it was placed. */
  readonly last: Fixed | undefined;
  readonly cTime: number;
  state: AlgoState;
  /** The order it placed when it fired ('' before). */
  ordId: string;
  triggerTime: number;
  failCode: string;
  uTime: number;
}

export const algoJson = (a: AlgoRecord, i: Instrument): Record<string, unknown> => {
  const leg = (name: AlgoTrigger['leg']): { px: string; type: string; ordPx: string } =>
    a.trigger.leg === name
      ? { px: num(a.trigger.px), type: a.trigger.pxType, ordPx: '-1' }
      : { px: '', type: '', ordPx: '' };
  const sl = leg('sl');
  const tp = leg('tp');
  const trig = leg('trigger');
  const fired = a.state === 'effective';
  return {
    activePx: '',
    actualPx: fired ? '-1' : '0',
    actualSide: fired && a.trigger.leg !== 'trigger' ? a.trigger.leg : '',
    actualSz: fired ? num(a.sz) : '0',
    algoClOrdId: a.algoClOrdId,
    algoId: a.algoId,
    amendPxOnTriggerType: '0',
    attachAlgoOrds: [],
    cTime: String(a.cTime),
    callbackRatio: '',
    callbackSpread: '',
    ccy: '',
    // OKX's deprecated name of the client id: empty, the id is algoClOrdId.
    clOrdId: '',
    closeFraction: '',
    failCode: a.failCode,
    instId: a.instId,
    instType: 'SWAP',
    isTradeBorrowMode: '',
    last: a.last === undefined ? '' : num(a.last),
    lever: toText(a.lever),
    linkedOrd: { ordId: '' },
    moveTriggerPx: '',
    notionalUsd: amount(mul(baseOf(i, a.sz), a.trigger.px)),
    ordId: a.ordId,
    ordIdList: a.ordId === '' ? [] : [a.ordId],
    ordPx: trig.ordPx,
    ordType: a.ordType,
    posSide: 'net',
    pxLimit: '',
    pxSpread: '',
    pxVar: '',
    quickMgnType: '',
    reduceOnly: String(a.reduceOnly),
    side: a.side,
    slOrdPx: sl.ordPx,
    slTriggerPx: sl.px,
    slTriggerPxType: sl.type,
    state: a.state,
    sz: num(a.sz),
    szLimit: '',
    tag: '',
    tdMode: a.tdMode,
    tgtCcy: '',
    timeInterval: '',
    tpOrdPx: tp.ordPx,
    tpTriggerPx: tp.px,
    tpTriggerPxType: tp.type,
    triggerPx: trig.px,
    triggerPxType: trig.type,
    triggerTime: a.triggerTime === 0 ? '' : String(a.triggerTime),
    uTime: String(a.uTime),
  };
};

// --- fills and bills ----------------------------------------------------------------------------------

/**
 * A bill's type and subtype as OKX numbers them (GET /api/v5/account/bills): 2 trade (1 buy, 2 sell in net
 * mode), 5 liquidation (102/103 partial buy/sell, 106/107 full buy/sell), 8 funding fee (173 expense, 174
 * income), 9 ADL (127 buy, 128 sell).
 */
export const billKindOf = (category: Category, side: Side): { type: string; subType: string } => {
  const buy = side === 'buy';
  switch (category) {
    case 'full_liquidation':
      return { type: '5', subType: buy ? '106' : '107' };
    case 'partial_liquidation':
      return { type: '5', subType: buy ? '102' : '103' };
    case 'adl':
      return { type: '9', subType: buy ? '127' : '128' };
    default:
      return { type: '2', subType: buy ? '1' : '2' };
  }
};

export interface FillRecord {
  readonly fill: Fill;
  readonly instId: string;
  readonly ordId: string;
  readonly clOrdId: string;
  readonly tag: string;
  readonly side: Side;
  readonly subType: string;
  /** A liquidation's or ADL's fill. */
  readonly system: boolean;
}

export const fillJson = (x: FillRecord): Record<string, unknown> => ({
  billId: x.fill.billId,
  clOrdId: x.clOrdId,
  execType: x.fill.execType,
  fee: amount(x.fill.fee),
  feeCcy: x.fill.feeCcy,
  // OKX returns the rate for SPOT and MARGIN fills only.
  feeRate: '',
  fillFwdPx: '',
  fillIdxPx: num(x.fill.markPx),
  fillMarkPx: num(x.fill.markPx),
  fillMarkVol: '',
  fillPnl: amount(x.fill.pnl),
  fillPx: num(x.fill.fillPx),
  fillPxUsd: '',
  fillPxVol: '',
  fillSz: num(x.fill.fillSz),
  fillTime: String(x.fill.time),
  instId: x.instId,
  instType: 'SWAP',
  ordId: x.ordId,
  posSide: 'net',
  side: x.side,
  subType: x.subType,
  tag: x.tag,
  tradeId: x.system ? `-${x.fill.tradeId}` : x.fill.tradeId,
  tradeQuoteCcy: '',
  ts: String(x.fill.time),
});

/** One entry of the account's bills: what moved the USDT balance, signed (balChg < 0: it went out). */
export interface BillRecord {
  readonly billId: string;
  readonly type: string;
  readonly subType: string;
  readonly instId: string;
  readonly mgnMode: MgnMode;
  readonly ordId: string;
  readonly clOrdId: string;
  readonly tradeId: string;
  readonly execType: '' | 'T' | 'M';
  /** Contracts traded, or the position a funding fee was charged on. */
  readonly sz: Fixed;
  readonly px: Fixed;
  readonly balChg: Fixed;
  readonly bal: Fixed;
  readonly pnl: Fixed;
  readonly fee: Fixed;
  readonly markPx: Fixed;
  readonly ts: number;
}

export const billJson = (b: BillRecord): Record<string, unknown> => ({
  bal: amount(b.bal),
  balChg: amount(b.balChg),
  billId: b.billId,
  ccy: 'USDT',
  clOrdId: b.clOrdId,
  execType: b.execType,
  fee: amount(b.fee),
  fillFwdPx: '',
  fillIdxPx: b.tradeId === '' ? '' : num(b.markPx),
  fillMarkPx: b.tradeId === '' ? '' : num(b.markPx),
  fillMarkVol: '',
  fillPxUsd: '',
  fillPxVol: '',
  fillTime: String(b.ts),
  from: '',
  instId: b.instId,
  instType: 'SWAP',
  interest: '0',
  mgnMode: b.mgnMode,
  notes: '',
  ordId: b.ordId,
  pnl: amount(b.pnl),
  posBal: '0',
  posBalChg: '0',
  px: num(b.px),
  subType: b.subType,
  sz: num(b.sz),
  tag: '',
  to: '',
  tradeId: b.tradeId,
  ts: String(b.ts),
  type: b.type,
});

// --- positions and the balance ------------------------------------------------------------------------

export interface PositionView {
  readonly instId: string;
  readonly posId: string;
  readonly mgnMode: MgnMode;
  /** Contracts, signed: long > 0, short < 0. */
  readonly pos: Fixed;
  /** The engine's cost basis: signed base quantity × average entry. */
  readonly cost: Fixed;
  readonly mark: Fixed | undefined;
  readonly lever: Fixed;
  /** What stands behind the position: its isolated margin, or the whole cross balance. */
  readonly margin: Fixed;
  readonly cTime: number;
  readonly uTime: number;
  readonly tradeId: string;
  /** Since the position opened: realised profit of its closing fills, fees and funding (OKX's signs). */
  readonly pnl: Fixed;
  readonly fee: Fixed;
  readonly fundingFee: Fixed;
  readonly liqPenalty: Fixed;
}

export interface PositionFigures {
  readonly notional: Fixed;
  readonly imr: Fixed;
  readonly mmr: Fixed;
  readonly upl: Fixed;
  readonly tier: RiskTier;
}

export const positionFigures = (v: PositionView, i: Instrument): PositionFigures => {
  const base = baseOf(i, v.pos);
  const mark = v.mark ?? (base === 0n ? 0n : div(v.cost, base));
  const notional = mul(abs(base), mark);
  const tier = tierFor(i, notional);
  const mm = mul(notional, tier.mmr) - tier.deduction;
  return {
    notional,
    imr: v.lever === 0n ? 0n : div(notional, v.lever),
    mmr: mm > 0n ? mm : 0n,
    upl: mul(base, mark) - v.cost,
    tier,
  };
};

/**
 * Where the position's equity (margin + its PnL) meets its maintenance margin, from the tier's rate and
 * deduction: for a long P = (entry − (margin + deduction)/size) / (1 − mmr), for a short P = (entry +
 * (margin + deduction)/size) / (1 + mmr); "" when that is outside the contract's price band.
 */
const liquidationPx = (v: PositionView, i: Instrument, tier: RiskTier): string => {
  const size = abs(baseOf(i, v.pos));
  if (size === 0n) return '';
  const entry = div(abs(v.cost), size);
  const cushion = div(v.margin + tier.deduction, size);
  const p = v.pos > 0n ? div(entry - cushion, ONE - tier.mmr) : div(entry + cushion, ONE + tier.mmr);
  return p <= i.minPx || p >= i.maxPx ? '' : num(divRound(p, i.tickSz, 'half-up') * i.tickSz);
};

const ratio = (part: Fixed, whole: Fixed, dp = 4): string =>
  whole === 0n ? '' : toText(roundTo(div(part, whole), dp, 'half-up'));

export const positionJson = (v: PositionView, i: Instrument): Record<string, unknown> => {
  const f = positionFigures(v, i);
  const base = baseOf(i, v.pos);
  const mark = v.mark === undefined ? '' : num(v.mark);
  const initial = v.lever === 0n ? 0n : div(abs(v.cost), v.lever);
  const isolated = v.mgnMode === 'isolated';
  return {
    adl: '1',
    availPos: '',
    avgPx: base === 0n ? '' : num(div(v.cost, base)),
    baseBal: '',
    baseBorrowed: '',
    baseInterest: '',
    bePx: '',
    bizRefId: '',
    bizRefType: '',
    cTime: String(v.cTime),
    ccy: 'USDT',
    clSpotInUseAmt: '',
    closeOrderAlgo: [],
    deltaBS: '',
    deltaPA: '',
    fee: amount(v.fee),
    fundingFee: amount(v.fundingFee),
    gammaBS: '',
    gammaPA: '',
    idxPx: mark,
    imr: isolated ? '' : amount(f.imr),
    instId: v.instId,
    instType: 'SWAP',
    interest: '',
    last: mark,
    lever: toText(v.lever),
    liab: '',
    liabCcy: '',
    liqPenalty: amount(v.liqPenalty),
    liqPx: liquidationPx(v, i, f.tier),
    margin: isolated ? amount(initial) : '',
    markPx: mark,
    maxSpotInUseAmt: '',
    mgnMode: v.mgnMode,
    mgnRatio: ratio(v.margin + f.upl, f.mmr, 2),
    mmr: amount(f.mmr),
    nonSettleAvgPx: '',
    notionalUsd: amount(f.notional),
    optVal: '',
    pendingCloseOrdLiabVal: '0',
    pnl: amount(v.pnl),
    pos: num(v.pos),
    posCcy: '',
    posId: v.posId,
    posSide: 'net',
    quoteBal: '',
    quoteBorrowed: '',
    quoteInterest: '',
    realizedPnl: amount(v.pnl + v.fee + v.fundingFee + v.liqPenalty),
    settledPnl: '',
    spotInUseAmt: '',
    spotInUseCcy: '',
    thetaBS: '',
    thetaPA: '',
    tradeId: v.tradeId,
    uTime: String(v.uTime),
    upl: amount(f.upl),
    uplLastPx: amount(f.upl),
    uplRatio: ratio(f.upl, initial),
    uplRatioLastPx: ratio(f.upl, initial),
    usdPx: '',
    vegaBS: '',
    vegaPA: '',
  };
};

export interface WalletView {
  /** The USDT cash balance: deposits, realised profit, fees and funding (the engine's wallet). */
  readonly cashBal: Fixed;
  readonly upl: Fixed;
  /** Margin held by cross positions and by isolated ones. */
  readonly crossImr: Fixed;
  readonly isoMargin: Fixed;
  readonly isoUpl: Fixed;
  /** Margin frozen by open orders. */
  readonly ordFrozen: Fixed;
  readonly mmr: Fixed;
  readonly uTime: number;
}

/**
 * GET /api/v5/account/balance for an account in Spot and futures mode (acctLv 2) holding USDT only, valued
 * 1:1 in USD: eq = cashBal + upl; what positions and orders hold is frozen; the rest is available.
 */
export const balanceJson = (w: WalletView, listed: boolean): Record<string, unknown> => {
  const eq = w.cashBal + w.upl;
  const frozen = w.crossImr + w.isoMargin + w.ordFrozen;
  const details = listed
    ? [
        {
          accAvgPx: '',
          autoLendMtAmt: '0',
          autoLendStatus: 'off',
          availBal: amount(w.cashBal - frozen),
          availEq: amount(eq - frozen),
          borrowFroz: '',
          cashBal: amount(w.cashBal),
          ccy: 'USDT',
          clSpotInUseAmt: '',
          colBorrAutoConversion: '0',
          colRes: '0',
          collateralEnabled: false,
          crossLiab: '',
          disEq: amount(eq),
          eq: amount(eq),
          eqUsd: amount(eq),
          fixedBal: '0',
          frozenBal: amount(frozen),
          imr: amount(w.crossImr),
          interest: '',
          isoEq: amount(w.isoMargin + w.isoUpl),
          isoLiab: '',
          isoUpl: amount(w.isoUpl),
          liab: '',
          maxLoan: '',
          maxSpotInUseAmt: '',
          mgnRatio: ratio(eq, w.mmr, 2),
          mmr: amount(w.mmr),
          notionalLever: '',
          openAvgPx: '',
          ordFrozen: amount(w.ordFrozen),
          rewardBal: '0',
          smtSyncEq: '0',
          spotBal: '',
          spotCopyTradingEq: '0',
          spotInUseAmt: '',
          spotIsoBal: '0',
          spotUpl: '',
          spotUplRatio: '',
          stgyEq: '0',
          totalPnl: '',
          totalPnlRatio: '',
          twap: '0',
          uTime: String(w.uTime),
          upl: amount(w.upl),
          uplLiab: '',
        },
      ]
    : [];
  return {
    adjEq: '',
    availEq: '',
    borrowFroz: '',
    details,
    imr: '',
    isoEq: amount(w.isoMargin + w.isoUpl),
    mgnRatio: '',
    mmr: '',
    notionalUsd: '',
    notionalUsdForBorrow: '',
    notionalUsdForFutures: '',
    notionalUsdForOption: '',
    notionalUsdForSwap: '',
    ordFroz: '',
    totalEq: amount(eq),
    uTime: String(w.uTime),
    upl: amount(w.upl),
  };
};

// --- rate limits --------------------------------------------------------------------------------------

/** Whose requests an endpoint counts together: the account's (or, public, the IP's), or per instrument. */
export type LimitScope = 'account' | 'instrument';

export interface EndpointLimit {
  readonly limit: number;
  readonly windowMs: number;
  readonly scope: LimitScope;
}

const per2s = (limit: number, scope: LimitScope = 'account'): EndpointLimit => ({
  limit,
  windowMs: 2000,
  scope,
});
const perSecond = (limit: number): EndpointLimit => ({ limit, windowMs: 1000, scope: 'account' });

/**
 * OKX's documented limits of the endpoints the fake serves (https://www.okx.com/docs-v5/en/, each
 * endpoint's "Rate Limit" and "Rate limit rule"): private ones per User ID (and Instrument ID where the rule
 * says so), public ones per IP; a batch endpoint counts orders, not requests.
 */
export const LIMITS: Readonly<Record<string, EndpointLimit>> = {
  'GET /api/v5/public/time': per2s(10),
  'GET /api/v5/public/instruments': per2s(20),
  'GET /api/v5/public/position-tiers': per2s(10),
  'GET /api/v5/public/funding-rate-history': per2s(10, 'instrument'),
  'GET /api/v5/public/mark-price': per2s(10, 'instrument'),
  'GET /api/v5/market/candles': per2s(40),
  'GET /api/v5/market/history-candles': per2s(20),
  'GET /api/v5/market/tickers': per2s(20),
  'POST /api/v5/trade/order': per2s(60, 'instrument'),
  'POST /api/v5/trade/batch-orders': per2s(300, 'instrument'),
  'POST /api/v5/trade/cancel-order': per2s(60, 'instrument'),
  'POST /api/v5/trade/cancel-batch-orders': per2s(300, 'instrument'),
  'GET /api/v5/trade/order': per2s(60, 'instrument'),
  'GET /api/v5/trade/orders-pending': per2s(60),
  'GET /api/v5/trade/orders-history': per2s(40),
  'GET /api/v5/trade/orders-history-archive': per2s(20),
  'GET /api/v5/trade/fills': per2s(60),
  'GET /api/v5/trade/fills-history': per2s(10),
  'POST /api/v5/trade/order-algo': per2s(20, 'instrument'),
  'POST /api/v5/trade/cancel-algos': per2s(20),
  'GET /api/v5/trade/order-algo': per2s(20),
  'GET /api/v5/trade/orders-algo-pending': per2s(20),
  'GET /api/v5/trade/orders-algo-history': per2s(20),
  'GET /api/v5/account/positions': per2s(10),
  'GET /api/v5/account/balance': per2s(10),
  'GET /api/v5/account/config': per2s(5),
  'GET /api/v5/account/leverage-info': per2s(20),
  'POST /api/v5/account/set-leverage': per2s(20),
  'POST /api/v5/account/set-position-mode': per2s(5),
  'GET /api/v5/account/trade-fee': per2s(5),
  'GET /api/v5/account/bills': perSecond(5),
  'GET /api/v5/account/bills-archive': per2s(5),
  'GET /api/v5/asset/currencies': perSecond(6),
};

/**
 * Rolling-window counters per endpoint (and instrument, where the endpoint counts per instrument). OKX
 * sends no rate-limit headers; a refused request gets HTTP 429 with code 50011.
 */
export class OkxRateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly enforce: boolean,
  ) {}

  /**
   * Counts `weight` requests (orders, for a batch) against `endpoint` for each key; admits all or none.
   * Endpoints the table does not list are not limited.
   */
  admit(endpoint: string, keys: readonly { readonly key: string; readonly weight: number }[]): boolean {
    const rule = LIMITS[endpoint];
    if (rule === undefined) return true;
    const now = this.now();
    const windows = keys.map(({ key, weight }) => {
      const id = rule.scope === 'instrument' ? `${endpoint} ${key}` : endpoint;
      const times = (this.seen.get(id) ?? []).filter((t) => t > now - rule.windowMs);
      this.seen.set(id, times);
      return { times, weight };
    });
    if (this.enforce && windows.some((w) => w.times.length + w.weight > rule.limit)) return false;
    for (const w of windows) for (let k = 0; k < w.weight; k++) w.times.push(now);
    return true;
  }
}
