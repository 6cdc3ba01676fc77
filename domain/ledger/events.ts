import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';

/**
 * Ledger events. Every amount is a canonical decimal string (see fixed.ts): JSON numbers are floats and
 * would lose the last unit. Signs: amounts credited to the account are positive, debits negative, except
 * FeeCharged.amount which is the fee taken: negative only for a maker's rebate (paid to the account).
 *
 * Streams: `order-<accountId>:<clientOrderId>` holds the order lifecycle; `account-<venue>:<accountId>`
 * holds everything that moves money or positions (the ledger proper).
 */
// Plain regexes, not .refine(): a refinement wraps the schema in ZodEffects and costs several times more
// per parse, and every ledger event is validated on append.
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a plain decimal string like "-12.5"');
const positiveDecimal = z.string().regex(/^(?!0+(\.0+)?$)\d+(\.\d+)?$/, 'a plain decimal string > 0');
const nonNegativeDecimal = z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal string ≥ 0');
const id = z.string().min(1).max(128);
const symbol = z.string().regex(/^[A-Z0-9]{2,30}$/, 'an exchange symbol like BTCUSDT');

export const orderSides = ['BUY', 'SELL'] as const;
export const positionSides = ['BOTH', 'LONG', 'SHORT'] as const;
export const orderTypes = ['MARKET', 'LIMIT', 'STOP_MARKET', 'TAKE_PROFIT_MARKET'] as const;
export const timesInForce = ['GTC', 'IOC', 'FOK'] as const;
/** Binance's names for what a conditional order's trigger watches. */
export const workingTypes = ['MARK_PRICE', 'CONTRACT_PRICE'] as const;
export const liquidities = ['maker', 'taker'] as const;
export const marginTypes = ['cross', 'isolated'] as const;
export const positionModes = ['one-way', 'hedge'] as const;

export type OrderSide = (typeof orderSides)[number];
export type PositionSide = (typeof positionSides)[number];
export type OrderType = (typeof orderTypes)[number];
export type TimeInForce = (typeof timesInForce)[number];
export type WorkingType = (typeof workingTypes)[number];

/** A stop or take-profit order: rests until the price crosses its stopPrice, then works as a market order. */
export const isConditional = (type: OrderType): boolean =>
  type === 'STOP_MARKET' || type === 'TAKE_PROFIT_MARKET';
export type Liquidity = (typeof liquidities)[number];
export type MarginType = (typeof marginTypes)[number];
export type PositionMode = (typeof positionModes)[number];

// --- order stream ------------------------------------------------------------------------------------

export const orderRequestedSchema = z
  .object({
    orderId: id,
    clientOrderId: id,
    accountId: id,
    venue: id,
    strategyId: id.nullable(),
    symbol,
    side: z.enum(orderSides),
    positionSide: z.enum(positionSides),
    type: z.enum(orderTypes),
    quantity: positiveDecimal,
    price: positiveDecimal.nullable(),
    stopPrice: positiveDecimal.nullable(),
    timeInForce: z.enum(timesInForce),
    reduceOnly: z.boolean(),
    postOnly: z.boolean(),
    /**
     * What a conditional order's trigger watches at the venue: the mark price or the last trade (the
     * venue's default when absent). Optional, so every OrderRequested recorded before it stays valid.
     */
    workingType: z.enum(workingTypes).optional(),
  })
  .strict();

export const orderAcceptedSchema = z.object({ orderId: id, venueOrderId: id }).strict();
export const orderTriggeredSchema = z.object({ orderId: id, triggerPrice: positiveDecimal }).strict();
export const orderRejectedSchema = z.object({ orderId: id, reason: z.string().min(1) }).strict();
export const orderFilledSchema = z
  .object({
    orderId: id,
    /** 1, 2, 3… per order: what the account uses to book each fill exactly once. */
    fillSeq: z.number().int().positive(),
    tradeId: id,
    quantity: positiveDecimal,
    price: positiveDecimal,
    liquidity: z.enum(liquidities),
    filledQuantity: positiveDecimal,
    remainingQuantity: nonNegativeDecimal,
  })
  .strict();
export const orderCancelledSchema = z.object({ orderId: id, reason: z.string().min(1) }).strict();
export const orderExpiredSchema = z.object({ orderId: id, reason: z.string().min(1) }).strict();

export const OrderRequested = defineEvent({ type: 'OrderRequested', schema: orderRequestedSchema });
export const OrderAccepted = defineEvent({ type: 'OrderAccepted', schema: orderAcceptedSchema });
export const OrderRejected = defineEvent({ type: 'OrderRejected', schema: orderRejectedSchema });
export const OrderTriggered = defineEvent({ type: 'OrderTriggered', schema: orderTriggeredSchema });
export const OrderFilled = defineEvent({ type: 'OrderFilled', schema: orderFilledSchema });
export const OrderCancelled = defineEvent({ type: 'OrderCancelled', schema: orderCancelledSchema });
export const OrderExpired = defineEvent({ type: 'OrderExpired', schema: orderExpiredSchema });

// --- account stream ----------------------------------------------------------------------------------

export const accountOpenedSchema = z
  .object({
    accountId: id,
    venue: id,
    marginAsset: z.string().min(1),
    feeTier: id,
    positionMode: z.enum(positionModes),
  })
  .strict();
export const fundsDepositedSchema = z.object({ transferId: id, amount: positiveDecimal }).strict();
export const fundsWithdrawnSchema = z.object({ transferId: id, amount: positiveDecimal }).strict();
export const positionModeSetSchema = z.object({ positionMode: z.enum(positionModes) }).strict();
export const leverageSetSchema = z
  .object({ symbol, leverage: z.number().int().min(1).max(200), maxAllowed: z.number().int().positive() })
  .strict();
export const marginTypeSetSchema = z.object({ symbol, marginType: z.enum(marginTypes) }).strict();
/** A commission rate as a fraction of the notional (0.0004 is 4 bp). */
const feeRate = z.string().regex(/^\d+(\.\d+)?$/);
/** A maker's rate may be negative: a rebate tier pays the maker (Bybit, OKX and Binance list it signed). */
const makerFeeRate = z.string().regex(/^-?\d+(\.\d+)?$/);
/**
 * The account's own commission rates on a symbol, as the venue lists them (Binance: GET
 * /fapi/v1/commissionRate): a VIP tier, a promotion. From then on the ledger
 * charges the symbol's simulated fees, and prices a fee paid in another asset (BNB), at these rates
 * instead of its fee tier's.
 */
export const feeRatesSetSchema = z.object({ symbol, makerRate: makerFeeRate, takerRate: feeRate }).strict();

export const fillSettledSchema = z
  .object({
    orderId: id,
    fillSeq: z.number().int().positive(),
    tradeId: id,
    strategyId: id.nullable(),
    symbol,
    side: z.enum(orderSides),
    positionSide: z.enum(positionSides),
    marginType: z.enum(marginTypes),
    leverage: z.number().int().positive(),
    quantity: positiveDecimal,
    price: positiveDecimal,
    liquidity: z.enum(liquidities),
    /** Booked to the wallet (rounded to the venue's money precision). */
    realisedPnl: decimal,
    /** Cross → isolated wallet transfer this fill caused (negative: margin released back to cross). */
    isolatedMarginDelta: decimal,
    /** The position after the fill, for read models that see one event at a time. */
    positionQuantity: decimal,
    entryPrice: nonNegativeDecimal,
    /**
     * The fill was the exchange's own closing order on a live account, not one of ours: a liquidation, an
     * auto-deleveraging (ADL) or a delisting settlement; `orderId` is then the exchange's. Optional, so
     * earlier FillSettled events stay valid.
     */
    forced: z.enum(['liquidation', 'adl', 'settlement']).optional(),
  })
  .strict();

export const feeChargedSchema = z
  .object({
    reason: z.enum(['trade', 'liquidation']),
    symbol,
    positionSide: z.enum(positionSides),
    orderId: id.nullable(),
    tradeId: id.nullable(),
    strategyId: id.nullable(),
    notional: nonNegativeDecimal,
    /**
     * Signed as `amount`: negative is a maker's rebate, which the venue pays into the wallet the fee
     * would have come from. Widened from ≥ 0, so every earlier FeeCharged stays valid; the ledger refuses
     * a negative fee on a taker's fill, a clearance fee and a fee paid in another asset (see settle-fill.ts).
     */
    rate: decimal,
    amount: decimal,
    /** Where the fee was taken from: the cross wallet or the position's isolated wallet. */
    wallet: z.enum(marginTypes),
    /**
     * `venue`: the amount is the one the exchange reported for the fill (the rate is what it works out to);
     * absent: the account's fee tier priced it. Optional, so earlier FeeCharged events stay valid.
     */
    source: z.literal('venue').optional(),
    /**
     * The fee was paid in another asset than the margin asset (BNB, with Binance's BNB deduction on):
     * `amount` of `asset` left the account and the margin wallet did not move. `amount` above is then what
     * the fee was worth in the margin asset (the tier's rate less the venue's discount for that asset, on
     * the notional), its cost in PnL. Optional, so earlier FeeCharged events stay valid.
     */
    paidIn: z
      .object({
        asset: z.string().regex(/^[A-Z0-9]{2,12}$/, 'an asset code like BNB'),
        amount: nonNegativeDecimal,
      })
      .strict()
      .optional(),
  })
  .strict();

export const fundingPaidSchema = z
  .object({
    symbol,
    positionSide: z.enum(positionSides),
    marginType: z.enum(marginTypes),
    fundingTime: z.number().int().nonnegative(),
    rate: decimal,
    markPrice: positiveDecimal,
    positionQuantity: decimal,
    /** Received (+) or paid (−): −positionQuantity × markPrice × rate, rounded. */
    amount: decimal,
    /**
     * 'venue': the amount is the exchange's own, as it charged the account (a live account); rate and
     * markPrice are then the engine's reading of the funding record and the mark, which the exchange's
     * figure may differ from in the last places. Absent: computed here from rate and markPrice. Optional,
     * so earlier FundingPaid events stay valid.
     */
    source: z.literal('venue').optional(),
  })
  .strict();

export const positionLiquidatedSchema = z
  .object({
    symbol,
    positionSide: z.enum(positionSides),
    marginType: z.enum(marginTypes),
    /** Signed quantity that was closed (the whole position). */
    quantity: decimal,
    markPrice: positiveDecimal,
    entryPrice: positiveDecimal,
    realisedPnl: decimal,
    /** What the check saw: margin balance ≤ maintenance margin triggered it. */
    marginBalance: decimal,
    maintenanceMargin: nonNegativeDecimal,
    /**
     * The loss at the mark past what the margin held, taken on by the venue's insurance fund and not
     * by the trader (realisedPnl is net of it). Absent when the margin covered the whole loss, as it
     * was on every event written before it existed.
     */
    insuranceFundCovered: positiveDecimal.optional(),
  })
  .strict();

/**
 * A position moved between two accounts of the ledger at its cost, with no trade: a real run that starts
 * after a crash takes over what the run before it still held on the exchange (the exchange's position did
 * not change, only which run's ledger accounts for it). Nothing is realised, no fee is charged and neither
 * wallet moves, so Δ wallet = deposits − withdrawals + realised PnL − fees + funding still holds for each
 * account, and the sum over the accounts of every position is unchanged. Cross margin only: an isolated
 * position's own wallet would have to move with it.
 */
const positionMovedFields = {
  symbol,
  positionSide: z.enum(positionSides),
  /** The strategy whose run hands it over or takes it over. */
  strategyId: id.nullable(),
  /** Signed quantity moved (the whole position). */
  quantity: decimal,
  /** Its signed cost basis (Σ quantity × price of what is open), moved exactly. */
  cost: decimal,
  /** |cost ÷ quantity| to 8 places, for reading. */
  entryPrice: positiveDecimal,
};

/** The account handed a whole cross position over to `toAccount` (the run taking it over). */
export const positionHandedOverSchema = z
  .object({ ...positionMovedFields, toAccount: z.string().min(1) })
  .strict();

/** The account took a whole cross position over from `fromAccount` (the run that held it before). */
export const positionTakenOverSchema = z
  .object({ ...positionMovedFields, fromAccount: z.string().min(1) })
  .strict();

export const AccountOpened = defineEvent({ type: 'AccountOpened', schema: accountOpenedSchema });
export const FundsDeposited = defineEvent({ type: 'FundsDeposited', schema: fundsDepositedSchema });
export const FundsWithdrawn = defineEvent({ type: 'FundsWithdrawn', schema: fundsWithdrawnSchema });
export const PositionModeSet = defineEvent({ type: 'PositionModeSet', schema: positionModeSetSchema });
export const LeverageSet = defineEvent({ type: 'LeverageSet', schema: leverageSetSchema });
export const MarginTypeSet = defineEvent({ type: 'MarginTypeSet', schema: marginTypeSetSchema });
export const FeeRatesSet = defineEvent({ type: 'FeeRatesSet', schema: feeRatesSetSchema });
export const FillSettled = defineEvent({ type: 'FillSettled', schema: fillSettledSchema });
export const FeeCharged = defineEvent({ type: 'FeeCharged', schema: feeChargedSchema });
export const FundingPaid = defineEvent({ type: 'FundingPaid', schema: fundingPaidSchema });
export const PositionLiquidated = defineEvent({
  type: 'PositionLiquidated',
  schema: positionLiquidatedSchema,
});
export const PositionHandedOver = defineEvent({
  type: 'PositionHandedOver',
  schema: positionHandedOverSchema,
});
export const PositionTakenOver = defineEvent({
  type: 'PositionTakenOver',
  schema: positionTakenOverSchema,
});

export const ledgerEvents = [
  OrderRequested,
  OrderAccepted,
  OrderRejected,
  OrderTriggered,
  OrderFilled,
  OrderCancelled,
  OrderExpired,
  AccountOpened,
  FundsDeposited,
  FundsWithdrawn,
  PositionModeSet,
  LeverageSet,
  MarginTypeSet,
  FeeRatesSet,
  FillSettled,
  FeeCharged,
  FundingPaid,
  PositionLiquidated,
  PositionHandedOver,
  PositionTakenOver,
] as const;

export type OrderRequestedData = z.infer<typeof orderRequestedSchema>;
export type OrderFilledData = z.infer<typeof orderFilledSchema>;
export type FillSettledData = z.infer<typeof fillSettledSchema>;
export type FeeChargedData = z.infer<typeof feeChargedSchema>;
export type FundingPaidData = z.infer<typeof fundingPaidSchema>;
export type PositionLiquidatedData = z.infer<typeof positionLiquidatedSchema>;
export type PositionHandedOverData = z.infer<typeof positionHandedOverSchema>;
export type PositionTakenOverData = z.infer<typeof positionTakenOverSchema>;

/** The events as deciders produce them: type plus data; the command handler adds ids and metadata. */
export type OrderEvent =
  | { type: 'OrderRequested'; data: OrderRequestedData }
  | { type: 'OrderAccepted'; data: z.infer<typeof orderAcceptedSchema> }
  | { type: 'OrderRejected'; data: z.infer<typeof orderRejectedSchema> }
  | { type: 'OrderTriggered'; data: z.infer<typeof orderTriggeredSchema> }
  | { type: 'OrderFilled'; data: OrderFilledData }
  | { type: 'OrderCancelled'; data: z.infer<typeof orderCancelledSchema> }
  | { type: 'OrderExpired'; data: z.infer<typeof orderExpiredSchema> };

export type AccountEvent =
  | { type: 'AccountOpened'; data: z.infer<typeof accountOpenedSchema> }
  | { type: 'FundsDeposited'; data: z.infer<typeof fundsDepositedSchema> }
  | { type: 'FundsWithdrawn'; data: z.infer<typeof fundsWithdrawnSchema> }
  | { type: 'PositionModeSet'; data: z.infer<typeof positionModeSetSchema> }
  | { type: 'LeverageSet'; data: z.infer<typeof leverageSetSchema> }
  | { type: 'MarginTypeSet'; data: z.infer<typeof marginTypeSetSchema> }
  | { type: 'FeeRatesSet'; data: z.infer<typeof feeRatesSetSchema> }
  | { type: 'FillSettled'; data: FillSettledData }
  | { type: 'FeeCharged'; data: FeeChargedData }
  | { type: 'FundingPaid'; data: FundingPaidData }
  | { type: 'PositionLiquidated'; data: PositionLiquidatedData }
  | { type: 'PositionHandedOver'; data: PositionHandedOverData }
  | { type: 'PositionTakenOver'; data: PositionTakenOverData };

export type LedgerEvent = OrderEvent | AccountEvent;
