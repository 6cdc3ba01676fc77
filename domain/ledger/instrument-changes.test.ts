import { describe, expect, it } from 'vitest';
import { fixed } from './fixed.js';
import { instrumentChanges } from './instrument-changes.js';
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
