import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import type { BarSeries } from '../../domain/market/bars.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import type { RateCost } from '../venue/rate-budget.js';
import { RateBudget } from '../venue/rate-budget.js';
import { RateGate } from '../venue/rate-gate.js';
import { exchangeInfoPath, FakeBinance } from '../venue/testing/fake-binance.js';
import type { FakeMarket } from '../venue/testing/fake-binance-market.js';
import { withFilters } from '../venue/testing/listing.js';
import { BinanceLiveBars, LiveFeedError } from './binance-live-bars.js';
import { sharedBars } from './shared-data.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'];
const bars1h = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const market: FakeMarket = {
  bars: (s, tf) => (tf === '1h' ? bars1h.get(s) : undefined),
  funding: () => undefined,
};
const HOUR = 3_600_000;
const NOW = Date.UTC(2023, 2, 1) + 20 * 60_000;

/** close × volume over the 1h bars that closed in the 24 h up to `now`. */
const recordedTurnover = (s: BarSeries, now: number): number => {
  let sum = 0;
  for (let i = 0; i < s.openTime.length; i++) {
    const close = s.openTime[i]! + HOUR;
    if (close > now - 24 * HOUR && close <= now) sum += s.close[i]! * s.volume[i]!;
  }
  return sum;
};
const byTurnover = SYMBOLS.map((s) => ({ s, t: recordedTurnover(bars1h.get(s)!, NOW) })).sort(
  (a, b) => b.t - a.t,
);

let fake: FakeBinance | null = null;
const gates: RateGate[] = [];

/** A feed on a fresh fake, paced by a gate of Binance's weight limit that notes what each call cost. */
const gatedFeed = async (): Promise<{ feed: BinanceLiveBars; costs: RateCost[] }> => {
  fake = await FakeBinance.start({ now: () => NOW, market });
  const gate = new RateGate({
    budget: new RateBudget([{ kind: 'weight', windowMs: 60_000, limit: 2400, label: '1M' }]),
    now: Date.now,
  });
  gates.push(gate);
  const costs: RateCost[] = [];
  const admit = gate.admit.bind(gate);
  gate.admit = (cost, priority) => {
    costs.push(cost);
    return admit(cost, priority);
  };
  const feed = new BinanceLiveBars({
    endpoint: { rest: fake.origin, ws: fake.wsOrigin },
    ccxt: { timeout: 2_000 },
    rateGate: gate,
  });
  return { feed, costs };
};
afterEach(async () => {
  for (const g of gates.splice(0)) g.close();
  await fake?.close();
  fake = null;
});

const serve = async () => {
  fake = await FakeBinance.start({ now: () => NOW, market });
  return {
    fake,
    // ccxt's own limiter would hold each 40-weight call for 2 s; the rate gate's pacing is tested below.
    feed: new BinanceLiveBars({
      endpoint: { rest: fake.origin, ws: fake.wsOrigin },
      ccxt: { timeout: 2_000, rateLimit: 1 },
    }),
  };
};

describe('BinanceLiveBars.mostTraded', () => {
  it('names the USDT perpetuals with the most recorded turnover of the last 24 h, most first', async () => {
    const { feed } = await serve();
    expect(byTurnover.every((x) => x.t > 0)).toBe(true);
    expect(await feed.mostTraded(2)).toEqual(byTurnover.slice(0, 2).map((x) => x.s));
    // The fake lists every symbol of the recorded exchangeInfo; only those with bars traded.
    expect(await feed.mostTraded(1000)).toEqual(byTurnover.map((x) => x.s));
  });

  it('leaves out dated and USDC contracts however much they traded', async () => {
    const { fake, feed } = await serve();
    const rows = (await (await fetch(`${fake.origin}/fapi/v1/ticker/24hr`)).json()) as Record<
      string,
      unknown
    >[];
    const btc = rows.find((r) => r.symbol === 'BTCUSDT')!;
    expect(Number(btc.quoteVolume)).toBeCloseTo(recordedTurnover(bars1h.get('BTCUSDT')!, NOW), 0);
    const huge = { quoteVolume: '99999999999999', count: 1_000_000 };
    const body = JSON.stringify([
      ...rows,
      { ...btc, ...huge, symbol: 'BTCUSDT_250926' },
      { ...btc, ...huge, symbol: 'BTCUSDC' },
      { ...btc, ...huge, symbol: 'ETHBTC' },
      // The rows of what is left out are not read beyond the name.
      { symbol: 'ETHUSDT_251226', quoteVolume: 'n/a' },
    ]);
    fake.fault({ path: '/fapi/v1/ticker/24hr', action: 'garbage', status: 200, body });
    expect(await feed.mostTraded(3)).toEqual(byTurnover.map((x) => x.s));
    // A symbol that made no trade is left out, whatever the volume says.
    const body2 = JSON.stringify([{ ...btc, symbol: 'NEWUSDT', quoteVolume: '5', count: 0 }, btc]);
    fake.fault({ path: '/fapi/v1/ticker/24hr', action: 'garbage', status: 200, body: body2 });
    expect(await feed.mostTraded(3)).toEqual(['BTCUSDT']);
  });

  it('refuses a reply it cannot trust with an error naming the endpoint', async () => {
    const { fake, feed } = await serve();
    const cases: [string, RegExp][] = [
      ['{"symbol":"BTCUSDT"}', /GET \/fapi\/v1\/ticker\/24hr reply \(list .*expected array/i],
      ['[]', /GET \/fapi\/v1\/ticker\/24hr reply \(no symbols\)/],
      ['[{"symbol":"BTCUSDT","quoteVolume":"-1","count":3}]', /ticker\/24hr reply \(BTCUSDT quoteVolume/],
      ['[{"symbol":"BTCUSDT","quoteVolume":"1"}]', /ticker\/24hr reply \(BTCUSDT count/],
      [
        '[{"symbol":"BTCUSDT","quoteVolume":"1","count":1},{"symbol":"BTCUSDT","quoteVolume":"2","count":1}]',
        /BTCUSDT listed twice/,
      ],
    ];
    for (const [body, message] of cases) {
      fake.fault({ path: '/fapi/v1/ticker/24hr', action: 'garbage', status: 200, body });
      const err = await feed.mostTraded(2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('takes only a positive integer count, and asks nothing otherwise', async () => {
    const { fake, feed } = await serve();
    await expect(feed.mostTraded(0)).rejects.toThrow(RangeError);
    await expect(feed.mostTraded(1.5)).rejects.toThrow(RangeError);
    expect(fake.requests.filter((r) => r.path === '/fapi/v1/ticker/24hr')).toEqual([]);
  });

  it('is weighed 40 at the rate gate, as Binance weighs every symbol’s ticker', async () => {
    const { feed, costs } = await gatedFeed();
    expect(await feed.mostTraded(1)).toEqual([byTurnover[0]!.s]);
    expect(costs).toEqual([{ weight: 40, orders: 0 }]);
    // The fake weighs it the same: what it reports back is what the gate counted.
    expect(fake!.usage().weight['1M']).toBe(40);
  });
});

/** The recorded exchangeInfo the fake serves, row by symbol. */
const recordedRows = new Map(
  (JSON.parse(readFileSync(exchangeInfoPath, 'utf8')) as { symbols: Record<string, unknown>[] }).symbols.map(
    (r) => [r.symbol as string, r],
  ),
);
const onboardDate = (symbol: string) => recordedRows.get(symbol)!.onboardDate as number;
/** A coin Binance lists in the recorded exchangeInfo, that the recorded brackets do not cover. */
const BRACKETLESS = 'GOATUSDT';

describe('BinanceLiveBars.listing', () => {
  it('lists the asked symbols by exchangeInfo as it is now, with the recorded brackets, in one call', async () => {
    const book = await instrumentBookOnce();
    expect(book.get(BRACKETLESS).brackets).toEqual([]);
    const { fake, feed } = await serve();
    // Binance has since moved BTCUSDT to a coarser tick, a lower minimum notional and a lower fee.
    fake.relist((info) => {
      const moved = withFilters('BTCUSDT', {
        PRICE_FILTER: { tickSize: '0.5' },
        MIN_NOTIONAL: { notional: '50' },
      })(info);
      return {
        ...moved,
        symbols: moved.symbols.map((r) => (r.symbol === 'BTCUSDT' ? { ...r, liquidationFee: '0.0125' } : r)),
      };
    });
    const listing = await feed.listing(['BTCUSDT', 'ETHUSDT', BRACKETLESS, 'NOPEUSDT']);
    expect([...listing.instruments.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    const btc = book.get('BTCUSDT');
    expect(listing.instruments.get('BTCUSDT')).toEqual({
      ...btc,
      tickSize: fixed('0.5'),
      minNotional: fixed('50'),
      liquidationFeeRate: fixed('0.0125'),
    });
    expect(listing.instruments.get('BTCUSDT')!.brackets.length).toBeGreaterThan(1);
    // Where Binance has changed nothing, its listing is the recorded metadata.
    expect(listing.instruments.get('ETHUSDT')).toEqual(book.get('ETHUSDT'));
    // The coin without brackets is still dated: the hotlist labels a new listing by it.
    expect(Object.fromEntries(listing.listedAt)).toEqual({
      BTCUSDT: onboardDate('BTCUSDT'),
      ETHUSDT: onboardDate('ETHUSDT'),
      [BRACKETLESS]: onboardDate(BRACKETLESS),
    });
    expect(fake.requests.filter((r) => r.path === '/fapi/v1/exchangeInfo')).toHaveLength(1);
    expect(fake.requests.some((r) => r.path === '/fapi/v1/leverageBracket')).toBe(false);
  });

  it('takes the brackets of the recorded metadata it is given, leaving out a symbol it has none for', async () => {
    fake = await FakeBinance.start({ now: () => NOW, market });
    const book = await instrumentBookOnce();
    const btc = book.get('BTCUSDT');
    const first = { ...btc.brackets[0]!, initialLeverage: 20 };
    const feed = new BinanceLiveBars({
      endpoint: { rest: fake.origin, ws: fake.wsOrigin },
      ccxt: { timeout: 2_000, rateLimit: 1 },
      recorded: async () => new Map([['BTCUSDT', { ...btc, brackets: [first] }]]),
    });
    const listing = await feed.listing(['BTCUSDT', 'ETHUSDT']);
    expect([...listing.instruments.keys()]).toEqual(['BTCUSDT']);
    expect(listing.instruments.get('BTCUSDT')!.brackets).toEqual([first]);
    expect([...listing.listedAt.keys()].sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
  });

  it('refuses a listing it cannot trust with an error naming the field', async () => {
    const { fake, feed } = await serve();
    const btc = recordedRows.get('BTCUSDT')!;
    const filters = btc.filters as Record<string, unknown>[];
    const body = (...rows: unknown[]) => JSON.stringify({ symbols: rows });
    const cases: [string, RegExp][] = [
      ['{}', /^listing: unexpected exchangeInfo reply \(symbols: Required/],
      [
        body({ ...btc, onboardDate: 'soon' }),
        /exchangeInfo reply \(symbols\.0\.onboardDate: Expected number/,
      ],
      [body({ ...btc, filters: undefined }), /exchangeInfo reply \(BTCUSDT filters: Required/],
      [
        body({
          ...btc,
          filters: filters.map((f) => (f.filterType === 'PRICE_FILTER' ? { ...f, tickSize: null } : f)),
        }),
        /exchangeInfo reply \(BTCUSDT PRICE_FILTER\.tickSize: expected a decimal string, got null/,
      ],
    ];
    for (const [reply, message] of cases) {
      fake.fault({ path: '/fapi/v1/exchangeInfo', action: 'garbage', status: 200, body: reply });
      const err = await feed.listing(['BTCUSDT']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LiveFeedError);
      expect((err as Error).message).toMatch(message);
    }
    // A contract nobody asked for is not read beyond its name: its fault fails no one's listing.
    const odd = { ...recordedRows.get('ETHUSDT')!, filters: 'none' };
    fake.fault({ path: '/fapi/v1/exchangeInfo', action: 'garbage', status: 200, body: body(btc, odd) });
    expect([...(await feed.listing(['BTCUSDT'])).instruments.keys()]).toEqual(['BTCUSDT']);
  });

  it('is one call of weight 1 at the rate gate the feed is paced by', async () => {
    const { feed, costs } = await gatedFeed();
    expect((await feed.listing(['BTCUSDT'])).instruments.has('BTCUSDT')).toBe(true);
    expect(costs).toEqual([{ weight: 1, orders: 0 }]);
    expect(fake!.usage().weight['1M']).toBe(1);
  });
});
