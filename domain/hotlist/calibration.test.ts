import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BarSeries } from '../market/bars.js';
import { calibrate, liquidatingMoves, outcomeOf, type Recommendation } from './calibration.js';
import { leverageFor } from './risk-figures.js';
import type { MarketSentiment } from './sentiment.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2023, 5, 1);

/** Hourly bars from T0: each [high, low, close]. */
const bars = (rows: readonly (readonly [number, number, number])[], gapAt = -1): BarSeries => {
  const openTime = Float64Array.from(rows, (_, i) => T0 + (i + (gapAt >= 0 && i >= gapAt ? 1 : 0)) * HOUR);
  const col = (k: number) => Float64Array.from(rows, (r) => r[k]!);
  return {
    symbol: 'AAAUSDT',
    timeframe: '1h',
    openTime,
    open: col(2),
    high: col(0),
    low: col(1),
    close: col(2),
    volume: new Float64Array(rows.length),
  };
};

const rec = (leverage: number, mmr = 0.01): Recommendation => ({
  symbol: 'AAAUSDT',
  lastPrice: 100,
  priceRange: { expected1: { low: 95, high: 105 }, expected2: { low: 90, high: 110 } },
  safeLeverage: { leverage, maintenanceRate: mmr },
});

const flat = (n: number, p = 100): [number, number, number][] => Array.from({ length: n }, () => [p, p, p]);

describe('liquidatingMoves', () => {
  it('is what leverageFor sizes against: its leverage survives the move, one more × does not', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.9, noNaN: true }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        (move, mmr) => {
          const l = leverageFor(move, mmr);
          fc.pre(l >= 1 && Number.isFinite(l));
          // The short is the side sized on; a rise of `move` leaves it standing at l ...
          expect(liquidatingMoves(l, mmr).rise).toBeGreaterThan(move);
          // ... and liquidates it at l + 1 (within rounding of the closed form).
          expect(liquidatingMoves(l + 1, mmr).rise).toBeLessThanOrEqual(move + 1e-12);
          // A long needs a larger fall than a short needs a rise.
          expect(liquidatingMoves(l, mmr).fall).toBeGreaterThanOrEqual(liquidatingMoves(l, mmr).rise);
        },
      ),
    );
  });

  it('10× with 1 % maintenance: a short goes at a 8.91 % rise, a long at a 9.09 % fall', () => {
    const m = liquidatingMoves(10, 0.01);
    expect(m.rise).toBeCloseTo(0.09 / 1.01, 12);
    expect(m.fall).toBeCloseTo(0.09 / 0.99, 12);
  });
});

describe('outcomeOf', () => {
  it('reads the 24 bars opening at or after the scan: their last close, highest high, lowest low', () => {
    const rows = flat(48);
    rows[30] = [108, 99, 104]; // inside the window (bars 24..47)
    rows[47] = [101, 93, 94]; // the window's last close: outside ±1σ, inside ±2σ
    rows[10] = [200, 1, 100]; // before the scan: not read
    const o = outcomeOf(rec(10), T0 + 24 * HOUR, bars(rows))!;
    expect(o).toMatchObject({ nextClose: 94, high: 108, low: 93, inside1: false, inside2: true });
    // 10×, 1 %: the 8 % rise leaves the short (8.91 % needed), the 7 % fall the long.
    expect(o.shortLiquidated).toBe(false);
    expect(o.longLiquidated).toBe(false);
    const o5 = outcomeOf(rec(20), T0 + 24 * HOUR, bars(rows))!;
    expect(o5.shortLiquidated).toBe(true);
    expect(o5.longLiquidated).toBe(true);
  });

  it('a move exactly at the threshold liquidates, as leverageFor counts it', () => {
    const rise = liquidatingMoves(10, 0.01).rise;
    const rows = flat(24);
    rows[5] = [100 * (1 + rise), 100, 100];
    expect(outcomeOf(rec(10), T0, bars(rows))!.shortLiquidated).toBe(true);
  });

  it('no outcome when the bars after the scan stop short of 24 hours or have a gap', () => {
    expect(outcomeOf(rec(5), T0 + 24 * HOUR, bars(flat(47)))).toBeNull();
    expect(outcomeOf(rec(5), T0 + 24 * HOUR, bars(flat(48), 30))).toBeNull();
    expect(outcomeOf(rec(5), T0 + 24 * HOUR, bars(flat(48)))).not.toBeNull();
    // A scan between bar opens: the window would start later than the scan.
    expect(outcomeOf(rec(5), T0 + 24 * HOUR - 1, bars(flat(48)))).toBeNull();
  });
});

describe('calibrate', () => {
  it('shares, mean leverage and counts per symbol; the sentiment spread over the scans that had one', () => {
    const rows = flat(72);
    rows[70] = [120, 100, 100];
    const b = bars(rows);
    const a = outcomeOf(rec(10), T0, b)!;
    const c = outcomeOf(rec(3), T0 + 24 * HOUR, b)!;
    // A 20 % rise liquidates a 5× short (19.8 % needed at 1 %).
    const d = outcomeOf(rec(5), T0 + 48 * HOUR, b)!;
    const other = { ...a, symbol: 'BBBUSDT', inside1: false };
    const mood = (value: number, band: MarketSentiment['band']) =>
      ({ sentiment: { value, band } }) as unknown as { sentiment: MarketSentiment };
    const r = calibrate(
      [a, c, other, d],
      [mood(20, 'extreme-fear'), mood(50, 'neutral'), { sentiment: null }],
    );
    expect(r.symbols.map((s) => s.symbol)).toEqual(['AAAUSDT', 'BBBUSDT']);
    expect(r.symbols[0]).toEqual({
      symbol: 'AAAUSDT',
      days: 3,
      inside1: 1,
      inside2: 1,
      meanLeverage: 6,
      shortLiquidations: 1,
      longLiquidations: 0,
    });
    expect(r.symbols[1]!.inside1).toBe(0);
    expect(r.sentiment).toEqual({
      scans: 2,
      min: 20,
      max: 50,
      median: 35,
      bands: { 'extreme-fear': 1, fear: 0, neutral: 1, greed: 0, 'extreme-greed': 0 },
    });
  });
});
