import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries, MarkSeries } from '../../domain/market/funding.js';
import { findTimeGaps, type Gap } from '../../domain/market/gaps.js';
import type { DatasetKind, ParsedDataset } from './csv-dataset.js';

/**
 * The persistent form: one directory per dataset under `<DATA_DIR>/market/<kind>/<name>/`, one raw
 * little-endian float64 file per column (`ts.f64`, `close.f64`, ...) and a `meta.json` with row count,
 * span, each column's sha256 and the source file's sha256. A column loads with one read into a
 * Float64Array, no parsing. Float64 holds every ms timestamp exactly and is what indicators consume.
 */
const FORMAT = 'perpetua-columns/1';

const metaSchema = z
  .object({
    format: z.literal(FORMAT),
    kind: z.enum(['klines', 'funding', 'mark']),
    symbol: z.string().min(1),
    timeframe: z.string().nullable(),
    rows: z.number().int().positive(),
    firstTs: z.number().int(),
    lastTs: z.number().int(),
    columns: z.array(z.object({ name: z.string(), file: z.string(), sha256: z.string() }).strict()),
    source: z.object({ file: z.string(), sha256: z.string() }).strict(),
  })
  .strict();

export type DatasetMeta = z.infer<typeof metaSchema>;

export const defaultMarketDir = (dataDir: string = process.env.DATA_DIR ?? '.data'): string =>
  path.join(dataDir, 'market');

export const datasetId = (kind: DatasetKind, symbol: string, timeframe: string | null): string =>
  kind === 'funding' ? `funding/${symbol}` : `${kind}/${symbol}-${timeframe}`;

const assertLittleEndian = (): void => {
  if (endianness() !== 'LE') throw new Error('the column store is little-endian; this machine is not');
};

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const columnBytes = (values: Float64Array): Uint8Array =>
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
        const bytes = columnBytes(c.values);
        const file = `${c.name}.f64`;
        writeFileSync(path.join(dir, file), bytes);
        return { name: c.name, file, sha256: sha256(bytes) };
      });
      const ts = d.columns[0]!.values;
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
  for (const kind of ['klines', 'mark', 'funding'] as const) {
    const kindDir = path.join(marketDir, kind);
    if (!existsSync(kindDir)) continue;
    for (const name of readdirSync(kindDir).sort()) {
      const metaFile = path.join(kindDir, name, 'meta.json');
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

const readColumn = (dir: string, file: string, rows: number): Float64Array => {
  const buf = readFileSync(path.join(dir, file));
  if (buf.byteLength !== rows * 8) {
    throw new Error(`${path.join(dir, file)}: ${buf.byteLength} bytes, expected ${rows * 8}`);
  }
  // Copy into a fresh, 8-byte-aligned buffer: Node's Buffer may sit at any offset of a shared pool.
  const out = new Float64Array(rows);
  new Uint8Array(out.buffer).set(buf);
  return out;
};

export interface LoadedDataset {
  readonly meta: DatasetMeta;
  readonly columns: Readonly<Record<string, Float64Array>>;
}

export const loadDataset = (marketDir: string, id: string): LoadedDataset => {
  assertLittleEndian();
  const dir = path.join(marketDir, id);
  const metaFile = path.join(dir, 'meta.json');
  if (!existsSync(metaFile))
    throw new Error(`dataset ${id} not found in ${marketDir} (run: npm run data -- import)`);
  const meta = readMeta(metaFile);
  const columns = Object.fromEntries(meta.columns.map((c) => [c.name, readColumn(dir, c.file, meta.rows)]));
  return { meta, columns };
};

const col = (d: LoadedDataset, name: string): Float64Array => {
  const c = d.columns[name];
  if (!c) throw new Error(`dataset ${d.meta.kind}/${d.meta.symbol}: missing column ${name}`);
  return c;
};

const BAR_COLUMNS = new Set(['ts', 'open', 'high', 'low', 'close', 'volume']);

export const loadBars = (marketDir: string, symbol: string, timeframe: string): BarSeries => {
  const d = loadDataset(marketDir, datasetId('klines', symbol, timeframe));
  const extraNames = Object.keys(d.columns).filter((k) => !BAR_COLUMNS.has(k));
  return {
    symbol,
    timeframe,
    openTime: col(d, 'ts'),
    open: col(d, 'open'),
    high: col(d, 'high'),
    low: col(d, 'low'),
    close: col(d, 'close'),
    volume: col(d, 'volume'),
    ...(extraNames.length > 0 ? { extra: Object.fromEntries(extraNames.map((k) => [k, col(d, k)])) } : {}),
  };
};

export const loadFunding = (marketDir: string, symbol: string): FundingSeries => {
  const d = loadDataset(marketDir, datasetId('funding', symbol, null));
  return { symbol, time: col(d, 'ts'), rate: col(d, 'rate') };
};

export const loadMark = (marketDir: string, symbol: string, timeframe = '8h'): MarkSeries => {
  const d = loadDataset(marketDir, datasetId('mark', symbol, timeframe));
  return {
    symbol,
    timeframe,
    openTime: col(d, 'ts'),
    open: col(d, 'open'),
    high: col(d, 'high'),
    low: col(d, 'low'),
    close: col(d, 'close'),
  };
};

export interface DatasetReport {
  readonly id: string;
  readonly meta: DatasetMeta;
  readonly problems: string[];
  readonly gaps: Gap[];
}

/**
 * Re-reads every dataset: column checksums and sizes against meta.json, strictly increasing
 * timestamps matching the recorded span, and the gaps of bar datasets (reported, not problems).
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
        if (bytes.byteLength !== meta.rows * 8)
          problems.push(`${c.file}: ${bytes.byteLength} bytes, expected ${meta.rows * 8}`);
        if (sha256(bytes) !== c.sha256) problems.push(`${c.file}: sha256 mismatch`);
      }
      if (problems.length === 0) {
        const ts = loadDataset(marketDir, id).columns.ts!;
        for (let i = 1; i < ts.length; i++) {
          if (ts[i]! <= ts[i - 1]!) {
            problems.push(`ts not increasing at row ${i}`);
            break;
          }
        }
        if (ts[0] !== meta.firstTs || ts[ts.length - 1] !== meta.lastTs)
          problems.push('span differs from meta.json');
        if (meta.kind !== 'funding' && meta.timeframe && problems.length === 0) {
          gaps = findTimeGaps(meta.symbol, meta.timeframe, ts);
        }
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
    return { id, meta, problems, gaps };
  });
