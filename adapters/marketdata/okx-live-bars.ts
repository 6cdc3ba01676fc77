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
import { okxSwapUrls } from '../venue/okx/swap-exchange.js';
import { okxListTimes } from '../venue/okx/swap-instruments.js';
import { swapListing } from '../venue/okx/swap-listing.js';
import { okxInstId, okxSymbol } from '../venue/okx/swap-messages.js';
import { describeIssues as describe, LiveFeedError, readListing } from './live-feed-error.js';
import { checkCount, mostTradedOf, readRow, tickersError, USDT_PERPETUAL } from './most-traded.js';

/**
 * OKX's candle `bar` for each timeframe it publishes (GET /api/v5/market/candles,
 * https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks). From six hours up OKX
 * has two alignments, Hong Kong's (6H, 1D, 1W: "UTC+8 opening price k-line") and UTC's (6Hutc, 1Dutc,
 * 1Wutc): the UTC ones are the bars every other venue here keeps.
 */
const BAR: Readonly<Record<string, string>> = {
  '1m': '1m',
  '3m': '3m',
  '5m': '5m',
  '15m': '15m',
  '30m': '30m',
  '1h': '1H',
  '2h': '2H',
  '4h': '4H',
  '6h': '6Hutc',
  '12h': '12Hutc',
  '1d': '1Dutc',
  '1w': '1Wutc',
};

/** /market/candles "can retrieve the latest 1,440 data entries"; older bars are /market/history-candles'. */
const RECENT_BARS = 1440;
/**
 * Rows a page of candles asks for. OKX's documentation says at most 300 for both endpoints today; older
 * versions said 100 for history-candles. Paging below does not depend on it: each page is "the limit rows
 * nearest `after`", and the next page starts where that one ended.
 */
const CANDLE_LIMIT = 300;
/** "From the start" is read as the last page's worth of bars. */
const FIRST_BARS = 300;
const FUNDING_LIMIT = 400;

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal string');
const msText = z
  .string()
  .regex(/^\d{1,16}$/, 'epoch milliseconds as text')
  .transform(Number);
const envelope = <T extends z.ZodTypeAny>(data: T) => z.object({ code: z.literal('0'), data });
/** [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm], all text, newest first. */
const candleReply = envelope(
  z.array(
    z
      .tuple([msText, decimal, decimal, decimal, decimal, decimal, decimal, decimal, z.enum(['0', '1'])])
      .rest(z.unknown()),
  ),
);
const fundingReply = envelope(
  z.array(
    z.object({
      instId: z.string(),
      fundingRate: z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i, 'a decimal rate'),
      realizedRate: z
        .string()
        .regex(/^(-?\d+(\.\d+)?(e-?\d+)?)?$/i, 'a decimal rate')
        .optional(),
      fundingTime: msText,
    }),
  ),
);
const markReply = envelope(z.array(z.object({ instId: z.string(), markPx: decimal, ts: msText })));
const TICKERS = 'GET /api/v5/market/tickers?instType=SWAP';
/** Every swap's ticker (USD- and USDC-margined too); only the instId is read of those not X-USDT-SWAP. */
const allTickersReply = envelope(z.array(z.object({ instId: z.string() })));
/**
 * OKX's GET /api/v5/market/tickers documents `volCcy24h` as "24h trading volume, with a unit of currency.
 * If it is a derivatives contract, the value is the number of base currency" (and `vol24h` as contracts),
 * so a swap's turnover in USDT is volCcy24h × last; ccxt's okx.parseTicker reads it the same way (quote
 * volume from volCcy24h for spot only). `last` is empty for a swap that never traded.
 */
const turnoverRow = z.object({ last: z.union([decimal, z.literal('')]), volCcy24h: decimal });
const timeReply = envelope(z.array(z.object({ ts: msText })).length(1));

export interface OkxLiveBarsOptions {
  /** ccxt constructor config (timeout, rateLimit, ...); market data needs no key. */
  readonly ccxt?: Readonly<Record<string, unknown>>;
  /** Sends every call here instead of OKX (a local fake in tests). */
  readonly endpoint?: { readonly rest: string };
}

/**
 * Closed candles, funding rates and mark prices of OKX's USDT-margined perpetual swaps (BTCUSDT is
 * BTC-USDT-SWAP) through ccxt's okx (its limiter, retries and error mapping), read raw so prices keep the
 * exchange's decimal text until they are checked. OKX lists both newest first and includes the candle still
 * forming (`confirm` "0"), which is dropped here, judged on the exchange's clock (GET /api/v5/public/time)
 * as well: a bar reaches the engine only once it has closed. Volumes are OKX's `volCcy`, "the number of base
 * currency" for derivatives, as every other venue's bars here count them.
 *
 * Candles are read back from now, a page at a time: each page `after` the oldest bar of the last (OKX:
 * "records earlier than the requested ts") and `before` the last bar already handed over, from
 * /market/candles while the page lies within its latest 1,440 bars, from /market/history-candles beyond.
 */
export class OkxLiveBars implements LiveBars, LiveMarkPrices, ListsInstruments, ListsMostTraded {
  readonly venue = 'okx';
  private readonly ex: InstanceType<typeof ccxt.okx>;

  constructor(opts: OkxLiveBarsOptions = {}) {
    const options = (opts.ccxt?.options ?? {}) as Record<string, unknown>;
    const has = (opts.ccxt?.has ?? {}) as Record<string, unknown>;
    this.ex = new ccxt.okx({
      ...opts.ccxt,
      // Public market data only: no market list or currency list is ever needed.
      options: { ...options, fetchMarkets: { types: ['swap'] }, defaultType: 'swap' },
      has: { ...has, fetchCurrencies: false },
      // Every URL ccxt's okx knows, links and websockets too, so that nothing can reach OKX.
      ...(opts.endpoint ? { urls: okxSwapUrls(opts.endpoint.rest, opts.endpoint.rest) } : {}),
    });
  }

  /** The ccxt instance's URLs, for checking where the feed would send its calls. */
  get urls(): unknown {
    return this.ex.urls;
  }

  async fetch(
    symbol: string,
    timeframe: string,
    afterOpen: number,
    afterFunding: number,
  ): Promise<LiveBatch> {
    const bar = isTimeframe(timeframe) ? BAR[timeframe] : undefined;
    if (bar === undefined)
      throw new LiveFeedError(
        `timeframe "${timeframe}" is not one OKX publishes (${Object.keys(BAR).join(', ')})`,
      );
    const instId = this.instId(symbol);
    const tf = timeframeMs(timeframe);
    const now = await this.serverTime();
    const bars = await this.bars(symbol, instId, timeframe, bar, tf, afterOpen, now);
    const funding = await this.funding(symbol, instId, afterFunding, now);
    return { bars, funding };
  }

  /** The venue's mark price of each symbol now (GET /api/v5/public/mark-price, one call per symbol). */
  async markPrices(symbols: readonly string[]): Promise<Map<string, { price: number; time: number }>> {
    const out = new Map<string, { price: number; time: number }>();
    for (const symbol of symbols) {
      const instId = this.instId(symbol);
      const reply: unknown = await this.ex.publicGetPublicMarkPrice({ instType: 'SWAP', instId });
      const parsed = markReply.safeParse(reply);
      const mark = parsed.success ? parsed.data.data[0] : undefined;
      if (mark === undefined || mark.instId !== instId)
        throw new LiveFeedError(
          `${symbol} mark price: unexpected reply (${parsed.success ? `for ${mark?.instId ?? 'no instrument'}` : describe(parsed.error)})`,
        );
      const price = Number(mark.markPx);
      if (!(price > 0)) throw new LiveFeedError(`${symbol} mark price ${mark.markPx} is not a price`);
      out.set(symbol, { price, time: mark.ts });
    }
    return out;
  }

  /**
   * The `n` USDT perpetuals with the most 24 h turnover (GET /api/v5/market/tickers, instType SWAP: every
   * swap in one reply), by their USDT turnover (turnoverRow). Coin- and USDC-margined swaps are left out by
   * their instIds, as is a swap that did not trade.
   */
  async mostTraded(n: number): Promise<string[]> {
    checkCount(n);
    const reply: unknown = await this.ex.publicGetMarketTickers({ instType: 'SWAP' });
    const rows = readRow(TICKERS, allTickersReply, 'data', reply).data;
    if (rows.length === 0) throw tickersError(TICKERS, 'no swaps');
    const raw = (reply as { data: unknown[] }).data;
    const turnovers = rows.flatMap(({ instId }, k) => {
      const symbol = okxSymbol(instId);
      if (symbol === null || !USDT_PERPETUAL.test(symbol)) return [];
      const t = readRow(TICKERS, turnoverRow, instId, raw[k]);
      return [{ symbol, turnover: t.last === '' ? 0 : Number(t.volCcy24h) * Number(t.last) }];
    });
    return mostTradedOf(TICKERS, turnovers, n);
  }

  /**
   * OKX's own listing of `symbols`, read as the authenticated session reads it (swap-listing.ts: the swaps,
   * their mark prices and the asked symbols' position tiers), and each one's instruments `listTime`.
   */
  async listing(symbols: readonly string[]): Promise<VenueListing> {
    const { infos, instruments } = await swapListing((m, p) => this.ex[m](p), readListing, symbols);
    const listed = readListing('instruments', () => okxListTimes(infos));
    return { instruments, listedAt: new Map([...listed].filter(([s]) => instruments.has(s))) };
  }

  private instId(symbol: string): string {
    try {
      return okxInstId(symbol);
    } catch (e) {
      throw new LiveFeedError((e as Error).message);
    }
  }

  private async serverTime(): Promise<number> {
    const parsed = timeReply.safeParse(await this.ex.publicGetPublicTime());
    if (!parsed.success) throw new LiveFeedError(`server time: unexpected reply (${describe(parsed.error)})`);
    return parsed.data.data[0]!.ts;
  }

  private async bars(
    symbol: string,
    instId: string,
    timeframe: string,
    bar: string,
    tf: number,
    afterOpen: number,
    now: number,
  ): Promise<BarSeries> {
    // A run asks from a finite time; "from the start" is read as the last page's worth.
    const since = Number.isFinite(afterOpen) ? afterOpen : bucketStart(now, tf) - FIRST_BARS * tf;
    // The oldest bar /market/candles still has, at the exchange's time.
    const recentFloor = bucketStart(now, tf) - (RECENT_BARS - 1) * tf;
    const rows: [number, number, number, number, number, number][] = [];
    let cursor = now + 1;
    while (cursor > since + tf) {
      const history = cursor - CANDLE_LIMIT * tf < recentFloor;
      const request = {
        instId,
        bar,
        after: String(cursor),
        before: String(since),
        limit: String(CANDLE_LIMIT),
      };
      const reply: unknown = history
        ? await this.ex.publicGetMarketHistoryCandles(request)
        : await this.ex.publicGetMarketCandles(request);
      const parsed = candleReply.safeParse(reply);
      if (!parsed.success)
        throw new LiveFeedError(
          `${symbol} ${timeframe} candles: unexpected reply (${describe(parsed.error)})`,
        );
      const page = parsed.data.data;
      if (page.length === 0) break;
      for (const [k, row] of page.entries()) {
        const [openTime, o, h, l, c, , volCcy, , confirm] = row;
        if (k > 0 && openTime >= page[k - 1]![0])
          throw new LiveFeedError(`${symbol} ${timeframe} candles are not newest first at ${openTime}`);
        if (openTime >= cursor || openTime <= since) continue;
        if (confirm === '0' || openTime + tf > now) continue; // still forming at the exchange's time
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
        if (bad !== null) throw new LiveFeedError(`${symbol} ${timeframe} candle ${bad}`);
        rows.push([openTime, open, high, low, close, Number(volCcy)]);
      }
      const oldest = page.at(-1)![0];
      if (oldest >= cursor) break;
      cursor = oldest;
    }
    rows.reverse();
    const col = (i: number) => Float64Array.from(rows, (r) => r[i]!);
    return {
      symbol,
      timeframe,
      openTime: col(0),
      open: col(1),
      high: col(2),
      low: col(3),
      close: col(4),
      volume: col(5),
    };
  }

  /**
   * Funding records after `after`, read back from now (GET /api/v5/public/funding-rate-history, newest
   * first): a page, then the page `after` its oldest, until a page reaches `after` or comes back empty. One
   * call in the usual case, however long ago `after` was. The rate is OKX's `realizedRate` ("Actual funding
   * rate"), or its `fundingRate` where none is given.
   */
  private async funding(symbol: string, instId: string, after: number, now: number): Promise<FundingSeries> {
    const time: number[] = [];
    const rate: number[] = [];
    let cursor = now + 1;
    for (;;) {
      const reply: unknown = await this.ex.publicGetPublicFundingRateHistory({
        instId,
        after: String(cursor),
        limit: String(FUNDING_LIMIT),
      });
      const parsed = fundingReply.safeParse(reply);
      if (!parsed.success)
        throw new LiveFeedError(`${symbol} funding rates: unexpected reply (${describe(parsed.error)})`);
      const rows = parsed.data.data;
      let reached = false;
      for (const [k, r] of rows.entries()) {
        const t = r.fundingTime;
        if (r.instId !== instId) throw new LiveFeedError(`${symbol} funding rates: a record of ${r.instId}`);
        if (k > 0 && t >= rows[k - 1]!.fundingTime)
          throw new LiveFeedError(`${symbol} funding rates are not newest first at ${t}`);
        if (t >= cursor) continue;
        if (t <= after) {
          reached = true;
          break;
        }
        const text = r.realizedRate ? r.realizedRate : r.fundingRate;
        const value = Number(text);
        if (!Number.isFinite(value) || Math.abs(value) > 0.1)
          throw new LiveFeedError(`${symbol} funding rate ${text} at ${t} is not a rate`);
        time.push(t);
        rate.push(value);
      }
      if (reached || rows.length === 0 || time.length === 0 || time.at(-1)! >= cursor) break;
      cursor = time.at(-1)!;
    }
    return {
      symbol,
      time: Float64Array.from(time.reverse()),
      rate: Float64Array.from(rate.reverse()),
    };
  }
}
