import type { EquityMarkedData, RunInputs } from '../../domain/backtest/events.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { drawdown, summarisePerformance } from '../../domain/optimizer/performance.js';

export interface Trade {
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly openedAt: number;
  readonly closedAt: number | null;
  readonly entryPrice: number;
  readonly exitPrice: number | null;
  /** Largest absolute size the trade reached. */
  readonly maxQuantity: number;
  readonly realisedPnl: number;
  readonly fees: number;
  readonly funding: number;
  /** realised − fees + funding */
  readonly netPnl: number;
  readonly fills: number;
}

export interface Kpis {
  readonly startEquity: number;
  readonly finalEquity: number;
  readonly totalReturn: number;
  readonly cagr: number;
  readonly sharpe: number;
  readonly sortino: number;
  readonly calmar: number;
  readonly maxDrawdown: number;
  readonly maxDrawdownMs: number;
  readonly winRate: number;
  readonly profitFactor: number;
  /** Share of equity marks with an open position. */
  readonly exposure: number;
  /** Traded notional ÷ average equity. */
  readonly turnover: number;
  /** Commissions net of makers' rebates, as the wallet paid them. */
  readonly fees: number;
  /** What a rebate tier paid the run's maker fills (≥ 0; `fees` is already net of it). */
  readonly rebates: number;
  readonly funding: number;
  readonly realisedPnl: number;
  readonly trades: number;
  readonly riskApproved: number;
  readonly riskResized: number;
  readonly riskRejected: number;
  readonly stopsTriggered: number;
  readonly liquidations: number;
  readonly breakerTransitions: number;
}

interface OpenTrade {
  symbol: string;
  side: 'long' | 'short';
  openedAt: number;
  entryPrice: number;
  maxQuantity: number;
  realisedPnl: number;
  fees: number;
  funding: number;
  fills: number;
}

const num = (x: unknown): number => (typeof x === 'number' ? x : Number(x));

/**
 * The results of a run as a projection of its events: equity curve from EquityMarked, trades from
 * FillSettled/FeeCharged/FundingPaid, risk and stop outcomes from their events. It reads nothing but
 * the log, so the same fold serves a finished backtest, a paper run in progress and a persisted run.
 */
/**
 * The KPIs a curve too short for returns, or one that reached zero (a return past −100 % means nothing),
 * still has: the drawdown needs no positive equity, and a run that lost everything compounded at −100 %.
 */
const ruinedOrShort = (equity: readonly number[], start: number) => {
  const last = equity[equity.length - 1]!;
  const { maxDrawdown, maxDrawdownPeriods } = drawdown(equity);
  const ruined = equity.some((x) => x <= 0);
  const cagr = ruined && last <= 0 ? -1 : Number.NaN;
  return {
    totalReturn: last / start - 1,
    cagr,
    sharpe: Number.NaN,
    sortino: Number.NaN,
    calmar: maxDrawdown > 0 ? cagr / maxDrawdown : Number.NaN,
    maxDrawdown: equity.length >= 2 ? maxDrawdown : Number.NaN,
    maxDrawdownPeriods,
  };
};

export class RunResults {
  inputs: RunInputs | null = null;
  readonly curve: { at: number; equity: number; exposure: number }[] = [];
  private readonly closed: (OpenTrade & { closedAt: number; exitPrice: number })[] = [];
  private readonly open = new Map<string, OpenTrade>();
  /** The trade each order's fill touched: its FeeCharged (which follows the fill) is booked there. */
  private readonly tradeByOrder = new Map<string, OpenTrade>();
  /**
   * A fill that reverses a position both closes a trade (tradeByOrder) and opens the next: its fee is
   * shared between them by quantity, so each side of the reversal pays for its own part of the fill.
   * Only reversals have an entry, so an ordinary fill costs no more than before.
   */
  private readonly reversalByOrder = new Map<string, { opened: OpenTrade; closedShare: number }>();
  private lastCharged: { readonly orderId: string; readonly trade: OpenTrade } | null = null;
  private fees = 0;
  private rebates = 0;
  private funding = 0;
  private realised = 0;
  private tradedNotional = 0;
  private riskApproved = 0;
  private riskResized = 0;
  private riskRejected = 0;
  private stopsTriggered = 0;
  private liquidations = 0;
  private breakerTransitions = 0;

  apply(e: StoredEvent): void {
    const d = e.data as Record<string, unknown>;
    switch (e.type) {
      case 'RunStarted':
        this.inputs = e.data as RunInputs;
        break;
      case 'EquityMarked': {
        const m = e.data as EquityMarkedData;
        this.curve.push({ at: m.at, equity: m.equity, exposure: m.exposure });
        break;
      }
      case 'FeeCharged': {
        const amount = num(d.amount);
        this.fees += amount;
        if (amount < 0) this.rebates -= amount;
        const orderId = d.orderId ? String(d.orderId) : null;
        // A second fee on an order already charged (a liquidation's clearance fee, reported after the
        // fill's own) belongs to the trade that order closed: the last order charged is remembered.
        const t =
          orderId === null
            ? this.open.get(String(d.symbol))
            : (this.tradeByOrder.get(orderId) ??
              (this.lastCharged?.orderId === orderId ? this.lastCharged.trade : undefined));
        const reversal = orderId !== null ? this.reversalByOrder.get(orderId) : undefined;
        if (t && reversal) {
          const closing = amount * reversal.closedShare;
          t.fees += closing;
          // The remainder, not amount × (1 − share): the two parts then add up to the fee exactly.
          reversal.opened.fees += amount - closing;
        } else if (t) t.fees += amount;
        if (orderId !== null) {
          if (t && !reversal) this.lastCharged = { orderId, trade: t };
          this.tradeByOrder.delete(orderId);
          this.reversalByOrder.delete(orderId);
        }
        break;
      }
      case 'FundingPaid': {
        const amount = num(d.amount);
        this.funding += amount;
        const t = this.open.get(String(d.symbol));
        if (t) t.funding += amount;
        break;
      }
      case 'FillSettled':
        // The exchange liquidating a real run is a liquidation like the simulated one.
        if (d.forced === 'liquidation') this.liquidations++;
        this.onFill(e, d);
        break;
      case 'PositionTakenOver': {
        // Carried on from an earlier run: a round trip of this run from here, at the position's own entry.
        const at = Date.parse(e.metadata.occurredAt);
        this.openTrade(String(d.symbol), num(d.quantity), at, num(d.entryPrice));
        break;
      }
      case 'PositionLiquidated': {
        this.liquidations++;
        const symbol = String(d.symbol);
        const t = this.open.get(symbol);
        const pnl = num(d.realisedPnl);
        this.realised += pnl;
        if (t) {
          t.realisedPnl += pnl;
          this.close(t, e, num(d.markPrice));
        }
        break;
      }
      case 'RiskDecided':
        if (d.outcome === 'approve') this.riskApproved++;
        else if (d.outcome === 'resize') this.riskResized++;
        else this.riskRejected++;
        break;
      case 'StopStatusChanged':
        if (d.to === 'triggered') this.stopsTriggered++;
        break;
      case 'BreakerLevelChanged':
        this.breakerTransitions++;
        break;
    }
  }

  private onFill(e: StoredEvent, d: Record<string, unknown>): void {
    const symbol = String(d.symbol);
    const orderId = String(d.orderId);
    const qty = num(d.quantity);
    const price = num(d.price);
    const after = num(d.positionQuantity);
    const pnl = num(d.realisedPnl);
    this.realised += pnl;
    this.tradedNotional += qty * price;
    const at = Date.parse(e.metadata.occurredAt);
    let t = this.open.get(symbol);
    if (t) {
      t.realisedPnl += pnl;
      t.fills++;
      this.tradeByOrder.set(orderId, t);
      if (after === 0 || Math.sign(after) !== (t.side === 'long' ? 1 : -1)) {
        this.close(t, e, price);
        t = undefined;
      } else {
        t.maxQuantity = Math.max(t.maxQuantity, Math.abs(after));
      }
      if (after !== 0 && !t) {
        // Reversed: the fill closed the old position (qty − |after| of it) and opened |after| the other way.
        const opened = this.openTrade(symbol, after, at, num(d.entryPrice));
        this.reversalByOrder.set(orderId, { opened, closedShare: (qty - Math.abs(after)) / qty });
      }
      return;
    }
    if (after !== 0) this.tradeByOrder.set(orderId, this.openTrade(symbol, after, at, num(d.entryPrice)));
  }

  private openTrade(symbol: string, qty: number, at: number, entryPrice: number): OpenTrade {
    const t: OpenTrade = {
      symbol,
      side: qty > 0 ? 'long' : 'short',
      openedAt: at,
      entryPrice,
      maxQuantity: Math.abs(qty),
      realisedPnl: 0,
      fees: 0,
      funding: 0,
      fills: 1,
    };
    this.open.set(symbol, t);
    return t;
  }

  private close(t: OpenTrade, e: StoredEvent, exitPrice: number): void {
    this.open.delete(t.symbol);
    this.closed.push(Object.assign(t, { closedAt: Date.parse(e.metadata.occurredAt), exitPrice }));
  }

  /** Closed round trips, oldest first. */
  get trades(): Trade[] {
    // Object.assign, not `{ ...t, netPnl }`: a spread followed by a new key is V8's slow path (~1 µs a key).
    return this.closed.map((t) => Object.assign({}, t, { netPnl: t.realisedPnl - t.fees + t.funding }));
  }

  /** Trades still open at the end, marked as such (closedAt null). */
  openTrades(): Trade[] {
    return [...this.open.values()].map((t) =>
      Object.assign({}, t, { closedAt: null, exitPrice: null, netPnl: t.realisedPnl - t.fees + t.funding }),
    );
  }

  kpis(): Kpis {
    const start = this.inputs ? Number(this.inputs.initialBalance) : (this.curve[0]?.equity ?? 0);
    const equity = [start, ...this.curve.map((p) => p.equity)];
    const markMs = Number(
      (this.inputs?.config as { equityMarkMs?: number } | undefined)?.equityMarkMs ?? 3_600_000,
    );
    const periodsPerYear = (365 * 86_400_000) / markMs;
    const perf =
      equity.length >= 3 && equity.every((x) => x > 0)
        ? summarisePerformance(equity, periodsPerYear)
        : ruinedOrShort(equity, start);
    const trades = this.trades;
    const wins = trades.filter((t) => t.netPnl > 0);
    const losses = trades.filter((t) => t.netPnl <= 0);
    const grossWin = wins.reduce((s, t) => s + t.netPnl, 0);
    const grossLoss = -losses.reduce((s, t) => s + t.netPnl, 0);
    const avgEquity = equity.reduce((s, x) => s + x, 0) / equity.length;
    return {
      startEquity: start,
      finalEquity: equity[equity.length - 1]!,
      totalReturn: perf.totalReturn,
      cagr: perf.cagr,
      sharpe: perf.sharpe,
      sortino: perf.sortino,
      calmar: perf.calmar,
      maxDrawdown: perf.maxDrawdown,
      maxDrawdownMs: perf.maxDrawdownPeriods * markMs,
      winRate: trades.length ? wins.length / trades.length : Number.NaN,
      profitFactor:
        grossLoss > 0 ? grossWin / grossLoss : grossWin > 0 ? Number.POSITIVE_INFINITY : Number.NaN,
      exposure: this.curve.length ? this.curve.filter((p) => p.exposure > 0).length / this.curve.length : 0,
      turnover: avgEquity > 0 ? this.tradedNotional / avgEquity : 0,
      fees: this.fees,
      rebates: this.rebates,
      funding: this.funding,
      realisedPnl: this.realised,
      trades: trades.length,
      riskApproved: this.riskApproved,
      riskResized: this.riskResized,
      riskRejected: this.riskRejected,
      stopsTriggered: this.stopsTriggered,
      liquidations: this.liquidations,
      breakerTransitions: this.breakerTransitions,
    };
  }
}

export const foldRun = (events: Iterable<StoredEvent>): RunResults => {
  const r = new RunResults();
  for (const e of events) r.apply(e);
  return r;
};
