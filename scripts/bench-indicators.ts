import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ti from 'technicalindicators';
import { parseDatasetFile } from '../adapters/marketdata/csv-dataset.js';
import { datasetToBars, sharedDataDir } from '../adapters/marketdata/shared-data.js';
import type { BarSeries } from '../domain/market/bars.js';
import {
  Adx,
  Atr,
  Bollinger,
  Correlation,
  Donchian,
  EfficiencyRatio,
  Ema,
  Keltner,
  Macd,
  Obv,
  RealisedVolatility,
  Rsi,
  Sma,
  Stochastic,
  Vwap,
  Wma,
  ZScore,
} from '../domain/market/indicators/index.js';
import { barsPerYear } from '../domain/market/indicators/realised-volatility.js';
import { defaultRegimeParams, RegimeDetector } from '../domain/market/regime.js';
import { timeframeMs } from '../domain/market/timeframe.js';

/**
 * npm run bench:indicators — every streaming indicator over every kline bar in ../shared/data, one
 * fresh instance per series, then the same computation with technicalindicators (the popular npm
 * library) on plain arrays prepared outside the timing. The two are timed in alternating rounds so
 * both see the same machine load (this box is shared); each figure is the best pass over ROUNDS
 * rounds, ours taking OURS_PER_ROUND passes per round since a pass of ours is short. The last line of
 * output is one JSON object with the figures and the targets.
 */
const ROUNDS = 5;
const OURS_PER_ROUND = 5;
const TARGET_RATIO = 10;
const TARGET_SIMPLE = 20_000_000;

interface Plain {
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}
interface Input {
  readonly bars: BarSeries;
  readonly plain: Plain;
  readonly bpy: number;
}

const klineDir = path.join(sharedDataDir(), 'klines');
const inputs: Input[] = readdirSync(klineDir)
  .filter((f) => f.endsWith('.csv.gz'))
  .sort()
  .map((f) => {
    const bars = datasetToBars(parseDatasetFile(path.join(klineDir, f)));
    return {
      bars,
      plain: {
        high: Array.from(bars.high),
        low: Array.from(bars.low),
        close: Array.from(bars.close),
        volume: Array.from(bars.volume),
      },
      bpy: barsPerYear(timeframeMs(bars.timeframe)),
    };
  });
const totalBars = inputs.reduce((n, i) => n + i.bars.close.length, 0);

/** Results are folded into a sink so the JIT cannot drop the work. */
let sink = 0;
const fold = (v: number) => {
  if (!Number.isNaN(v)) sink += v * 1e-12;
};
const foldArr = (a: ArrayLike<unknown>) => {
  sink += a.length;
};

interface Case {
  readonly name: string;
  readonly simple: boolean;
  readonly ours: (i: Input) => void;
  readonly lib: ((i: Input) => void) | null;
  readonly libNote?: string;
}

/*
 * Each case spells out its own loop. A shared helper taking a factory would make its one
 * `ind.update` call site see every indicator class, turn megamorphic and stop V8 from inlining: the
 * benchmark would time call dispatch, not the indicators. A strategy's call sites are monomorphic.
 */
const logReturns = (c: number[]) => {
  const out = new Array<number>(c.length - 1);
  for (let k = 1; k < c.length; k++) out[k - 1] = Math.log(c[k]! / c[k - 1]!);
  return out;
};

const cases: Case[] = [
  {
    name: 'SMA(20)',
    simple: true,
    ours: (i) => {
      const ind = new Sma(20);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.SMA.calculate({ period: 20, values: i.plain.close })),
  },
  {
    name: 'EMA(20)',
    simple: true,
    ours: (i) => {
      const ind = new Ema(20);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.EMA.calculate({ period: 20, values: i.plain.close })),
  },
  {
    name: 'WMA(20)',
    simple: true,
    ours: (i) => {
      const ind = new Wma(20);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.WMA.calculate({ period: 20, values: i.plain.close })),
  },
  {
    name: 'RSI(14)',
    simple: true,
    ours: (i) => {
      const ind = new Rsi(14);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.RSI.calculate({ period: 14, values: i.plain.close })),
  },
  {
    name: 'ATR(14)',
    simple: true,
    ours: (i) => {
      const ind = new Atr(14);
      const { high, low, close } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++) acc += ind.update(high[k]!, low[k]!, close[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.ATR.calculate({ period: 14, ...i.plain })),
  },
  {
    name: 'OBV',
    simple: true,
    ours: (i) => {
      const ind = new Obv();
      const { close, volume } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++) acc += ind.update(close[k]!, volume[k]!);
      fold(acc);
    },
    lib: (i) => foldArr(ti.OBV.calculate({ close: i.plain.close, volume: i.plain.volume })),
  },
  {
    name: 'Bollinger(20,2)',
    simple: false,
    ours: (i) => {
      const ind = new Bollinger(20, 2);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.BollingerBands.calculate({ period: 20, stdDev: 2, values: i.plain.close })),
  },
  {
    name: 'MACD(12,26,9)',
    simple: false,
    ours: (i) => {
      const ind = new Macd(12, 26, 9);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) =>
      foldArr(
        ti.MACD.calculate({
          values: i.plain.close,
          fastPeriod: 12,
          slowPeriod: 26,
          signalPeriod: 9,
          SimpleMAOscillator: false,
          SimpleMASignal: false,
        }),
      ),
  },
  {
    name: 'ADX(14)',
    simple: false,
    ours: (i) => {
      const ind = new Adx(14);
      const { high, low, close } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++) acc += ind.update(high[k]!, low[k]!, close[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.ADX.calculate({ period: 14, ...i.plain })),
  },
  {
    name: 'Donchian(20)',
    simple: false,
    ours: (i) => {
      const ind = new Donchian(20);
      const { high, low } = i.bars;
      let acc = 0;
      for (let k = 0; k < high.length; k++) acc += ind.update(high[k]!, low[k]!) || 0;
      fold(acc);
    },
    lib: (i) => {
      foldArr(ti.Highest.calculate({ period: 20, values: i.plain.high }));
      foldArr(ti.Lowest.calculate({ period: 20, values: i.plain.low }));
    },
    libNote: 'Highest + Lowest',
  },
  {
    name: 'Keltner(20,10,2)',
    simple: false,
    ours: (i) => {
      const ind = new Keltner(20, 10, 2);
      const { high, low, close } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++) acc += ind.update(high[k]!, low[k]!, close[k]!) || 0;
      fold(acc);
    },
    lib: (i) =>
      foldArr(
        ti.KeltnerChannels.calculate({
          ...i.plain,
          maPeriod: 20,
          atrPeriod: 10,
          useSMA: false,
          multiplier: 2,
        }),
      ),
  },
  {
    name: 'Stochastic(14,3,3)',
    simple: false,
    ours: (i) => {
      const ind = new Stochastic(14, 3, 3);
      const { high, low, close } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++) acc += ind.update(high[k]!, low[k]!, close[k]!) || 0;
      fold(acc);
    },
    lib: (i) => {
      const fast = ti.Stochastic.calculate({ period: 14, signalPeriod: 3, ...i.plain });
      const slowK = ti.SMA.calculate({ period: 3, values: fast.map((r) => r.k) });
      foldArr(ti.SMA.calculate({ period: 3, values: slowK }));
    },
    libNote: 'Stochastic(14,3) then SMA(3) for the slow lines',
  },
  {
    name: 'VWAP(UTC day)',
    simple: false,
    ours: (i) => {
      const ind = new Vwap();
      const { openTime, high, low, close, volume } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++)
        acc += ind.update(openTime[k]!, high[k]!, low[k]!, close[k]!, volume[k]!);
      fold(acc);
    },
    lib: (i) => foldArr(ti.VWAP.calculate(i.plain)),
    libNote: 'anchored once (the library has no session reset)',
  },
  {
    name: 'RealisedVol(20)',
    simple: false,
    ours: (i) => {
      const ind = new RealisedVolatility(20, i.bpy);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => foldArr(ti.SD.calculate({ period: 20, values: logReturns(i.plain.close) })),
    libNote: 'log returns + SD',
  },
  {
    name: 'ZScore(20)',
    simple: false,
    ours: (i) => {
      const ind = new ZScore(20);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: (i) => {
      const c = i.plain.close;
      const sma = ti.SMA.calculate({ period: 20, values: c });
      const sd = ti.SD.calculate({ period: 20, values: c });
      foldArr(sd.map((s, j) => (c[j + 19]! - sma[j]!) / s));
    },
    libNote: 'SMA + SD',
  },
  {
    name: 'Correlation(20)',
    simple: false,
    ours: (i) => {
      const ind = new Correlation(20);
      const { close, volume } = i.bars;
      let acc = 0;
      for (let k = 0; k < close.length; k++) acc += ind.update(close[k]!, volume[k]!) || 0;
      fold(acc);
    },
    lib: null,
    libNote: 'technicalindicators has no correlation',
  },
  {
    name: 'EfficiencyRatio(10)',
    simple: false,
    ours: (i) => {
      const ind = new EfficiencyRatio(10);
      const c = i.bars.close;
      let acc = 0;
      for (let k = 0; k < c.length; k++) acc += ind.update(c[k]!) || 0;
      fold(acc);
    },
    lib: null,
    libNote: 'technicalindicators has no efficiency ratio',
  },
  {
    name: 'RegimeDetector',
    simple: false,
    ours: (i) => {
      const det = new RegimeDetector(defaultRegimeParams(i.bpy));
      const { high, low, close } = i.bars;
      let changes = 0;
      for (let k = 0; k < close.length; k++) if (det.update(high[k]!, low[k]!, close[k]!)) changes++;
      fold(changes);
    },
    lib: null,
    libNote: 'ADX + ER + realised vol + 500-bar percentile + hysteresis; no library equivalent',
  },
];

const passSeconds = (f: (i: Input) => void): number => {
  const t0 = performance.now();
  for (const i of inputs) f(i);
  return (performance.now() - t0) / 1000;
};

const measure = (c: Case): { ours: number; lib: number | null } => {
  let ours = Number.POSITIVE_INFINITY;
  let lib = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < OURS_PER_ROUND; k++) ours = Math.min(ours, passSeconds(c.ours));
    if (c.lib) lib = Math.min(lib, passSeconds(c.lib));
  }
  return { ours, lib: c.lib ? lib : null };
};

const fmt = (n: number | null) => (n === null ? '-' : `${(n / 1e6).toFixed(2)}M`);
// Other work on the machine moves these figures; the load average says how much there was.
const loadAtStart = os.loadavg()[0]!;
console.log(
  `${inputs.length} kline series, ${totalBars} bars (node ${process.version}, ${os.cpus().length} cpus, load ${loadAtStart.toFixed(2)})`,
);
console.log(
  `${'indicator'.padEnd(20)} ${'ours/s'.padStart(10)} ${'lib/s'.padStart(10)} ${'ratio'.padStart(8)}  targets`,
);

const results: Record<string, unknown> = {};
for (const c of cases) {
  const seconds = measure(c);
  const oursRate = totalBars / seconds.ours;
  const libRate = seconds.lib === null ? null : totalBars / seconds.lib;
  const ratio = libRate ? oursRate / libRate : null;
  const meetsRatio = ratio === null ? null : ratio >= TARGET_RATIO;
  const meetsAbsolute = c.simple ? oursRate >= TARGET_SIMPLE : null;
  console.log(
    `${c.name.padEnd(20)} ${fmt(oursRate).padStart(10)} ${fmt(libRate).padStart(10)} ${(ratio === null ? '-' : `${ratio.toFixed(1)}x`).padStart(8)}  ` +
      `${meetsRatio === null ? '' : `>=${TARGET_RATIO}x ${meetsRatio ? 'ok' : 'MISSED'}`}` +
      `${meetsAbsolute === null ? '' : `, >=20M/s ${meetsAbsolute ? 'ok' : 'MISSED'}`}${c.libNote ? `  (lib: ${c.libNote})` : ''}`,
  );
  results[c.name] = {
    oursUpdatesPerSec: Math.round(oursRate),
    libUpdatesPerSec: libRate === null ? null : Math.round(libRate),
    ratio: ratio === null ? null : Number(ratio.toFixed(2)),
    simple: c.simple,
    meetsRatio,
    meetsAbsolute,
  };
}

console.log(
  JSON.stringify({
    bench: 'indicators',
    bars: totalBars,
    series: inputs.length,
    library: 'technicalindicators@3.1.0',
    method: `best pass of ${ROUNDS} interleaved rounds (ours ${OURS_PER_ROUND} passes per round, library 1)`,
    targets: { ratio: TARGET_RATIO, simpleUpdatesPerSec: TARGET_SIMPLE },
    cpus: os.cpus().length,
    loadAverage1m: { start: Number(loadAtStart.toFixed(2)), end: Number(os.loadavg()[0]!.toFixed(2)) },
    results,
    sink: Number.isFinite(sink) ? 1 : 0,
  }),
);
