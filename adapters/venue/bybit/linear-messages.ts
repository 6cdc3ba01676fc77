import { z } from 'zod';
import { fixed } from '../../../domain/ledger/fixed.js';
import type { ForcedCloseReason } from '../../../domain/ledger/venue-port.js';
import type { Observation } from '../observation.js';
import type { FundingSettlement } from '../venue-session.js';

/**
 * Bybit v5 (category linear) payloads as observations: the private stream's `order` and `execution`
 * topics (https://bybit-exchange.github.io/docs/v5/websocket/private/order, …/private/execution), and the
 * REST replies of /v5/order/create, /v5/order/cancel, /v5/order/realtime, /v5/order/history,
 * /v5/execution/list, /v5/account/transaction-log and /v5/market/funding/history. Each payload is
 * validated, so a reply that is not what the API promises is an error here (the session reports it as a
 * gap or an unreadable reply) rather than an undefined further on.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
/** Bybit prints epoch milliseconds as text ("1672364262457"); some older replies as numbers. */
const epochMs = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n > 0, 'not an epoch time in ms');
/** A cursor Bybit gives for the next page; "" when there is none. */
const cursor = z
  .string()
  .optional()
  .transform((c) => (c ? c : null));

/** The settlement asset of the USDT perpetuals this adapter trades: their fees and funding are in it. */
export const LINEAR_SETTLE = 'USDT';

const isZero = (d: string): boolean => /^-?0*(\.0*)?$/.test(d);

/** The `result` of a v5 reply (`{"retCode":0,"retMsg":"OK","result":{…},"time":…}`). */
const envelope = z.object({ result: z.record(z.string(), z.unknown()), time: epochMs.optional() });

const listReply = z.object({ list: z.array(z.unknown()), nextPageCursor: cursor });

/** `result.list` and the next page's cursor of a paged v5 reply. */
export const pageOf = (reply: unknown): { rows: unknown[]; cursor: string | null } => {
  const r = listReply.parse(envelope.parse(reply).result);
  return { rows: r.list, cursor: r.nextPageCursor };
};

// --- orders ----------------------------------------------------------------------------------------

const orderObject = z.object({
  category: z.string().optional(),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  symbol: z.string().min(1),
  orderStatus: z.string(),
  orderType: z.string(),
  timeInForce: z.string(),
  cancelType: z.string().optional(),
  rejectReason: z.string().optional(),
  createType: z.string().optional(),
  triggerPrice: z.union([z.literal(''), decimal]).optional(),
  cumExecQty: decimal,
  updatedTime: epochMs,
});

type OrderObject = z.infer<typeof orderObject>;
type End = Extract<Observation, { kind: 'end' }>;

/**
 * Orders the exchange places itself to close a position, by their createType
 * (https://bybit-exchange.github.io/docs/v5/enum#createtype): a laddered liquidation, the takeover of a
 * bankrupt position, an auto-deleveraging, a delisting settlement.
 */
const FORCED_CREATE_TYPES: Readonly<Record<string, ForcedCloseReason>> = {
  CreateByLiq: 'liquidation',
  CreateByTakeOver_PassThrough: 'liquidation',
  CreateByAdl_PassThrough: 'adl',
  CreateBySettle: 'settlement',
};

/**
 * Executions that are not trades of an order: BustTrade is the takeover liquidation, AdlTrade the
 * auto-deleveraging, Delivery and Settle a position closed by a delisting (…/v5/enum#exectype).
 */
const FORCED_EXEC_TYPES: Readonly<Record<string, ForcedCloseReason>> = {
  BustTrade: 'liquidation',
  AdlTrade: 'adl',
  Delivery: 'settlement',
  Settle: 'settlement',
};

/** Why the exchange closed a position by this execution or order, or null for a trade of an order. */
export const forcedCloseReason = (execType: string | undefined, createType: string | undefined) =>
  (execType === undefined ? undefined : FORCED_EXEC_TYPES[execType]) ??
  (createType === undefined ? undefined : FORCED_CREATE_TYPES[createType]) ??
  null;

/** Reject reasons that say an order was refused on arrival by its own terms (…/v5/enum#rejectreason). */
const UNMET_TERMS: Readonly<Record<string, string>> = {
  EC_PostOnlyWillTakeLiquidity: 'post-only: would have taken liquidity',
  EC_CancelForNoFullFill: 'FOK: could not fill completely on arrival',
};

/** Reject reasons about the instrument's price and quantity grids. */
const LISTING_REJECTS = new Set(['EC_InvalidPriceScale', 'EC_EcInvalidQty']);

/** A conditional order: one with a trigger price. An ordinary order shows "", "0" or "0.00". */
const triggerOf = (o: OrderObject): string | null =>
  o.triggerPrice === undefined || o.triggerPrice === '' || isZero(o.triggerPrice) ? null : o.triggerPrice;

/**
 * How an order Bybit cancelled ended. Bybit ends the orders it does not keep as Cancelled, whoever ended
 * them: on request (cancelType CancelByUser), an IOC or market remainder, a post-only order that would
 * have taken, a fill-or-kill that could not fill, or its own reasons (liquidation, ADL, delisting).
 */
const cancelledEnd = (o: OrderObject): Pick<End, 'end' | 'reason'> => {
  if (o.cancelType === 'CancelByUser') return { end: 'cancelled', reason: 'cancelled on request' };
  const terms = o.rejectReason === undefined ? undefined : UNMET_TERMS[o.rejectReason];
  if (terms !== undefined) return { end: 'expired', reason: terms };
  if (o.timeInForce === 'PostOnly')
    return { end: 'expired', reason: UNMET_TERMS.EC_PostOnlyWillTakeLiquidity! };
  if (o.timeInForce === 'FOK') return { end: 'expired', reason: UNMET_TERMS.EC_CancelForNoFullFill! };
  if (o.orderType === 'Market')
    return { end: 'expired', reason: 'market: the book ran out before the order was filled' };
  if (o.timeInForce === 'IOC') return { end: 'expired', reason: 'IOC: remainder not filled on arrival' };
  const why = o.cancelType && o.cancelType !== 'UNKNOWN' ? ` (${o.cancelType})` : '';
  return { end: 'expired', reason: `cancelled by the venue${why}` };
};

/**
 * One order as /v5/order/realtime, /v5/order/history and the `order` topic give it. A conditional order
 * stays one order at Bybit: Untriggered until its trigger fires, then it works in the book under the
 * same orderId (New, PartiallyFilled, Filled, Cancelled); cancelled before it fired it is Deactivated
 * (…/v5/enum#orderstatus). So any of those later states says it was triggered, and its fills are the
 * orderId's own.
 */
export const orderObservations = (order: unknown): Observation[] => {
  const o = orderObject.parse(order);
  const base = {
    clientOrderId: o.orderLinkId === '' ? null : o.orderLinkId,
    venueOrderId: o.orderId,
    time: o.updatedTime,
  };
  const ack: Observation = { ...base, kind: 'ack' };
  const trigger = triggerOf(o);
  const fired: Observation[] =
    trigger === null ? [] : [{ ...base, kind: 'trigger', triggerPrice: trigger, childOrderId: o.orderId }];
  switch (o.orderStatus) {
    case 'Untriggered':
      return [ack];
    case 'Triggered':
      return [ack, ...fired];
    case 'New':
    case 'PartiallyFilled':
    case 'Filled':
      return [ack, ...fired, { ...base, kind: 'filled-so-far', cumFilled: o.cumExecQty }];
    case 'Cancelled':
    case 'PartiallyFilledCanceled':
      return [ack, ...fired, { ...base, kind: 'end', ...cancelledEnd(o), cumFilled: o.cumExecQty }];
    case 'Deactivated':
      return [
        ack,
        {
          ...base,
          kind: 'end',
          ...(o.cancelType === 'CancelByUser'
            ? { end: 'cancelled' as const, reason: 'cancelled on request' }
            : {
                end: 'expired' as const,
                reason: `deactivated by the venue (${o.cancelType ?? 'no cancelType'})`,
              }),
          cumFilled: o.cumExecQty,
        },
      ];
    case 'Rejected': {
      const reason = o.rejectReason && o.rejectReason !== 'EC_NoError' ? o.rejectReason : undefined;
      return [
        {
          ...base,
          kind: 'end',
          end: 'rejected',
          reason: reason ? `rejected by the venue: ${reason}` : 'rejected by the venue',
          ...(reason !== undefined && UNMET_TERMS[reason] !== undefined ? { unmetTerms: true } : {}),
          ...(reason !== undefined && LISTING_REJECTS.has(reason) ? { listing: true } : {}),
          cumFilled: o.cumExecQty,
        },
      ];
    }
    default:
      throw new Error(`unknown Bybit order status ${JSON.stringify(o.orderStatus)}`);
  }
};

/**
 * An `order` topic item. Orders of other categories (the unified account's spot orders share the stream)
 * and the exchange's own closing orders give nothing: the latter's trades come as executions.
 */
const streamOrderObservations = (item: unknown): Observation[] => {
  const head = item as { category?: unknown; createType?: unknown } | null;
  if (head !== null && typeof head === 'object') {
    if (head.category !== undefined && head.category !== 'linear') return [];
    if (typeof head.createType === 'string' && FORCED_CREATE_TYPES[head.createType] !== undefined) return [];
  }
  return orderObservations(item);
};

const createReply = z.object({ orderId: z.string().min(1), orderLinkId: z.string() });

/**
 * A /v5/order/create or /v5/order/cancel reply: `{"orderId","orderLinkId"}`. Bybit answers as soon as it
 * accepted the request, and reports what became of the order on the stream ("The ack of create order
 * request indicates that the request is successfully accepted. Please use websocket order stream to
 * confirm the order status"): the reply says Bybit holds the order under that id, nothing more.
 */
export const requestAckObservations = (reply: unknown, receivedAt: number): Observation[] => {
  const e = envelope.parse(reply);
  const r = createReply.parse(e.result);
  return [
    {
      clientOrderId: r.orderLinkId === '' ? null : r.orderLinkId,
      venueOrderId: r.orderId,
      time: e.time ?? receivedAt,
      kind: 'ack',
    },
  ];
};

// --- executions ------------------------------------------------------------------------------------

const execution = z.object({
  category: z.string().optional(),
  symbol: z.string().min(1),
  orderId: z.string().min(1),
  orderLinkId: z.string(),
  side: z.enum(['Buy', 'Sell']),
  execId: z.string().min(1),
  execPrice: decimal,
  execQty: decimal,
  execType: z.string(),
  execFee: z.union([z.literal(''), decimal]).optional(),
  feeCurrency: z.string().optional(),
  isMaker: z.boolean(),
  execTime: epochMs,
  leavesQty: z.union([z.literal(''), decimal]).optional(),
  createType: z.string().optional(),
});

type Execution = z.infer<typeof execution>;

/**
 * The fee of an execution as Bybit charged it: execFee in the settlement asset, "fees are positive and
 * rebates are negative" (…/v5/account/transaction-log), the ledger's sign: a maker's rebate is booked as
 * the negative fee it is.
 */
const feeOf = (x: Execution): { amount: string; asset: string } | null =>
  x.execFee === undefined || x.execFee === ''
    ? null
    : { amount: x.execFee, asset: x.feeCurrency ? x.feeCurrency : LINEAR_SETTLE };

/**
 * One execution (the `execution` topic, /v5/execution/list). A trade of an order is a `trade`; the
 * exchange's closing executions (BustTrade, AdlTrade, a delisting's Delivery or Settle, and trades of the
 * orders it placed itself) are `forced`. A Funding execution says funding moved the balance: the
 * transaction log, which Bybit documents with its sign, is what books it. Executions of other kinds
 * (block trades, moved positions, spread legs) are not trades of our orders and give nothing.
 *
 * `cumFilled` stays null: an execution carries the order's leavesQty, not its filled total, and
 * orderQty − leavesQty overstates the fills when Bybit trims a reduce-only order's quantity without
 * trading it. The `order` topic's cumExecQty says what was filled.
 */
export const executionObservations = (item: unknown): Observation[] => {
  const head = item as { category?: unknown } | null;
  if (head !== null && typeof head === 'object' && head.category !== undefined && head.category !== 'linear')
    return [];
  const x = execution.parse(item);
  if (x.execType === 'Funding')
    return [
      { kind: 'income-posted', income: 'funding', clientOrderId: null, venueOrderId: null, time: x.execTime },
    ];
  const reason = forcedCloseReason(x.execType, x.createType);
  if (reason !== null)
    return [
      {
        kind: 'forced',
        reason,
        // The exchange's own orders carry no orderLinkId: the order id stands in.
        clientOrderId: x.orderLinkId === '' ? x.orderId : x.orderLinkId,
        venueOrderId: x.orderId,
        time: x.execTime,
        symbol: x.symbol,
        side: x.side === 'Buy' ? 'BUY' : 'SELL',
        tradeId: x.execId,
        price: x.execPrice,
        quantity: x.execQty,
        fee: feeOf(x),
      },
    ];
  if (x.execType !== 'Trade') return [];
  return [
    {
      clientOrderId: x.orderLinkId === '' ? null : x.orderLinkId,
      venueOrderId: x.orderId,
      time: x.execTime,
      kind: 'trade',
      tradeId: x.execId,
      price: x.execPrice,
      quantity: x.execQty,
      liquidity: x.isMaker ? 'maker' : 'taker',
      fee: feeOf(x),
      cumFilled: null,
    },
  ];
};

/**
 * /v5/execution/list rows as observations, oldest first. Bybit lists newest first and advises sorting ties
 * of execTime by "execId+OrderId+leavesQty": of one order's executions at one instant, the one that left
 * more unfilled came first.
 */
export const executionListObservations = (rows: readonly unknown[]): Observation[] => {
  const keyed = rows.map((row) => {
    const x = execution.parse(row);
    return { x, leaves: x.leavesQty ? fixed(x.leavesQty) : 0n, obs: executionObservations(row) };
  });
  keyed.sort(
    (a, b) =>
      a.x.execTime - b.x.execTime ||
      (a.leaves === b.leaves ? 0 : a.leaves > b.leaves ? -1 : 1) ||
      a.x.execId.localeCompare(b.x.execId),
  );
  return keyed.flatMap((k) => k.obs);
};

// --- the private stream ----------------------------------------------------------------------------

const streamMessage = z.object({ topic: z.string(), data: z.array(z.unknown()) });

/**
 * One private-stream message: `{"topic":"order"|"execution","creationTime",…,"data":[…]}`. Topics other
 * than orders and executions (the session subscribes to no others) give nothing.
 */
export const streamObservations = (message: unknown): Observation[] => {
  const topic = (message as { topic?: unknown } | null)?.topic;
  if (typeof topic !== 'string') return [];
  const isOrder = topic === 'order' || topic === 'order.linear';
  const isExecution = topic === 'execution' || topic === 'execution.linear';
  if (!isOrder && !isExecution) return [];
  const m = streamMessage.parse(message);
  return m.data.flatMap(isOrder ? streamOrderObservations : executionObservations);
};

// --- funding ---------------------------------------------------------------------------------------

const transactionRow = z.object({
  id: z.string().min(1),
  symbol: z.string(),
  type: z.string(),
  currency: z.string().min(1),
  funding: z.union([z.literal(''), decimal]),
  transactionTime: epochMs,
});

/**
 * /v5/account/transaction-log rows (https://bybit-exchange.github.io/docs/v5/account/transaction-log): the
 * SETTLEMENT records ("USDT Perp funding settlement") as funding observations, oldest first; other records
 * are left out. `funding` is signed as the ledger books it: "Positive value means receiving funding fee.
 * Negative value means deducting funding fee".
 */
export const fundingObservations = (rows: readonly unknown[]): Observation[] =>
  rows
    .map((row) => transactionRow.parse(row))
    .filter((r) => r.type === 'SETTLEMENT' && r.symbol !== '')
    .map((r) => {
      if (r.funding === '') throw new Error(`SETTLEMENT record ${r.id} carries no funding amount`);
      return { ...r, funding: r.funding };
    })
    .sort((a, b) => a.transactionTime - b.transactionTime || a.id.localeCompare(b.id))
    .map((r) => ({
      kind: 'funding' as const,
      clientOrderId: null,
      venueOrderId: null,
      time: r.transactionTime,
      symbol: r.symbol,
      amount: r.funding,
      asset: r.currency,
      incomeId: r.id,
    }));

const fundingRateRow = z.object({
  symbol: z.string(),
  fundingRate: decimal,
  fundingRateTimestamp: epochMs,
});

/**
 * /v5/market/funding/history rows (https://bybit-exchange.github.io/docs/v5/market/history-fund-rate),
 * oldest first. Bybit lists the rate and its time only: the mark price each position was charged at is
 * not given, so it is null.
 */
export const fundingSettlementsOf = (rows: readonly unknown[]): FundingSettlement[] =>
  rows
    .map((row) => fundingRateRow.parse(row))
    .sort((a, b) => a.fundingRateTimestamp - b.fundingRateTimestamp)
    .map((r) => ({ time: r.fundingRateTimestamp, rate: r.fundingRate, markPrice: null }));
