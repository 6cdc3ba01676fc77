import path from 'node:path';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { resample } from '../../domain/market/resample.js';
import { timeframeMs } from '../../domain/market/timeframe.js';
import {
  type DatasetMeta,
  defaultMarketDir,
  listDatasets,
  loadBars,
  loadFunding,
  loadMark,
  loadTrades,
  type TradeColumns,
} from './column-store.js';
import { repoRoot } from './shared-data.js';

/** What strategies, the ledger and the backtester read market data through. */
export interface MarketStore {
  readonly dir: string;
  list(): DatasetMeta[];
  /**
   * Bars of any timeframe: the stored series if there is one, else the finest stored series whose
   * timeframe divides it, resampled on UTC boundaries with complete buckets only (a partial bucket
   * would be a bar that has not closed, or one with missing source bars: those are gaps).
   */
  bars(symbol: string, timeframe: string): BarSeries;
  funding(symbol: string): FundingSeries;
  mark(symbol: string, timeframe?: string): MarkSeries;
  trades(symbol: string): TradeColumns;
}

export const openMarketStore = (dir: string = path.resolve(repoRoot, defaultMarketDir())): MarketStore => ({
  dir,
  list: () => listDatasets(dir),
  bars(symbol, timeframe) {
    const target = timeframeMs(timeframe);
    const sources = listDatasets(dir)
      .filter((m) => m.kind === 'klines' && m.symbol === symbol && m.timeframe !== null)
      .map((m) => ({ tf: m.timeframe!, ms: timeframeMs(m.timeframe!) }))
      .filter((s) => target % s.ms === 0)
      .sort((a, b) => b.ms - a.ms);
    const best = sources[0];
    if (!best) throw new Error(`no ${symbol} klines in ${dir} that ${timeframe} bars can be built from`);
    const bars = loadBars(dir, symbol, best.tf);
    return best.ms === target ? bars : resample(bars, timeframe, { completeOnly: true });
  },
  funding: (symbol) => loadFunding(dir, symbol),
  mark: (symbol, timeframe = '8h') => loadMark(dir, symbol, timeframe),
  trades: (symbol) => loadTrades(dir, symbol),
});
