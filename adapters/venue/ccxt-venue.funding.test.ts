import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VenueFunding } from '../../domain/ledger/venue-port.js';
import { settleReports, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

/**
 * Funding as the exchange charged it: the fake settles funding as Binance does (the wallet moves, an income
 * record is kept, the stream gets the brief ACCOUNT_UPDATE with no symbol) and the venue reports each record
 * once, from the stream's word or, after a gap, from the listing a reconnect makes.
 */

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
  h.fake.engine.setPrice('BTCUSDT', '100000');
});
afterEach(async () => {
  await h?.close();
});

/** A long of 0.003 BTC, its reports taken. */
const openLong = async (): Promise<void> => {
  h.venue.submit(
    venueOrder({ clientOrderId: 'entry', side: 'BUY', type: 'MARKET', quantity: '0.003' }),
    h.clock.t,
  );
  await settleReports(h, 2);
};

const fundingReports = async (n: number): Promise<VenueFunding[]> => {
  await until(
    () => h.venue.received >= 2 + n,
    () => `${n} funding reports (have ${h.venue.received - 2})`,
  );
  await h.venue.idle();
  return h.venue.poll(h.clock.t).filter((r): r is VenueFunding => r.kind === 'funding');
};

describe('CcxtVenue on Binance USDⓈ-M (fake server): funding the exchange charged', () => {
  it("reports the exchange's figure once, at the funding time, signed as the wallet moved", async () => {
    await openLong();
    expect(h.venue.reportsFunding).toBe(true);
    // Settled just now: the exchange says so on the stream once it has booked it, never ahead of time.
    const fundingTime = Date.now() - 1;
    // The exchange's mark carries more places than the tick: its figure is not the ledger's estimate.
    const charged = h.fake.engine.chargeFunding('BTCUSDT', '0.0001', '100012.34567891', fundingTime);
    expect(charged).toBe('-0.0300037');
    const [r, ...rest] = await fundingReports(1);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({
      kind: 'funding',
      symbol: 'BTCUSDT',
      amount: '-0.0300037',
      asset: 'USDT',
      time: fundingTime,
      clientOrderId: `funding:${r!.incomeId}`,
    });
    // Another settlement lists again from the last record: the first is not reported twice.
    h.fake.engine.chargeFunding('BTCUSDT', '-0.0002', '100000', fundingTime + 1);
    await until(() => h.venue.received >= 4, 'the second funding report');
    await h.venue.idle();
    const second = h.venue.poll(h.clock.t);
    expect(second.map((x) => (x.kind === 'funding' ? x.amount : x.kind))).toEqual(['0.06']);
  });

  it('lists what was charged while the stream was down once it is back', async () => {
    await openLong();
    h.fake.dropUserStreams({ refuse: true });
    await until(() => h.fake.userStreams === 0, 'the stream to drop');
    const fundingTime = Date.now() + 10;
    h.fake.engine.chargeFunding('BTCUSDT', '0.0001', '100000', fundingTime);
    await new Promise((r) => setTimeout(r, 50));
    expect(h.venue.received).toBe(2);
    h.fake.allowUserStreams();
    const [r] = await fundingReports(1);
    expect(r).toMatchObject({ amount: '-0.03', time: fundingTime });
  });

  it('tries a failed listing again, and reports nothing twice when the stream repeats itself', async () => {
    await openLong();
    h.fake.fault({
      method: 'GET',
      path: '/fapi/v1/income',
      action: 'garbage',
      status: 500,
      body: 'oops',
      times: 2,
    });
    const push = h.fake.engine.onEvent;
    h.fake.engine.onEvent = (e) => {
      push(e);
      push(e);
    };
    h.fake.engine.chargeFunding('BTCUSDT', '0.0001', '100000', Date.now() + 10);
    const rs = await fundingReports(1).catch((e) => {
      throw new Error(`${e.message}; log: ${h.log.join(' | ')}`);
    });
    expect(rs.map((x) => x.amount)).toEqual(['-0.03']);
    // Each failure in a row waits twice as long as the last (50 ms in this harness).
    expect(
      h.log.filter((l) => l.includes('listing funding records failed')).map((l) => l.split('; ')[1]),
    ).toEqual(['trying again in 50 ms', 'trying again in 100 ms']);
    await new Promise((r) => setTimeout(r, 100));
    await h.venue.idle();
    expect(h.venue.poll(h.clock.t)).toEqual([]);
  });
});
