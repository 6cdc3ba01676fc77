import { type Fixed, fixed } from '../../domain/ledger/fixed.js';
import type {
  HoldingVenue,
  Venue,
  VenueForcedFill,
  VenueOrder,
  VenueReport,
} from '../../domain/ledger/venue-port.js';
import type { SymbolState } from './symbol-state.js';
import { type OrderDesk, pendingOf, type TickHooks, type TickOrder } from './tick-desk.js';

/** What the engine learns between two bars: the venue's word on an order, or a mark price. */
type Item =
  | { readonly kind: 'report'; readonly time: number; readonly report: VenueReport }
  | { readonly kind: 'mark'; readonly time: number; readonly lane: Lane; readonly price: number };

interface Lane {
  readonly s: SymbolState;
  /** In placement order. */
  readonly open: Map<string, TickOrder>;
  /** The venue's latest mark price, NaN before the first. */
  mark: number;
}

export interface LiveDeskOptions {
  /** The exchange account the run trades (adapters/venue/ccxt-venue.ts), shared by every symbol. */
  readonly venue: Venue;
  /**
   * The local clock the venue's calls are stamped with. A venue call is made when the engine makes it, in
   * wall time, which is later than the engine's own time for a bar (its close) once the bar has been
   * fetched: the venue's clock and the engine's run apart, and each stays monotone.
   */
  readonly wall: () => number;
}

/**
 * The engine's desk for a run that trades a real account: every order goes to the live venue through the
 * Venue port, and what the engine learns between bar closes (the venue's reports, the venue's mark prices)
 * waits in one queue, in the order it arrived, until the engine steps to it. The engine books the reports
 * through the same path as a tick venue's, and judges its stop ladder on the marks as it judges a tick
 * run's on prints: a mark through a stop sends the leg's exit to the venue as a reduce-only market order.
 *
 * Items are stamped with when they arrived (never before the last item: an item collected late still
 * arrived after the ones already queued). The runner (replay/engine/live.ts) steps the engine no further
 * than the earliest next bar close still to come, so a bar is never replayed behind an item that arrived
 * after it closed, and the engine's time never goes back.
 */
export class LiveDesk implements OrderDesk {
  readonly kind = 'live';
  private readonly venue: Venue;
  private readonly wall: () => number;
  private readonly lanes: Lane[];
  private readonly bySymbol = new Map<string, Lane>();
  private readonly laneOf = new Map<string, Lane>();
  private queue: Item[] = [];
  private head = 0;
  private lastItem = Number.NEGATIVE_INFINITY;
  private lastCall = Number.NEGATIVE_INFINITY;
  /** Reports on orders this run did not place (or no longer follows): counted, not booked. */
  stray = 0;
  /** Forced fills queued and not yet booked, signed as they will change the position, by symbol. */
  private readonly queuedForced = new Map<string, Fixed>();

  /**
   * `held` is the run's position in a symbol as its ledger has it: with the forced fills still queued here,
   * it is what a shared account's venue needs to share out the next one (HoldingVenue).
   */
  constructor(symbols: readonly SymbolState[], o: LiveDeskOptions, held: (s: SymbolState) => Fixed) {
    this.venue = o.venue;
    this.wall = o.wall;
    this.lanes = symbols.map((s) => {
      const lane: Lane = { s, open: new Map(), mark: Number.NaN };
      this.bySymbol.set(s.symbol, lane);
      return lane;
    });
    (this.venue as Partial<HoldingVenue>).follow?.(
      symbols.map((s) => s.symbol),
      (symbol) => {
        const lane = this.bySymbol.get(symbol);
        return lane === undefined ? 0n : held(lane.s) + (this.queuedForced.get(symbol) ?? 0n);
      },
    );
  }

  /** The venue's mark price of `symbol`, as it arrived now. */
  markPrice(symbol: string, price: number): void {
    const lane = this.bySymbol.get(symbol);
    if (lane === undefined) throw new RangeError(`${symbol} is not one of this run's symbols`);
    if (!(price > 0) || !Number.isFinite(price)) throw new RangeError(`${symbol}: mark price ${price}`);
    this.push({ kind: 'mark', time: this.arrival(), lane, price });
  }

  /** Takes the reports the venue has received by now into the queue; returns how many came. */
  collect(): number {
    const reports = this.venue.poll(this.call());
    for (const r of reports) {
      if (r.kind === 'forced') this.queueForced(r, 1n);
      this.push({ kind: 'report', time: Math.max(r.receivedAt, this.lastItem), report: r });
    }
    return reports.length;
  }

  /**
   * The fill next in the queue (of an order this run follows, or the exchange's own close on one of its
   * symbols) with its symbol, or null when the next item is anything else.
   */
  headFill(): {
    readonly s: SymbolState;
    readonly key: string;
    readonly price: string;
    readonly quantity: string;
  } | null {
    const item = this.head < this.queue.length ? this.queue[this.head]! : null;
    if (item === null || item.kind !== 'report') return null;
    const r = item.report;
    if (r.kind === 'fill') {
      const lane = this.laneOf.get(r.clientOrderId);
      if (lane === undefined || !lane.open.has(r.clientOrderId)) return null;
      return { s: lane.s, key: `${r.clientOrderId}/${r.tradeId}`, price: r.price, quantity: r.quantity };
    }
    if (r.kind === 'forced') {
      const lane = this.bySymbol.get(r.symbol);
      if (lane === undefined) return null;
      return { s: lane.s, key: `${r.venueOrderId}/${r.tradeId}`, price: r.price, quantity: r.quantity };
    }
    return null;
  }

  /** Items waiting for the engine to step to them. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  nextTime(): number {
    return this.head < this.queue.length ? this.queue[this.head]!.time : Number.POSITIVE_INFINITY;
  }

  step(h: TickHooks): void {
    if (this.head >= this.queue.length) return;
    const item = this.queue[this.head]!;
    this.queue[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    h.at(item.time);
    if (item.kind === 'mark') {
      item.lane.mark = item.price;
      if (item.lane.s.book !== null || item.lane.s.exitRetry.size > 0)
        h.print(item.lane.s, item.time, item.price);
      return;
    }
    const r = item.report;
    if (r.kind === 'funding' || r.kind === 'clearance-fee') {
      const lane = this.bySymbol.get(r.symbol);
      if (lane === undefined) this.stray++;
      else if (r.kind === 'funding') h.funding(lane.s, r);
      else h.clearanceFee(lane.s, r);
      return;
    }
    if (r.kind === 'forced') {
      // The exchange's own close: about the symbol's position, not an order of this run.
      this.queueForced(r, -1n);
      const lane = this.bySymbol.get(r.symbol);
      if (lane === undefined) this.stray++;
      else h.forced(lane.s, r);
      return;
    }
    const lane = this.laneOf.get(r.clientOrderId);
    const o = lane?.open.get(r.clientOrderId);
    if (lane === undefined || o === undefined) {
      // An order the ledger already ended (a reduce-only fill with nothing left to reduce, then cancelled
      // here), or a cancel that found nothing: the ledger has its end.
      this.stray++;
      return;
    }
    const outcome = h.report(lane.s, o, r);
    if (outcome === 'open') return;
    lane.open.delete(o.orderId);
    this.laneOf.delete(o.orderId);
    if (outcome === 'abandoned') this.venue.cancel(o.orderId, this.call());
  }

  submit(s: SymbolState, order: TickOrder, request: VenueOrder, _at: number): void {
    const lane = this.lanes[s.index]!;
    lane.open.set(order.orderId, order);
    this.laneOf.set(order.orderId, lane);
    this.venue.submit(request, this.call());
  }

  /** The venue's latest mark: what a target is sized at (fresher than the last close). */
  midPrice(s: SymbolState): number {
    return this.lanes[s.index]!.mark;
  }

  cancel(orderId: string, _at: number, reason: string): boolean {
    const lane = this.laneOf.get(orderId);
    const o = lane?.open.get(orderId);
    if (o === undefined) return false;
    o.cancelReason ??= reason;
    this.venue.cancel(orderId, this.call());
    return true;
  }

  cancelOpening(s: SymbolState, at: number, reason: string): void {
    for (const o of this.lanes[s.index]!.open.values()) if (!o.reduceOnly) this.cancel(o.orderId, at, reason);
  }

  openOrders(s: SymbolState): IterableIterator<TickOrder> {
    return this.lanes[s.index]!.open.values();
  }

  pendingQty(s: SymbolState): number {
    return pendingOf(this.lanes[s.index]!.open.values());
  }

  private queueForced(r: VenueForcedFill, direction: 1n | -1n): void {
    const change = r.side === 'BUY' ? fixed(r.quantity) : -fixed(r.quantity);
    this.queuedForced.set(r.symbol, (this.queuedForced.get(r.symbol) ?? 0n) + direction * change);
  }

  private push(item: Item): void {
    this.lastItem = item.time;
    this.queue.push(item);
  }

  /** Now on the local clock, never before an item already queued. */
  private arrival(): number {
    return Math.max(this.wall(), this.lastItem);
  }

  /** Now on the local clock, never before the last call to the venue. */
  private call(): number {
    this.lastCall = Math.max(this.wall(), this.lastCall);
    return this.lastCall;
  }
}
