import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, toText } from './fixed.js';
import { applyFill, entryPrice, flat, type PositionAmount, unrealisedPnl } from './position.js';

const p = (s: string) => fixed(s);

/** Quantities on a 0.001 step and prices on a 0.1 tick, like BTCUSDT. */
const qtyArb = fc
  .integer({ min: -5000, max: 5000 })
  .filter((n) => n !== 0)
  .map((n) => BigInt(n) * 10n ** 15n);
const priceArb = fc.integer({ min: 10_000, max: 1_000_000 }).map((n) => BigInt(n) * 10n ** 17n);

describe('position maths', () => {
  /*
   * Binance "How to Calculate PnL in Futures" (https://www.binance.com/en/support/faq/3a55a23768cb416fb404f06ffedde4b2):
   * long PnL = (exit − entry) × size, short PnL = (entry − exit) × size; the average entry of two buys is
   * their notional-weighted mean.
   */
  it('averages the entry and realises on reduce, close and flip (worked example)', () => {
    let pos: PositionAmount = flat;
    pos = applyFill(pos, p('1'), p('30000')).position;
    pos = applyFill(pos, p('1'), p('31000')).position;
    expect(toText(entryPrice(pos))).toBe('30500');
    expect(toText(unrealisedPnl(pos, p('30000')))).toBe('-1000');

    const reduce = applyFill(pos, p('-0.5'), p('32000'));
    expect(toText(reduce.realisedExact)).toBe('750'); // (32,000 − 30,500) × 0.5
    const flip = applyFill(reduce.position, p('-2.5'), p('29000'));
    expect(toText(flip.realisedExact)).toBe('-2250'); // (29,000 − 30,500) × 1.5
    expect(toText(flip.position.qty)).toBe('-1');
    expect(toText(entryPrice(flip.position))).toBe('29000');
    const close = applyFill(flip.position, p('1'), p('28000'));
    expect(toText(close.realisedExact)).toBe('1000'); // short: (29,000 − 28,000) × 1
    expect(close.position).toEqual(flat);
  });

  it('a flip equals a close then an open at the same price: no money appears (property)', () => {
    fc.assert(
      fc.property(qtyArb, priceArb, qtyArb, priceArb, (q, p0, extra, px) => {
        const pos = applyFill(flat, q, p0).position;
        const over = q > 0n ? -(q + (extra < 0n ? -extra : extra)) : -q + (extra < 0n ? -extra : extra);
        const flip = applyFill(pos, over, px);
        const close = applyFill(pos, -pos.qty, px);
        const reopen = applyFill(close.position, over + pos.qty, px);
        expect(flip.realisedExact).toBe(close.realisedExact);
        expect(flip.position).toEqual(reopen.position);
      }),
    );
  });

  it('a full round trip realises exactly Σ sells − Σ buys (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(qtyArb, priceArb), { minLength: 1, maxLength: 30 }),
        priceArb,
        (fills, exit) => {
          let pos = flat;
          let realised = 0n;
          let cash = 0n; // −Σ signed qty × price, scaled 36
          for (const [q, px] of fills) {
            const o = applyFill(pos, q, px);
            pos = o.position;
            realised += o.realisedExact;
            cash -= q * px;
          }
          const last = applyFill(pos, -pos.qty, exit);
          realised += last.realisedExact;
          cash += pos.qty * exit;
          expect(last.position).toEqual(flat);
          expect(realised * 10n ** 18n).toBe(cash);
        },
      ),
    );
  });

  it('agrees with an independent decimal.js average-cost ledger (property)', () => {
    Decimal.set({ precision: 80 });
    fc.assert(
      fc.property(fc.array(fc.tuple(qtyArb, priceArb), { minLength: 1, maxLength: 40 }), (fills) => {
        let pos = flat;
        let qty = new Decimal(0);
        let avg = new Decimal(0);
        for (const [q, px] of fills) {
          const o = applyFill(pos, q, px);
          pos = o.position;
          const dq = new Decimal(toText(q));
          const dp = new Decimal(toText(px));
          let realised = new Decimal(0);
          if (qty.isZero() || qty.isPositive() === dq.isPositive()) {
            avg = qty.mul(avg).add(dq.mul(dp)).div(qty.add(dq));
            qty = qty.add(dq);
          } else {
            const closed = Decimal.min(dq.abs(), qty.abs()).mul(qty.isPositive() ? 1 : -1);
            realised = closed.mul(dp.sub(avg));
            const rest = dq.add(closed);
            qty = qty.sub(closed).add(rest);
            if (!rest.isZero()) avg = dp;
            if (qty.isZero()) avg = new Decimal(0);
          }
          // Our partial-close cost share rounds at 1e-18; allow that much per fill, nothing more.
          expect(new Decimal(toText(o.realisedExact)).sub(realised).abs().lte('1e-15')).toBe(true);
          expect(toText(pos.qty)).toBe(qty.toFixed());
        }
      }),
    );
  });
});
