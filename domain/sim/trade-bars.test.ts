import { describe, expect, it } from 'vitest';
import type { TradeTape } from './feeds.js';
import { tickScale } from './scale.js';
import { barsFromTrades } from './trade-bars.js';

const scale = tickScale('0.1', '0.001');

const tape = (rows: ReadonlyArray<readonly [number, number, number]>): TradeTape => ({
  length: rows.length,
  time: Float64Array.from(rows, (r) => r[0]),
  tradeId: Float64Array.from(rows, (_, i) => i + 1),
  priceTicks: Float64Array.from(rows, (r) => r[1]),
  lots: Float64Array.from(rows, (r) => r[2]),
  sellerTaker: new Uint8Array(rows.length),
});

describe('bars from a trade tape', () => {
  it('makes each bar from the prints inside it, flat bars for silent buckets, and only whole buckets of the span', () => {
    const t = tape([
      [9_500, 1000, 1], // before the first whole bucket: only its price carries over
      [10_000, 1001, 2],
      [14_000, 1005, 1],
      [15_000, 998, 3],
      [19_999, 1002, 1],
      // 20_000 .. 30_000: no print
      [30_000, 1003, 5],
      [41_000, 990, 1], // in the bucket the capture stopped inside
    ]);
    const bars = barsFromTrades(t, scale, 'BTCUSDT', '10s', { from: 9_400, to: 41_500 });
    expect(Array.from(bars.openTime)).toEqual([10_000, 20_000, 30_000]);
    expect(Array.from(bars.open)).toEqual([100.1, 100.2, 100.3]);
    expect(Array.from(bars.high)).toEqual([100.5, 100.2, 100.3]);
    expect(Array.from(bars.low)).toEqual([99.8, 100.2, 100.3]);
    expect(Array.from(bars.close)).toEqual([100.2, 100.2, 100.3]);
    expect(Array.from(bars.volume)).toEqual([0.007, 0, 0.005]);
    expect(bars.timeframe).toBe('10s');
  });

  it('starts at a bucket boundary the span begins on, and leaves out silent buckets with no earlier price', () => {
    const t = tape([[25_000, 1000, 1]]);
    const bars = barsFromTrades(t, scale, 'BTCUSDT', '10s', { from: 10_000, to: 40_000 });
    expect(Array.from(bars.openTime)).toEqual([20_000, 30_000]);
    expect(Array.from(bars.close)).toEqual([100, 100]);
  });
});
