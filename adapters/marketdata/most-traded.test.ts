import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exchangeInfoPath } from '../venue/testing/fake-binance.js';
import { LiveFeedError } from './live-feed-error.js';
import { checkCount, mostTradedOf, USDT_PERPETUAL } from './most-traded.js';

const ENDPOINT = 'GET /x/tickers';

describe('mostTradedOf', () => {
  it('ranks by turnover, most first, ties by symbol, and leaves out what did not trade', () => {
    const rows = [
      { symbol: 'ETHUSDT', turnover: 5 },
      { symbol: 'BTCUSDT', turnover: 9 },
      { symbol: 'XRPUSDT', turnover: 5 },
      { symbol: 'ADAUSDT', turnover: 5 },
      { symbol: 'DEADUSDT', turnover: 0 },
    ];
    expect(mostTradedOf(ENDPOINT, rows, 3)).toEqual(['BTCUSDT', 'ADAUSDT', 'ETHUSDT']);
    expect(mostTradedOf(ENDPOINT, [...rows].reverse(), 3)).toEqual(['BTCUSDT', 'ADAUSDT', 'ETHUSDT']);
    expect(mostTradedOf(ENDPOINT, rows, 100)).toEqual(['BTCUSDT', 'ADAUSDT', 'ETHUSDT', 'XRPUSDT']);
  });

  it('does not trust a reply naming a symbol twice or with a turnover that is not an amount', () => {
    const twice = () =>
      mostTradedOf(
        ENDPOINT,
        [
          { symbol: 'BTCUSDT', turnover: 1 },
          { symbol: 'BTCUSDT', turnover: 2 },
        ],
        1,
      );
    expect(twice).toThrow(LiveFeedError);
    expect(twice).toThrow(/GET \/x\/tickers .*BTCUSDT listed twice/);
    expect(() => mostTradedOf(ENDPOINT, [{ symbol: 'BTCUSDT', turnover: Number.NaN }], 1)).toThrow(
      /BTCUSDT turnover NaN is not an amount/,
    );
  });

  it('takes only a positive integer count', () => {
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => checkCount(n)).toThrow(RangeError);
    expect(() => checkCount(1)).not.toThrow();
  });
});

describe('USDT_PERPETUAL', () => {
  it('is the shape of the recorded USDT perpetuals the engine can name, and of nothing else listed', () => {
    const info = JSON.parse(readFileSync(exchangeInfoPath, 'utf8')) as {
      symbols: { symbol: string; contractType: string; quoteAsset: string }[];
    };
    const engineCanName = (s: string) => /^[A-Z0-9]{2,30}$/.test(s);
    for (const s of info.symbols) {
      const perpetual = s.contractType === 'PERPETUAL' && s.quoteAsset === 'USDT';
      // The recorded listing has a pending `IDOL` without the suffix: not a symbol anyone trades yet.
      const named = perpetual && engineCanName(s.symbol) && s.symbol.endsWith('USDT');
      expect([s.symbol, USDT_PERPETUAL.test(s.symbol)]).toEqual([s.symbol, named]);
    }
    expect(info.symbols.filter((s) => s.symbol.includes('_')).length).toBeGreaterThan(0);
    for (const other of ['BTCUSDT_250926', 'BTCUSDC', 'BTCPERP', 'BTCUSDT-27DEC24', 'ETH-27DEC24', 'ETHBTC'])
      expect([other, USDT_PERPETUAL.test(other)]).toEqual([other, false]);
    for (const one of ['TUSDT', '1000PEPEUSDT', 'BTCUSDT']) expect(USDT_PERPETUAL.test(one)).toBe(true);
  });
});
