import { describe, expect, it } from 'vitest';
import type { RiskDecidedData } from '../../domain/risk/events.js';
import { defaultRiskLimits } from '../../domain/risk/limits.js';
import { runBacktest } from './run.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The order-rate rule counts every order the run sent within its window, however long the window: a
 * desk that allows so many orders a day is judged by the day. The engine kept an hour of order times, so
 * a daily count started again every hour.
 */
describe('the order-rate window', () => {
  it('counts the orders of the whole day when the window is a day', async () => {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      from: '2023-01-01',
      to: '2023-03-01',
      params: { fast: 5, slow: 20 },
      engine: {
        riskConfig: { defaults: { ...defaultRiskLimits, maxOrdersPerWindow: 4, orderRateWindowMs: DAY } },
      },
    });
    const events = out.engine.store.raw();
    let beyondAnHour = 0;
    let refused = 0;
    let decided = 0;
    // The orders the log holds before each decision: every one the run sent (its exits and stops too).
    const sent: number[] = [];
    const within = (at: number, ms: number) => sent.filter((t) => t > at - ms && t <= at).length;
    for (const e of events) {
      const at = Date.parse(e.metadata.occurredAt);
      if (e.type === 'OrderRequested') sent.push(at);
      if (e.type !== 'RiskDecided') continue;
      decided++;
      const check = (e.data as RiskDecidedData).checks.find((c) => c.rule === 'order-rate')!;
      expect(Number(check.requested)).toBe(within(at, DAY) + 1);
      // More than the last hour's orders: what the engine kept before counted fewer.
      if (Number(check.requested) > within(at, HOUR) + 1) beyondAnHour++;
      if (check.verdict === 'fail') refused++;
    }
    expect(decided).toBeGreaterThan(20);
    expect(beyondAnHour).toBeGreaterThan(0);
    // Refusals by the day's count.
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});
