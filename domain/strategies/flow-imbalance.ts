import { z } from 'zod';
import { param } from '../optimizer/param.js';
import type {
  BookView,
  FillView,
  SignalRecord,
  StrategyContext,
  StrategyDefinition,
  StrategyHandlers,
  TradeView,
} from '../strategy/sdk.js';
import { PerSymbol } from './per-symbol.js';

export const flowImbalanceParams = z.object({
  windowMs: param
    .int({ min: 1_000, max: 60_000, step: 500, description: 'trade-flow window (ms)' })
    .default(5_000),
  minTrades: param
    .int({ min: 3, max: 500, log: true, description: 'prints in the window before the flow counts' })
    .default(20),
  flowThreshold: param
    .number({
      min: 0.1,
      max: 0.95,
      step: 0.05,
      description: 'enter when (aggressive buys − sells) / both over the window reaches this',
    })
    .default(0.5),
  bookThreshold: param
    .number({
      min: 0,
      max: 0.95,
      step: 0.05,
      description: 'and the top of the book leans the same way at least this much',
    })
    .default(0.3),
  takeProfitBps: param
    .number({ min: 1, max: 100, step: 0.5, description: 'take-profit distance from the entry (bps)' })
    .default(8),
  stopLossBps: param
    .number({ min: 1, max: 100, step: 0.5, description: 'stop distance from the entry (bps)' })
    .default(6),
  entryTimeoutMs: param
    .int({ min: 100, max: 30_000, step: 100, description: 'cancel an unfilled entry after this long' })
    .default(2_000),
  maxHoldMs: param
    .int({ min: 1_000, max: 600_000, step: 1_000, description: 'leave at market after this long' })
    .default(60_000),
  cooldownMs: param
    .int({ min: 0, max: 600_000, step: 1_000, description: 'wait after an exit before entering again' })
    .default(10_000),
  riskFraction: param
    .number({
      min: 0.0001,
      max: 0.01,
      step: 0.0001,
      log: true,
      description: 'equity lost if the stop is hit: sizes the entry',
    })
    .default(0.0005),
  allowShort: param.boolean().default(true),
});

export type FlowImbalanceParams = z.infer<typeof flowImbalanceParams>;

/**
 * Aggressive volume over a sliding time window. Parallel arrays with a head index instead of a queue of
 * objects: a busy symbol prints tens of trades a second and each costs two numbers, not an allocation.
 */
class FlowWindow {
  private times: number[] = [];
  private signed: number[] = [];
  private head = 0;
  buy = 0;
  sell = 0;

  get count(): number {
    return this.times.length - this.head;
  }

  add(time: number, quantity: number, buyerMaker: boolean, windowMs: number): void {
    // buyerMaker: the buyer rested, so the aggressor sold.
    const q = buyerMaker ? -quantity : quantity;
    this.times.push(time);
    this.signed.push(q);
    if (q > 0) this.buy += q;
    else this.sell -= q;
    while (this.head < this.times.length && this.times[this.head]! <= time - windowMs) {
      const old = this.signed[this.head++]!;
      if (old > 0) this.buy -= old;
      else this.sell += old;
    }
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.signed = this.signed.slice(this.head);
      this.head = 0;
      // Re-summed from what is left, so rounding from many adds and removes cannot build up.
      this.buy = 0;
      this.sell = 0;
      for (const v of this.signed) {
        if (v > 0) this.buy += v;
        else this.sell -= v;
      }
    }
  }

  /** (buys − sells) / (buys + sells), in [-1, 1]; 0 with no volume. */
  get imbalance(): number {
    const total = this.buy + this.sell;
    return total > 0 ? Math.max(-1, Math.min(1, (this.buy - this.sell) / total)) : 0;
  }
}

class SymbolTrade {
  readonly flow = new FlowWindow();
  /** The working entry, if any. */
  entryId: string | null = null;
  entrySentAt = 0;
  /**
   * Entries by id, with the time their cancel was sent (NaN while working): a cancel lands after the
   * venue's latency and the order may fill first, so a cancelled entry still counts for a while.
   */
  readonly entries = new Map<string, number>();
  entryQty = 0;
  entryNotional = 0;
  heldSince = Number.NaN;
  takeProfitId: string | null = null;
  stopId: string | null = null;
  exitId: string | null = null;
  cooldownUntil = 0;

  reset(now: number, cooldownMs: number): void {
    this.entryId = null;
    this.entries.clear();
    this.entryQty = 0;
    this.entryNotional = 0;
    this.heldSince = Number.NaN;
    this.takeProfitId = null;
    this.stopId = null;
    this.exitId = null;
    this.cooldownUntil = now + cooldownMs;
  }
}

const EPS = 1e-12;
/** How long a cancelled entry may still report a fill: far above the venue's cancel latency. */
const CANCEL_GRACE_MS = 5_000;

/**
 * Order-flow imbalance, the microstructure family: when aggressive buying has dominated the last few
 * seconds of prints and the top of the book leans the same way (more resting on the bid than the ask),
 * join the bid with a post-only limit order; the mirror image for shorts. Each entry fill brings a
 * reduce-only take-profit limit and a reduce-only stop-market for the whole position, one cancelling the
 * other when it fills; an entry that has not filled in `entryTimeoutMs` is cancelled, and a position
 * held `maxHoldMs` leaves at market. Sized so that the stop costs `riskFraction` of equity.
 *
 * It needs trades and the L2 book (`feeds`), so it runs where a capture exists (../shared/data holds six
 * minutes of BTCUSDT) and is not paper-traded by `npm start`. The 10 s bars only feed the risk check's
 * ATR. It is a worked example of the tick path, not an edge: at a few basis points a trade the maker and
 * taker fees (2 and 5 bps at Binance's VIP0) decide the result, which the fills record exactly.
 */
export const flowImbalance: StrategyDefinition<FlowImbalanceParams> = {
  id: 'flow-imbalance',
  version: '1.0.0',
  description: 'Join the bid when aggressive buying and the book lean the same way (mirror for shorts)',
  params: flowImbalanceParams,
  timeframe: '10s',
  feeds: { trades: true, book: true },
  create(p, setup): StrategyHandlers {
    const states = new PerSymbol(() => new SymbolTrade(), setup.symbols);

    const signal = (
      side: SignalRecord['side'],
      s: SymbolTrade,
      features: Record<string, number | string>,
    ): SignalRecord => ({
      side,
      strength: side === 'flat' ? 0 : s.flow.imbalance,
      features: { flow: s.flow.imbalance, prints: s.flow.count, windowMs: p.windowMs, ...features },
    });

    const cancelExits = (ctx: StrategyContext, s: SymbolTrade): void => {
      if (s.takeProfitId) ctx.cancel(s.takeProfitId);
      if (s.stopId) ctx.cancel(s.stopId);
      s.takeProfitId = null;
      s.stopId = null;
    };

    /** Exits for the whole position at the average entry: one take-profit, one stop. */
    const placeExits = (ctx: StrategyContext, s: SymbolTrade, symbol: string, position: number): void => {
      cancelExits(ctx, s);
      const entry = s.entryNotional / s.entryQty;
      const long = position > 0;
      const side = long ? 'SELL' : 'BUY';
      const quantity = Math.abs(position);
      const why = signal('flat', s, { entry, reason: 'protect' });
      s.takeProfitId = ctx.order(
        {
          symbol,
          side,
          type: 'LIMIT',
          quantity,
          price: entry * (1 + ((long ? 1 : -1) * p.takeProfitBps) / 10_000),
          reduceOnly: true,
        },
        why,
      );
      s.stopId = ctx.order(
        {
          symbol,
          side,
          type: 'STOP_MARKET',
          quantity,
          stopPrice: entry * (1 - ((long ? 1 : -1) * p.stopLossBps) / 10_000),
          reduceOnly: true,
        },
        why,
      );
    };

    const manage = (ctx: StrategyContext, s: SymbolTrade, symbol: string): void => {
      if (s.entryId && ctx.now - s.entrySentAt >= p.entryTimeoutMs) {
        ctx.cancel(s.entryId);
        s.entries.set(s.entryId, ctx.now);
        s.entryId = null;
      }
      for (const [id, cancelledAt] of s.entries)
        if (ctx.now - cancelledAt > CANCEL_GRACE_MS) s.entries.delete(id);
      const position = ctx.position(symbol);
      if (Math.abs(position) > EPS && !s.exitId && ctx.now - s.heldSince >= p.maxHoldMs) {
        cancelExits(ctx, s);
        s.exitId = ctx.order(
          {
            symbol,
            side: position > 0 ? 'SELL' : 'BUY',
            type: 'MARKET',
            quantity: Math.abs(position),
            reduceOnly: true,
          },
          signal('flat', s, { reason: 'time', heldMs: ctx.now - s.heldSince }),
        );
      }
    };

    return {
      onTrade(trade: TradeView, ctx) {
        const s = states.get(trade.symbol);
        s.flow.add(trade.time, trade.quantity, trade.buyerMaker, p.windowMs);
        manage(ctx, s, trade.symbol);
      },

      onBook(book: BookView, ctx) {
        const s = states.get(book.symbol);
        manage(ctx, s, book.symbol);
        const busy = s.entryId !== null || s.entries.size > 0 || Math.abs(ctx.position(book.symbol)) > EPS;
        if (busy || ctx.now < s.cooldownUntil || s.flow.count < p.minTrades) return;
        const depth = book.bidQty + book.askQty;
        if (!(depth > 0) || !(book.bestAsk > book.bestBid)) return;
        const lean = (book.bidQty - book.askQty) / depth;
        const flow = s.flow.imbalance;
        const dir =
          flow >= p.flowThreshold && lean >= p.bookThreshold
            ? 1
            : p.allowShort && flow <= -p.flowThreshold && lean <= -p.bookThreshold
              ? -1
              : 0;
        if (dir === 0) return;
        const price = dir > 0 ? book.bestBid : book.bestAsk;
        const quantity = (ctx.equity() * p.riskFraction) / ((price * p.stopLossBps) / 10_000);
        const id = ctx.order(
          {
            symbol: book.symbol,
            side: dir > 0 ? 'BUY' : 'SELL',
            type: 'LIMIT',
            quantity,
            price,
            postOnly: true,
          },
          signal(dir > 0 ? 'long' : 'short', s, {
            bookLean: lean,
            bestBid: book.bestBid,
            bestAsk: book.bestAsk,
            spreadBps: ((book.bestAsk - book.bestBid) / book.bestBid) * 10_000,
          }),
        );
        // Refused (the log's RiskDecided says why: before the risk check has its ATR, say): back off
        // rather than ask again on the next book update.
        if (id === null) {
          s.cooldownUntil = ctx.now + p.cooldownMs;
          return;
        }
        s.entryId = id;
        s.entrySentAt = ctx.now;
        s.entries.set(id, Number.NaN);
      },

      onFill(fill: FillView, ctx) {
        const s = states.get(fill.symbol);
        // The exchange closing the position itself (a liquidation, an ADL) ends it like an exit of ours.
        const exit =
          fill.forced !== undefined ||
          fill.orderId === s.takeProfitId ||
          fill.orderId === s.stopId ||
          fill.orderId === s.exitId;
        if (exit) {
          if (Math.abs(fill.positionAfter) > EPS) return; // a partial exit: the rest stays protected
          cancelExits(ctx, s);
          if (s.entryId) ctx.cancel(s.entryId);
          s.reset(ctx.now, p.cooldownMs);
          return;
        }
        // An entry, or a cancelled one that filled after its exits were done: either way the position
        // it leaves gets exits and a clock.
        if (Math.abs(fill.positionAfter) <= EPS) return;
        if (Number.isNaN(s.heldSince)) s.heldSince = ctx.now;
        s.entryQty += fill.quantity;
        s.entryNotional += fill.quantity * fill.price;
        placeExits(ctx, s, fill.symbol, fill.positionAfter);
      },
    };
  },
};
