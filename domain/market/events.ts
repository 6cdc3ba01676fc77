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

const venueSymbol = {
  venue: z.string().min(1).max(32),
  symbol: z.string().regex(/^[A-Z0-9]{2,30}$/, 'an exchange symbol like BTCUSDT'),
};
const price = z.number().finite().positive();

/**
 * A bar a venue closed, as a live feed handed it to the runs (numbers exactly as the engine read them).
 * Recorded once per venue, symbol and timeframe, whichever run asked first: a live run's market is in
 * the log, so the run can be re-executed from the log alone (replay/audit/rerun.ts).
 */
export const BarClosed = defineEvent({
  type: 'BarClosed',
  schema: z
    .object({
      ...venueSymbol,
      timeframe: z.string().regex(/^[1-9]\d*[smhdw]$/),
      openTime: z.number().int(),
      open: price,
      high: price,
      low: price,
      close: price,
      volume: z.number().finite().nonnegative(),
    })
    .strict(),
});

/** A funding rate a venue published, as a live feed handed it to the runs. */
export const FundingRatePublished = defineEvent({
  type: 'FundingRatePublished',
  schema: z.object({ ...venueSymbol, fundingTime: z.number().int(), rate: z.number().finite() }).strict(),
});

export type BarClosedData = z.infer<typeof BarClosed.schema>;
export type FundingRatePublishedData = z.infer<typeof FundingRatePublished.schema>;

export const barStreamId = (venue: string, symbol: string, timeframe: string): string =>
  `bars-${venue}-${symbol}-${timeframe}`;
export const fundingStreamId = (venue: string, symbol: string): string => `funding-${venue}-${symbol}`;

export const marketEvents = [RegimeChanged, BarClosed, FundingRatePublished] as const;
