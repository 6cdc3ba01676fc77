import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isTimeframe, timeframeMs } from '../../domain/market/timeframe.js';

export type DatasetKind = 'klines' | 'funding' | 'mark';

/** One parsed file: its identity and its columns, all float64 (ms timestamps are exact). */
export interface ParsedDataset {
  readonly kind: DatasetKind;
  readonly symbol: string;
  /** null for funding, which settles on the exchange's schedule rather than a bar grid. */
  readonly timeframe: string | null;
  readonly rows: number;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly values: Float64Array }>;
  readonly source: { readonly file: string; readonly sha256: string };
}

export class MalformedDataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'MalformedDataError';
  }
}

const KLINE_BASE = ['ts', 'open', 'high', 'low', 'close', 'volume'];
const KLINE_1M_EXTRA = ['quote_volume', 'trades', 'taker_buy_volume', 'taker_buy_quote_volume'];
const HEADERS: Record<DatasetKind, readonly (readonly string[])[]> = {
  klines: [KLINE_BASE, [...KLINE_BASE, ...KLINE_1M_EXTRA]],
  mark: [['ts', 'open', 'high', 'low', 'close']],
  funding: [['ts', 'rate']],
};

const INTEGER = /^\d+$/;
const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** `klines/BTCUSDT-5m.csv.gz`, `mark/BTCUSDT-8h.csv.gz`, `funding/BTCUSDT.csv.gz` (or plain `.csv`). */
export const describeFile = (
  file: string,
  header: readonly string[],
): { kind: DatasetKind; symbol: string; timeframe: string | null } => {
  const base = path.basename(file).replace(/\.csv(\.gz)?$/, '');
  const dir = path.basename(path.dirname(file));
  const headerKey = header.join(',');
  let kind: DatasetKind;
  if (dir === 'klines' || dir === 'mark' || dir === 'funding') kind = dir;
  else if (headerKey === HEADERS.funding[0]!.join(',')) kind = 'funding';
  else kind = 'klines';
  if (kind === 'funding') {
    if (!/^[A-Z0-9]+$/.test(base)) throw new MalformedDataError(file, 0, `file name must be SYMBOL.csv.gz`);
    return { kind, symbol: base, timeframe: null };
  }
  const m = /^([A-Z0-9]+)-(\w+)$/.exec(base);
  if (!m || !isTimeframe(m[2]!))
    throw new MalformedDataError(file, 0, `file name must be SYMBOL-TIMEFRAME.csv.gz`);
  return { kind, symbol: m[1]!, timeframe: m[2]! };
};

/**
 * Reads and validates one CSV(.gz) file completely. Every field must be a plain decimal (no exponent,
 * as Binance writes them); timestamps strictly increase and bars sit on their timeframe's grid;
 * high >= max(open, close) and low <= min(open, close). The first violation throws, naming file and
 * line (1-based, the header is line 1).
 */
export const parseDatasetFile = (file: string): ParsedDataset => {
  const raw = readFileSync(file);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  let text: string;
  try {
    text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  } catch (e) {
    throw new MalformedDataError(file, 0, `not a readable gzip file (${(e as Error).message})`);
  }
  const lines = text.split('\n');
  const header = (lines[0] ?? '').replace(/\r$/, '').split(',');
  const { kind, symbol, timeframe } = describeFile(file, header);
  if (!HEADERS[kind].some((h) => h.join(',') === header.join(','))) {
    throw new MalformedDataError(file, 1, `unexpected header for ${kind}: ${header.join(',')}`);
  }
  let rows = lines.length - 1;
  while (rows > 0 && lines[rows]!.replace(/\r$/, '') === '') rows--;
  if (rows === 0) throw new MalformedDataError(file, 2, 'no data rows');
  const width = header.length;
  const cols = header.map(() => new Float64Array(rows));
  const tfMs = timeframe ? timeframeMs(timeframe) : 0;
  const isOhlc = kind !== 'funding';
  let prevTs = -1;
  for (let r = 0; r < rows; r++) {
    const lineNo = r + 2;
    const fields = lines[r + 1]!.replace(/\r$/, '').split(',');
    if (fields.length !== width) {
      throw new MalformedDataError(file, lineNo, `expected ${width} fields, got ${fields.length}`);
    }
    for (let c = 0; c < width; c++) {
      const f = fields[c]!;
      const pattern = c === 0 ? INTEGER : header[c] === 'rate' ? DECIMAL : UNSIGNED_DECIMAL;
      if (!pattern.test(f))
        throw new MalformedDataError(file, lineNo, `${header[c]} is not a number: "${f}"`);
      cols[c]![r] = Number(f);
    }
    const ts = cols[0]![r]!;
    if (!Number.isSafeInteger(ts))
      throw new MalformedDataError(file, lineNo, `ts out of range: ${fields[0]}`);
    if (ts <= prevTs)
      throw new MalformedDataError(file, lineNo, `ts ${ts} does not increase (previous ${prevTs})`);
    prevTs = ts;
    if (isOhlc) {
      if (ts % tfMs !== 0)
        throw new MalformedDataError(file, lineNo, `ts ${ts} is not on the ${timeframe} grid`);
      const o = cols[1]![r]!;
      const h = cols[2]![r]!;
      const l = cols[3]![r]!;
      const cl = cols[4]![r]!;
      if (h < o || h < cl || l > o || l > cl) {
        throw new MalformedDataError(file, lineNo, `inconsistent OHLC: ${fields.slice(1, 5).join(',')}`);
      }
    }
  }
  return {
    kind,
    symbol,
    timeframe,
    rows,
    columns: header.map((name, c) => ({ name, values: cols[c]! })),
    source: { file, sha256 },
  };
};
