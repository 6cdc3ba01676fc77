import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, toText } from './fixed.js';
import {
  checkFillGrid,
  checkMinNotional,
  checkPriceBand,
  conformPrice,
  conformQty,
  maintenanceMargin,
  onFillGrid,
} from './instrument.js';
import { instrument } from './test-fixtures.js';

const btc = instrument('BTCUSDT');
const pepe = instrument('1000PEPEUSDT');

describe('instrument grid rules', () => {
  it('refuses an off-tick price and an off-step quantity by default', () => {
    expect(() => conformPrice(btc, fixed('30000.05'), 'BUY', 'refuse')).toThrow(/price-off-tick/);
    expect(() => conformQty(btc, fixed('0.0015'), false, 'refuse')).toThrow(/quantity-off-step/);
  });

  it('rounds toward the passive side and never up in size when asked to round', () => {
    expect(toText(conformPrice(btc, fixed('30000.05'), 'BUY', 'round'))).toBe('30000');
    expect(toText(conformPrice(btc, fixed('30000.05'), 'SELL', 'round'))).toBe('30000.1');
    expect(toText(conformQty(btc, fixed('0.0019'), false, 'round'))).toBe('0.001');
  });

  it('refuses sizes and prices outside the filters', () => {
    expect(() => conformQty(btc, fixed('0.0009'), false, 'round')).toThrow(/quantity-below-min/);
    expect(() => conformQty(btc, fixed('1000.001'), false, 'refuse')).toThrow(/quantity-above-max/);
    expect(() => conformPrice(btc, fixed('200'), 'BUY', 'refuse')).toThrow(/price-below-min/);
    expect(() => conformPrice(btc, fixed('-1'), 'BUY', 'refuse')).toThrow(/price-must-be-positive/);
    expect(() => conformQty(btc, 0n, false, 'refuse')).toThrow(/quantity-must-be-positive/);
  });

  it('checks MIN_NOTIONAL and the PERCENT_PRICE band', () => {
    expect(() => checkMinNotional(btc, fixed('0.003'), fixed('30000'))).toThrow(/notional-below-min/);
    expect(() => checkMinNotional(btc, fixed('0.004'), fixed('30000'))).not.toThrow();
    expect(() => checkPriceBand(btc, fixed('31500.1'), fixed('30000'))).toThrow(/price-outside-band/);
    expect(() => checkPriceBand(btc, fixed('31500'), fixed('30000'))).not.toThrow();
  });

  it('accepts sub-cent ticks exactly (1000PEPEUSDT tick 0.0000001)', () => {
    expect(toText(pepe.tickSize)).toBe('0.0000001');
    expect(() => checkFillGrid(pepe, fixed('0.0012345'), fixed('1000'))).not.toThrow();
    expect(() => checkFillGrid(pepe, fixed('0.00123455'), fixed('1000'))).toThrow(/price-off-tick/);
  });

  /*
   * A position spanning two brackets. Binance "Leverage and Margin of USDⓈ-M Futures"
   * (https://www.binance.com/en/support/faq/360033162192): maintenance margin = notional × MMR − maintenance
   * amount. BTCUSDT 2 BTC at 30,000 = 60,000 notional: bracket 2 (50k–600k, 0.5%, cum 50) gives
   * 60,000 × 0.005 − 50 = 250, the same as 50,000 × 0.4% + 10,000 × 0.5% = 200 + 50 tier by tier.
   */
  it('maintenance margin of a position spanning two brackets equals the tier-by-tier sum', () => {
    expect(toText(maintenanceMargin(btc, fixed('60000')))).toBe('250');
    expect(toText(maintenanceMargin(btc, fixed('50000')))).toBe('200');
    // Three tiers: 50,000 × 0.4% + 550,000 × 0.5% + 100,000 × 0.65% = 200 + 2,750 + 650.
    expect(toText(maintenanceMargin(btc, fixed('700000')))).toBe('3600');
  });
});

describe('onFillGrid', () => {
  it('says a fill is on the grid exactly when checkFillGrid takes it (property)', () => {
    // Each of price and quantity is drawn on its grid (a multiple of the tick or step) or anywhere (1e-6
    // units: almost never on it), so all four cases come up.
    fc.assert(
      fc.property(
        fc.constantFrom(btc, pepe),
        fc.bigInt({ min: 1n, max: 10n ** 7n }),
        fc.bigInt({ min: 1n, max: 10n ** 7n }),
        fc.boolean(),
        fc.boolean(),
        (inst, p, q, priceOnGrid, qtyOnGrid) => {
          const price = priceOnGrid ? p * inst.tickSize : p * 10n ** 12n;
          const qty = qtyOnGrid ? q * inst.stepSize : q * 10n ** 12n;
          let takes = true;
          try {
            checkFillGrid(inst, price, qty);
          } catch {
            takes = false;
          }
          return onFillGrid(inst, price, qty) === takes;
        },
      ),
    );
  });
});
