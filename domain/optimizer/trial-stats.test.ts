import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trialBlocks } from './pbo.js';
import { returnsFromEquity, summarisePerformance } from './performance.js';
import { sharpeSample } from './sharpe-stats.js';
import {
  packTrialStats,
  pboBlockCount,
  TrialStatsFormatError,
  trialStats,
  unpackTrialStats,
} from './trial-stats.js';

const curve = fc
  .array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: 2, maxLength: 400 })
  .map((rs) => {
    const eq = [1000];
    for (const r of rs) eq.push(eq[eq.length - 1]! * (1 + r));
    return eq;
  });

describe('trial stats', () => {
  it('hold what the run reads of the curve, and survive packing bit for bit', () => {
    fc.assert(
      fc.property(curve, fc.integer({ min: 2, max: 20 }), (equity, pboBlocks) => {
        const outcome = { equity, periodsPerYear: 8760, trades: 7, turnover: 3.5, fees: 12.25 };
        const s = trialStats(outcome, pboBlocks);
        const returns = returnsFromEquity(equity);
        expect(s.summary).toEqual(summarisePerformance(equity, 8760));
        expect(s.sample).toEqual(sharpeSample(returns));
        const k = pboBlockCount(returns.length, pboBlocks);
        expect(s.blocks).toEqual(k >= 2 ? trialBlocks(returns, k) : null);
        // toEqual treats NaN as equal to NaN and tells +0 from −0 apart only with Object.is: the round
        // trip must keep both, so compare the packed floats as bits.
        const back = unpackTrialStats(packTrialStats(s), outcome);
        expect(back).toEqual(s);
        expect(Buffer.from(packTrialStats(back).buffer)).toEqual(Buffer.from(packTrialStats(s).buffer));
      }),
    );
  });

  it('keeps NaN and infinities that JSON would turn into null', () => {
    // A flat curve: no volatility, so Sharpe-like ratios are 0 or undefined.
    const flat = trialStats(
      { equity: [100, 100, 100], periodsPerYear: 365, trades: 0, turnover: 0, fees: 0 },
      16,
    );
    const rising = trialStats(
      { equity: [100, 101, 102.01, 103.0301], periodsPerYear: 365, trades: 1, turnover: 1, fees: 0 },
      16,
    );
    for (const s of [flat, rising]) {
      const back = unpackTrialStats(packTrialStats(s), s);
      for (const [key, v] of Object.entries(s.summary))
        expect(Object.is(back.summary[key as keyof typeof s.summary], v)).toBe(true);
    }
    expect(rising.summary.calmar).toBe(Number.POSITIVE_INFINITY);
    expect(flat.blocks).toBeNull();
  });

  it('refuses floats of another layout or length', () => {
    const s = trialStats(
      {
        equity: [100, 101, 99, 102, 103, 101, 104, 105],
        periodsPerYear: 365,
        trades: 2,
        turnover: 1,
        fees: 1,
      },
      2,
    );
    const packed = packTrialStats(s);
    const rest = { periodsPerYear: 365, trades: 2, turnover: 1, fees: 1 };
    expect(() => unpackTrialStats(packed.subarray(0, packed.length - 1), rest)).toThrow(
      TrialStatsFormatError,
    );
    const other = Float64Array.from(packed);
    other[0] = 2;
    expect(() => unpackTrialStats(other, rest)).toThrow(/layout/);
    expect(() => unpackTrialStats([], rest)).toThrow(TrialStatsFormatError);
  });
});
