/**
 * The two readings of a strategy's own record that sizing and the adaptive stops take: the Kelly
 * statistics of its last round trips and the slope of its equity curve. Both are rolling windows over
 * a fixed number of observations, so a run that changes character is judged on what it does now (the
 * design's "last 50 trades" assessment period), and both allocate nothing after construction.
 */

export interface KellyStats {
  /** Share of the window's trades that made money (after fees). */
  readonly winRate: number;
  /** Mean winning trade ÷ mean losing trade (both positive). */
  readonly payoff: number;
  /** How many trades the statistics come from. */
  readonly trades: number;
}

/**
 * A window with no losing trade has an unbounded payoff; this stands in for it. Full Kelly is then
 * p − (1 − p)/R = p to within 1e-9, which is what the limit is.
 */
export const UNBOUNDED_PAYOFF = 1e9;

export class TradeRecord {
  private readonly nets: Float64Array;
  private n = 0;
  private next = 0;

  constructor(
    readonly window: number,
    readonly minTrades: number,
  ) {
    if (!Number.isInteger(window) || window < 1)
      throw new RangeError(`trade record: window must be a whole number ≥ 1, got ${window}`);
    if (!Number.isInteger(minTrades) || minTrades < 1 || minTrades > window)
      throw new RangeError(
        `trade record: minTrades must be a whole number in 1..${window}, got ${minTrades}`,
      );
    this.nets = new Float64Array(window);
  }

  get count(): number {
    return this.n;
  }

  /** One closed round trip's net result (realised PnL − fees ± funding). */
  push(net: number): void {
    if (!Number.isFinite(net)) throw new RangeError(`trade record: a trade's net must be finite, got ${net}`);
    this.nets[this.next] = net;
    this.next = (this.next + 1) % this.window;
    if (this.n < this.window) this.n++;
  }

  /**
   * The window's statistics, or null while it holds fewer than `minTrades`: a handful of trades says
   * nothing about an edge, and sizing then takes its plain risk per trade. A break-even trade counts
   * as a trade that did not win.
   */
  kelly(): KellyStats | null {
    if (this.n < this.minTrades) return null;
    let wins = 0;
    let losses = 0;
    let won = 0;
    let lost = 0;
    for (let i = 0; i < this.n; i++) {
      const x = this.nets[i]!;
      if (x > 0) {
        wins++;
        won += x;
      } else if (x < 0) {
        losses++;
        lost -= x;
      }
    }
    const payoff = wins === 0 ? 0 : losses === 0 ? UNBOUNDED_PAYOFF : won / wins / (lost / losses);
    return { winRate: wins / this.n, payoff, trades: this.n };
  }
}

/**
 * Least-squares slope of the last `window` equity marks, in USDT per mark; null until the window is
 * full. The adaptive stop reads only its sign (a falling curve tightens the stops); a slope over a
 * window rather than the last two marks keeps one noisy mark from flipping it.
 */
export class EquitySlope {
  private readonly ring: Float64Array;
  private n = 0;
  private next = 0;
  value: number | null = null;

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 2)
      throw new RangeError(`equity slope: window must be a whole number ≥ 2, got ${window}`);
    this.ring = new Float64Array(window);
  }

  push(equity: number): void {
    if (!Number.isFinite(equity)) return;
    const w = this.window;
    this.ring[this.next] = equity;
    this.next = (this.next + 1) % w;
    if (this.n < w) this.n++;
    if (this.n < w) return;
    // x = 0..w−1 from the oldest mark; centred, so Σx' = 0 and the slope is Σx'y / Σx'². y is taken
    // from the oldest mark: a flat curve then sums exact zeros, where summing x'·y would leave a
    // rounding residue whose sign could tighten every stop of a run that never traded.
    const mid = (w - 1) / 2;
    const base = this.ring[this.next]!;
    let sxy = 0;
    let sxx = 0;
    for (let k = 0; k < w; k++) {
      const x = k - mid;
      sxy += x * (this.ring[(this.next + k) % w]! - base);
      sxx += x * x;
    }
    this.value = sxy / sxx;
  }
}

/** The events of a ledger account stream that `roundTripNets` reads (as the main log holds them). */
export interface LedgerRecordEvent {
  readonly type: string;
  readonly data: unknown;
  /** When it happened (domain time): a round trip's is its closing fill's. */
  readonly metadata?: { readonly occurredAt: string };
}

export interface RoundTrip {
  readonly net: number;
  /** Domain time of the fill that closed it (NaN when the events carry none). */
  readonly at: number;
}

/**
 * The net result of each round trip a run's ledger account closed, in order: what the engine pushed into
 * its TradeRecord as it traded (realised PnL − fees of every fill from the position's open to the fill
 * that closed or flipped it). Read back from the account stream, for the strategy's next real run to
 * carry its record on. A position handed over to another run ends no round trip here (the run that took
 * it over closes it); one taken over starts one at zero.
 */
export const roundTripNets = (events: readonly LedgerRecordEvent[]): number[] =>
  roundTrips(events).map((t) => t.net);

/** `roundTripNets` with when each round trip closed. */
export const roundTrips = (events: readonly LedgerRecordEvent[]): RoundTrip[] => {
  const nets: RoundTrip[] = [];
  const net = new Map<string, number>();
  const held = new Map<string, number>();
  let pending: { symbol: string; tradeId: string; before: number; after: number; at: number } | null = null;
  const flush = () => {
    if (pending === null) return;
    const { symbol, before, after, at } = pending;
    pending = null;
    if (before !== 0 && (after === 0 || Math.sign(after) !== Math.sign(before))) {
      nets.push({ net: net.get(symbol) ?? 0, at });
      net.set(symbol, 0);
    }
  };
  for (const e of events) {
    const d = e.data as {
      symbol: string;
      tradeId?: string | null;
      realisedPnl?: string;
      positionQuantity?: string;
      amount?: string;
      quantity?: string;
    };
    // A fill's fee is booked right behind it and belongs to its round trip, the closing one included.
    if (e.type === 'FeeCharged' && pending !== null && d.tradeId === pending.tradeId) {
      net.set(d.symbol, (net.get(d.symbol) ?? 0) - Number(d.amount));
      continue;
    }
    flush();
    if (e.type === 'FillSettled') {
      const before = held.get(d.symbol) ?? 0;
      const after = Number(d.positionQuantity);
      held.set(d.symbol, after);
      net.set(d.symbol, (net.get(d.symbol) ?? 0) + Number(d.realisedPnl));
      const at = e.metadata === undefined ? Number.NaN : Date.parse(e.metadata.occurredAt);
      pending = { symbol: d.symbol, tradeId: String(d.tradeId), before, after, at };
    } else if (e.type === 'FeeCharged') net.set(d.symbol, (net.get(d.symbol) ?? 0) - Number(d.amount));
    else if (e.type === 'PositionTakenOver') {
      held.set(d.symbol, Number(d.quantity));
      net.set(d.symbol, 0);
    } else if (e.type === 'PositionHandedOver') {
      held.set(d.symbol, 0);
      net.set(d.symbol, 0);
    }
  }
  flush();
  return nets;
};

/** A day in the engine's sense: UTC, counted from 00:00. */
export const utcDayStart = (t: number): number => Math.floor(t / 86_400_000) * 86_400_000;

/**
 * The share of its day-start equity a run had lost by its last record on the UTC day starting at `day`
 * (0 when it made money), or null when it recorded nothing that day. The day-start equity is the one its
 * risk checks judged by (RiskDecided's context), else its first equity mark of the day; the last record is
 * the later of its last mark and its last risk check. What the daily-loss limit of the strategy's next
 * real run goes on from, the same day.
 */
export const dayLossSoFar = (
  day: number,
  marks: readonly { readonly at: number; readonly equity: number }[],
  checks: readonly { readonly at: number; readonly equity: number; readonly dayStartEquity: number }[],
): number | null => {
  const inDay = (t: number) => t >= day && t < day + 86_400_000;
  let start = Number.NaN;
  let last: { at: number; equity: number } | null = null;
  for (const m of marks) {
    if (!inDay(m.at)) continue;
    if (Number.isNaN(start)) start = m.equity;
    if (last === null || m.at >= last.at) last = m;
  }
  for (const c of checks) {
    if (!inDay(c.at)) continue;
    start = c.dayStartEquity;
    if (last === null || c.at >= last.at) last = c;
  }
  if (last === null || !(start > 0)) return null;
  return Math.max(0, 1 - last.equity / start);
};

/**
 * What a run's breaker measured when its record ends, for the strategy's next real run to measure on
 * from: its drawdown from the equity peak and its losing streak, both counted since the later of the
 * run's start and a person's last step-down (`stepDowns`, their domain times), which acknowledges what
 * tripped the ladder and starts both again (Engine.stepDownBreaker). The equity at a step-down is taken
 * as the last mark at or before it; the peak is the highest of it and every mark after.
 */
export const breakerBasis = (
  marks: readonly { readonly at: number; readonly equity: number }[],
  trips: readonly RoundTrip[],
  stepDowns: readonly number[],
  /**
   * What the run itself went on from when it started to trade (its RiskStateCarried): its breaker's peak
   * then and the streak it carried. Counted unless a step-down came after it.
   */
  opening: { readonly at: number; readonly peak: number; readonly lossStreak: number } | null = null,
): { drawdown: number; lossStreak: number } => {
  let since = Number.NEGATIVE_INFINITY;
  for (const t of stepDowns) if (t > since) since = t;
  const open = opening !== null && opening.at > since ? opening : null;
  let peak = open?.peak ?? Number.NEGATIVE_INFINITY;
  let before: number | null = null;
  let last: number | null = null;
  for (const m of marks) {
    if (m.at <= since) before = m.equity;
    else if (m.equity > peak) peak = m.equity;
    last = m.equity;
  }
  if (before !== null && before > peak) peak = before;
  const drawdown = last !== null && peak > 0 ? Math.max(0, 1 - last / peak) : 0;
  let lossStreak = 0;
  let i = trips.length - 1;
  for (; i >= 0; i--) {
    const t = trips[i]!;
    if (!(t.at > since) || t.net >= 0) break;
    lossStreak++;
  }
  // Every round trip of its own a loss: the streak it started with goes on under them.
  if (open !== null && i < 0) lossStreak += open.lossStreak;
  return { drawdown, lossStreak };
};
