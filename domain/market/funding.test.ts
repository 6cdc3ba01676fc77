import { describe, expect, it } from 'vitest';
import { sharedFunding, sharedMark } from '../../adapters/marketdata/shared-data.js';
import { fundingCharges, fundingKnownAt, markKnownAt, settlementsBetween } from './funding.js';

const HOUR = 3_600_000;

describe('funding and mark without look-ahead (real BTCUSDT 2023)', () => {
  const funding = sharedFunding('BTCUSDT');
  const mark = sharedMark('BTCUSDT');

  it('a rate is known from its publication time, not a millisecond before', () => {
    // 2023-01-01T08:00:00.008Z: Binance's fundingTime lands a few ms after the hour.
    const t = 1672560000008;
    expect(funding.time[1]).toBe(t);
    expect(fundingKnownAt(funding, t)).toEqual({ time: t, rate: funding.rate[1] });
    expect(fundingKnownAt(funding, t - 1)).toEqual({ time: funding.time[0], rate: funding.rate[0] });
    expect(fundingKnownAt(funding, funding.time[0]! - 1)).toBeUndefined();
  });

  it('consecutive spans charge every settlement exactly once', () => {
    const start = funding.time[0]! - 1;
    let charged = 0;
    for (let t = start; t < funding.time[funding.time.length - 1]! + HOUR; t += 5 * HOUR) {
      const [a, b] = settlementsBetween(funding, t, t + 5 * HOUR);
      charged += b - a;
    }
    expect(charged).toBe(funding.time.length);
  });

  it('each settlement joins the mark price of its own 8h mark bar', () => {
    const charges = fundingCharges(
      funding,
      mark,
      funding.time[0]! - 1,
      funding.time[funding.time.length - 1]!,
    );
    expect(charges).toHaveLength(1095);
    for (const c of charges) {
      const bar = Math.floor(c.time / (8 * HOUR)) * 8 * HOUR;
      const i = mark.openTime.indexOf(bar);
      expect(c.markPrice).toBe(mark.open[i]);
    }
    expect(markKnownAt(mark, mark.openTime[0]! - 1)).toBeUndefined();
  });
});
