import { type BarSeries, firstAtOrAfter } from '../../../domain/market/bars.js';
import type { FundingSeries } from '../../../domain/market/funding.js';
import { isTimeframe, timeframeMs } from '../../../domain/market/timeframe.js';
import { BinanceApiError } from './fake-binance-rules.js';
import { plain } from './fake-okx-market.js';

/** What the fake serves as market data: real recorded bars and funding, released as its clock passes them. */
export interface FakeMarket {
  bars(symbol: string, interval: string): BarSeries | undefined;
  funding(symbol: string): FundingSeries | undefined;
  /** The mark price at `now`; default: the open of the bar forming then. */
  mark?(symbol: string, now: number): number | undefined;
}

type Params = Record<string, string>;

const int = (p: Params, key: string, fallback: number): number => {
  const v = p[key];
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new BinanceApiError(-1100, `Illegal characters found in parameter '${key}'.`);
  return Number(v);
};

/**
 * GET /fapi/v1/klines as Binance answers it: rows of
 * [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, "0"],
 * prices as strings, oldest first, at most `limit` (default 500, max 1500). The kline still forming at the
 * server's time is included, as Binance includes it; the fake does not know its intermediate values, so it
 * answers with a bar that has only opened (open = high = low = close, no volume). A client that takes it
 * for a closed bar trades on a price that never closed.
 */
export const klines = (market: FakeMarket, now: number, p: Params): unknown[][] => {
  const symbol = p.symbol ?? '';
  const interval = p.interval ?? '';
  if (!isTimeframe(interval)) throw new BinanceApiError(-1120, 'Invalid interval.');
  const s = market.bars(symbol, interval);
  if (!s) throw new BinanceApiError(-1121, 'Invalid symbol.');
  const limit = int(p, 'limit', 500);
  if (limit < 1 || limit > 1500)
    throw new BinanceApiError(-1130, "Data sent for parameter 'limit' is not valid.");
  const tf = timeframeMs(interval);
  const end = Math.min(int(p, 'endTime', now), now);
  const startTime = p.startTime === undefined ? null : int(p, 'startTime', 0);
  const last = firstAtOrAfter(s.openTime, end + 1); // bars opened at or before `end`
  const from = startTime === null ? Math.max(0, last - limit) : firstAtOrAfter(s.openTime, startTime);
  const rows: unknown[][] = [];
  for (let i = from; i < last && rows.length < limit; i++) {
    const open = s.openTime[i]!;
    const forming = open + tf > now;
    const o = String(s.open[i]!);
    rows.push([
      open,
      o,
      forming ? o : String(s.high[i]!),
      forming ? o : String(s.low[i]!),
      forming ? o : String(s.close[i]!),
      forming ? '0' : String(s.volume[i]!),
      open + tf - 1,
      '0',
      0,
      '0',
      '0',
      '0',
    ]);
  }
  return rows;
};

/** GET /fapi/v1/fundingRate: records with fundingTime ≤ the server's time, oldest first (limit ≤ 1000). */
export const fundingRates = (market: FakeMarket, now: number, p: Params): unknown[] => {
  const symbol = p.symbol ?? '';
  const f = market.funding(symbol);
  if (!f) throw new BinanceApiError(-1121, 'Invalid symbol.');
  const limit = int(p, 'limit', 100);
  if (limit < 1 || limit > 1000)
    throw new BinanceApiError(-1130, "Data sent for parameter 'limit' is not valid.");
  const end = Math.min(int(p, 'endTime', now), now);
  const last = firstAtOrAfter(f.time, end + 1);
  const from =
    p.startTime === undefined ? Math.max(0, last - limit) : firstAtOrAfter(f.time, int(p, 'startTime', 0));
  const out: unknown[] = [];
  for (let i = from; i < last && out.length < limit; i++)
    out.push({ symbol, fundingTime: f.time[i]!, fundingRate: String(f.rate[i]!), markPrice: '' });
  return out;
};

/**
 * GET /fapi/v1/premiumIndex for one symbol: the market's mark, by default the open of the bar forming at
 * the server's time (the fake knows bars, not ticks), so it holds for the bar and moves at each open.
 */
export const premiumIndex = (market: FakeMarket, now: number, p: Params): unknown => {
  const symbol = p.symbol ?? '';
  const s = market.bars(symbol, '1h') ?? market.bars(symbol, '1m');
  if (!s) throw new BinanceApiError(-1121, 'Invalid symbol.');
  const i = firstAtOrAfter(s.openTime, now + 1) - 1;
  if (i < 0) throw new BinanceApiError(-1121, 'Invalid symbol.');
  const mark = market.mark?.(symbol, now) ?? s.open[i]!;
  return { symbol, markPrice: String(mark), indexPrice: String(mark), time: now };
};

/** What the recorded market traded of one symbol over a day: what the fakes' 24-hour tickers report. */
export interface Traded24h {
  /** The open of the first bar of the day, the close of its last (0 without one). */
  readonly open: number;
  readonly last: number;
  readonly high: number;
  readonly low: number;
  /** Base quantity. */
  readonly volume: number;
  /** Quote quantity (USDT): the bars' recorded quote volume, or close × volume where none is recorded. */
  readonly turnover: number;
  /** Bars of the day that traded at all (the fake knows bars, not trades: its stand-in for a trade count). */
  readonly bars: number;
}

const DAY = 86_400_000;

/**
 * The bars that closed in the 24 h up to `now` (close in (now − 24 h, now]) of the series the marks are
 * read from (1h, else 1m): only bars a client could have seen close, so a ticker never tells of a bar the
 * klines still show forming. undefined for a symbol the market has no bars of.
 */
export const traded24h = (market: FakeMarket, symbol: string, now: number): Traded24h | undefined => {
  const timeframe = market.bars(symbol, '1h') ? '1h' : '1m';
  const s = market.bars(symbol, timeframe);
  if (s === undefined) return undefined;
  const tf = timeframeMs(timeframe);
  const quote = s.extra?.quote_volume;
  const from = firstAtOrAfter(s.openTime, now - DAY - tf + 1);
  const to = firstAtOrAfter(s.openTime, now - tf + 1);
  let high = 0;
  let low = 0;
  let volume = 0;
  let turnover = 0;
  let bars = 0;
  for (let i = from; i < to; i++) {
    high = i === from ? s.high[i]! : Math.max(high, s.high[i]!);
    low = i === from ? s.low[i]! : Math.min(low, s.low[i]!);
    volume += s.volume[i]!;
    turnover += quote?.[i] ?? s.close[i]! * s.volume[i]!;
    if (s.volume[i]! > 0) bars++;
  }
  const open = from < to ? s.open[from]! : 0;
  const last = from < to ? s.close[to - 1]! : 0;
  return { open, last, high, low, volume, turnover, bars };
};

/**
 * GET /fapi/v1/ticker/24hr: one symbol's row, or without `symbol` a row for every symbol the exchange lists
 * (`listed`, its exchangeInfo's: dated and USDC contracts too, as Binance's), from the recorded bars
 * (traded24h). A listed symbol the market has no bars of is there with nothing traded (every amount 0,
 * count 0), as Binance shows one that has not traded. Numbers as plain decimal text, as Binance sends them.
 */
export const ticker24hr = (
  market: FakeMarket,
  now: number,
  listed: readonly string[],
  p: Params,
): unknown => {
  const row = (symbol: string): Record<string, unknown> => {
    const t = traded24h(market, symbol, now);
    const change = t === undefined ? 0 : t.last - t.open;
    return {
      symbol,
      priceChange: plain(change),
      priceChangePercent: plain(t === undefined || t.open === 0 ? 0 : (change / t.open) * 100),
      weightedAvgPrice: plain(t === undefined || t.volume === 0 ? 0 : t.turnover / t.volume),
      lastPrice: plain(t?.last ?? 0),
      lastQty: '0',
      openPrice: plain(t?.open ?? 0),
      highPrice: plain(t?.high ?? 0),
      lowPrice: plain(t?.low ?? 0),
      volume: plain(t?.volume ?? 0),
      quoteVolume: plain(t?.turnover ?? 0),
      openTime: now - DAY,
      closeTime: now,
      firstId: 0,
      lastId: 0,
      count: t?.bars ?? 0,
    };
  };
  if (p.symbol === undefined) return listed.map(row);
  if (!listed.includes(p.symbol)) throw new BinanceApiError(-1121, 'Invalid symbol.');
  return row(p.symbol);
};
