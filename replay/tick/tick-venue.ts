import type { OrderSide } from '../../domain/ledger/events.js';
import type { DepthSnapshot, DepthStream, TradeTape } from '../../domain/sim/feeds.js';
import { impactFraction } from '../../domain/sim/impact.js';
import { L2Book } from '../../domain/sim/l2-book.js';
import { LatencyModel, zeroLatency } from '../../domain/sim/latency.js';
import { joinQueue, type QueuedOrder, queueOnDepth, queueOnTrade } from '../../domain/sim/queue.js';
import {
  lotsToQty,
  onGrid,
  priceToTicks,
  qtyToLots,
  type TickScale,
  ticksToPrice,
} from '../../domain/sim/scale.js';
import { type WalkResult, walkBook } from '../../domain/sim/walk.js';
import type {
  LimitRequest,
  MarketRequest,
  ReplayCounts,
  StopRequest,
  TickReport,
  TickVenueConfig,
} from './types.js';

interface SimOrder {
  readonly id: string;
  readonly side: OrderSide;
  readonly buy: boolean;
  readonly lots: number;
  /** NaN for a market order. */
  readonly limitTicks: number;
  /** A conditional order's stop (NaN otherwise); `rising` when a print at or above it triggers. */
  readonly stopTicks: number;
  readonly rising: boolean;
  readonly tif: 'GTC' | 'IOC' | 'FOK';
  readonly postOnly: boolean;
  state: 'in-flight' | 'open' | 'closed';
  filledLots: number;
  fills: number;
  queue: QueuedOrder | null;
}

interface Action {
  readonly time: number;
  readonly seq: number;
  readonly kind: 'arrive' | 'cancel';
  readonly order: SimOrder;
}

export interface TickFeeds {
  readonly trades: TradeTape;
  readonly snapshot: DepthSnapshot;
  readonly depth: DepthStream;
}

/**
 * A simulated venue for one symbol driven by a trade tape and an L2 diff stream. Market events are
 * merged by exchange transaction time T; on equal T a print goes before a depth message (the message
 * published at T already reflects the match at T, and the queue model must see the print first to tell
 * it from a cancel), and both go before our own order or cancel arriving at T (we cannot have beaten the
 * market inside the millisecond it was stamped, which also puts liquidity added in that ms ahead of us).
 * Equal keys keep their order in the source, and actions their placement order, so the same inputs and
 * seed give the same reports.
 */
export class TickVenue {
  readonly book = new L2Book();
  readonly counts: ReplayCounts = { trades: 0, depthMessages: 0, depthRows: 0, droppedMessages: 0 };
  private readonly scale: TickScale;
  private readonly latency: LatencyModel;
  private readonly lambda: number;
  private readonly trades: TradeTape;
  private readonly depth: DepthStream;
  private ti = 0;
  private mi = 0;
  private clock = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private readonly actions: Action[] = [];
  /** Resting orders in placement order: earlier ones take a shared print first. */
  private resting: SimOrder[] = [];
  /** Conditional orders waiting for their stop, in placement order. */
  private armed: SimOrder[] = [];
  /** The last print, the price conditional orders watch (Binance's CONTRACT_PRICE working type). */
  private lastTradeTicks = Number.NaN;
  private readonly orders = new Map<string, SimOrder>();
  private reports: TickReport[] = [];

  constructor(
    feeds: TickFeeds,
    private readonly config: TickVenueConfig,
  ) {
    this.scale = config.scale;
    this.latency = new LatencyModel(config.latency ?? zeroLatency, config.seed);
    this.lambda = config.impactLambda ?? 0;
    this.trades = feeds.trades;
    this.depth = feeds.depth;
    const s = feeds.snapshot;
    this.book.resetToSnapshot(s.lastUpdateId);
    for (let i = 0; i < s.lots.length; i++)
      (s.isAsk[i] ? this.book.asks : this.book.bids).set(s.priceTicks[i]!, s.lots[i]!);
  }

  /** The venue's time: the last processed event or the last `advanceTo` target, whichever is later. */
  get now(): number {
    return this.clock;
  }

  /** True once every trade and depth message has been replayed. */
  get exhausted(): boolean {
    return this.ti >= this.trades.length && this.mi >= this.depth.messages;
  }

  /** Time of the next market event (Infinity at the end): an engine merging feeds advances to it. */
  nextEventTime(): number {
    const tt = this.ti < this.trades.length ? this.trades.time[this.ti]! : Number.POSITIVE_INFINITY;
    const td = this.mi < this.depth.messages ? this.depth.time[this.mi]! : Number.POSITIVE_INFINITY;
    return Math.min(tt, td);
  }

  /**
   * When the next of our own orders or cancels lands (Infinity when none is in flight). With no market
   * event before it, an engine that only stepped to market events would hear of it late.
   */
  nextActionTime(): number {
    return this.actions.length > 0 ? this.actions[0]!.time : Number.POSITIVE_INFINITY;
  }

  bestBid(): number {
    return ticksToPrice(this.scale, this.book.bestBid());
  }

  bestAsk(): number {
    return ticksToPrice(this.scale, this.book.bestAsk());
  }

  /** Queue ahead of a resting order in base-asset quantity (null when it is not resting). */
  queueAhead(orderId: string): number | null {
    const o = this.orders.get(orderId);
    return o?.state === 'open' && o.queue ? lotsToQty(this.scale, o.queue.queueAhead) : null;
  }

  placeLimit(req: LimitRequest, t: number): string {
    if (!onGrid(req.price, this.scale.tickNum, this.scale.tickDen))
      throw new RangeError(`price ${req.price} is not on the tick grid`);
    const limitTicks = priceToTicks(this.scale, req.price);
    if (!(limitTicks > 0)) throw new RangeError(`limit price must be positive, got ${req.price}`);
    return this.submit(
      req.clientOrderId,
      req.side,
      req.qty,
      limitTicks,
      req.timeInForce ?? 'GTC',
      req.postOnly ?? false,
      t,
    );
  }

  placeMarket(req: MarketRequest, t: number): string {
    return this.submit(req.clientOrderId, req.side, req.qty, Number.NaN, 'IOC', false, t);
  }

  /** A STOP_MARKET / TAKE_PROFIT_MARKET order: rests unseen until a print crosses its stop, then takes the book. */
  placeStop(req: StopRequest, t: number): string {
    if (!onGrid(req.stopPrice, this.scale.tickNum, this.scale.tickDen))
      throw new RangeError(`stop price ${req.stopPrice} is not on the tick grid`);
    const stopTicks = priceToTicks(this.scale, req.stopPrice);
    if (!(stopTicks > 0)) throw new RangeError(`stop price must be positive, got ${req.stopPrice}`);
    // Binance: STOP_MARKET buys when the price rises to the stop and sells when it falls to it;
    // TAKE_PROFIT_MARKET the other way round.
    const rising = (req.kind === 'stop') === (req.side === 'BUY');
    return this.submit(req.clientOrderId, req.side, req.qty, Number.NaN, 'GTC', false, t, stopTicks, rising);
  }

  /** Requests a cancel at t; it takes effect after the cancel latency, and the order may fill meanwhile. */
  cancel(orderId: string, t: number): void {
    this.checkTime(t);
    const order = this.orders.get(orderId);
    if (!order) throw new RangeError(`unknown order ${orderId}`);
    this.schedule({ time: t + this.latency.cancel(), seq: this.seq++, kind: 'cancel', order });
  }

  /** Replays every market event and order action stamped ≤ t. */
  advanceTo(t: number): void {
    const tr = this.trades;
    const dp = this.depth;
    for (;;) {
      const tt = this.ti < tr.length ? tr.time[this.ti]! : Number.POSITIVE_INFINITY;
      const td = this.mi < dp.messages ? dp.time[this.mi]! : Number.POSITIVE_INFINITY;
      const ta = this.actions.length > 0 ? this.actions[0]!.time : Number.POSITIVE_INFINITY;
      if (tt <= td && tt <= ta) {
        if (tt > t || tt === Number.POSITIVE_INFINITY) break;
        this.clock = tt;
        this.onTrade(this.ti++);
      } else if (td <= ta) {
        if (td > t) break;
        this.clock = td;
        this.onDepth(this.mi++);
      } else {
        if (ta > t) break;
        this.clock = ta;
        this.onAction(this.actions.shift()!);
      }
    }
    if (t > this.clock && t !== Number.POSITIVE_INFINITY) this.clock = t;
  }

  /** Reports produced since the last call, in venue-time order. */
  drainReports(): TickReport[] {
    const out = this.reports;
    this.reports = [];
    return out;
  }

  private checkTime(t: number): void {
    if (!(t >= this.clock)) throw new RangeError(`time ${t} is before the venue's now ${this.clock}`);
  }

  private submit(
    clientId: string | undefined,
    side: OrderSide,
    qty: number,
    limitTicks: number,
    tif: 'GTC' | 'IOC' | 'FOK',
    postOnly: boolean,
    t: number,
    stopTicks = Number.NaN,
    rising = false,
  ): string {
    this.checkTime(t);
    if (!onGrid(qty, this.scale.lotNum, this.scale.lotDen))
      throw new RangeError(`quantity ${qty} is not a whole number of lots`);
    const lots = qtyToLots(this.scale, qty);
    if (!(lots > 0)) throw new RangeError(`quantity must be at least one lot, got ${qty}`);
    const id = clientId ?? `${this.config.symbol}-${this.orders.size + 1}`;
    if (this.orders.has(id)) throw new RangeError(`duplicate order id ${id}`);
    const order: SimOrder = {
      id,
      side,
      buy: side === 'BUY',
      lots,
      limitTicks,
      stopTicks,
      rising,
      tif,
      postOnly,
      state: 'in-flight',
      filledLots: 0,
      fills: 0,
      queue: null,
    };
    this.orders.set(id, order);
    this.schedule({ time: t + this.latency.submit(), seq: this.seq++, kind: 'arrive', order });
    return id;
  }

  private schedule(a: Action): void {
    const q = this.actions;
    let i = q.length;
    while (i > 0 && (q[i - 1]!.time > a.time || (q[i - 1]!.time === a.time && q[i - 1]!.seq > a.seq))) i--;
    q.splice(i, 0, a);
  }

  private onTrade(i: number): void {
    this.counts.trades++;
    const tr = this.trades;
    this.lastTradeTicks = tr.priceTicks[i]!;
    if (this.armed.length > 0) this.triggerOn(this.lastTradeTicks, tr.time[i]!);
    const resting = this.resting;
    if (resting.length === 0) return;
    const px = tr.priceTicks[i]!;
    const lots = tr.lots[i]!;
    const sellerTaker = tr.sellerTaker[i] === 1;
    let taken = 0;
    let closed = false;
    for (let k = 0; k < resting.length; k++) {
      const o = resting[k]!;
      const q = o.queue!;
      const fill = queueOnTrade(q, px, lots, sellerTaker, taken);
      if (fill <= 0) continue;
      if (q.priceTicks === px) taken += fill;
      this.fill(o, q.priceTicks, fill, 'maker', tr.time[i]!, tr.tradeId[i]!);
      if (o.filledLots >= o.lots) {
        o.state = 'closed';
        closed = true;
      }
    }
    if (closed) this.resting = resting.filter((o) => o.state === 'open');
  }

  private onDepth(m: number): void {
    const dp = this.depth;
    const start = dp.rowStart[m]!;
    const end = dp.rowStart[m + 1]!;
    if (this.book.beginMessage(dp.firstId[m]!, dp.lastId[m]!, dp.prevId[m]!) === 'drop') {
      this.counts.droppedMessages++;
      return;
    }
    this.counts.depthMessages++;
    this.counts.depthRows += end - start;
    const bids = this.book.bids;
    const asks = this.book.asks;
    const resting = this.resting;
    const watch = resting.length > 0;
    for (let r = start; r < end; r++) {
      const ask = dp.isAsk[r] === 1;
      const px = dp.priceTicks[r]!;
      const lots = dp.lots[r]!;
      const prev = (ask ? asks : bids).set(px, lots);
      if (!watch) continue;
      for (let k = 0; k < resting.length; k++) {
        const q = resting[k]!.queue!;
        if (q.priceTicks === px && q.buy !== ask) queueOnDepth(q, prev, lots);
      }
    }
  }

  private onAction(a: Action): void {
    const o = a.order;
    if (a.kind === 'cancel') {
      if (o.state !== 'open') {
        this.report({
          kind: 'cancel-rejected',
          orderId: o.id,
          time: a.time,
          receivedAt: this.ack(a.time),
          reason: 'not-open',
        });
        return;
      }
      this.close(o, a.time, 'user');
      if (Number.isNaN(o.stopTicks)) this.resting = this.resting.filter((x) => x !== o);
      else this.armed = this.armed.filter((x) => x !== o);
      return;
    }
    if (Number.isNaN(o.stopTicks)) this.arrive(o, a.time);
    else this.arm(o, a.time);
  }

  private crossed(o: SimOrder, px: number): boolean {
    return o.rising ? px >= o.stopTicks : px <= o.stopTicks;
  }

  private arm(o: SimOrder, t: number): void {
    // Binance refuses a conditional order its working price has already crossed (-2021, "would
    // immediately trigger") rather than filling it at once.
    if (!Number.isNaN(this.lastTradeTicks) && this.crossed(o, this.lastTradeTicks)) {
      this.reject(o, t, 'would-trigger');
      return;
    }
    this.accept(o, t);
    o.state = 'open';
    this.armed.push(o);
  }

  /**
   * A print crossed armed stops: each becomes a market order at once, inside the matching engine, so
   * against the book as it stands before the depth update stamped with the same time (prints go first).
   */
  private triggerOn(px: number, t: number): void {
    let fired = false;
    for (const o of this.armed) {
      if (!this.crossed(o, px)) continue;
      fired = true;
      this.report({
        kind: 'triggered',
        orderId: o.id,
        time: t,
        receivedAt: this.ack(t),
        triggerPrice: ticksToPrice(this.scale, px),
      });
      const opp = o.buy ? this.book.asks : this.book.bids;
      if (Number.isNaN(opp.best())) {
        this.close(o, t, 'book-thin');
        continue;
      }
      if (this.sweep(o, walkBook(opp, o.buy, o.lots - o.filledLots), t)) this.close(o, t, 'book-thin');
      else o.state = 'closed';
    }
    if (fired) this.armed = this.armed.filter((o) => o.state === 'open');
  }

  private arrive(o: SimOrder, t: number): void {
    if (!this.book.synced) {
      this.reject(o, t, 'book-not-synced');
      return;
    }
    const book = this.book;
    const opp = o.buy ? book.asks : book.bids;
    const own = o.buy ? book.bids : book.asks;
    const isMarket = Number.isNaN(o.limitTicks);
    const bestOpp = opp.best();
    const crosses =
      !Number.isNaN(bestOpp) && (isMarket || (o.buy ? bestOpp <= o.limitTicks : bestOpp >= o.limitTicks));
    if (isMarket && !crosses) {
      this.reject(o, t, 'no-liquidity');
      return;
    }
    if (crosses && o.postOnly) {
      this.reject(o, t, 'would-take');
      return;
    }
    if (crosses) {
      const w = walkBook(opp, o.buy, o.lots, o.limitTicks);
      if (o.tif === 'FOK' && w.partial) {
        this.accept(o, t);
        this.close(o, t, 'fok-unfilled');
        return;
      }
      this.accept(o, t);
      this.sweep(o, w, t);
      if (!w.partial) {
        o.state = 'closed';
        return;
      }
      if (isMarket) {
        this.close(o, t, 'book-thin');
        return;
      }
    } else this.accept(o, t);
    if (o.tif !== 'GTC') {
      this.close(o, t, o.tif === 'FOK' ? 'fok-unfilled' : 'ioc-remainder');
      return;
    }
    o.state = 'open';
    o.queue = joinQueue(o.buy, o.limitTicks, o.lots, own.get(o.limitTicks));
    o.queue.filledLots = o.filledLots;
    this.resting.push(o);
  }

  /** Books a walk of the book as taker fills; true when it left part of the order unfilled. */
  private sweep(o: SimOrder, w: WalkResult, t: number): boolean {
    const f =
      this.lambda > 0
        ? impactFraction(
            this.lambda,
            ticksToPrice(this.scale, w.avgPriceTicks) * lotsToQty(this.scale, w.filledLots),
          )
        : 0;
    for (const lf of w.fills) this.fill(o, this.impacted(lf.priceTicks, o.buy, f), lf.lots, 'taker', t, null);
    return w.partial;
  }

  /** Impact moves the price against the taker; rounded outward to the tick grid so the ledger can book it. */
  private impacted(ticks: number, buy: boolean, fraction: number): number {
    if (fraction <= 0) return ticks;
    return buy ? Math.ceil(ticks * (1 + fraction)) : Math.floor(ticks * (1 - fraction));
  }

  private ack(t: number): number {
    return t + this.latency.ack();
  }

  private report(r: TickReport): void {
    this.reports.push(r);
  }

  private accept(o: SimOrder, t: number): void {
    this.report({ kind: 'accepted', orderId: o.id, time: t, receivedAt: this.ack(t) });
  }

  private reject(
    o: SimOrder,
    t: number,
    reason: 'book-not-synced' | 'would-take' | 'no-liquidity' | 'would-trigger',
  ): void {
    o.state = 'closed';
    this.report({ kind: 'rejected', orderId: o.id, time: t, receivedAt: this.ack(t), reason });
  }

  private close(
    o: SimOrder,
    t: number,
    reason: 'user' | 'ioc-remainder' | 'fok-unfilled' | 'book-thin',
  ): void {
    o.state = 'closed';
    const cancelledQty = lotsToQty(this.scale, o.lots - o.filledLots);
    this.report({ kind: 'cancelled', orderId: o.id, time: t, receivedAt: this.ack(t), reason, cancelledQty });
  }

  private fill(
    o: SimOrder,
    priceTicks: number,
    lots: number,
    liquidity: 'maker' | 'taker',
    t: number,
    tradeId: number | null,
  ): void {
    o.filledLots += lots;
    o.fills++;
    this.report({
      kind: 'fill',
      orderId: o.id,
      fillId: `${o.id}:${o.fills}`,
      time: t,
      receivedAt: this.ack(t),
      side: o.side,
      price: ticksToPrice(this.scale, priceTicks),
      qty: lotsToQty(this.scale, lots),
      liquidity,
      tradeId,
      leavesQty: lotsToQty(this.scale, o.lots - o.filledLots),
    });
  }
}
