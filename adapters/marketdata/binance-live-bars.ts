import ccxt from 'ccxt';
import { z } from 'zod';
import { instrumentsFromBinance } from '../../domain/ledger/binance-metadata.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
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
import { loadBinanceInstruments } from '../instruments/binance-files.js';
import { pacedFetch2, readRateReply } from '../venue/binance/rate-tap.js';
import { binanceUsdmUrls } from '../venue/binance/usdm-exchange.js';
import { type RateLimit, rateLimitsFromExchangeInfo } from '../venue/rate-budget.js';
import type { RateGate } from '../venue/rate-gate.js';
import { describeIssues as describe, LiveFeedError, readListing } from './live-feed-error.js';
import { checkCount, mostTradedOf, readRow, tickersError, USDT_PERPETUAL } from './most-traded.js';

type BinanceUsdm = InstanceType<typeof ccxt.binanceusdm>;

/** ccxt's binanceusdm paced by a RateGate shared with the account's session: one IP, one weight budget. */
class PacedBinanceUsdm extends ccxt.binanceusdm {
  gate: RateGate | null = null;

  override async fetch2(...args: Parameters<BinanceUsdm['fetch2']>): ReturnType<BinanceUsdm['fetch2']> {
    const gate = this.gate;
    if (gate === null) return super.fetch2(...args);
    return pacedFetch2(this, gate, args, () => super.fetch2(...args));
  }

  override handleErrors(
    ...args: Parameters<BinanceUsdm['handleErrors']>
  ): ReturnType<BinanceUsdm['handleErrors']> {
    if (this.gate !== null) readRateReply(this, this.gate, args[0], args[4], args[5]);
    return super.handleErrors(...args);
  }
}

// Where every feed has always imported it from; it lives apart so that most-traded.ts can throw it too.
export { LiveFeedError };

const decimal = z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal string');
const ms = z.number().int().nonnegative();
/** [openTime, open, high, low, close, volume, closeTime, ...] as GET /fapi/v1/klines sends it. */
const klineRow = z.tuple([ms, decimal, decimal, decimal, decimal, decimal, ms]).rest(z.unknown());
const fundingRow = z.object({
  fundingTime: ms,
  fundingRate: z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i, 'a decimal rate'),
});

const premiumIndex = z.object({
  symbol: z.string(),
  markPrice: z.string().regex(/^\d+(\.\d+)?$/, 'a plain decimal string'),
  time: ms,
});

const TICKER_24HR = 'GET /fapi/v1/ticker/24hr';
/** What of a 24 h ticker row is read: the turnover in USDT and the number of trades it is of. */
const ticker24hr = z.object({ quoteVolume: decimal, count: z.number().int().nonnegative() });

const EXCHANGE_INFO = 'exchangeInfo';
/** What of every exchangeInfo row is read before the asked ones are mapped: its name and listing time. */
const exchangeInfoRows = z.object({
  symbols: z.array(z.object({ symbol: z.string().min(1), onboardDate: ms.optional() }).passthrough()),
});

/**
 * One exchangeInfo row as the ledger's instrument, without brackets (exchangeInfo has none), mapped as the
 * authenticated session maps the whole listing (instrumentsFromBinance). Mapped row by row so that what
 * is wrong names the symbol, and a row of a contract nobody asked for cannot fail the listing.
 */
const listedInstrument = (row: { symbol: string }): Instrument => {
  try {
    return instrumentsFromBinance({ symbols: [row] }, []).get(row.symbol)!;
  } catch (e) {
    // The mapping's paths start at its own one-row reply (`symbols.0.`): the row's are what locate the fault.
    const why =
      e instanceof z.ZodError
        ? e.issues
            .slice(0, 3)
            .map((i) => `${i.path.slice(2).join('.') || '(row)'}: ${i.message}`)
            .join('; ')
        : (e as Error).message;
    throw new Error(why.startsWith(`${row.symbol} `) ? why : `${row.symbol} ${why}`);
  }
};

const KLINE_LIMIT = 1500;
const FUNDING_LIMIT = 1000;

export interface BinanceLiveBarsOptions {
  /** ccxt constructor config (timeout, rateLimit, ...); market data needs no key. */
  readonly ccxt?: Readonly<Record<string, unknown>>;
  /** Sends every call here instead of Binance (a local fake in tests). */
  readonly endpoint?: { readonly rest: string; readonly ws: string };
  /**
   * Paces the calls by Binance's rate limits instead of ccxt's limiter: the gate the account's session
   * uses, when the node trades one, so the IP's weight is counted once (adapters/venue/rate-gate.ts).
   */
  readonly rateGate?: RateGate;
  /**
   * The recorded metadata whose leverage brackets the listing takes (default ../shared/data/meta, read
   * once): Binance gives brackets only to an account.
   */
  readonly recorded?: () => Promise<ReadonlyMap<string, Instrument>>;
}

/**
 * Closed klines and funding rates of Binance USDⓈ-M perpetuals through ccxt's binanceusdm (its rate
 * limiter, retries and error mapping), read raw (GET /fapi/v1/klines, /fapi/v1/fundingRate) so prices
 * keep the exchange's decimal text until they are checked. The kline still forming, which Binance always
 * appends, is dropped: the engine must never see a bar before it has closed. Whether a bar has closed is
 * judged on the exchange's clock (GET /fapi/v1/time before the klines), not this machine's: a local clock
 * running ahead would otherwise take the forming bar for a closed one.
 */
export class BinanceLiveBars implements LiveBars, LiveMarkPrices, ListsInstruments, ListsMostTraded {
  readonly venue = 'binance';
  private readonly ex: PacedBinanceUsdm;
  private readonly recorded: () => Promise<ReadonlyMap<string, Instrument>>;

  constructor(opts: BinanceLiveBarsOptions) {
    const options = (opts.ccxt?.options ?? {}) as Record<string, unknown>;
    this.ex = new PacedBinanceUsdm({
      ...opts.ccxt,
      options: { ...options, fetchCurrencies: false },
      ...(opts.endpoint ? { urls: binanceUsdmUrls(opts.endpoint.rest, opts.endpoint.ws) } : {}),
    });
    if (opts.rateGate !== undefined) {
      this.ex.gate = opts.rateGate;
      this.ex.enableRateLimit = false;
    }
    let recorded: Promise<ReadonlyMap<string, Instrument>> | null = null;
    this.recorded =
      opts.recorded ??
      (() => {
        recorded ??= loadBinanceInstruments().then((book) => book.all);
        return recorded;
      });
  }

  async fetch(
    symbol: string,
    timeframe: string,
    afterOpen: number,
    afterFunding: number,
  ): Promise<LiveBatch> {
    if (!isTimeframe(timeframe)) throw new LiveFeedError(`timeframe "${timeframe}" is not like 1m, 1h`);
    const tf = timeframeMs(timeframe);
    const now = await this.serverTime();
    const bars = await this.bars(symbol, timeframe, tf, afterOpen, now);
    const funding = await this.funding(symbol, afterFunding, now);
    return { bars, funding };
  }

  /**
   * The venue's mark price of each symbol now (GET /fapi/v1/premiumIndex, one call per symbol, weight 1):
   * what Binance values open positions at between bar closes.
   */
  async markPrices(symbols: readonly string[]): Promise<Map<string, { price: number; time: number }>> {
    const out = new Map<string, { price: number; time: number }>();
    for (const symbol of symbols) {
      const parsed = premiumIndex.safeParse(await this.ex.fapiPublicGetPremiumIndex({ symbol }));
      if (!parsed.success || parsed.data.symbol !== symbol)
        throw new LiveFeedError(
          `${symbol} mark price: unexpected reply (${parsed.success ? `for ${parsed.data.symbol}` : describe(parsed.error)})`,
        );
      const price = Number(parsed.data.markPrice);
      if (!(price > 0))
        throw new LiveFeedError(`${symbol} mark price ${parsed.data.markPrice} is not a price`);
      out.set(symbol, { price, time: parsed.data.time });
    }
    return out;
  }

  /**
   * The `n` USDT perpetuals with the most 24 h turnover (GET /fapi/v1/ticker/24hr for every symbol, weight
   * 40: ccxt's cost table has it as `noSymbol: 40`, which the rate gate charges, rateCostOf). `quoteVolume`
   * is the turnover in USDT. A symbol with no trade in the 24 h (`count` 0: settled, delisted or not yet
   * open) is left out, as are delivery (`BTCUSDT_250926`) and USDC contracts, by their names.
   */
  async mostTraded(n: number): Promise<string[]> {
    checkCount(n);
    const reply: unknown = await this.ex.fapiPublicGetTicker24hr();
    const rows = readRow(TICKER_24HR, z.array(z.object({ symbol: z.string() })), 'list', reply);
    if (rows.length === 0) throw tickersError(TICKER_24HR, 'no symbols');
    const turnovers = (reply as unknown[]).flatMap((row, k) => {
      const symbol = rows[k]!.symbol;
      if (!USDT_PERPETUAL.test(symbol)) return [];
      const t = readRow(TICKER_24HR, ticker24hr, symbol, row);
      return [{ symbol, turnover: t.count === 0 ? 0 : Number(t.quoteVolume) }];
    });
    return mostTradedOf(TICKER_24HR, turnovers, n);
  }

  /**
   * Binance's own listing of `symbols`: each one's filters (tick, lot and market-lot sizes, min notional,
   * price band) and liquidation fee as GET /fapi/v1/exchangeInfo lists them now (public, weight 1, one
   * call), with the leverage brackets of the recorded metadata, since GET /fapi/v1/leverageBracket needs a
   * key. A symbol the recorded metadata has no brackets for is left out of the instruments: it could hold no
   * position, and a run on it is refused anyway, its symbols being checked against the recorded metadata
   * (scripts/paper/live-session.ts, venueListingOf). Its `onboardDate` is still given: the hotlist dates
   * coins newer than the recorded metadata by it.
   */
  async listing(symbols: readonly string[]): Promise<VenueListing> {
    const [reply, recorded] = await Promise.all([this.ex.fapiPublicGetExchangeInfo(), this.recorded()]);
    const rows = readListing(EXCHANGE_INFO, () => exchangeInfoRows.parse(reply).symbols);
    const asked = new Set(symbols);
    const instruments = new Map<string, Instrument>();
    const listedAt = new Map<string, number>();
    for (const row of rows) {
      if (!asked.has(row.symbol)) continue;
      const listed = readListing(EXCHANGE_INFO, () => listedInstrument(row));
      if (row.onboardDate !== undefined && row.onboardDate > 0) listedAt.set(row.symbol, row.onboardDate);
      const brackets = recorded.get(row.symbol)?.brackets ?? [];
      if (brackets.length > 0) instruments.set(row.symbol, { ...listed, brackets });
    }
    return { instruments, listedAt };
  }

  /**
   * The exchange's REST rate limits as GET /fapi/v1/exchangeInfo lists them (weight 1): what a node that
   * trades no account paces its feed by. Throws LiveFeedError when they cannot be read.
   */
  async rateLimits(): Promise<readonly RateLimit[]> {
    const info = (await this.ex.fapiPublicGetExchangeInfo()) as { rateLimits?: unknown } | null;
    try {
      return rateLimitsFromExchangeInfo(info?.rateLimits).limits;
    } catch (e) {
      throw new LiveFeedError((e as Error).message);
    }
  }

  private async serverTime(): Promise<number> {
    const parsed = z.object({ serverTime: ms }).safeParse(await this.ex.fapiPublicGetTime());
    if (!parsed.success) throw new LiveFeedError(`server time: unexpected reply (${describe(parsed.error)})`);
    return parsed.data.serverTime;
  }

  private async bars(symbol: string, timeframe: string, tf: number, afterOpen: number, now: number) {
    const cols: number[][] = [[], [], [], [], [], []];
    let start = Number.isFinite(afterOpen) ? afterOpen + 1 : 0;
    for (;;) {
      // Binance weighs a klines call by its limit (1 below 100 rows, 10 above 1,000): ask for the bars
      // that can exist since `start` (and the forming one), not always for a full page.
      const limit = Math.min(KLINE_LIMIT, Math.max(1, Math.floor((now - start) / tf) + 2));
      const reply: unknown = await this.ex.fapiPublicGetKlines({
        symbol,
        interval: timeframe,
        startTime: start,
        limit,
      });
      const parsed = z.array(klineRow).safeParse(reply);
      if (!parsed.success)
        throw new LiveFeedError(
          `${symbol} ${timeframe} klines: unexpected reply (${describe(parsed.error)})`,
        );
      let last = cols[0]!.length > 0 ? cols[0]!.at(-1)! : afterOpen;
      for (const row of parsed.data) {
        const [openTime, o, h, l, c, v, closeTime] = row;
        if (openTime + tf > now) break; // still forming at the exchange's time
        if (openTime <= last) continue; // a page boundary repeated
        const open = Number(o);
        const high = Number(h);
        const low = Number(l);
        const close = Number(c);
        const volume = Number(v);
        const bad =
          bucketStart(openTime, tf) !== openTime
            ? `opens at ${openTime}, off the ${timeframe} grid`
            : closeTime !== openTime + tf - 1
              ? `closes at ${closeTime}, not ${openTime + tf - 1}`
              : !(low > 0 && low <= Math.min(open, close) && high >= Math.max(open, close))
                ? `has low ${l}, high ${h} around open ${o} and close ${c}`
                : null;
        if (bad !== null) throw new LiveFeedError(`${symbol} ${timeframe} kline ${bad}`);
        cols[0]!.push(openTime);
        cols[1]!.push(open);
        cols[2]!.push(high);
        cols[3]!.push(low);
        cols[4]!.push(close);
        cols[5]!.push(volume);
        last = openTime;
      }
      const tail = parsed.data.at(-1)?.[0];
      // A full page ending on a closed bar may have more behind it; anything else is the end for now.
      if (parsed.data.length < limit || tail === undefined || tail + tf > now) break;
      start = tail + 1;
    }
    const f = cols.map((c) => Float64Array.from(c));
    const series: BarSeries = {
      symbol,
      timeframe,
      openTime: f[0]!,
      open: f[1]!,
      high: f[2]!,
      low: f[3]!,
      close: f[4]!,
      volume: f[5]!,
    };
    return series;
  }

  private async funding(symbol: string, after: number, now: number): Promise<FundingSeries> {
    const time: number[] = [];
    const rate: number[] = [];
    let start = Number.isFinite(after) ? after + 1 : 0;
    for (;;) {
      // Funding comes at most hourly: that many records can exist since `start`.
      const limit = Math.min(FUNDING_LIMIT, Math.max(1, Math.floor((now - start) / 3_600_000) + 2));
      const reply: unknown = await this.ex.fapiPublicGetFundingRate({
        symbol,
        startTime: start,
        limit,
      });
      const parsed = z.array(fundingRow).safeParse(reply);
      if (!parsed.success)
        throw new LiveFeedError(`${symbol} funding rates: unexpected reply (${describe(parsed.error)})`);
      for (const r of parsed.data) {
        const last = time.length > 0 ? time.at(-1)! : after;
        if (r.fundingTime > now) break;
        if (r.fundingTime <= last) continue;
        const value = Number(r.fundingRate);
        if (!Number.isFinite(value) || Math.abs(value) > 0.1)
          throw new LiveFeedError(
            `${symbol} funding rate ${r.fundingRate} at ${r.fundingTime} is not a rate`,
          );
        time.push(r.fundingTime);
        rate.push(value);
      }
      if (parsed.data.length < limit) break;
      start = parsed.data.at(-1)!.fundingTime + 1;
    }
    return { symbol, time: Float64Array.from(time), rate: Float64Array.from(rate) };
  }
}
