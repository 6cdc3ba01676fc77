import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../adapters/marketdata/shared-data.js';

const work = mkdtempSync(path.join(tmpdir(), 'perpetua-data-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const run = (...args: string[]): { code: number; out: string } => {
  try {
    const out = execFileSync(tsx, [path.join(repoRoot, 'scripts', 'data.ts'), ...args], {
      env: { ...process.env, DATA_DIR: path.join(work, 'store') },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, out: err.stdout + err.stderr };
  }
};

const csv = (rel: string, lines: string[]): void => {
  const file = path.join(work, 'in', rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
};

describe('npm run data', () => {
  it('imports a folder, lists it, verifies it and reports its gap', () => {
    csv('klines/TESTUSDT-1h.csv.gz', [
      'ts,open,high,low,close,volume',
      '0,10,11,9,10.5,1',
      '3600000,10.5,11,10,11,2',
      '14400000,11,12,10.5,11.5,3',
    ]);
    csv('funding/TESTUSDT.csv.gz', ['ts,rate', '0,0.0001', '28800003,-0.00005']);
    const imported = run('import', path.join(work, 'in'));
    expect(imported.code).toBe(0);
    expect(imported.out).toMatch(/2 datasets, 5 rows/);
    expect(run('list').out).toMatch(/klines\/TESTUSDT-1h\s+3 rows/);
    const verified = run('verify');
    expect(verified.code).toBe(0);
    expect(verified.out).toContain(
      'gap: TESTUSDT 1h from 1970-01-01T02:00:00Z to 1970-01-01T03:00:00Z (2 bars)',
    );
  });

  it('a malformed row fails the import with file and line, and the store is unchanged', () => {
    csv('bad/klines/TESTUSDT-1h.csv.gz', [
      'ts,open,high,low,close,volume',
      '0,10,11,9,10.5,1',
      '3600000,10.5,oops,10,11,2',
    ]);
    const r = run('import', path.join(work, 'in', 'bad'));
    // What was given is wrong: a usage error, as the other CLIs exit on bad input.
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/TESTUSDT-1h\.csv\.gz:3: high is not a number: "oops"/);
    expect(run('list').out).toMatch(/klines\/TESTUSDT-1h\s+3 rows/);
    const missing = run('import', path.join(work, 'in', 'nothing-here.csv.gz'));
    expect(missing.code).toBe(2);
    expect(missing.out).toMatch(/nothing-here\.csv\.gz: no such file or directory/);
  });
});
