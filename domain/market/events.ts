import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';
import { observationSchema } from '../signals/events.js';
import type { RegimeChange, RegimeParams } from './regime.js';

const regimeSchema = z
  .object({
    trend: z.enum(['trend_up', 'trend_down', 'range']),
    volatility: z.enum(['high', 'normal', 'low']),
  })
  .strict();

const finite = z.number().finite();

/**
 * A symbol's confirmed regime changed on the bar in `observation`. Carries the feature values that
 * caused it and the thresholds in force, so the decision can be explained without re-running.
 * `previous` is null for the first classification after warm-up.
 */
export const RegimeChanged = defineEvent({
  type: 'RegimeChanged',
  schema: z
    .object({
      observation: observationSchema,
      previous: regimeSchema.nullable(),
      current: regimeSchema,
      features: z
        .object({
          adx: finite,
          plusDI: finite,
          minusDI: finite,
          efficiencyRatio: finite,
          realisedVol: finite,
          volPercentile: finite,
        })
        .strict(),
      params: z.record(z.string(), finite),
    })
    .strict(),
});

export type RegimeChangedData = z.infer<typeof RegimeChanged.schema>;

export const regimeStreamId = (symbol: string, timeframe: string): string => `regime-${symbol}-${timeframe}`;

export const regimeChangedData = (
  observation: { symbol: string; timeframe: string; openTime: number },
  change: RegimeChange,
  params: RegimeParams,
): RegimeChangedData => ({
  observation,
  previous: change.previous,
  current: change.current,
  features: { ...change.features },
  params: { ...params },
});

export const marketEvents = [RegimeChanged] as const;
