import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../adapters/marketdata/shared-data.js';
import { nodeSettings } from './node-settings.js';

/** `npm start` with settings that cannot be right: it stops before it starts anything, saying why. */
const start = async (env: Record<string, string>) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'perpetua-settings-'));
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: repoRoot,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', ...env },
      timeout: 60_000,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.resume();
    const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { status, stderr, created: readdirSync(dataDir) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

/** Settings that cannot be right, and what the node says of each. */
const refused: readonly (readonly [Record<string, string>, RegExp])[] = [
  [{ LIVE_ORDERS: 'binance' }, /LIVE_ORDERS=binance needs PAPER_FEED=binance/],
  [{ LIVE_ORDERS: 'binance', PAPER_FEED: 'binance' }, /needs BINANCE_API_KEY and BINANCE_API_SECRET/],
  // A key set for one exchange is never read for another.
  [
    { LIVE_ORDERS: 'bybit', PAPER_FEED: 'bybit', BINANCE_API_KEY: 'k', BINANCE_API_SECRET: 's' },
    /LIVE_ORDERS=bybit needs BYBIT_API_KEY and BYBIT_API_SECRET/,
  ],
  [{ LIVE_ORDERS: 'bybit', PAPER_FEED: 'binance' }, /LIVE_ORDERS=bybit needs PAPER_FEED=bybit/],
  [
    { LIVE_ORDERS: 'okx', PAPER_FEED: 'okx', OKX_API_KEY: 'k', OKX_API_SECRET: 's' },
    /LIVE_ORDERS=okx needs OKX_API_KEY, OKX_API_SECRET and OKX_API_PASSPHRASE .*missing: OKX_API_PASSPHRASE/,
  ],
  [{ PAPER_FEED: 'kraken' }, /PAPER_FEED must be recorded, binance, bybit, okx, got kraken/],
  [{ LIVE_CAPITAL: '-5' }, /LIVE_CAPITAL must be a positive amount of USDT, got -5/],
  [{ LIFECYCLE_GATES: '{"canaryShare":0.5}' }, /LIFECYCLE_GATES: canaryShare/],
  [{ PARAMETER_CANARY: '{"share":0.5}' }, /PARAMETER_CANARY: share/],
  [{ PARAMETER_CANARY_MIN_WALL_S: 'soon' }, /PARAMETER_CANARY_MIN_WALL_S must be a number of seconds/],
  [
    { LIVE_BACKSTOP: '{"bufferBps":5}' },
    /LIVE_BACKSTOP: backstop moveBps \(20\) must be below bufferBps \(5\)/,
  ],
  [{ LIVE_LEFTOVERS: 'sell' }, /LIVE_LEFTOVERS must be carry, close or wait, got sell/],
  [{ LIVE_KEY_WITHDRAWALS: 'yes' }, /LIVE_KEY_WITHDRAWALS must be refuse or allow, got yes/],
  [
    { LIVE_WALLET_SETTLE_S: '3600' },
    /LIVE_WALLET_SETTLE_S must be a number of seconds in 0\.\.3599, got 3600/,
  ],
  [
    { PAPER_FEE_RATES: '-0.001,0.0003' },
    /PAPER_FEE_RATES: the maker rebate -0.001 is larger than the taker rate/,
  ],
  [{ PAPER_SPEED: '0' }, /PAPER_SPEED must be a positive number, got 0/],
  // Each of these was once read only where its part started, with the store open and the runs trading;
  // PORT and PAPER_WARMUP_DAYS were not checked at all (a PORT of abc failed at listen, after the start).
  [{ PORT: 'abc' }, /PORT must be a port number in 0\.\.65535, got abc/],
  [{ PORT: '70000' }, /PORT must be a port number in 0\.\.65535, got 70000/],
  [{ PORT: '' }, /PORT must be a port number in 0\.\.65535, got $/],
  [{ PAPER_WARMUP_DAYS: 'ten' }, /PAPER_WARMUP_DAYS must be a number of days ≥ 0, got ten/],
  [{ PAPER_SYMBOLS: 'BTCUSDT,,ETHUSDT' }, /PAPER_SYMBOLS must be symbols separated by commas/],
  [{ SCHEDULER: 'of' }, /SCHEDULER must be on or off, got of/],
  [{ HOTLIST: 'yes' }, /HOTLIST must be on or off, got yes/],
  [{ PORTFOLIO: '0' }, /PORTFOLIO must be on or off, got 0/],
  [{ LIFECYCLE: 'false' }, /LIFECYCLE must be on or off, got false/],
  [{ SCHEDULER_WORKERS: '0' }, /SCHEDULER_WORKERS must be a positive integer, got 0/],
  [{ HOTLIST_TOP: '1.5' }, /HOTLIST_TOP must be a positive integer, got 1\.5/],
  [{ HOTLIST_MIN_WALL_S: '-1' }, /HOTLIST_MIN_WALL_S must be a number of seconds ≥ 0, got -1/],
  [{ PORTFOLIO_MIN_WALL_S: 'soon' }, /PORTFOLIO_MIN_WALL_S must be a number of seconds ≥ 0, got soon/],
  [{ SCHEDULER_CONFIG: '/nonexistent/scheduler.json' }, /SCHEDULER_CONFIG: cannot read \/nonexistent/],
];

describe('npm start refuses settings that cannot be right (real money, the canaries)', () => {
  // Read as the node reads them (scripts/node-settings.ts), in this process: a node started per case spent
  // its seconds loading modules, and these are all refused before anything else happens.
  it.each(refused)('%o', (env, message) => {
    expect(() => nodeSettings({ ...env })).toThrow(message);
  });

  it('stops before it opens anything: the process exits saying why, and no store was created', async () => {
    const [env, message] = refused.find(([e]) => e.LIVE_ORDERS === 'bybit' && e.PAPER_FEED === 'bybit')!;
    const r = await start(env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.created).toEqual([]);
  });

  it('checks the scheduler file a person names whole, as `npm run scheduler -- --config` does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perpetua-settings-'));
    try {
      const file = join(dir, 'scheduler.json');
      writeFileSync(
        file,
        JSON.stringify({ strategies: [{ strategyId: 'ema-cross', symbols: ['BTCUSDT'], budget: 2 }] }),
      );
      expect(() => nodeSettings({ SCHEDULER_CONFIG: file })).toThrow(
        /SCHEDULER_CONFIG .*scheduler\.json: scheduler configuration: strategies\.0\.budget/,
      );
      writeFileSync(file, '{"strategies": [');
      expect(() => nodeSettings({ SCHEDULER_CONFIG: file })).toThrow(
        /SCHEDULER_CONFIG .*scheduler\.json: .*JSON/,
      );
      writeFileSync(
        file,
        JSON.stringify({ strategies: [{ strategyId: 'ema-cross', symbols: ['BTCUSDT'], budget: 4 }] }),
      );
      const plan = nodeSettings({ SCHEDULER_CONFIG: file }).schedulerFile!;
      expect(plan.strategies.map((s) => s.strategyId)).toEqual(['ema-cross']);
      expect(plan.templates.get('ema-cross')).toMatchObject({ symbols: ['BTCUSDT'], budget: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes what is right', () => {
    // The parts default to on, the scheduler to off on a live feed; PORT=0 lets the OS pick one.
    const recorded = nodeSettings({ PORT: '0' });
    expect([
      recorded.port,
      recorded.scheduler,
      recorded.hotlist,
      recorded.portfolio,
      recorded.lifecycle,
    ]).toEqual([0, true, true, true, true]);
    expect(recorded.schedulerFile).toBeNull();
    expect(nodeSettings({ PAPER_FEED: 'bybit', HOTLIST: 'off' })).toMatchObject({
      scheduler: false,
      hotlist: false,
    });
    expect(nodeSettings({ PAPER_FEED: 'bybit', SCHEDULER: 'on' }).scheduler).toBe(true);
    const s = nodeSettings({ PAPER_FEED: 'okx', PAPER_FEE_RATES: '-0.00005,0.0003', LIVE_CAPITAL: '500' });
    expect([s.feedKind, s.fedLive, s.feeRates, s.capital]).toEqual([
      'okx',
      true,
      { maker: '-0.00005', taker: '0.0003' },
      '500',
    ]);
  });
});

describe('npm start under a supervisor', () => {
  it('runs the long-lived nodes as node itself, with tsx as a loader in the same process', () => {
    // tsx's CLI runs the script in a child and relays a signal to it; when the child has not answered
    // within 30 ms (a busy event loop: a paper replay step, a loaded machine), it SIGKILLs the child. A
    // supervisor's SIGTERM then killed the node outright: no orderly stop, no LIVE_ON_STOP. Checked
    // by hand: a script busy in 200 ms slices exits 143 without its handler under `tsx`, and runs
    // its handler under `node --import tsx`.
    const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts;
    for (const name of ['start', 'worker', 'scheduler'])
      expect(scripts[name], name).toMatch(/^exec node --import tsx scripts\/\w+\.ts$/);
  });

  it('stops the node when npm is sent SIGTERM, as a process manager or `docker stop` sends it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'perpetua-sigterm-'));
    let npm: ReturnType<typeof spawn> | null = null;
    try {
      npm = spawn('npm', ['start', '--silent'], {
        cwd: repoRoot,
        // A group of its own: whatever is left of it at the end is killed with it, so a failure here
        // never leaves a node trading on.
        detached: true,
        env: {
          ...process.env,
          DATABASE_URL: '',
          DATA_DIR: dataDir,
          PORT: '0',
          SCHEDULER: 'off',
          HOTLIST: 'off',
          PORTFOLIO: 'off',
          LIFECYCLE: 'off',
          // No lead-in to replay at full speed: on a busy machine it would keep the node from the signal.
          PAPER_WARMUP_DAYS: '0',
        },
      });
      let out = '';
      const said = (d: string) => {
        out += d;
      };
      npm.stdout!.setEncoding('utf8').on('data', said);
      npm.stderr!.setEncoding('utf8').on('data', said);
      const deadline = Date.now() + 90_000;
      while (!/ready in/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/ready in/);
      // npm's script runs under `sh -c`: without `exec` the shell died on the signal and left the node
      // running, and trading, with no parent.
      npm.kill('SIGTERM');
      const stopDeadline = Date.now() + 90_000;
      while (!/stopped: /.test(out) && Date.now() < stopDeadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/SIGTERM: stopping/);
      expect(out).toMatch(/stopped: the runs, the API and the store are closed/);
    } finally {
      try {
        if (npm?.pid !== undefined) process.kill(-npm.pid, 'SIGKILL');
      } catch {}
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
