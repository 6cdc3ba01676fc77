import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlippageWindow, slippageBps } from './slippage.js';

describe('slippage the breaker reads', () => {
  it('is positive when the fill cost the trader: a buy above its reference, a sell below', () => {
    expect(slippageBps('BUY', 20_000, 20_010)).toBeCloseTo(5, 9);
    expect(slippageBps('SELL', 20_000, 19_990)).toBeCloseTo(5, 9);
    expect(slippageBps('SELL', 20_000, 20_010)).toBeCloseTo(-5, 9);
  });

  it('weighs the window by notional and keeps only the last fills', () => {
    const w = new SlippageWindow(3);
    expect(w.mean()).toBe(0);
    w.push(10, 1_000);
    w.push(0, 3_000);
    expect(w.mean()).toBeCloseTo(2.5, 12);
    w.push(0, 1_000);
    w.push(0, 1_000); // the 10 bps fill leaves the window
    expect(w.mean()).toBe(0);
    w.push(Number.NaN, 1_000);
    w.push(50, 0);
    expect(w.mean()).toBe(0);
  });

  it('lies between the smallest and the largest slippage in the window', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 1, max: 1e7 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (fills) => {
          const w = new SlippageWindow(20);
          for (const [b, n] of fills) w.push(b, n);
          const kept = fills.slice(-20).map(([b]) => b);
          expect(w.mean()).toBeGreaterThanOrEqual(Math.min(...kept) - 1e-9);
          expect(w.mean()).toBeLessThanOrEqual(Math.max(...kept) + 1e-9);
        },
      ),
    );
  });
});
