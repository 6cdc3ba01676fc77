import { afterEach, describe, expect, it } from 'vitest';
import type { VenueReport } from '../../domain/ledger/venue-port.js';
import { brief, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

/**
 * A new process follows orders an earlier one placed (AdoptingVenue.adopt): a second CcxtVenue on the same
 * fake account looks them up by clientOrderId and reports only what the ledger has not booked.
 */
let earlier: Harness | null = null;
let later: Harness | null = null;
afterEach(async () => {
  await later?.close();
  await earlier?.close();
  earlier = later = null;
});

const reportsOf = async (h: Harness, n: number, ms = 5000): Promise<readonly VenueReport[]> => {
  await until(
    () => h.venue.received >= n,
    () => `${n} reports (have ${h.venue.received})`,
    ms,
  );
  await h.venue.idle();
  return h.venue.poll(h.clock.t);
};

describe('CcxtVenue adopting an earlier process’s orders (fake Binance)', () => {
  it('reports the fills the ledger missed, once, and nothing it had booked', async () => {
    earlier = await openHarness();
    const fake = earlier.fake;
    fake.engine.setPrice('BTCUSDT', '100000');
    fake.engine.setDepth('BTCUSDT', '0.001');
    // A market order that walks three levels: three trades at the exchange.
    // An id longer than Binance takes: the later process finds it under the same short one.
    const order = venueOrder({
      clientOrderId: 'real-bollinger-rsi-a1b2c3-202303011100-17',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.003',
    });
    earlier.venue.submit(order, earlier.clock.t);
    const seen = await reportsOf(earlier, 4);
    const fills = seen.filter((r) => r.kind === 'fill');
    expect(fills).toHaveLength(3);
    // The earlier process booked the acceptance and the first fill, then went away.
    later = await openHarness({ fake });
    later.venue.adopt(
      order,
      {
        accepted: true,
        triggered: false,
        filled: fills[0]!.kind === 'fill' ? fills[0]!.quantity : '0',
        tradeIds: [fills[0]!.kind === 'fill' ? fills[0]!.tradeId : ''],
      },
      later.clock.t,
    );
    const next = await reportsOf(later, 2);
    expect(brief(next)).toEqual(brief(fills.slice(1)));
    expect(next.map((r) => (r.kind === 'fill' ? r.tradeId : r.kind))).toEqual(
      fills.slice(1).map((r) => (r.kind === 'fill' ? r.tradeId : r.kind)),
    );
    // Adopting twice is the caller's mistake, said at once.
    expect(() =>
      later!.venue.adopt(
        order,
        { accepted: true, triggered: false, filled: '0', tradeIds: [] },
        later!.clock.t,
      ),
    ).toThrow(/already followed/);
  });

  it('reads every trade of an order of more trades than Binance lists in one page', async () => {
    earlier = await openHarness();
    const fake = earlier.fake;
    fake.engine.setPrice('BTCUSDT', '100000');
    fake.engine.setDepth('BTCUSDT', '0.001');
    // 1,234 levels walked: 1,234 trades, more than one page of GET /fapi/v1/userTrades (1,000 at most).
    const order = venueOrder({
      clientOrderId: 'many-trades-1',
      side: 'BUY',
      type: 'MARKET',
      quantity: '1.234',
    });
    earlier.venue.submit(order, earlier.clock.t);
    await until(
      () => fake.engine.trades().length === 1234,
      () => `1234 trades at the exchange (have ${fake.engine.trades().length})`,
    );
    // Its stream has carried all 1,234 messages before the next process dials in: on a busy machine the
    // earlier connection parsing them would hold up the next one's first calls (one test process hosts both).
    await until(
      () => earlier!.venue.received >= 1235,
      () => `the earlier connection's reports (have ${earlier!.venue.received})`,
      30_000,
    );
    await earlier.venue.idle();
    // The process that placed it went away before it booked anything but the acceptance.
    later = await openHarness({ fake });
    later.venue.adopt(order, { accepted: true, triggered: false, filled: '0', tradeIds: [] }, later.clock.t);
    const next = await reportsOf(later, 1234, 30_000);
    const fills = next.flatMap((r) => (r.kind === 'fill' ? [r] : []));
    expect(fills).toHaveLength(1234);
    expect(new Set(fills.map((r) => r.tradeId)).size).toBe(1234);
    expect(fills.at(-1)?.remaining).toBe('0');
  }, 30_000);

  it('ends an order the exchange does not know: expired if it had been accepted, rejected if not', async () => {
    later = await openHarness();
    later.fake.engine.setPrice('BTCUSDT', '100000');
    const gone = venueOrder({ clientOrderId: 'gone-1', side: 'BUY', type: 'LIMIT', price: '90000' });
    const never = venueOrder({ clientOrderId: 'never-1', side: 'BUY', type: 'LIMIT', price: '90000' });
    later.venue.adopt(gone, { accepted: true, triggered: false, filled: '0', tradeIds: [] }, later.clock.t);
    later.venue.adopt(never, { accepted: false, triggered: false, filled: '0', tradeIds: [] }, later.clock.t);
    const r = await reportsOf(later, 2);
    expect(brief(r).sort()).toEqual([
      'gone-1 expired: binanceusdm has no order gone-1 any more',
      'never-1 rejected: binanceusdm has no order never-1 any more',
    ]);
  });
});
