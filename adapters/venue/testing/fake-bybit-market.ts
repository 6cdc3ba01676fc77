import { firstAtOrAfter } from '../../../domain/market/bars.js';
import { timeframeMs } from '../../../domain/market/timeframe.js';
import { type FakeMarket, traded24h } from './fake-binance-market.js';
import { BybitApiError } from './fake-bybit-wire.js';
import { plain } from './fake-okx-market.js';

type Params = Readonly<Record<string, string>>;

/** Bybit's kline intervals (GET /v5/market/kline `interval`) and the timeframes they are. */
const INTERVALS: Readonly<Record<string, string>> = {
  '1': '1m',
  '3': '3m',
  '5': '5m',
  '15': '15m',
  '30': '30m',
  '60': '1h',
  '120': '2h',
  '240': '4h',
  '360': '6h',
  '720': '12h',
  D: '1d',
  W: '1w',
};

const int = (p: Params, key: string): number | null => {
  const v = p[key];
  if (v === undefined) return null;
  if (!/^\d+$/.test(v)) throw new BybitApiError(10001, `params error: ${key} invalid`);
  return Number(v);
};

const limitOf = (p: Params, fallback: number, max: number): number => {
  const limit = int(p, 'limit') ?? fallback;
  if (limit < 1 || limit > max) throw new BybitApiError(10001, `params error: limit must be in [1, ${max}]`);
  return limit;
};

const linearOnly = (p: Params): void => {
  if (p.category !== 'linear')
    throw new BybitApiError(10001, 'params error: category only supports linear here');
};

/**
 * GET /v5/market/kline (category linear): `result.list` of [startTime, open, high, low, close, volume,
 * turnover], every field a string, **newest first** as Bybit sends it, the kline still forming at the
 * server's time included (the fake knows bars, not ticks: it shows that one as only opened). Bars opened in
 * [start, end]; where more than `limit` (default 200, max 1000) fall in it, the newest `limit`. A client
 * that asks for a range holding no more than `limit` bars does not depend on which end Bybit counts from.
 */
export const bybitKlines = (market: FakeMarket, now: number, p: Params): unknown => {
  linearOnly(p);
  const symbol = p.symbol ?? '';
  const timeframe = INTERVALS[p.interval ?? ''];
  if (timeframe === undefined) throw new BybitApiError(10001, 'Invalid period!');
  const s = market.bars(symbol, timeframe);
  if (s === undefined) throw new BybitApiError(10001, 'Not supported symbols');
  const limit = limitOf(p, 200, 1000);
  const tf = timeframeMs(timeframe);
  const end = Math.min(int(p, 'end') ?? now, now);
  const start = int(p, 'start');
  const last = firstAtOrAfter(s.openTime, end + 1);
  const first = start === null ? 0 : firstAtOrAfter(s.openTime, start);
  const list: string[][] = [];
  for (let i = last - 1; i >= first && list.length < limit; i--) {
    const open = s.openTime[i]!;
    const forming = open + tf > now;
    const o = String(s.open[i]!);
    list.push([
      String(open),
      o,
      forming ? o : String(s.high[i]!),
      forming ? o : String(s.low[i]!),
      forming ? o : String(s.close[i]!),
      forming ? '0' : String(s.volume[i]!),
      '0',
    ]);
  }
  return { category: 'linear', symbol, list };
};

/**
 * GET /v5/market/funding/history: records with fundingRateTimestamp in [startTime, endTime] (endTime at
 * most the server's time), **newest first**, at most `limit` (default and max 200). Bybit refuses a
 * startTime without an endTime (ccxt says as much: "end time is required when since is not empty").
 */
export const bybitFundingHistory = (market: FakeMarket, now: number, p: Params): unknown => {
  linearOnly(p);
  const symbol = p.symbol ?? '';
  const f = market.funding(symbol);
  if (f === undefined) throw new BybitApiError(10001, 'Not supported symbols');
  const limit = limitOf(p, 200, 200);
  const start = int(p, 'startTime');
  const endAsked = int(p, 'endTime');
  if (start !== null && endAsked === null)
    throw new BybitApiError(10001, 'params error: endTime is required when startTime is given');
  const end = Math.min(endAsked ?? now, now);
  const last = firstAtOrAfter(f.time, end + 1);
  const first = start === null ? 0 : firstAtOrAfter(f.time, start);
  const list: Record<string, string>[] = [];
  for (let i = last - 1; i >= first && list.length < limit; i--)
    list.push({ symbol, fundingRate: String(f.rate[i]!), fundingRateTimestamp: String(f.time[i]!) });
  return { category: 'linear', list };
};

/**
 * The market's mark of `symbol` at the server's time: its own `mark` when it has one, else the open of the
 * bar forming then (as the Binance fake marks). undefined without bars, or before the first.
 */
export const bybitMark = (market: FakeMarket, now: number, symbol: string): number | undefined => {
  const s = market.bars(symbol, '1h') ?? market.bars(symbol, '1m');
  const i = s === undefined ? -1 : firstAtOrAfter(s.openTime, now + 1) - 1;
  if (s === undefined || i < 0) return undefined;
  return market.mark?.(symbol, now) ?? s.open[i]!;
};

/**
 * A linear ticker's 24 h figures from the recorded bars (traded24h): turnover24h (USDT) and volume24h (base)
 * "0" for a symbol the market has no bars of; the day's prices only where it traded.
 */
export const bybitDay = (market: FakeMarket, now: number, symbol: string): Record<string, string> => {
  const t = traded24h(market, symbol, now);
  const day = { turnover24h: plain(t?.turnover ?? 0), volume24h: plain(t?.volume ?? 0) };
  if (t === undefined || t.bars === 0) return day;
  return {
    ...day,
    prevPrice24h: plain(t.open),
    highPrice24h: plain(t.high),
    lowPrice24h: plain(t.low),
    price24hPcnt: plain(Math.round(((t.last - t.open) / t.open) * 1e6) / 1e6),
  };
};

/**
 * GET /v5/market/tickers for one linear symbol: its mark (bybitMark) as markPrice, and as lastPrice and
 * indexPrice too, and its 24 h figures (bybitDay).
 */
export const bybitTicker = (market: FakeMarket, now: number, p: Params): unknown => {
  linearOnly(p);
  const symbol = p.symbol ?? '';
  const m = bybitMark(market, now, symbol);
  if (m === undefined) throw new BybitApiError(10001, 'Not supported symbols');
  const mark = String(m);
  return {
    category: 'linear',
    list: [
      {
        symbol,
        lastPrice: mark,
        markPrice: mark,
        indexPrice: mark,
        fundingRate: '0',
        nextFundingTime: '0',
        ...bybitDay(market, now, symbol),
      },
    ],
  };
};
