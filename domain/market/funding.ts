import { lastAtOrBefore } from './bars.js';

/**
 * Realised funding settlements of one perpetual. `time` is the exchange's fundingTime (Binance's is
 * often a few ms after the 00/08/16h mark), which is also when the rate becomes known: the rate is
 * fixed and published at settlement, so nothing may read it earlier.
 */
export interface FundingSeries {
  readonly symbol: string;
  readonly time: Float64Array;
  readonly rate: Float64Array;
}

/** Mark-price klines: the open of the bar at T is the mark price at T, its close is known at T + timeframe. */
export interface MarkSeries {
  readonly symbol: string;
  readonly timeframe: string;
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

export interface FundingObservation {
  readonly time: number;
  readonly rate: number;
}

/** The latest settlement known at time t (its time <= t), or undefined before the first one. */
export const fundingKnownAt = (f: FundingSeries, t: number): FundingObservation | undefined => {
  const i = lastAtOrBefore(f.time, t);
  return i < 0 ? undefined : { time: f.time[i]!, rate: f.rate[i]! };
};

/**
 * Indices [start, end) of the settlements in the half-open span (from, to]: what the ledger charges
 * for a position held over that span. Consecutive spans never charge a settlement twice.
 */
export const settlementsBetween = (f: FundingSeries, from: number, to: number): [number, number] => [
  lastAtOrBefore(f.time, from) + 1,
  lastAtOrBefore(f.time, to) + 1,
];

/**
 * The mark price known at time t: the open of the latest mark bar opened at or before t. For a
 * funding settlement at 08:00:00.008 that is the 08:00 bar's open, the price Binance charges on.
 */
export const markKnownAt = (m: MarkSeries, t: number): number | undefined => {
  const i = lastAtOrBefore(m.openTime, t);
  return i < 0 ? undefined : m.open[i]!;
};

export interface FundingCharge {
  readonly time: number;
  readonly rate: number;
  readonly markPrice: number;
}

/** Settlements in (from, to] joined with the mark price at each one; settlements without a mark are an error. */
export const fundingCharges = (
  f: FundingSeries,
  m: MarkSeries,
  from: number,
  to: number,
): FundingCharge[] => {
  const [start, end] = settlementsBetween(f, from, to);
  const out: FundingCharge[] = [];
  for (let i = start; i < end; i++) {
    const time = f.time[i]!;
    const markPrice = markKnownAt(m, time);
    if (markPrice === undefined) throw new RangeError(`${f.symbol}: no mark price at funding time ${time}`);
    out.push({ time, rate: f.rate[i]!, markPrice });
  }
  return out;
};
