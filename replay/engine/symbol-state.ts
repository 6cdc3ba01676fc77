import { isConditional } from '../../domain/ledger/events.js';
import type { Fixed } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { Atr } from '../../domain/market/indicators/atr.js';
import { barsPerYear, RealisedVolatility } from '../../domain/market/indicators/realised-volatility.js';
import { toNumber } from '../../domain/risk/num.js';
import type { StopBook } from '../../domain/risk/stops.js';
import type { ProtectionRequest } from '../../domain/strategy/sdk.js';

export interface PendingOrder {
  readonly orderId: string;
  readonly type: 'MARKET' | 'LIMIT' | 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
  /** LIMIT price as a float (the exact one is in OrderRequested), NaN for market orders. */
  readonly price: number;
  /** Trigger of a STOP_MARKET / TAKE_PROFIT_MARKET as a float, NaN otherwise. */
  readonly stopPrice: number;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK';
  readonly postOnly: boolean;
  /** Set once the venue acknowledged it (a resting limit is acknowledged on its first bar). */
  ackId: string | null;
  readonly side: 'BUY' | 'SELL';
  readonly quantity: Fixed;
  readonly reduceOnly: boolean;
  readonly submittedAt: number;
  readonly latency: number;
  readonly correlationId: string;
  readonly causationId: string;
  readonly protection: ProtectionRequest | undefined;
}

const RETURNS = 128;

/**
 * Everything the engine keeps per symbol, in plain fields so the per-bar path reads numbers, not maps.
 * Position figures are float mirrors of the ledger (refreshed after every fill): the ledger stays the
 * exact truth, the mirrors make marking equity and pre-checking stops and liquidation cheap.
 */
export class SymbolState {
  /** Index of the next bar to replay; `last` is the last one replayed (−1 before the first). */
  i: number;
  last = -1;
  readonly end: number;
  /** First bar inside the run's range; bars before it only warm indicators and the strategy up. */
  readonly liveFrom: number;
  readonly tickSize: number;
  readonly atr = new Atr(14);
  readonly rv: RealisedVolatility;
  /** The last RETURNS log returns, for the correlation input of the risk check. */
  readonly returns = new Float64Array(RETURNS);
  returnCount = 0;
  lastClose = Number.NaN;

  qty = 0;
  cost = 0;
  leverage: number;
  /** Maintenance margin ÷ notional at the last fill: the liquidation pre-check's estimate. */
  mmRate = 0;
  pending: PendingOrder[] = [];

  book: StopBook | null = null;
  /** Float copies of the book's levels (NaN when none): the per-bar trigger pre-check. */
  stopLevel = Number.NaN;
  targetLevel = Number.NaN;
  best = Number.NaN;
  skippedBars = 0;
  timeStopDue = Number.POSITIVE_INFINITY;

  fundingIndex = 0;
  fundingRate = Number.NaN;
  intrabarIndex = 0;

  constructor(
    readonly symbol: string,
    readonly index: number,
    readonly series: BarSeries,
    readonly tfMs: number,
    readonly instrument: Instrument,
    from: number,
    to: number,
    leverage: number,
    readonly funding: FundingSeries | undefined,
    readonly mark: MarkSeries | undefined,
    readonly intrabar: BarSeries | undefined,
    warmupBars = 0,
  ) {
    const open = series.openTime;
    let i = 0;
    while (i < open.length && open[i]! < from) i++;
    let end = i;
    while (end < open.length && open[end]! < to) end++;
    this.liveFrom = i;
    this.i = Math.max(0, i - warmupBars);
    this.end = end;
    this.tickSize = toNumber(instrument.tickSize);
    this.rv = new RealisedVolatility(30, barsPerYear(tfMs));
    this.leverage = leverage;
    if (funding) {
      while (this.fundingIndex < funding.time.length && funding.time[this.fundingIndex]! <= open[this.i]!) {
        this.fundingRate = funding.rate[this.fundingIndex]!;
        this.fundingIndex++;
      }
    }
  }

  get nextClose(): number {
    return this.i < this.end ? this.series.openTime[this.i]! + this.tfMs : Number.POSITIVE_INFINITY;
  }

  pushReturn(close: number): void {
    if (this.lastClose > 0 && close > 0) {
      this.returns[this.returnCount % RETURNS] = Math.log(close / this.lastClose);
      this.returnCount++;
    }
  }

  /** The recorded returns, oldest first. */
  recentReturns(): number[] {
    const n = Math.min(this.returnCount, RETURNS);
    const out = new Array<number>(n);
    for (let k = 0; k < n; k++) out[k] = this.returns[(this.returnCount - n + k) % RETURNS]!;
    return out;
  }

  unrealised(price: number): number {
    return this.qty * price - this.cost;
  }

  /**
   * Signed quantity the symbol's orders are working towards. A stop or take-profit that has not fired is
   * a contingency, not a fill on its way: counting it would let a protective stop cancel out the very
   * position it protects when a target is sized.
   */
  pendingQty(): number {
    let q = 0;
    for (const p of this.pending) {
      if (isConditional(p.type)) continue;
      q += (p.side === 'BUY' ? 1 : -1) * toNumber(p.quantity);
    }
    return q;
  }
}
