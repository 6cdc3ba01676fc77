import { describe, expect, it } from 'vitest';
import { fixed } from '../ledger/fixed.js';
import { checkAccount, checkWallet, ledgerFlows } from './account-check.js';

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

  it('finds the money no ledger explains moving: nothing while every movement is booked, a transfer when one is made', () => {
    const f = (t: { realisedPnl: string; fees: string; funding: string }) =>
      ledgerFlows({ realisedPnl: fixed(t.realisedPnl), fees: fixed(t.fees), funding: fixed(t.funding) });
    // The first check: 10,000 USDT on the account, the runs' ledgers moved 12.5 − 1.25 − 0.3 = 10.95 so far.
    const first = checkWallet(
      'USDT',
      fixed('10010.95'),
      f({ realisedPnl: '12.5', fees: '1.25', funding: '-0.3' }),
      null,
    );
    expect(first).toEqual({
      asset: 'USDT',
      exchange: '10010.95',
      ledgers: '10.95',
      baseline: '10000',
      unexplained: '0',
    });
    // A trade later, booked by the ledgers as the exchange made it: nothing unexplained.
    const booked = f({ realisedPnl: '40.5', fees: '2.25', funding: '-0.3' });
    expect(checkWallet('USDT', fixed('10037.95'), booked, fixed(first.baseline)).unexplained).toBe('0');
    // 500 USDT transferred out of the futures wallet: the ledgers know nothing of it.
    expect(checkWallet('USDT', fixed('9537.95'), booked, fixed(first.baseline)).unexplained).toBe('-500');
  });
});
