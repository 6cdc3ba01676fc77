import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { param } from './param.js';
import { ParameterSpace } from './space.js';
import {
  parameterStability,
  parseDuration,
  parseWalkForward,
  stitchEquity,
  walkForwardEfficiency,
  walkForwardWindows,
} from './walk-forward.js';

const DAY = 86_400_000;
const t0 = Date.UTC(2024, 0, 1);

describe('walk-forward windows', () => {
  it('parses specs and durations', () => {
    expect(parseWalkForward('rolling:90d/30d')).toEqual({
      mode: 'rolling',
      inSample: 90 * DAY,
      outOfSample: 30 * DAY,
    });
    expect(parseWalkForward('anchored:2w/12h/6h')).toEqual({
      mode: 'anchored',
      inSample: 14 * DAY,
      outOfSample: DAY / 2,
      step: DAY / 4,
    });
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(() => parseWalkForward('rolling:90d')).toThrow(/rolling:<in>\/<out>/);
    expect(() => parseDuration('90x')).toThrow(/unit m, h, d or w/);
  });

  it('refuses more windows than MAX_WINDOWS before building any (a century in minute steps)', () => {
    const t = Date.UTC(1950, 0, 1);
    const century = { start: t, end: t + 100 * 365 * 86_400_000 };
    expect(() => walkForwardWindows(parseWalkForward('rolling:1m/1m'), century)).toThrow(
      /windows would fit this range at this step; at most 10000/,
    );
    expect(() =>
      walkForwardWindows(parseWalkForward('rolling:90d/30d'), { start: 0, end: Number.POSITIVE_INFINITY }),
    ).toThrow(/finite/);
    expect(
      walkForwardWindows(parseWalkForward('rolling:1d/1d'), { start: t, end: t + 9_000 * 86_400_000 }),
    ).toHaveLength(8_999);
  });

  it('rolling:90d/30d over 180 days gives 3 windows whose OOS parts tile days 90–180', () => {
    const w = walkForwardWindows(parseWalkForward('rolling:90d/30d'), { start: t0, end: t0 + 180 * DAY });
    expect(
      w.map((x) => [
        (x.inSample.start - t0) / DAY,
        (x.inSample.end - t0) / DAY,
        (x.outOfSample.start - t0) / DAY,
        (x.outOfSample.end - t0) / DAY,
      ]),
    ).toEqual([
      [0, 90, 90, 120],
      [30, 120, 120, 150],
      [60, 150, 150, 180],
    ]);
  });

  it('anchored windows grow from the range start; a gap embargoes the OOS start; partial windows are dropped', () => {
    const w = walkForwardWindows(
      { ...parseWalkForward('anchored:90d/30d'), gap: DAY },
      { start: t0, end: t0 + 185 * DAY },
    );
    expect(
      w.map((x) => [
        (x.inSample.start - t0) / DAY,
        (x.inSample.end - t0) / DAY,
        (x.outOfSample.start - t0) / DAY,
        (x.outOfSample.end - t0) / DAY,
      ]),
    ).toEqual([
      [0, 90, 91, 121],
      [0, 120, 121, 151],
      [0, 150, 151, 181],
    ]);
  });

  it('never lets an out-of-sample window overlap its own in-sample window', () => {
    for (const spec of ['rolling:30d/7d', 'anchored:30d/7d', 'rolling:10d/5d/2d']) {
      for (const w of walkForwardWindows(parseWalkForward(spec), { start: t0, end: t0 + 100 * DAY })) {
        expect(w.outOfSample.start).toBeGreaterThanOrEqual(w.inSample.end);
      }
    }
  });

  it('says how much history one window needs when the range is too short', () => {
    expect(() =>
      walkForwardWindows(parseWalkForward('rolling:90d/30d'), { start: t0, end: t0 + 100 * DAY }),
    ).toThrow(/100 days; one window needs 120/);
  });
});

describe('stitchEquity', () => {
  it('chains per-window runs that each restarted from 1000 into one compounding curve', () => {
    const s = stitchEquity(
      [
        { times: [1, 2, 3], equity: [1000, 1100, 1050] }, // +5%
        { times: [3, 4, 5], equity: [1000, 900, 1200] }, // +20%
      ],
      10_000,
    );
    expect(s.times).toEqual([1, 2, 3, 4, 5]);
    expect(s.equity.map((e) => Math.round(e * 1e6) / 1e6)).toEqual([10_000, 11_000, 10_500, 9_450, 12_600]);
    expect(s.segmentStarts).toEqual([0, 2]);
  });

  it('rejects segments out of time order', () => {
    expect(() =>
      stitchEquity(
        [
          { times: [5, 6], equity: [1, 1] },
          { times: [4, 7], equity: [1, 1] },
        ],
        1,
      ),
    ).toThrow(/before the previous/);
  });
});

describe('walkForwardEfficiency', () => {
  it('is the OOS rate of return over the IS rate, per window and pooled', () => {
    const e = walkForwardEfficiency([
      { inSampleReturn: 0.3, inSampleDuration: 90, outOfSampleReturn: 0.05, outOfSampleDuration: 30 }, // (0.05/30)/(0.3/90) = 0.5
      { inSampleReturn: 0.18, inSampleDuration: 90, outOfSampleReturn: 0.06, outOfSampleDuration: 30 }, // 1.0
      { inSampleReturn: -0.1, inSampleDuration: 90, outOfSampleReturn: 0.02, outOfSampleDuration: 30 }, // IS lost: undefined
    ]);
    expect(e.perWindow[0]).toBeCloseTo(0.5, 12);
    expect(e.perWindow[1]).toBeCloseTo(1, 12);
    expect(e.perWindow[2]).toBeNaN();
    expect(e.median).toBeCloseTo(0.75, 12);
    // pooled: (0.13/90) / (0.38/270)
    expect(e.overall).toBeCloseTo(0.13 / 90 / (0.38 / 270), 12);
  });
});

describe('parameterStability', () => {
  const space = ParameterSpace.fromSchema(
    z.object({ n: param.int({ min: 0, max: 100 }), ma: param.choice(['ema', 'sma', 'wma', 'hma']) }),
  );

  it('is 1 for the same choice in every window', () => {
    const s = parameterStability(space, [
      { n: 20, ma: 'ema' },
      { n: 20, ma: 'ema' },
      { n: 20, ma: 'ema' },
    ]);
    expect(s.dimensions.map((d) => d.stability)).toEqual([1, 1]);
    expect(s.overall).toBe(1);
  });

  it('is about 0 for choices as scattered as random ones, and 1/3 for a 50% modal share of 4 options', () => {
    const s = parameterStability(space, [
      { n: 0, ma: 'ema' },
      { n: 100, ma: 'ema' },
      { n: 0, ma: 'sma' },
      { n: 100, ma: 'wma' },
    ]);
    expect(s.dimensions[1]!.stability).toBeCloseTo((0.5 - 0.25) / 0.75, 12);
    expect(s.dimensions[0]!.stability).toBeLessThan(0);
  });
});
