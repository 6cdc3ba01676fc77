import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalText, impactFraction, stopFillBase, takeProfitFillBase, withImpact } from './bar-fills.js';

describe('bar fill rules', () => {
  it('impact grows with the square root of notional and always hurts', () => {
    expect(impactFraction(5e-6, 10_000)).toBeCloseTo(5e-4, 12);
    expect(impactFraction(5e-6, 40_000)).toBeCloseTo(1e-3, 12);
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 0.01, noNaN: true }),
        (p, f) => {
          expect(withImpact(p, 'BUY', f)).toBeGreaterThanOrEqual(p);
          expect(withImpact(p, 'SELL', f)).toBeLessThanOrEqual(p);
        },
      ),
    );
  });

  it('a gap through a stop fills at the open; a gap through a target fills at the open too', () => {
    expect(stopFillBase('long', 100, 95)).toBe(95);
    expect(stopFillBase('long', 100, 101)).toBe(100);
    expect(stopFillBase('short', 100, 104)).toBe(104);
    expect(takeProfitFillBase('long', 110, 112)).toBe(112);
    expect(takeProfitFillBase('short', 90, 91)).toBe(90);
  });

  it('prints plain decimals', () => {
    expect(decimalText(0.0001, 8)).toBe('0.0001');
    expect(decimalText(1e-9, 8)).toBe('0');
    expect(decimalText(16537.5, 2)).toBe('16537.5');
    expect(decimalText(-0.00012345, 8)).toBe('-0.00012345');
    expect(() => decimalText(Number.NaN, 2)).toThrow();
  });
});
