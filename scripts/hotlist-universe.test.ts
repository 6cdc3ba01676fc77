import { describe, expect, it } from 'vitest';
import { hotlistUniverse } from './hotlist-universe.js';

/** What the hotlist ranks: fixed by the operator, the recorded symbols, or a live market's most traded. */
const recorded = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT', 'SUIUSDT', '1000PEPEUSDT'];

describe('hotlistUniverse', () => {
  it('is what HOTLIST_SYMBOLS names on any feed, and the recorded symbols on recorded data', () => {
    const base = { top: 30, traded: () => ['BTCUSDT'], recorded, log: () => {} };
    const market = { mostTraded: async () => ['XUSDT'] };
    expect(hotlistUniverse({ ...base, configured: ['ETHUSDT'], market }).symbols).toEqual(['ETHUSDT']);
    expect(hotlistUniverse({ ...base, configured: null, market: null }).symbols).toEqual(recorded);
  });

  it('on a live market, asks for its most traded at each scan, with the runs’ symbols', async () => {
    let day = 0;
    const asked: number[] = [];
    const market = {
      mostTraded: async (n: number) => {
        asked.push(n);
        return day === 0 ? ['BTCUSDT', 'SOLUSDT', 'DOGEUSDT'] : ['WIFUSDT', 'BTCUSDT', 'SOLUSDT'];
      },
    };
    const traded = ['ETHUSDT', 'BTCUSDT'];
    const u = hotlistUniverse({
      configured: null,
      market,
      top: 3,
      traded: () => traded,
      recorded,
      log: () => {},
    });
    expect(u.describe).toBe("the venue's 3 most traded USDT perpetuals and the runs' symbols");
    const symbols = u.symbols as () => Promise<readonly string[]>;
    expect(await symbols()).toEqual(['BTCUSDT', 'SOLUSDT', 'DOGEUSDT', 'ETHUSDT']);
    day = 1;
    expect(await symbols()).toEqual(['WIFUSDT', 'BTCUSDT', 'SOLUSDT', 'ETHUSDT']);
    expect(asked).toEqual([3, 3]);
  });

  it('scans the runs’ symbols and the recorded ones while the market cannot be listed, saying so once', async () => {
    let down = true;
    const market = {
      mostTraded: async () => {
        if (down) throw new Error('HTTP 503');
        return ['SOLUSDT'];
      },
    };
    const log: string[] = [];
    const u = hotlistUniverse({
      configured: null,
      market,
      top: 1,
      traded: () => ['DOGEUSDT'],
      recorded,
      log: (m) => log.push(m),
    });
    const symbols = u.symbols as () => Promise<readonly string[]>;
    expect(await symbols()).toEqual(['DOGEUSDT', ...recorded]);
    expect(await symbols()).toEqual(['DOGEUSDT', ...recorded]);
    expect(log).toEqual([
      "hotlist: the venue's most traded perpetuals could not be listed (HTTP 503); scanning the runs' symbols and the recorded ones until they can",
    ]);
    down = false;
    expect(await symbols()).toEqual(['SOLUSDT', 'DOGEUSDT']);
    expect(log.at(-1)).toBe("hotlist: the venue's most traded perpetuals are listed again");
  });

  it('refuses a HOTLIST_TOP that is not a whole number of symbols', () => {
    const base = {
      configured: null,
      market: { mostTraded: async () => [] },
      traded: () => [],
      recorded,
      log: () => {},
    };
    expect(() => hotlistUniverse({ ...base, top: 0 })).toThrow(
      /HOTLIST_TOP must be a whole number ≥ 1, got 0/,
    );
    expect(() => hotlistUniverse({ ...base, top: Number('lots') })).toThrow(RangeError);
  });
});
