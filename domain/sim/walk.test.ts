import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide } from './book-side.js';
import { walkBook } from './walk.js';

const side = (dir: 1 | -1, levels: ReadonlyArray<readonly [number, number]>): BookSide => {
  const s = new BookSide(dir, 4);
  for (const [px, q] of levels) s.set(px, q);
  return s;
};

describe('market order walking the book', () => {
  it('takes levels from the touch, reports average price and levels, and fills partly on a thin book', () => {
    const asks = side(-1, [
      [101, 5],
      [100, 2],
      [103, 10],
    ]);
    const w = walkBook(asks, true, 10);
    expect(w.fills).toEqual([
      { priceTicks: 100, lots: 2 },
      { priceTicks: 101, lots: 5 },
      { priceTicks: 103, lots: 3 },
    ]);
    expect(w.filledLots).toBe(10);
    expect(w.levels).toBe(3);
    expect(w.avgPriceTicks).toBeCloseTo((200 + 505 + 309) / 10, 12);
    expect(w.partial).toBe(false);
    const thin = walkBook(asks, true, 50);
    expect(thin.filledLots).toBe(17);
    expect(thin.partial).toBe(true);
    const bids = side(1, [
      [99, 4],
      [97, 4],
    ]);
    const limited = walkBook(bids, false, 6, 98);
    expect(limited.fills).toEqual([{ priceTicks: 99, lots: 4 }]);
    expect(limited.partial).toBe(true);
    expect(walkBook(side(1, []), false, 1).filledLots).toBe(0);
  });

  it('never fills more than asked or than the book holds, and its average lies between the touch and the last level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 100 })), {
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 2000 }),
        fc.boolean(),
        (levels, lots, buy) => {
          const s = side(buy ? -1 : 1, levels);
          const w = walkBook(s, buy, lots);
          const held = s.total();
          expect(w.filledLots).toBeLessThanOrEqual(lots);
          expect(w.filledLots).toBe(Math.min(lots, held));
          expect(w.fills.reduce((a, f) => a + f.lots, 0)).toBe(w.filledLots);
          expect(w.partial).toBe(lots > held);
          if (w.filledLots > 0) {
            const first = w.fills[0]!.priceTicks;
            const last = w.fills[w.fills.length - 1]!.priceTicks;
            expect(first).toBe(s.best());
            expect(w.avgPriceTicks).toBeGreaterThanOrEqual(Math.min(first, last) - 1e-9);
            expect(w.avgPriceTicks).toBeLessThanOrEqual(Math.max(first, last) + 1e-9);
          }
        },
      ),
    );
  });
});
