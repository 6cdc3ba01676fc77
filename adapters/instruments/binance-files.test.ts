import { describe, expect, it } from 'vitest';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { bracketFor } from '../../domain/ledger/instrument.js';
import { loadBinanceInstruments } from './binance-files.js';

const book = await loadBinanceInstruments();

describe('Binance instruments from ../shared/data/meta', () => {
  it('reads BTCUSDT filters and brackets as the API states them', () => {
    const btc = book.get('BTCUSDT');
    expect(toText(btc.tickSize)).toBe('0.1');
    expect(toText(btc.stepSize)).toBe('0.001');
    expect(toText(btc.minQty)).toBe('0.001');
    expect(toText(btc.minNotional)).toBe('100');
    expect(toText(btc.liquidationFeeRate)).toBe('0.02');
    expect(btc.brackets).toHaveLength(12);
    expect(btc.brackets[0]).toMatchObject({
      initialLeverage: 125,
      maintMarginRatio: fixed('0.004'),
      cum: 0n,
    });
  });

  it('loads every perpetual that has brackets, and each has a tick and a step', () => {
    const perps = [...book.all.values()].filter(
      (i) => i.contractType === 'PERPETUAL' && i.brackets.length > 0,
    );
    expect(perps.length).toBeGreaterThan(300);
    for (const i of perps.filter((p) => p.status === 'TRADING')) {
      expect(i.stepSize > 0n, i.symbol).toBe(true);
      expect(i.tickSize > 0n, i.symbol).toBe(true);
    }
  });

  it('refuses an unknown symbol with the rule name', () => {
    expect(() => book.get('NOPEUSDT')).toThrow(/unknown-symbol/);
  });

  /*
   * Binance "Leverage and Margin of USDⓈ-M Futures" (https://www.binance.com/en/support/faq/360033162192):
   * maintenance amount of level n = floor of level n × (MMR n − MMR n−1) + maintenance amount of level n−1.
   * If this holds, MM = notional × MMR − cum equals the tier-by-tier sum for every position.
   */
  it('every bracket cum equals the tiered maintenance amount recurrence (all symbols)', () => {
    let checked = 0;
    for (const i of book.all.values()) {
      for (let k = 1; k < i.brackets.length; k++) {
        const b = i.brackets[k]!;
        const prev = i.brackets[k - 1]!;
        const expected =
          prev.cum + ((b.maintMarginRatio - prev.maintMarginRatio) * b.notionalFloor) / 10n ** 18n;
        expect(toText(b.cum), `${i.symbol} bracket ${b.bracket}`).toBe(toText(expected));
        expect(b.notionalFloor, `${i.symbol} bracket ${b.bracket} floor = previous cap`).toBe(
          prev.notionalCap,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('picks the bracket whose (floor, cap] holds the notional', () => {
    const btc = book.get('BTCUSDT');
    expect(bracketFor(btc, 0n).bracket).toBe(1);
    expect(bracketFor(btc, fixed('50000')).bracket).toBe(1);
    expect(bracketFor(btc, fixed('50000.01')).bracket).toBe(2);
    expect(() => bracketFor(btc, fixed('1800000000.1'))).toThrow(/notional-above-last-bracket/);
  });
});
