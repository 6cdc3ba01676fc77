import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { type ParsedDataset, parseDatasetFile } from './csv-dataset.js';

/** The repository root, found from this file's location so it works from any cwd. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The shared Binance data set: ../shared/data beside the repo, or PERPETUA_SHARED_DATA. */
export const sharedDataDir = (): string =>
  process.env.PERPETUA_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');

const column = (d: ParsedDataset, name: string): Float64Array => {
  const c = d.columns.find((x) => x.name === name);
  if (!(c?.values instanceof Float64Array)) throw new Error(`${d.source.file}: no float64 column ${name}`);
  return c.values;
};

/** Parsed dataset columns as bars; the extra 1m columns are kept. */
export const datasetToBars = (d: ParsedDataset): BarSeries => {
  if ((d.kind !== 'klines' && d.kind !== 'mark') || d.timeframe === null) {
    throw new Error(`${d.source.file} is not a bar file`);
  }
  const extraNames = d.columns.map((c) => c.name).filter((n) => !BASE.has(n));
  return {
    symbol: d.symbol,
    timeframe: d.timeframe,
    openTime: column(d, 'ts'),
    open: column(d, 'open'),
    high: column(d, 'high'),
    low: column(d, 'low'),
    close: column(d, 'close'),
    volume: d.kind === 'mark' ? new Float64Array(d.rows) : column(d, 'volume'),
    ...(extraNames.length > 0 ? { extra: Object.fromEntries(extraNames.map((n) => [n, column(d, n)])) } : {}),
  };
};

const BASE = new Set(['ts', 'open', 'high', 'low', 'close', 'volume']);

/** Kline bars straight from the shared CSV files (tests and benchmarks; no store needed). */
export const sharedBars = (symbol: string, timeframe: string): BarSeries =>
  datasetToBars(parseDatasetFile(path.join(sharedDataDir(), 'klines', `${symbol}-${timeframe}.csv.gz`)));

export const sharedFunding = (symbol: string): FundingSeries => {
  const d = parseDatasetFile(path.join(sharedDataDir(), 'funding', `${symbol}.csv.gz`));
  return { symbol, time: column(d, 'ts'), rate: column(d, 'rate') };
};

export const sharedMark = (symbol: string): MarkSeries => {
  const d = parseDatasetFile(path.join(sharedDataDir(), 'mark', `${symbol}-8h.csv.gz`));
  return {
    symbol,
    timeframe: '8h',
    openTime: column(d, 'ts'),
    open: column(d, 'open'),
    high: column(d, 'high'),
    low: column(d, 'low'),
    close: column(d, 'close'),
  };
};
