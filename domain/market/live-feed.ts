import type { BarSeries } from './bars.js';
import type { FundingSeries } from './funding.js';

/** What a live feed hands over for one symbol: closed bars and published funding records, oldest first. */
export interface LiveBatch {
  readonly bars: BarSeries;
  readonly funding: FundingSeries;
}

/**
 * The market-data port of a run fed live (replay/engine/live.ts); adapters/marketdata/binance-live-bars.ts
 * implements it for Binance USDⓈ-M. It returns only bars that have closed, never the one still forming.
 */
export interface LiveBars {
  /** The venue whose market this is (`binance`): recorded with the run, and with the bars. */
  readonly venue: string;
  /**
   * Bars opened after `afterOpen` that have closed by now, and funding records after `afterFunding` (both
   * −∞ for "from the start the venue keeps"). A reply it cannot trust fails the whole call.
   */
  fetch(symbol: string, timeframe: string, afterOpen: number, afterFunding: number): Promise<LiveBatch>;
}

/**
 * The venue's mark prices now: what a run on a live account judges its stops on between bar closes, and
 * what open positions are valued at. adapters/marketdata/binance-live-bars.ts implements it.
 */
export interface LiveMarkPrices {
  /** Each symbol's mark price and the venue's time of it; a reply it cannot trust fails the whole call. */
  markPrices(symbols: readonly string[]): Promise<Map<string, { price: number; time: number }>>;
}
