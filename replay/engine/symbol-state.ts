import type { Fixed } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { Atr } from '../../domain/market/indicators/atr.js';
import { barsPerYear, RealisedVolatility } from '../../domain/market/indicators/realised-volatility.js';
import { toNumber } from '../../domain/risk/num.js';
import type { StopBook } from '../../domain/risk/stops.js';

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

  book: StopBook | null = null;
  /** Float copies of the book's levels (NaN when none): the per-bar trigger pre-check. */
  stopLevel = Number.NaN;
  targetLevel = Number.NaN;
  best = Number.NaN;
  skippedBars = 0;
  timeStopDue = Number.POSITIVE_INFINITY;
  /**
   * Fed ticks, a triggered leg exits through the tick venue: the exit orders working (order id → leg),
   * what each leg has filled so far, and the legs whose exit ended short there, sent again at the next
   * print.
   */
  readonly exitOrders = new Map<string, string>();
  readonly exitFilled = new Map<string, Fixed>();
  readonly exitRetry = new Set<string>();
  /** Extremes of the prints watched since the last bar close (fed ticks): what the next close moves the ladder on. */
  printHigh = Number.NEGATIVE_INFINITY;
  printLow = Number.POSITIVE_INFINITY;

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
}
