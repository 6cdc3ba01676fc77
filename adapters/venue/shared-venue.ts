import type {
  AdoptingVenue,
  BookedSoFar,
  Venue,
  VenueOrder,
  VenueReport,
} from '../../domain/ledger/venue-port.js';

/**
 * One exchange account, many runs: each run trades through its own lane, and gets back the reports on
 * its own orders only, in the order they arrived. The account's venue (CcxtVenue) has one user stream and
 * one report queue for the whole account; a run polling it directly would take, and lose, its neighbours'
 * reports.
 *
 * The account's venue wants its calls in time order; the lanes' clocks each run forward but not in step,
 * so every call to it is stamped with the latest time any lane has used.
 */
export class SharedVenue {
  private readonly owner = new Map<string, Lane>();
  private last = Number.NEGATIVE_INFINITY;
  /** Reports on orders no lane placed (placed by hand, or by an earlier process). */
  unrouted = 0;

  constructor(private readonly account: Venue) {}

  /** A new lane: a Venue for one run. */
  lane(): AdoptingVenue {
    return new Lane(this);
  }

  /** @internal */
  adopt(lane: Lane, order: VenueOrder, booked: BookedSoFar, at: number): void {
    if (this.owner.has(order.clientOrderId))
      throw new RangeError(`clientOrderId ${order.clientOrderId} is already followed`);
    const account = this.account as Partial<AdoptingVenue>;
    if (account.adopt === undefined) throw new RangeError('this account cannot follow orders placed earlier');
    account.adopt.call(this.account, order, booked, this.time(at));
    this.owner.set(order.clientOrderId, lane);
  }

  /** @internal */
  submit(lane: Lane, order: VenueOrder, at: number): void {
    if (this.owner.has(order.clientOrderId))
      throw new RangeError(`clientOrderId ${order.clientOrderId} was already submitted`);
    this.account.submit(order, this.time(at));
    this.owner.set(order.clientOrderId, lane);
  }

  /** @internal */
  cancel(lane: Lane, clientOrderId: string, at: number): void {
    if (this.owner.get(clientOrderId) !== lane)
      throw new RangeError(`clientOrderId ${clientOrderId} is not an order of this lane`);
    this.account.cancel(clientOrderId, this.time(at));
  }

  /** @internal Hands every lane what the account received by `t`. */
  collect(t: number): void {
    for (const r of this.account.poll(this.time(t))) {
      const lane = this.owner.get(r.clientOrderId);
      if (lane === undefined) {
        this.unrouted++;
        continue;
      }
      lane.inbox.push(r);
    }
  }

  private time(t: number): number {
    if (t > this.last) this.last = t;
    return this.last;
  }
}

class Lane implements AdoptingVenue {
  /** @internal */
  readonly inbox: VenueReport[] = [];
  private now = Number.NEGATIVE_INFINITY;

  constructor(private readonly shared: SharedVenue) {}

  submit(order: VenueOrder, at: number): void {
    this.check(at);
    this.shared.submit(this, order, at);
  }

  cancel(clientOrderId: string, at: number): void {
    this.check(at);
    this.shared.cancel(this, clientOrderId, at);
  }

  adopt(order: VenueOrder, booked: BookedSoFar, at: number): void {
    this.check(at);
    this.shared.adopt(this, order, booked, at);
  }

  poll(t: number): readonly VenueReport[] {
    this.check(t);
    this.shared.collect(t);
    let n = 0;
    while (n < this.inbox.length && this.inbox[n]!.receivedAt <= t) n++;
    return n === 0 ? [] : this.inbox.splice(0, n);
  }

  nextEventAt(): number {
    return Number.POSITIVE_INFINITY;
  }

  private check(t: number): void {
    if (t < this.now) throw new RangeError(`time ${t} is before this lane's last call at ${this.now}`);
    this.now = t;
  }
}
