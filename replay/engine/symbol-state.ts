import type { Fixed } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { Atr } from '../../domain/market/indicators/atr.js';
import { barsPerYear, RealisedVolatility } from '../../domain/market/indicators/realised-volatility.js';
import { LazyRank } from '../../domain/market/indicators/rolling-rank.js';
import { defaultRegimeParams, type TrendRegime, TrendTracker } from '../../domain/market/regime.js';
import { bucketStart } from '../../domain/market/timeframe.js';
import { toNumber } from '../../domain/risk/num.js';
import type { StopBook, StopParams } from '../../domain/risk/stops.js';
import type { ProtectionRequest } from '../../domain/strategy/sdk.js';

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
  /** One past the last bar the run may replay: grows as a live feed appends bars (see `append`). */
  end: number;
  /**
   * First bar inside the run's range; bars before it only warm indicators and the strategy up. A live
   * feed's late warm-up bars (opened before `from`, appended after the start) move it on.
   */
  liveFrom: number;
  tickSize: number;
  readonly atr = new Atr(14);
  readonly rv: RealisedVolatility;
  /**
   * The symbol's trend regime, and its realised vol's last 500 values to rank the current one in: the
   * sizing's leverage tier and the adaptive stops read them (automations 3 and 9).
   */
  readonly regime: TrendTracker;
  readonly rvRank = new LazyRank(500);
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
  /** The parameters the ladder was armed with (the entry's protection over the run's defaults). */
  ladderParams: StopParams | null = null;
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
  /**
   * On a real account with a backstop plan: the reduce-only STOP_MARKET resting at the exchange for this
   * position (null when none is working), and the last one the venue's rules or the exchange refused,
   * which is not sent again until the position or its stop changes.
   */
  backstop: {
    readonly orderId: string;
    readonly key: string;
    readonly side: 'long' | 'short';
    readonly quantity: Fixed;
    readonly trigger: Fixed;
  } | null = null;
  backstopRefused = '';
  /** The latest event of the stop ladder's stream: what a backstop placed for it follows. */
  lastStopEvent: string | null = null;
  /** Extremes of the prints watched since the last bar close (fed ticks): what the next close moves the ladder on. */
  printHigh = Number.NEGATIVE_INFINITY;
  printLow = Number.POSITIVE_INFINITY;
  /** The latest print (a trade fed as ticks, a live mark): what a market order sent now is measured against. */
  lastPrint = Number.NaN;

  /**
   * The last exposure the strategy asked for during the warm-up (NaN: none), and its protection: what it
   * would hold now had it been trading. A position carried over from an earlier run is kept only on that
   * side (Engine's carry).
   */
  warmTarget = Number.NaN;
  warmProtection: ProtectionRequest | undefined = undefined;

  fundingIndex = 0;
  fundingRate = Number.NaN;
  intrabarIndex = 0;

  /** Bars and funding of a live feed live in these, with room to grow; the series are views of them. */
  private room: { bars: Float64Array[]; funding: Float64Array[] } | null = null;

  constructor(
    readonly symbol: string,
    readonly index: number,
    public series: BarSeries,
    readonly tfMs: number,
    public instrument: Instrument,
    private readonly from: number,
    private readonly to: number,
    leverage: number,
    public funding: FundingSeries | undefined,
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
    this.regime = new TrendTracker(defaultRegimeParams(barsPerYear(tfMs)));
    this.leverage = leverage;
    if (funding) {
      while (this.fundingIndex < funding.time.length && funding.time[this.fundingIndex]! <= open[this.i]!) {
        this.fundingRate = funding.rate[this.fundingIndex]!;
        this.fundingIndex++;
      }
    }
  }

  /** The exchange's new listing of the symbol (a real run's, mid-run): its grid and brackets from now on. */
  relist(instrument: Instrument): void {
    this.instrument = instrument;
    this.tickSize = toNumber(instrument.tickSize);
  }

  /**
   * A live feed's new bars (closed, after the last one, on the timeframe's grid) and funding records (after
   * the last one). The per-bar path reads the series by index, so it cannot tell appended bars from bars
   * loaded up front: a run fed bar by bar replays exactly what a run given the same bars at once does.
   */
  append(bars: BarSeries, funding: FundingSeries | undefined): void {
    const n = this.series.openTime.length;
    const k = bars.openTime.length;
    if (k > 0) {
      const lastOpen = n > 0 ? this.series.openTime[n - 1]! : Number.NEGATIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        const t = bars.openTime[j]!;
        const prev = j === 0 ? lastOpen : bars.openTime[j - 1]!;
        if (!(t > prev) || bucketStart(t, this.tfMs) !== t)
          throw new RangeError(
            `${this.symbol}: bar at ${t} does not follow the bar at ${prev} on the ${this.series.timeframe} grid`,
          );
      }
    }
    const f = funding?.time.length ?? 0;
    if (f > 0) {
      const have = this.funding?.time.length ?? 0;
      const lastTime = have > 0 ? this.funding!.time[have - 1]! : Number.NEGATIVE_INFINITY;
      if (!(funding!.time[0]! > lastTime))
        throw new RangeError(`${this.symbol}: funding at ${funding!.time[0]} is not after ${lastTime}`);
    }
    this.room ??= { bars: [], funding: [] };
    const cols = (s: BarSeries) => [s.openTime, s.open, s.high, s.low, s.close, s.volume];
    if (k > 0) {
      const grown = grow(this.room.bars, cols(this.series), n, cols(bars), k);
      this.room.bars = grown;
      const v = grown.map((c) => c.subarray(0, n + k));
      this.series = {
        symbol: this.series.symbol,
        timeframe: this.series.timeframe,
        openTime: v[0]!,
        open: v[1]!,
        high: v[2]!,
        low: v[3]!,
        close: v[4]!,
        volume: v[5]!,
      };
      const open = this.series.openTime;
      while (this.liveFrom < n + k && open[this.liveFrom]! < this.from) this.liveFrom++;
      let end = this.end;
      while (end < n + k && open[end]! < this.to) end++;
      this.end = end;
    }
    if (f > 0) {
      const have = this.funding?.time.length ?? 0;
      const old = this.funding
        ? [this.funding.time, this.funding.rate]
        : [new Float64Array(0), new Float64Array(0)];
      const grown = grow(this.room.funding, old, have, [funding!.time, funding!.rate], f);
      this.room.funding = grown;
      this.funding = {
        symbol: this.symbol,
        time: grown[0]!.subarray(0, have + f),
        rate: grown[1]!.subarray(0, have + f),
      };
    }
  }

  get nextClose(): number {
    return this.i < this.end ? this.series.openTime[this.i]! + this.tfMs : Number.POSITIVE_INFINITY;
  }

  /** The realised vol's percentile among its last 500 values; null until there are 500. */
  volPercentile(): number | null {
    const v = this.rvRank.rank();
    return Number.isFinite(v) ? v : null;
  }

  /** The confirmed trend regime; null before the first classification. */
  trend(): TrendRegime | null {
    return this.regime.trend;
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

/** Columns with room for `n + k` values: the old buffers when they fit, else twice as large; new values copied in. */
const grow = (
  room: Float64Array[],
  current: readonly Float64Array[],
  n: number,
  add: readonly Float64Array[],
  k: number,
): Float64Array[] => {
  const fits = room.length === current.length && room[0]!.length >= n + k;
  const out = fits
    ? room
    : current.map((c) => {
        const b = new Float64Array(Math.max(64, 2 * (n + k)));
        b.set(c.subarray(0, n));
        return b;
      });
  for (let c = 0; c < out.length; c++) out[c]!.set(add[c]!.subarray(0, k), n);
  return out;
};
