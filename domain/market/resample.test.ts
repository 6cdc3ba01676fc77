import { describe, expect, it } from 'vitest';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { type Bar, lastClosedBar, seriesFromBars, sliceSeries } from './bars.js';
import { fillGaps, findGaps } from './gaps.js';
import { resample } from './resample.js';
import { bucketStart, timeframeMs } from './timeframe.js';

const MIN = 60_000;
const bar = (openTime: number, close: number, volume = 1): Bar => ({
  openTime,
  open: close - 1,
  high: close + 2,
  low: close - 3,
  close,
  volume,
});

describe('timeframes', () => {
  it('parses lengths and rejects junk', () => {
    expect(timeframeMs('1m')).toBe(MIN);
    expect(timeframeMs('8h')).toBe(8 * 60 * MIN);
    expect(timeframeMs('1w')).toBe(7 * 86_400_000);
    expect(() => timeframeMs('5x')).toThrow(/timeframe/);
    expect(() => timeframeMs('0m')).toThrow(/timeframe/);
  });

  it('aligns buckets on UTC boundaries, weeks on Monday', () => {
    const t = Date.UTC(2023, 1, 15, 13, 47, 12);
    expect(bucketStart(t, timeframeMs('1h'))).toBe(Date.UTC(2023, 1, 15, 13));
    expect(bucketStart(t, timeframeMs('8h'))).toBe(Date.UTC(2023, 1, 15, 8));
    expect(bucketStart(t, timeframeMs('1d'))).toBe(Date.UTC(2023, 1, 15));
    expect(bucketStart(t, timeframeMs('1w'))).toBe(Date.UTC(2023, 1, 13)); // a Monday
  });
});

describe('resample', () => {
  it('BTCUSDT 5m resampled to 1h equals the exchange 1h klines, except one hour the source disagrees on', () => {
    const m5 = sharedBars('BTCUSDT', '5m');
    const h1 = sharedBars('BTCUSDT', '1h');
    const r = resample(m5, '1h');
    expect(r.openTime.length).toBe(h1.openTime.length);
    expect(r.sourceCount.every((c) => c === 12)).toBe(true);
    const mismatches: string[] = [];
    for (let i = 0; i < h1.openTime.length; i++) {
      expect(r.openTime[i]).toBe(h1.openTime[i]);
      expect([r.open[i], r.high[i], r.low[i], r.close[i]]).toEqual([
        h1.open[i],
        h1.high[i],
        h1.low[i],
        h1.close[i],
      ]);
      if (Math.abs(r.volume[i]! - h1.volume[i]!) > 1e-9 * h1.volume[i]!) {
        mismatches.push(new Date(r.openTime[i]!).toISOString());
      }
    }
    // In ../shared/data the 1h volume of 2023-11-10 15:00 exceeds the sum of that hour's twelve 5m bars
    // (12358.424 vs 13404.865) for every symbol: a discrepancy between the source's own files, not a
    // resampling error (the other 8759 hours agree).
    expect(mismatches).toEqual(['2023-11-10T15:00:00.000Z']);
  });

  it('1m alt bars resample to complete 4h bars on 00/04/08.. UTC with extra columns summed', () => {
    const m1 = sharedBars('LINKUSDT', '1m');
    const r = resample(m1, '4h');
    expect(r.openTime.length).toBe(28 * 6);
    expect(r.openTime.every((t) => t % timeframeMs('4h') === 0)).toBe(true);
    const trades = m1.extra!.trades!.subarray(0, 240).reduce((a, b) => a + b, 0);
    expect(r.extra!.trades![0]).toBe(trades);
  });

  it('a bucket with missing source bars is kept but counted, and dropped with completeOnly', () => {
    const s = seriesFromBars('X', '1m', [bar(0, 10), bar(MIN, 11), bar(3 * MIN, 12), bar(5 * MIN, 13)]);
    const r = resample(s, '5m');
    expect(Array.from(r.openTime)).toEqual([0, 5 * MIN]);
    expect(Array.from(r.sourceCount)).toEqual([3, 1]);
    expect(r.high[0]).toBe(14);
    expect(r.close[0]).toBe(12);
    expect(resample(s, '5m', { completeOnly: true }).openTime.length).toBe(0);
  });

  it('refuses a target that is not a multiple of the source', () => {
    const s = seriesFromBars('X', '5m', [bar(0, 10)]);
    expect(() => resample(s, '7m')).toThrow(/multiple/);
  });
});

describe('gaps', () => {
  const holey = seriesFromBars('X', '1m', [
    bar(0, 10),
    bar(MIN, 11),
    bar(4 * MIN, 12),
    bar(5 * MIN, 13),
    bar(7 * MIN, 9),
  ]);

  it('reports each run of missing bars as (symbol, from, to)', () => {
    expect(findGaps(holey)).toEqual([
      { symbol: 'X', timeframe: '1m', from: 2 * MIN, to: 3 * MIN, missing: 2 },
      { symbol: 'X', timeframe: '1m', from: 6 * MIN, to: 6 * MIN, missing: 1 },
    ]);
  });

  it('real data has none: BTCUSDT 5m over 2023', () => {
    expect(findGaps(sharedBars('BTCUSDT', '5m'))).toEqual([]);
  });

  it('removing real bars shows up as a gap with the right bounds', () => {
    const m1 = sharedBars('NEARUSDT', '1m');
    const a = sliceSeries(m1, 0, 100);
    const b = sliceSeries(m1, 130, 200);
    const joined = seriesFromBars(
      'NEARUSDT',
      '1m',
      [a, b].flatMap((s) => Array.from(s.openTime, (t, i) => bar(t, s.close[i]!))),
    );
    expect(findGaps(joined)).toEqual([
      { symbol: 'NEARUSDT', timeframe: '1m', from: m1.openTime[100], to: m1.openTime[129], missing: 30 },
    ]);
  });

  it('duplicates or off-grid times are errors, not gaps', () => {
    expect(() => findGaps(seriesFromBars('X', '1m', [bar(0, 1), bar(0, 2)]))).toThrow(/not increasing/);
    expect(() => findGaps(seriesFromBars('X', '1m', [bar(0, 1), bar(90_000, 2)]))).toThrow(/grid/);
  });

  it('filling is explicit and flagged: flat bars at the previous close with zero volume', () => {
    const f = fillGaps(holey);
    expect(Array.from(f.openTime)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => k * MIN));
    expect(Array.from(f.filled!)).toEqual([0, 0, 1, 1, 0, 0, 1, 0]);
    expect([f.open[2], f.high[2], f.low[2], f.close[2], f.volume[2]]).toEqual([11, 11, 11, 11, 0]);
    expect(findGaps(f)).toEqual([]);
  });
});

describe('no look-ahead on bars', () => {
  it('a bar is readable only once it has closed', () => {
    const s = seriesFromBars('X', '1m', [bar(0, 1), bar(MIN, 2), bar(2 * MIN, 3)]);
    expect(lastClosedBar(s, MIN, MIN - 1)).toBe(-1);
    expect(lastClosedBar(s, MIN, MIN)).toBe(0);
    expect(lastClosedBar(s, MIN, 3 * MIN - 1)).toBe(1);
    expect(lastClosedBar(s, MIN, 3 * MIN)).toBe(2);
  });
});
