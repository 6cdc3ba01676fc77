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
/** Two runs on lanes of one shared account; each books its own fills when asked, as its engine does. */
const twoRuns = () => {
  const shared = new SharedVenue(h.venue);
  const run = () => {
    const lane = shared.lane();
    const held = { qty: 0n as Fixed };
    const sides = new Map<string, 'BUY' | 'SELL'>();
    const lines: string[] = [];
    lane.follow(['BTCUSDT'], () => held.qty);
    return {
      held,
      lines,
      submit(o: VenueOrder) {
        sides.set(o.clientOrderId, o.side);
        lane.submit(o, h.clock.t);
      },
      book() {
        const rs = lane.poll(h.clock.t);
        lines.push(...brief(rs));
        for (const r of rs)
          if (r.kind === 'fill')
            held.qty += (sides.get(r.clientOrderId) === 'BUY' ? 1n : -1n) * fixed(r.quantity);
      },
    };
  };
  const a = run();
  const b = run();
  /** Waits for `n` reports in all; the runs named book theirs (a run not named has not looked yet). */
  const settle = async (n: number, ...booking: (typeof a)[]) => {
    await until(() => h.venue.received >= n, `${n} reports`);
    await h.venue.idle();
    for (const r of booking.length ? booking : [a, b]) r.book();
  };
  return { a, b, settle };
};

const market = (clientOrderId: string, side: 'BUY' | 'SELL', quantity: string, reduceOnly = false) =>
  venueOrder({ clientOrderId, side, type: 'MARKET', quantity, reduceOnly });

describe('two runs holding one symbol in opposite directions (fake Binance)', () => {
  it("a run's close goes through whole: its ledger and the account agree afterwards", async () => {
    const { a, b, settle } = twoRuns();
    a.submit(market('a-open', 'BUY', '0.010'));
    b.submit(market('b-open', 'SELL', '0.006'));
    await settle(4);
    expect(h.fake.engine.position('BTCUSDT')).toBe(fixed('0.004'));

    // a closes its long with reduce-only, as the engine sends a close.
    a.submit(market('a-close', 'SELL', '0.010', true));
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

  it('a close cut short by an order the other run had not booked yet goes through on the next try', async () => {
    const { a, b, settle } = twoRuns();
    a.submit(market('a-open', 'BUY', '0.010'));
    await settle(2);
    // b's short fills on the exchange, but b has not booked it when a closes: the booked sum says the
    // account holds a's 0.010, so the close goes reduce-only, and the exchange caps it at 0.004.
    b.submit(market('b-open', 'SELL', '0.006'));
    await settle(4, a);
    a.submit(market('a-close', 'SELL', '0.010', true));
    await settle(7, a);
    expect(a.lines.filter((l) => l.startsWith('a-close'))).toEqual([
      'a-close accepted',
      'a-close fill 0.004@100000 taker left 0.006',
      'a-close expired: market: the book ran out before the order was filled',
    ]);
    expect(a.held.qty).toBe(fixed('0.006'));
    b.book();
    // a closes what it still holds: b's short is booked now, the account holds nothing of a's long, and
    // the close goes without the flag.
    a.submit(market('a-close-2', 'SELL', '0.006', true));
    await settle(9);
    expect(a.lines.filter((l) => l.startsWith('a-close-2'))).toEqual([
      'a-close-2 accepted',
      'a-close-2 fill 0.006@100000 taker left 0',
    ]);
    expect(a.held.qty).toBe(0n);
    expect(h.fake.engine.position('BTCUSDT')).toBe(b.held.qty);
  });
});
