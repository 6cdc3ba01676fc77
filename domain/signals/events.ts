import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';

/**
 * The market observation a decision chain starts from: a bar, named by its open time. A strategy fed
 * trades or books can decide between bar closes; then `tick` says what it was handling (a print, a book
 * update, a fill report) and when, and the bar is the one that print fell in, still open. Optional, so
 * every event written before it still validates.
 */
export const observationSchema = z
  .object({
    symbol: z.string().min(1),
    timeframe: z.string().regex(/^\d+[smhdw]$/, 'timeframe like 1m, 5m, 1h'),
    openTime: z.number().int().nonnegative(),
    tick: z
      .object({ kind: z.enum(['trade', 'book', 'fill']), time: z.number().int().nonnegative() })
      .strict()
      .optional(),
  })
  .strict();

export type Observation = z.infer<typeof observationSchema>;

const featureValue = z.union([z.number().finite(), z.string(), z.boolean(), z.null()]);

const signalEmittedV2 = z
  .object({
    strategyId: z.string().min(1),
    strategyVersion: z.string().min(1),
    paramsVersion: z.number().int().nonnegative(),
    observation: observationSchema,
    side: z.enum(['long', 'short', 'flat']),
    strength: z.number().min(-1).max(1),
    features: z.record(z.string(), featureValue),
  })
  .strict();

/**
 * v1 (first catalogue) carried `strategy: "<id>@<version>"` and no parameter version: parameter
 * versioning came with the optimizer's promotion flow. v1 events upcast with paramsVersion 0,
 * meaning "the strategy's defaults", which is what v1 runs used.
 */
const upcastSignalV1 = (raw: unknown): unknown => {
  const { strategy, ...rest } = raw as { strategy: string } & Record<string, unknown>;
  const at = strategy.lastIndexOf('@');
  return {
    ...rest,
    strategyId: at < 0 ? strategy : strategy.slice(0, at),
    strategyVersion: at < 0 ? '0' : strategy.slice(at + 1),
    paramsVersion: 0,
  };
};

export const SignalEmitted = defineEvent({
  type: 'SignalEmitted',
  schemaVersion: 2,
  schema: signalEmittedV2,
  upcasters: { 1: upcastSignalV1 },
});

export const signalEvents = [SignalEmitted] as const;
