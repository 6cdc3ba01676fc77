import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, toText } from './fixed.js';
import { forcedSettleFill } from './forced-fill.js';

const trade = (side: 'BUY' | 'SELL', quantity: string, fee?: string) => ({
  reason: 'liquidation' as const,
  clientOrderId: 'autoclose-1',
  venueOrderId: '42',
  symbol: 'BTCUSDT',
  side,
  tradeId: '7',
  price: '27000',
  quantity,
  time: 0,
  ...(fee === undefined ? {} : { fee: { amount: fee, asset: 'USDT' } }),
});

describe('what a run books of the exchange’s closing trade', () => {
  it('books at most what it held of the side closed, the rest unbooked, the fee pro rata and never more', () => {
    const lots = fc.integer({ min: 1, max: 1_000_000 });
    fc.assert(
      fc.property(
        lots,
        fc.integer({ min: -2_000_000, max: 2_000_000 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 10 ** 9 }),
        (q, h, sell, feeUnits) => {
          const total = BigInt(q) * 10n ** 15n; // 0.001 lots
          const held = BigInt(h) * 10n ** 15n;
          const fee = toText(BigInt(feeUnits) * 10n ** 10n); // 8 places
          const { command, unbooked } = forcedSettleFill(
            trade(sell ? 'SELL' : 'BUY', toText(total), fee),
            held,
            'USDT',
            1,
            's',
          );
          const open = sell ? held : -held;
          if (open <= 0n) {
            expect(command).toBeNull();
            expect(unbooked).toBe(total);
            return;
          }
          const booked = fixed(command!.quantity);
          expect(booked + unbooked).toBe(total);
          expect(booked).toBe(open < total ? open : total);
          const charged = fixed(command!.fee ?? '0');
          expect(charged <= fixed(fee)).toBe(true);
          if (unbooked === 0n) expect(charged).toBe(fixed(fee));
          // Within one unit of the fee's 8 places of the exact share.
          expect(fixed(fee) * booked - charged * total < 10n ** 10n * total).toBe(true);
          expect(command).toMatchObject({
            reduceOnly: true,
            forced: 'liquidation',
            orderId: 'autoclose-1/42',
          });
        },
      ),
    );
  });

  it('passes a fee taken in another asset on as paid in it, pro rata to what the run held', () => {
    const t = { ...trade('SELL', '0.5'), fee: { amount: '0.01', asset: 'BNB' } };
    expect(forcedSettleFill(t, fixed('1'), 'USDT', 1, null).command).toMatchObject({
      fee: '0.01',
      feeAsset: 'BNB',
    });
    expect(forcedSettleFill(t, fixed('0.2'), 'USDT', 1, null).command).toMatchObject({
      fee: '0.004',
      feeAsset: 'BNB',
    });
    expect(
      forcedSettleFill({ ...t, fee: { amount: '0.01', asset: 'USDT' } }, fixed('1'), 'USDT', 1, null).command,
    ).not.toHaveProperty('feeAsset');
  });
});
