import { uuidv7 } from 'uuidv7';
import type { EventMetadata, NewEvent } from '../../domain/events/envelope.js';

/** Realistic test events (a trend strategy's signal on BTCUSDT 5m) for store tests and benches. */
export const meta = (over: Partial<EventMetadata> = {}): EventMetadata => ({
  correlationId: 'obs:BTCUSDT:5m:1672531200000',
  causationId: null,
  actor: 'strategy:trend@1.0.0',
  mode: 'backtest',
  occurredAt: '2023-01-01T00:05:00.000Z',
  ...over,
});

export const signal = (n: number, over: Partial<Record<string, unknown>> = {}): NewEvent => ({
  eventId: uuidv7(),
  type: 'SignalEmitted',
  data: {
    strategyId: 'trend',
    strategyVersion: '1.0.0',
    paramsVersion: 3,
    observation: { symbol: 'BTCUSDT', timeframe: '5m', openTime: 1672531200000 + n * 300_000 },
    side: n % 2 === 0 ? 'long' : 'short',
    strength: 0.5,
    features: { ema_fast: 16500.5 + n, ema_slow: 16480.25, adx: 27.1 },
    ...over,
  },
  metadata: meta(),
});
