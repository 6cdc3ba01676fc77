import { describe, expect, it } from 'vitest';
import { fixed } from '../../../domain/ledger/fixed.js';
import {
  accountConfigOf,
  feeRatesOf,
  markPricesOf,
  positionsOf,
  serverTimeOf,
  walletBalanceOf,
} from './swap-account.js';
import type { ContractSizes } from './swap-messages.js';

const sizes: ContractSizes = (instId) => {
  if (instId === 'BTC-USDT-SWAP') return fixed('0.01');
  throw new RangeError(`unknown ${instId}`);
};

// https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions (response fields).
const position = (fields: Record<string, unknown>) => ({
  adl: '1',
  availPos: '1',
  avgPx: '2566.31',
  cTime: '1619507758793',
  ccy: 'USDT',
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  lever: '10',
  mgnMode: 'cross',
  pos: '-150',
  posSide: 'net',
  uTime: '1619507761462',
  ...fields,
});

describe('OKX account replies', () => {
  it('reads positions in the base asset, signed; long/short rows keep their side', () => {
    const reply = {
      code: '0',
      msg: '',
      data: [
        position({}),
        position({ posSide: 'long', pos: '2' }),
        position({ posSide: 'short', pos: '2' }),
        position({ instId: 'BTC-USD-SWAP', pos: '5' }),
      ],
    };
    expect(positionsOf(reply, sizes)).toEqual([
      { symbol: 'BTCUSDT', instId: 'BTC-USDT-SWAP', size: '-1.5', posSide: 'net', mgnMode: 'cross' },
      { symbol: 'BTCUSDT', instId: 'BTC-USDT-SWAP', size: '0.02', posSide: 'long', mgnMode: 'cross' },
      { symbol: 'BTCUSDT', instId: 'BTC-USDT-SWAP', size: '-0.02', posSide: 'short', mgnMode: 'cross' },
    ]);
    expect(() => positionsOf({ code: '0', data: [position({ posSide: 'long', pos: '-1' })] }, sizes)).toThrow(
      /signed/,
    );
  });

  // https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance (Response Example).
  it('reads the cash balance of the asset, and 0 for one OKX leaves out', () => {
    const reply = {
      code: '0',
      data: [
        {
          adjEq: '55415.624719833286',
          details: [
            {
              availBal: '4834.317093622894',
              cashBal: '4850.435693622894',
              ccy: 'USDT',
              eq: '4992.890093622894',
              upl: '-7.545600000000006',
            },
          ],
          totalEq: '55837.43556134779',
          uTime: '1705474164160',
        },
      ],
      msg: '',
    };
    expect(walletBalanceOf(reply, 'USDT')).toBe('4850.435693622894');
    expect(walletBalanceOf(reply, 'USDC')).toBe('0');
    expect(() => walletBalanceOf({ code: '0', data: [] }, 'USDT')).toThrow();
  });

  // https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-fee-rates: negative is commission.
  it('reads OKX’s signed fee rates as the rates charged, a maker’s rebate below zero', () => {
    const row = (fields: Record<string, unknown>) => ({
      code: '0',
      data: [
        {
          category: '1',
          delivery: '',
          exercise: '',
          instType: 'SWAP',
          level: 'Lv1',
          maker: '-0.0002',
          makerU: '-0.0002',
          makerUSDC: '-0.0002',
          taker: '-0.0005',
          takerU: '-0.0005',
          takerUSDC: '-0.0005',
          ts: '1763979985847',
          fiat: [],
          ...fields,
        },
      ],
      msg: '',
    });
    expect(feeRatesOf(row({}))).toEqual({ maker: '0.0002', taker: '0.0005' });
    // OKX deprecated makerU/takerU for fee groups: a family's query gives its group.
    const grouped = row({
      makerU: '',
      takerU: '',
      feeGroup: [{ groupId: '1', maker: '-0.0002', taker: '-0.0005' }],
    });
    expect(feeRatesOf(grouped)).toEqual({ maker: '0.0002', taker: '0.0005' });
    const two = row({
      makerU: '',
      takerU: '',
      feeGroup: [
        { groupId: '1', maker: '-0.0002', taker: '-0.0005' },
        { groupId: '2', maker: '-0.0001', taker: '-0.0003' },
      ],
    });
    expect(feeRatesOf(two, '2')).toEqual({ maker: '0.0001', taker: '0.0003' });
    expect(() => feeRatesOf(two)).toThrow(/2 fee groups/);
    expect(feeRatesOf(row({ makerU: '0.00005' }))).toEqual({ maker: '-0.00005', taker: '0.0005' });
    expect(() => feeRatesOf(row({ takerU: '0.00005' }))).toThrow(/only a maker/);
  });

  it('reads the account configuration, the server clock and the marks', () => {
    expect(
      accountConfigOf({
        code: '0',
        data: [{ acctLv: '2', posMode: 'net_mode', perm: 'read_only' }],
        msg: '',
      }),
    ).toEqual({
      acctLv: '2',
      posMode: 'net_mode',
    });
    expect(() => accountConfigOf({ code: '0', data: [{ acctLv: '2', posMode: 'both' }] })).toThrow();
    // https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time (Response Example).
    expect(serverTimeOf({ code: '0', msg: '', data: [{ ts: '1597026383085' }] })).toBe(1597026383085);
    // https://www.okx.com/docs-v5/en/#public-data-rest-api-get-mark-price (Response Example).
    expect(
      markPricesOf({
        code: '0',
        msg: '',
        data: [{ instType: 'SWAP', instId: 'BTC-USDT-SWAP', markPx: '200', ts: '1597026383085' }],
      }),
    ).toEqual(new Map([['BTC-USDT-SWAP', '200']]));
  });
});
