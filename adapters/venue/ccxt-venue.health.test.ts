import { afterEach, describe, expect, it } from 'vitest';
import type { VenueCallSample } from './ccxt-venue.js';
import { settleReports, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe('CcxtVenue reports what the latency watch and the alerts need (design §14)', () => {
  it('times each order placed and cancelled, with how the venue answered', async () => {
    const calls: VenueCallSample[] = [];
    h = await openHarness({ onCall: (c) => calls.push(c), timeoutMs: 300 });
    const v = h.venue;
    v.submit(venueOrder({ clientOrderId: 'mkt', side: 'BUY', type: 'MARKET', quantity: '0.001' }), h.clock.t);
    v.submit(venueOrder({ clientOrderId: 'lim', side: 'BUY', type: 'LIMIT', price: '99000.5' }), h.clock.t);
    // FOK that cannot fill: the exchange refuses it (-5021).
    v.submit(
      venueOrder({ clientOrderId: 'fok', side: 'BUY', type: 'LIMIT', price: '99000', timeInForce: 'FOK' }),
      h.clock.t,
    );
    await settleReports(h, 4);
    v.cancel('lim', h.clock.t);
    await settleReports(h, 1);
    // The exchange acts but answers 250 ms late: the round trip says so.
    h.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'delay', ms: 250 });
    v.submit(
      venueOrder({ clientOrderId: 'slow', side: 'BUY', type: 'MARKET', quantity: '0.001' }),
      h.clock.t,
    );
    await settleReports(h, 2);
    // No answer at all: the client gives up at its timeout, and the call counts as unknown.
    h.fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'timeout' });
    v.submit(
      venueOrder({ clientOrderId: 'lost', side: 'BUY', type: 'MARKET', quantity: '0.001' }),
      h.clock.t,
    );
    await until(() => calls.length === 6, 'the sixth call');
    expect(calls.map((c) => [c.call, c.outcome])).toEqual([
      ['place', 'answered'],
      ['place', 'answered'],
      ['place', 'refused'],
      ['cancel', 'answered'],
      ['place', 'answered'],
      ['place', 'unknown'],
    ]);
    for (const c of calls) expect(c.ms).toBeGreaterThanOrEqual(0);
    expect(calls[4]!.ms).toBeGreaterThanOrEqual(250);
    expect(calls[5]!.ms).toBeGreaterThanOrEqual(300);
  });

  it('says when the user stream goes down and comes back', async () => {
    const states: string[] = [];
    h = await openHarness({ onStream: (s) => states.push(s) });
    expect(states).toEqual(['up']);
    h.fake.dropUserStreams();
    await until(() => states.length >= 3, 'the stream to come back');
    expect(states.slice(0, 3)).toEqual(['up', 'down', 'up']);
  });
});
