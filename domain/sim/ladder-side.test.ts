import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide } from './book-side.js';
import { LadderSide } from './ladder-side.js';

const levels = (s: { forEachLevel(v: (t: number, l: number) => boolean): void }): number[][] => {
  const out: number[][] = [];
  s.forEachLevel((t, l) => {
    out.push([t, l]);
    return true;
  });
  return out;
};

describe('ladder side (dense window + sorted overflow)', () => {
  it('behaves like a sorted side under any updates, including far levels and moves past the window', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<1 | -1>(1, -1),
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 990, max: 1010 }), fc.integer({ min: 1, max: 3000 })),
            fc.integer({ min: 0, max: 9 }),
          ),
          { maxLength: 200 },
        ),
        (dir, updates) => {
          const ladder = new LadderSide(dir, 8);
          const ref = new BookSide(dir, 2);
          for (const [px, lots] of updates) {
            expect(ladder.set(px, lots)).toBe(ref.set(px, lots));
            expect(ladder.size).toBe(ref.size);
            expect(ladder.best()).toEqual(ref.best());
            expect(ladder.bestQty()).toBe(ref.bestQty());
          }
          expect(levels(ladder)).toEqual(levels(ref));
          expect(ladder.total()).toBe(ref.total());
          for (let px = 980; px < 1020; px++) expect(ladder.get(px)).toBe(ref.get(px));
          ladder.clear();
          expect(ladder.size).toBe(0);
          expect(ladder.best()).toBeNaN();
        },
      ),
      { numRuns: 300 },
    );
  });
});
