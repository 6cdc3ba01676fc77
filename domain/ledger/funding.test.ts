import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, roundedProduct } from './fixed.js';
import { isChargeFor } from './funding.js';
import { binanceUsdm } from './venue.js';

/** Positions in lots of 0.001, marks in ticks of 0.01, rates in steps of 10^-8 (Binance prints 8 places). */
const qty = fc
  .integer({ min: -100_000, max: 100_000 })
  .filter((n) => n !== 0)
  .map((n) => BigInt(n) * 10n ** 15n);
const mark = fc.integer({ min: 1, max: 10_000_000 }).map((n) => BigInt(n) * 10n ** 16n);
const rate = fc
  .integer({ min: -300_000, max: 300_000 })
  .filter((n) => n !== 0)
  .map((n) => BigInt(n) * 10n ** 10n);
const charge = (q: bigint, m: bigint, r: bigint) =>
  roundedProduct([-q, m, r], binanceUsdm.moneyDecimals, binanceUsdm.fundingRounding);

describe("telling a run's funding from the account's (isChargeFor)", () => {
  it("takes the exchange's figure for the position alone, whatever the mark and rate", () => {
    fc.assert(
      fc.property(qty, mark, rate, (q, m, r) => {
        expect(isChargeFor(charge(q, m, r), q, m, r, binanceUsdm)).toBe(true);
      }),
    );
  });

  it('refuses the figure of a net position a lot or more away, when a lot moves it by more than two units', () => {
    fc.assert(
      fc.property(qty, mark, rate, fc.integer({ min: 1, max: 1000 }), (q, m, r, lots) => {
        const other = q + BigInt(lots) * 10n ** 15n;
        const perLot = (m * (r < 0n ? -r : r) * 10n ** 15n) / 10n ** 36n;
        fc.pre(perLot * BigInt(lots) > 2n * 10n ** 10n);
        expect(isChargeFor(charge(other, m, r), q, m, r, binanceUsdm)).toBe(false);
      }),
    );
  });

  it('a worked case: 0.5 BTC at a mark of 16,537.6 and 0.01 %', () => {
    const [q, m, r] = [fixed('0.5'), fixed('16537.6'), fixed('0.0001')];
    expect(isChargeFor(fixed('-0.82688'), q, m, r, binanceUsdm)).toBe(true);
    expect(isChargeFor(fixed('-0.82688001'), q, m, r, binanceUsdm)).toBe(true); // one unit off: rounding
    expect(isChargeFor(fixed('-0.82688002'), q, m, r, binanceUsdm)).toBe(false);
    expect(isChargeFor(fixed('-1.65376'), q, m, r, binanceUsdm)).toBe(false); // the account held twice as much
  });
});
