import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMarket } from '../venue/testing/fake-binance-market.js';
import { FakeOkx } from '../venue/testing/fake-okx.js';
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

let fake: FakeOkx | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

/** A fake OKX over the recorded market, its clock at `now()`; its rate limits are not what is tested here. */
const serve = async (now: () => number): Promise<Server> => {
  const f = await FakeOkx.start({ now, market, rateLimits: false });
  fake = f;
  const feed = new OkxLiveBars({ endpoint: { rest: f.origin }, ccxt: { timeout: 2_000, rateLimit: 1 } });
  return {
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
