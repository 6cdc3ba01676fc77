import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MARGIN_RATIO_CAP, marginRatio } from './margin-ratio.js';

describe('the margin ratio the breaker reads', () => {
  it('is maintenance ÷ balance: 200 USDT of maintenance on a 1,000 USDT balance is 20 %', () => {
    expect(marginRatio(200, 1_000)).toBeCloseTo(0.2, 12);
  });

  it('is 0 with nothing held, and capped (finite) when the balance is gone', () => {
    expect(marginRatio(0, 1_000)).toBe(0);
    expect(marginRatio(0, -5)).toBe(0);
    expect(marginRatio(50, 0)).toBe(MARGIN_RATIO_CAP);
    expect(marginRatio(50, -100)).toBe(MARGIN_RATIO_CAP);
    expect(marginRatio(5_000, 1)).toBe(MARGIN_RATIO_CAP);
  });

  it('never falls as the balance shrinks, and is always a finite number in [0, cap]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        (mm, balance, loss) => {
          const r = marginRatio(mm, balance);
          expect(Number.isFinite(r) && r >= 0 && r <= MARGIN_RATIO_CAP).toBe(true);
          expect(marginRatio(mm, balance - loss)).toBeGreaterThanOrEqual(r);
        },
      ),
    );
  });
});
