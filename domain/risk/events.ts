import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';
import { toText } from '../ledger/fixed.js';
import { type Observation, observationSchema } from '../signals/events.js';
import { breakerMetrics } from './breaker.js';
import { breakerLevels } from './breaker-levels.js';
import { limitScopes, limitsPatchSchema } from './limit-changes.js';
import { ruleNames } from './limits.js';
import type { RiskDecision } from './pre-trade.js';
import type { SizingInput, SizingParams, SizingResult } from './sizing.js';
import type { OrderIntent, RiskSnapshot } from './snapshot.js';

/**
 * Risk events. Quantities and prices that reach the venue are decimal strings (exact, on the grid);
 * measures, thresholds and model inputs are JSON numbers, with null where a value is unbounded or
 * unknown (JSON has no Infinity). Each event carries what a reviewer needs to see why, without
 * re-running anything.
 *
 * Streams: `risk-<accountId>` (RiskDecided, PositionSized), `stops-<positionId>` (StopAdjusted,
 * StopStatusChanged), `breaker-<scope>-<scopeId>` (the breaker ladder).
 */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a plain decimal string like "-12.5"');
const id = z.string().min(1).max(128);
const measure = z.number().finite().nullable();
const finite = z.number().finite();

export const riskStreamId = (accountId: string): string => `risk-${accountId}`;
export const stopsStreamId = (positionId: string): string => `stops-${positionId}`;
export const breakerStreamId = (scope: 'account' | 'strategy', scopeId: string): string =>
  `breaker-${scope}-${scopeId}`;

// --- pre-trade ----------------------------------------------------------------------------------------

const ruleCheckSchema = z
  .object({
    rule: z.enum(ruleNames),
    kind: z.enum(['size', 'gate']),
    source: z.string().min(1),
    unit: z.string(),
    threshold: measure,
    requested: measure,
    approved: measure,
    verdict: z.enum(['pass', 'resized', 'fail', 'disabled', 'not-applicable']),
    detail: z.string(),
  })
  .strict();

export const riskDecidedSchema = z
  .object({
    decisionId: id,
    accountId: id,
    strategyId: id.nullable(),
    symbol: z.string().min(1),
    observation: observationSchema.nullable(),
    intent: z
      .object({
        side: z.enum(['BUY', 'SELL']),
        type: z.enum(['MARKET', 'LIMIT', 'STOP_MARKET', 'TAKE_PROFIT_MARKET']),
        quantity: decimal,
        price: decimal.nullable(),
        reduceOnly: z.boolean(),
      })
      .strict(),
    outcome: z.enum(['approve', 'resize', 'reject']),
    approvedQuantity: decimal,
    checks: z.array(ruleCheckSchema).min(1),
    disabledRules: z.array(z.enum(ruleNames)),
    context: z
      .object({
        equity: decimal,
        dayStartEquity: decimal,
        mark: decimal.nullable(),
        atr: measure,
        leverage: measure,
        breakerLevel: z.enum(breakerLevels),
      })
      .strict(),
  })
  .strict();

export const RiskDecided = defineEvent({ type: 'RiskDecided', schema: riskDecidedSchema });
export type RiskDecidedData = z.infer<typeof riskDecidedSchema>;

export const riskDecidedData = (
  decisionId: string,
  intent: OrderIntent,
  snap: RiskSnapshot,
  decision: RiskDecision,
  observation: Observation | null,
): RiskDecidedData => {
  const mark = snap.marks[intent.symbol];
  return {
    decisionId,
    accountId: intent.accountId,
    strategyId: intent.strategyId,
    symbol: intent.symbol,
    observation,
    intent: {
      side: intent.side,
      type: intent.type,
      quantity: toText(intent.quantity),
      price: intent.price === null ? null : toText(intent.price),
      reduceOnly: intent.reduceOnly,
    },
    outcome: decision.outcome,
    approvedQuantity: toText(decision.approvedQuantity),
    checks: decision.checks.map((c) => ({ ...c })),
    disabledRules: [...decision.disabledRules],
    context: {
      equity: toText(snap.equity),
      dayStartEquity: toText(snap.dayStartEquity),
      mark: mark === undefined ? null : toText(mark),
      atr: snap.atr[intent.symbol] ?? null,
      leverage: snap.leverage[intent.symbol] ?? null,
      breakerLevel: snap.breakerLevel,
    },
  };
};

// --- sizing -------------------------------------------------------------------------------------------

export const positionSizedSchema = z
  .object({
    sizingId: id,
    accountId: id,
    strategyId: id.nullable(),
    symbol: z.string().min(1),
    side: z.enum(['long', 'short']),
    observation: observationSchema.nullable(),
    params: z
      .object({
        targetVol: finite,
        riskBudget: finite,
        maxWeight: finite,
        riskPerTrade: finite,
        kellyFraction: finite,
        kellyCap: finite,
        // Since engine log version 3; a sizing recorded before had no floor (no edge sized to zero)
        // and no window (its Kelly input was never fed).
        kellyFloor: finite.optional(),
        kellyWindow: z.number().int().positive().optional(),
        kellyMinTrades: z.number().int().positive().optional(),
        leverageTiers: z.array(z.object({ maxVolPercentile: finite, leverage: finite }).strict()),
        rangeLeverageFactor: finite,
        marginBudget: finite,
        breakerReduceFactor: finite,
      })
      .strict(),
    inputs: z
      .object({
        equity: finite,
        /**
         * The portfolio's allocation multiplier the equity above was scaled by (automation 7); absent
         * for a run that was never allocated, which sizes on its whole equity.
         */
        allocation: z.number().finite().nonnegative().optional(),
        price: decimal,
        orderType: z.enum(['MARKET', 'LIMIT']),
        realisedVol: measure,
        volPercentile: measure,
        regime: z.enum(['trend_up', 'trend_down', 'range']).nullable(),
        stopDistance: measure,
        kelly: z
          .object({
            winRate: finite,
            payoff: finite,
            /** How many round trips the statistics come from (since engine log version 3). */
            trades: z.number().int().positive().optional(),
          })
          .strict()
          .nullable(),
        breakerLevel: z.enum(breakerLevels),
        stepSize: decimal,
        minNotional: decimal,
      })
      .strict(),
    result: z
      .object({
        weight: finite,
        volTargetNotional: finite,
        kellyFull: measure,
        riskFraction: finite,
        riskNotional: measure,
        tierLeverage: finite,
        bracketLeverage: finite,
        leverage: finite,
        leverageNotional: finite,
        breakerFactor: finite,
        notional: finite,
        binding: z.enum(['vol-target', 'risk-per-trade', 'leverage', 'breaker']),
        quantity: decimal,
        belowMinimum: z.boolean(),
      })
      .strict(),
  })
  .strict();

export const PositionSized = defineEvent({ type: 'PositionSized', schema: positionSizedSchema });
export type PositionSizedData = z.infer<typeof positionSizedSchema>;

const orNull = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

// A run sizes thousands of times with the same parameters: the event's copy is made once per parameter
// object and shared (events are never mutated).
const paramsCopies = new WeakMap<SizingParams, PositionSizedData['params']>();
const paramsCopy = (params: SizingParams): PositionSizedData['params'] => {
  let copy = paramsCopies.get(params);
  if (copy === undefined) {
    copy = { ...params, leverageTiers: params.leverageTiers.map((t) => ({ ...t })) };
    paramsCopies.set(params, copy);
  }
  return copy;
};

/**
 * Written out field by field, in the order the fields have always had (the log hash reads the JSON as
 * written): object spreads here were a measurable part of every order's cost in bench:backtest.
 */
export const positionSizedData = (
  at: {
    sizingId: string;
    accountId: string;
    strategyId: string | null;
    side: 'long' | 'short';
    observation: Observation | null;
    /** The allocation multiplier the sizing equity carries, when the portfolio set one. */
    allocation?: number;
  },
  params: SizingParams,
  input: SizingInput,
  result: SizingResult,
): PositionSizedData => {
  const inst = input.instrument;
  const equity = input.equity;
  const price = toText(input.price);
  const orderType = input.orderType;
  const realisedVol = Number.isFinite(input.realisedVol) ? input.realisedVol : null;
  const { volPercentile, regime, stopDistance, breakerLevel } = input;
  const k = input.kelly;
  const kelly =
    k === null
      ? null
      : k.trades === undefined
        ? { winRate: k.winRate, payoff: k.payoff }
        : { winRate: k.winRate, payoff: k.payoff, trades: k.trades };
  const stepSize = toText(orderType === 'MARKET' ? inst.marketStepSize : inst.stepSize);
  const minNotional = toText(inst.minNotional);
  // Two literals rather than a spread: the allocation sits after the equity it scaled, when there is one.
  const inputs: PositionSizedData['inputs'] =
    at.allocation === undefined
      ? {
          equity,
          price,
          orderType,
          realisedVol,
          volPercentile,
          regime,
          stopDistance,
          kelly,
          breakerLevel,
          stepSize,
          minNotional,
        }
      : {
          equity,
          allocation: at.allocation,
          price,
          orderType,
          realisedVol,
          volPercentile,
          regime,
          stopDistance,
          kelly,
          breakerLevel,
          stepSize,
          minNotional,
        };
  return {
    sizingId: at.sizingId,
    accountId: at.accountId,
    strategyId: at.strategyId,
    side: at.side,
    observation: at.observation,
    symbol: inst.symbol,
    params: paramsCopy(params),
    inputs,
    result: {
      weight: result.weight,
      volTargetNotional: result.volTargetNotional,
      kellyFull: orNull(result.kellyFull),
      riskFraction: result.riskFraction,
      riskNotional: orNull(result.riskNotional),
      tierLeverage: result.tierLeverage,
      bracketLeverage: result.bracketLeverage,
      leverage: result.leverage,
      leverageNotional: result.leverageNotional,
      breakerFactor: result.breakerFactor,
      notional: result.notional,
      binding: result.binding,
      quantity: toText(result.quantity),
      belowMinimum: result.belowMinimum,
    },
  };
};

// --- stops --------------------------------------------------------------------------------------------

const stopLayer = z.enum(['initial', 'break-even', 'chandelier', 'take-profit', 'time']);
const stopKind = z.enum(['stop', 'take-profit', 'time']);
const stopStatus = z.enum(['armed', 'triggered', 'filled', 'cancelled']);
const inputs = z.record(z.string(), z.union([z.number().finite(), z.string(), z.null()]));

/** A stop leg was placed, moved (always in the protective direction) or resized after a partial exit. */
export const StopAdjusted = defineEvent({
  type: 'StopAdjusted',
  schema: z
    .object({
      positionId: id,
      symbol: z.string().min(1),
      side: z.enum(['long', 'short']),
      legId: id,
      layer: stopLayer,
      kind: stopKind,
      action: z.enum(['placed', 'moved', 'resized']),
      previousPrice: decimal.nullable(),
      price: decimal.nullable(),
      quantity: decimal,
      holding: z.enum(['engine', 'venue']),
      at: z.number().int().nonnegative(),
      inputs,
    })
    .strict(),
});

/** A stop leg changed status: armed → triggered → filled, or → cancelled. */
export const StopStatusChanged = defineEvent({
  type: 'StopStatusChanged',
  schema: z
    .object({
      positionId: id,
      symbol: z.string().min(1),
      legId: id,
      layer: stopLayer,
      kind: stopKind,
      from: stopStatus,
      to: stopStatus,
      price: decimal.nullable(),
      quantity: decimal,
      at: z.number().int().nonnegative(),
      reason: z.string().min(1),
      inputs,
    })
    .strict(),
});

// --- breaker ------------------------------------------------------------------------------------------

const level = z.enum(breakerLevels);
const metric = z.enum(breakerMetrics);
const measurements = z
  .object({
    drawdown: z.number(),
    lossStreak: z.number(),
    slippage: z.number(),
    errorRate: z.number(),
    staleness: z.number(),
    // v2: absent in v1 events, which were measured before the margin ratio was; read as not measured.
    marginRatio: z.number().optional(),
  })
  .strict();
const levelThresholds = z
  .object({
    warn: finite.optional(),
    reduce: finite.optional(),
    halt: finite.optional(),
    flatten: finite.optional(),
  })
  .strict();

/**
 * The ladder moved. Up: the measurements and the triggers that tripped it. Down: only with the person
 * who approved it (the BreakerStepDownApproved just before it in the stream).
 */
export const BreakerLevelChanged = defineEvent({
  type: 'BreakerLevelChanged',
  // v2 measures the margin ratio too; a v1 event reads as it was (its ladder had no such metric). v3 may
  // carry `carriedFrom` (a new run starting at its predecessor's level); older events read as they were.
  schemaVersion: 3,
  upcasters: { 1: (d) => d, 2: (d) => d },
  schema: z
    .object({
      scope: z.enum(['account', 'strategy']),
      scopeId: id,
      from: level,
      to: level,
      direction: z.enum(['up', 'down']),
      at: z.number().int().nonnegative(),
      measured: measurements,
      triggers: z.array(
        z
          .object({
            metric,
            level: z.enum(['warn', 'reduce', 'halt', 'flatten']),
            value: z.number(),
            threshold: finite,
          })
          .strict(),
      ),
      thresholds: z.record(metric, levelThresholds),
      cooldownMs: z.number().int().nonnegative(),
      approvedBy: z.string().min(1).nullable(),
      carriedFrom: id.optional(),
    })
    .strict()
    .refine((d) => (d.direction === 'down') === (d.approvedBy !== null), {
      message: 'a step down needs its approver, a step up has none',
    })
    .refine((d) => d.carriedFrom === undefined || (d.direction === 'up' && d.triggers.length === 0), {
      message: 'a carried level is a step up that no measurement triggered',
    }),
});

export const BreakerStepDownApproved = defineEvent({
  type: 'BreakerStepDownApproved',
  // v2 measures the margin ratio too, as BreakerLevelChanged does; v3 may carry `seq` (a running engine's
  // approval). Older events read as they were.
  schemaVersion: 3,
  upcasters: { 1: (d) => d, 2: (d) => d },
  schema: z
    .object({
      scope: z.enum(['account', 'strategy']),
      scopeId: id,
      approver: z.string().regex(/^user:.+/, 'a person: user:<id>'),
      from: level,
      to: level,
      reason: z.string(),
      at: z.number().int().nonnegative(),
      measured: measurements,
      /**
       * Approved in a running engine: how many events its log held before the approval, where a restart or
       * a re-run applies it again (as AllocationApplied's `seq`).
       */
      seq: z.number().int().nonnegative().optional(),
    })
    .strict(),
});

const limitChange = {
  /** One id per change, so a run that applies it can tell it from the next. */
  changeId: z.string().min(1).max(128),
  scope: z.enum(limitScopes),
  key: z.string().min(1).max(128).nullable(),
  limits: limitsPatchSchema,
};

/**
 * A person set one layer of the pre-trade limits (domain/risk/limit-changes.ts), in stream `risk-limits`:
 * the desk's record of its risk appetite, which every run then applies (RiskLimitsApplied).
 */
export const RiskLimitsSet = defineEvent({
  type: 'RiskLimitsSet',
  schema: z
    .object({
      ...limitChange,
      approver: z.string().regex(/^user:.+/, 'a person: user:<id>'),
      reason: z.string().min(1).max(500),
    })
    .strict(),
});

/**
 * A run took a limit change, between two steps, in its own stream: from its next decision its risk check
 * judges by it. `seq` is how many events the run had written before, where a restart or a re-run applies
 * it again.
 */
export const RiskLimitsApplied = defineEvent({
  type: 'RiskLimitsApplied',
  schema: z.object({ ...limitChange, seq: z.number().int().nonnegative() }).strict(),
});

export const riskLimitsStreamId = 'risk-limits';

/**
 * A real run took the strategy's risk state over from its previous real run (`from`), so its risk goes on
 * from where it stood instead of starting afresh. `drawdown` and `lossStreak`: what the earlier run's
 * breaker measured at its end (since a person's last step-down), which this run's breaker measures on from.
 * Recorded when the run starts to trade, after any position taken over, with the bases it set then. `nets`: the round trips' net results, oldest first, as
 * many as its Kelly window keeps, and `kelly` what they make (its sizing's Kelly limit; with no record it
 * would risk the whole risk per trade on its first `kellyMinTrades` trades). `dayLoss`: the share of its
 * day-start equity the earlier run had lost that UTC day (`day`, its 00:00), which this run's daily-loss
 * limit counts on from; null when the earlier run lost nothing that day (or recorded nothing).
 * `orderTimes` (v2): when the earlier runs sent the orders that still fall within the longest order-rate
 * window, which this run's order-rate limit counts on with (a v1 event carried none).
 */
export const RiskStateCarried = defineEvent({
  type: 'RiskStateCarried',
  schemaVersion: 2,
  upcasters: { 1: (d) => ({ ...(d as object), orderTimes: [] }) },
  schema: z
    .object({
      accountId: id,
      from: id,
      nets: z.array(z.number().finite()),
      kelly: z
        .object({
          winRate: z.number().min(0).max(1),
          payoff: z.number().nonnegative(),
          trades: z.number().int().positive(),
        })
        .strict()
        .nullable(),
      dayLoss: z
        .object({ day: z.number().int().nonnegative(), loss: z.number().min(0).max(1) })
        .strict()
        .nullable(),
      drawdown: z.number().min(0).max(1),
      lossStreak: z.number().int().nonnegative(),
      /** Its equity when it took them over, and the bases it set from them: what its own successor reads. */
      equity: z.number().finite(),
      breakerPeak: z.number().finite(),
      dayStartEquity: z.number().finite(),
      /** The earlier runs' last equity marks, scaled onto its equity then, and the slope they make. */
      marks: z.array(z.number().finite()),
      equitySlope: z.number().finite().nullable(),
      orderTimes: z.array(z.number().int().nonnegative()),
    })
    .strict(),
});
export type RiskStateCarriedData = z.infer<typeof RiskStateCarried.schema>;

export type RiskLimitsSetData = z.infer<typeof RiskLimitsSet.schema>;
export type RiskLimitsAppliedData = z.infer<typeof RiskLimitsApplied.schema>;

export const riskEvents = [
  RiskDecided,
  PositionSized,
  StopAdjusted,
  StopStatusChanged,
  BreakerLevelChanged,
  BreakerStepDownApproved,
  RiskLimitsSet,
  RiskLimitsApplied,
  RiskStateCarried,
] as const;
