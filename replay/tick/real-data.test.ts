import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BookTickerTape,
  sharedBookTicker,
  sharedTickData,
  type TickData,
} from '../../adapters/marketdata/tick-data.js';
import { L2Book } from '../../domain/sim/l2-book.js';
import { priceToTicks, tickScale } from '../../domain/sim/scale.js';
import { TickVenue } from './tick-venue.js';
import type { TickReport } from './types.js';

/** The six-minute Binance BTCUSDT capture in ../shared/data (trades, diff depth, snapshot, bookTicker). */
const scale = tickScale('0.10', '0.001');
let data: TickData;
let ticker: BookTickerTape;
beforeAll(() => {
  data = sharedTickData('BTCUSDT', scale);
  ticker = sharedBookTicker('BTCUSDT', scale);
});

const feeds = () => ({ trades: data.trades, snapshot: data.snapshot, depth: data.depth });

describe('real BTCUSDT capture: book rebuild', () => {
  it('syncs by the Binance rule, never crosses, and matches every bookTicker published at a depth update id', () => {
    const book = new L2Book();
    const s = data.snapshot;
    book.resetToSnapshot(s.lastUpdateId);
    for (let i = 0; i < s.lots.length; i++)
      book.setLevel(s.isAsk[i] ? 'ask' : 'bid', s.priceTicks[i]!, s.lots[i]!);
    const tickerAt = new Map<number, number>();
    for (let i = 0; i < ticker.length; i++) tickerAt.set(ticker.updateId[i]!, i);
    const dp = data.depth;
    let dropped = 0;
    let compared = 0;
    for (let m = 0; m < dp.messages; m++) {
      if (book.beginMessage(dp.firstId[m]!, dp.lastId[m]!, dp.prevId[m]!) === 'drop') {
        dropped++;
        continue;
      }
      for (let r = dp.rowStart[m]!; r < dp.rowStart[m + 1]!; r++)
        book.setLevel(dp.isAsk[r] ? 'ask' : 'bid', dp.priceTicks[r]!, dp.lots[r]!);
      expect(book.crossed()).toBe(false);
      const i = tickerAt.get(dp.lastId[m]!);
      if (i === undefined) continue;
      compared++;
      expect([book.bestBid(), book.bids.bestQty(), book.bestAsk(), book.asks.bestQty()]).toEqual([
        ticker.bidTicks[i],
        ticker.bidLots[i],
        ticker.askTicks[i],
        ticker.askLots[i],
      ]);
    }
    // The capture starts before the snapshot: its first four messages are older than lastUpdateId.
    expect(dropped).toBe(4);
    expect(compared).toBeGreaterThan(500);
  });

  it('names the ids when a message is missing from the stream', () => {
    const dp = data.depth;
    const skip = 100;
    const v = new TickVenue(
      {
        ...feeds(),
        depth: {
          ...dp,
          // Message `skip` is replaced by a copy of its successor, so the successor's pu no longer chains.
          firstId: dp.firstId.map((x, m) => (m === skip ? dp.firstId[m + 1]! : x)),
          lastId: dp.lastId.map((x, m) => (m === skip ? dp.lastId[m + 1]! : x)),
          prevId: dp.prevId.map((x, m) => (m === skip ? dp.prevId[m + 1]! : x)),
        },
      },
      { symbol: 'BTCUSDT', scale, seed: 1 },
    );
    expect(() => v.advanceTo(Number.POSITIVE_INFINITY)).toThrow(
      `depth gap: update U=${dp.firstId[skip + 1]} u=${dp.lastId[skip + 1]} has pu=${dp.prevId[skip + 1]} but the previous update ended at u=${dp.lastId[skip - 1]}`,
    );
  });
});

describe('real BTCUSDT capture: fills', () => {
  it('fills a bid resting at the best bid only after the queue ahead has traded or been cancelled', () => {
    const tr = data.trades;
    const dp = data.depth;
    let checked = 0;
    for (let k = 0; k < 10; k++) {
      const v = new TickVenue(feeds(), { symbol: 'BTCUSDT', scale, seed: 1 });
      const placedAt = data.snapshot.time + 5_000 + k * 30_000;
      v.advanceTo(placedAt);
      const price = v.bestBid();
      const px = priceToTicks(scale, price);
      const id = v.placeLimit({ side: 'BUY', price, qty: 0.05 }, placedAt);
      v.advanceTo(placedAt);
      const queue0 = v.queueAhead(id)!;
      expect(queue0).toBeGreaterThan(0);
      let firstFill: (TickReport & { kind: 'fill' }) | null = null;
      while (!v.exhausted && firstFill === null) {
        v.advanceTo(v.nextEventTime());
        for (const r of v.drainReports()) if (r.kind === 'fill' && firstFill === null) firstFill = r;
      }
      if (firstFill === null) continue;
      checked++;
      // Independent of the model: what the raw data says happened at our price between placement and the fill.
      let soldAt = 0;
      let soldThrough = 0;
      for (let i = 0; i < tr.length; i++) {
        if (tr.time[i]! <= placedAt || tr.time[i]! > firstFill.time) continue;
        if (tr.priceTicks[i]! < px) soldThrough += tr.lots[i]!;
        else if (tr.priceTicks[i] === px && tr.sellerTaker[i] === 1) soldAt += tr.lots[i]!;
      }
      let decreases = 0;
      let level = Math.round(queue0 * 1000);
      for (let m = 0; m < dp.messages; m++) {
        if (dp.time[m]! <= placedAt || dp.time[m]! > firstFill.time) continue;
        for (let r = dp.rowStart[m]!; r < dp.rowStart[m + 1]!; r++) {
          if (dp.isAsk[r] === 1 || dp.priceTicks[r] !== px) continue;
          decreases += Math.max(0, level - dp.lots[r]!);
          level = dp.lots[r]!;
        }
      }
      const print = tr.tradeId.indexOf(firstFill.tradeId!);
      expect(firstFill).toMatchObject({ price, liquidity: 'maker', time: tr.time[print] });
      // Only a seller hitting our price, or any print below it, can fill a bid.
      expect(tr.priceTicks[print]! < px || (tr.priceTicks[print] === px && tr.sellerTaker[print] === 1)).toBe(
        true,
      );
      if (soldThrough === 0) {
        // Filled at its own price: prints there consumed what cancels had not, and the fill is no larger than the excess.
        expect(soldAt).toBeGreaterThan(0);
        expect(soldAt + decreases).toBeGreaterThanOrEqual(
          Math.round(queue0 * 1000) + Math.round(firstFill.qty * 1000),
        );
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('walks the real book for a market order: from the best ask outwards, never more than is displayed', () => {
    const v = new TickVenue(feeds(), { symbol: 'BTCUSDT', scale, seed: 1 });
    const t = data.snapshot.time + 60_000;
    v.advanceTo(t);
    const bestAsk = v.bestAsk();
    let displayed = 0;
    let levels = 0;
    v.book.asks.forEachLevel((_, lots) => {
      displayed += lots;
      levels++;
      return levels < 3;
    });
    const qty = displayed / 1000 + 0.5; // deeper than the first three levels
    v.placeMarket({ side: 'BUY', qty }, t);
    v.advanceTo(t);
    const fills = v.drainReports().filter((r): r is TickReport & { kind: 'fill' } => r.kind === 'fill');
    expect(fills[0]!.price).toBe(bestAsk);
    expect(fills.length).toBeGreaterThan(3);
    for (let i = 1; i < fills.length; i++) expect(fills[i]!.price).toBeGreaterThan(fills[i - 1]!.price);
    const lots = fills.reduce((a, f) => a + Math.round(f.qty * 1000), 0);
    expect(lots).toBe(Math.round(qty * 1000));
    const huge = v.placeMarket({ side: 'SELL', qty: 1_000_000 }, t);
    v.advanceTo(t);
    const sold = v.drainReports().filter((r) => r.orderId === huge);
    const soldLots = sold.reduce((a, r) => a + (r.kind === 'fill' ? Math.round(r.qty * 1000) : 0), 0);
    expect(soldLots).toBe(v.book.bids.total());
    expect(sold[sold.length - 1]).toMatchObject({ kind: 'cancelled', reason: 'book-thin' });
  });

  it('gives the same reports for the same seed and different latencies for another', () => {
    const run = (seed: number): TickReport[] => {
      const v = new TickVenue(feeds(), {
        symbol: 'BTCUSDT',
        scale,
        seed,
        latency: {
          submit: { baseMs: 5, jitterMs: 20 },
          ack: { baseMs: 5, jitterMs: 20 },
          cancel: { baseMs: 5, jitterMs: 20 },
        },
      });
      const out: TickReport[] = [];
      for (let t = data.snapshot.time + 1_000; !v.exhausted; t += 2_000) {
        v.advanceTo(t);
        out.push(...v.drainReports());
        const bid = v.placeLimit({ side: 'BUY', price: v.bestBid(), qty: 0.02 }, t);
        v.placeLimit({ side: 'SELL', price: v.bestAsk(), qty: 0.02 }, t);
        v.cancel(bid, t + 1_500);
      }
      v.advanceTo(Number.POSITIVE_INFINITY);
      return [...out, ...v.drainReports()];
    };
    const a = run(42);
    expect(a.filter((r) => r.kind === 'fill').length).toBeGreaterThan(50);
    expect(run(42)).toEqual(a);
    expect(run(43)).not.toEqual(a);
  });
});
