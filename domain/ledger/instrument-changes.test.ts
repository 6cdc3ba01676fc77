import { describe, expect, it } from 'vitest';
import { instrumentListingSchema } from '../backtest/events.js';
import { fixed } from './fixed.js';
import { instrumentChanges, instrumentListing } from './instrument-changes.js';
import { instrument } from './test-fixtures.js';

describe('what changed in an instrument between two listings', () => {
  it('names each field orders, fills and margin depend on that differs, brackets included', () => {
    const btc = instrument('BTCUSDT');
    expect(instrumentChanges(btc, btc)).toEqual([]);
    const [first, second, ...rest] = btc.brackets;
    const now = {
      ...btc,
      tickSize: fixed('0.01'),
      minNotional: fixed('50'),
      brackets: [first!, { ...second!, maintMarginRatio: fixed('0.0065') }, ...rest.slice(0, -1)],
    };
    expect(instrumentChanges(btc, now)).toEqual([
      'BTCUSDT tickSize 0.1 → 0.01',
      'BTCUSDT minNotional 100 → 50',
      'BTCUSDT bracket 2 maintMarginRatio 0.005 → 0.0065',
      `BTCUSDT bracket ${btc.brackets.length} removed (${btc.brackets.length} → ${btc.brackets.length - 1} brackets)`,
    ]);
  });
});

describe('an instrument as a run records its listing', () => {
  it('is every field instrumentChanges compares, as decimal text the event schema takes', () => {
    for (const symbol of ['BTCUSDT', '1000PEPEUSDT']) {
      const inst = instrument(symbol);
      const listed = instrumentListingSchema.parse(instrumentListing(inst));
      expect(listed.tickSize).toBe(symbol === 'BTCUSDT' ? '0.1' : '0.0000001');
      expect(listed.brackets).toHaveLength(inst.brackets.length);
      // Read back, it is the same instrument: no change between what was listed and what is recorded.
      const back = {
        ...inst,
        ...Object.fromEntries(
          Object.entries(listed)
            .filter(([k]) => k !== 'brackets' && k !== 'status' && k !== 'marginAsset')
            .map(([k, v]) => [k, fixed(v as string)]),
        ),
        brackets: listed.brackets.map((b) => ({
          ...b,
          notionalFloor: fixed(b.notionalFloor),
          notionalCap: fixed(b.notionalCap),
          maintMarginRatio: fixed(b.maintMarginRatio),
          cum: fixed(b.cum),
        })),
      };
      expect(instrumentChanges(inst, back)).toEqual([]);
    }
  });
});
