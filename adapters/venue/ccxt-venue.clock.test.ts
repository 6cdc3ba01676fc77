import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from './testing/fake-binance.js';
import { settleReports, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

/**
 * Binance refuses a signed request whose timestamp is more than a second ahead of its clock or older than
 * the recvWindow (-1021). The fake exchange runs on a clock set apart from this machine's.
 */

let h: Harness | null = null;
let fake: FakeBinance | null = null;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = null;
  fake = null;
});

/** The exchange's clock, `ahead` ms ahead of this machine's (negative: behind). */
const exchangeAhead = async (ahead: { ms: number }) => {
  fake = await FakeBinance.start({ now: () => Date.now() + ahead.ms });
  fake.engine.setPrice('BTCUSDT', '100000');
  return fake;
};

/**
 * How far a measured offset may be from the true one: the exchange's reply is taken at the middle of a
 * round trip that a loaded machine stretches; the skews set here are seconds.
 */
const TOLERANCE_MS = 500;

const market = (id: string) =>
  venueOrder({ clientOrderId: id, side: 'BUY', type: 'MARKET', quantity: '0.002' });

describe("CcxtVenue on Binance USDⓈ-M (fake server): the exchange's clock", () => {
  for (const ms of [8_000, -3_000])
    it(`signs on the exchange's clock when this machine's is ${Math.abs(ms) / 1000} s ${ms > 0 ? 'behind' : 'ahead'}`, async () => {
      const samples: number[] = [];
      h = await openHarness({ fake: await exchangeAhead({ ms }), onClock: (c) => samples.push(c.offsetMs) });
      expect(Math.abs(h.session.clockOffsetMs + ms)).toBeLessThan(TOLERANCE_MS);
      expect(samples).toHaveLength(1);
      expect(Math.abs(h.session.now() - h.fake.engine.time())).toBeLessThan(TOLERANCE_MS);
      h.venue.submit(market('skewed'), h.clock.t);
      const reports = await settleReports(h, 2);
      expect(reports.map((r) => r.kind)).toEqual(['accepted', 'fill']);
      expect(h.fake.requests.filter((r) => r.status !== 200 && r.path !== '/fapi/v1/marginType')).toEqual([]);
    });

  it('measures again when Binance refuses a timestamp (the host clock jumped), and places the order once', async () => {
    const ahead = { ms: 0 };
    h = await openHarness({ fake: await exchangeAhead(ahead) });
    h.venue.submit(market('before'), h.clock.t);
    await settleReports(h, 2);
    // This machine's clock falls 7 s behind the exchange's: its timestamps are now too old.
    ahead.ms = 7_000;
    h.venue.submit(market('after'), h.clock.t);
    const reports = await settleReports(h, 4);
    expect(reports.filter((r) => r.clientOrderId === 'after').map((r) => r.kind)).toEqual([
      'accepted',
      'fill',
    ]);
    const placed = h.fake.requests.filter((r) => r.method === 'POST' && r.path === '/fapi/v1/order');
    expect(placed.map((r) => r.status)).toEqual([200, 400, 200]);
    expect(h.log.some((l) => l.includes("a request's timestamp was refused (-1021)"))).toBe(true);
    expect(Math.abs(h.session.clockOffsetMs + 7_000)).toBeLessThan(TOLERANCE_MS);
  });
});
