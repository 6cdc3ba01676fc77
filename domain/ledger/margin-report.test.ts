import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AccountCommand, decideAccount, evolveAccount, initialAccountState } from './account.js';
import { abs, fixed, roundTo, toText } from './fixed.js';
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

describe('margin report (property)', () => {
  it('at each cross position’s liquidation price the cross margin balance meets the maintenance margin', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 500, max: 200_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 50_000 }),
        fc.boolean(),
        fc.integer({ min: 25_000, max: 35_000 }),
        fc.integer({ min: 1_800, max: 2_200 }),
        (deposit, btcSteps, btcLong, ethSteps, ethLong, btcMark, ethMark) => {
          const s = account([
            { kind: 'DepositFunds', transferId: 'd', amount: String(deposit) },
            fill('BTCUSDT', btcLong ? 'BUY' : 'SELL', toText(BigInt(btcSteps) * fixed('0.001')), '30000', 1),
            fill('ETHUSDT', ethLong ? 'BUY' : 'SELL', toText(BigInt(ethSteps) * fixed('0.001')), '2000', 2),
          ]);
          const marks = { BTCUSDT: String(btcMark), ETHUSDT: String(ethMark) };
          const r = marginReport(s, marks, ctx);
          for (const p of r.positions) {
            if (p.liquidationPrice === null) continue;
            const at = marginReport(s, { ...marks, [p.symbol]: toText(p.liquidationPrice) }, ctx);
            const gap = at.crossMarginBalance - at.crossMaintenanceMargin;
            // LP is rounded to 1e-18; the MM's ceil adds at most 1e-18 per leg.
            const tolerance = abs(p.quantity) / 10n ** 17n + 10n;
            expect(abs(gap) <= tolerance, `${p.symbol} gap ${toText(gap)}`).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
