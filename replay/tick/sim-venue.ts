import type { Venue, VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import { lotsToText, priceToTicks, qtyToLots, type TickScale, ticksToText } from '../../domain/sim/scale.js';
import type { TickVenue } from './tick-venue.js';
import type { TickReport } from './types.js';

const EXPIRY = {
  'ioc-remainder': 'IOC: remainder not filled on arrival',
  'fok-unfilled': 'FOK: could not fill completely on arrival',
  'book-thin': 'market: the book ran out before the order was filled',
} as const;

const NONE: readonly VenueReport[] = [];

/**
 * The tick venue (one symbol) behind the Venue port. The venue's reports become the port's, in decimal
 * text on the instrument's grids, with `receivedAt` made non-decreasing: a user-data stream is one ordered
 * channel, and a fill that overtook its own acceptance would reach the ledger for an order it has not
 * accepted yet. reduceOnly travels with the order but is not enforced here, because the venue sees no
 * positions; the engine checks each reduce-only fill against its ledger (Binance would expire the order).
 */
export class SimVenue implements Venue {
  /** Reports produced but not yet received by the trader, in arrival order. */
  private held: VenueReport[] = [];
  private lastReceived = Number.NEGATIVE_INFINITY;
  private now = Number.NEGATIVE_INFINITY;

  constructor(
    readonly symbol: string,
    private readonly venue: TickVenue,
    private readonly scale: TickScale,
  ) {}

  submit(order: VenueOrder, at: number): void {
    this.checkTime(at);
    if (order.symbol !== this.symbol)
      throw new RangeError(`this venue trades ${this.symbol}, not ${order.symbol}`);
    const clientOrderId = order.clientOrderId;
    const side = order.side;
    const qty = Number(order.quantity);
    // Written out rather than spread from a shared base: see translate.
    switch (order.type) {
      case 'MARKET':
        this.venue.placeMarket({ clientOrderId, side, qty }, at);
        return;
      case 'LIMIT':
        this.venue.placeLimit(
          {
            clientOrderId,
            side,
            qty,
            price: Number(order.price),
            timeInForce: order.timeInForce,
            postOnly: order.postOnly,
          },
          at,
        );
        return;
      case 'STOP_MARKET':
      case 'TAKE_PROFIT_MARKET':
        this.venue.placeStop(
          {
            clientOrderId,
            side,
            qty,
            kind: order.type === 'STOP_MARKET' ? 'stop' : 'take-profit',
            stopPrice: Number(order.stopPrice),
          },
          at,
        );
    }
  }

  cancel(clientOrderId: string, at: number): void {
    this.checkTime(at);
    this.venue.cancel(clientOrderId, at);
  }

  poll(t: number): readonly VenueReport[] {
    this.checkTime(t);
    this.venue.advanceTo(t);
    for (const r of this.venue.drainReports()) {
      const received = Math.max(r.receivedAt, this.lastReceived);
      this.lastReceived = received;
      this.held.push(this.translate(r, received));
    }
    const held = this.held;
    let n = 0;
    while (n < held.length && held[n]!.receivedAt <= t) n++;
    if (n === 0) return NONE;
    const out = held.slice(0, n);
    this.held = held.slice(n);
    return out;
  }

  nextEventAt(): number {
    const held = this.held.length > 0 ? this.held[0]!.receivedAt : Number.POSITIVE_INFINITY;
    return Math.min(held, this.venue.nextEventTime(), this.venue.nextActionTime());
  }

  private checkTime(t: number): void {
    if (t < this.now) throw new RangeError(`time ${t} is before the venue's last call at ${this.now}`);
    this.now = t;
  }

  // Each report written out: `{ ...base, kind, … }` (a spread followed by new keys) is V8's slow path,
  // about a microsecond a key, and a tick run sends several reports per order.
  private translate(r: TickReport, receivedAt: number): VenueReport {
    const clientOrderId = r.orderId;
    const time = r.time;
    switch (r.kind) {
      case 'accepted':
        return { clientOrderId, time, receivedAt, kind: 'accepted', venueOrderId: `sim-${r.orderId}` };
      case 'rejected':
        return { clientOrderId, time, receivedAt, kind: 'rejected', reason: r.reason };
      case 'triggered':
        return {
          clientOrderId,
          time,
          receivedAt,
          kind: 'triggered',
          triggerPrice: this.price(r.triggerPrice),
        };
      case 'fill':
        return {
          clientOrderId,
          time,
          receivedAt,
          kind: 'fill',
          tradeId: r.fillId,
          price: this.price(r.price),
          quantity: this.qty(r.qty),
          liquidity: r.liquidity,
          remaining: this.qty(r.leavesQty),
        };
      case 'cancelled':
        return r.reason === 'user'
          ? { clientOrderId, time, receivedAt, kind: 'cancelled', reason: 'cancelled on request' }
          : { clientOrderId, time, receivedAt, kind: 'expired', reason: EXPIRY[r.reason] };
      case 'cancel-rejected':
        return {
          clientOrderId,
          time,
          receivedAt,
          kind: 'cancel-rejected',
          reason: 'unknown order: not open at the venue',
        };
    }
  }

  // The tick venue reports whole ticks and lots as floats; back to integers, then exact decimal text.
  private price(p: number): string {
    return ticksToText(this.scale, priceToTicks(this.scale, p));
  }

  private qty(q: number): string {
    return lotsToText(this.scale, qtyToLots(this.scale, q));
  }
}
