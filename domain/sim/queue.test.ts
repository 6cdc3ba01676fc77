import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinQueue, queueOnDepth, queueOnTrade } from './queue.js';

describe('limit-order queue model', () => {
  it('fills a resting bid only after the displayed queue ahead has traded, partly when the print is short', () => {
    const o = joinQueue(true, 100, 5, 8);
    expect(queueOnTrade(o, 100, 6, true, 0)).toBe(0);
    expect(o.queueAhead).toBe(2);
    // A buyer-taker print at our price trades against the asks, not our bid.
    expect(queueOnTrade(o, 100, 6, false, 0)).toBe(0);
    expect(queueOnTrade(o, 100, 4, true, 0)).toBe(2);
    expect(o.queueAhead).toBe(0);
    expect(queueOnTrade(o, 100, 9, true, 0)).toBe(3);
    expect(o.filledLots).toBe(5);
    expect(queueOnTrade(o, 100, 9, true, 0)).toBe(0);
  });

  it('fills the rest on a print through the price, and never on one above it', () => {
    const o = joinQueue(true, 100, 5, 50);
    expect(queueOnTrade(o, 101, 1, true, 0)).toBe(0);
    expect(queueOnTrade(o, 99, 1, false, 0)).toBe(5);
    const ask = joinQueue(false, 100, 3, 50);
    expect(queueOnTrade(ask, 99, 10, true, 0)).toBe(0);
    expect(queueOnTrade(ask, 101, 1, true, 0)).toBe(3);
  });

  it('adds behind, separates prints from cancels, and spreads cancels in proportion to the queue ahead', () => {
    const o = joinQueue(true, 100, 5, 10);
    queueOnDepth(o, 10, 30); // added later: behind us
    expect(o.queueAhead).toBe(10);
    queueOnTrade(o, 100, 4, true, 0); // 6 ahead, 20 behind
    queueOnDepth(o, 30, 26); // the 4 traded: no cancel
    expect(o.queueAhead).toBe(6);
    queueOnDepth(o, 26, 13); // 13 cancelled out of 26, 6 of them ahead: 6 − 13·6/26 = 3
    expect(o.queueAhead).toBe(3);
    queueOnDepth(o, 13, 2); // never more ahead than is displayed
    expect(o.queueAhead).toBeLessThanOrEqual(2);
    queueOnDepth(o, 2, 0);
    expect(o.queueAhead).toBe(0);
  });

  it('rounds a fractional share of cancels up to a whole lot', () => {
    const o = joinQueue(false, 100, 1, 3);
    queueOnDepth(o, 10, 9); // 3 − 1·3/10 = 2.7 → 3
    expect(o.queueAhead).toBe(3);
  });

  it('lets two of our orders share one print without both taking the same lots', () => {
    const a = joinQueue(true, 100, 4, 2);
    const b = joinQueue(true, 100, 4, 2);
    const fa = queueOnTrade(a, 100, 7, true, 0);
    const fb = queueOnTrade(b, 100, 7, true, fa);
    expect(fa).toBe(4);
    expect(fb).toBe(1);
  });

  const event = fc.oneof(
    fc.record({
      kind: fc.constant('trade' as const),
      lots: fc.integer({ min: 1, max: 30 }),
      seller: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('depth' as const), lots: fc.integer({ min: 0, max: 80 }) }),
  );

  it('never fills before the queue ahead is consumed, never beyond the prints past it, never beyond its size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(event, { maxLength: 60 }),
        (displayed, size, events) => {
          const o = joinQueue(true, 100, size, displayed);
          let level = displayed;
          let sold = 0;
          let filled = 0;
          for (const e of events) {
            if (e.kind === 'trade') {
              const aheadBefore = o.queueAhead;
              const f = queueOnTrade(o, 100, e.lots, e.seller, 0);
              if (e.seller) sold += e.lots;
              if (f > 0) {
                expect(o.queueAhead).toBe(0);
                expect(f).toBeLessThanOrEqual(e.lots - aheadBefore);
              }
              filled += f;
            } else {
              queueOnDepth(o, level, e.lots);
              level = e.lots;
            }
            expect(Number.isInteger(o.queueAhead)).toBe(true);
            expect(o.queueAhead).toBeGreaterThanOrEqual(0);
            expect(filled).toBe(o.filledLots);
            expect(filled).toBeLessThanOrEqual(size);
            expect(filled).toBeLessThanOrEqual(sold);
          }
        },
      ),
    );
  });

  it('without cancels, fills exactly the sold volume beyond the initial queue', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 30 }),
        (displayed, size, prints) => {
          const o = joinQueue(false, 100, size, displayed);
          let sold = 0;
          for (const p of prints) {
            queueOnTrade(o, 100, p, false, 0);
            sold += p;
            expect(o.filledLots).toBe(Math.min(size, Math.max(0, sold - displayed)));
          }
        },
      ),
    );
  });
});
