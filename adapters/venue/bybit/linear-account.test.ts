import { describe, expect, it } from 'vitest';
import { feeRatesOf, marginModeOf, positionsOf, serverTimeOf, walletBalanceOf } from './linear-account.js';

describe('Bybit unified account replies', () => {
  // https://bybit-exchange.github.io/docs/v5/position (Response Example; the fields a linear row has too).
  it('signs a position by its side, and keeps its positionIdx', () => {
    const row = {
      positionIdx: 0,
      riskId: 1,
      riskLimitValue: '150',
      symbol: 'BTCUSD',
      side: 'Sell',
      size: '300',
      avgPrice: '27464.50441675',
      leverage: '10',
      markPrice: '28224.50',
      createdTime: '1676538056258',
      updatedTime: '1697673600012',
    };
    expect(
      positionsOf([row, { ...row, symbol: 'ETHUSDT', side: 'Buy', size: '0.5', positionIdx: 1 }]),
    ).toEqual([
      { symbol: 'BTCUSD', size: '-300', positionIdx: 0 },
      { symbol: 'ETHUSDT', size: '0.5', positionIdx: 1 },
    ]);
    // "For UTA account, either one-way or hedge mode returns an empty string for an empty position."
    expect(positionsOf([{ ...row, side: '', size: '0' }])).toEqual([
      { symbol: 'BTCUSD', size: '0', positionIdx: 0 },
    ]);
    expect(() => positionsOf([{ ...row, side: '' }])).toThrow(/on no side/);
    expect(() => positionsOf([{ ...row, size: '-300' }])).toThrow(/signed/);
  });

  // https://bybit-exchange.github.io/docs/v5/account/wallet-balance (Response Example).
  it('reads a coin’s wallet balance; a coin not listed is held at 0', () => {
    const reply = {
      retCode: 0,
      retMsg: 'OK',
      result: {
        list: [
          {
            totalEquity: '18070.32797922',
            accountType: 'UNIFIED',
            totalWalletBalance: '18070.43799271',
            coin: [
              {
                availableToWithdraw: '0.805994',
                equity: '0.805994',
                usdValue: '12920.95352538',
                unrealisedPnl: '0',
                walletBalance: '0.805994',
                cumRealisedPnl: '0',
                coin: 'BTC',
              },
            ],
          },
        ],
      },
      retExtInfo: {},
      time: 1672125441042,
    };
    expect(walletBalanceOf(reply, 'BTC')).toBe('0.805994');
    expect(walletBalanceOf(reply, 'USDT')).toBe('0');
    expect(() => walletBalanceOf({ retCode: 0, result: { list: [] } }, 'USDT')).toThrow(/no UNIFIED/);
  });

  // https://bybit-exchange.github.io/docs/v5/account/fee-rate (Response Example).
  it('reads the account’s rates on a symbol', () => {
    const reply = {
      retCode: 0,
      retMsg: 'OK',
      result: { list: [{ symbol: 'ETHUSDT', takerFeeRate: '0.0006', makerFeeRate: '0.0001' }] },
      retExtInfo: {},
      time: 1676360412576,
    };
    expect(feeRatesOf(reply, 'ETHUSDT')).toEqual({ maker: '0.0001', taker: '0.0006' });
    expect(() => feeRatesOf(reply, 'BTCUSDT')).toThrow(/no rates/);
    const rebate = {
      ...reply,
      result: { list: [{ symbol: 'ETHUSDT', takerFeeRate: '0.0006', makerFeeRate: '-0.0001' }] },
    };
    // A rebate tier's maker rate is negative, as the ledger's is; a taker is never paid.
    expect(feeRatesOf(rebate, 'ETHUSDT')).toEqual({ maker: '-0.0001', taker: '0.0006' });
    const paidTaker = {
      ...reply,
      result: { list: [{ symbol: 'ETHUSDT', takerFeeRate: '-0.0001', makerFeeRate: '0.0001' }] },
    };
    expect(() => feeRatesOf(paidTaker, 'ETHUSDT')).toThrow(/only a maker/);
  });

  it('reads the account’s margin mode and the server’s clock', () => {
    expect(
      marginModeOf({ retCode: 0, result: { marginMode: 'REGULAR_MARGIN', unifiedMarginStatus: 5 } }),
    ).toBe('REGULAR_MARGIN');
    expect(() => marginModeOf({ retCode: 0, result: { marginMode: 'OTHER' } })).toThrow();
    // https://bybit-exchange.github.io/docs/v5/market/time (as ccxt's fetchTime quotes it).
    const time = {
      retCode: '0',
      retMsg: 'OK',
      result: { timeSecond: '1666879482', timeNano: '1666879482792685914' },
      retExtInfo: {},
      time: '1666879482792',
    };
    expect(serverTimeOf(time)).toBe(1666879482792);
    expect(() =>
      serverTimeOf({ ...time, result: { timeSecond: '1', timeNano: '1666879482792685914' } }),
    ).toThrow(/disagree/);
  });
});
