import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { HOUR, openLiveAccountRun, SYMBOL } from './testing/live-account.js';

/**
 * The breaker's slippage on a real account (design §14, strategy level: "slippage above a threshold"):
 * each market fill is measured against the price the order was sent at. Before, the engine passed 0, so
 * a real account whose fills went ever further from the price never tripped it. Here the exchange's
 * price moves between the bar close the entry is sent at and its arrival.
 */
let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const breakerSteps = (events: readonly { type: string; data: unknown }[]) =>
  events
    .filter((e) => e.type === 'BreakerLevelChanged')
    .map((e) => {
      const d = e.data as {
        scope: string;
        to: string;
        measured: { slippage: number };
        triggers: { metric: string }[];
      };
      return {
        scope: d.scope,
        to: d.to,
        slippage: d.measured.slippage,
        metrics: d.triggers.map((t) => t.metric),
      };
    });

const enterAndMark = async (move: number) => {
  const run = await openLiveAccountRun(undefined, { 1: 1 });
  h = run.harness;
  const { barCloses, settle, warmupEnd, bars } = run;
  const enter = barCloses(warmupEnd + 1);
  // The entry is on its way (the engine sent it at the close); the exchange's price moves before it lands.
  const close = bars.close[warmupEnd + 1]!;
  run.harness.fake.engine.setPrice(SYMBOL, (Math.round(close * (1 + move) * 10) / 10).toFixed(1));
  const started = Date.now();
  while (run.of('OrderFilled').length < 1) {
    if (Date.now() - started > 10_000) throw new Error('timed out waiting for the entry');
    await settle(enter + HOUR - 1);
    await new Promise((r) => setTimeout(r, 5));
  }
  // The next bar's close marks the equity, where the breaker is measured.
  barCloses(warmupEnd + 2);
  await settle(enter + 2 * HOUR);
  return { run, close };
};

describe('the breaker measures slippage on a real account', () => {
  it('an entry filled 0.6 % above the close it was sent at trips it, with the slippage it measured', async () => {
    const { run, close } = await enterAndMark(0.006);
    const fill = Number((run.of('OrderFilled')[0]!.data as { price: string }).price);
    expect(fill / close - 1).toBeCloseTo(0.006, 4);
    const steps = breakerSteps(run.events);
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      expect(s.metrics).toEqual(['slippage']);
      expect(s.slippage).toBeCloseTo(60, 0);
    }
    // 60 bps is past halt (50): both ladders, the account's and the strategy's, stop new entries.
    expect(steps.map((s) => [s.scope, s.to]).sort()).toEqual([
      ['account', 'halt'],
      ['strategy', 'halt'],
    ]);
  });

  it('fills at the price sent at leave it alone', async () => {
    const { run } = await enterAndMark(0);
    expect(run.of('OrderFilled').length).toBeGreaterThan(0);
    expect(breakerSteps(run.events)).toEqual([]);
  });
});
