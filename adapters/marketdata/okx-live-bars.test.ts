import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { OkxSwapSession } from '../venue/okx/swap-session.js';
import { exchangeInfoPath } from '../venue/testing/fake-binance.js';
import type { FakeMarket } from '../venue/testing/fake-binance-market.js';
import { FakeOkx, type FakeOkxOptions } from '../venue/testing/fake-okx.js';
import type { Instrument as OkxRow } from '../venue/testing/fake-okx-wire.js';
import { LiveFeedError } from './binance-live-bars.js';
import { OkxLiveBars } from './okx-live-bars.js';
import { sharedBars, sharedFunding } from './shared-data.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars1h = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const bars5m = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '5m')]));
const funding = new Map(SYMBOLS.map((s) => [s, sharedFunding(s)]));
const FROM = Date.UTC(2023, 2, 1);
const HOUR = 3_600_000;

/** The real recorded market, served as OKX's. */
const market: FakeMarket = {
  bars: (s, tf) => (tf === '1h' ? bars1h.get(s) : tf === '5m' ? bars5m.get(s) : undefined),
  funding: (s) => funding.get(s),
};

interface Server {
  readonly feed: OkxLiveBars;
  /** Every market-data request, as the fake got it. */
  asked(): { path: string; params: Readonly<Record<string, string>> }[];
  /** The next reply to `path`, whatever was asked. */
  garbage(path: string, body: string): void;
}

const fakes: FakeOkx[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

/** A fake OKX over the recorded market, its clock at `now()`; its rate limits are not what is tested here. */
const serve = async (now: () => number, opts: FakeOkxOptions = {}): Promise<Server & { fake: FakeOkx }> => {
  const f = await FakeOkx.start({ ...opts, now, market, rateLimits: false });
  fakes.push(f);
  const feed = new OkxLiveBars({ endpoint: { rest: f.origin }, ccxt: { timeout: 2_000, rateLimit: 1 } });
  return {
    fake: f,
    feed,
    asked: () =>
      f.requests.filter((r) => r.path.startsWith('/api/v5/market/') || r.path.startsWith('/api/v5/public/f')),
    garbage: (path, body) => f.fault({ path, action: 'garbage', status: 200, body }),
  };
};

const candles = (rows: unknown[][]) => JSON.stringify({ code: '0', msg: '', data: rows });

describe('OkxLiveBars', () => {
  it('sends every call to the endpoint given', () => {
    const feed = new OkxLiveBars({ endpoint: { rest: 'http://127.0.0.1:9' } });
    const urls = JSON.stringify(feed.urls);
    expect(urls).not.toMatch(/okx\.com|\{hostname\}/i);
    expect(urls).toContain('http://127.0.0.1:9');
  });

  it('hands over the closed bars, oldest first, and holds back the one still forming at the venue’s time', async () => {
    const now = FROM + 5 * HOUR + 20 * 60_000;
    const { feed } = await serve(() => now);
    const batch = await feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1);
    expect([...batch.bars.openTime]).toEqual([0, 1, 2, 3, 4].map((k) => FROM + k * HOUR));
    const real = bars1h.get('BTCUSDT')!;
    const k = real.openTime.indexOf(FROM + 4 * HOUR);
    expect([batch.bars.open[4], batch.bars.high[4], batch.bars.low[4], batch.bars.close[4]]).toEqual([
      real.open[k],
      real.high[k],
      real.low[k],
      real.close[k],
    ]);
    // Volume in the base asset (OKX's volCcy), as every venue's bars count it.
    expect(batch.bars.volume[4]).toBeCloseTo(real.volume[k]!, 6);
    // The recorded funding times are Binance's, a few ms past the hour.
    const f = funding.get('BTCUSDT')!;
    expect([...batch.funding.time]).toEqual([...f.time.filter((t) => t > FROM - 1 && t <= now)]);
    expect(batch.funding.time.length).toBe(1);
  });

  it('reads more than a page of bars and of funding records, each exactly once, as the recorded market has them', async () => {
    // 70 days of 5m bars (20,160: more than the 1,440 /market/candles keeps, the rest from
    // /market/history-candles) and their 210 funding records (8 h apart), read back from now.
    const now = FROM + 70 * 24 * HOUR;
    const { feed, asked } = await serve(() => now);
    const batch = await feed.fetch('ETHUSDT', '5m', FROM - 1, FROM - 1);
    const real = bars5m.get('ETHUSDT')!;
    const i = real.openTime.indexOf(FROM);
    const j = real.openTime.indexOf(now);
    expect(batch.bars.openTime.length).toBe(j - i);
    expect([...batch.bars.openTime]).toEqual([...real.openTime.subarray(i, j)]);
    expect([...batch.bars.close]).toEqual([...real.close.subarray(i, j)]);
    const f = funding.get('ETHUSDT')!;
    const fi = f.time.findIndex((t) => t >= FROM);
    const fj = f.time.findIndex((t) => t > now);
    expect(fj - fi).toBeGreaterThan(200);
    expect([...batch.funding.time]).toEqual([...f.time.subarray(fi, fj)]);
    expect([...batch.funding.rate]).toEqual([...f.rate.subarray(fi, fj)]);
    // Recent pages from /market/candles, never beyond the 1,440 bars it keeps; the rest from history.
    const recent = asked().filter((u) => u.path === '/api/v5/market/candles');
    const history = asked().filter((u) => u.path === '/api/v5/market/history-candles');
    expect(recent.length).toBeGreaterThan(0);
    expect(history.length).toBeGreaterThan(0);
    const floor = now - 1439 * 300_000;
    for (const u of recent) {
      expect(u.params.bar).toBe('5m');
      expect(Number(u.params.after) - 300 * 300_000).toBeGreaterThanOrEqual(floor);
    }
    for (const u of [...recent, ...history]) expect(u.params.before).toBe(String(FROM - 1));
  });

  it('goes on after the last bar it handed over, with nothing twice', async () => {
    let now = FROM + 3 * HOUR + 1;
    const { feed } = await serve(() => now);
    const first = await feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1);
    now = FROM + 9 * HOUR + 5;
    const next = await feed.fetch('BTCUSDT', '1h', first.bars.openTime.at(-1)!, first.funding.time.at(-1)!);
    expect([...next.bars.openTime]).toEqual([3, 4, 5, 6, 7, 8].map((k) => FROM + k * HOUR));
    const f = funding.get('BTCUSDT')!;
    expect([...next.funding.time]).toEqual([
      ...f.time.filter((t) => t > first.funding.time.at(-1)! && t <= now),
    ]);
    expect(next.funding.time.length).toBe(1);
  });

  it('reads the venue’s mark price, and refuses one it cannot trust', async () => {
    const now = FROM + 5 * HOUR + 20 * 60_000;
    const { feed, garbage } = await serve(() => now);
    const real = bars1h.get('ETHUSDT')!;
    expect((await feed.markPrices(['ETHUSDT'])).get('ETHUSDT')).toEqual({
      price: real.open[real.openTime.indexOf(FROM + 5 * HOUR)],
      time: now,
    });
    garbage(
      '/api/v5/public/mark-price',
      '{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","markPx":"1","ts":"1"}]}',
    );
    await expect(feed.markPrices(['ETHUSDT'])).rejects.toThrow(
      /ETHUSDT mark price: unexpected reply \(for BTC-USDT-SWAP\)/,
    );
    garbage(
      '/api/v5/public/mark-price',
      '{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"ETH-USDT-SWAP","markPx":"-1","ts":"1"}]}',
    );
    await expect(feed.markPrices(['ETHUSDT'])).rejects.toThrow(/ETHUSDT mark price: unexpected reply/);
  });

  it('refuses a reply it cannot trust with an error that says what was wrong', async () => {
    const now = FROM + 5 * HOUR;
    const { feed, garbage } = await serve(() => now);
    const row = (t: number, o: string, h: string, l: string, c: string) => [
      String(t),
      o,
      h,
      l,
      c,
      '30',
      '3',
      '90',
      '1',
    ];
    const cases: [string, RegExp][] = [
      ['{"code":"0","data":{}}', /candles: unexpected reply/],
      [
        candles([[String(FROM), '1', '2', '0.5', 'NaN', '3', '3', '3', '1']]),
        /candles: unexpected reply .*decimal/,
      ],
      [candles([row(FROM + 60_000, '1', '2', '0.5', '1.5')]), /off the 1h grid/],
      [candles([row(FROM, '1', '0.9', '0.5', '1.5')]), /has low 0.5, high 0.9/],
      [
        candles([row(FROM, '1', '2', '0.5', '1.5'), row(FROM + HOUR, '1', '2', '0.5', '1.5')]),
        /not newest first/,
      ],
    ];
    for (const [body, message] of cases) {
      garbage('/api/v5/market/candles', body);
      const err = await feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
    const fundingRows = (rows: unknown[]) => JSON.stringify({ code: '0', msg: '', data: rows });
    const rate = (instId: string, fundingTime: number, r: string) => ({
      formulaType: 'noRate',
      fundingRate: r,
      fundingTime: String(fundingTime),
      instId,
      instType: 'SWAP',
      method: 'current_period',
      realizedRate: r,
    });
    garbage('/api/v5/public/funding-rate-history', fundingRows([rate('BTC-USDT-SWAP', FROM, '9')]));
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(
      /funding rate 9 at \d+ is not a rate/,
    );
    garbage(
      '/api/v5/public/funding-rate-history',
      fundingRows([rate('BTC-USDT-SWAP', FROM, '0.0001'), rate('BTC-USDT-SWAP', FROM + 8 * HOUR, '0.0001')]),
    );
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/not newest first/);
    garbage('/api/v5/public/funding-rate-history', fundingRows([rate('ETH-USDT-SWAP', FROM, '0.0001')]));
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(
      /a record of ETH-USDT-SWAP/,
    );
    await expect(feed.fetch('NOPEUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/51001/);
    await expect(feed.fetch('BTCUSDC', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/not a USDT perpetual/);
    await expect(feed.fetch('BTCUSDT', '2m', FROM - 1, FROM - 1)).rejects.toThrow(/not one OKX publishes/);
  });
});

/** Binance's recorded onboardDate of `symbol`: the listing time the fakes re-spell as OKX's listTime. */
const onboardDate = (symbol: string): number => {
  const info = JSON.parse(readFileSync(exchangeInfoPath, 'utf8')) as {
    symbols: { symbol: string; onboardDate: number }[];
  };
  return info.symbols.find((x) => x.symbol === symbol)!.onboardDate;
};

/** Every instrument the authenticated session lists from `fake` (all of them), read without a stream. */
const sessionInstruments = async (fake: FakeOkx): Promise<ReadonlyMap<string, Instrument>> => {
  const session = new OkxSwapSession({
    ccxt: {
      apiKey: fake.apiKey,
      secret: fake.secret,
      password: fake.passphrase,
      timeout: 2_000,
      enableRateLimit: false,
    },
    endpoint: { rest: fake.origin, ws: fake.wsOrigin },
    rateLimits: false,
  });
  try {
    return await session.instruments();
  } finally {
    await session.close();
  }
};

describe('OkxLiveBars listing', () => {
  const now = FROM + 5 * HOUR;
  const tierCalls = (f: FakeOkx) => f.requests.filter((r) => r.path === '/api/v5/public/position-tiers');

  it('lists the asked symbols as the authenticated session does, each with its listing time', async () => {
    const { fake, feed } = await serve(() => now);
    const listing = await feed.listing(['BTCUSDT', 'ETHUSDT', 'NOPEUSDT', 'BTCUSDC']);
    expect([...listing.instruments.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(Object.fromEntries(listing.listedAt)).toEqual({
      BTCUSDT: onboardDate('BTCUSDT'),
      ETHUSDT: onboardDate('ETHUSDT'),
    });
    // Only the asked symbols' families are asked for their tiers: one call, where the listing takes ~100.
    expect(tierCalls(fake).map((r) => r.params.instFamily)).toEqual(['BTC-USDT,ETH-USDT']);
    const all = await sessionInstruments(fake);
    expect(tierCalls(fake).length).toBeGreaterThan(50);
    expect(listing.instruments.get('BTCUSDT')).toEqual(all.get('BTCUSDT'));
    expect(listing.instruments.get('ETHUSDT')).toEqual(all.get('ETHUSDT'));
    // Binance's recorded BTCUSDT, as the fake re-spells it: 0.01 BTC a contract in lots of a tenth.
    const btc = listing.instruments.get('BTCUSDT')!;
    expect(btc).toMatchObject({
      venue: 'okx',
      tickSize: fixed('0.1'),
      stepSize: fixed('0.001'),
      minQty: fixed('0.001'),
      maxQty: fixed('1000'),
    });
    expect(btc.brackets[0]).toMatchObject({
      bracket: 1,
      initialLeverage: 125,
      maintMarginRatio: fixed('0.004'),
      cum: fixed('0'),
    });
    expect(btc.brackets[1]).toMatchObject({ initialLeverage: 100, maintMarginRatio: fixed('0.005') });
  });

  it('reads the venue’s own listing where it differs from Binance’s, and only there', async () => {
    const listed = Date.UTC(2024, 0, 2);
    const relist = (i: OkxRow): OkxRow =>
      i.symbol !== 'BTCUSDT'
        ? i
        : {
            ...i,
            tickSz: fixed('0.5'),
            listTime: listed,
            tiers: i.tiers.map((t, k) => (k === 0 ? { ...t, maxLever: 50, imr: fixed('0.02') } : t)),
          };
    const plain = await (await serve(() => now)).feed.listing(['BTCUSDT', 'ETHUSDT']);
    const own = await (await serve(() => now, { relist })).feed.listing(['BTCUSDT', 'ETHUSDT']);
    const btc = own.instruments.get('BTCUSDT')!;
    expect(btc.tickSize).toBe(fixed('0.5'));
    expect(btc.brackets[0]!.initialLeverage).toBe(50);
    const recorded = plain.instruments.get('BTCUSDT')!;
    expect({ ...btc, tickSize: recorded.tickSize, brackets: [] }).toEqual({ ...recorded, brackets: [] });
    // The tiers are in contracts, put in notional at the mark, which is on the (coarser) tick now: their caps
    // move with it; their rates and leverage do not, but where the listing says.
    const terms = (x: Instrument) => x.brackets.map((b) => [b.initialLeverage, b.maintMarginRatio]);
    expect(terms(btc)).toEqual([[50, recorded.brackets[0]!.maintMarginRatio], ...terms(recorded).slice(1)]);
    expect(own.instruments.get('ETHUSDT')).toEqual(plain.instruments.get('ETHUSDT'));
    expect(Object.fromEntries(own.listedAt)).toEqual({ BTCUSDT: listed, ETHUSDT: onboardDate('ETHUSDT') });
  });

  it('refuses a listing it cannot trust with an error that names the endpoint', async () => {
    const { fake, feed, garbage } = await serve(() => now);
    const row = (
      (await (
        await fetch(`${fake.origin}/api/v5/public/instruments?instType=SWAP&instId=BTC-USDT-SWAP`)
      ).json()) as {
        data: Record<string, unknown>[];
      }
    ).data[0]!;
    const data = (rows: unknown[]) => JSON.stringify({ code: '0', msg: '', data: rows });
    const tier = {
      tier: '1',
      instFamily: 'BTC-USDT',
      minSz: '0',
      maxSz: '100',
      mmr: '0.004',
      imr: '0.008',
      maxLever: '125',
    };
    const cases: [string, string, RegExp][] = [
      ['/api/v5/public/instruments', '{"code":"0","data":{}}', /unexpected instruments reply \(data/],
      [
        '/api/v5/public/instruments',
        data([{ ...row, tickSz: 'a tenth' }]),
        /unexpected instruments reply .*tickSz/,
      ],
      [
        '/api/v5/public/instruments',
        data([{ ...row, listTime: 'soon' }]),
        /unexpected instruments reply \(listTime: epoch milliseconds/,
      ],
      [
        '/api/v5/public/position-tiers',
        data([{ ...tier, mmr: 'some' }]),
        /unexpected instruments, position tiers and mark prices reply .*mmr/,
      ],
      [
        '/api/v5/public/mark-price',
        data([{ instId: 'BTC-USDT-SWAP', markPx: 'high' }]),
        /unexpected instruments, position tiers and mark prices reply .*markPx/,
      ],
    ];
    for (const [path, body, message] of cases) {
      garbage(path, body);
      const err = await feed.listing(['BTCUSDT']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
    // Untouched, the same call reads.
    expect((await feed.listing(['BTCUSDT'])).instruments.has('BTCUSDT')).toBe(true);
  });
});

describe('OkxLiveBars.mostTraded', () => {
  const three = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'];
  const day = new Map(three.map((s) => [s, s === 'LTCUSDT' ? sharedBars(s, '1h') : bars1h.get(s)!]));
  const threeMarket: FakeMarket = {
    bars: (s, tf) => (tf === '1h' ? day.get(s) : undefined),
    funding: () => undefined,
  };
  const now = FROM + 20 * 60_000;
  /** close × volume over the 1h bars that closed in the 24 h up to `now`. */
  const recordedTurnover = (s: string): number => {
    const b = day.get(s)!;
    let sum = 0;
    for (let i = 0; i < b.openTime.length; i++) {
      const close = b.openTime[i]! + HOUR;
      if (close > now - 24 * HOUR && close <= now) sum += b.close[i]! * b.volume[i]!;
    }
    return sum;
  };
  const ranked = () => [...three].sort((a, b) => recordedTurnover(b) - recordedTurnover(a));
  const start = async () => {
    const fake = await FakeOkx.start({ now: () => now, market: threeMarket, rateLimits: false });
    fakes.push(fake);
    const feed = new OkxLiveBars({ endpoint: { rest: fake.origin }, ccxt: { timeout: 2_000, rateLimit: 1 } });
    const garbage = (body: string) =>
      fake.fault({ path: '/api/v5/market/tickers', action: 'garbage', status: 200, body });
    return { fake, feed, garbage };
  };
  const tickers = async (fake: FakeOkx) =>
    ((await (await fetch(`${fake.origin}/api/v5/market/tickers?instType=SWAP`)).json()) as { data: Row[] })
      .data;
  const reply = (rows: unknown[]) => JSON.stringify({ code: '0', msg: '', data: rows });
  type Row = Record<string, string>;

  it('names the USDT perpetuals with the most recorded turnover of the last 24 h, most first', async () => {
    const { fake, feed } = await start();
    // OKX's turnover is volCcy24h × last (the mark now, in the fake): far enough apart to rank the same.
    const sorted = ranked().map(recordedTurnover);
    expect(sorted[2]!).toBeGreaterThan(0);
    expect(sorted[1]! / sorted[2]!).toBeGreaterThan(1.2);
    expect(sorted[0]! / sorted[1]!).toBeGreaterThan(1.2);
    expect(await feed.mostTraded(2)).toEqual(ranked().slice(0, 2));
    // Every listed swap has a row; only those with bars traded.
    expect(await feed.mostTraded(1000)).toEqual(ranked());
    const rows = await tickers(fake);
    expect(rows.length).toBeGreaterThan(100);
    const eth = rows.find((r) => r.instId === 'ETH-USDT-SWAP')!;
    const ethBars = day.get('ETHUSDT')!;
    const closed = [...ethBars.openTime.keys()].filter((i) => {
      const close = ethBars.openTime[i]! + HOUR;
      return close > now - 24 * HOUR && close <= now;
    });
    expect(closed).toHaveLength(24);
    expect(Number(eth.volCcy24h)).toBeCloseTo(
      closed.reduce((sum, i) => sum + ethBars.volume[i]!, 0),
      6,
    );
    expect(rows.find((r) => r.instId === 'SOL-USDT-SWAP')).toMatchObject({ volCcy24h: '0', vol24h: '0' });
  });

  it('leaves out coin- and USDC-margined swaps however much they traded', async () => {
    const { fake, feed, garbage } = await start();
    const rows = await tickers(fake);
    const btc = rows.find((r) => r.instId === 'BTC-USDT-SWAP')!;
    const huge = { volCcy24h: '99999999999' };
    garbage(
      reply([
        ...rows,
        { ...btc, ...huge, instId: 'BTC-USD-SWAP' },
        { ...btc, ...huge, instId: 'BTC-USDC-SWAP' },
        { ...btc, ...huge, instId: 'BTC-USDT-250926' },
        // The rows of what is left out are not read beyond the instId.
        { instId: 'ETH-USD-SWAP', last: 'n/a' },
      ]),
    );
    expect(await feed.mostTraded(3)).toEqual(ranked());
    // A swap that never traded shows no last price: it is left out, not refused.
    garbage(reply([{ ...btc, instId: 'NEW-USDT-SWAP', last: '', volCcy24h: '0' }, btc]));
    expect(await feed.mostTraded(3)).toEqual(['BTCUSDT']);
  });

  it('refuses a reply it cannot trust with an error naming the endpoint, and a count that is not one', async () => {
    const { feed, garbage } = await start();
    const cases: [string, RegExp][] = [
      ['{"code":"0","data":{}}', /GET \/api\/v5\/market\/tickers\?instType=SWAP reply \(data data/],
      [reply([]), /tickers\?instType=SWAP reply \(no swaps\)/],
      [reply([{ instId: 'BTC-USDT-SWAP', last: '1', volCcy24h: '-1' }]), /reply \(BTC-USDT-SWAP volCcy24h/],
      [reply([{ instId: 'BTC-USDT-SWAP', last: 'x', volCcy24h: '1' }]), /reply \(BTC-USDT-SWAP last/],
    ];
    for (const [body, message] of cases) {
      garbage(body);
      const err = await feed.mostTraded(2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
    await expect(feed.mostTraded(0)).rejects.toThrow(RangeError);
    await expect(feed.mostTraded(1.5)).rejects.toThrow(RangeError);
  });
});
