import { describe, expect, it } from 'vitest';
import { fixed } from '../ledger/fixed.js';
import { checkAccount } from './account-check.js';

describe('the account against the real runs’ ledgers', () => {
  it('sums the runs per symbol and compares exactly', () => {
    const a = new Map([['BTCUSDT', fixed('0.012')]]);
    const b = new Map([
      ['BTCUSDT', fixed('-0.002')],
      ['ETHUSDT', fixed('0.5')],
    ]);
    expect(
      checkAccount(
        new Map([
          ['BTCUSDT', '0.010'],
          ['ETHUSDT', '0.5'],
        ]),
        [a, b],
      ),
    ).toEqual({
      matched: true,
      rows: [
        { symbol: 'BTCUSDT', exchange: '0.01', ledger: '0.01' },
        { symbol: 'ETHUSDT', exchange: '0.5', ledger: '0.5' },
      ],
    });
    // A position the ledgers do not know (a trade by hand), and one they hold that the account does not.
    expect(checkAccount(new Map([['LTCUSDT', '-3']]), [a])).toEqual({
      matched: false,
      rows: [
        { symbol: 'BTCUSDT', exchange: '0', ledger: '0.012' },
        { symbol: 'LTCUSDT', exchange: '-3', ledger: '0' },
      ],
    });
    expect(checkAccount(new Map(), [new Map([['BTCUSDT', 0n]])])).toEqual({ matched: true, rows: [] });
  });
});
