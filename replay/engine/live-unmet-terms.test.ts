import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import type { StrategyDefinition } from '../../domain/strategy/sdk.js';
import { openLiveAccountRun, SYMBOL, WARMUP } from './testing/live-account.js';

/**
 * Binance refuses a fill-or-kill order it cannot fill whole (-5021) and a post-only order that would take
 * (-5022), where the simulated venues expire them. Either way that is how the market stood when the order
 * arrived, not the venue's health: the run's venue error rate (the breaker's errorRate) must not count it,
 * or a strategy that works passive orders would be halted on real money for what a backtest let it do.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** On the first live bar: a post-only buy 1 % above the close and a fill-or-kill buy 1 % below it. */
const passive: StrategyDefinition = {
  id: 'passive-orders',
  version: '0.0.1',
  description: 'sends orders whose own terms the market cannot meet',
  timeframe: '1h',
  params: z.object({}),
  create: () => {
    let seen = 0;
    return {
      onBar(bar, ctx) {
        if (++seen !== WARMUP + 1) return;
        const signal = { side: 'long' as const, strength: 1, features: { close: bar.close } };
        ctx.order(
          {
            symbol: SYMBOL,
            side: 'BUY',
            type: 'LIMIT',
            quantity: 0.01,
            price: bar.close * 1.01,
            postOnly: true,
          },
          signal,
        );
        ctx.order(
          {
            symbol: SYMBOL,
            side: 'BUY',
            type: 'LIMIT',
            quantity: 0.01,
            price: bar.close * 0.99,
            timeInForce: 'FOK',
          },
          signal,
        );
      },
    };
  },
};

describe('a real run whose orders the market refuses by their own terms', () => {
  it('books both refusals and counts neither as a venue error', async () => {
    const run = await openLiveAccountRun(undefined, {}, undefined, 3, { strategy: passive });
    h = run.harness;
    const { engine, barCloses, settle, of, warmupEnd } = run;
    const close = barCloses(warmupEnd + 1);
    await settle(close + 3_600_000 - 1);
    const reasons = of('OrderRejected').map((e) => (e.data as { reason: string }).reason);
    expect(reasons).toHaveLength(2);
    expect(reasons.join('\n')).toMatch(/binance -5022/);
    expect(reasons.join('\n')).toMatch(/binance -5021/);
    expect(of('OrderFilled')).toEqual([]);
    expect((engine as unknown as { venueRefusals: number }).venueRefusals).toBe(0);
  });
});
