import type { Evidence } from './gates.js';

const DAY = 86_400_000;

/** The part of an event the evidence reads. */
export interface EvidenceEvent {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: { readonly correlationId: string };
}

/**
 * What a run's own events show, folded as they come: its equity marks (returns, drawdown, Sharpe), its
 * closing trades, the slippage of its fills against the price each order was sized at, and whether its
 * breaker halted it or it was liquidated (simulated, or by the exchange). The lifecycle's gates read it
 * (gates.ts).
 */
export class EvidenceFold {
  private firstAt = Number.NaN;
  private lastAt = Number.NaN;
  /** The current segment's first equity (NaN until its first mark). */
  private start = Number.NaN;
  /** The segments before this one compounded (1 for a single run). */
  private growth = 1;
  /** Their highest equity, as a multiple of the first segment's start (−∞: none before). */
  private priorPeak = Number.NEGATIVE_INFINITY;
  private last = Number.NaN;
  /** The equity of the mark before the last one. */
  private beforeLast = Number.NaN;
  private peak = Number.NEGATIVE_INFINITY;
  private maxDrawdown = 0;
  private readonly returns: number[] = [];
  private trades = 0;
  private tripped = false;
  /** Decision price of each correlation (its PositionSized), and the slippage sums of the fills that followed. */
  private readonly sizedAt = new Map<string, number>();
  private slipSum = 0;
  private slipFills = 0;
  private readonly sides = new Map<string, 'BUY' | 'SELL'>();
  private readonly orderCorrelation = new Map<string, string>();

  constructor(readonly runId: string) {}

  add(e: EvidenceEvent): void {
    const d = e.data as Record<string, unknown>;
    switch (e.type) {
      case 'EquityMarked': {
        const at = Number(d.at);
        const equity = Number(d.equity);
        if (Number.isNaN(this.start)) {
          if (Number.isNaN(this.firstAt)) this.firstAt = at;
          this.start = equity;
          // The peak before it, in this segment's money: its drawdown is measured from there.
          this.peak =
            this.priorPeak === Number.NEGATIVE_INFINITY
              ? Number.NEGATIVE_INFINITY
              : (this.priorPeak / this.growth) * equity;
        } else if (at === this.lastAt) {
          // A second mark at the same time (a run's last bar and its end) replaces the first, as the runs
          // read model does: a zero return between the two would bias the Sharpe and the KS test.
          if (this.returns.length > 0 && this.beforeLast > 0)
            this.returns[this.returns.length - 1] = equity / this.beforeLast - 1;
          else this.start = equity;
        } else {
          if (this.last > 0) this.returns.push(equity / this.last - 1);
          this.beforeLast = this.last;
        }
        this.lastAt = at;
        this.last = equity;
        if (equity > this.peak) this.peak = equity;
        if (this.peak > 0) this.maxDrawdown = Math.max(this.maxDrawdown, 1 - equity / this.peak);
        return;
      }
      case 'PositionSized': {
        const price = Number((d.inputs as Record<string, unknown> | undefined)?.price);
        if (Number.isFinite(price) && price > 0) this.sizedAt.set(e.metadata.correlationId, price);
        return;
      }
      case 'OrderRequested':
        this.sides.set(String(d.orderId), d.side === 'SELL' ? 'SELL' : 'BUY');
        this.orderCorrelation.set(String(d.orderId), e.metadata.correlationId);
        return;
      case 'OrderFilled': {
        const orderId = String(d.orderId);
        const sized = this.sizedAt.get(this.orderCorrelation.get(orderId) ?? '');
        const price = Number(d.price);
        // Stop exits and flattening were not sized at a decision price: they carry no slippage figure.
        if (sized === undefined || !(price > 0)) return;
        const adverse = this.sides.get(orderId) === 'SELL' ? sized - price : price - sized;
        this.slipSum += (adverse / sized) * 10_000;
        this.slipFills++;
        return;
      }
      case 'FillSettled':
        if (Number(d.realisedPnl) !== 0) this.trades++;
        // Liquidated by the exchange: a risk hit, as a breaker halt is (an ADL is not the run's doing).
        if (d.forced === 'liquidation') this.tripped = true;
        return;
      case 'PositionLiquidated':
        this.tripped = true;
        return;
      case 'BreakerLevelChanged':
        if (d.to === 'halt' || d.to === 'flatten') this.tripped = true;
        return;
    }
  }

  /**
   * The events that follow are another run's that goes on from this one (the strategy's next real run
   * after a restart of the node): its first mark starts a new base, no return spans the gap between the
   * two, and the total return and the drawdown compound over both, as one equity curve. Its money may
   * differ (another share of the account): only its returns count.
   */
  segment(): void {
    if (Number.isNaN(this.start)) return;
    if (this.start > 0) {
      this.priorPeak = Math.max(this.priorPeak, (this.growth * this.peak) / this.start);
      this.growth *= this.last / this.start;
    }
    this.start = Number.NaN;
    this.last = Number.NaN;
    this.beforeLast = Number.NaN;
    this.peak = Number.NEGATIVE_INFINITY;
  }

  evidence(): Evidence {
    const n = this.returns.length;
    let sum = 0;
    let sumsq = 0;
    for (const r of this.returns) {
      sum += r;
      sumsq += r * r;
    }
    const mean = n > 0 ? sum / n : 0;
    const sd = n > 1 ? Math.sqrt(Math.max(0, (sumsq - n * mean * mean) / (n - 1))) : 0;
    const stepMs = n > 0 ? (this.lastAt - this.firstAt) / n : 0;
    const sharpe = sd > 0 && stepMs > 0 ? (mean / sd) * Math.sqrt((365 * DAY) / stepMs) : null;
    return {
      runId: this.runId,
      days: Number.isNaN(this.firstAt) ? 0 : (this.lastAt - this.firstAt) / DAY,
      trades: this.trades,
      totalReturn: this.start > 0 ? this.growth * (this.last / this.start) - 1 : this.growth - 1,
      maxDrawdown: this.maxDrawdown,
      sharpe: sharpe !== null && Number.isFinite(sharpe) ? sharpe : null,
      returns: [...this.returns],
      slippageBps: this.slipFills > 0 ? this.slipSum / this.slipFills : null,
      breakerTripped: this.tripped,
    };
  }
}

/** The evidence of a run's events, in log order. */
export const evidenceOf = (runId: string, events: Iterable<EvidenceEvent>): Evidence => {
  const f = new EvidenceFold(runId);
  for (const e of events) f.add(e);
  return f.evidence();
};
