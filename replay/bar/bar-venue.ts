import { isConditional } from '../../domain/ledger/events.js';
import { type Fixed, fixed, toText } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { Venue, VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import { Rng } from '../../domain/optimizer/rng.js';
import { fromNumber, toNumber } from '../../domain/risk/num.js';
import { impactFraction, withImpact } from '../../domain/sim/bar-fills.js';

/** An order working at the bar venue: what it was sent with, as numbers for the per-bar checks. */
export interface BarOrder {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly type: VenueOrder['type'];
  readonly side: 'BUY' | 'SELL';
  readonly quantity: Fixed;
  /** LIMIT price as a float, NaN otherwise (the exact text is in the order the ledger recorded). */
  readonly price: number;
  /** Trigger of a STOP_MARKET / TAKE_PROFIT_MARKET as a float, NaN otherwise. */
  readonly stopPrice: number;
  readonly stopText: string | null;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK';
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
  readonly submittedAt: number;
  readonly latency: number;
  /** Acknowledged: it reached the venue on an earlier bar (or this one) and was accepted. */
  accepted: boolean;
}

export interface BarVenueOptions {
  readonly instrument: (symbol: string) => Instrument;
  /** λ of the impact model (slippage = λ·√notional, as a fraction of the price) for the symbol. */
  readonly impact: (symbol: string) => number;
  /** The submit latency model: uniform in [min, max] ms, drawn per order from `seed`. */
  readonly latencyMs: { readonly min: number; readonly max: number };
  readonly seed: number;
}

/**
 * A reduce-only order may only fill against an opposite position at least its size (the tolerance
 * absorbs float noise in the position mirror).
 */
export const reducesPosition = (side: 'BUY' | 'SELL', quantity: number, position: number): boolean =>
  side === 'BUY' ? position <= -quantity + 1e-12 : position >= quantity - 1e-12;

/** A BUY stop and a SELL take-profit fire when the price rises to their stop; the other two when it falls. */
export const triggersAbove = (type: VenueOrder['type'], side: 'BUY' | 'SELL'): boolean =>
  (type === 'STOP_MARKET') === (side === 'BUY');

/**
 * The simulated venue for bar fills, behind the Venue port (domain/ledger/venue-port.ts): the engine
 * submits, cancels and polls here as it does with the tick venue or the live ccxt adapter, and books
 * whatever is reported. A bar is the only market data it sees, so it works orders when the engine hands
 * it one (`meetBar`), by the rules below; `nextEventAt` is +∞.
 *
 * An order reaches the venue `latency` ms after it was sent (seeded), so on the first bar opening after
 * that. On arrival it is accepted, except a stop or take-profit whose trigger the open has already
 * crossed, which is rejected as Binance's -2021 does. Then, in the order the orders were sent:
 * - a market order fills at the open, moved against it by impact, as taker;
 * - a limit order fills at its price, as maker, when the bar trades through it (a touch is not enough:
 *   the queue ahead at that price is unknown in bars); an IOC or FOK that does not fills nothing and
 *   expires, a GTC rests; a post-only order that would take liquidity on arrival expires;
 * - a stop or take-profit triggers when the bar's range crosses its stop and fills as a market order at
 *   the stop, or at the open when the bar opened beyond it (a gap fills where the market was).
 * Unlike the tick venue it knows the position (the engine passes it in with the bar), as Binance does: a
 * reduce-only order that would not reduce the position when it would fill expires instead.
 */
export class BarVenue implements Venue {
  private readonly books = new Map<string, BarOrder[]>();
  private readonly symbolOf = new Map<string, string>();
  private readonly rng: Rng;
  private queue: VenueReport[] = [];
  private position = 0n;

  constructor(private readonly options: BarVenueOptions) {
    this.rng = Rng.seeded(options.seed);
  }

  submit(order: VenueOrder, at: number): void {
    if (this.symbolOf.has(order.clientOrderId))
      throw new RangeError(`clientOrderId ${order.clientOrderId} is already in use`);
    const { min, max } = this.options.latencyMs;
    const latency = Math.round(min + this.rng.float() * (max - min));
    const book = this.books.get(order.symbol) ?? [];
    if (book.length === 0) this.books.set(order.symbol, book);
    book.push({
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      type: order.type,
      side: order.side,
      quantity: fixed(order.quantity),
      price: order.price ? toNumber(fixed(order.price)) : Number.NaN,
      stopPrice: order.stopPrice ? toNumber(fixed(order.stopPrice)) : Number.NaN,
      stopText: order.stopPrice ?? null,
      timeInForce: order.timeInForce ?? 'GTC',
      postOnly: order.postOnly ?? false,
      reduceOnly: order.reduceOnly,
      submittedAt: at,
      latency,
      accepted: false,
    });
    this.symbolOf.set(order.clientOrderId, order.symbol);
  }

  /** A working order is cancelled at once (a bar venue has no cancel latency); otherwise cancel-rejected. */
  cancel(clientOrderId: string, at: number, reason = 'cancelled on request'): void {
    const symbol = this.symbolOf.get(clientOrderId);
    const book = symbol === undefined ? undefined : this.books.get(symbol);
    const k = book ? book.findIndex((o) => o.clientOrderId === clientOrderId) : -1;
    if (!book || k < 0) {
      this.report({
        kind: 'cancel-rejected',
        clientOrderId,
        reason: 'unknown order',
        time: at,
        receivedAt: at,
      });
      return;
    }
    book.splice(k, 1);
    this.symbolOf.delete(clientOrderId);
    this.report({ kind: 'cancelled', clientOrderId, reason, time: at, receivedAt: at });
  }

  poll(_t: number): readonly VenueReport[] {
    const out = this.queue;
    this.queue = [];
    return out;
  }

  nextEventAt(): number {
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Whether a cancel would find the order working now. While a bar is being met, an order the bar has not
   * reached yet is not: its fate on this bar is already being decided.
   */
  has(clientOrderId: string): boolean {
    const symbol = this.symbolOf.get(clientOrderId);
    return symbol !== undefined && this.openOrders(symbol).some((o) => o.clientOrderId === clientOrderId);
  }

  /** The symbol's working orders, in the order they were sent. */
  openOrders(symbol: string): readonly BarOrder[] {
    return this.books.get(symbol) ?? [];
  }

  /** Cancels the symbol's working orders that match, each with a `cancelled` report carrying `reason`. */
  cancelWhere(symbol: string, which: (o: BarOrder) => boolean, at: number, reason: string): void {
    for (const o of [...this.openOrders(symbol)]) if (which(o)) this.cancel(o.clientOrderId, at, reason);
  }

  /**
   * The bar opening at `openTime` meets the symbol's working orders; `position` is the signed position
   * before it. One order at a time, in the order they were sent: after each the generator pauses, so
   * the caller books that order's reports (and runs what they set off, a strategy's onFill) before the
   * next order is worked, as an exchange's sequential matching would have it. An order sent or cancelled
   * meanwhile takes effect from the next bar, or at once for a cancel of an order already worked.
   */
  *meetBar(
    symbol: string,
    openTime: number,
    open: number,
    high: number,
    low: number,
    position: Fixed,
  ): Generator<void, void, undefined> {
    const orders = this.books.get(symbol);
    if (!orders || orders.length === 0) return;
    const resting: BarOrder[] = [];
    this.books.set(symbol, resting);
    this.position = position;
    for (const o of orders) {
      this.work(o, resting, openTime, open, high, low);
      yield;
    }
  }

  private work(
    o: BarOrder,
    resting: BarOrder[],
    openTime: number,
    open: number,
    high: number,
    low: number,
  ): void {
    const at = Math.max(openTime, o.submittedAt + o.latency);
    if (!o.accepted) {
      if (
        isConditional(o.type) &&
        (triggersAbove(o.type, o.side) ? open >= o.stopPrice : open <= o.stopPrice)
      ) {
        this.end(o);
        this.report({
          kind: 'rejected',
          clientOrderId: o.clientOrderId,
          reason: `order would immediately trigger: stop ${o.stopText} already crossed at ${open}`,
          time: at,
          receivedAt: at,
        });
        return;
      }
      o.accepted = true;
      this.report({
        kind: 'accepted',
        clientOrderId: o.clientOrderId,
        venueOrderId: `sim-${o.clientOrderId}`,
        time: at,
        receivedAt: at,
      });
      if (o.postOnly && (o.side === 'BUY' ? o.price >= open : o.price <= open)) {
        this.expire(o, at, `post-only: would take liquidity at ${open} on arrival`);
        return;
      }
    }
    if (isConditional(o.type)) {
      const above = triggersAbove(o.type, o.side);
      if (!(above ? high >= o.stopPrice : low <= o.stopPrice)) {
        resting.push(o);
        return;
      }
      if (o.reduceOnly && !this.reduces(o)) {
        this.expire(o, at, 'reduce-only: nothing left to reduce');
        return;
      }
      const base = above ? Math.max(o.stopPrice, open) : Math.min(o.stopPrice, open);
      const tick = this.options.instrument(o.symbol).tickSize;
      this.report({
        kind: 'triggered',
        clientOrderId: o.clientOrderId,
        triggerPrice: toText(fromNumber(base, tick, above ? 'ceil' : 'floor')),
        time: at,
        receivedAt: at,
      });
      this.takerFill(o, base, at);
      return;
    }
    if (o.type === 'MARKET') {
      // Sent while there was a position to reduce; an earlier fill (a stop, say) may have taken it.
      if (o.reduceOnly && !this.reduces(o)) {
        this.expire(o, at, 'reduce-only: nothing left to reduce');
        return;
      }
      this.takerFill(o, open, at);
      return;
    }
    const through = o.side === 'BUY' ? low < o.price : high > o.price;
    if (through && (!o.reduceOnly || this.reduces(o))) {
      this.fill(o, o.price, at, 'maker');
    } else if (o.timeInForce !== 'GTC' || (o.reduceOnly && !this.reduces(o))) {
      this.expire(
        o,
        at,
        o.timeInForce !== 'GTC'
          ? `${o.timeInForce}: not filled on arrival`
          : 'reduce-only: nothing left to reduce',
      );
    } else {
      resting.push(o);
    }
  }

  private reduces(o: BarOrder): boolean {
    return reducesPosition(o.side, toNumber(o.quantity), toNumber(this.position));
  }

  /** A market order or a triggered stop fills as taker at `base`, moved by impact. */
  private takerFill(o: BarOrder, base: number, at: number): void {
    const qty = toNumber(o.quantity);
    const price = withImpact(base, o.side, impactFraction(this.options.impact(o.symbol), qty * base));
    this.fill(o, price, at, 'taker');
  }

  /**
   * The whole order fills at `rawPrice`. A taker's price lands on the tick grid on the trader's worse
   * side; a maker fills at its own limit, which is on the grid already.
   */
  private fill(o: BarOrder, rawPrice: number, at: number, liquidity: 'maker' | 'taker'): void {
    const tick = this.options.instrument(o.symbol).tickSize;
    const price = fromNumber(rawPrice, tick, o.side === 'BUY' ? 'ceil' : 'floor');
    this.position += o.side === 'BUY' ? o.quantity : -o.quantity;
    this.end(o);
    this.report({
      kind: 'fill',
      clientOrderId: o.clientOrderId,
      tradeId: `${o.clientOrderId}-1`,
      price: toText(price),
      quantity: toText(o.quantity),
      liquidity,
      remaining: '0',
      time: at,
      receivedAt: at,
    });
  }

  private expire(o: BarOrder, at: number, reason: string): void {
    this.end(o);
    this.report({ kind: 'expired', clientOrderId: o.clientOrderId, reason, time: at, receivedAt: at });
  }

  private end(o: BarOrder): void {
    this.symbolOf.delete(o.clientOrderId);
  }

  private report(r: VenueReport): void {
    this.queue.push(r);
  }
}
