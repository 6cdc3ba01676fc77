import { describe, expect, it } from 'vitest';
import { type AccountCommand, decideAccount, evolveAccount, initialAccountState } from './account.js';
import { fixed, roundTo, toText } from './fixed.js';
import { marginReport } from './margin-report.js';
import { instrument } from './test-fixtures.js';
import { binanceUsdm } from './venue.js';

const ctx = { instrument, rules: binanceUsdm };
const cents = (x: bigint | null) => (x === null ? null : toText(roundTo(x, 2, 'half-up'), 2));

const account = (commands: AccountCommand[]) => {
  const s = initialAccountState();
  const all: AccountCommand[] = [
    {
      kind: 'OpenAccount',
      accountId: 'r',
      venue: 'binance',
      marginAsset: 'USDT',
      feeTier: 'VIP0',
      positionMode: 'one-way',
    },
    ...commands,
  ];
  for (const c of all) for (const e of decideAccount(c, s, ctx)) evolveAccount(s, e);
  return s;
};
const fill = (
  symbol: string,
  side: 'BUY' | 'SELL',
  quantity: string,
  price: string,
  n: number,
): AccountCommand => ({
  kind: 'SettleFill',
  orderId: `o${n}`,
  fillSeq: 1,
  tradeId: `t${n}`,
  strategyId: null,
  symbol,
  side,
  positionSide: 'BOTH',
  quantity,
  price,
  liquidity: 'maker',
  reduceOnly: false,
});

describe('margin report at marks', () => {
  it('isolated position: liquidation price from its own wallet (matches the liquidation check)', () => {
    const s = account([
      { kind: 'DepositFunds', transferId: 'd', amount: '10000' },
      { kind: 'SetMarginType', symbol: 'BTCUSDT', marginType: 'isolated' },
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 10 },
      fill('BTCUSDT', 'BUY', '1', '30000', 1),
    ]);
    const r = marginReport(s, { BTCUSDT: '29000' }, ctx);
    expect(r.positions).toHaveLength(1);
    const [p] = r.positions;
    expect(cents(p!.liquidationPrice)).toBe('27108.43');
    expect(toText(p!.unrealisedPnl)).toBe('-1000');
    expect(toText(r.equity)).toBe(toText(fixed('10000') - fixed('6') - fixed('1000'))); // maker fee 6
  });

  it('cross positions: each liquidation price accounts for the other symbol (TMM1, UPNL1)', () => {
    const s = account([
      { kind: 'DepositFunds', transferId: 'd', amount: '5000' },
      fill('BTCUSDT', 'BUY', '1', '30000', 1),
      fill('ETHUSDT', 'SELL', '10', '2000', 2),
    ]);
    const marks = { BTCUSDT: '30000', ETHUSDT: '2000' };
    const r = marginReport(s, marks, ctx);
    const btc = r.positions.find((p) => p.symbol === 'BTCUSDT')!;
    // At BTC's liquidation price (ETH held at its mark) the cross margin balance equals the cross MM.
    const at = marginReport(
      s,
      { ...marks, BTCUSDT: toText(roundTo(btc.liquidationPrice!, 8, 'half-up')) },
      ctx,
    );
    const gap = at.crossMarginBalance - at.crossMaintenanceMargin;
    expect(gap < fixed('0.0001') && gap > -fixed('0.0001')).toBe(true);
  });
});
