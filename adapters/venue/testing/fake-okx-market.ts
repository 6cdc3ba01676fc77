import { divRound, type Fixed, fixed, toText } from '../../../domain/ledger/fixed.js';
import { firstAtOrAfter } from '../../../domain/market/bars.js';
import { timeframeMs } from '../../../domain/market/timeframe.js';
import { type FakeMarket, traded24h } from './fake-binance-market.js';
import {
  amount,
  contractsOf,
  type Instrument,
  intParam,
  limitParam,
  OkxApiError,
  type Params,
} from './fake-okx-wire.js';

/**
 * OKX's bar sizes (GET /api/v5/market/candles `bar`) the recorded market can serve, and the timeframes
 * they are. The recorded bars are UTC-aligned, so of the 6-hour-and-longer sizes only OKX's UTC ones
 * (6Hutc, 1Dutc, …) are served; the Hong Kong-aligned 6H, 1D, 1W and the monthly sizes are refused.
 */
const BARS: Readonly<Record<string, string>> = {
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1H': '1h',
  '2H': '2h',
  '4H': '4h',
  '6Hutc': '6h',
  '12Hutc': '12h',
  '1Dutc': '1d',
  '2Dutc': '2d',
  '3Dutc': '3d',
  '1Wutc': '1w',
};

/** /market/candles only reaches back this many bars; older ones are /market/history-candles'. */
const RECENT_BARS = 1440;

/**
 * A recorded number as OKX prints numbers: plain decimal text, never an exponent ("0.0000001", not
 * "1e-7"), the shortest text that reads back as the same double.
 */
export const plain = (x: number): string => {
  const text = String(x);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (m === null) return text;
  const [, sign, lead, frac = '', exp] = m;
  const digits = `${lead}${frac}`;
  const e = Number(exp);
  return e < 0 ? `${sign}0.${'0'.repeat(-e - 1)}${digits}` : `${sign}${digits.padEnd(e + 1, '0')}`;
};

const decimal = (x: number): Fixed => fixed(plain(x), 'half-even');

/**
 * GET /api/v5/market/candles and /market/history-candles: rows of [ts, o, h, l, c, vol, volCcy,
 * volCcyQuote, confirm], strings, **newest first**; vol is contracts, volCcy the base currency (the
 * recorded volume), volCcyQuote the quote (the recorded quote volume, or volume × close without one). The
 * bar forming at the server's time is included with confirm "0" (the fake knows bars, not ticks: it shows
 * that one as only opened). `after` keeps bars opened before that time, `before` those after it; of what is
 * left, the `limit` (default 100, max 300) nearest `after`, or the newest.
 */
export const okxCandles = (
  market: FakeMarket,
  now: number,
  i: Instrument,
  p: Params,
  history: boolean,
): string[][] => {
  const timeframe = BARS[p.bar ?? '1m'];
  if (timeframe === undefined) throw new OkxApiError('51000', 'Parameter bar error');
  const s = market.bars(i.symbol, timeframe);
  if (s === undefined)
    throw new OkxApiError('51001', "Instrument ID, Instrument ID code, or Spread ID doesn't exist.");
  const tf = timeframeMs(timeframe);
  const limit = limitParam(p, 300);
  const after = intParam(p, 'after');
  const before = intParam(p, 'before');
  const newest = firstAtOrAfter(s.openTime, now + 1) - 1;
  const oldest = history ? 0 : Math.max(0, newest - RECENT_BARS + 1);
  const quote = s.extra?.quote_volume;
  const rows: string[][] = [];
  for (let k = newest; k >= oldest && rows.length < limit; k--) {
    const open = s.openTime[k]!;
    if (after !== undefined && open >= Number(after)) continue;
    if (before !== undefined && open <= Number(before)) break;
    const forming = open + tf > now;
    const o = plain(s.open[k]!);
    const volume = forming ? 0 : s.volume[k]!;
    const quoteVolume = forming ? 0 : (quote?.[k] ?? volume * s.close[k]!);
    rows.push([
      String(open),
      o,
      forming ? o : plain(s.high[k]!),
      forming ? o : plain(s.low[k]!),
      forming ? o : plain(s.close[k]!),
      amount(contractsOf(i, decimal(volume))),
      amount(decimal(volume)),
      amount(decimal(quoteVolume)),
      forming ? '0' : '1',
    ]);
  }
  return rows;
};

/**
 * GET /api/v5/public/funding-rate-history: the settlements up to the server's time, **newest first**,
 * paged by fundingTime (`after`: earlier than, `before`: later than), at most `limit` (default and max
 * 100). The recorded rate is both the rate and the realised rate.
 */
export const okxFundingHistory = (market: FakeMarket, now: number, i: Instrument, p: Params): unknown[] => {
  const f = market.funding(i.symbol);
  if (f === undefined)
    throw new OkxApiError('51001', "Instrument ID, Instrument ID code, or Spread ID doesn't exist.");
  const limit = limitParam(p);
  const after = intParam(p, 'after');
  const before = intParam(p, 'before');
  const rows: unknown[] = [];
  for (let k = firstAtOrAfter(f.time, now + 1) - 1; k >= 0 && rows.length < limit; k--) {
    const t = f.time[k]!;
    if (after !== undefined && t >= Number(after)) continue;
    if (before !== undefined && t <= Number(before)) break;
    rows.push(fundingRow(i, t, plain(f.rate[k]!)));
  }
  return rows;
};

export const fundingRow = (i: Instrument, time: number, rate: string): Record<string, string> => ({
  formulaType: 'noRate',
  fundingRate: rate,
  fundingTime: String(time),
  instId: i.instId,
  instType: 'SWAP',
  method: 'current_period',
  realizedRate: rate,
});

/**
 * The market's mark at the server's time: its own `mark` when it has one, else the open of the bar forming
 * then (the fake knows bars, not ticks), as the Binance fake marks. undefined before the first bar.
 */
export const marketMark = (market: FakeMarket, now: number, i: Instrument): number | undefined => {
  const own = market.mark?.(i.symbol, now);
  if (own !== undefined) return own;
  const s = market.bars(i.symbol, '1h') ?? market.bars(i.symbol, '1m');
  if (s === undefined) return undefined;
  const k = firstAtOrAfter(s.openTime, now + 1) - 1;
  return k < 0 ? undefined : s.open[k];
};

/** A price from the market, as an exact decimal on the instrument's tick (what followMarket trades at). */
export const onTick = (i: Instrument, price: number): Fixed =>
  divRound(decimal(price), i.tickSz, 'half-even') * i.tickSz;

/**
 * One swap's row of GET /api/v5/market/tickers: `last` (and the book around it) the contract's price now
 * (`price`: the engine's, else the market's mark; "" without one, as OKX shows a swap that never traded),
 * the day's figures from the recorded bars (traded24h): volCcy24h in the base currency and vol24h in
 * contracts, as OKX counts a derivative's, "0" for a swap the market has no bars of.
 */
export const okxTicker = (
  market: FakeMarket | undefined,
  now: number,
  i: Instrument,
  price: Fixed | undefined,
): Record<string, string> => {
  const t = market === undefined ? undefined : traded24h(market, i.symbol, now);
  const px = price === undefined ? '' : toText(price);
  const day = t !== undefined && t.bars > 0;
  const volume = t?.volume ?? 0;
  return {
    instType: 'SWAP',
    instId: i.instId,
    last: px,
    lastSz: '0',
    askPx: px,
    askSz: '0',
    bidPx: px,
    bidSz: '0',
    open24h: day ? plain(t.open) : px,
    high24h: day ? plain(t.high) : px,
    low24h: day ? plain(t.low) : px,
    volCcy24h: amount(decimal(volume)),
    vol24h: amount(contractsOf(i, decimal(volume))),
    sodUtc0: px,
    sodUtc8: px,
    ts: String(now),
  };
};
