import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abs, type Fixed, fixed, mul, roundTo, toText } from './fixed.js';
import { bracketFor } from './instrument.js';
import { breachesMaintenance, initialMargin, liquidationPrice, marginSummary } from './margin.js';
import { applyFill, flat, type PositionAmount } from './position.js';
import { instrument } from './test-fixtures.js';

const btc = instrument('BTCUSDT');
const pos = (qty: string, price: string): PositionAmount =>
  applyFill(flat, fixed(qty), fixed(price)).position;
const cents = (x: Fixed | null) => (x === null ? null : toText(roundTo(x, 2, 'half-up'), 2));

const isolated = (p: PositionAmount, wallet: string) =>
  liquidationPrice({
    walletBalance: fixed(wallet),
    otherMaintenanceMargin: 0n,
    otherUnrealisedPnl: 0n,
    instrument: btc,
    positions: [p],
    referencePrice: abs((p.cost * 10n ** 18n) / p.qty),
  });

/*
 * Binance "How to Calculate Liquidation Price of USDⓈ-M Contracts"
 * (https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93), BTCUSDT brackets of
 * ../shared/data/meta (bracket 1: ≤ 50,000 at 0.4%, cum 0; bracket 2: ≤ 600,000 at 0.5%, cum 50).
 */
describe('Binance liquidation price', () => {
  it('isolated long: (WB + cum − size × EP) / (size × MMR − size)', () => {
    // 1 BTC at 30,000 with 10x: WB 3,000 → (3,000 − 30,000) / (0.004 − 1) = 27,108.43
    expect(cents(isolated(pos('1', '30000'), '3000'))).toBe('27108.43');
  });

  it('isolated short: (WB + size × EP) / (size × MMR + size)', () => {
    // (3,000 + 30,000) / 1.004 = 32,868.53
    expect(cents(isolated(pos('-1', '30000'), '3000'))).toBe('32868.53');
  });

  it('a position in bracket 2 uses its maintenance amount (cum 50)', () => {
    // 2 BTC at 30,000 (60,000 notional), WB 6,000: (6,000 + 50 − 60,000) / (2 × 0.005 − 2) = 27,110.55,
    // and 2 × 27,110.55 = 54,221 still lies in bracket 2.
    expect(cents(isolated(pos('2', '30000'), '6000'))).toBe('27110.55');
  });

  it('recomputes with the bracket at the liquidation price when it differs (FAQ note)', () => {
    // 1.7 BTC at 30,000 = 51,000 (bracket 2); with bracket 2 the answer is 27,106.12, whose notional
    // (46,080) is in bracket 1; recomputed with bracket 1: 45,900 / 1.6932 = 27,108.43.
    expect(cents(isolated(pos('1.7', '30000'), '5100'))).toBe('27108.43');
  });

  it('cross, one-way: other contracts enter as TMM1 and UPNL1', () => {
    const lp = liquidationPrice({
      walletBalance: fixed('10000'),
      otherMaintenanceMargin: fixed('100'),
      otherUnrealisedPnl: fixed('-500'),
      instrument: btc,
      positions: [pos('1', '30000')],
      referencePrice: fixed('30000'),
    });
    // (10,000 − 100 − 500 − 30,000) / (0.004 − 1) = 20,682.73
    expect(cents(lp)).toBe('20682.73');
  });

  it('cross, hedge mode: LONG and SHORT of one symbol share one price', () => {
    const lp = liquidationPrice({
      walletBalance: fixed('5000'),
      otherMaintenanceMargin: 0n,
      otherUnrealisedPnl: 0n,
      instrument: btc,
      positions: [pos('1', '30000'), pos('-0.5', '31000')],
      referencePrice: fixed('30000'),
    });
    // (5,000 − 30,000 + 15,500) / (1 × 0.004 + 0.5 × 0.004 − 1 + 0.5) = −9,500 / −0.494 = 19,230.77
    expect(cents(lp)).toBe('19230.77');
  });

  /*
   * The FAQ's own example (same page): one-way cross account, wallet balance 1,535,443.01 USDT, holding
   * ETHUSDT 3,683.979 long at 1,456.84 (MMR 10 %, maintenance amount 135,365) and BTCUSDT 109.488 long at
   * 32,481.98 (MMR 2.5 %, maintenance amount 16,300). For each contract the other one enters as TMM1/UPNL1:
   * ETHUSDT with TMM1 71,200.81144 and UPNL1 −56,354.57 liquidates at 1,153.26; BTCUSDT with TMM1 356,512.508
   * and UPNL1 −448,192.89 at 26,316.89. (The same numbers are in freqtrade's tests/leverage/test_liquidation_price.py.)
   * The brackets are the FAQ's, not today's, so each contract gets one bracket with the FAQ's MMR and cum.
   */
  it("reproduces the Binance FAQ's cross-margin example (ETHUSDT 1,153.26 and BTCUSDT 26,316.89)", () => {
    const faq = (symbol: string, mmr: string, cum: string) => ({
      ...instrument(symbol),
      brackets: [
        {
          bracket: 1,
          initialLeverage: 10,
          notionalFloor: 0n,
          notionalCap: fixed('100000000000'),
          maintMarginRatio: fixed(mmr),
          cum: fixed(cum),
        },
      ],
    });
    const eth = liquidationPrice({
      walletBalance: fixed('1535443.01'),
      otherMaintenanceMargin: fixed('71200.81144'),
      otherUnrealisedPnl: fixed('-56354.57'),
      instrument: faq('ETHUSDT', '0.10', '135365'),
      positions: [pos('3683.979', '1456.84')],
      referencePrice: fixed('1456.84'),
    });
    const btcLp = liquidationPrice({
      walletBalance: fixed('1535443.01'),
      otherMaintenanceMargin: fixed('356512.508'),
      otherUnrealisedPnl: fixed('-448192.89'),
      instrument: faq('BTCUSDT', '0.025', '16300'),
      positions: [pos('109.488', '32481.98')],
      referencePrice: fixed('32481.98'),
    });
    expect(cents(eth)).toBe('1153.26');
    expect(cents(btcLp)).toBe('26316.89');
  });

  it('returns null when no positive price liquidates (1x long)', () => {
    expect(isolated(pos('1', '30000'), '30000')).toBeNull();
  });

  it('at the liquidation price the margin balance equals the maintenance margin (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 100_000, max: 1_000_000 }),
        fc.integer({ min: 1, max: 125 }),
        fc.boolean(),
        (steps, ticks, lev, long) => {
          const qty = BigInt(steps) * 10n ** 15n * (long ? 1n : -1n);
          const price = BigInt(ticks) * 10n ** 17n;
          const p = applyFill(flat, qty, price).position;
          const notional = abs(mul(qty, price));
          const leverage = Math.min(lev, bracketFor(btc, notional).initialLeverage);
          const wallet = initialMargin(notional, leverage);
          const lp = liquidationPrice({
            walletBalance: wallet,
            otherMaintenanceMargin: 0n,
            otherUnrealisedPnl: 0n,
            instrument: btc,
            positions: [p],
            referencePrice: price,
          });
          if (lp === null) return;
          const leg = [{ instrument: btc, position: p, mark: lp }];
          const at = marginSummary(wallet, leg);
          // LP is rounded to 1e-18, so the two sides agree to qty × 1e-18 (plus the MM's own ceil).
          expect(abs(at.marginBalance - at.maintenanceMargin) <= abs(qty) / 10n ** 17n + 10n).toBe(true);
          // One tick on the safe side there is no breach; one tick past it there is.
          const tick = btc.tickSize;
          const safe = long ? lp + tick : lp - tick;
          const past = long ? lp - tick : lp + tick;
          expect(
            breachesMaintenance(marginSummary(wallet, [{ instrument: btc, position: p, mark: safe }])),
          ).toBe(false);
          if (past > 0n) {
            expect(
              breachesMaintenance(marginSummary(wallet, [{ instrument: btc, position: p, mark: past }])),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
