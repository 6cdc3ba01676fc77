import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { BybitLinearSession } from '../venue/bybit/linear-session.js';
import { exchangeInfoPath } from '../venue/testing/fake-binance.js';
import type { FakeMarket } from '../venue/testing/fake-binance-market.js';
import { FakeBybit, type FakeBybitOptions } from '../venue/testing/fake-bybit.js';
import type { Instrument as BybitRow } from '../venue/testing/fake-bybit-wire.js';
import { LiveFeedError } from './binance-live-bars.js';
import { BybitLiveBars } from './bybit-live-bars.js';
import { sharedBars, sharedFunding } from './shared-data.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars1h = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const bars5m = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '5m')]));
const funding = new Map(SYMBOLS.map((s) => [s, sharedFunding(s)]));
const FROM = Date.UTC(2023, 2, 1);
const HOUR = 3_600_000;

/** The real recorded market, served as Bybit's. */
const market: FakeMarket = {
  bars: (s, tf) => (tf === '1h' ? bars1h.get(s) : tf === '5m' ? bars5m.get(s) : undefined),
  funding: (s) => funding.get(s),
};

interface Server {
  readonly feed: BybitLiveBars;
  /** Every market-data request, as the fake got it. */
  asked(): { path: string; params: Readonly<Record<string, string>> }[];
  /** The next reply to `path`, whatever was asked. */
  garbage(path: string, body: string): void;
}

const fakes: FakeBybit[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

/** A fake Bybit over the recorded market, its clock at `now()`. */
const serve = async (
  now: () => number,
  opts: FakeBybitOptions = {},
): Promise<Server & { fake: FakeBybit }> => {
  const f = await FakeBybit.start({ ...opts, now, market });
  fakes.push(f);
  const feed = new BybitLiveBars({ endpoint: { rest: f.origin }, ccxt: { timeout: 2_000, rateLimit: 1 } });
  return {
    fake: f,
    feed,
    asked: () => f.requests.filter((r) => r.path.startsWith('/v5/market/')),
    garbage: (path, body) => f.fault({ path, action: 'garbage', status: 200, body }),
  };
};

describe('BybitLiveBars', () => {
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
    // The recorded funding times are Binance's, a few ms past the hour.
    const f = funding.get('BTCUSDT')!;
    expect([...batch.funding.time]).toEqual([...f.time.filter((t) => t > FROM - 1 && t <= now)]);
    expect(batch.funding.time.length).toBe(1);
  });

  it('reads more than a page of bars and of funding records, each exactly once, as the recorded market has them', async () => {
    // 70 days of 5m bars (20,160: twenty-one pages of 1,000) and their 210 funding records (8 h apart: two
    // pages of 200, read back from now).
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
    // Every page of klines asks for a range of at most a page, with both ends set.
    const pages = asked().filter((u) => u.path === '/v5/market/kline');
    expect(pages.length).toBe(21);
    for (const u of pages) {
      const span = Number(u.params.end) - Number(u.params.start) + 1;
      expect(span).toBeLessThanOrEqual(1000 * 300_000);
    }
    expect(asked().filter((x) => x.path === '/v5/market/funding/history')).toHaveLength(2);
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
      '/v5/market/tickers',
      '{"retCode":0,"retMsg":"OK","result":{"list":[{"symbol":"BTCUSDT","markPrice":"1"}]},"time":1}',
    );
    await expect(feed.markPrices(['ETHUSDT'])).rejects.toThrow(
      /ETHUSDT mark price: unexpected reply \(for BTCUSDT\)/,
    );
    garbage(
      '/v5/market/tickers',
      '{"retCode":0,"retMsg":"OK","result":{"list":[{"symbol":"ETHUSDT","markPrice":"-1"}]},"time":1}',
    );
    await expect(feed.markPrices(['ETHUSDT'])).rejects.toThrow(/ETHUSDT mark price: unexpected reply/);
  });

  it('refuses a reply it cannot trust with an error that says what was wrong', async () => {
    const now = FROM + 5 * HOUR;
    const { feed, garbage } = await serve(() => now);
    const reply = (list: unknown[]) =>
      JSON.stringify({ retCode: 0, retMsg: 'OK', result: { symbol: 'BTCUSDT', list }, time: now });
    const cases: [string, RegExp][] = [
      ['{"retCode":0,"result":{}}', /klines: unexpected reply/],
      [reply([[String(FROM), '1', '2', '0.5', 'NaN', '3', '0']]), /klines: unexpected reply .*decimal/],
      [reply([[String(FROM + 60_000), '1', '2', '0.5', '1.5', '3', '0']]), /off the 1h grid/],
      [reply([[String(FROM), '1', '0.9', '0.5', '1.5', '3', '0']]), /has low 0.5, high 0.9/],
      [
        reply([
          [String(FROM), '1', '2', '0.5', '1.5', '3', '0'],
          [String(FROM + HOUR), '1', '2', '0.5', '1.5', '3', '0'],
        ]),
        /not newest first/,
      ],
      [
        JSON.stringify({ retCode: 0, retMsg: 'OK', result: { symbol: 'ETHUSDT', list: [] }, time: now }),
        /a reply for ETHUSDT/,
      ],
    ];
    for (const [body, message] of cases) {
      garbage('/v5/market/kline', body);
      const err = await feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
    garbage(
      '/v5/market/funding/history',
      JSON.stringify({
        retCode: 0,
        retMsg: 'OK',
        result: { list: [{ symbol: 'BTCUSDT', fundingRate: '9', fundingRateTimestamp: String(FROM) }] },
        time: now,
      }),
    );
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(
      /funding rate 9 at \d+ is not a rate/,
    );
    const fundingList = (list: unknown[]) =>
      JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: 'linear', list }, time: now });
    garbage(
      '/v5/market/funding/history',
      fundingList([
        { symbol: 'BTCUSDT', fundingRate: '0.0001', fundingRateTimestamp: String(FROM) },
        { symbol: 'BTCUSDT', fundingRate: '0.0001', fundingRateTimestamp: String(FROM + 8 * HOUR) },
      ]),
    );
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/not newest first/);
    garbage(
      '/v5/market/funding/history',
      fundingList([{ symbol: 'ETHUSDT', fundingRate: '0.0001', fundingRateTimestamp: String(FROM) }]),
    );
    await expect(feed.fetch('BTCUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/a record of ETHUSDT/);
    await expect(feed.fetch('NOPEUSDT', '1h', FROM - 1, FROM - 1)).rejects.toThrow(/Not supported symbols/);
    await expect(feed.fetch('BTCUSDT', '2m', FROM - 1, FROM - 1)).rejects.toThrow(/not one Bybit publishes/);
  });
});

/** Binance's recorded onboardDate of `symbol`: the listing time the fakes re-spell as Bybit's launchTime. */
const onboardDate = (symbol: string): number => {
  const info = JSON.parse(readFileSync(exchangeInfoPath, 'utf8')) as {
    symbols: { symbol: string; onboardDate: number }[];
  };
  return info.symbols.find((x) => x.symbol === symbol)!.onboardDate;
};

/** Every instrument the authenticated session lists from `fake`, read without a stream. */
const sessionInstruments = async (fake: FakeBybit): Promise<ReadonlyMap<string, Instrument>> => {
  const session = new BybitLinearSession({
    ccxt: { apiKey: fake.apiKey, secret: fake.secret, timeout: 2_000, enableRateLimit: false },
    endpoint: { rest: fake.origin, ws: fake.wsOrigin },
    rateLimits: false,
  });
  try {
    return await session.instruments();
  } finally {
    await session.close();
  }
};

describe('BybitLiveBars listing', () => {
  const now = FROM + 5 * HOUR;

  it('lists the asked symbols as the authenticated session does, each with its launch time', async () => {
    const { fake, feed, asked } = await serve(() => now);
    const listing = await feed.listing(['BTCUSDT', 'ETHUSDT', 'NOPEUSDT']);
    expect([...listing.instruments.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(Object.fromEntries(listing.listedAt)).toEqual({
      BTCUSDT: onboardDate('BTCUSDT'),
      ETHUSDT: onboardDate('ETHUSDT'),
    });
    // Two symbols' tiers are two calls, not the whole listing's 15 symbols a page; none for one not listed.
    const tiers = asked().filter((r) => r.path === '/v5/market/risk-limit');
    expect(tiers.map((r) => r.params.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    const all = await sessionInstruments(fake);
    expect(listing.instruments.get('BTCUSDT')).toEqual(all.get('BTCUSDT'));
    expect(listing.instruments.get('ETHUSDT')).toEqual(all.get('ETHUSDT'));
    // Binance's recorded BTCUSDT, as the fake re-spells it.
    const btc = listing.instruments.get('BTCUSDT')!;
    expect(btc).toMatchObject({
      venue: 'bybit',
      tickSize: fixed('0.1'),
      stepSize: fixed('0.001'),
      minQty: fixed('0.001'),
      maxQty: fixed('1000'),
    });
    expect(btc.brackets[0]).toEqual({
      bracket: 1,
      initialLeverage: 125,
      notionalFloor: fixed('0'),
      notionalCap: fixed('50000'),
      maintMarginRatio: fixed('0.004'),
      cum: fixed('0'),
    });
    expect(btc.brackets[1]).toMatchObject({ maintMarginRatio: fixed('0.005'), cum: fixed('50') });
  });

  it('reads the venue’s own listing where it differs from Binance’s, and only there', async () => {
    const launched = Date.UTC(2024, 0, 2);
    const relist = (i: BybitRow): BybitRow =>
      i.symbol !== 'BTCUSDT'
        ? i
        : {
            ...i,
            tickSize: fixed('0.5'),
            launchTime: launched,
            tiers: i.tiers.map((t, k) => (k === 0 ? { ...t, mmr: fixed('0.006') } : t)),
          };
    const plain = await (await serve(() => now)).feed.listing(['BTCUSDT', 'ETHUSDT']);
    const own = await (await serve(() => now, { relist })).feed.listing(['BTCUSDT', 'ETHUSDT']);
    const btc = own.instruments.get('BTCUSDT')!;
    expect(btc.tickSize).toBe(fixed('0.5'));
    expect(btc.brackets[0]!.maintMarginRatio).toBe(fixed('0.006'));
    const recorded = plain.instruments.get('BTCUSDT')!;
    expect({
      ...btc,
      tickSize: recorded.tickSize,
      brackets: [
        { ...btc.brackets[0]!, maintMarginRatio: recorded.brackets[0]!.maintMarginRatio },
        ...btc.brackets.slice(1),
      ],
    }).toEqual(recorded);
    expect(own.instruments.get('ETHUSDT')).toEqual(plain.instruments.get('ETHUSDT'));
    expect(Object.fromEntries(own.listedAt)).toEqual({ BTCUSDT: launched, ETHUSDT: onboardDate('ETHUSDT') });
  });

  it('refuses a listing it cannot trust with an error that names the endpoint', async () => {
    const { fake, feed, garbage } = await serve(() => now);
    const row = (
      (await (
        await fetch(`${fake.origin}/v5/market/instruments-info?category=linear&symbol=BTCUSDT`)
      ).json()) as {
        result: { list: Record<string, unknown>[] };
      }
    ).result.list[0]!;
    const page = (list: unknown[]) =>
      JSON.stringify({
        retCode: 0,
        retMsg: 'OK',
        result: { category: 'linear', list, nextPageCursor: '' },
        time: now,
      });
    const cases: [string, string, RegExp][] = [
      [
        '/v5/market/instruments-info',
        '{"retCode":0,"result":{}}',
        /unexpected instruments-info reply \(list/,
      ],
      [
        '/v5/market/instruments-info',
        page([{ ...row, priceFilter: { ...(row.priceFilter as object), tickSize: 'a tenth' } }]),
        /unexpected instruments-info and risk-limit reply .*tickSize/,
      ],
      [
        '/v5/market/instruments-info',
        page([{ ...row, launchTime: 'yesterday' }]),
        /unexpected instruments-info reply \(launchTime: epoch milliseconds/,
      ],
      ['/v5/market/risk-limit', '{"retCode":0,"result":{"list":"none"}}', /unexpected risk-limit reply/],
      [
        '/v5/market/risk-limit',
        page([
          {
            id: 1,
            symbol: 'BTCUSDT',
            riskLimitValue: '50000',
            maintenanceMargin: '-1',
            initialMargin: '0.008',
            maxLeverage: '125',
          },
        ]),
        /unexpected instruments-info and risk-limit reply .*maintenanceMargin/,
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

describe('BybitLiveBars.mostTraded', () => {
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
    const fake = await FakeBybit.start({ now: () => now, market: threeMarket });
    fakes.push(fake);
    const feed = new BybitLiveBars({
      endpoint: { rest: fake.origin },
      ccxt: { timeout: 2_000, rateLimit: 1 },
    });
    const garbage = (body: string) =>
      fake.fault({ path: '/v5/market/tickers', action: 'garbage', status: 200, body });
    return { fake, feed, garbage };
  };
  const tickers = async (fake: FakeBybit) =>
    (
      (await (await fetch(`${fake.origin}/v5/market/tickers?category=linear`)).json()) as {
        result: { list: Record<string, unknown>[] };
      }
    ).result.list;
  const reply = (list: unknown[]) =>
    JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: 'linear', list }, time: now });

  it('names the USDT perpetuals with the most recorded turnover of the last 24 h, most first', async () => {
    const { fake, feed } = await start();
    expect(three.every((s) => recordedTurnover(s) > 0)).toBe(true);
    expect(await feed.mostTraded(2)).toEqual(ranked().slice(0, 2));
    // Every listed symbol has a row; only those with bars traded.
    expect(await feed.mostTraded(1000)).toEqual(ranked());
    const rows = await tickers(fake);
    expect(rows.length).toBeGreaterThan(100);
    expect(Number(rows.find((r) => r.symbol === 'ETHUSDT')!.turnover24h)).toBeCloseTo(
      recordedTurnover('ETHUSDT'),
      2,
    );
    expect(rows.find((r) => r.symbol === 'SOLUSDT')).toMatchObject({ turnover24h: '0', volume24h: '0' });
    // A symbol's own ticker carries its day too, and its mark as before.
    expect((await feed.markPrices(['LTCUSDT'])).get('LTCUSDT')?.price).toBeGreaterThan(0);
    const one = (await (
      await fetch(`${fake.origin}/v5/market/tickers?category=linear&symbol=LTCUSDT`)
    ).json()) as {
      result: { list: Record<string, unknown>[] };
    };
    expect(Number(one.result.list[0]!.turnover24h)).toBeCloseTo(recordedTurnover('LTCUSDT'), 2);
  });

  it('leaves out USDC perpetuals and dated futures however much they traded', async () => {
    const { fake, feed, garbage } = await start();
    const rows = await tickers(fake);
    const btc = rows.find((r) => r.symbol === 'BTCUSDT')!;
    const huge = { turnover24h: '99999999999999' };
    garbage(
      reply([
        ...rows,
        { ...btc, ...huge, symbol: 'BTCPERP' },
        { ...btc, ...huge, symbol: 'BTCUSDT-27DEC24' },
        { ...btc, ...huge, symbol: 'ETH-27DEC24' },
        // The rows of what is left out are not read beyond the name.
        { symbol: 'ETHPERP', turnover24h: 'n/a' },
      ]),
    );
    expect(await feed.mostTraded(3)).toEqual(ranked());
  });

  it('refuses a reply it cannot trust with an error naming the endpoint, and a count that is not one', async () => {
    const { feed, garbage } = await start();
    const cases: [string, RegExp][] = [
      ['{"retCode":0,"result":{}}', /GET \/v5\/market\/tickers\?category=linear reply \(list result\.list/],
      [reply([]), /GET \/v5\/market\/tickers\?category=linear reply \(no symbols\)/],
      [
        reply([{ symbol: 'BTCUSDT', turnover24h: '-1' }]),
        /tickers\?category=linear reply \(BTCUSDT turnover24h/,
      ],
      [reply([{ symbol: 'BTCUSDT' }]), /reply \(BTCUSDT turnover24h/],
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
