import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handFeeds, testScale } from './test-feeds.js';
import { TickVenue } from './tick-venue.js';
import type { TickReport } from './types.js';

const book = {
  id: 100,
  bids: [[1000, 5] as const, [999, 4] as const],
  asks: [[1001, 2] as const, [1002, 3] as const],
};
const sync = { t: 1, rows: [['bid', 998, 7]] as const };

const venue = (
  feeds: ReturnType<typeof handFeeds>,
  extra: Partial<ConstructorParameters<typeof TickVenue>[1]> = {},
) => new TickVenue(feeds, { symbol: 'BTCUSDT', scale: testScale, seed: 1, ...extra });

const fills = (rs: readonly TickReport[]) =>
  rs
    .filter((r) => r.kind === 'fill')
    .map((r) => (r.kind === 'fill' ? [r.time, r.price, r.qty, r.liquidity] : []));

describe('tick venue: resting limit orders and the queue ahead', () => {
  it('fills a bid at the touch only once the displayed queue has traded, partly then fully', () => {
    const v = venue(
      handFeeds(
        book,
        [sync, { t: 3, rows: [['bid', 1000, 2]] }, { t: 4, rows: [['bid', 1000, 0]] }],
        [
          { t: 3, px: 1000, lots: 3, sell: true },
          { t: 3, px: 1001, lots: 9, sell: false },
          { t: 4, px: 1000, lots: 3, sell: true },
          { t: 5, px: 1000, lots: 5, sell: true },
        ],
      ),
    );
    v.advanceTo(2);
    const id = v.placeLimit({ side: 'BUY', price: 100.0, qty: 0.002 }, 2);
    v.advanceTo(2);
    expect(v.queueAhead(id)).toBe(0.005);
    v.advanceTo(3);
    // The print at T=3 went first, so the depth update at T=3 is the print, not a cancel.
    expect(v.queueAhead(id)).toBe(0.002);
    expect(fills(v.drainReports())).toEqual([]);
    v.advanceTo(10);
    const rs = v.drainReports();
    expect(fills(rs)).toEqual([
      [4, 100, 0.001, 'maker'],
      [5, 100, 0.001, 'maker'],
    ]);
    const last = rs[rs.length - 1]!;
    expect(
      last.kind === 'fill' && last.leavesQty === 0 && last.tradeId === 4 && last.fillId === `${id}:2`,
    ).toBe(true);
  });

  it('walks the book for a market order and cancels what a thin book cannot fill', () => {
    const v = venue(handFeeds(book, [sync], []));
    v.advanceTo(1);
    const id = v.placeMarket({ side: 'BUY', qty: 0.01 }, 1);
    v.advanceTo(1);
    const rs = v.drainReports();
    expect(fills(rs)).toEqual([
      [1, 100.1, 0.002, 'taker'],
      [1, 100.2, 0.003, 'taker'],
    ]);
    expect(rs[rs.length - 1]).toMatchObject({
      kind: 'cancelled',
      orderId: id,
      reason: 'book-thin',
      cancelledQty: 0.005,
    });
  });

  it('rests the remainder of a marketable limit order, rejects a crossing post-only, honours IOC and FOK', () => {
    const v = venue(handFeeds(book, [sync], [{ t: 5, px: 1001, lots: 1, sell: true }]));
    v.advanceTo(1);
    const gtc = v.placeLimit({ side: 'BUY', price: 100.1, qty: 0.004 }, 1);
    const post = v.placeLimit({ side: 'BUY', price: 100.1, qty: 0.001, postOnly: true }, 1);
    const ioc = v.placeLimit({ side: 'SELL', price: 99.9, qty: 0.01, timeInForce: 'IOC' }, 1);
    const fok = v.placeLimit({ side: 'SELL', price: 99.9, qty: 0.01, timeInForce: 'FOK' }, 1);
    v.advanceTo(1);
    expect(v.queueAhead(gtc)).toBe(0);
    v.advanceTo(5);
    const rs = v.drainReports();
    const of = (id: string) =>
      rs.filter((r) => r.orderId === id).map((r) => (r.kind === 'fill' ? `${r.qty}@${r.price}` : r.kind));
    expect(of(gtc)).toEqual(['accepted', '0.002@100.1', '0.001@100.1']);
    expect(rs.find((r) => r.orderId === post)).toMatchObject({ kind: 'rejected', reason: 'would-take' });
    expect(of(ioc)).toEqual(['accepted', '0.005@100', '0.004@99.9', 'cancelled']);
    expect(of(fok)).toEqual(['accepted', 'cancelled']);
  });

  it('refuses off-grid prices and quantities instead of rounding them', () => {
    const v = venue(handFeeds(book, [sync], []));
    expect(() => v.placeLimit({ side: 'BUY', price: 100.05, qty: 0.001 }, 0)).toThrow(/tick grid/);
    expect(() => v.placeMarket({ side: 'BUY', qty: 0.0015 }, 0)).toThrow(/whole number of lots/);
    expect(() => v.placeLimit({ side: 'BUY', price: 6180.3, qty: 0.003 }, 0)).not.toThrow();
  });

  it('refuses orders before the book has synced', () => {
    const v = venue(handFeeds(book, [{ ...sync, t: 5 }], []));
    v.placeLimit({ side: 'BUY', price: 100, qty: 0.001 }, 0);
    v.advanceTo(0);
    expect(v.drainReports()).toMatchObject([{ kind: 'rejected', reason: 'book-not-synced' }]);
  });
});

describe('tick venue: conditional orders', () => {
  it('arms a stop unseen, triggers it on the print that crosses it and walks the book as a market order', () => {
    const v = venue(
      handFeeds(
        book,
        [sync],
        [
          { t: 3, px: 1001, lots: 1, sell: false },
          { t: 5, px: 1002, lots: 1, sell: false },
        ],
      ),
    );
    v.advanceTo(1);
    // A buy stop at 100.2 (a short's protective stop) and a sell take-profit at 100.1.
    const stop = v.placeStop({ side: 'BUY', kind: 'stop', stopPrice: 100.2, qty: 0.004 }, 1);
    const tp = v.placeStop({ side: 'SELL', kind: 'take-profit', stopPrice: 100.1, qty: 0.001 }, 1);
    v.advanceTo(4);
    const early = v.drainReports();
    expect(early.filter((r) => r.orderId === stop).map((r) => r.kind)).toEqual(['accepted']);
    // The print at 100.1 reached the take-profit: it sold into the bids at once.
    expect(early.filter((r) => r.orderId === tp)).toEqual([
      { kind: 'accepted', orderId: tp, time: 1, receivedAt: 1 },
      { kind: 'triggered', orderId: tp, time: 3, receivedAt: 3, triggerPrice: 100.1 },
      expect.objectContaining({ kind: 'fill', price: 100, qty: 0.001, liquidity: 'taker', leavesQty: 0 }),
    ]);
    v.advanceTo(10);
    const rs = v.drainReports();
    expect(rs[0]).toEqual({ kind: 'triggered', orderId: stop, time: 5, receivedAt: 5, triggerPrice: 100.2 });
    expect(fills(rs)).toEqual([
      [5, 100.1, 0.002, 'taker'],
      [5, 100.2, 0.002, 'taker'],
    ]);
  });

  it('refuses a stop the last price has already crossed, and cancels an armed one', () => {
    const v = venue(handFeeds(book, [sync], [{ t: 2, px: 1001, lots: 1, sell: false }]));
    v.advanceTo(3);
    const late = v.placeStop({ side: 'BUY', kind: 'stop', stopPrice: 100, qty: 0.001 }, 3);
    const armed = v.placeStop({ side: 'SELL', kind: 'stop', stopPrice: 99, qty: 0.001 }, 3);
    v.cancel(armed, 4);
    v.advanceTo(5);
    expect(v.drainReports().map((r) => [r.orderId, r.kind, 'reason' in r ? r.reason : ''])).toEqual([
      [late, 'rejected', 'would-trigger'],
      [armed, 'accepted', ''],
      [armed, 'cancelled', 'user'],
    ]);
  });
});

describe('tick venue: merge order and impact', () => {
  it('puts an order arriving in the same millisecond as a print after it, and after that ms depth', () => {
    const v = venue(
      handFeeds(
        book,
        [sync, { t: 5, rows: [['bid', 1000, 9]] }],
        [
          { t: 5, px: 1000, lots: 5, sell: true },
          { t: 6, px: 1000, lots: 9, sell: true },
        ],
      ),
      {
        latency: {
          submit: { baseMs: 3, jitterMs: 0 },
          ack: { baseMs: 0, jitterMs: 0 },
          cancel: { baseMs: 0, jitterMs: 0 },
        },
      },
    );
    v.advanceTo(2);
    const id = v.placeLimit({ side: 'BUY', price: 100, qty: 0.001 }, 2);
    v.advanceTo(5);
    // Arrived at 5 behind the 9 lots the depth message at 5 displays; the print at 5 was before it.
    expect(v.queueAhead(id)).toBe(0.009);
    v.advanceTo(6);
    expect(fills(v.drainReports())).toEqual([]);
  });

  it('moves taker fills against the taker by λ·√notional, rounded outward to the tick grid', () => {
    const v = venue(handFeeds(book, [sync], []), { impactLambda: 1e-3 });
    v.advanceTo(1);
    v.placeMarket({ side: 'BUY', qty: 0.002 }, 1);
    v.placeMarket({ side: 'SELL', qty: 0.002 }, 1);
    v.advanceTo(1);
    // Notional ≈ 0.2 USDT: 1e-3 · √0.2 ≈ 0.045 % of 100.1, rounded out to a whole tick.
    expect(fills(v.drainReports())).toEqual([
      [1, 100.2, 0.002, 'taker'],
      [1, 99.9, 0.002, 'taker'],
    ]);
  });
});

describe('tick venue: latency', () => {
  const latency = {
    submit: { baseMs: 10, jitterMs: 0 },
    ack: { baseMs: 3, jitterMs: 0 },
    cancel: { baseMs: 1, jitterMs: 0 },
  };

  it('lets a cancel overtake its order, and an order fill while its cancel is in flight', () => {
    const v = venue(handFeeds(book, [sync], [{ t: 30, px: 999, lots: 1, sell: true }]), {
      latency: { ...latency, cancel: { baseMs: 5, jitterMs: 0 } },
    });
    v.advanceTo(2);
    const a = v.placeLimit({ side: 'BUY', price: 100, qty: 0.001 }, 2);
    v.cancel(a, 3);
    v.advanceTo(15);
    const b = v.placeLimit({ side: 'BUY', price: 100, qty: 0.001 }, 15);
    v.advanceTo(28);
    v.cancel(b, 28);
    v.advanceTo(40);
    expect(v.drainReports()).toEqual([
      { kind: 'cancel-rejected', orderId: a, time: 8, receivedAt: 11, reason: 'not-open' },
      { kind: 'accepted', orderId: a, time: 12, receivedAt: 15 },
      { kind: 'accepted', orderId: b, time: 25, receivedAt: 28 },
      // A print through the bids at 99.9 fills both bids at 100.0 whatever their queue.
      expect.objectContaining({ kind: 'fill', orderId: a, time: 30, receivedAt: 33, price: 100, qty: 0.001 }),
      expect.objectContaining({ kind: 'fill', orderId: b, time: 30 }),
      { kind: 'cancel-rejected', orderId: b, time: 33, receivedAt: 36, reason: 'not-open' },
    ]);
  });
});

describe('tick venue: invariants over random ticks and orders', () => {
  const trade = fc.record({
    dt: fc.integer({ min: 0, max: 3 }),
    px: fc.integer({ min: 995, max: 1006 }),
    lots: fc.integer({ min: 1, max: 6 }),
    sell: fc.boolean(),
  });
  const depth = fc.record({
    dt: fc.integer({ min: 0, max: 3 }),
    rows: fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 9 })), {
      minLength: 1,
      maxLength: 4,
    }),
  });
  const order = fc.record({
    at: fc.integer({ min: 0, max: 60 }),
    market: fc.boolean(),
    buy: fc.boolean(),
    off: fc.integer({ min: -2, max: 3 }),
    lots: fc.integer({ min: 1, max: 12 }),
    cancelAfter: fc.option(fc.integer({ min: 0, max: 20 })),
  });

  it('fills never exceed the order size, maker fills sit at the limit price, and a rerun with the seed is identical', () => {
    fc.assert(
      fc.property(
        fc.array(trade, { maxLength: 40 }),
        fc.array(depth, { maxLength: 40 }),
        fc.array(order, { maxLength: 8 }),
        fc.integer(),
        (ts, ds, os, seed) => {
          const clock = (dts: readonly number[]): number[] => {
            let t = 1;
            return dts.map((dt) => {
              t += dt;
              return t;
            });
          };
          const tt = clock(ts.map((x) => x.dt));
          const trades = ts.map((x, i) => ({ t: tt[i]!, px: x.px, lots: x.lots, sell: x.sell }));
          const dt = clock(ds.map((d) => d.dt));
          // Bids below 1001, asks from 1001 up: the generated book itself never crosses.
          const msgs = ds.map((d, i) => ({
            t: dt[i]!,
            rows: d.rows.map(
              ([ask, off, lots]) => [ask ? 'ask' : 'bid', ask ? 1001 + off : 1000 - off, lots] as const,
            ),
          }));
          const feeds = handFeeds(book, [sync, ...msgs], trades);
          const run = () => {
            const v = venue(feeds, {
              seed,
              latency: {
                submit: { baseMs: 1, jitterMs: 2 },
                ack: { baseMs: 1, jitterMs: 2 },
                cancel: { baseMs: 1, jitterMs: 2 },
              },
            });
            const sizes = new Map<string, { lots: number; px: number }>();
            const sorted = [...os].sort((a, b) => a.at - b.at);
            const cancels: Array<{ at: number; id: string }> = [];
            for (const o of sorted) {
              v.advanceTo(o.at);
              const now = Math.max(o.at, v.now);
              const side = o.buy ? 'BUY' : 'SELL';
              const px = (o.buy ? 1000 + o.off : 1001 - o.off) / 10;
              const id = o.market
                ? v.placeMarket({ side, qty: o.lots / 1000 }, now)
                : v.placeLimit({ side, price: px, qty: o.lots / 1000 }, now);
              sizes.set(id, { lots: o.lots, px });
              if (o.cancelAfter !== null) cancels.push({ at: now + o.cancelAfter, id });
            }
            for (const c of cancels.sort((a, b) => a.at - b.at)) {
              v.advanceTo(c.at);
              v.cancel(c.id, Math.max(c.at, v.now));
            }
            v.advanceTo(Number.POSITIVE_INFINITY);
            expect(v.book.crossed()).toBe(false);
            return { reports: v.drainReports(), sizes };
          };
          const a = run();
          expect(run().reports).toEqual(a.reports);
          const filled = new Map<string, number>();
          for (const r of a.reports) {
            if (r.kind !== 'fill') continue;
            filled.set(r.orderId, (filled.get(r.orderId) ?? 0) + Math.round(r.qty * 1000));
            if (r.liquidity === 'maker') expect(r.price).toBe(a.sizes.get(r.orderId)!.px);
          }
          for (const [id, lots] of filled) expect(lots).toBeLessThanOrEqual(a.sizes.get(id)!.lots);
        },
      ),
      { numRuns: 150 },
    );
  });
});
