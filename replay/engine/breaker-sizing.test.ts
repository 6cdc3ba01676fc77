import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { runBacktest } from './run.js';

interface Sized {
  inputs: { breakerLevel: string };
  result: { binding: string; quantity: string };
}

const sizings = (events: readonly StoredEvent[]) =>
  events.filter((e) => e.type === 'PositionSized').map((e) => e.data as Sized);

/**
 * Donchian on 5m bars trips the loss-streak breaker on its second day (run-notes.test.ts). With the
 * breaker's rule disabled, as a what-if without it runs, the breaker no longer cuts the sizing: before,
 * the log showed an entry sized to nothing "by the breaker", followed by an order at the full size.
 */
describe('the breaker and sizing', () => {
  const req = {
    strategyId: 'donchian-breakout',
    symbols: ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'],
    timeframe: '5m',
    from: '2023-03-01',
    to: '2023-03-08',
  };

  it('cuts the sizing while its rule refuses orders, and only then', async () => {
    const on = sizings((await runBacktest(req)).engine.store.raw());
    expect(on.filter((s) => s.result.binding === 'breaker').length).toBeGreaterThan(0);

    const off = (await runBacktest({ ...req, disabledRules: ['breaker'] })).engine.store.raw();
    const sized = sizings(off);
    for (const s of sized) {
      expect(s.inputs.breakerLevel).toBe('normal');
      expect(s.result.binding).not.toBe('breaker');
    }
    // The breaker itself still watched the run: it went past normal, as with the rule on.
    expect(off.some((e) => e.type === 'BreakerLevelChanged')).toBe(true);
  }, 120_000);
});
