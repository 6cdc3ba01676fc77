import { z } from 'zod';
import type { ForcedCloseReason } from '../../../domain/ledger/venue-port.js';
import type { IncomeKind, Observation } from '../observation.js';
import type { FundingSettlement } from '../venue-session.js';

/**
 * Binance USDⓈ-M payloads as observations: the user-data stream's ORDER_TRADE_UPDATE and ALGO_UPDATE
 * (https://developers.binance.com/docs/derivatives/usds-margined-futures/user-data-streams), and the REST
 * replies of /fapi/v1/order, /fapi/v1/algoOrder and /fapi/v1/userTrades. Each payload is validated, so a
 * reply that is not what the API promises is an error here rather than an undefined further on.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);

const orderUpdate = z.object({
  e: z.literal('ORDER_TRADE_UPDATE'),
  o: z.object({
    s: z.string().optional(),
    S: z.enum(['BUY', 'SELL']).optional(),
    c: z.string(),
    o: z.string(),
    f: z.string(),
    x: z.string(),
    X: z.string(),
    i: id,
    l: decimal,
    z: decimal,
    L: decimal,
    n: decimal.optional(),
    N: z.string().optional(),
    T: z.number(),
    t: z.number(),
    m: z.boolean(),
    ot: z.string().optional(),
  }),
});

const algoUpdate = z.object({
  e: z.literal('ALGO_UPDATE'),
  /** Binance documents E as the transaction time of ALGO_UPDATE. */
  E: z.number(),
  o: z.object({
    caid: z.string(),
    aid: id,
    X: z.string(),
    ai: z.union([z.literal(''), id]).optional(),
    aq: decimal.optional(),
    tp: decimal,
    tt: z.number().optional(),
    rm: z.string().optional(),
  }),
});

const orderReply = z.object({
  orderId: id,
  clientOrderId: z.string(),
  status: z.string(),
  type: z.string(),
  timeInForce: z.string(),
  executedQty: decimal,
  updateTime: z.number(),
});

const algoReply = z.object({
  algoId: id,
  clientAlgoId: z.string(),
  algoStatus: z.string(),
  triggerPrice: decimal,
  actualOrderId: z.union([z.literal(''), id]).nullish(),
  updateTime: z.number(),
  triggerTime: z.number().optional(),
});

const algoCancelReply = z.object({ algoId: id, clientAlgoId: z.string(), code: z.string(), msg: z.string() });

const tradeReply = z.object({
  id,
  orderId: id,
  price: decimal,
  qty: decimal,
  commission: decimal,
  commissionAsset: z.string(),
  maker: z.boolean(),
  time: z.number(),
});

/** Why Binance expired an order, from the order's type and time in force. */
const expiryReason = (type: string, tif: string): string => {
  if (tif === 'IOC') return 'IOC: remainder not filled on arrival';
  if (tif === 'FOK') return 'FOK: could not fill completely on arrival';
  if (tif === 'GTX') return 'post-only: would have taken liquidity';
  if (type === 'MARKET') return 'market: the book ran out before the order was filled';
  return 'expired by the venue';
};

const abs = (d: string): string => (d.startsWith('-') ? d.slice(1) : d);

/**
 * The symbols on which the account's listed maker rate (GET /fapi/v1/commissionRate) is negative: a
 * rebate tier. Binance's documentation does not say which sign a charged commission has (the userTrades
 * example prints "-0.07819010" for one), so the sign of a commission is not read: a
 * maker's commission on such a symbol was paid to the account, every other one was taken from it.
 */
export type RebateSymbols = ReadonlySet<string>;
const noRebates: RebateSymbols = new Set();

/** The fee of one trade as the ledger books it: what was taken, negative for a maker's rebate. */
const feeOf = (
  commission: string,
  asset: string,
  symbol: string | undefined,
  maker: boolean,
  rebates: RebateSymbols,
): { amount: string; asset: string } => {
  const taken = abs(commission);
  const rebate = maker && symbol !== undefined && rebates.has(symbol) && !/^0*(\.0*)?$/.test(taken);
  return { amount: rebate ? `-${taken}` : taken, asset };
};

/**
 * The exchange's own closing orders, by the client order id Binance gives them (user-data stream docs,
 * "Liquidation and ADL"): "autoclose-…" a liquidation, "adl_autoclose" an auto-deleveraging,
 * "settlement_autoclose-…" a delisting or delivery settlement.
 */
export const forcedCloseReason = (clientOrderId: string): ForcedCloseReason | null =>
  clientOrderId.startsWith('autoclose-')
    ? 'liquidation'
    : clientOrderId === 'adl_autoclose'
      ? 'adl'
      : clientOrderId.startsWith('settlement_autoclose-')
        ? 'settlement'
        : null;

type OrderUpdate = z.infer<typeof orderUpdate>['o'];

/**
 * A trade of one of the exchange's closing orders: a liquidation executes as CALCULATED, an ADL or a
 * settlement as TRADE. Its other updates (NEW, the order's end) change nothing that the trade does not.
 */
const forcedObservations = (o: OrderUpdate, reason: ForcedCloseReason): Observation[] => {
  if (o.x !== 'TRADE' && o.x !== 'CALCULATED') return [];
  if (o.s === undefined || o.S === undefined)
    throw new RangeError(`${reason} order ${o.i}: the update names no symbol or side`);
  return [
    {
      kind: 'forced',
      reason,
      clientOrderId: o.c,
      venueOrderId: o.i,
      time: o.T,
      symbol: o.s,
      side: o.S,
      tradeId: String(o.t),
      price: o.L,
      quantity: o.l,
      fee: o.n === undefined || o.N === undefined ? null : { amount: abs(o.n), asset: o.N },
    },
  ];
};

const accountUpdate = z.object({
  e: z.literal('ACCOUNT_UPDATE'),
  T: z.number(),
  a: z.object({ m: z.enum(['FUNDING_FEE', 'INSURANCE_CLEAR']) }),
});

/** Binance's income type of each kind of income record a venue reports. */
export const incomeTypeOf: Readonly<Record<IncomeKind, string>> = {
  funding: 'FUNDING_FEE',
  'clearance-fee': 'INSURANCE_CLEAR',
};

/**
 * A user-stream message; messages about anything but orders, funding and clearance fees give nothing.
 * Those two arrive as ACCOUNT_UPDATE with reason FUNDING_FEE or INSURANCE_CLEAR; for a cross position it
 * carries the balance change only, not the symbol, so it says "fetch the income records" rather than what
 * was charged.
 */
export const streamObservations = (message: unknown, rebates: RebateSymbols = noRebates): Observation[] => {
  const kind = (message as { e?: unknown } | null)?.e;
  if (kind === 'ACCOUNT_UPDATE') {
    // Balance and position updates for other reasons (orders, deposits) say nothing the order reports and
    // the ledger do not; only funding is read, and then strictly.
    const reason = (message as { a?: { m?: unknown } }).a?.m;
    if (reason !== 'FUNDING_FEE' && reason !== 'INSURANCE_CLEAR') return [];
    const m = accountUpdate.parse(message);
    return [
      {
        kind: 'income-posted',
        income: m.a.m === 'FUNDING_FEE' ? 'funding' : 'clearance-fee',
        clientOrderId: null,
        venueOrderId: null,
        time: m.T,
      },
    ];
  }
  if (kind === 'ORDER_TRADE_UPDATE') {
    const { o } = orderUpdate.parse(message);
    const forced = forcedCloseReason(o.c);
    if (forced !== null) return forcedObservations(o, forced);
    const base = { clientOrderId: o.c, venueOrderId: o.i, time: o.T };
    switch (o.x) {
      case 'NEW':
        return [{ ...base, kind: 'ack' }];
      case 'TRADE':
        return [
          {
            ...base,
            kind: 'trade',
            tradeId: String(o.t),
            price: o.L,
            quantity: o.l,
            liquidity: o.m ? 'maker' : 'taker',
            fee: o.n === undefined || o.N === undefined ? null : feeOf(o.n, o.N, o.s, o.m, rebates),
            cumFilled: o.z,
          },
        ];
      case 'CANCELED':
        return [{ ...base, kind: 'end', end: 'cancelled', reason: 'cancelled on request', cumFilled: o.z }];
      case 'EXPIRED':
        return [{ ...base, kind: 'end', end: 'expired', reason: expiryReason(o.o, o.f), cumFilled: o.z }];
      case 'REJECTED':
        return [{ ...base, kind: 'end', end: 'rejected', reason: 'rejected by the venue', cumFilled: o.z }];
      default:
        // AMENDMENT and CALCULATED (liquidation) do not change what the ledger books for our orders.
        return [];
    }
  }
  if (kind === 'ALGO_UPDATE') {
    const m = algoUpdate.parse(message);
    return algoObservations(
      { clientOrderId: m.o.caid, venueOrderId: m.o.aid, time: m.E },
      m.o.X,
      m.o.tp,
      m.o.ai ? m.o.ai : null,
      m.o.tt || m.E,
      m.o.aq ?? '0',
      m.o.rm,
    );
  }
  return [];
};

const algoObservations = (
  base: { clientOrderId: string; venueOrderId: string; time: number },
  status: string,
  triggerPrice: string,
  childOrderId: string | null,
  triggerTime: number,
  executed: string,
  rejectReason: string | undefined,
): Observation[] => {
  const ack: Observation = { ...base, kind: 'ack' };
  switch (status) {
    case 'NEW':
    case 'TRIGGERING':
      return [ack];
    case 'TRIGGERED':
    case 'FINISHED':
      return [
        ack,
        { ...base, time: triggerTime, kind: 'trigger', triggerPrice, childOrderId },
        ...(status === 'FINISHED'
          ? [{ ...base, venueOrderId: childOrderId, kind: 'filled-so-far' as const, cumFilled: executed }]
          : []),
      ];
    case 'CANCELED':
      return [
        ack,
        { ...base, kind: 'end', end: 'cancelled', reason: 'cancelled on request', cumFilled: '0' },
      ];
    case 'EXPIRED':
      return [
        ack,
        { ...base, kind: 'end', end: 'expired', reason: 'expired by the venue', cumFilled: executed },
      ];
    case 'REJECTED':
      return [
        {
          ...base,
          kind: 'end',
          end: 'rejected',
          reason: rejectReason ? `rejected by the venue: ${rejectReason}` : 'rejected by the venue',
          cumFilled: '0',
        },
      ];
    default:
      return [];
  }
};

/** A /fapi/v1/order reply (place, cancel or query). */
export const orderObservations = (reply: unknown): Observation[] => {
  const r = orderReply.parse(reply);
  const base = { clientOrderId: r.clientOrderId, venueOrderId: r.orderId, time: r.updateTime };
  const ack: Observation = { ...base, kind: 'ack' };
  switch (r.status) {
    case 'NEW':
    case 'PARTIALLY_FILLED':
    case 'FILLED':
      return [ack, { ...base, kind: 'filled-so-far', cumFilled: r.executedQty }];
    case 'CANCELED':
      return [
        ack,
        { ...base, kind: 'end', end: 'cancelled', reason: 'cancelled on request', cumFilled: r.executedQty },
      ];
    case 'EXPIRED':
    case 'EXPIRED_IN_MATCH':
      return [
        ack,
        {
          ...base,
          kind: 'end',
          end: 'expired',
          reason: expiryReason(r.type, r.timeInForce),
          cumFilled: r.executedQty,
        },
      ];
    case 'REJECTED':
      return [{ ...base, kind: 'end', end: 'rejected', reason: 'rejected by the venue', cumFilled: '0' }];
    default:
      throw new Error(`unknown Binance order status ${JSON.stringify(r.status)}`);
  }
};

/** A /fapi/v1/algoOrder reply (place or query), and the id of the order it triggered, if any. */
export const algoObservationsOf = (
  reply: unknown,
): { observations: Observation[]; childOrderId: string | null } => {
  const r = algoReply.parse(reply);
  const child = r.actualOrderId ? r.actualOrderId : null;
  return {
    childOrderId: child,
    observations: algoObservations(
      { clientOrderId: r.clientAlgoId, venueOrderId: r.algoId, time: r.updateTime },
      r.algoStatus,
      r.triggerPrice,
      child,
      r.triggerTime || r.updateTime,
      '0',
      undefined,
    ),
  };
};

/** A DELETE /fapi/v1/algoOrder reply: it carries no time, so the caller supplies when it arrived. */
export const algoCancelObservations = (reply: unknown, receivedAt: number): Observation[] => {
  const r = algoCancelReply.parse(reply);
  return [
    {
      clientOrderId: r.clientAlgoId,
      venueOrderId: r.algoId,
      time: receivedAt,
      kind: 'end',
      end: 'cancelled',
      reason: 'cancelled on request',
      cumFilled: '0',
    },
  ];
};

const forceOrderRow = z.object({
  orderId: id,
  symbol: z.string(),
  clientOrderId: z.string(),
  side: z.enum(['BUY', 'SELL']),
  executedQty: decimal,
  time: z.number().int().nonnegative(),
});

/** A closing order of the exchange's, as /fapi/v1/forceOrders lists it. */
export interface ForceOrder {
  readonly orderId: string;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly reason: ForcedCloseReason;
  /** When the exchange placed it, epoch ms. */
  readonly time: number;
  /** Whether it traded at all (one that did not has no trades to book). */
  readonly traded: boolean;
}

/** /fapi/v1/forceOrders rows: the exchange's closing orders, with what they were. */
export const forceOrdersOf = (rows: unknown): ForceOrder[] => {
  if (!Array.isArray(rows)) throw new Error('not a list');
  return rows.flatMap((row) => {
    const o = forceOrderRow.parse(row);
    const reason = forcedCloseReason(o.clientOrderId);
    if (reason === null) return [];
    const { orderId, symbol, clientOrderId, side, time } = o;
    return [
      { orderId, symbol, clientOrderId, side, reason, time, traded: !/^0(\.0+)?$/.test(o.executedQty) },
    ];
  });
};

/** /fapi/v1/userTrades rows of `symbol`, oldest first. */
export const tradeObservations = (
  rows: readonly unknown[],
  symbol?: string,
  rebates: RebateSymbols = noRebates,
): Observation[] =>
  rows
    .map((row) => tradeReply.parse(row))
    .sort((a, b) => a.time - b.time || Number(BigInt(a.id) - BigInt(b.id)))
    .map((t) => ({
      clientOrderId: null,
      venueOrderId: t.orderId,
      time: t.time,
      kind: 'trade' as const,
      tradeId: t.id,
      price: t.price,
      quantity: t.qty,
      liquidity: t.maker ? ('maker' as const) : ('taker' as const),
      fee: feeOf(t.commission, t.commissionAsset, symbol, t.maker, rebates),
      cumFilled: null,
    }));

const incomeRow = z.object({
  symbol: z.string(),
  incomeType: z.string(),
  income: decimal,
  asset: z.string().min(1),
  time: z.number().int().nonnegative(),
  tranId: id,
});

/**
 * /fapi/v1/income rows (https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Get-Income-History):
 * the FUNDING_FEE records as funding observations and the INSURANCE_CLEAR ones as clearance fees, oldest
 * first; other kinds of income are left out.
 */
export const incomeObservationsOf = (rows: unknown): Observation[] => {
  if (!Array.isArray(rows)) throw new Error('not a list');
  return rows
    .map((row) => incomeRow.parse(row))
    .filter((r) => (r.incomeType === 'FUNDING_FEE' || r.incomeType === 'INSURANCE_CLEAR') && r.symbol !== '')
    .sort((a, b) => a.time - b.time || Number(BigInt(a.tranId) - BigInt(b.tranId)))
    .map((r) => ({
      kind: r.incomeType === 'FUNDING_FEE' ? ('funding' as const) : ('clearance-fee' as const),
      clientOrderId: null,
      venueOrderId: null,
      time: r.time,
      symbol: r.symbol,
      amount: r.income,
      asset: r.asset,
      incomeId: r.tranId,
    }));
};

const fundingRateRow = z.object({
  fundingTime: z.number().int().nonnegative(),
  fundingRate: z.string().regex(/^-?\d+(\.\d+)?$/),
  markPrice: z.union([z.literal(''), z.string().regex(/^\d+(\.\d+)?$/)]).optional(),
});

/**
 * /fapi/v1/fundingRate rows (https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-History):
 * each settlement's time, rate and the mark price it was charged at (null when the row has none).
 */
export const fundingSettlementsOf = (rows: unknown): FundingSettlement[] => {
  if (!Array.isArray(rows)) throw new Error('not a list');
  return rows.map((row) => {
    const r = fundingRateRow.parse(row);
    return { time: r.fundingTime, rate: r.fundingRate, markPrice: r.markPrice ? r.markPrice : null };
  });
};
