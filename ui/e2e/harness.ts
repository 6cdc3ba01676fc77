import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const repoRoot = new URL('../../', import.meta.url).pathname;
export const artifacts = join(repoRoot, 'ui', 'e2e', 'artifacts');

/** Gates wide open: the tests that record optimizer runs are about what follows a verdict, not its evidence. */
const lenientGates = [
  ...['--min-dsr', '0', '--max-pbo', '1', '--min-wfe', 'off', '--min-oos-sharpe', 'off'],
  ...['--max-oos-dd', '1', '--min-oos-trades', '0'],
  ...['--max-oos-trades-per-day', 'off', '--min-oos-cost-coverage', 'off'],
];

/**
 * Records an optimizer run of ema-cross on BTCUSDT with the CLI into `dataDir` (before a system opens it:
 * the embedded store has one writer), gates wide open; `args` adds or overrides the method, budget,
 * windows and flags. Returns what the CLI printed.
 */
export function optimizeCli(dataDir: string, args: readonly string[]): string {
  const r = spawnSync(
    join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [
      'scripts/optimize.ts',
      '--strategy',
      'ema-cross',
      '--symbols',
      'BTCUSDT',
      '--workers',
      '1',
      ...args,
      ...lenientGates,
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir, REDIS_URL: '', DATABASE_URL: '' },
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`optimize ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Debian's chromium; playwright's own browser download is never used (no network in CI). */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(chromiumPath);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The OS picks a free port; closing and reusing it is a small race that loopback tests can afford. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** The same step as `npm start`'s prestart: the server serves ui/dist, so it must exist and be current. */
export function buildUi(): void {
  const r = spawnSync(process.execPath, ['scripts/ensure-ui.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the UI failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * An empty embedded store with every migration applied, made once per migration set and PGlite release
 * (by `npm run migrate`) and shared by the test processes. A node's first start on an empty directory
 * spends about 5 s in initdb and the migrations, and the suite starts many nodes; each starts on a copy
 * of this instead, unless a test asks for the first run itself (`StartOptions.emptyDir`).
 */
function migratedStore(): string {
  const key = createHash('sha256')
    .update(readFileSync(join(repoRoot, 'adapters', 'eventstore', 'migrations.ts')))
    .update(readFileSync(join(repoRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json')))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), `perpetua-e2e-store-${key}`);
  if (existsSync(join(dir, 'pglite'))) return dir;
  const building = mkdtempSync(join(tmpdir(), 'perpetua-e2e-store-building-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DATA_DIR: building, DATABASE_URL: '', REDIS_URL: '' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`making the migrated store failed:\n${r.stdout}\n${r.stderr}`);
  try {
    // Atomic: another test process that made it meanwhile has won, and this copy is dropped.
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true });
  }
  return dir;
}

export interface StartOptions {
  /** Starts on an empty data directory, as a fresh clone's first `npm start` does (initdb, migrations). */
  readonly emptyDir?: boolean;
}

export interface RunningSystem {
  url: string;
  dataDir: string;
  output: () => string;
  /** Stops the server and deletes its data directory, unless `keepData` (to start it again on the same store). */
  stop: (opts?: { keepData?: boolean }) => Promise<void>;
}

/**
 * Starts the system as `npm start` does (scripts/start.ts under tsx) on a fresh embedded store in a temp
 * directory (an empty, migrated one: `migratedStore`; `opts.emptyDir` for an empty directory) and an
 * ephemeral port. DATABASE_URL and REDIS_URL are removed so the run never touches the PostgreSQL schema
 * other tests use.
 */
export async function startSystem(
  env: Record<string, string> = {},
  /** Writes into the fresh DATA_DIR before the server opens it (the embedded store has one writer). */
  prepare?: (dataDir: string) => void,
  /** A data directory a stopped system kept (`stop({ keepData: true })`): a restart on the same store. */
  reuseDataDir?: string,
  opts: StartOptions = {},
): Promise<RunningSystem> {
  // For working on the tests: point them at a server already running (`npm start`, or mock-api.ts).
  const external = process.env.E2E_BASE_URL;
  if (external) return { url: external, dataDir: '', output: () => '', stop: async () => {} };
  const port = await freePort();
  const dataDir = reuseDataDir ?? mkdtempSync(join(tmpdir(), 'perpetua-e2e-'));
  if (!reuseDataDir && !opts.emptyDir)
    cpSync(join(migratedStore(), 'pglite'), join(dataDir, 'pglite'), { recursive: true });
  prepare?.(dataDir);
  // The re-optimisation scheduler is off unless a test asks for it: its optimizer runs would compete
  // with the browser for the CI machine's two cores.
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SCHEDULER: 'off',
    ...env,
    PORT: String(port),
    DATA_DIR: dataDir,
  };
  delete childEnv.DATABASE_URL;
  delete childEnv.REDIS_URL;
  // Its own process group, so stopping it also stops anything it spawned (workers, pools). Node itself
  // with tsx as a loader, as `npm start` runs it: tsx's CLI SIGKILLs a child that is slow to answer a
  // signal, and the stop would not be the orderly one the tests rely on.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: repoRoot,
    env: childEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (opts: { keepData?: boolean } = {}) => {
    if (child.exitCode !== null || child.pid === undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const t = setTimeout(() => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(t);
    if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server did not answer /api/health within 90 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, dataDir, output: () => log, stop };
}

/** A page is shot whole; a side panel is fixed to the viewport, so it is shot as the viewport shows it. */
export async function shoot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Polls `f` until it returns a value (not null), failing after `ms` with what was awaited. */
export const waitFor = async <T>(what: string, f: () => Promise<T | null>, ms = 90_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
};
