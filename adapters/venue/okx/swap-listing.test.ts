import { describe, expect, it } from 'vitest';
import { type OkxCall, type ReadReply, swapListing } from './swap-listing.js';

/** An instruments row as OKX lists a linear USDT swap (the fields the ledger reads). */
const swap = (base: string) => ({
  instType: 'SWAP',
  instId: `${base}-USDT-SWAP`,
  instFamily: `${base}-USDT`,
  uly: `${base}-USDT`,
  settleCcy: 'USDT',
  ctType: 'linear',
  ctVal: '0.01',
  ctMult: '1',
  ctValCcy: base,
  tickSz: '0.1',
  lotSz: '0.01',
  minSz: '0.01',
  maxLmtSz: '1000',
  maxMktSz: '100',
  state: 'live',
  listTime: '1611916828000',
});
const data = (rows: unknown[]) => ({ code: '0', msg: '', data: rows });

/** Twelve swaps, each family one tier, every mark 100. */
const bases = Array.from({ length: 12 }, (_, k) => `C${k}`);
const stub = () => {
  const families: string[] = [];
  const call: OkxCall = async (method, params) => {
    if (method === 'publicGetPublicInstruments') return data(bases.map(swap));
    if (method === 'publicGetPublicMarkPrice')
      return data(bases.map((b) => ({ instId: `${b}-USDT-SWAP`, markPx: '100' })));
    const asked = String(params.instFamily);
    families.push(asked);
    return data(
      asked.split(',').map((f) => ({
        tier: '1',
        instFamily: f,
        minSz: '0',
        maxSz: '1000',
        mmr: '0.004',
        imr: '0.008',
        maxLever: '125',
      })),
    );
  };
  return { families, call };
};
const read: ReadReply = (_what, f) => f();

describe('swapListing', () => {
  it('asks for the tiers of the families asked for only, five a call', async () => {
    const { families, call } = stub();
    const asked = ['C0USDT', 'C2USDT', 'C3USDT', 'C5USDT', 'C7USDT', 'C11USDT', 'NOPEUSDT', 'C1USDC'];
    const listing = await swapListing(call, read, asked);
    expect([...listing.instruments.keys()].sort()).toEqual(asked.slice(0, 6).sort());
    expect(families).toEqual(['C0-USDT,C2-USDT,C3-USDT,C5-USDT,C7-USDT', 'C11-USDT']);
    expect(listing.instruments.get('C11USDT')!.brackets).toHaveLength(1);
    // Every swap's contract all the same: what a session sizes orders by.
    expect(listing.contracts.size).toBe(12);
  });

  it('lists every swap with its tiers when no symbols are named', async () => {
    const { families, call } = stub();
    const listing = await swapListing(call, read);
    expect(families).toHaveLength(3);
    expect(listing.instruments.size).toBe(12);
    expect([...listing.instruments.values()].every((i) => i.brackets.length === 1)).toBe(true);
  });
});
