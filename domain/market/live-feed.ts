import type { Instrument } from '../ledger/instrument.js';
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

/** A venue's own listing of its perpetuals, read from its public market data. */
export interface VenueListing {
  /** Each listed symbol's instrument as the venue lists it now (only the symbols asked for). */
  readonly instruments: ReadonlyMap<string, Instrument>;
  /**
   * Each symbol's listing time, epoch ms, where the venue gives one: also of a symbol it lists without an
   * instrument to hand out (on Binance's market, one the recorded metadata has no brackets for).
   */
  readonly listedAt: ReadonlyMap<string, number>;
}

/**
 * The venue's own instruments, without an account: what a paper run fed by that venue's market sizes and
 * books on, and what the hotlist dates a listing by. A symbol the venue does not list is absent from both
 * maps (the caller says so); a reply it cannot trust fails the whole call.
 */
export interface ListsInstruments {
  listing(symbols: readonly string[]): Promise<VenueListing>;
}

/**
 * A venue's most traded USDT perpetuals, from its public 24-hour tickers: what the hotlist scans on a node
 * fed that venue's market, instead of a fixed list.
 */
export interface ListsMostTraded {
  /**
   * The `n` USDT-margined perpetuals with the most 24 h turnover (in USDT), most first, ties by symbol;
   * symbols as the engine names them (BTCUSDT). Fewer when the venue trades fewer. `n` must be a positive
   * integer (RangeError); a reply it cannot trust fails the whole call.
   */
  mostTraded(n: number): Promise<string[]>;
}
