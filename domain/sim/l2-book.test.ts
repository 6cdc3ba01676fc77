import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSyncError } from './errors.js';
import { L2Book } from './l2-book.js';

interface Msg {
  U: number;
  u: number;
  pu: number;
  rows: Array<{ ask: boolean; px: number; lots: number }>;
}

/**
 * A reference exchange book that is never crossed: each message moves the mid and deletes every level
 * on the wrong side of it, then changes a few levels on the right side. Returns the messages and the
 * true book after each one, so a snapshot can be cut anywhere.
 */
const exchange = (
  steps: Array<{ move: number; changes: Array<{ ask: boolean; off: number; lots: number }> }>,
) => {
  const bids = new Map<number, number>();
  const asks = new Map<number, number>();
  let mid = 1000;
  let u = 100;
  const msgs: Msg[] = [];
  const states: Array<{ bids: Map<number, number>; asks: Map<number, number> }> = [];
  for (const s of steps) {
    mid += s.move;
    const rows: Msg['rows'] = [];
    for (const [book, ask] of [
      [bids, false],
      [asks, true],
    ] as const) {
      for (const px of [...book.keys()]) {
        if (ask ? px >= mid : px < mid) continue;
        book.delete(px);
        rows.push({ ask, px, lots: 0 });
      }
    }
    for (const c of s.changes) {
      const px = c.ask ? mid + c.off : mid - 1 - c.off;
      if (c.lots > 0) (c.ask ? asks : bids).set(px, c.lots);
      else (c.ask ? asks : bids).delete(px);
      rows.push({ ask: c.ask, px, lots: c.lots });
    }
    const U = u + 1;
    const last = u + 1 + rows.length;
    msgs.push({ U, u: last, pu: u, rows });
    u = last;
    states.push({ bids: new Map(bids), asks: new Map(asks) });
  }
  return { msgs, states };
};

const stepArb = fc.record({
  move: fc.integer({ min: -5, max: 5 }),
  changes: fc.array(
    fc.record({
      ask: fc.boolean(),
      off: fc.integer({ min: 0, max: 20 }),
      lots: fc.integer({ min: 0, max: 50 }),
    }),
    { maxLength: 8 },
  ),
});

const load = (book: L2Book, id: number, s: { bids: Map<number, number>; asks: Map<number, number> }) => {
  book.resetToSnapshot(id);
  for (const [px, q] of s.bids) book.setLevel('bid', px, q);
  for (const [px, q] of s.asks) book.setLevel('ask', px, q);
};

const apply = (book: L2Book, m: Msg): boolean => {
  if (book.beginMessage(m.U, m.u, m.pu) === 'drop') return false;
  for (const r of m.rows) book.setLevel(r.ask ? 'ask' : 'bid', r.px, r.lots);
  return true;
};

const levels = (book: L2Book, ask: boolean): Array<[number, number]> => {
  const side = ask ? book.asks : book.bids;
  const out: Array<[number, number]> = [];
  side.forEachLevel((px, q) => {
    out.push([px, q]);
    return true;
  });
  expect(out.length).toBe(side.size);
  return out;
};

const sorted = (m: Map<number, number>, ask: boolean): Array<[number, number]> =>
  [...m.entries()].sort((a, b) => (ask ? a[0] - b[0] : b[0] - a[0]));

describe('L2 book sync (Binance rule)', () => {
  it('drops stale updates, starts at the straddling one, then equals the exchange book and never crosses', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 2, maxLength: 40 }), fc.nat(), (steps, cut) => {
        const { msgs, states } = exchange(steps);
        const k = cut % msgs.length;
        // The snapshot is taken somewhere inside message k+1 (its id falls inside that message's U..u)
        // or exactly at the end of message k; both must resync.
        const book = new L2Book();
        load(book, msgs[k]!.u, states[k]!);
        for (let i = 0; i < msgs.length; i++) {
          const applied = apply(book, msgs[i]!);
          expect(applied).toBe(i >= k);
          if (applied) {
            expect(book.crossed()).toBe(false);
            expect(levels(book, false)).toEqual(sorted(states[i]!.bids, false));
            expect(levels(book, true)).toEqual(sorted(states[i]!.asks, true));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('names the update ids of a gap', () => {
    const book = new L2Book();
    book.resetToSnapshot(10);
    expect(book.beginMessage(5, 9, 4)).toBe('drop');
    expect(book.beginMessage(8, 12, 7)).toBe('apply');
    expect(book.beginMessage(13, 15, 12)).toBe('apply');
    const err = (() => {
      try {
        book.beginMessage(18, 20, 17);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(BookSyncError);
    expect((err as BookSyncError).reason).toBe('gap');
    expect((err as BookSyncError).message).toContain('U=18 u=20 has pu=17');
    expect((err as BookSyncError).message).toContain('u=15');
  });

  it('refuses a first update that starts after the snapshot, and updates before any snapshot', () => {
    const book = new L2Book();
    expect(() => book.beginMessage(1, 2, 0)).toThrow(/before any snapshot/);
    book.resetToSnapshot(10);
    expect(() => book.beginMessage(12, 14, 11)).toThrow(/starts after snapshot lastUpdateId=10/);
  });

  it('keeps levels sorted with the best at the touch across inserts and deletes', () => {
    const book = new L2Book();
    book.resetToSnapshot(1);
    for (const px of [5, 9, 1, 7, 3]) book.setLevel('bid', px, px * 10);
    for (const px of [15, 11, 19, 13]) book.setLevel('ask', px, px);
    expect(book.bestBid()).toBe(9);
    expect(book.bestAsk()).toBe(11);
    expect(book.setLevel('bid', 9, 0)).toBe(90);
    expect(book.setLevel('ask', 11, 0)).toBe(11);
    expect(book.bestBid()).toBe(7);
    expect(book.bestAsk()).toBe(13);
    expect(book.setLevel('bid', 4, 0)).toBe(0);
    expect(levels(book, false).map((l) => l[0])).toEqual([7, 5, 3, 1]);
    expect(book.displayed('ask', 19)).toBe(19);
  });
});
