import ccxt from 'ccxt';
import { z } from 'zod';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import type {
  ListsInstruments,
  ListsMostTraded,
  LiveBars,
  LiveBatch,
  LiveMarkPrices,
  VenueListing,
} from '../../domain/market/live-feed.js';
import { bucketStart, isTimeframe, timeframeMs } from '../../domain/market/timeframe.js';
import { bybitLinearUrls } from '../venue/bybit/linear-exchange.js';
import { bybitLaunchTimes } from '../venue/bybit/linear-instruments.js';
import { linearListing } from '../venue/bybit/linear-listing.js';
import { describeIssues as describe, LiveFeedError, readListing } from './live-feed-error.js';
import { checkCount, mostTradedOf, readRow, tickersError, USDT_PERPETUAL } from './most-traded.js';

/** Bybit's kline `interval` for each timeframe it publishes (GET /v5/market/kline). */
const INTERVAL: Readonly<Record<string, string>> = {
  '1m': '1',
  '3m': '3',
  '5m': '5',
  '15m': '15',
  '30m': '30',
  '1h': '60',
  '2h': '120',
  '4h': '240',
  '6h': '360',
  '12h': '720',
  '1d': 'D',
  '1w': 'W',
};

const KLINE_LIMIT = 1000;
const FUNDING_LIMIT = 200;

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal string');
const msText = z
  .string()
  .regex(/^\d{1,16}$/, 'epoch milliseconds as text')
  .transform(Number);
const envelope = <T extends z.ZodTypeAny>(result: T) => z.object({ retCode: z.literal(0), result });
/** [startTime, open, high, low, close, volume, turnover], all text, as /v5/market/kline lists them. */
const klineReply = envelope(
  z.object({
    symbol: z.string(),
    list: z.array(z.tuple([msText, decimal, decimal, decimal, decimal, decimal]).rest(z.unknown())),
  }),
);
const fundingReply = envelope(
  z.object({
    list: z.array(
      z.object({
        symbol: z.string(),
        fundingRate: z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i, 'a decimal rate'),
        fundingRateTimestamp: msText,
      }),
    ),
  }),
);
const tickerReply = envelope(
  z.object({ list: z.array(z.object({ symbol: z.string(), markPrice: decimal })) }),
);
const TICKERS = 'GET /v5/market/tickers?category=linear';
/** Every linear contract's ticker; only the name is read of those that are not USDT perpetuals. */
const allTickersReply = envelope(z.object({ list: z.array(z.object({ symbol: z.string() })) }));
/** `turnover24h` is the 24 h turnover in the quote currency: USDT, for a USDT perpetual. */
const turnoverRow = z.object({ turnover24h: decimal });
const timeReply = z.object({
  retCode: z.literal(0),
  result: z.object({ timeNano: z.string().regex(/^\d{10,22}$/) }),
});

export interface BybitLiveBarsOptions {
  /** ccxt constructor config (timeout, rateLimit, ...); market data needs no key. */
  readonly ccxt?: Readonly<Record<string, unknown>>;
  /** Sends every call here instead of Bybit (a local fake in tests). */
  readonly endpoint?: { readonly rest: string };
}

/**
 * Closed klines, funding rates and mark prices of Bybit's USDT perpetuals (category linear) through
 * ccxt's bybit (its limiter, retries and error mapping), read raw so prices keep the exchange's decimal
 * text until they are checked. Bybit lists both newest first and includes the kline still forming, which
 * is dropped here, judged on the exchange's clock (GET /v5/market/time): a bar reaches the engine only
 * once it has closed.
 *
 * Each page of klines asks for a range that holds at most a page (start and end both set), so what a page
 * holds does not depend on which end of an over-full range Bybit counts from.
 */
export class BybitLiveBars implements LiveBars, LiveMarkPrices, ListsInstruments, ListsMostTraded {
  readonly venue = 'bybit';
  private readonly ex: InstanceType<typeof ccxt.bybit>;

  constructor(opts: BybitLiveBarsOptions = {}) {
    const options = (opts.ccxt?.options ?? {}) as Record<string, unknown>;
    this.ex = new ccxt.bybit({
      ...opts.ccxt,
      // Public market data only: no market list, currency list or account type is ever needed.
      options: { ...options, fetchCurrencies: false, fetchMarkets: { types: ['linear'] } },
      // Every URL ccxt's bybit knows, links and websockets too, so that nothing can reach Bybit.
      ...(opts.endpoint ? { urls: bybitLinearUrls(opts.endpoint.rest, opts.endpoint.rest) } : {}),
    });
  }

  async fetch(
    symbol: string,
    timeframe: string,
    afterOpen: number,
    afterFunding: number,
  ): Promise<LiveBatch> {
    const interval = isTimeframe(timeframe) ? INTERVAL[timeframe] : undefined;
    if (interval === undefined)
      throw new LiveFeedError(
        `timeframe "${timeframe}" is not one Bybit publishes (${Object.keys(INTERVAL).join(', ')})`,
      );
    const tf = timeframeMs(timeframe);
    const now = await this.serverTime();
    const bars = await this.bars(symbol, timeframe, interval, tf, afterOpen, now);
    const funding = await this.funding(symbol, afterFunding, now);
    return { bars, funding };
  }

  /** The venue's mark price of each symbol now (GET /v5/market/tickers, one call per symbol). */
  async markPrices(symbols: readonly string[]): Promise<Map<string, { price: number; time: number }>> {
    const out = new Map<string, { price: number; time: number }>();
    for (const symbol of symbols) {
      const reply: unknown = await this.ex.publicGetV5MarketTickers({ category: 'linear', symbol });
      const parsed = tickerReply.safeParse(reply);
      const ticker = parsed.success ? parsed.data.result.list[0] : undefined;
      if (ticker === undefined || ticker.symbol !== symbol)
        throw new LiveFeedError(
          `${symbol} mark price: unexpected reply (${parsed.success ? `for ${ticker?.symbol ?? 'no symbol'}` : describe(parsed.error)})`,
        );
      const price = Number(ticker.markPrice);
      if (!(price > 0)) throw new LiveFeedError(`${symbol} mark price ${ticker.markPrice} is not a price`);
      const time = (reply as { time?: unknown }).time;
      out.set(symbol, { price, time: typeof time === 'number' ? time : await this.serverTime() });
    }
    return out;
  }

  /**
   * The `n` USDT perpetuals with the most 24 h turnover (GET /v5/market/tickers, category linear: every
   * contract in one reply). Linear also holds USDC perpetuals (BTCPERP) and dated futures
   * (BTCUSDT-27DEC24), left out by their names (USDT_PERPETUAL), as is a symbol that did not trade.
   */
  async mostTraded(n: number): Promise<string[]> {
    checkCount(n);
    const reply: unknown = await this.ex.publicGetV5MarketTickers({ category: 'linear' });
    const rows = readRow(TICKERS, allTickersReply, 'list', reply).result.list;
    if (rows.length === 0) throw tickersError(TICKERS, 'no symbols');
    const raw = (reply as { result: { list: unknown[] } }).result.list;
    const turnovers = rows.flatMap(({ symbol }, k) =>
      USDT_PERPETUAL.test(symbol)
        ? [{ symbol, turnover: Number(readRow(TICKERS, turnoverRow, symbol, raw[k]).turnover24h) }]
        : [],
    );
    return mostTradedOf(TICKERS, turnovers, n);
  }

  /**
   * Bybit's own listing of `symbols`, read as the authenticated session reads it (linear-listing.ts:
   * instruments-info and the symbols' risk tiers), and each one's instruments-info `launchTime`.
   */
  async listing(symbols: readonly string[]): Promise<VenueListing> {
    const { infos, instruments } = await linearListing((m, p) => this.ex[m](p), readListing, symbols);
    const launched = readListing('instruments-info', () => bybitLaunchTimes(infos));
    return { instruments, listedAt: new Map([...launched].filter(([s]) => instruments.has(s))) };
  }

  private async serverTime(): Promise<number> {
    const parsed = timeReply.safeParse(await this.ex.publicGetV5MarketTime());
    if (!parsed.success) throw new LiveFeedError(`server time: unexpected reply (${describe(parsed.error)})`);
    return Number(BigInt(parsed.data.result.timeNano) / 1_000_000n);
  }

  private async bars(
    symbol: string,
    timeframe: string,
    interval: string,
    tf: number,
    afterOpen: number,
    now: number,
  ): Promise<BarSeries> {
    const cols: number[][] = [[], [], [], [], [], []];
    // A run asks from a finite time; "from the start" is read as the last page's worth.
    let start = Number.isFinite(afterOpen) ? afterOpen + 1 : bucketStart(now, tf) - (KLINE_LIMIT - 1) * tf;
    let last = afterOpen;
    while (start <= now) {
      const end = start + KLINE_LIMIT * tf - 1;
      const reply: unknown = await this.ex.publicGetV5MarketKline({
        category: 'linear',
        symbol,
        interval,
        start,
        end,
        limit: KLINE_LIMIT,
      });
      const parsed = klineReply.safeParse(reply);
      if (!parsed.success)
        throw new LiveFeedError(
          `${symbol} ${timeframe} klines: unexpected reply (${describe(parsed.error)})`,
        );
      if (parsed.data.result.symbol !== symbol)
        throw new LiveFeedError(`${symbol} ${timeframe} klines: a reply for ${parsed.data.result.symbol}`);
      const rows = parsed.data.result.list;
      for (let k = rows.length - 1; k >= 0; k--) {
        const [openTime, o, h, l, c, v] = rows[k]!;
        if (k < rows.length - 1 && openTime <= rows[k + 1]![0])
          throw new LiveFeedError(`${symbol} ${timeframe} klines are not newest first at ${openTime}`);
        if (openTime + tf > now) break; // still forming at the exchange's time
        if (openTime <= last || openTime < start || openTime > end) continue;
        const open = Number(o);
        const high = Number(h);
        const low = Number(l);
        const close = Number(c);
        const bad =
          bucketStart(openTime, tf) !== openTime
            ? `opens at ${openTime}, off the ${timeframe} grid`
            : !(low > 0 && low <= Math.min(open, close) && high >= Math.max(open, close))
              ? `has low ${l}, high ${h} around open ${o} and close ${c}`
              : null;
        if (bad !== null) throw new LiveFeedError(`${symbol} ${timeframe} kline ${bad}`);
        cols[0]!.push(openTime);
        cols[1]!.push(open);
        cols[2]!.push(high);
        cols[3]!.push(low);
        cols[4]!.push(close);
        cols[5]!.push(Number(v));
        last = openTime;
      }
      start = end + 1;
    }
    const f = cols.map((c) => Float64Array.from(c));
    return {
      symbol,
      timeframe,
      openTime: f[0]!,
      open: f[1]!,
      high: f[2]!,
      low: f[3]!,
      close: f[4]!,
      volume: f[5]!,
    };
  }

  /**
   * Funding records after `after`, read back from now: a page ending at `endTime` (Bybit's newest 200 up to
   * it), then the page before its oldest, until a page reaches `after` or runs out. One call in the usual
   * case, however long ago `after` was: records come at most hourly, and most runs ask for the last few.
   */
  private async funding(symbol: string, after: number, now: number): Promise<FundingSeries> {
    const time: number[] = [];
    const rate: number[] = [];
    let end = now;
    for (;;) {
      const reply: unknown = await this.ex.publicGetV5MarketFundingHistory({
        category: 'linear',
        symbol,
        endTime: end,
        limit: FUNDING_LIMIT,
      });
      const parsed = fundingReply.safeParse(reply);
      if (!parsed.success)
        throw new LiveFeedError(`${symbol} funding rates: unexpected reply (${describe(parsed.error)})`);
      const rows = parsed.data.result.list;
      let reached = false;
      for (const r of rows) {
        const t = r.fundingRateTimestamp;
        if (r.symbol !== symbol) throw new LiveFeedError(`${symbol} funding rates: a record of ${r.symbol}`);
        if (time.length > 0 && t >= time.at(-1)!)
          throw new LiveFeedError(`${symbol} funding rates are not newest first at ${t}`);
        if (t > end) continue;
        if (t <= after) {
          reached = true;
          break;
        }
        const value = Number(r.fundingRate);
        if (!Number.isFinite(value) || Math.abs(value) > 0.1)
          throw new LiveFeedError(`${symbol} funding rate ${r.fundingRate} at ${t} is not a rate`);
        time.push(t);
        rate.push(value);
      }
      if (reached || rows.length < FUNDING_LIMIT || time.length === 0) break;
      end = time.at(-1)! - 1;
    }
    return {
      symbol,
      time: Float64Array.from(time.reverse()),
      rate: Float64Array.from(rate.reverse()),
    };
  }
}
