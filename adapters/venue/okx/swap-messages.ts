import { z } from 'zod';
import { type Fixed, fixed, ONE, toText, ZERO } from '../../../domain/ledger/fixed.js';
import type { ForcedCloseReason } from '../../../domain/ledger/venue-port.js';
import type { Observation } from '../observation.js';
import type { FundingSettlement } from '../venue-session.js';

/**
 * OKX v5 USDT-margined perpetual swap payloads as observations: the private stream's `orders` and
 * `orders-algo` channels (https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel,
 * …#order-book-trading-algo-trading-ws-algo-orders-channel), and the REST replies of /trade/order (place,
 * query), /trade/cancel-order, /trade/order-algo (place, query), /trade/cancel-algos, /trade/fills and
 * /trade/fills-history, /account/bills and /public/funding-rate-history. Each payload is validated, so a
 * reply that is not what the API promises is an error here (the session reports it as a gap or an
 * unreadable reply) rather than an undefined further on.
 *
 * Sizes: OKX counts swaps in contracts (`sz`, `fillSz`, `accFillSz`, `pos`: "the unit is contract for
 * FUTURES/SWAP/OPTION"); the ledger in the base asset. Every size read here is multiplied by the
 * instrument's contract value, exactly (see `contractsToBase`).
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const unsigned = z.string().regex(/^\d+(\.\d+)?$/);
/** A decimal OKX may leave empty ("" when it does not apply). */
const optionalDecimal = z.union([z.literal(''), decimal]).optional();
/** OKX prints epoch milliseconds as text ("1597026383085"). */
const epochMs = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'not an epoch time in ms');
const optionalEpochMs = z.union([z.literal(''), epochMs]).optional();

/** The settlement asset of the swaps this adapter trades: their fees and funding are in it. */
export const SWAP_SETTLE = 'USDT';

// --- symbols ---------------------------------------------------------------------------------------

const OUR_SYMBOL = /^([A-Z0-9]+)USDT$/;
const SWAP_INST_ID = /^([A-Z0-9]+)-USDT-SWAP$/;

/** Our `BTCUSDT` as OKX's `BTC-USDT-SWAP`. Only USDT-settled perpetual swaps are traded. */
export const okxInstId = (symbol: string): string => {
  const m = OUR_SYMBOL.exec(symbol);
  if (m === null) throw new RangeError(`${symbol} is not a USDT perpetual (BASEUSDT)`);
  return `${m[1]}-USDT-SWAP`;
};

/** OKX's `BTC-USDT-SWAP` as our `BTCUSDT`; null for any other instrument (spot, inverse, USDC, futures). */
export const okxSymbol = (instId: string): string | null => {
  const m = SWAP_INST_ID.exec(instId);
  return m === null ? null : `${m[1]}USDT`;
};

// --- sizes -----------------------------------------------------------------------------------------

/** The base-asset size of one contract of an instrument, by OKX's instId; throws for one it does not know. */
export type ContractSizes = (instId: string) => Fixed;

/** a × b, refused unless exact on the 18-place grid (it always is for OKX's sizes and contract values). */
const exactProduct = (a: Fixed, b: Fixed): Fixed => {
  const p = a * b;
  if (p % ONE !== 0n) throw new RangeError(`${toText(a)} × ${toText(b)} is not exact at 18 places`);
  return p / ONE;
};

/** A number of contracts of `instId` in the base asset, as decimal text. */
export const contractsToBase = (contracts: string, instId: string, sizes: ContractSizes): string =>
  toText(exactProduct(fixed(contracts), sizes(instId)));

/**
 * A base-asset quantity as a number of contracts: `quantity ÷ contractSize`, which must be a whole number of
 * lots (`lotSz`, itself in contracts). Throws a RangeError otherwise: OKX would round or refuse it, and the
 * ledger would book what it asked for, not what OKX filled.
 */
export const baseToContracts = (quantity: string, contractSize: Fixed, lotSz: Fixed): string => {
  const q = fixed(quantity);
  if (contractSize <= ZERO) throw new RangeError(`contract size ${toText(contractSize)} is not positive`);
  const scaled = q * ONE;
  if (scaled % contractSize !== 0n)
    throw new RangeError(
      `${quantity} is not a whole number of contracts of ${toText(contractSize)} (OKX sizes swaps in contracts)`,
    );
  const contracts = scaled / contractSize;
  if (lotSz > ZERO && contracts % lotSz !== 0n)
    throw new RangeError(
      `${quantity} is ${toText(contracts)} contracts, not a whole number of lots of ${toText(lotSz)} contracts`,
    );
  return toText(contracts);
};

// --- envelope --------------------------------------------------------------------------------------

/** A v5 reply: `{"code":"0","msg":"","data":[…]}`. ccxt throws for any other code before this reads it. */
const envelope = z.object({ code: z.literal('0'), data: z.array(z.unknown()) });

/** `data` of a v5 reply. */
export const dataOf = (reply: unknown): unknown[] => envelope.parse(reply).data;

// --- orders ----------------------------------------------------------------------------------------

const orderObject = z.object({
  instType: z.string(),
  instId: z.string().min(1),
  ordId: z.string().min(1),
  clOrdId: z.string(),
  side: z.enum(['buy', 'sell']),
  ordType: z.string(),
  state: z.string(),
  accFillSz: unsigned,
  cancelSource: z.string().optional(),
  category: z.string().optional(),
  algoClOrdId: z.string().optional(),
  algoId: z.string().optional(),
  tradeId: z.string().optional(),
  fillPx: optionalDecimal,
  fillSz: optionalDecimal,
  fillTime: optionalEpochMs,
  fillFee: optionalDecimal,
  fillFeeCcy: z.string().optional(),
  execType: z.string().optional(),
  uTime: epochMs,
});

type OrderObject = z.infer<typeof orderObject>;
type End = Extract<Observation, { kind: 'end' }>;

/**
 * Orders the exchange places itself to close a position, by their `category`
 * (…#order-book-trading-trade-ws-order-channel): a full or partial liquidation, an auto-deleveraging, a
 * delivery (a swap's delisting settles at delivery).
 */
const FORCED_CATEGORIES: Readonly<Record<string, ForcedCloseReason>> = {
  full_liquidation: 'liquidation',
  partial_liquidation: 'liquidation',
  adl: 'adl',
  delivery: 'settlement',
};

/**
 * Why OKX cancelled an order, by `cancelSource` (…#order-book-trading-trade-ws-order-channel). 1 is the
 * user's own request; 13, 14 and 31 are the order's own terms (fill-or-kill, immediate-or-cancel,
 * post-only); every other source is OKX's doing (risk, ADL, delisting, price limits, self-trade prevention).
 */
const TERMS_SOURCES: Readonly<Record<string, string>> = {
  '13': 'FOK: could not fill completely on arrival',
  '14': 'IOC: remainder not filled on arrival',
  '31': 'post-only: would have taken liquidity',
};

const cancelledEnd = (o: OrderObject): Pick<End, 'end' | 'reason'> => {
  const source = o.cancelSource ?? '';
  if (source === '1') return { end: 'cancelled', reason: 'cancelled on request' };
  const terms = TERMS_SOURCES[source];
  if (terms !== undefined) return { end: 'expired', reason: terms };
  if (source === '') {
    // Without a source, the order's type says why it could end on its own.
    if (o.ordType === 'fok') return { end: 'expired', reason: TERMS_SOURCES['13']! };
    if (o.ordType === 'ioc' || o.ordType === 'optimal_limit_ioc')
      return { end: 'expired', reason: TERMS_SOURCES['14']! };
    if (o.ordType === 'post_only') return { end: 'expired', reason: TERMS_SOURCES['31']! };
    if (o.ordType === 'market')
      return { end: 'expired', reason: 'market: the book ran out before the order was filled' };
  }
  return {
    end: 'expired',
    reason: `cancelled by the venue${source === '' ? '' : ` (cancelSource ${source})`}`,
  };
};

const isZero = (d: string): boolean => /^-?0*(\.0*)?$/.test(d);

/**
 * The fee of a fill as OKX charged it. OKX signs it as the balance moved: "Negative number represents the
 * user transaction fee charged by the platform; Positive number represents rebate" (fillFee of the orders
 * channel, fee of /trade/fills). The ledger's fee is what was taken, so it is negated: a maker's rebate
 * becomes the negative fee it is.
 */
export const feeOf = (
  fee: string | undefined,
  ccy: string | undefined,
): { amount: string; asset: string } | null => {
  if (fee === undefined || fee === '') return null;
  return { amount: toText(-fixed(fee)), asset: ccy ? ccy : SWAP_SETTLE };
};

/** The fill an orders-channel message carries, if any: "If a tradeId is present, it means a fill." */
const fillOf = (
  o: OrderObject,
): { tradeId: string; price: string; contracts: string; time: number } | null => {
  if (!o.tradeId || o.fillSz === undefined || o.fillSz === '' || isZero(o.fillSz)) return null;
  if (o.fillPx === undefined || o.fillPx === '')
    throw new Error(`fill ${o.tradeId} of ${o.ordId} has no price`);
  return { tradeId: o.tradeId, price: o.fillPx, contracts: o.fillSz, time: o.fillTime || o.uTime };
};

/**
 * One order as GET /trade/order or the `orders` channel gives it. `withFill`: the message's fillSz, fillPx and
 * tradeId are one trade (the orders channel); in the REST order they are the last trade's, repeated by every
 * query ("The definitions for fillPx, tradeId, fillSz … differ between the REST order information endpoints
 * and the orders channel"), so a lookup reports the filled total and leaves the trades to /trade/fills.
 *
 * A regular order that a conditional (algo) order of ours put in the book when it fired carries our id as
 * `algoClOrdId`: its observations are about that order of ours.
 */
export const orderObservations = (order: unknown, sizes: ContractSizes, withFill: boolean): Observation[] => {
  const o = orderObject.parse(order);
  const clientOrderId = o.algoClOrdId ? o.algoClOrdId : o.clOrdId === '' ? null : o.clOrdId;
  const base = { clientOrderId, venueOrderId: o.ordId, time: o.uTime };
  const cumFilled = contractsToBase(o.accFillSz, o.instId, sizes);
  const fill = withFill ? fillOf(o) : null;
  const forced = o.category === undefined ? undefined : FORCED_CATEGORIES[o.category];
  if (forced !== undefined) {
    if (fill === null) return [];
    const symbol = okxSymbol(o.instId);
    if (symbol === null) return [];
    return [
      {
        kind: 'forced',
        reason: forced,
        // The exchange's own orders carry no clOrdId: the order id stands in.
        clientOrderId: o.clOrdId === '' ? o.ordId : o.clOrdId,
        venueOrderId: o.ordId,
        time: fill.time,
        symbol,
        side: o.side === 'buy' ? 'BUY' : 'SELL',
        tradeId: fill.tradeId,
        price: fill.price,
        quantity: contractsToBase(fill.contracts, o.instId, sizes),
        fee: feeOf(o.fillFee, o.fillFeeCcy),
      },
    ];
  }
  const ack: Observation = { ...base, kind: 'ack' };
  const trade: Observation[] =
    fill === null
      ? []
      : [
          {
            ...base,
            time: fill.time,
            kind: 'trade',
            tradeId: fill.tradeId,
            price: fill.price,
            quantity: contractsToBase(fill.contracts, o.instId, sizes),
            liquidity: o.execType === 'M' ? 'maker' : 'taker',
            fee: feeOf(o.fillFee, o.fillFeeCcy),
            cumFilled,
          },
        ];
  switch (o.state) {
    case 'live':
    case 'partially_filled':
    case 'filled':
      return [ack, ...trade, { ...base, kind: 'filled-so-far', cumFilled }];
    case 'canceled':
    case 'mmp_canceled':
      return [ack, ...trade, { ...base, kind: 'end', ...cancelledEnd(o), cumFilled }];
    default:
      throw new Error(`unknown OKX order state ${JSON.stringify(o.state)}`);
  }
};

// --- algo (conditional) orders ---------------------------------------------------------------------

const algoObject = z.object({
  instType: z.string(),
  instId: z.string().min(1),
  algoId: z.string().min(1),
  algoClOrdId: z.string(),
  ordType: z.string(),
  state: z.string(),
  slTriggerPx: optionalDecimal,
  tpTriggerPx: optionalDecimal,
  triggerPx: optionalDecimal,
  ordId: z.string().optional(),
  ordIdList: z.array(z.string()).optional(),
  failCode: z.string().optional(),
  triggerTime: optionalEpochMs,
  uTime: epochMs,
});

/**
 * One conditional order as GET /trade/order-algo or the `orders-algo` channel gives it
 * (…#order-book-trading-algo-trading-get-algo-order-details). It waits `live`; when it fires OKX places a
 * regular order (`ordIdList`, `ordId`: "Latest order ID") and the algo order is `effective`: its fills and
 * its end are that order's, which carries our id as its algoClOrdId. `order_failed`: it fired but the order
 * could not be placed (`failCode`, e.g. 51008) — OKX had accepted it, so the ledger books an expiry.
 */
export const algoObservations = (algo: unknown): Observation[] => {
  const a = algoObject.parse(algo);
  const base = {
    clientOrderId: a.algoClOrdId === '' ? null : a.algoClOrdId,
    venueOrderId: a.algoId,
    time: a.uTime,
  };
  const ack: Observation = { ...base, kind: 'ack' };
  const child = a.ordIdList?.find((id) => id !== '') ?? (a.ordId ? a.ordId : null);
  const triggerPrice = a.slTriggerPx || a.tpTriggerPx || a.triggerPx || '';
  switch (a.state) {
    case 'live':
    case 'pause':
      return [ack];
    case 'effective':
    case 'partially_effective':
      if (triggerPrice === '') throw new Error(`algo order ${a.algoId} fired without a trigger price`);
      return [
        ack,
        { ...base, time: a.triggerTime || a.uTime, kind: 'trigger', triggerPrice, childOrderId: child },
      ];
    case 'canceled':
      return [
        ack,
        { ...base, kind: 'end', end: 'cancelled', reason: 'canceled at the venue', cumFilled: '0' },
      ];
    case 'order_failed':
    case 'partially_failed':
      return [
        ack,
        {
          ...base,
          kind: 'end',
          end: 'rejected',
          reason: `the order it fired failed${a.failCode ? ` (okx ${a.failCode})` : ''}`,
          cumFilled: '0',
        },
      ];
    default:
      throw new Error(`unknown OKX algo order state ${JSON.stringify(a.state)}`);
  }
};

/** The regular order a fired conditional order placed, if the algo order names one. */
export const algoChildOf = (algo: unknown): string | null => {
  const a = algoObject.parse(algo);
  return a.ordIdList?.find((id) => id !== '') ?? (a.ordId ? a.ordId : null);
};

// --- request acknowledgements ----------------------------------------------------------------------

const orderAck = z.object({
  ordId: z.string().min(1),
  clOrdId: z.string(),
  ts: optionalEpochMs,
  sCode: z.literal('0'),
});

/**
 * A POST /trade/order or /trade/cancel-order reply: `data[0]` = {ordId, clOrdId, ts, sCode "0"}. OKX answers
 * once it processed the request ("ts: Timestamp when the order request processing is finished"); what the
 * order then does comes on the orders channel. The reply says OKX holds the order under that id.
 */
export const orderAckObservations = (reply: unknown, receivedAt: number): Observation[] => {
  const rows = dataOf(reply);
  if (rows.length !== 1) throw new Error(`expected one order in the reply, got ${rows.length}`);
  const r = orderAck.parse(rows[0]);
  return [
    {
      clientOrderId: r.clOrdId === '' ? null : r.clOrdId,
      venueOrderId: r.ordId,
      time: r.ts || receivedAt,
      kind: 'ack',
    },
  ];
};

const algoAck = z.object({
  algoId: z.string().min(1),
  algoClOrdId: z.string().optional(),
  sCode: z.literal('0'),
});

/**
 * A POST /trade/order-algo or /trade/cancel-algos reply: `data[0]` = {algoId, sCode "0", …}. The cancel
 * reply's algoClOrdId is deprecated (empty), so the caller names the id it sent.
 */
export const algoAckObservations = (reply: unknown, wireId: string, receivedAt: number): Observation[] => {
  const rows = dataOf(reply);
  if (rows.length !== 1) throw new Error(`expected one algo order in the reply, got ${rows.length}`);
  const r = algoAck.parse(rows[0]);
  return [
    {
      clientOrderId: r.algoClOrdId ? r.algoClOrdId : wireId,
      venueOrderId: r.algoId,
      time: receivedAt,
      kind: 'ack',
    },
  ];
};

// --- fills -----------------------------------------------------------------------------------------

const fillRow = z.object({
  instType: z.string(),
  instId: z.string().min(1),
  tradeId: z.string().min(1),
  ordId: z.string(),
  clOrdId: z.string(),
  billId: z.string().regex(/^\d+$/),
  subType: z.string(),
  fillPx: decimal,
  fillSz: unsigned,
  side: z.enum(['buy', 'sell']),
  execType: z.string(),
  fee: optionalDecimal,
  feeCcy: z.string().optional(),
  ts: epochMs,
  fillTime: optionalEpochMs,
});

type FillRow = z.infer<typeof fillRow>;

/**
 * Transaction types of the exchange's own closing trades (/trade/fills `subType`,
 * …#order-book-trading-trade-get-transaction-details-last-3-months): partial liquidation 100–103,
 * liquidation 104–107, ADL 125–128, delivery 112–113 (a swap's delisting). OKX also gives such trades a
 * negative tradeId ("When the order category … is partial_liquidation, full_liquidation, or adl, this field
 * will be assigned a negative value").
 */
const FORCED_SUBTYPES: Readonly<Record<string, ForcedCloseReason>> = {
  '100': 'liquidation',
  '101': 'liquidation',
  '102': 'liquidation',
  '103': 'liquidation',
  '104': 'liquidation',
  '105': 'liquidation',
  '106': 'liquidation',
  '107': 'liquidation',
  '125': 'adl',
  '126': 'adl',
  '127': 'adl',
  '128': 'adl',
  '112': 'settlement',
  '113': 'settlement',
};

/** Trades of an order: buy, sell, and the open/close variants of long/short mode. */
const TRADE_SUBTYPES = new Set(['1', '2', '3', '4', '5', '6']);

const fillObservation = (f: FillRow, sizes: ContractSizes): Observation[] => {
  const reason = FORCED_SUBTYPES[f.subType] ?? (f.tradeId.startsWith('-') ? 'liquidation' : undefined);
  const time = f.fillTime || f.ts;
  const quantity = contractsToBase(f.fillSz, f.instId, sizes);
  if (reason !== undefined) {
    const symbol = okxSymbol(f.instId);
    if (symbol === null) return [];
    return [
      {
        kind: 'forced',
        reason,
        clientOrderId: f.clOrdId === '' ? f.ordId : f.clOrdId,
        venueOrderId: f.ordId,
        time,
        symbol,
        side: f.side === 'buy' ? 'BUY' : 'SELL',
        tradeId: f.tradeId,
        price: f.fillPx,
        quantity,
        fee: feeOf(f.fee, f.feeCcy),
      },
    ];
  }
  // Block trades, spread trades, moved positions and transfers are no trades of our orders.
  if (!TRADE_SUBTYPES.has(f.subType)) return [];
  return [
    {
      clientOrderId: f.clOrdId === '' ? null : f.clOrdId,
      venueOrderId: f.ordId,
      time,
      kind: 'trade',
      tradeId: f.tradeId,
      price: f.fillPx,
      quantity,
      // "Not applicable to system orders such as ADL and liquidation": those are forced, above.
      liquidity: f.execType === 'M' ? 'maker' : 'taker',
      fee: feeOf(f.fee, f.feeCcy),
      cumFilled: null,
    },
  ];
};

/**
 * /trade/fills and /trade/fills-history rows as observations, oldest first, each trade once. OKX lists newest
 * first; rows of one instant are ordered by their billId, which grows with each record.
 */
export const fillObservations = (rows: readonly unknown[], sizes: ContractSizes): Observation[] => {
  const seen = new Set<string>();
  const parsed: FillRow[] = [];
  for (const row of rows) {
    const f = fillRow.parse(row);
    const key = `${f.instId}:${f.tradeId}:${f.ordId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    parsed.push(f);
  }
  parsed.sort((a, b) => {
    const t = (a.fillTime || a.ts) - (b.fillTime || b.ts);
    if (t !== 0) return t;
    const x = BigInt(a.billId);
    const y = BigInt(b.billId);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return parsed.flatMap((f) => fillObservation(f, sizes));
};

/** The billId of the oldest row of a page (OKX pages by `after` = a billId: "records earlier than"). */
export const oldestBillId = (rows: readonly unknown[]): string | null => {
  let oldest: bigint | null = null;
  for (const row of rows) {
    const id = (row as { billId?: unknown } | null)?.billId;
    if (typeof id !== 'string' || !/^\d+$/.test(id))
      throw new Error(`a row without a billId: ${JSON.stringify(row)}`);
    const v = BigInt(id);
    if (oldest === null || v < oldest) oldest = v;
  }
  return oldest === null ? null : oldest.toString();
};

// --- the private stream ----------------------------------------------------------------------------

const streamMessage = z.object({
  arg: z.object({ channel: z.string(), instType: z.string().optional() }),
  data: z.array(z.unknown()),
});

/** An orders-channel item: orders of other instrument types (the channel may carry them) give nothing. */
const streamOrder = (item: unknown, sizes: ContractSizes): Observation[] => {
  const head = item as { instType?: unknown; instId?: unknown } | null;
  if (head !== null && typeof head === 'object') {
    if (head.instType !== undefined && head.instType !== 'SWAP') return [];
    if (typeof head.instId === 'string' && okxSymbol(head.instId) === null) return [];
  }
  return orderObservations(item, sizes, true);
};

const streamAlgo = (item: unknown): Observation[] => {
  const head = item as { instType?: unknown; instId?: unknown } | null;
  if (head !== null && typeof head === 'object') {
    if (head.instType !== undefined && head.instType !== 'SWAP') return [];
    if (typeof head.instId === 'string' && okxSymbol(head.instId) === null) return [];
  }
  return algoObservations(item);
};

/**
 * One private-stream push: `{"arg":{"channel":"orders"|"orders-algo","instType":"SWAP",…},"data":[…]}`.
 * Other channels (the session subscribes to none) give nothing.
 */
const accountPush = z.object({
  data: z.array(z.object({ eventType: z.string(), pTime: epochMs })),
});

/**
 * A `balance_and_position` push (https://www.okx.com/docs-v5/en/#trading-account-websocket-balance-and-position-channel):
 * the one word the stream gives of funding. OKX says the balance moved for a funding fee (`eventType`
 * funding_fee) but not by how much per symbol, so the funding bills are to be listed; its other events
 * (fills, liquidations, ADL) the `orders` channel reports in full.
 */
const accountObservations = (message: unknown): Observation[] =>
  accountPush
    .parse(message)
    .data.filter((d) => d.eventType === 'funding_fee')
    .map((d) => ({
      kind: 'income-posted' as const,
      income: 'funding' as const,
      clientOrderId: null,
      venueOrderId: null,
      time: d.pTime,
    }));

export const streamObservations = (message: unknown, sizes: ContractSizes): Observation[] => {
  const channel = (message as { arg?: { channel?: unknown } } | null)?.arg?.channel;
  if (channel === 'balance_and_position') return accountObservations(message);
  if (channel !== 'orders' && channel !== 'orders-algo') return [];
  const m = streamMessage.parse(message);
  return m.data.flatMap((item) => (channel === 'orders' ? streamOrder(item, sizes) : streamAlgo(item)));
};

// --- funding ---------------------------------------------------------------------------------------

const billRow = z.object({
  billId: z.string().min(1),
  type: z.string(),
  subType: z.string(),
  instId: z.string(),
  ccy: z.string().min(1),
  balChg: optionalDecimal,
  posBalChg: optionalDecimal,
  pnl: optionalDecimal,
  ts: epochMs,
});

/** Bill type 8 is "Funding fee"; its subtypes 173 "Funding fee expense" and 174 "Funding fee income". */
const FUNDING_TYPE = '8';
const FUNDING_SIGN: Readonly<Record<string, 1n | -1n>> = { '173': -1n, '174': 1n };

/**
 * /account/bills rows (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days):
 * the funding bills of USDT swaps as funding observations, oldest first; other bills are left out. The
 * amount is signed as the ledger books funding (received +, paid −): the subtype says which way it went,
 * the bill how much — `balChg` ("Change in balance amount at the account level"), else `posBalChg` (an
 * isolated position's margin, where OKX settles its funding), else `pnl` (which OKX's note on subtype 173
 * names: "You may refer to "pnl" for the fee payment").
 */
export const fundingObservations = (rows: readonly unknown[]): Observation[] =>
  rows
    .map((row) => billRow.parse(row))
    .filter((b) => b.type === FUNDING_TYPE && okxSymbol(b.instId) !== null)
    .map((b) => {
      const sign = FUNDING_SIGN[b.subType];
      if (sign === undefined) throw new Error(`funding bill ${b.billId} has subType ${b.subType}`);
      const magnitude = [b.balChg, b.posBalChg, b.pnl]
        .map((v) => (v === undefined || v === '' ? ZERO : fixed(v)))
        .find((v) => v !== ZERO);
      const abs = magnitude === undefined ? ZERO : magnitude < ZERO ? -magnitude : magnitude;
      return { b, amount: toText(sign * abs) };
    })
    .sort((x, y) => x.b.ts - y.b.ts || (BigInt(x.b.billId) < BigInt(y.b.billId) ? -1 : 1))
    .map(({ b, amount }) => ({
      kind: 'funding' as const,
      clientOrderId: null,
      venueOrderId: null,
      time: b.ts,
      symbol: okxSymbol(b.instId)!,
      amount,
      asset: b.ccy,
      incomeId: b.billId,
    }));

const fundingRateRow = z.object({
  instId: z.string(),
  fundingRate: decimal,
  realizedRate: optionalDecimal,
  fundingTime: epochMs,
});

/**
 * /public/funding-rate-history rows (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate-history),
 * oldest first. `realizedRate` is the "Actual funding rate" charged; `fundingRate` the "Predicted" one, taken
 * only where no realised rate is given. OKX lists no mark price, so it is null.
 */
export const fundingSettlementsOf = (rows: readonly unknown[]): FundingSettlement[] =>
  rows
    .map((row) => fundingRateRow.parse(row))
    .sort((a, b) => a.fundingTime - b.fundingTime)
    .map((r) => ({
      time: r.fundingTime,
      rate: r.realizedRate ? r.realizedRate : r.fundingRate,
      markPrice: null,
    }));
