import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { findTimeGaps, type Gap } from '../../domain/market/gaps.js';
import {
  type ColumnType,
  type ColumnValues,
  type DatasetKind,
  isBarKind,
  type ParsedDataset,
} from './csv-dataset.js';

/**
 * The persistent form: one directory per dataset under `<DATA_DIR>/market/`, one raw little-endian
 * file per column (`close.f64`, `local_ts_ns.i64`, `side.u8`, ...) and a `meta.json` with row count,
 * span, each column's type, labels and sha256, and the source file's sha256. A column loads with one
 * read into a typed array, no parsing.
 *
 *   klines/BTCUSDT-5m/  mark/BTCUSDT-8h/  funding/BTCUSDT/  trades/BTCUSDT/
 *   book/BTCUSDT-depth-updates/  book/BTCUSDT-depth-snapshot/  book/BTCUSDT-bookticker/
 */
const FORMAT = 'perpetua-columns/1';
const KINDS = [
  'klines',
  'mark',
  'funding',
  'trades',
  'depth-updates',
  'depth-snapshot',
  'bookticker',
] as const;
const BYTES: Record<ColumnType, number> = { f64: 8, i64: 8, u8: 1 };

const metaSchema = z
  .object({
    format: z.literal(FORMAT),
    kind: z.enum(KINDS),
    symbol: z.string().min(1),
    timeframe: z.string().nullable(),
    rows: z.number().int().positive(),
    firstTs: z.number().int(),
    lastTs: z.number().int(),
    columns: z.array(
      z
        .object({
          name: z.string(),
          file: z.string(),
          type: z.enum(['f64', 'i64', 'u8']),
          labels: z.array(z.string()).optional(),
          sha256: z.string(),
        })
        .strict(),
    ),
    source: z.object({ file: z.string(), sha256: z.string() }).strict(),
  })
  .strict();

export type DatasetMeta = z.infer<typeof metaSchema>;

export const defaultMarketDir = (dataDir: string = process.env.DATA_DIR ?? '.data'): string =>
  path.join(dataDir, 'market');

export const datasetId = (kind: DatasetKind, symbol: string, timeframe: string | null): string => {
  if (kind === 'klines' || kind === 'mark') return `${kind}/${symbol}-${timeframe}`;
  if (kind === 'funding' || kind === 'trades') return `${kind}/${symbol}`;
  return `book/${symbol}-${kind}`;
};

const assertLittleEndian = (): void => {
  if (endianness() !== 'LE') throw new Error('the column store is little-endian; this machine is not');
};

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const bytesOf = (values: ColumnValues): Uint8Array =>
  new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/**
 * Writes every dataset or none: each goes to a staging directory first, and only when all are
 * written are they renamed into place (replacing an earlier import of the same dataset). Parsing and
 * validation happen before this is called, so a malformed file never leaves a partial store.
 */
export const writeDatasets = (marketDir: string, datasets: readonly ParsedDataset[]): DatasetMeta[] => {
  assertLittleEndian();
  const ids = datasets.map((d) => datasetId(d.kind, d.symbol, d.timeframe));
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new Error(`two input files map to the same dataset ${dup}`);
  mkdirSync(marketDir, { recursive: true });
  const staging = path.join(marketDir, `.staging-${process.pid}-${Date.now()}`);
  const metas: DatasetMeta[] = [];
  try {
    datasets.forEach((d, i) => {
      const dir = path.join(staging, ids[i]!);
      mkdirSync(dir, { recursive: true });
      const columns = d.columns.map((c) => {
        const bytes = bytesOf(c.values);
        const file = `${c.name}.${c.type}`;
        writeFileSync(path.join(dir, file), bytes);
        return {
          name: c.name,
          file,
          type: c.type,
          ...(c.labels ? { labels: [...c.labels] } : {}),
          sha256: sha256(bytes),
        };
      });
      const ts = d.columns[0]!.values as Float64Array;
      const meta: DatasetMeta = {
        format: FORMAT,
        kind: d.kind,
        symbol: d.symbol,
        timeframe: d.timeframe,
        rows: d.rows,
        firstTs: ts[0]!,
        lastTs: ts[ts.length - 1]!,
        columns,
        source: { file: path.basename(d.source.file), sha256: d.source.sha256 },
      };
      writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
      metas.push(meta);
    });
    const trash = path.join(staging, '.replaced');
    for (const id of ids) {
      const target = path.join(marketDir, id);
      mkdirSync(path.dirname(target), { recursive: true });
      if (existsSync(target)) {
        mkdirSync(path.dirname(path.join(trash, id)), { recursive: true });
        renameSync(target, path.join(trash, id));
      }
      renameSync(path.join(staging, id), target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return metas;
};

export const listDatasets = (marketDir: string): DatasetMeta[] => {
  const out: DatasetMeta[] = [];
  for (const top of ['klines', 'mark', 'funding', 'trades', 'book']) {
    const topDir = path.join(marketDir, top);
    if (!existsSync(topDir)) continue;
    for (const name of readdirSync(topDir).sort()) {
      const metaFile = path.join(topDir, name, 'meta.json');
      if (existsSync(metaFile)) out.push(readMeta(metaFile));
    }
  }
  return out;
};

const readMeta = (file: string): DatasetMeta => {
  const parsed = metaSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: invalid meta.json: ${parsed.error.message}`);
  return parsed.data;
};

const readColumn = (dir: string, file: string, type: ColumnType, rows: number): ColumnValues => {
  const buf = readFileSync(path.join(dir, file));
  if (buf.byteLength !== rows * BYTES[type]) {
    throw new Error(`${path.join(dir, file)}: ${buf.byteLength} bytes, expected ${rows * BYTES[type]}`);
  }
  // Copy into a fresh, aligned buffer: Node's Buffer may sit at any offset of a shared pool.
  const out =
    type === 'f64' ? new Float64Array(rows) : type === 'i64' ? new BigInt64Array(rows) : new Uint8Array(rows);
  new Uint8Array(out.buffer).set(buf);
  return out;
};

export interface LoadedDataset {
  readonly meta: DatasetMeta;
  readonly columns: Readonly<Record<string, ColumnValues>>;
}

export const loadDataset = (marketDir: string, id: string): LoadedDataset => {
  assertLittleEndian();
  const dir = path.join(marketDir, id);
  const metaFile = path.join(dir, 'meta.json');
  if (!existsSync(metaFile))
    throw new Error(`dataset ${id} not found in ${marketDir} (run: npm run data -- import)`);
  const meta = readMeta(metaFile);
  const columns = Object.fromEntries(
    meta.columns.map((c) => [c.name, readColumn(dir, c.file, c.type, meta.rows)]),
  );
  return { meta, columns };
};

const f64 = (d: LoadedDataset, name: string): Float64Array => {
  const c = d.columns[name];
  if (!(c instanceof Float64Array))
    throw new Error(`dataset ${d.meta.kind}/${d.meta.symbol}: no float64 column ${name}`);
  return c;
};

const BAR_COLUMNS = new Set(['ts', 'open', 'high', 'low', 'close', 'volume']);

export const loadBars = (marketDir: string, symbol: string, timeframe: string): BarSeries => {
  const d = loadDataset(marketDir, datasetId('klines', symbol, timeframe));
  const extraNames = Object.keys(d.columns).filter((k) => !BAR_COLUMNS.has(k));
  return {
    symbol,
    timeframe,
    openTime: f64(d, 'ts'),
    open: f64(d, 'open'),
    high: f64(d, 'high'),
    low: f64(d, 'low'),
    close: f64(d, 'close'),
    volume: f64(d, 'volume'),
    ...(extraNames.length > 0 ? { extra: Object.fromEntries(extraNames.map((k) => [k, f64(d, k)])) } : {}),
  };
};

export const loadFunding = (marketDir: string, symbol: string): FundingSeries => {
  const d = loadDataset(marketDir, datasetId('funding', symbol, null));
  return { symbol, time: f64(d, 'ts'), rate: f64(d, 'rate') };
};

export const loadMark = (marketDir: string, symbol: string, timeframe = '8h'): MarkSeries => {
  const d = loadDataset(marketDir, datasetId('mark', symbol, timeframe));
  return {
    symbol,
    timeframe,
    openTime: f64(d, 'ts'),
    open: f64(d, 'open'),
    high: f64(d, 'high'),
    low: f64(d, 'low'),
    close: f64(d, 'close'),
  };
};

/** Trades as columns; `isBuyerMaker[i] = 1` when the taker sold. */
export interface TradeColumns {
  readonly symbol: string;
  readonly time: Float64Array;
  readonly tradeId: Float64Array;
  readonly price: Float64Array;
  readonly qty: Float64Array;
  readonly isBuyerMaker: Uint8Array;
  /** The collector's receive clock; ~1.2 s behind exchange time in the shared capture. */
  readonly localTsNs: BigInt64Array;
}

export const loadTrades = (marketDir: string, symbol: string): TradeColumns => {
  const d = loadDataset(marketDir, datasetId('trades', symbol, null));
  const maker = d.columns.is_buyer_maker;
  const local = d.columns.local_ts_ns;
  if (!(maker instanceof Uint8Array) || !(local instanceof BigInt64Array))
    throw new Error(`trades/${symbol}: bad columns`);
  return {
    symbol,
    time: f64(d, 'ts'),
    tradeId: f64(d, 'trade_id'),
    price: f64(d, 'price'),
    qty: f64(d, 'qty'),
    isBuyerMaker: maker,
    localTsNs: local,
  };
};

export interface DatasetReport {
  readonly id: string;
  readonly meta: DatasetMeta;
  readonly problems: string[];
  readonly gaps: Gap[];
}

/**
 * Re-reads every dataset: column checksums and sizes against meta.json, timestamps in order (strictly
 * for bars and settlements) and matching the recorded span, and the gaps of bar datasets (reported,
 * not problems).
 */
export const verifyStore = (marketDir: string): DatasetReport[] =>
  listDatasets(marketDir).map((meta) => {
    const id = datasetId(meta.kind, meta.symbol, meta.timeframe);
    const dir = path.join(marketDir, id);
    const problems: string[] = [];
    let gaps: Gap[] = [];
    try {
      for (const c of meta.columns) {
        const bytes = readFileSync(path.join(dir, c.file));
        const expected = meta.rows * BYTES[c.type];
        if (bytes.byteLength !== expected)
          problems.push(`${c.file}: ${bytes.byteLength} bytes, expected ${expected}`);
        if (sha256(bytes) !== c.sha256) problems.push(`${c.file}: sha256 mismatch`);
      }
      if (problems.length === 0) {
        const ts = f64(loadDataset(marketDir, id), 'ts');
        const strict = isBarKind(meta.kind);
        for (let i = 1; i < ts.length; i++) {
          if (strict ? ts[i]! <= ts[i - 1]! : ts[i]! < ts[i - 1]!) {
            problems.push(`ts out of order at row ${i}`);
            break;
          }
        }
        if (ts[0] !== meta.firstTs || ts[ts.length - 1] !== meta.lastTs)
          problems.push('span differs from meta.json');
        if ((meta.kind === 'klines' || meta.kind === 'mark') && meta.timeframe && problems.length === 0) {
          gaps = findTimeGaps(meta.symbol, meta.timeframe, ts);
        }
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
    return { id, meta, problems, gaps };
  });
