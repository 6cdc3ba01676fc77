import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';

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

export const backtestEvents = [RunStarted, EquityMarked, RunCompleted] as const;
