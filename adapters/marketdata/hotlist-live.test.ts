import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { FakeBinance } from '../venue/testing/fake-binance.js';
import { FakeBybit } from '../venue/testing/fake-bybit.js';
import type { Instrument as BybitRow } from '../venue/testing/fake-bybit-wire.js';
import { BinanceLiveBars } from './binance-live-bars.js';
import { BybitLiveBars } from './bybit-live-bars.js';
import { binanceListings, LiveHotlistSource } from './hotlist-inputs.js';
import { sharedBars, sharedFunding } from './shared-data.js';

/**
 * A hotlist scan of a venue that lists its instruments labels each symbol by that venue's listing: its
 * listing age and its first tier's leverage and maintenance rate, not Binance's recorded ones. Without
 * the listing it labels nothing rather than guess.
 */
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const bars = new Map(SYMBOLS.map((s) => [s, sharedBars(s, '1h')]));
const funding = new Map(SYMBOLS.map((s) => [s, sharedFunding(s)]));
const AT = Date.UTC(2023, 5, 1);

const fakes: (FakeBybit | FakeBinance)[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const launched = Date.UTC(2023, 0, 15);
/** Bybit's BTCUSDT as it might differ from Binance's: listed later, 50× at most, a dearer first tier. */
const relist = (i: BybitRow): BybitRow =>
  i.symbol !== 'BTCUSDT'
    ? i
    : {
        ...i,
        launchTime: launched,
        tiers: i.tiers.map((t, k) =>
          k === 0 ? { ...t, mmr: fixed('0.01'), imr: fixed('0.02'), maxLeverage: 50 } : t,
        ),
      };

const source = async (opts: { relist?: typeof relist } = {}) => {
  const fake = await FakeBybit.start({
    ...opts,
    now: () => AT,
    market: { bars: (s, tf) => (tf === '1h' ? bars.get(s) : undefined), funding: (s) => funding.get(s) },
  });
  fakes.push(fake);
  const feed = new BybitLiveBars({ endpoint: { rest: fake.origin }, ccxt: { timeout: 2_000, rateLimit: 1 } });
  const book = await instrumentBookOnce();
  const recorded = { instrument: (s: string) => book.all.get(s), listings: await binanceListings() };
  return { fake, hotlist: new LiveHotlistSource(feed, recorded), recorded };
};

describe('LiveHotlistSource on a venue that lists its instruments', () => {
  it('labels each symbol by the venue’s own listing', async () => {
    const { hotlist, recorded } = await source({ relist });
    const { inputs, skipped } = await hotlist.inputs([...SYMBOLS, 'NOPEUSDT'], AT);
    expect(skipped).toEqual([{ symbol: 'NOPEUSDT', reason: 'bybit: not listed' }]);
    const btc = inputs.find((i) => i.symbol === 'BTCUSDT')!;
    expect(btc).toMatchObject({ listedAt: launched, maintenanceRate: 0.01, maxLeverage: 50 });
    expect(btc.listedAt).not.toBe(recorded.listings.get('BTCUSDT'));
    expect(btc.bars.openTime.length).toBeGreaterThan(24 * 30);
    // ETHUSDT is listed as Binance lists it (the fake re-spells Binance's metadata).
    const eth = inputs.find((i) => i.symbol === 'ETHUSDT')!;
    const first = recorded.instrument('ETHUSDT')!.brackets[0]!;
    expect(eth).toMatchObject({
      listedAt: recorded.listings.get('ETHUSDT'),
      maxLeverage: first.initialLeverage,
    });
  });

  it('leaves every symbol out, saying why, when the listing cannot be read', async () => {
    const { fake, hotlist } = await source();
    fake.fault({
      path: '/v5/market/instruments-info',
      action: 'garbage',
      status: 200,
      body: '{"retCode":0}',
    });
    const { inputs, skipped } = await hotlist.inputs(SYMBOLS, AT);
    expect(inputs).toEqual([]);
    expect(skipped.map((s) => s.symbol)).toEqual(SYMBOLS);
    for (const s of skipped)
      expect(s.reason).toMatch(/^bybit: its listing could not be read \(.*instruments-info/);
  });
});

describe('LiveHotlistSource on Binance’s market', () => {
  it('dates each symbol by exchangeInfo now, labels it by the recorded brackets, and scans a coin newer than them unlabelled', async () => {
    /** Listed by Binance, not covered by the recorded brackets (ETHUSDT's market stands in for its own). */
    const newer = 'GOATUSDT';
    const as = (s: string) => (s === newer ? 'ETHUSDT' : s);
    const fake = await FakeBinance.start({
      now: () => AT,
      market: {
        bars: (s, tf) => (tf === '1h' ? bars.get(as(s)) : undefined),
        funding: (s) => funding.get(as(s)),
      },
    });
    fakes.push(fake);
    fake.relist((info) => ({
      ...info,
      symbols: info.symbols.map((r) => (r.symbol === 'BTCUSDT' ? { ...r, onboardDate: launched } : r)),
    }));
    const feed = new BinanceLiveBars({
      endpoint: { rest: fake.origin, ws: fake.wsOrigin },
      ccxt: { timeout: 2_000, rateLimit: 1 },
    });
    const book = await instrumentBookOnce();
    const recorded = { instrument: (s: string) => book.all.get(s), listings: await binanceListings() };
    const { inputs, skipped } = await new LiveHotlistSource(feed, recorded).inputs(
      [...SYMBOLS, newer, 'NOPEUSDT'],
      AT,
    );
    expect(skipped).toEqual([{ symbol: 'NOPEUSDT', reason: 'binance: not listed' }]);
    const first = book.get('BTCUSDT').brackets[0]!;
    expect(inputs.find((i) => i.symbol === 'BTCUSDT')).toMatchObject({
      listedAt: launched,
      maxLeverage: first.initialLeverage,
    });
    const coin = inputs.find((i) => i.symbol === newer)!;
    expect(coin).toMatchObject({
      listedAt: recorded.listings.get(newer),
      maintenanceRate: null,
      maxLeverage: null,
      bracketCap: null,
    });
    expect(coin.bars.openTime.length).toBeGreaterThan(24 * 30);
  });
});
