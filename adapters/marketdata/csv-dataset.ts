import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isTimeframe, timeframeMs } from '../../domain/market/timeframe.js';

/** Bar-like files (one row per bar or settlement) and tick captures (one row per event or level). */
export type BarKind = 'klines' | 'mark' | 'funding';
export type TickKind = 'trades' | 'depth-updates' | 'depth-snapshot' | 'bookticker';
export type DatasetKind = BarKind | TickKind;

export const isBarKind = (k: DatasetKind): k is BarKind => k === 'klines' || k === 'mark' || k === 'funding';

/**
 * Column storage types: float64 holds prices, quantities, ms timestamps and exchange ids exactly (all
 * below 2^53); the collector's nanosecond clock (~1.7e18) needs int64; flags and sides are u8 codes
 * into `labels`.
 */
export type ColumnType = 'f64' | 'i64' | 'u8';
export type ColumnValues = Float64Array | BigInt64Array | Uint8Array;

export interface ParsedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly values: ColumnValues;
  /** For u8 columns: the text each code stands for. */
  readonly labels?: readonly string[];
}

export interface ParsedDataset {
  readonly kind: DatasetKind;
  readonly symbol: string;
  /** The bar length for klines and mark; null for funding (exchange schedule) and tick captures. */
  readonly timeframe: string | null;
  readonly rows: number;
  readonly columns: readonly ParsedColumn[];
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

const KLINE = ['ts', 'open', 'high', 'low', 'close', 'volume'];
const HEADERS: Record<DatasetKind, readonly (readonly string[])[]> = {
  klines: [KLINE, [...KLINE, 'quote_volume', 'trades', 'taker_buy_volume', 'taker_buy_quote_volume']],
  mark: [['ts', 'open', 'high', 'low', 'close']],
  funding: [['ts', 'rate']],
  trades: [['ts', 'event_time', 'local_ts_ns', 'trade_id', 'price', 'qty', 'is_buyer_maker', 'type']],
  'depth-updates': [
    [
      'ts',
      'transact_time',
      'local_ts_ns',
      'first_update_id',
      'last_update_id',
      'prev_update_id',
      'side',
      'price',
      'qty',
    ],
  ],
  'depth-snapshot': [['ts', 'transact_time', 'local_ts_ns', 'last_update_id', 'side', 'price', 'qty']],
  bookticker: [
    ['ts', 'event_time', 'local_ts_ns', 'update_id', 'bid_price', 'bid_qty', 'ask_price', 'ask_qty'],
  ],
};

type FieldKind = 'int' | 'int64' | 'udec' | 'dec' | 'label';
const INT_FIELDS = new Set([
  'ts',
  'event_time',
  'transact_time',
  'trade_id',
  'first_update_id',
  'last_update_id',
  'prev_update_id',
  'update_id',
  'trades',
]);
const LABELS: Readonly<Record<string, readonly string[]>> = {
  is_buyer_maker: ['false', 'true'],
  side: ['bid', 'ask'],
  // Binance's trade types; only MARKET occurs in the shared capture.
  type: ['MARKET', 'INSURANCE_FUND', 'ADL', 'NA'],
};
const fieldKind = (name: string): FieldKind =>
  name === 'local_ts_ns'
    ? 'int64'
    : INT_FIELDS.has(name)
      ? 'int'
      : name in LABELS
        ? 'label'
        : name === 'rate'
          ? 'dec'
          : 'udec';

const INTEGER = /^\d+$/;
const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

const kindOfHeader = (header: readonly string[]): DatasetKind | undefined => {
  const key = header.join(',');
  return (Object.keys(HEADERS) as DatasetKind[]).find((k) => HEADERS[k].some((h) => h.join(',') === key));
};

/**
 * The header says what a file holds (every layout is distinct); the name says for what:
 * `SYMBOL-TF` for klines and mark, `SYMBOL` for funding and trades, `SYMBOL-<kind>` for book files.
 */
export const describeFile = (
  file: string,
  header: readonly string[],
): { kind: DatasetKind; symbol: string; timeframe: string | null } => {
  const kind = kindOfHeader(header);
  if (!kind) throw new MalformedDataError(file, 1, `unknown header: ${header.join(',')}`);
  const base = path.basename(file).replace(/\.csv(\.gz)?$/, '');
  if (kind === 'klines' || kind === 'mark') {
    const m = /^([A-Z0-9]+)-(\w+)$/.exec(base);
    if (!m || !isTimeframe(m[2]!))
      throw new MalformedDataError(file, 0, 'file name must be SYMBOL-TIMEFRAME.csv.gz');
    return { kind, symbol: m[1]!, timeframe: m[2]! };
  }
  if (kind === 'funding' || kind === 'trades') {
    if (!/^[A-Z0-9]+$/.test(base)) throw new MalformedDataError(file, 0, 'file name must be SYMBOL.csv.gz');
    return { kind, symbol: base, timeframe: null };
  }
  const m = new RegExp(`^([A-Z0-9]+)-${kind}$`).exec(base);
  if (!m) throw new MalformedDataError(file, 0, `file name must be SYMBOL-${kind}.csv.gz`);
  return { kind, symbol: m[1]!, timeframe: null };
};

/** A row-level rule beyond field syntax; returns the reason a row is wrong, or undefined. */
type RowCheck = (row: number) => string | undefined;

/**
 * Reads and validates one CSV(.gz) file completely. Every field must be a plain decimal (no exponent,
 * as Binance writes them) or one of its column's labels; bars and settlements strictly increase in
 * time and bars sit on their grid with high >= max(open, close) and low <= min(open, close); tick
 * captures never go back in time, trade ids increase, depth messages chain (each prev_update_id is
 * the previous message's last_update_id) and the book ticker is never crossed. The first violation
 * throws, naming file and line (1-based; the header is line 1).
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
  let rows = lines.length - 1;
  while (rows > 0 && lines[rows]!.replace(/\r$/, '') === '') rows--;
  if (rows === 0) throw new MalformedDataError(file, 2, 'no data rows');

  const kinds = header.map(fieldKind);
  const columns: ParsedColumn[] = header.map((name, c) => {
    const k = kinds[c]!;
    if (k === 'int64') return { name, type: 'i64', values: new BigInt64Array(rows) };
    if (k === 'label') return { name, type: 'u8', values: new Uint8Array(rows), labels: LABELS[name]! };
    return { name, type: 'f64', values: new Float64Array(rows) };
  });
  const check = rowCheck(kind, timeframe, header, columns);
  const width = header.length;
  for (let r = 0; r < rows; r++) {
    const lineNo = r + 2;
    const fields = lines[r + 1]!.replace(/\r$/, '').split(',');
    if (fields.length !== width)
      throw new MalformedDataError(file, lineNo, `expected ${width} fields, got ${fields.length}`);
    for (let c = 0; c < width; c++) {
      const f = fields[c]!;
      const col = columns[c]!;
      const k = kinds[c]!;
      if (k === 'label') {
        const code = col.labels!.indexOf(f);
        if (code < 0)
          throw new MalformedDataError(
            file,
            lineNo,
            `${col.name} must be one of ${col.labels!.join('|')}: "${f}"`,
          );
        (col.values as Uint8Array)[r] = code;
        continue;
      }
      const ok = k === 'dec' ? DECIMAL.test(f) : k === 'udec' ? UNSIGNED_DECIMAL.test(f) : INTEGER.test(f);
      if (!ok)
        throw new MalformedDataError(
          file,
          lineNo,
          k === 'udec' && DECIMAL.test(f)
            ? `${col.name} must not be negative: "${f}"`
            : `${col.name} is not a number: "${f}"`,
        );
      if (k === 'int64') {
        (col.values as BigInt64Array)[r] = BigInt(f);
        continue;
      }
      const v = Number(f);
      // A string of digits can still overflow a double (to Infinity): no exchange prints such a number.
      if (k === 'int' ? !Number.isSafeInteger(v) : !Number.isFinite(v))
        throw new MalformedDataError(
          file,
          lineNo,
          `${col.name} out of range: ${f.length > 40 ? `${f.slice(0, 40)}…` : f}`,
        );
      (col.values as Float64Array)[r] = v;
    }
    const problem = check(r);
    if (problem) throw new MalformedDataError(file, lineNo, problem);
  }
  return { kind, symbol, timeframe, rows, columns, source: { file, sha256 } };
};

const rowCheck = (
  kind: DatasetKind,
  timeframe: string | null,
  header: readonly string[],
  columns: readonly ParsedColumn[],
): RowCheck => {
  const f64 = (name: string): Float64Array => columns[header.indexOf(name)]!.values as Float64Array;
  const ts = f64('ts');
  const timeOrder: RowCheck = isBarKind(kind)
    ? (r) =>
        r > 0 && ts[r]! <= ts[r - 1]! ? `ts ${ts[r]} does not increase (previous ${ts[r - 1]})` : undefined
    : (r) =>
        r > 0 && ts[r]! < ts[r - 1]! ? `ts ${ts[r]} goes back in time (previous ${ts[r - 1]})` : undefined;
  if (kind === 'klines' || kind === 'mark') {
    const tf = timeframeMs(timeframe!);
    const [o, h, l, c] = [f64('open'), f64('high'), f64('low'), f64('close')];
    return (r) =>
      timeOrder(r) ??
      (ts[r]! % tf !== 0
        ? `ts ${ts[r]} is not on the ${timeframe} grid`
        : h[r]! < o[r]! || h[r]! < c[r]! || l[r]! > o[r]! || l[r]! > c[r]!
          ? `inconsistent OHLC: ${o[r]},${h[r]},${l[r]},${c[r]}`
          : // No exchange trades a perpetual at 0: a zero low is a hole in the source, not a price.
            l[r]! <= 0
            ? `prices must be above 0: ${o[r]},${h[r]},${l[r]},${c[r]}`
            : undefined);
  }
  if (kind === 'trades') {
    const id = f64('trade_id');
    return (r) =>
      timeOrder(r) ?? (r > 0 && id[r]! <= id[r - 1]! ? `trade_id ${id[r]} does not increase` : undefined);
  }
  if (kind === 'depth-updates') {
    const [first, last, prev] = [f64('first_update_id'), f64('last_update_id'), f64('prev_update_id')];
    let previousMessageLast = Number.NaN;
    return (r) => {
      const t = timeOrder(r);
      if (t) return t;
      if (last[r]! < first[r]!) return `last_update_id ${last[r]} < first_update_id ${first[r]}`;
      if (r > 0 && last[r] === last[r - 1]) return undefined; // another level of the same message
      if (r > 0 && prev[r] !== previousMessageLast) {
        return `prev_update_id ${prev[r]} != previous message's last_update_id ${previousMessageLast}`;
      }
      previousMessageLast = last[r]!;
      return undefined;
    };
  }
  if (kind === 'depth-snapshot') {
    const id = f64('last_update_id');
    return (r) =>
      timeOrder(r) ?? (r > 0 && id[r] !== id[0] ? 'a snapshot has one last_update_id' : undefined);
  }
  if (kind === 'bookticker') {
    const [bid, ask] = [f64('bid_price'), f64('ask_price')];
    return (r) => timeOrder(r) ?? (bid[r]! > ask[r]! ? `crossed: bid ${bid[r]} > ask ${ask[r]}` : undefined);
  }
  return timeOrder;
};
