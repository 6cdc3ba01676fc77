import { type BarSeries, firstAtOrAfter } from '../../../domain/market/bars.js';
import type { FundingSeries } from '../../../domain/market/funding.js';
import { isTimeframe, timeframeMs } from '../../../domain/market/timeframe.js';
import { BinanceApiError } from './fake-binance-rules.js';

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
