import { describe, expect, it } from 'vitest';
import type { Venue, VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import { SharedVenue } from './shared-venue.js';
import { venueOrder } from './testing/venue-fixtures.js';

/** An account that accepts every order it is sent, reporting it received 10 ms later; it checks its clock. */
class Account implements Venue {
  readonly calls: number[] = [];
  private readonly queue: VenueReport[] = [];
  private now = Number.NEGATIVE_INFINITY;
  submit(order: VenueOrder, at: number): void {
    this.tick(at);
    this.queue.push({
      kind: 'accepted',
      clientOrderId: order.clientOrderId,
      venueOrderId: `v-${order.clientOrderId}`,
      time: at,
      receivedAt: at + 10,
    });
  }
  cancel(clientOrderId: string, at: number): void {
    this.tick(at);
    this.queue.push({ kind: 'cancelled', clientOrderId, reason: 'asked', time: at, receivedAt: at + 10 });
  }
  poll(t: number): readonly VenueReport[] {
    this.tick(t);
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.receivedAt <= t) n++;
    return this.queue.splice(0, n);
  }
  nextEventAt(): number {
    return Number.POSITIVE_INFINITY;
  }
  /** A report on an order no lane placed (one placed by hand on the exchange). */
  stray(at: number): void {
    this.queue.push({
      kind: 'accepted',
      clientOrderId: 'by-hand',
      venueOrderId: 'x',
      time: at,
      receivedAt: at,
    });
  }
  private tick(t: number): void {
    if (t < this.now) throw new RangeError('time went back');
    this.now = t;
    this.calls.push(t);
  }
}

describe('one account shared by several runs', () => {
  it('hands each lane the reports on its own orders, in arrival order, however their clocks differ', () => {
    const account = new Account();
    const shared = new SharedVenue(account);
    const a = shared.lane();
    const b = shared.lane();
    a.submit(venueOrder({ clientOrderId: 'a-1', side: 'BUY', type: 'MARKET' }), 1_000);
    // Lane b's clock is behind lane a's: the account still sees its calls in time order.
    b.submit(venueOrder({ clientOrderId: 'b-1', side: 'SELL', type: 'MARKET' }), 900);
    a.submit(venueOrder({ clientOrderId: 'a-2', side: 'BUY', type: 'MARKET' }), 1_001);
    account.stray(1_005);
    expect(b.poll(950)).toEqual([]);
    expect(a.poll(1_020).map((r) => r.clientOrderId)).toEqual(['a-1', 'a-2']);
    // b's report was taken from the account by a's poll, and waits for b.
    expect(b.poll(1_030).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual(['b-1 accepted']);
    expect(shared.unrouted).toBe(1);
    expect(account.calls).toEqual([...account.calls].sort((x, y) => x - y));
    b.cancel('b-1', 1_040);
    expect(() => a.cancel('b-1', 1_050)).toThrow(/not an order of this lane/);
    expect(() => a.submit(venueOrder({ clientOrderId: 'b-1', side: 'BUY', type: 'MARKET' }), 1_060)).toThrow(
      /already submitted/,
    );
    expect(b.poll(2_000).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual(['b-1 cancelled']);
    expect(() => b.poll(1_999)).toThrow(/before this lane's last call/);
  });
});
