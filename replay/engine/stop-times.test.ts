import { describe, expect, it } from 'vitest';
import { runBacktest } from './run.js';

/**
 * A compliance reviewer reads the timeline in time order: a stop's trigger must not come after the exit
 * it caused. On bar fills the exit is stamped inside the bar (mid-bar; a time stop at the close), and
 * so is its trigger, on plain bars and on bars whose stops are resolved on 1m bars inside them.
 */
describe('stop triggers and their exits', () => {
  it.each([
    [
      'plain 1h bars',
      { strategyId: 'ema-cross', symbols: ['BTCUSDT', 'ETHUSDT'], from: '2023-01-01', to: '2023-04-01' },
    ],
    ['15m bars resolved on 1m', { strategyId: 'ema-cross', symbols: ['ALGOUSDT'], timeframe: '15m' }],
  ])('are stamped at the same time (%s)', async (_, req) => {
    const { engine } = await runBacktest(req);
    const events = engine.store.raw();
    const triggers = events.filter(
      (e) => e.type === 'StopStatusChanged' && (e.data as { to: string }).to === 'triggered',
    );
    expect(triggers.length).toBeGreaterThan(5);
    const byCause = new Map(events.map((e) => [e.metadata.causationId, e]));
    for (const t of triggers) {
      const exit = byCause.get(t.eventId);
      expect(exit?.type).toBe('OrderRequested');
      expect(exit!.metadata.occurredAt).toBe(t.metadata.occurredAt);
    }
  });
});
