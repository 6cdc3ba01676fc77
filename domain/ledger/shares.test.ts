import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../events/envelope.js';
import { fixed, roundTo } from './fixed.js';
import { positionAt, proRata } from './shares.js';

describe('proRata', () => {
  it('splits an amount by signed weights into parts on the 8th place that add up to it exactly (property)', () => {
    const units = fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n });
    fc.assert(
      fc.property(
        units,
        fc.array(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), { minLength: 1, maxLength: 6 }),
        (amountUnits, lots) => {
          const weights = lots.map((l) => l * 10n ** 15n);
          const total = weights.reduce((s, w) => s + w, 0n);
          fc.pre(total !== 0n);
          const amount = amountUnits * 10n ** 10n;
          const parts = proRata(amount, weights, 8);
          expect(parts.reduce((s, p) => s + p, 0n)).toBe(amount);
          for (const p of parts) expect(roundTo(p, 8, 'down')).toBe(p);
          // Every part but the last is its exact share rounded toward zero.
          parts.slice(0, -1).forEach((p, i) => {
            expect(p).toBe(roundTo((amount * weights[i]!) / total, 8, 'down'));
          });
        },
      ),
    );
  });

  it('refuses weights that sum to zero', () => {
    expect(() => proRata(fixed('1'), [fixed('1'), fixed('-1')], 8)).toThrow(/sum to zero/);
  });
});

describe('positionAt', () => {
  const at = (iso: string, type: string, data: Record<string, unknown>) =>
    ({ type, data, metadata: { occurredAt: iso } }) as unknown as RecordedEvent;
  it('folds the fills and liquidations of the symbol from before the time, and nothing after', () => {
    const events = [
      at('2023-06-01T00:00:00.000Z', 'FillSettled', { symbol: 'BTCUSDT', side: 'BUY', quantity: '0.5' }),
      at('2023-06-01T01:00:00.000Z', 'FillSettled', { symbol: 'ETHUSDT', side: 'BUY', quantity: '3' }),
      at('2023-06-01T02:00:00.000Z', 'FillSettled', { symbol: 'BTCUSDT', side: 'SELL', quantity: '0.2' }),
      at('2023-06-01T08:00:00.000Z', 'FillSettled', { symbol: 'BTCUSDT', side: 'SELL', quantity: '0.3' }),
      at('2023-06-01T09:00:00.000Z', 'FillSettled', { symbol: 'BTCUSDT', side: 'BUY', quantity: '1' }),
      at('2023-06-01T10:00:00.000Z', 'PositionLiquidated', { symbol: 'BTCUSDT', quantity: '1' }),
    ];
    const t = (iso: string) => Date.parse(iso);
    expect(positionAt(events, 'BTCUSDT', t('2023-06-01T08:00:00.000Z'))).toBe(fixed('0.3'));
    expect(positionAt(events, 'BTCUSDT', t('2023-06-01T08:00:00.001Z'))).toBe(0n);
    expect(positionAt(events, 'BTCUSDT', t('2023-06-01T09:30:00.000Z'))).toBe(fixed('1'));
    expect(positionAt(events, 'BTCUSDT', t('2023-06-01T16:00:00.000Z'))).toBe(0n);
    expect(positionAt(events, 'ETHUSDT', t('2023-06-01T16:00:00.000Z'))).toBe(fixed('3'));
  });
});
