import { beforeAll, describe, expect, it } from 'vitest';
import type { Instrument } from '../domain/ledger/instrument.js';
import type { VenueListing } from '../domain/market/live-feed.js';
import { instrumentBookOnce } from '../replay/engine/run.js';
import { whitelistedToTrade } from './whitelist-symbols.js';

/**
 * Which whitelisted coins a node's paper runs take up at its start, on each feed. The recorded metadata is
 * ../shared/data/meta; a coin "listed since" is one it lacks (NEWUSDT), which only a venue's own listing
 * can vouch for.
 */
let recorded: ReadonlyMap<string, Instrument>;
beforeAll(async () => {
  recorded = (await instrumentBookOnce()).all;
});

const listingOf =
  (listed: Record<string, string>, asked: string[][] = []) =>
  async (symbols: readonly string[]): Promise<VenueListing> => {
    asked.push([...symbols]);
    const btc = recorded.get('BTCUSDT')!;
    return {
      instruments: new Map(
        symbols.flatMap((s) =>
          s in listed ? [[s, { ...btc, symbol: s, status: listed[s]! }] as const] : [],
        ),
      ),
      listedAt: new Map(),
    };
  };

describe('whitelisted coins taken up at a start', () => {
  it('on the recorded feed, those whose bars warm a run up', async () => {
    const out = await whitelistedToTrade(['SUIUSDT', 'BTCUSDT', 'NEWUSDT'], {
      configured: ['BTCUSDT'],
      feed: 'recorded',
      recorded,
      recordedGap: (s) => (s === 'NEWUSDT' ? 'no bars for it in the data' : null),
    });
    expect(out).toEqual({
      traded: ['SUIUSDT'],
      left: [{ symbol: 'NEWUSDT', why: 'no bars for it in the data' }],
    });
  });

  it('on Binance’s market, those the recorded metadata has brackets for', async () => {
    const bare = [...recorded.values()].find((i) => i.brackets.length === 0)?.symbol;
    const out = await whitelistedToTrade(['ETHUSDT', 'NEWUSDT', ...(bare ? [bare] : [])], {
      configured: ['BTCUSDT'],
      feed: 'binance',
      recorded,
      recordedGap: () => null,
    });
    expect(out.traded).toEqual(['ETHUSDT']);
    expect(out.left[0]).toEqual({
      symbol: 'NEWUSDT',
      why: 'the recorded instrument metadata does not list it',
    });
    if (bare) expect(out.left[1]!.why).toMatch(/no leverage brackets/);
  });

  it('on Bybit’s or OKX’s market, those the venue lists as trading now, asked once for all', async () => {
    const asked: string[][] = [];
    const out = await whitelistedToTrade(['NEWUSDT', 'ETHUSDT', 'SOONUSDT', 'GONEUSDT', 'NEWUSDT'], {
      configured: ['BTCUSDT'],
      feed: 'bybit',
      recorded,
      recordedGap: () => null,
      listing: listingOf({ NEWUSDT: 'TRADING', ETHUSDT: 'TRADING', SOONUSDT: 'PreLaunch' }, asked),
    });
    // A coin listed since the metadata was recorded is traded: the runs trade by the venue's listing.
    expect(out.traded).toEqual(['NEWUSDT', 'ETHUSDT']);
    expect(out.left).toEqual([
      { symbol: 'SOONUSDT', why: 'bybit lists it as PreLaunch, not trading' },
      { symbol: 'GONEUSDT', why: 'bybit does not list it as a USDT perpetual' },
    ]);
    expect(asked).toEqual([['NEWUSDT', 'ETHUSDT', 'SOONUSDT', 'GONEUSDT']]);
  });

  it('leaves them out of this start, saying why, when the venue’s listing cannot be read', async () => {
    const out = await whitelistedToTrade(['NEWUSDT'], {
      configured: [],
      feed: 'okx',
      recorded,
      recordedGap: () => null,
      listing: async () => {
        throw new Error('okx: 503 Service Unavailable');
      },
    });
    expect(out).toEqual({
      traded: [],
      left: [
        {
          symbol: 'NEWUSDT',
          why: "okx's listing could not be read (okx: 503 Service Unavailable); asked again at the next start",
        },
      ],
    });
  });
});
