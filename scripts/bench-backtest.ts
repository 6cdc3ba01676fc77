/**
 * npm run bench:backtest — the engine on real 1m bars. The data set has one month of 1m bars for five
 * symbols (~201k bars); to reach ≥ 1M bars the month is replayed several times back to back in one
 * run (each pass shifted in time by the month's length), which the output states.
 *
 * Figures: bars/s of the full engine (reference strategy ema-cross with its ATR stop, ledger, risk,
 * stops, every event), the same with the risk engine off (the per-order cost of risk), a hand-written
 * tight loop of the same strategy with no framework, heap at each quarter of the run, and the ratios.
 * Also the ledger's share of the reference run (its desk timed call by call). BENCH_ONLY=full runs the
 * reference engine run alone (for profiling).
 */
import { cpus, totalmem } from 'node:os';
import { z } from 'zod';
import { sharedBars } from '../adapters/marketdata/shared-data.js';
import { binanceUsdm } from '../domain/ledger/venue.js';
import type { BarSeries } from '../domain/market/bars.js';
import { Atr } from '../domain/market/indicators/atr.js';
import { Ema } from '../domain/market/indicators/ema.js';
import { emaCross } from '../domain/strategies/index.js';
import type { StrategyDefinition } from '../domain/strategy/sdk.js';
import { defaultEngineSettings } from '../replay/engine/config.js';
import { Engine } from '../replay/engine/engine.js';
import { LedgerDesk } from '../replay/engine/ledger-desk.js';
import { RunResults } from '../replay/engine/results.js';
import { instrumentBookOnce } from '../replay/engine/run.js';

const SYMBOLS = ['ALGOUSDT', 'AVAXUSDT', 'FILUSDT', 'LINKUSDT', 'NEARUSDT'];
const TARGET_BARS = Number(process.env.BENCH_BARS ?? 1_000_000);
const params = { fast: 20, slow: 100, atrPeriod: 14, stopAtr: 3, trailing: true, allowShort: true };

const repeat = (s: BarSeries, passes: number): BarSeries => {
  const n = s.openTime.length;
  const span = s.openTime[n - 1]! - s.openTime[0]! + 60_000;
  const col = (src: Float64Array, shift: boolean) => {
    const out = new Float64Array(n * passes);
    for (let p = 0; p < passes; p++) {
      out.set(src, p * n);
      if (shift) for (let i = 0; i < n; i++) out[p * n + i] = src[i]! + p * span;
    }
    return out;
  };
  return {
    symbol: s.symbol,
    timeframe: '1m',
    openTime: col(s.openTime, true),
    open: col(s.open, false),
    high: col(s.high, false),
    low: col(s.low, false),
    close: col(s.close, false),
    volume: col(s.volume, false),
  };
};

const base = SYMBOLS.map((s) => sharedBars(s, '1m'));
const perPass = base.reduce((n, s) => n + s.openTime.length, 0);
const passes = Math.ceil(TARGET_BARS / perPass);
const series = base.map((s) => repeat(s, passes));
const totalBars = perPass * passes;
const book = await instrumentBookOnce();

const mb = (b: number) => Math.round(b / 1048576);

const runEngine = (risk: boolean, quiet = false) => {
  const strategy = quiet ? quietStrategy : { ...emaCross, timeframe: '1m' };
  const from = Math.min(...series.map((s) => s.openTime[0]!));
  const to = Math.max(...series.map((s) => s.openTime[s.openTime.length - 1]!)) + 60_000;
  global.gc?.();
  const results = new RunResults();
  let orders = 0;
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: `bench-${risk ? 'risk' : 'norisk'}${quiet ? '-quiet' : ''}`,
      strategy,
      params,
      symbols: SYMBOLS,
      from,
      to,
      instrument: book.get,
      venueRules: binanceUsdm,
      risk: { ...defaultEngineSettings.risk, enabled: risk },
      // The breaker would halt this untuned strategy within days and turn the run into refusals; the
      // benchmark measures the order path, so it keeps trading.
      breaker: null,
      // Long runs fold results as events pass instead of keeping them: memory independent of length.
      retainEvents: false,
      onEvent: (e) => {
        results.apply(e);
        if (e.type === 'OrderRequested') orders++;
      },
    },
    { bars: new Map(series.map((s) => [s.symbol, s])) },
  );
  const heap: number[] = [];
  const marks = [0.25, 0.5, 0.75, 1].map((f) => Math.floor(totalBars * f));
  let n = 0;
  let gcMs = 0;
  const t = performance.now();
  engine.start();
  while (engine.step()) {
    n++;
    if (n === marks[heap.length]) {
      // Live heap, not garbage waiting for a collection (npm run bench:backtest exposes gc): the figure
      // that says whether memory grows. The collection's own time is not the engine's.
      const g = performance.now();
      global.gc?.();
      heap.push(mb(process.memoryUsage().heapUsed));
      gcMs += performance.now() - g;
    }
  }
  const summary = engine.finish('end-of-data', null);
  const ms = performance.now() - t - gcMs;
  if (heap.length < 4) heap.push(mb(process.memoryUsage().heapUsed));
  void results.kpis();
  return {
    barsPerSecond: Math.round((summary.bars / ms) * 1000),
    bars: summary.bars,
    events: summary.events,
    orders,
    seconds: ms / 1000,
    heapMbAtQuarters: heap,
  };
};

/**
 * The per-bar cost of the framework alone: the reference strategy's indicator work (two EMAs and an ATR
 * per bar) without ever trading, so every bar goes through the merge, the bar view, stops and equity
 * marks but no order path.
 */
const quietStrategy: StrategyDefinition = {
  id: 'quiet-ema',
  version: '1.0.0',
  description: 'ema-cross indicator work, never trades',
  timeframe: '1m',
  params: z.object({}),
  create: (_p, setup) => {
    const st = new Map(
      setup.symbols.map((s) => [s, { f: new Ema(20), s: new Ema(100), a: new Atr(14), x: 0 }]),
    );
    return {
      onBar(bar) {
        const k = st.get(bar.symbol)!;
        k.x += k.f.update(bar.close) - k.s.update(bar.close) + k.a.update(bar.high, bar.low, bar.close);
      },
    };
  },
};

/** The same rules with no framework: EMAs, ATR, a trailing ATR stop on closes, unit positions, float PnL. */
const tightLoop = () => {
  const t = performance.now();
  let pnl = 0;
  let trades = 0;
  for (const s of series) {
    const fast = new Ema(params.fast);
    const slow = new Ema(params.slow);
    const atr = new Atr(params.atrPeriod);
    let trend = 0;
    let primed = false;
    let pos = 0;
    let entry = 0;
    let stop = Number.NaN;
    const { high, low, close } = s;
    for (let i = 0; i < close.length; i++) {
      const c = close[i]!;
      const f = fast.update(c);
      const sl = slow.update(c);
      const a = atr.update(high[i]!, low[i]!, c);
      if (!slow.ready || !fast.ready || !atr.ready) continue;
      const tr = f > sl ? 1 : f < sl ? -1 : trend;
      const was = trend;
      trend = tr;
      if (!primed) {
        primed = true;
        continue;
      }
      if (tr !== was) {
        if (pos !== 0) pnl += pos * (c - entry) - 0.0005 * c;
        pos = tr;
        entry = c;
        stop = c - tr * params.stopAtr * a;
        trades++;
        continue;
      }
      if (pos !== 0) {
        const cand = c - pos * params.stopAtr * a;
        if (pos > 0 ? cand > stop : cand < stop) stop = cand;
        if (pos > 0 ? c <= stop : c >= stop) {
          pnl += pos * (c - entry) - 0.0005 * c;
          pos = 0;
        }
      }
    }
  }
  const ms = performance.now() - t;
  return { barsPerSecond: Math.round((totalBars / ms) * 1000), trades, pnl };
};

console.log(
  `# bench:backtest — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
console.log(
  `data: 1m bars of ${SYMBOLS.join(', ')} (${perPass} real bars, Feb 2023), replayed ${passes}× back to back = ${totalBars} bars`,
);
tightLoop();
const tight = tightLoop();
console.log(`tight loop (no framework): ${tight.barsPerSecond} bars/s, ${tight.trades} entries`);
const quiet = runEngine(true, true);
console.log(
  `engine, no orders (framework per-bar cost): ${quiet.barsPerSecond} bars/s (${quiet.events} events)`,
);
const full = runEngine(true);
if (process.env.BENCH_ONLY === 'full') {
  // For profiling the order path alone: the reference run and nothing after it.
  console.log(
    `engine, risk on:  ${full.barsPerSecond} bars/s (${full.orders} orders, ${full.events} events)`,
  );
  process.exit(0);
}
console.log(
  `engine, risk on:  ${full.barsPerSecond} bars/s (${full.bars} bars, ${full.orders} orders, ${full.events} events, ${full.seconds.toFixed(2)} s); heap at 25/50/75/100%: ${full.heapMbAtQuarters.join(' / ')} MB`,
);
const noRisk = runEngine(false);
console.log(
  `engine, risk off: ${noRisk.barsPerSecond} bars/s (${noRisk.orders} orders, ${noRisk.events} events)`,
);
/**
 * The ledger's share of the reference run: the same run with the engine's ledger desk (every order
 * command and account booking: deciders, evolve, events to the run log) timed call by call. The issue's
 * ledger target exists so that the ledger is never a backtest's bottleneck; this says how much of the
 * backtest it is. Two clock reads per call cost well under 1 % of an order's time.
 */
const ledgerShare = () => {
  const proto = LedgerDesk.prototype;
  const { order, book } = proto;
  let ms = 0;
  let calls = 0;
  proto.order = function (this: LedgerDesk, ...args: Parameters<typeof order>) {
    const t = performance.now();
    try {
      return order.apply(this, args);
    } finally {
      ms += performance.now() - t;
      calls++;
    }
  };
  proto.book = function (this: LedgerDesk, ...args: Parameters<typeof book>) {
    const t = performance.now();
    try {
      return book.apply(this, args);
    } finally {
      ms += performance.now() - t;
      calls++;
    }
  };
  try {
    const run = runEngine(true);
    return { share: ms / (run.seconds * 1000), ledgerMs: ms, calls, run };
  } finally {
    proto.order = order;
    proto.book = book;
  }
};
const ledger = ledgerShare();
console.log(
  `ledger share of the reference run: ${(ledger.share * 100).toFixed(1)} % (${ledger.calls} desk calls, ${((ledger.ledgerMs / ledger.run.orders) * 1000).toFixed(1)} µs per order of ${((ledger.run.seconds / ledger.run.orders) * 1e6).toFixed(1)} µs)`,
);
const perOrderRiskUs = full.orders > 0 ? ((full.seconds - noRisk.seconds) / full.orders) * 1e6 : 0;
console.log(`risk check cost: ${perOrderRiskUs.toFixed(0)} µs per order (risk on vs off time ÷ orders)`);
const targets = { barsPerSecond: 2_000_000, ofTightLoop: 0.5 };
console.log(
  JSON.stringify({
    bench: 'backtest',
    bars: totalBars,
    passes,
    tightLoopBarsPerSecond: tight.barsPerSecond,
    engineBarsPerSecond: full.barsPerSecond,
    engineNoRiskBarsPerSecond: noRisk.barsPerSecond,
    engineNoOrdersBarsPerSecond: quiet.barsPerSecond,
    orders: full.orders,
    events: full.events,
    riskOnVsOff: Number((full.barsPerSecond / noRisk.barsPerSecond).toFixed(3)),
    riskMicrosPerOrder: Math.round(perOrderRiskUs),
    ledgerShareOfRun: Number(ledger.share.toFixed(3)),
    ledgerMicrosPerOrder: Number(((ledger.ledgerMs / ledger.run.orders) * 1000).toFixed(1)),
    heapMbAtQuarters: full.heapMbAtQuarters,
    targets,
    ratios: {
      barsPerSecond: Number((full.barsPerSecond / targets.barsPerSecond).toFixed(3)),
      ofTightLoop: Number((full.barsPerSecond / tight.barsPerSecond / targets.ofTightLoop).toFixed(3)),
      engineVsTightLoop: Number((full.barsPerSecond / tight.barsPerSecond).toFixed(3)),
      noOrdersBarsPerSecond: Number((quiet.barsPerSecond / targets.barsPerSecond).toFixed(3)),
    },
  }),
);
