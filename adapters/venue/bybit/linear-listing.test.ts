import { describe, expect, it } from 'vitest';
import { linearListing, pagedRows, type ReadReply } from './linear-listing.js';

/** An instruments-info row as Bybit lists a linear contract (the fields the ledger reads). */
const info = (symbol: string, settleCoin = 'USDT') => ({
  symbol,
  contractType: 'LinearPerpetual',
  status: 'Trading',
  baseCoin: symbol.replace(/USDT$|PERP$/, ''),
  quoteCoin: settleCoin,
  settleCoin,
  launchTime: '1585526400000',
  priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
  lotSizeFilter: { maxOrderQty: '100', minOrderQty: '0.001', qtyStep: '0.001' },
});
const tierOf = (symbol: string) => ({
  id: 1,
  symbol,
  riskLimitValue: '2000000',
  maintenanceMargin: '0.005',
  initialMargin: '0.01',
  maxLeverage: '100.00',
  mmDeduction: '',
});
const reply = (list: unknown[], nextPageCursor = '') => ({
  retCode: 0,
  retMsg: 'OK',
  result: { category: 'linear', list, nextPageCursor },
  time: 1,
});

/** 40 USDT perpetuals and a USDC one, their tiers 15 symbols a page as Bybit pages them. */
const symbols = Array.from({ length: 40 }, (_, k) => `C${k}USDT`);
const infos = [...symbols.map((s) => info(s)), info('BTCPERP', 'USDC')];
const stub = () => {
  const calls: { method: string; params: Record<string, unknown> }[] = [];
  const call = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    calls.push({ method, params });
    if (method === 'publicGetV5MarketInstrumentsInfo') return reply(infos);
    if (typeof params.symbol === 'string') {
      if (!infos.some((i) => i.symbol === params.symbol)) throw new Error('params error: symbol invalid');
      return reply([tierOf(params.symbol)]);
    }
    const from = Number(params.cursor ?? 0);
    const page = infos.slice(from, from + 15).map((i) => tierOf(i.symbol));
    return reply(page, from + 15 < infos.length ? String(from + 15) : '');
  };
  return { calls, call };
};
const read: ReadReply = (_what, f) => f();

describe('linearListing', () => {
  it('asks for a few symbols’ tiers one by one, and only for symbols Bybit lists', async () => {
    const { calls, call } = stub();
    const listing = await linearListing(call, read, ['C3USDT', 'C7USDT', 'NOPEUSDT', 'BTCPERP', 'C3USDT']);
    expect([...listing.instruments.keys()]).toEqual(['C3USDT', 'C7USDT']);
    expect(listing.instruments.get('C7USDT')!.brackets).toHaveLength(1);
    expect(calls.filter((c) => c.method === 'publicGetV5MarketRiskLimit').map((c) => c.params)).toEqual([
      { category: 'linear', symbol: 'C3USDT' },
      { category: 'linear', symbol: 'C7USDT' },
    ]);
    expect(listing.infos).toHaveLength(41);
  });

  it('reads the whole listing’s tiers when that takes fewer calls than one a symbol', async () => {
    const { calls, call } = stub();
    const asked = symbols.slice(0, 4);
    const listing = await linearListing(call, read, asked);
    expect([...listing.instruments.keys()]).toEqual(asked);
    const tiers = calls.filter((c) => c.method === 'publicGetV5MarketRiskLimit');
    expect(tiers.map((c) => c.params)).toEqual([
      { category: 'linear' },
      { category: 'linear', cursor: '15' },
      { category: 'linear', cursor: '30' },
    ]);
  });

  it('lists every USDT perpetual with its tiers when no symbols are named', async () => {
    const { call } = stub();
    const listing = await linearListing(call, read);
    expect(listing.instruments.size).toBe(40);
    expect([...listing.instruments.values()].every((i) => i.brackets.length === 1)).toBe(true);
  });
});

describe('pagedRows', () => {
  it('stops where a page brings nothing new: no cursor, an empty page or a cursor already followed', async () => {
    const pages = [reply([1, 2], 'a'), reply([3], 'b'), reply([4], 'a')];
    let k = 0;
    const rows = await pagedRows(async () => pages[k++], 'm', {}, 'list', read);
    expect(rows).toEqual([1, 2, 3, 4]);
    k = 0;
    const empty = [reply([1], 'a'), reply([], 'b')];
    expect(await pagedRows(async () => empty[k++], 'm', {}, 'list', read)).toEqual([1]);
  });

  it('reads each page as the caller reads a reply', async () => {
    const seen: string[] = [];
    const wrap: ReadReply = (what, f) => {
      seen.push(what);
      try {
        return f();
      } catch {
        throw new Error(`unreadable ${what}`);
      }
    };
    await expect(
      pagedRows(async () => ({ retCode: 0, result: {} }), 'm', {}, 'risk-limit', wrap),
    ).rejects.toThrow('unreadable risk-limit');
    expect(seen).toEqual(['risk-limit']);
  });
});
