import { z } from 'zod';
import { defineEvent, type EventData } from '../events/define-event.js';

/**
 * A run's own stream (`run-<runId>`): what it was given, its equity marks and how it ended. The
 * inputs are complete enough to re-run it (replay/ compares the new log with this one event by event).
 */
const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);

export const runInputsSchema = z
  .object({
    runId: z.string().min(1),
    // canary and live runs trade a real account (replay/engine/live-desk.ts); adding them keeps every
    // stored RunStarted valid, so the version stays 1.
    mode: z.enum(['backtest', 'paper', 'canary', 'live']),
    strategyId: z.string().min(1),
    strategyVersion: z.string().min(1),
    params: z.record(z.string(), paramValue),
    paramsVersion: z.number().int().nonnegative(),
    symbols: z.array(z.string().min(1)).min(1),
    timeframe: z.string().min(1),
    from: z.number().int(),
    to: z.number().int(),
    seed: z.number().int(),
    initialBalance: z.string().regex(/^\d+(\.\d+)?$/),
    /** Engine settings (fees tier, impact, latency, risk limits, sizing, stops) as given. */
    config: z.record(z.string(), z.unknown()),
  })
  .strict();

export type RunInputs = z.infer<typeof runInputsSchema>;

export const RunStarted = defineEvent({ type: 'RunStarted', schema: runInputsSchema });

export const equityMarkedSchema = z
  .object({
    at: z.number().int(),
    equity: z.number().finite(),
    wallet: z.number().finite(),
    unrealisedPnl: z.number().finite(),
    /** Absolute notional of open positions at the marks. */
    exposure: z.number().finite().nonnegative(),
  })
  .strict();

export type EquityMarkedData = z.infer<typeof equityMarkedSchema>;

/** Equity sampled on a fixed grid (hourly by default): the equity curve and KPIs fold these. */
export const EquityMarked = defineEvent({ type: 'EquityMarked', schema: equityMarkedSchema });

export const RunCompleted = defineEvent({
  type: 'RunCompleted',
  schema: z
    .object({
      runId: z.string().min(1),
      bars: z.number().int().nonnegative(),
      events: z.number().int().nonnegative(),
      finalEquity: z.number().finite(),
      /** Why it stopped: the data ended, it was asked to stop, or it failed (with the message). */
      reason: z.enum(['end-of-data', 'stopped', 'failed']),
      error: z.string().nullable(),
    })
    .strict(),
});

/**
 * Something the exchange recorded on a real account that the run's ledger could not book: the part of a
 * closing trade of the exchange's own order beyond what the run held, funding it charged on a position
 * the run does not hold (one opened by hand, say), or a clearance fee of a liquidation the run was not in. Booking it would put in the run's ledger what the run
 * never held; dropping it silently would hide a difference from the reviewer. So it is recorded, in the
 * run's stream, and the account check settles what it means.
 */
export const ExchangeRecordUnbooked = defineEvent({
  type: 'ExchangeRecordUnbooked',
  schema: z
    .object({
      record: z.enum(['forced-fill', 'funding', 'clearance-fee']),
      symbol: z.string().min(1),
      /** The exchange's id: `<orderId>/<tradeId>` of a closing trade, the income record's id otherwise. */
      ref: z.string().min(1),
      /** The exchange's time of it, epoch ms. */
      time: z.number().int().nonnegative(),
      /**
       * A closing trade: the quantity not booked; funding: the amount charged (received +, paid −); a
       * clearance fee: the amount taken.
       */
      amount: z.string().regex(/^-?\d+(\.\d+)?$/),
      /** The amount's asset for funding; the traded quantity's symbol for a closing trade. */
      unit: z.string().min(1),
      why: z.string().min(1),
    })
    .strict(),
});

export type ExchangeRecordUnbookedData = EventData<typeof ExchangeRecordUnbooked>;

const decimal = z.string().regex(/^\d+(\.\d+)?$/);

/** An instrument as the ledger checks orders and fills and margins positions by it, amounts as decimal text. */
export const instrumentListingSchema = z
  .object({
    status: z.string().min(1),
    marginAsset: z.string().min(1),
    tickSize: decimal,
    minPrice: decimal,
    maxPrice: decimal,
    stepSize: decimal,
    minQty: decimal,
    maxQty: decimal,
    marketStepSize: decimal,
    marketMinQty: decimal,
    marketMaxQty: decimal,
    minNotional: decimal,
    percentPriceUp: decimal,
    percentPriceDown: decimal,
    liquidationFeeRate: decimal,
    brackets: z
      .array(
        z
          .object({
            bracket: z.number().int().positive(),
            initialLeverage: z.number().positive(),
            notionalFloor: decimal,
            notionalCap: decimal,
            maintMarginRatio: decimal,
            cum: decimal,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/**
 * A run on a real account took the exchange's new listing of one of its symbols mid-run: Binance changed
 * a tick, a step, a minimum or a leverage bracket. From this event on, the run's orders, fills and margin
 * follow `instrument`; before it, the listing the run started with (or the previous InstrumentUpdated).
 * Recorded in the run's stream with the differences in words, so a reviewer reading a fill on a finer
 * grid, or a margin figure that moved with no trade, finds why.
 */
export const InstrumentUpdated = defineEvent({
  type: 'InstrumentUpdated',
  schema: z
    .object({
      venue: z.string().min(1),
      symbol: z.string().min(1),
      /**
       * What prompted the listing: the run's periodic look, a fill the old grid could not hold, or an order
       * the venue refused by its listed rules.
       */
      prompt: z.enum(['scheduled', 'fill-off-grid', 'order-refused']),
      /** One line per difference, as instrumentChanges writes them. */
      changes: z.array(z.string().min(1)).min(1),
      instrument: instrumentListingSchema,
    })
    .strict(),
});

export type InstrumentUpdatedData = EventData<typeof InstrumentUpdated>;

/**
 * A run on a real account stopped waiting for one of its symbols: the venue stopped publishing its bars (a
 * halt, a delisting, a feed that lost it) while the others went on. A backtest's order (no bar replayed
 * before an earlier one of another symbol) would hold the whole run, stops included, until the symbol came
 * back; with real money on the others that is worse than trading on without it. From this event on, the run
 * replays no bar of the symbol; a position it holds in it is still watched on the venue's marks by its
 * stops and backstop, and the exchange's own closes of it are booked.
 */
export const SymbolSetAside = defineEvent({
  type: 'SymbolSetAside',
  schema: z
    .object({
      venue: z.string().min(1),
      symbol: z.string().min(1),
      /** Close time of the last bar replayed, epoch ms. */
      lastBarClose: z.number().int(),
      /** How long past its next bar's close it had waited, ms. */
      waitedMs: z.number().int().nonnegative(),
      /** The run's position in it then (signed decimal text; 0 when flat). */
      position: z.string().regex(/^-?\d+(\.\d+)?$/),
      why: z.string().min(1),
    })
    .strict(),
});

export type SymbolSetAsideData = EventData<typeof SymbolSetAside>;

/**
 * A symbol set aside (SymbolSetAside) is back in its run: the venue publishes its bars again (a halt
 * ended, or a feed that had lost it found it). From this event on the run replays its bars again from
 * `firstBarOpen`. Bars it published that close at or before the time the run had reached (`runAt`)
 * would replay behind the other symbols' and are skipped, never shown to the strategy, like the bars of a
 * halt: a gap in the symbol's series.
 */
export const SymbolRejoined = defineEvent({
  type: 'SymbolRejoined',
  schema: z
    .object({
      venue: z.string().min(1),
      symbol: z.string().min(1),
      /** Open time of the first bar replayed again, epoch ms. */
      firstBarOpen: z.number().int(),
      /** The run's time when it came back: bars closing at or before it were skipped. */
      runAt: z.number().int(),
      /** Bars the venue published after the last one replayed that were skipped (behind `runAt`). */
      skippedBars: z.number().int().nonnegative(),
      /** The run's position in it then (signed decimal text; 0 when flat). */
      position: z.string().regex(/^-?\d+(\.\d+)?$/),
    })
    .strict(),
});

export type SymbolRejoinedData = EventData<typeof SymbolRejoined>;

/**
 * The engine decided an order and the ledger refused it by the venue's listed rules before it was sent
 * (a quantity below the minimum once rounded to the step, a symbol the venue does not trade, a notional
 * beyond the last tier): nothing reached the order stream. Recorded in the run's stream, caused by the
 * decision it followed, so the chain that ends in no order says why, and a breaker that counts these
 * refusals as venue errors can be read back to them.
 */
export const OrderRefused = defineEvent({
  type: 'OrderRefused',
  schema: z
    .object({
      orderId: z.string().min(1),
      symbol: z.string().min(1),
      side: z.enum(['BUY', 'SELL']),
      type: z.string().min(1),
      quantity: z.string().min(1),
      price: z.string().min(1).nullable(),
      stopPrice: z.string().min(1).nullable(),
      reduceOnly: z.boolean(),
      /** The ledger's rule (domain/ledger/errors.ts), and its words. */
      rule: z.string().min(1),
      reason: z.string().min(1),
    })
    .strict(),
});

export type OrderRefusedData = EventData<typeof OrderRefused>;

export const backtestEvents = [
  RunStarted,
  EquityMarked,
  RunCompleted,
  ExchangeRecordUnbooked,
  InstrumentUpdated,
  SymbolSetAside,
  SymbolRejoined,
  OrderRefused,
] as const;
