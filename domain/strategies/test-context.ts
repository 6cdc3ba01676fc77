import { type Bar, type BarSeries, lastAtOrBefore, seriesFromBars } from '../market/bars.js';
import type { FundingSeries } from '../market/funding.js';
import { timeframeMs } from '../market/timeframe.js';
import { MutableBar } from '../strategy/mutable-bar.js';
import {
  LookAheadError,
  type OrderRequest,
  type ProtectionRequest,
  type SignalRecord,
  type StrategyContext,
  type StrategyDefinition,
  type StrategyHandlers,
} from '../strategy/sdk.js';

/**
 * A stand-in for the engine in strategy tests: delivers bars (several symbols merged by time) and
 * funding settlements, fills every target at the bar's close, and records each target call. It holds
 * the SDK's no-look-ahead promise: a negative `barsAgo` fails, funding is visible only from its time.
 */

export interface TargetCall {
  readonly time: number;
  readonly symbol: string;
  readonly exposure: number;
  readonly close: number;
  readonly signal: SignalRecord;
  readonly protection: ProtectionRequest | undefined;
}

export class TestContext implements StrategyContext {
  now = 0;
  readonly targets: TargetCall[] = [];
  private readonly closes = new Map<string, number[]>();
  private readonly exposures = new Map<string, number>();

  constructor(private readonly funding: ReadonlyMap<string, FundingSeries> = new Map()) {}

  position(symbol: string): number {
    return this.exposures.get(symbol) ?? 0;
  }

  equity(): number {
    return 10_000;
  }

  close(symbol: string, barsAgo: number): number {
    if (!(barsAgo >= 0) || !Number.isInteger(barsAgo)) {
      throw new LookAheadError(`close(${symbol}, ${barsAgo}) at ${this.now}`);
    }
    const h = this.closes.get(symbol);
    return h && barsAgo < h.length ? h[h.length - 1 - barsAgo]! : Number.NaN;
  }

  fundingRate(symbol: string): number {
    const f = this.funding.get(symbol);
    if (!f) return Number.NaN;
    const i = lastAtOrBefore(f.time, this.now);
    return i < 0 ? Number.NaN : f.rate[i]!;
  }

  /** The built-in strategies trade by targets; explicit orders are recorded so a test would see them. */
  readonly orders: { time: number; request: OrderRequest; signal: SignalRecord }[] = [];

  order(request: OrderRequest, signal: SignalRecord): string | null {
    this.orders.push({ time: this.now, request, signal });
    return `test-${this.orders.length}`;
  }

  cancel(_orderId: string): boolean {
    return false;
  }

  target(symbol: string, exposure: number, signal: SignalRecord, protection?: ProtectionRequest): void {
    const h = this.closes.get(symbol);
    const close = h?.[h.length - 1] ?? Number.NaN;
    this.targets.push({ time: this.now, symbol, exposure, close, signal, protection });
    this.exposures.set(symbol, exposure);
  }

  /** Called by the driver before the strategy sees the bar. */
  pushClose(symbol: string, close: number): void {
    let h = this.closes.get(symbol);
    if (!h) {
      h = [];
      this.closes.set(symbol, h);
    }
    h.push(close);
  }
}

export interface RunOptions {
  readonly funding?: readonly FundingSeries[];
}

/** Runs a strategy over bar series (merged by open time) with funding delivered as it settles. */
export const runStrategy = <P extends Record<string, unknown>>(
  def: StrategyDefinition<P>,
  params: P,
  series: readonly BarSeries[],
  options: RunOptions = {},
): TestContext => {
  const funding = new Map((options.funding ?? []).map((f) => [f.symbol, f]));
  const ctx = new TestContext(funding);
  const timeframe = series[0]?.timeframe ?? def.timeframe;
  const barMs = timeframeMs(timeframe);
  const handlers: StrategyHandlers = def.create(params, { symbols: series.map((s) => s.symbol), barMs });
  const barAt = series.map(() => 0);
  const fundingAt = (options.funding ?? []).map(() => 0);
  const view = new MutableBar();
  for (;;) {
    let k = -1;
    for (let j = 0; j < series.length; j++) {
      const i = barAt[j]!;
      if (
        i < series[j]!.openTime.length &&
        (k < 0 || series[j]!.openTime[i]! < series[k]!.openTime[barAt[k]!]!)
      )
        k = j;
    }
    if (k < 0) break;
    const s = series[k]!;
    const i = barAt[k]!++;
    // As the engine (replay/engine): the bar's close and the decision time are the next bar's open.
    const closeTime = s.openTime[i]! + barMs;
    (options.funding ?? []).forEach((f, j) => {
      while (fundingAt[j]! < f.time.length && f.time[fundingAt[j]!]! <= closeTime) {
        const at = fundingAt[j]!++;
        ctx.now = f.time[at]!;
        handlers.onFunding?.({ symbol: f.symbol, time: f.time[at]!, rate: f.rate[at]! }, ctx);
      }
    });
    ctx.now = closeTime;
    view.symbol = s.symbol;
    view.timeframe = timeframe;
    view.openTime = s.openTime[i]!;
    view.closeTime = closeTime;
    view.open = s.open[i]!;
    view.high = s.high[i]!;
    view.low = s.low[i]!;
    view.close = s.close[i]!;
    view.volume = s.volume[i]!;
    ctx.pushClose(s.symbol, view.close);
    handlers.onBar?.(view, ctx);
  }
  return ctx;
};

/** Hand-made bars from closes: open at the previous close, high/low `wick` beyond the body. */
export const barsFromCloses = (
  symbol: string,
  closes: readonly number[],
  { timeframe = '1h', start = Date.UTC(2023, 0, 1), wick = 0.5 } = {},
): BarSeries => {
  const ms = timeframeMs(timeframe);
  const bars: Bar[] = closes.map((close, i) => {
    const open = i === 0 ? close : closes[i - 1]!;
    return {
      openTime: start + i * ms,
      open,
      high: Math.max(open, close) + wick,
      low: Math.min(open, close) - wick,
      close,
      volume: 1,
    };
  });
  return seriesFromBars(symbol, timeframe, bars);
};

/** Entries (flat or opposite to a position) among the recorded targets. */
export const countEntries = (targets: readonly TargetCall[]): number => {
  const held = new Map<string, number>();
  let n = 0;
  for (const t of targets) {
    if (t.exposure !== 0 && Math.sign(t.exposure) !== Math.sign(held.get(t.symbol) ?? 0)) n++;
    held.set(t.symbol, t.exposure);
  }
  return n;
};

/** Every numeric feature finite (null marks a feature that does not apply). */
export const nonFiniteFeatures = (targets: readonly TargetCall[]): string[] =>
  targets.flatMap((t) =>
    Object.entries(t.signal.features)
      .filter(([, v]) => typeof v === 'number' && !Number.isFinite(v))
      .map(([k]) => `${t.symbol}@${t.time}:${k}`),
  );

/** Consecutive targets for one symbol that repeat the same exposure: the strategy should not send them. */
export const repeatedTargets = (targets: readonly TargetCall[]): number => {
  const held = new Map<string, number>();
  let n = 0;
  for (const t of targets) {
    if ((held.get(t.symbol) ?? 0) === t.exposure) n++;
    held.set(t.symbol, t.exposure);
  }
  return n;
};

/**
 * Compounded close-to-close return of holding each target's exposure as a fraction of equity, one
 * symbol, no costs: a sanity figure for docs and tests, not a backtest.
 */
export const grossReturn = (targets: readonly TargetCall[], series: BarSeries): number => {
  const mine = targets.filter((t) => t.symbol === series.symbol);
  let equity = 1;
  let exposure = 0;
  let j = 0;
  const ms = timeframeMs(series.timeframe);
  for (let i = 0; i < series.close.length; i++) {
    if (i > 0) equity *= 1 + exposure * (series.close[i]! / series.close[i - 1]! - 1);
    const closeTime = series.openTime[i]! + ms;
    while (j < mine.length && mine[j]!.time <= closeTime) exposure = mine[j++]!.exposure;
  }
  return equity - 1;
};
