import { describe, expect, it } from 'vitest';
import { evidenceOf } from '../../domain/lifecycle/evidence.js';
import { runBacktest } from './run.js';

describe('the evidence of a run', () => {
  it('agrees with the run’s own results on three months of real BTCUSDT bars', async () => {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      to: '2023-06-01',
      params: { fast: 10, slow: 40 },
    });
    const events = out.engine.store.raw();
    const e = evidenceOf(out.summary.runId, events);
    const k = out.results.kpis();
    expect(e.days).toBeCloseTo(92, 0);
    expect(e.trades).toBeGreaterThan(5);
    expect(e.totalReturn).toBeCloseTo(k.totalReturn, 9);
    expect(e.maxDrawdown).toBeCloseTo(k.maxDrawdown, 9);
    expect(e.returns.length).toBe(events.filter((x) => x.type === 'EquityMarked').length - 1);
    // Bar fills pay the impact model's price: the slippage is adverse, and small.
    expect(e.slippageBps).toBeGreaterThan(0);
    expect(e.slippageBps).toBeLessThan(20);
    expect(e.breakerTripped).toBe(
      events.some(
        (x) => x.type === 'BreakerLevelChanged' && /"to":"(halt|flatten)"/.test(JSON.stringify(x.data)),
      ),
    );
  });
});
