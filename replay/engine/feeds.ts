import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  sharedBars,
  sharedDataDir,
  sharedFunding,
  sharedMark,
} from '../../adapters/marketdata/shared-data.js';
import { sharedTickData } from '../../adapters/marketdata/tick-data.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { resample } from '../../domain/market/resample.js';
import { timeframeMs } from '../../domain/market/timeframe.js';
import { captureSpan } from '../../domain/sim/feeds.js';
import type { TickScale } from '../../domain/sim/scale.js';
import { barsFromTrades } from '../../domain/sim/trade-bars.js';
import type { MarketFeeds, TickCapture } from './config.js';

export interface FeedCoverage {
  readonly symbol: string;
  readonly timeframe: string;
  /** Open time of the first bar and the close time of the last one (ms). */
  readonly from: number;
  readonly to: number;
  /** `trades`: made from the trade capture the run also replays tick by tick. */
  readonly source: 'file' | 'resampled-1m' | 'trades';
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

const TICK_FILES = (symbol: string) => [
  file('trades', `${symbol}.csv.gz`),
  file('book', `${symbol}-depth-snapshot.csv.gz`),
  file('book', `${symbol}-depth-updates.csv.gz`),
];

export interface FeedOptions {
  /**
   * Load each symbol's trade/L2 capture on its instrument's grid, for a strategy that asks for trades or
   * books; its bars are then made from the same trades, so the bars and the prints it sees agree.
   */
  readonly ticks?: (symbol: string) => TickScale;
}

/**
 * Real Binance data for a run: the strategy's timeframe from its own file, or resampled from 1m bars on
 * exact boundaries (then the 1m bars also resolve stops inside each bar), plus funding and 8h mark
 * prices where the data set has them. Loaded once per process.
 */
export const loadFeeds = (
  symbols: readonly string[],
  timeframe: string,
  options: FeedOptions = {},
): { feeds: MarketFeeds; coverage: FeedCoverage[] } => {
  const bars = new Map<string, BarSeries>();
  const intrabar = new Map<string, BarSeries>();
  const funding = new Map<string, FundingSeries>();
  const mark = new Map<string, MarkSeries>();
  const ticks = new Map<string, TickCapture>();
  const coverage: FeedCoverage[] = [];
  for (const symbol of symbols) {
    let series: BarSeries;
    let source: FeedCoverage['source'] = 'file';
    const one = file('klines', `${symbol}-1m.csv.gz`);
    if (options.ticks !== undefined) {
      const missing = TICK_FILES(symbol).filter((f) => !existsSync(f));
      if (missing.length > 0)
        throw new FeedError(
          `no ${symbol} trade/L2 data in ${sharedDataDir()}: missing ${missing.join(', ')}`,
        );
      const scale = options.ticks(symbol);
      const key = `${symbol}-ticks-${scale.tickNum}/${scale.tickDen}-${scale.lotNum}/${scale.lotDen}`;
      const capture = cached(key, (): TickCapture => ({ ...sharedTickData(symbol, scale), scale }));
      ticks.set(symbol, capture);
      series = cached(`${key}-${timeframe}`, () =>
        barsFromTrades(
          capture.trades,
          scale,
          symbol,
          timeframe,
          captureSpan(capture.trades, capture.snapshot, capture.depth),
        ),
      );
      if (series.openTime.length < 2)
        throw new FeedError(`the ${symbol} trade capture is shorter than two ${timeframe} bars`);
      source = 'trades';
    } else if (existsSync(file('klines', `${symbol}-${timeframe}.csv.gz`))) {
      series = cached(`${symbol}-${timeframe}`, () => sharedBars(symbol, timeframe));
    } else if (existsSync(one)) {
      // Bars are built from 1m bars only for whole multiples of a minute (resample refuses the rest).
      const tf = timeframeMs(timeframe);
      if (tf < 60_000 || tf % 60_000 !== 0)
        throw new FeedError(
          `no ${timeframe} bars for ${symbol}: the data has 1m bars, and ${timeframe} is not a whole number of minutes`,
        );
      const m1 = cached(`${symbol}-1m`, () => sharedBars(symbol, '1m'));
      series =
        timeframe === '1m'
          ? m1
          : cached(`${symbol}-${timeframe}-r`, () => resample(m1, timeframe, { completeOnly: true }));
      source = timeframe === '1m' ? 'file' : 'resampled-1m';
      if (timeframe !== '1m') intrabar.set(symbol, m1);
    } else {
      const have = existsSync(path.dirname(one))
        ? readdirSync(path.dirname(one))
            .filter((f) => f.startsWith(`${symbol}-`) && f.endsWith('.csv.gz'))
            .map((f) => f.slice(symbol.length + 1, -'.csv.gz'.length))
        : [];
      throw new FeedError(
        have.length > 0
          ? `no ${timeframe} bars for ${symbol}: the data has its ${have.join(', ')} bars, and ${timeframe} cannot be made from them`
          : `no bars for ${symbol} in ${sharedDataDir()}`,
      );
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
  return {
    feeds: { bars, intrabar, funding, mark, ...(ticks.size > 0 ? { ticks } : {}) },
    coverage,
  };
};
