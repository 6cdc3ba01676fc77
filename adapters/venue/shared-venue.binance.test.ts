import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fixed, fixed } from '../../domain/ledger/fixed.js';
import type { VenueOrder } from '../../domain/ledger/venue-port.js';
import { SharedVenue } from './shared-venue.js';
import { brief, until, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
  h.fake.engine.setPrice('BTCUSDT', '100000');
});
afterEach(async () => {
  await h?.close();
});

/**
 * Two runs on one account in one-way mode, through the CcxtVenue to the fake exchange, which caps a
 * reduce-only order at the net position as Binance does.
 */
describe('two runs holding one symbol in opposite directions (fake Binance)', () => {
  it("a run's close goes through whole: its ledger and the account agree afterwards", async () => {
    const shared = new SharedVenue(h.venue);
    const runs = ['a', 'b'].map((name) => {
      const lane = shared.lane();
      const held = { qty: 0n as Fixed };
      const sides = new Map<string, 'BUY' | 'SELL'>();
      lane.follow(['BTCUSDT'], () => held.qty);
      return {
        name,
        held,
        lines: [] as string[],
        submit(o: VenueOrder) {
          sides.set(o.clientOrderId, o.side);
          lane.submit(o, h.clock.t);
        },
        /** Books its fills as the run's engine does. */
        book() {
          const rs = lane.poll(h.clock.t);
          this.lines.push(...brief(rs));
          for (const r of rs)
            if (r.kind === 'fill')
              held.qty += (sides.get(r.clientOrderId) === 'BUY' ? 1n : -1n) * fixed(r.quantity);
        },
      };
    });
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const settle = async (n: number) => {
      await until(() => h.venue.received >= n, `${n} reports`);
      await h.venue.idle();
      for (const r of runs) r.book();
    };
    a.submit(venueOrder({ clientOrderId: 'a-open', side: 'BUY', type: 'MARKET', quantity: '0.010' }));
    b.submit(venueOrder({ clientOrderId: 'b-open', side: 'SELL', type: 'MARKET', quantity: '0.006' }));
    await settle(4);
    expect(h.fake.engine.position('BTCUSDT')).toBe(fixed('0.004'));

    // a closes its long with reduce-only, as the engine sends a close.
    a.submit(
      venueOrder({
        clientOrderId: 'a-close',
        side: 'SELL',
        type: 'MARKET',
        quantity: '0.010',
        reduceOnly: true,
      }),
    );
    await settle(6);
    expect(a.lines.filter((l) => l.startsWith('a-close'))).toEqual([
      'a-close accepted',
      'a-close fill 0.01@100000 taker left 0',
    ]);
    expect(a.held.qty).toBe(0n);
    expect(b.held.qty).toBe(fixed('-0.006'));
    // The account is what the runs hold, summed: b's short, now open on the account too.
    expect(h.fake.engine.position('BTCUSDT')).toBe(a.held.qty + b.held.qty);
  });
});
