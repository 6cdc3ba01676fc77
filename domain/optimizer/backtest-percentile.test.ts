import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtestPercentile, onGrid } from './backtest-percentile.js';

const H = 3_600_000;

describe('onGrid', () => {
  it('samples a finer curve at the last point at or before each grid time', () => {
    const times = [0, 0.5 * H, H, 1.5 * H, 2 * H, 2.9 * H];
    const equity = [100, 101, 102, 103, 104, 105];
    expect(onGrid({ times, equity }, H)).toEqual([100, 102, 104]);
  });

  it('repeats the points of a coarser or gapped curve', () => {
    expect(onGrid({ times: [0, 3 * H], equity: [100, 90] }, H)).toEqual([100, 100, 100, 90]);
  });

  it('leaves a curve already on the grid as it is', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (eq) => {
          const times = eq.map((_, i) => 1_700_000_000_000 + i * H);
          expect(onGrid({ times, equity: eq }, H)).toEqual(eq);
        },
      ),
    );
  });
});

describe('backtestPercentile', () => {
  it('places the live return among the reference windows of the same length, ties counted half', () => {
    // Reference windows of 2 steps: returns +2 %, +4 %, −2 %, 0 %.
    const reference = [100, 101, 102, 106.08, 99.96, 102];
    const windows = [102 / 100 - 1, 106.08 / 101 - 1, 99.96 / 102 - 1, 102 / 106.08 - 1];
    const live = [200, 200, 200]; // 0 %: above the two negative windows
    const p = backtestPercentile(live, reference)!;
    expect(p.windows).toBe(4);
    expect(p.liveReturn).toBe(0);
    expect(p.percentile).toBe(2 / 4);
    const sorted = [...windows].sort((a, b) => a - b);
    expect(p.medianReturn).toBeCloseTo((sorted[1]! + sorted[2]!) / 2, 12);
    // A live window equal to one of them counts it half.
    expect(backtestPercentile([100, 100, 102], reference)!.percentile).toBe(2.5 / 4);
    // Worse than every window: 0; better than every one: 1.
    expect(backtestPercentile([100, 99, 90], reference)!.percentile).toBe(0);
    expect(backtestPercentile([100, 105, 110], reference)!.percentile).toBe(1);
  });

  it('says nothing from a reference shorter than two windows, or a live window that cannot be measured', () => {
    const live = [100, 101, 102, 103];
    expect(backtestPercentile(live, [1, 2, 3, 4, 5])).toBeNull(); // 2 windows of 3 steps
    expect(backtestPercentile(live, [1, 2, 3, 4, 5, 6])!.windows).toBe(3);
    expect(backtestPercentile([100], [1, 2, 3])).toBeNull();
    expect(backtestPercentile([0, 1], [1, 2, 3])).toBeNull();
  });

  const curve = fc
    .array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 12, maxLength: 80 })
    .map((steps) => {
      const out = [1000];
      for (const s of steps) out.push(out.at(-1)! * s);
      return out;
    });

  it('is a share in [0, 1] and never falls when the live window ends higher', () => {
    fc.assert(
      fc.property(
        curve,
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: 1, max: 1.5, noNaN: true }),
        (reference, w, end, lift) => {
          const live = [...Array.from({ length: w }, () => 500), 500 * end];
          const a = backtestPercentile(live, reference);
          const higher = [...live.slice(0, w), 500 * end * lift];
          const b = backtestPercentile(higher, reference);
          expect(a).not.toBeNull();
          expect(a!.percentile).toBeGreaterThanOrEqual(0);
          expect(a!.percentile).toBeLessThanOrEqual(1);
          expect(b!.percentile).toBeGreaterThanOrEqual(a!.percentile);
        },
      ),
    );
  });

  it('puts a live window drawn from the reference itself inside it, and its scale does not matter', () => {
    fc.assert(
      fc.property(curve, fc.integer({ min: 1, max: 5 }), fc.nat(), (reference, w, k) => {
        const i = k % (reference.length - w);
        const live = reference.slice(i, i + w + 1).map((x) => x * 4);
        const p = backtestPercentile(live, reference)!;
        // The window itself is among them: a tie at least (× 4 is exact, so the ratio is too).
        expect(p.percentile).toBeGreaterThan(0);
        expect(p.percentile).toBeLessThan(1);
      }),
    );
  });
});
