import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickScale } from '../../domain/sim/scale.js';
import { MalformedDataError, parseDatasetFile } from './csv-dataset.js';
import { sharedDataDir } from './shared-data.js';
import { loadBookTicker, loadDepthSnapshot, loadDepthStream, loadTradeTape } from './tick-data.js';

/**
 * Real files from ../shared/data, damaged at random — characters changed, inserted or dropped, lines
 * duplicated, dropped or swapped, the file cut short — then parsed. A file is either accepted, with
 * every number finite, or refused with MalformedDataError naming file and line: never another error
 * (a TypeError from a missing field), and never a value no exchange would print.
 */

interface Sample {
  readonly name: string;
  readonly lines: readonly string[];
}

let dir: string;
const samples: Sample[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'perpetua-csv-fuzz-'));
  for (const [folder, file, keep] of [
    ['klines', 'BTCUSDT-1h.csv.gz', 60],
    ['klines', 'ALGOUSDT-1m.csv.gz', 60],
    ['funding', 'SUIUSDT.csv.gz', 40],
    ['trades', 'BTCUSDT.csv.gz', 80],
    ['book', 'BTCUSDT-depth-updates.csv.gz', 80],
    ['book', 'BTCUSDT-bookticker.csv.gz', 60],
    ['book', 'BTCUSDT-depth-snapshot.csv.gz', 60],
  ] as const) {
    const text = gunzipSync(readFileSync(path.join(sharedDataDir(), folder, file))).toString('utf8');
    samples.push({ name: file.replace(/\.gz$/, ''), lines: text.split('\n').slice(0, keep) });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Damage =
  | { readonly kind: 'char'; readonly line: number; readonly at: number; readonly to: string }
  | { readonly kind: 'insert'; readonly line: number; readonly at: number; readonly text: string }
  | { readonly kind: 'drop-char'; readonly line: number; readonly at: number }
  | { readonly kind: 'dup' | 'drop' | 'swap'; readonly line: number }
  | { readonly kind: 'cut'; readonly line: number; readonly at: number };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({
    kind: fc.constant('char' as const),
    line: fc.nat(),
    at: fc.nat(),
    to: fc.constantFrom(',', '.', '-', 'e', 'x', '9', '0', ' ', '\r', '"', '\u0000', '１'),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    line: fc.nat(),
    at: fc.nat(),
    text: fc.constantFrom('9'.repeat(400), '1e308', 'NaN', '-', ',', '.5', '0.', '00', 'true'),
  }),
  fc.record({ kind: fc.constant('drop-char' as const), line: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('dup' as const, 'drop' as const, 'swap' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), line: fc.nat(), at: fc.nat() }),
);

const apply = (lines: string[], d: Damage): string[] => {
  if (lines.length === 0) return lines;
  const i = d.line % lines.length;
  const l = lines[i]!;
  const at = 'at' in d ? d.at % (l.length + 1) : 0;
  switch (d.kind) {
    case 'char':
      lines[i] = l.slice(0, at) + d.to + l.slice(at + 1);
      return lines;
    case 'insert':
      lines[i] = l.slice(0, at) + d.text + l.slice(at);
      return lines;
    case 'drop-char':
      lines[i] = l.slice(0, at) + l.slice(at + 1);
      return lines;
    case 'dup':
      lines.splice(i, 0, l);
      return lines;
    case 'drop':
      lines.splice(i, 1);
      return lines;
    case 'swap':
      if (i + 1 < lines.length) [lines[i], lines[i + 1]] = [lines[i + 1]!, l];
      return lines;
    case 'cut':
      return [...lines.slice(0, i), l.slice(0, at)];
  }
};

/** The engine's own loaders for the tick captures (BTCUSDT: tick 0.1, lot 0.001), beside the importer's. */
const scale = tickScale('0.10', '0.001');
const tickLoader = (name: string): ((file: string) => unknown) | undefined =>
  name === 'BTCUSDT.csv'
    ? (f) => loadTradeTape(f, scale)
    : name.endsWith('depth-updates.csv')
      ? (f) => loadDepthStream(f, scale)
      : name.endsWith('depth-snapshot.csv')
        ? (f) => loadDepthSnapshot(f, scale)
        : name.endsWith('bookticker.csv')
          ? (f) => loadBookTicker(f, scale)
          : undefined;

/** Every number in what a loader returned is finite. */
const finiteEverywhere = (x: unknown, where: string): void => {
  if (typeof x === 'number') expect(Number.isFinite(x), where).toBe(true);
  else if (x instanceof Float64Array) for (const v of x) expect(Number.isFinite(v), where).toBe(true);
  else if (typeof x === 'object' && x !== null && !ArrayBuffer.isView(x))
    for (const [k, v] of Object.entries(x)) finiteEverywhere(v, `${where}.${k}`);
};

describe('damaged market-data files', () => {
  it('are accepted with finite numbers or refused with the file and line', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.nat(), fc.array(damage, { minLength: 1, maxLength: 4 }), (pick, damages) => {
        const sample = samples[pick % samples.length]!;
        const lines = damages.reduce(apply, [...sample.lines]);
        const file = path.join(dir, `${n++}`, sample.name);
        rmSync(path.dirname(file), { recursive: true, force: true });
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, lines.join('\n'));
        const refusedOrFinite = (load: () => void) => {
          try {
            load();
          } catch (e) {
            if (!(e instanceof MalformedDataError)) throw e;
            expect(e.message).toContain(sample.name);
          }
        };
        refusedOrFinite(() => {
          const parsed = parseDatasetFile(file);
          for (const c of parsed.columns) {
            if (c.type !== 'f64') continue;
            for (const v of c.values as Float64Array)
              expect(Number.isFinite(v), `${sample.name} column ${c.name}: ${v}`).toBe(true);
          }
        });
        const loader = tickLoader(sample.name);
        if (loader) refusedOrFinite(() => finiteEverywhere(loader(file), sample.name));
      }),
      { numRuns: Number(process.env.CSV_FUZZ_RUNS ?? 300) },
    );
  });

  it('refuses the two damages this test found: a number that overflows a double, an empty capture', () => {
    const write = (name: string, lines: readonly string[]) => {
      const file = path.join(dir, 'fixed', name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, lines.join('\n'));
      return file;
    };
    const bars = samples.find((x) => x.name === 'BTCUSDT-1h.csv')!.lines;
    const huge = write('BTCUSDT-1h.csv', [bars[0]!, bars[1]!.replace(/,([^,]*)$/, `,${'9'.repeat(400)}`)]);
    expect(() => parseDatasetFile(huge)).toThrow(/:2: volume out of range/);
    const snap = samples.find((x) => x.name === 'BTCUSDT-depth-snapshot.csv')!.lines;
    const empty = write('BTCUSDT-depth-snapshot.csv', [snap[0]!, '']);
    expect(() => loadDepthSnapshot(empty, scale)).toThrow(/:2: no data rows/);
  });
});
