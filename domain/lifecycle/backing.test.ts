import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_BACKING, nextBacking } from './backing.js';

describe('the share of what the real runs commit that the wallet backs', () => {
  it('is all of it while the wallet holds as much, and what it holds, rounded down, when it holds less', () => {
    expect(nextBacking(10_000, 5_000, 1)).toBe(1);
    expect(nextBacking(5_000, 5_000, 1)).toBe(1);
    // 3,100 of 5,000 after a transfer out: 62 %.
    expect(nextBacking(3_100, 5_000, 1)).toBe(0.62);
    expect(nextBacking(3_149, 5_000, 1)).toBe(0.62);
    // An empty wallet scales the runs to the least step; it never benches them.
    expect(nextBacking(0, 5_000, 1)).toBe(MIN_BACKING);
    // Nothing committed, or no reading: as it was.
    expect(nextBacking(3_000, 0, 0.8)).toBe(0.8);
    expect(nextBacking(Number.NaN, 5_000, 0.8)).toBe(0.8);
  });

  it('goes down at once, and up only by 5 points or to all of it', () => {
    expect(nextBacking(3_050, 5_000, 0.62)).toBe(0.61);
    expect(nextBacking(3_200, 5_000, 0.62)).toBe(0.62);
    expect(nextBacking(3_350, 5_000, 0.62)).toBe(0.67);
    expect(nextBacking(4_990, 5_000, 0.97)).toBe(0.97);
    expect(nextBacking(5_000, 5_000, 0.97)).toBe(1);
  });

  it('property: the runs never size on more than the wallet holds, and a full wallet backs all of it', () => {
    const money = fc.double({ min: 0, max: 1e7, noNaN: true });
    fc.assert(
      fc.property(fc.array(money, { minLength: 1, maxLength: 30 }), money, (readings, c) => {
        const committed = c + 1;
        let backing = 1;
        for (const wallet of readings) {
          backing = nextBacking(wallet, committed, backing);
          expect(backing).toBeGreaterThanOrEqual(MIN_BACKING);
          expect(backing).toBeLessThanOrEqual(1);
          // What the runs size on is within the wallet (the least step aside).
          if (backing > MIN_BACKING) expect(backing * committed).toBeLessThanOrEqual(wallet * (1 + 1e-9));
          if (wallet >= committed) expect(backing).toBe(1);
          // Whole percents only, printed as such.
          expect(backing).toBe(Math.round(backing * 100) / 100);
        }
      }),
    );
  });
});
