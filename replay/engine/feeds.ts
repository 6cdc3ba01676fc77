import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  sharedBars,
  sharedDataDir,
  sharedFunding,
  sharedMark,
} from '../../adapters/marketdata/shared-data.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { resample } from '../../domain/market/resample.js';
import type { MarketFeeds } from './config.js';

export interface FeedCoverage {
  readonly symbol: string;
  readonly timeframe: string;
  /** Open time of the first bar and the close time of the last one (ms). */
  readonly from: number;
  readonly to: number;
  readonly source: 'file' | 'resampled-1m';
  readonly intrabar: boolean;
  readonly funding: boolean;
}

const cache = new Map<string, unknown>();
const cached = <T>(key: string, load: () => T): T => {
  if (!cache.has(key)) cache.set(key, load());
  return cache.get(key) as T;
};

const file = (kind: string, name: string) => path.join(sharedDataDir(), kind, name);

export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedError';
  }
}

/**
 * Real Binance data for a run: the strategy's timeframe from its own file, or resampled from 1m bars on
 * exact boundaries (then the 1m bars also resolve stops inside each bar), plus funding and 8h mark
 * prices where the data set has them. Loaded once per process.
 */
export const loadFeeds = (
  symbols: readonly string[],
  timeframe: string,
): { feeds: MarketFeeds; coverage: FeedCoverage[] } => {
  const bars = new Map<string, BarSeries>();
  const intrabar = new Map<string, BarSeries>();
  const funding = new Map<string, FundingSeries>();
  const mark = new Map<string, MarkSeries>();
  const coverage: FeedCoverage[] = [];
  for (const symbol of symbols) {
    let series: BarSeries;
    let source: FeedCoverage['source'] = 'file';
    const one = file('klines', `${symbol}-1m.csv.gz`);
    if (existsSync(file('klines', `${symbol}-${timeframe}.csv.gz`))) {
      series = cached(`${symbol}-${timeframe}`, () => sharedBars(symbol, timeframe));
    } else if (existsSync(one)) {
      const m1 = cached(`${symbol}-1m`, () => sharedBars(symbol, '1m'));
      series =
        timeframe === '1m'
          ? m1
          : cached(`${symbol}-${timeframe}-r`, () => resample(m1, timeframe, { completeOnly: true }));
      source = timeframe === '1m' ? 'file' : 'resampled-1m';
      if (timeframe !== '1m') intrabar.set(symbol, m1);
    } else {
      throw new FeedError(`no ${timeframe} (or 1m) bars for ${symbol} in ${sharedDataDir()}`);
    }
    bars.set(symbol, series);
    const hasFunding = existsSync(file('funding', `${symbol}.csv.gz`));
    if (hasFunding)
      funding.set(
        symbol,
        cached(`${symbol}-funding`, () => sharedFunding(symbol)),
      );
    if (existsSync(file('mark', `${symbol}-8h.csv.gz`)))
      mark.set(
        symbol,
        cached(`${symbol}-mark`, () => sharedMark(symbol)),
      );
    const n = series.openTime.length;
    coverage.push({
      symbol,
      timeframe,
      from: series.openTime[0]!,
      to: series.openTime[n - 1]! + (series.openTime[1]! - series.openTime[0]!),
      source,
      intrabar: intrabar.has(symbol),
      funding: hasFunding,
    });
  }
  return { feeds: { bars, intrabar, funding, mark }, coverage };
};
