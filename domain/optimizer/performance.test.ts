import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drawdown, equityFromReturns, returnsFromEquity, summarisePerformance } from './performance.js';

describe('summarisePerformance', () => {
  /*
   * Worked: equity 100 → 110 → 99 → 118.8, returns +10%, −10%, +20%, 3 periods a year (so one year).
   *   mean 0.0667, sample std √(0.046667/2) = 0.152753 → Sharpe 0.436436·√3 = 0.755929
   *   downside deviation √((0 + 0.01 + 0)/3) = 0.057735 → Sortino 0.0667/0.057735·√3 = 2.0
   *   drawdown 110 → 99 = 10%, under water 2 periods (until 118.8 regains the peak); total return = CAGR
   *   = 18.8%; Calmar 1.88
   */
  it('matches the hand-worked example', () => {
    const s = summarisePerformance([100, 110, 99, 118.8], 3);
    expect(s.totalReturn).toBeCloseTo(0.188, 12);
    expect(s.cagr).toBeCloseTo(0.188, 12);
    expect(s.sharpe).toBeCloseTo(0.755929, 6);
    expect(s.sortino).toBeCloseTo(2.0, 6);
    expect(s.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(s.maxDrawdownPeriods).toBe(2);
    expect(s.calmar).toBeCloseTo(1.88, 10);
  });

  it('times a drawdown from its peak to the mark that regains it, or to the end if none does', () => {
    const dd = expect.closeTo(0.1, 12);
    expect(drawdown([100, 90, 95, 100, 110])).toEqual({ maxDrawdown: dd, maxDrawdownPeriods: 3 });
    expect(drawdown([100, 90, 95, 99])).toEqual({ maxDrawdown: dd, maxDrawdownPeriods: 3 });
    expect(drawdown([100, 101, 102])).toEqual({ maxDrawdown: 0, maxDrawdownPeriods: 0 });
  });

  it('treats a riskless rising curve as unbounded, not NaN', () => {
    const s = summarisePerformance([100, 101, 102.01], 365);
    expect(s.maxDrawdown).toBe(0);
    expect(s.calmar).toBe(Number.POSITIVE_INFINITY);
    expect(s.sharpe).toBeGreaterThan(1e6);
  });

  it('drawdown is in [0, 1) and zero for a non-decreasing curve', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 2, maxLength: 50 }),
        (eq) => {
          const { maxDrawdown } = drawdown(eq);
          const sorted = [...eq].sort((a, b) => a - b);
          return maxDrawdown >= 0 && maxDrawdown < 1 && drawdown(sorted).maxDrawdown === 0;
        },
      ),
    );
  });

  it('converts between returns and equity both ways', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { maxLength: 30 }), (rs) => {
        const back = returnsFromEquity(equityFromReturns(rs, 100));
        return back.length === rs.length && back.every((r, i) => Math.abs(r - rs[i]!) < 1e-12);
      }),
    );
  });

  it('refuses non-positive equity and too-short curves', () => {
    expect(() => returnsFromEquity([100, 0, 50])).toThrow(/positive/);
    expect(() => summarisePerformance([100], 365)).toThrow(/two equity points/);
  });
});
