import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeBinance } from './testing/fake-binance.js';
import { brief, settleReports, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
  h.fake.engine.setPrice('BTCUSDT', '100000');
});
afterEach(async () => {
  await h?.close();
});

const settle = (n: number) => settleReports(h, n);

/** A long of 0.003 BTC with a resting take-profit and a reduce-only stop at the exchange. */
const openLong = async (): Promise<void> => {
  const v = h.venue;
  v.submit(venueOrder({ clientOrderId: 'entry', side: 'BUY', type: 'MARKET', quantity: '0.003' }), h.clock.t);
  await settle(2);
  v.submit(
    venueOrder({
      clientOrderId: 'tp',
      side: 'SELL',
      type: 'LIMIT',
      price: '110000',
      quantity: '0.003',
      reduceOnly: true,
    }),
    h.clock.t,
  );
  v.submit(
    venueOrder({
      clientOrderId: 'sl',
      side: 'SELL',
      type: 'STOP_MARKET',
      stopPrice: '90000',
      quantity: '0.003',
      reduceOnly: true,
    }),
    h.clock.t,
  );
  await settle(4);
};

describe("CcxtVenue on Binance USDⓈ-M (fake server): the exchange's own closing orders", () => {
  it('reports a liquidation as a forced fill, after the ends of the orders the exchange expired first', async () => {
    await openLong();
    h.fake.engine.forceClose('BTCUSDT', 'liquidation', { price: '95000' });
    const rs = await settle(7);
    expect(brief(rs)).toEqual([
      'tp expired: expired by the venue',
      'sl expired: expired by the venue',
      'liquidation SELL 0.003 BTCUSDT@95000 fee 0.1425',
    ]);
    const f = rs.at(-1)!;
    expect(f).toMatchObject({ kind: 'forced', venueOrderId: expect.stringMatching(/^\d+$/) });
    expect(f.clientOrderId).toMatch(/^autoclose-/);
    expect(h.fake.engine.position('BTCUSDT')).toBe(0n);
    expect(h.venue.unmatched).toBe(0);
  });

  it('reports the clearance fee the exchange took when it liquidated, once, as what was taken', async () => {
    await openLong();
    h.fake.engine.forceClose('BTCUSDT', 'liquidation', { price: '95000', clearanceRate: '0.0125' });
    const rs = await settle(8);
    // 0.003 × 95,000 × 1.25 % = 3.5625 USDT, after the expiries and the closing trade.
    expect(brief(rs).slice(-2)).toEqual([
      'liquidation SELL 0.003 BTCUSDT@95000 fee 0.1425',
      expect.stringMatching(/^clearance-fee BTCUSDT 3\.5625 USDT @\d+$/),
    ]);
    expect(rs.at(-1)!.clientOrderId).toMatch(/^clearance:\d+$/);
    expect(h.log.some((l) => l.includes('liquidation clearance fee 3.5625 USDT on BTCUSDT'))).toBe(true);
  });

  it('reports an ADL, part of the position, with the commission the exchange took (none)', async () => {
    await openLong();
    h.fake.engine.forceClose('BTCUSDT', 'adl', { quantity: '0.001', price: '101000' });
    const rs = await settle(5);
    expect(brief(rs)).toEqual(['adl SELL 0.001 BTCUSDT@101000 fee 0']);
    expect(rs[0]!.clientOrderId).toBe('adl_autoclose');
  });

  it('reports a closing trade once, however often the stream repeats it', async () => {
    await openLong();
    const push = h.fake.engine.onEvent;
    h.fake.engine.onEvent = (e) => {
      push(e);
      push(e);
    };
    h.fake.engine.forceClose('BTCUSDT', 'adl', { quantity: '0.002' });
    await settle(5);
    await new Promise((r) => setTimeout(r, 100));
    expect(brief(h.venue.poll(h.clock.t))).toEqual([]);
    expect(h.venue.received).toBe(5);
  });

  it('lists more than a page (100) of the closing orders the exchange made while nobody listened', async () => {
    // A clock a millisecond further on each time it is read: every closing order has its own time.
    let tick = 0;
    const fake = await FakeBinance.start({ now: () => Date.now() + tick++ });
    try {
      fake.engine.setPrice('BTCUSDT', '100000');
      fake.engine.setPosition('BTCUSDT', '1');
      for (let i = 0; i < 105; i++) fake.engine.forceClose('BTCUSDT', 'adl', { quantity: '0.001' });
      const later = await openHarness({ fake });
      try {
        const found = await later.venue.forcedFillsSince('BTCUSDT', 0);
        expect(found).toHaveLength(105);
        expect(new Set(found.map((f) => f.venueOrderId)).size).toBe(105);
        expect(found.map((f) => f.time)).toEqual([...found.map((f) => f.time)].sort((a, b) => a - b));
      } finally {
        await later.close();
      }
    } finally {
      await fake.close();
    }
  });
});
