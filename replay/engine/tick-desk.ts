import type { OrderSide } from '../../domain/ledger/events.js';
import { type Fixed, toText } from '../../domain/ledger/fixed.js';
import type {
  VenueClearanceFee,
  VenueForcedFill,
  VenueFunding,
  VenueOrder,
  VenueReport,
} from '../../domain/ledger/venue-port.js';
import { toNumber } from '../../domain/risk/num.js';
import { captureSpan } from '../../domain/sim/feeds.js';
import type { LatencyConfig } from '../../domain/sim/latency.js';
import { lotsToQty, tickScale, ticksToPrice } from '../../domain/sim/scale.js';
import type { BookView, ProtectionRequest, TradeView } from '../../domain/strategy/sdk.js';
import { SimVenue } from '../tick/sim-venue.js';
import { TickVenue } from '../tick/tick-venue.js';
import type { TickCapture } from './config.js';
import type { SymbolState } from './symbol-state.js';

/** An order a tick venue is working, as the engine follows it from report to report. */
export interface TickOrder {
  readonly orderId: string;
  readonly side: OrderSide;
  readonly quantity: Fixed;
  /** LIMIT price; null for market orders. */
  readonly price: Fixed | null;
  /** A STOP_MARKET / TAKE_PROFIT_MARKET: until it fires it is a contingency, not quantity on its way. */
  readonly conditional: boolean;
  /** Set when the venue reports the trigger. */
  triggered: boolean;
  readonly reduceOnly: boolean;
  readonly correlationId: string;
  /** The OrderRequested event: what the venue's acceptance or rejection follows. */
  readonly requestedId: string | null;
  /** The latest venue event on the order (acceptance, trigger): what its fills and end follow. */
  ackId: string | null;
  filled: Fixed;
  fills: number;
  /** Why a cancel was asked for, recorded when the venue confirms it. */
  cancelReason: string | null;
  /** The stop ladder the strategy asked for with this entry: armed on its fills. */
  readonly protection: ProtectionRequest | undefined;
  /** The stop leg this order exits (the engine's stops, triggered by a print): null for the strategy's own. */
  readonly exitLeg: string | null;
  /** The position's backstop resting at the exchange (domain/risk/backstop.ts): the engine's, not the strategy's. */
  readonly guard: boolean;
  /**
   * The price the order was sent against, for the breaker's slippage: the latest print for a market order,
   * the trigger for a stop; NaN for a limit, which is not measured.
   */
  readonly reference: number;
}

/** Still working; finished; or finished in the ledger while the venue may still work it (cancel it there). */
export type ReportOutcome = 'open' | 'closed' | 'abandoned';

/** What the engine does with what a tick step brings. */
export interface TickHooks {
  at(t: number): void;
  report(s: SymbolState, order: TickOrder, report: VenueReport): ReportOutcome;
  /** A trade of the exchange's own closing order (a live account's liquidation, ADL or settlement). */
  forced(s: SymbolState, report: VenueForcedFill): void;
  /** Funding the exchange charged on the symbol's position (a live account whose venue reports it). */
  funding(s: SymbolState, report: VenueFunding): void;
  /** The clearance fee the exchange took when it liquidated the symbol's position (a live account). */
  clearanceFee(s: SymbolState, report: VenueClearanceFee): void;
  /**
   * Each print from `from` on, while the symbol's position has a stop ladder, before the strategy sees
   * it: what the engine's stops are judged on.
   */
  print(s: SymbolState, time: number, price: number): void;
  trade(s: SymbolState, trade: TradeView): void;
  book(s: SymbolState, book: BookView): void;
}

/**
 * Where the engine's orders go when a venue works them over time rather than at a bar's open: the tick
 * desk (simulated venues fed a trade/L2 capture) or the live desk (replay/engine/live-desk.ts, a real
 * account). Both hand the engine, one time at a time, the reports and prices it learns between bars.
 */
export interface OrderDesk {
  readonly kind: 'ticks' | 'live';
  /** The earliest time the desk has something for the engine; +∞ when nothing is due. */
  nextTime(): number;
  /** Does what is due at nextTime() for one symbol (or one item). */
  step(h: TickHooks): void;
  submit(s: SymbolState, order: TickOrder, request: VenueOrder, at: number): void;
  /** The price a target is sized at now; NaN when there is none yet. */
  midPrice(s: SymbolState): number;
  /** Asks the venue to cancel; false when the order is not open here. */
  cancel(orderId: string, at: number, reason: string): boolean;
  /** Cancels every open order of the symbol that could open or add to a position. */
  cancelOpening(s: SymbolState, at: number, reason: string): void;
  openOrders(s: SymbolState): IterableIterator<TickOrder>;
  /** Signed quantity still to fill on the symbol's open orders, in base units. */
  pendingQty(s: SymbolState): number;
}

/** Signed quantity still to fill on `orders`, in base units; a conditional order that has not fired is none. */
export const pendingOf = (orders: Iterable<TickOrder>): number => {
  let q = 0;
  for (const o of orders) {
    if (o.conditional && !o.triggered) continue;
    q += (o.side === 'BUY' ? 1 : -1) * toNumber(o.quantity - o.filled);
  }
  return q;
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Lane {
  readonly s: SymbolState;
  readonly capture: TickCapture;
  readonly sim: TickVenue;
  readonly venue: SimVenue;
  /** Next trade and depth message the strategy has not been handed. */
  ti: number;
  mi: number;
  /** In placement order. */
  readonly open: Map<string, TickOrder>;
  readonly trade: Mutable<TradeView>;
  readonly book: Mutable<BookView>;
}

export interface TickDeskOptions {
  readonly strategyId: string;
  /** What the strategy asked for: a refusal names it. */
  readonly asked: { readonly trades: boolean; readonly book: boolean };
  /** Asked for and handled (onTrade/onBook defined): what it is handed. */
  readonly deliver: { readonly trades: boolean; readonly book: boolean };
  readonly from: number;
  readonly to: number;
  readonly seed: number;
  readonly latency: LatencyConfig;
}

const iso = (ms: number) => new Date(ms).toISOString();

const firstAtOrAfter = (times: Float64Array, n: number, t: number): number => {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/**
 * The engine's tick side, built only for a strategy that asks for trades or books: one simulated venue
 * per symbol behind the Venue port, and the cursors that hand the same capture's trades and book to
 * the strategy. Time is the engine's: `nextTime()` is the earliest thing any symbol has to do (a print,
 * a depth message, an order or cancel landing, a report being received) and `step` does the lot at that
 * time for one symbol: the venue runs to t and its received reports are booked first (they happened
 * earlier and are only now known), then the strategy gets every print stamped t, then one book view if
 * depth messages stamped t arrived. Symbols tie in the engine's order (by name), and bars closing at t go
 * before all of it (a bar [t − tf, t) is complete at t; a print at t opens the next one).
 *
 * Ticks before `from` reach the venue only (to build its book), never the strategy; nothing at or after
 * `to` is replayed.
 */
export class TickDesk implements OrderDesk {
  readonly kind = 'ticks';
  private readonly lanes: Lane[];
  private readonly to: number;
  private readonly deliverTrades: boolean;
  private readonly deliverBook: boolean;

  constructor(
    symbols: readonly SymbolState[],
    captures: ReadonlyMap<string, TickCapture> | undefined,
    o: TickDeskOptions,
  ) {
    this.to = o.to;
    this.deliverTrades = o.deliver.trades;
    this.deliverBook = o.deliver.book;
    const asked = [o.asked.trades ? 'trades' : '', o.asked.book ? 'books' : ''].filter(Boolean).join(' and ');
    const span = `${iso(o.from)} .. ${iso(o.to)}`;
    this.lanes = symbols.map((s) => {
      const capture = captures?.get(s.symbol);
      if (capture === undefined) {
        throw new RangeError(
          `${o.strategyId} asks for ${asked}, but there is no ${s.symbol} trade/L2 data for the run (${span}): ` +
            'its orders fill against trades and L2 depth, so the feeds need a capture of both for every symbol',
        );
      }
      const grid = tickScale(toText(s.instrument.tickSize), toText(s.instrument.stepSize));
      const c = capture.scale;
      if (
        grid.tickNum !== c.tickNum ||
        grid.tickDen !== c.tickDen ||
        grid.lotNum !== c.lotNum ||
        grid.lotDen !== c.lotDen
      ) {
        throw new RangeError(
          `${s.symbol} trade/L2 data was loaded on another grid than the instrument's (tick ${toText(s.instrument.tickSize)}, lot ${toText(s.instrument.stepSize)})`,
        );
      }
      const covered = captureSpan(capture.trades, capture.snapshot, capture.depth);
      if (
        capture.trades.length === 0 ||
        capture.depth.messages === 0 ||
        capture.snapshot.time > o.from ||
        covered.to < o.to
      ) {
        throw new RangeError(
          `${o.strategyId} asks for ${asked}, but the ${s.symbol} trade/L2 data does not cover the run (${span}): ` +
            `it has ${capture.trades.length} trades and ${capture.depth.messages} depth messages over ` +
            `${iso(covered.from)} .. ${iso(covered.to)}, book snapshot at ${iso(capture.snapshot.time)}`,
        );
      }
      const sim = new TickVenue(capture, {
        symbol: s.symbol,
        scale: capture.scale,
        seed: `${o.seed}:${s.symbol}`,
        latency: o.latency,
        // The walk through the real book is the market impact; λ·√notional would count it twice.
        impactLambda: 0,
      });
      const venue = new SimVenue(s.symbol, sim, capture.scale);
      venue.poll(o.from - 1);
      return {
        s,
        capture,
        sim,
        venue,
        ti: firstAtOrAfter(capture.trades.time, capture.trades.length, o.from),
        mi: firstAtOrAfter(capture.depth.time, capture.depth.messages, o.from),
        open: new Map<string, TickOrder>(),
        trade: { symbol: s.symbol, time: 0, price: 0, quantity: 0, buyerMaker: false },
        book: { symbol: s.symbol, time: 0, bestBid: 0, bestAsk: 0, bidQty: 0, askQty: 0 },
      };
    });
  }

  nextTime(): number {
    let t = Number.POSITIVE_INFINITY;
    for (const l of this.lanes) {
      const n = this.laneTime(l);
      if (n < t) t = n;
    }
    return t;
  }

  private laneTime(l: Lane): number {
    const tr = l.capture.trades;
    const dp = l.capture.depth;
    let t = l.venue.nextEventAt();
    if (l.ti < tr.length && tr.time[l.ti]! < t) t = tr.time[l.ti]!;
    if (l.mi < dp.messages && dp.time[l.mi]! < t) t = dp.time[l.mi]!;
    return t < this.to ? t : Number.POSITIVE_INFINITY;
  }

  step(h: TickHooks): void {
    let lane: Lane | null = null;
    let t = Number.POSITIVE_INFINITY;
    for (const l of this.lanes) {
      const n = this.laneTime(l);
      if (n < t) {
        t = n;
        lane = l;
      }
    }
    if (lane === null) return;
    h.at(t);
    for (const r of lane.venue.poll(t)) {
      const o = lane.open.get(r.clientOrderId);
      // Gone already: the ledger ended it (a reduce-only fill with nothing to reduce) before the venue did.
      if (o === undefined) continue;
      const outcome = h.report(lane.s, o, r);
      if (outcome === 'open') continue;
      lane.open.delete(o.orderId);
      if (outcome === 'abandoned') lane.venue.cancel(o.orderId, t);
    }
    const tr = lane.capture.trades;
    const scale = lane.capture.scale;
    while (lane.ti < tr.length && tr.time[lane.ti]! <= t) {
      const i = lane.ti++;
      const watched = lane.s.book !== null;
      if (!watched && !this.deliverTrades) continue;
      const price = ticksToPrice(scale, tr.priceTicks[i]!);
      if (watched) h.print(lane.s, tr.time[i]!, price);
      if (!this.deliverTrades) continue;
      const v = lane.trade;
      v.time = tr.time[i]!;
      v.price = price;
      v.quantity = lotsToQty(scale, tr.lots[i]!);
      v.buyerMaker = tr.sellerTaker[i] === 1;
      h.trade(lane.s, v);
    }
    const dp = lane.capture.depth;
    if (lane.mi < dp.messages && dp.time[lane.mi]! <= t) {
      while (lane.mi < dp.messages && dp.time[lane.mi]! <= t) lane.mi++;
      const b = lane.sim.book;
      // One view per millisecond: the messages stamped t are one state of the book once all are applied.
      if (this.deliverBook && b.synced && b.bids.size > 0 && b.asks.size > 0) {
        const v = lane.book;
        v.time = t;
        v.bestBid = ticksToPrice(scale, b.bestBid());
        v.bestAsk = ticksToPrice(scale, b.bestAsk());
        v.bidQty = lotsToQty(scale, b.bids.bestQty());
        v.askQty = lotsToQty(scale, b.asks.bestQty());
        h.book(lane.s, v);
      }
    }
  }

  submit(s: SymbolState, order: TickOrder, request: VenueOrder, at: number): void {
    const lane = this.lanes[s.index]!;
    lane.open.set(order.orderId, order);
    lane.venue.submit(request, at);
  }

  /** The book's mid price now, NaN until the book is in sync: the market a target is sized at. */
  midPrice(s: SymbolState): number {
    const lane = this.lanes[s.index]!;
    const b = lane.sim.book;
    if (!b.synced || b.bids.size === 0 || b.asks.size === 0) return Number.NaN;
    const scale = lane.capture.scale;
    return (ticksToPrice(scale, b.bestBid()) + ticksToPrice(scale, b.bestAsk())) / 2;
  }

  /** Asks the venue to cancel; false when the order is not open here (finished, or not a tick order). */
  cancel(orderId: string, at: number, reason: string): boolean {
    for (const l of this.lanes) {
      const o = l.open.get(orderId);
      if (o === undefined) continue;
      o.cancelReason ??= reason;
      l.venue.cancel(orderId, at);
      return true;
    }
    return false;
  }

  /** Cancels every open order of the symbol that could open or add to a position. */
  cancelOpening(s: SymbolState, at: number, reason: string): void {
    for (const o of this.lanes[s.index]!.open.values()) if (!o.reduceOnly) this.cancel(o.orderId, at, reason);
  }

  openOrders(s: SymbolState): IterableIterator<TickOrder> {
    return this.lanes[s.index]!.open.values();
  }

  /** Signed quantity still to fill on the symbol's open orders, in base units. */
  pendingQty(s: SymbolState): number {
    return pendingOf(this.lanes[s.index]!.open.values());
  }
}
