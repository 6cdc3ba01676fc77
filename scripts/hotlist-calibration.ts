/**
 * npm run hotlist:calibrate -- [--from 2023-02-01] [--to 2023-12-30] [--hour 0] [--json]
 *
 * Daily hotlist scans over the recorded 2023 data, each candidate's ±1σ/±2σ range and safe leverage
 * checked against the next 24 hourly bars (domain/hotlist/calibration.ts). Prints a table per symbol and
 * the derived sentiment's spread; the last line is JSON. Bad arguments exit with code 2.
 */
import { pathToFileURL } from 'node:url';
import { loadBinanceInstruments } from '../adapters/instruments/binance-files.js';
import { binanceListings, RecordedHotlistSource } from '../adapters/marketdata/hotlist-inputs.js';
import { type Calibration, calibrate, type Outcome, outcomeOf } from '../domain/hotlist/calibration.js';
import { defaultHotlistConfig, type FullScanResult, scanHotlist } from '../domain/hotlist/scan.js';
import { ArgError, parseArgs } from '../replay/cli/args.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface CalibrationSpan {
  readonly from: number;
  readonly to: number;
  /** The UTC hour of each day's scan. */
  readonly hour: number;
}

export interface CalibrationRun extends Calibration {
  readonly span: CalibrationSpan;
  readonly scans: number;
  /** Candidates left out because the recorded bars do not cover their next 24 hours. */
  readonly uncovered: number;
}

const dateArg = (name: string, text: string): number => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text))
    throw new ArgError(`--${name} must be a date YYYY-MM-DD, got "${text}"`);
  const t = Date.parse(`${text}T00:00:00Z`);
  if (!Number.isFinite(t) || new Date(t).toISOString().slice(0, 10) !== text)
    throw new ArgError(`--${name}: ${text} is not a calendar date`);
  return t;
};

export const parseSpan = (argv: readonly string[]): { span: CalibrationSpan; json: boolean } => {
  const args = parseArgs(argv, { values: ['from', 'to', 'hour'], flags: ['json'] });
  if (args.positional.length > 0) throw new ArgError(`unexpected argument "${args.positional[0]}"`);
  const one = (k: string) => args.values.get(k)?.at(-1);
  const fromText = one('from') ?? '2023-02-01';
  const toText = one('to') ?? '2023-12-30';
  const from = dateArg('from', fromText);
  const to = dateArg('to', toText);
  if (to < from) throw new ArgError(`--to (${toText}) is before --from (${fromText})`);
  const hourText = one('hour') ?? '0';
  const hour = /^\d{1,2}$/.test(hourText) ? Number(hourText) : Number.NaN;
  if (!(hour >= 0 && hour <= 23)) throw new ArgError(`--hour must be a whole hour 0..23, got "${hourText}"`);
  return { span: { from, to, hour }, json: args.flags.has('json') };
};

/** One scan a day at `hour` UTC from `from` to `to` (inclusive), on the recorded 1h bars and funding. */
export const runCalibration = async (span: CalibrationSpan): Promise<CalibrationRun> => {
  const book = await loadBinanceInstruments();
  const source = new RecordedHotlistSource({
    instrument: (s) => book.all.get(s),
    listings: await binanceListings(),
  });
  const outcomes: Outcome[] = [];
  const scans: FullScanResult[] = [];
  let uncovered = 0;
  const universe = RecordedHotlistSource.available();
  for (let day = span.from; day <= span.to; day += DAY) {
    const at = day + span.hour * HOUR;
    const { inputs } = await source.inputs(universe, at);
    const scan = scanHotlist(inputs, at, defaultHotlistConfig);
    scans.push(scan);
    for (const c of scan.candidates) {
      const bars = inputs.find((i) => i.symbol === c.symbol)!.bars;
      const o = outcomeOf(c, at, bars);
      if (o) outcomes.push(o);
      else uncovered++;
    }
  }
  const c = calibrate(outcomes, scans);
  const order = (x: string) => universe.indexOf(x);
  return {
    span,
    scans: scans.length,
    uncovered,
    symbols: [...c.symbols].sort((a, b) => order(a.symbol) - order(b.symbol)),
    sentiment: c.sentiment,
  };
};

const pct = (x: number): string => `${Math.round(x * 100)} %`;

export const formatCalibration = (r: CalibrationRun): string => {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const lines = [
    `Daily scans at ${String(r.span.hour).padStart(2, '0')}:00 UTC from ${day(r.span.from)} to ${day(r.span.to)} (${r.scans} scans), each candidate against the next 24 recorded 1h bars${r.uncovered ? `; ${r.uncovered} candidate(s) without 24 bars after the scan left out` : ''}:`,
    '',
    '| symbol | days | next close inside ±1σ | inside ±2σ | mean safe leverage | a short at it liquidated by the next 24h high | a long, by the low |',
    '|---|---|---|---|---|---|---|',
    ...r.symbols.map(
      (s) =>
        `| ${s.symbol} | ${s.days} | ${pct(s.inside1)} | ${pct(s.inside2)} | ${s.meanLeverage.toFixed(1)}× | ${s.shortLiquidations} | ${s.longLiquidations} |`,
    ),
    '',
  ];
  const m = r.sentiment;
  lines.push(
    m.scans === 0
      ? 'Sentiment: no scan scored a symbol.'
      : `Sentiment over ${m.scans} scans: ${m.min!.toFixed(1)} to ${m.max!.toFixed(1)} (median ${m.median!.toFixed(1)}); ${Object.entries(
          m.bands,
        )
          .map(([b, n]) => `${b} ${n}`)
          .join(', ')}.`,
  );
  return lines.join('\n');
};

const main = async (): Promise<number> => {
  let parsed: ReturnType<typeof parseSpan>;
  try {
    parsed = parseSpan(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ArgError)) throw err;
    console.error(
      `${err.message}\nusage: npm run hotlist:calibrate -- [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--hour 0..23] [--json]`,
    );
    return 2;
  }
  const r = await runCalibration(parsed.span);
  if (!parsed.json) console.log(formatCalibration(r));
  console.log(
    JSON.stringify({
      from: new Date(r.span.from).toISOString(),
      to: new Date(r.span.to).toISOString(),
      hour: r.span.hour,
      scans: r.scans,
      uncovered: r.uncovered,
      symbols: r.symbols,
      sentiment: r.sentiment,
    }),
  );
  return 0;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
