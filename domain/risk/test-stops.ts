import { fixed } from '../ledger/fixed.js';
import { defaultAdaptiveParams, neutralInputs } from './adaptive.js';
import { StopAdjusted, StopStatusChanged } from './events.js';
import type { OpenStops, StopEvent, StopParams } from './stops.js';

/** Stop ladders for tests: a long of 1 from 100 with ATR 2 on a 0.1 tick, and the rules they run by. */
export const stopParams: StopParams = {
  initialAtr: 2,
  takeProfits: [
    { r: 1, fraction: 0.5 },
    { r: 2, fraction: 0.25 },
  ],
  breakEvenR: 1,
  breakEvenOffsetR: 0.1,
  chandelierAtr: 3,
  chandelierActivateR: 1.5,
  timeStopBars: 20,
  timeStopMinR: 0.5,
  holding: 'engine',
  adaptive: defaultAdaptiveParams,
};

export const openAt = (over: Partial<OpenStops> = {}): OpenStops => ({
  positionId: 'p1',
  symbol: 'BTCUSDT',
  side: 'long',
  entryPrice: fixed('100'),
  quantity: fixed('1'),
  at: 0,
  atr: 2,
  tickSize: fixed('0.1'),
  stepSize: fixed('0.001'),
  conditions: neutralInputs,
  ...over,
});

export const stopBar = (at: number, high: number, low: number, close: number, atr = 2) => ({
  at,
  high,
  low,
  close,
  atr,
  conditions: neutralInputs,
});

/** Every event as its schema accepts it. */
export const parseStopEvents = (events: readonly StopEvent[]) => {
  for (const e of events) {
    if (e.type === 'StopAdjusted') StopAdjusted.schema.parse(e.data);
    else StopStatusChanged.schema.parse(e.data);
  }
};
