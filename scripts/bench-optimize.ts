/**
 * `npm run bench:optimize`: optimizer throughput and memory. Figures, not assertions; the last line is
 * JSON for tools.
 *  1. trials/s of a real walk-forward run (ema-cross, BTCUSDT+ETHUSDT 5m, CMA-ES) on the pool with 1 and 2
 *     worker processes, then on 1 and 2 worker threads with V8's helper threads for comparison; two warm-up
 *     passes each, then alternating passes of identical work (one search seed, see `nextRun`); medians (and
 *     best), timed over the drive phase (see `timed`);
 *  2. the same run as BullMQ jobs taken by 2 `scripts/worker.ts` processes (needs REDIS_URL), median of 6;
 *  3. coordinator memory at 100 and 10,000 trials, with the synthetic objective (commands/optimizer/
 *     synthetic-executor.ts, ~1/1000 of a backtest) so that 10,000 trials take seconds: it measures what
 *     the coordinator keeps per trial, not the engine.
 * Usage: npm run bench:optimize [-- --only throughput|queue|memory]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { type OpenedStore, openStore } from '../adapters/eventstore/open-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import { PoolExecutor } from '../adapters/optimizer/pool-executor.js';
import { obliterateQueue, QueueExecutor } from '../adapters/optimizer/trial-queue.js';
import { type OptimizerProgress, runOptimizer } from '../commands/optimizer/coordinator.js';
import type { TrialExecutor } from '../commands/optimizer/ports.js';
import { type OptimizeRequest, runConfig } from '../commands/optimizer/run-config.js';
import { syntheticExecutor } from '../commands/optimizer/synthetic-executor.js';
import { backtestWorkerModule } from '../replay/optimizer/backtest-executor.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const want = (part: string) => only === undefined || only === part;
const stamp = Date.now().toString(36);

// 5m bars of two symbols: a trial is a real backtest of ~35k bars, heavy enough that the pool, not the
// coordinator's fixed per-trial work, decides the throughput (1h trials took ~13 ms and the coordinator
// alone kept a core a third busy).
const real: Omit<OptimizeRequest, 'runId'> = {
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT', 'ETHUSDT'],
  timeframe: '5m',
  method: 'cmaes',
  budget: 48,
  walkForward: 'rolling:60d/30d',
  from: Date.UTC(2023, 0, 1),
  to: Date.UTC(2023, 4, 1),
  inFlight: 16,
};

/**
 * `seconds` is the drive phase, first task out to last result applied: trial throughput. `runSeconds` adds
 * the per-run fixed part (reading the stream, report with PBO, proposal, completion event: ~0.3 s here),
 * which does not shrink with workers and would cap a short run's speed-up below 1.8× on its own.
 */
const timed = async (
  opened: OpenedStore,
  executor: TrialExecutor,
  req: OptimizeRequest,
  onProgress?: (p: OptimizerProgress) => void,
): Promise<{ trials: number; seconds: number; runSeconds: number; cores: number }> => {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let driven = 0;
  const out = await runOptimizer(runConfig(req), {
    store: opened.store,
    executor,
    newEventId: newEventId,
    now: Date.now,
    onProgress: (p) => {
      if (p.done === p.total) driven = performance.now();
      onProgress?.(p);
    },
  });
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  return {
    trials: out.executed,
    seconds: ((driven || end) - t0) / 1000,
    runSeconds: (end - t0) / 1000,
    // CPU time of every thread of this process over wall time: how many cores the machine actually gave.
    cores: (cpu.user + cpu.system) / 1000 / (end - t0),
  };
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Every pass draws the same trials: a fresh run id (a logged run would only be reported) and one search seed. */
const searchSeed = 'bench-throughput';
let passNo = 0;
const nextRun = (label: string): OptimizeRequest => ({
  ...real,
  runId: `bench-${label}-${stamp}-${++passNo}`,
  searchSeed,
});

interface PoolSpec {
  readonly label: string;
  readonly workers: number;
  readonly threads: boolean;
}

/**
 * Two pools at a time stay up and their passes alternate (1, 2, 1, 2, ...), so both figures see the same
 * swings of the shared machine's load; identical passes here vary by ±25 % even in one process. Each
 * figure is the median of its passes, with the best beside.
 *
 * The log is one file-backed embedded store for the whole section, as `npm run optimize` writes to its
 * DATA_DIR, opened before the timing starts: a fresh in-memory PGlite per pass spends its first writes
 * growing its in-memory files, coordinator CPU that a standing log does not pay.
 *
 * The worker-thread pools (V8's helper threads on) run after the process pools are closed, for comparison:
 * one thread is the fastest one worker can be on an otherwise idle machine, since its GC and compiler
 * threads borrow the second core. Kept alive beside the process pools, their idle helper threads' work
 * (memory-reducing GCs after a pass) landed in the process pools' passes.
 */
const alternate = async (opened: OpenedStore, specs: readonly PoolSpec[], rounds: number) => {
  const pools = specs.map((p) => ({
    ...p,
    pool: new PoolExecutor({
      workers: p.workers,
      filename: backtestWorkerModule,
      singleThreadedWorkers: !p.threads,
    }),
    rates: [] as number[],
    cores: [] as number[],
  }));
  try {
    // Warm-up, two full passes each: every worker loads the bars once, and V8 needs well over a million
    // bars through the engine before a worker reaches its steady speed.
    for (let w = 0; w < 2; w++) for (const p of pools) await timed(opened, p.pool, nextRun('warm'));
    for (let i = 0; i < rounds; i++) {
      for (const p of pools) {
        const r = await timed(opened, p.pool, nextRun('throughput'));
        p.rates.push(r.trials / r.seconds);
        p.cores.push(r.cores);
        console.log(
          `  ${p.label}, pass ${i + 1}: ${r.trials} trials in ${r.seconds.toFixed(2)} s = ${(r.trials / r.seconds).toFixed(2)} trials/s (whole run ${r.runSeconds.toFixed(2)} s, ${r.cores.toFixed(2)} cores busy)`,
        );
      }
    }
    return pools.map((p) => ({
      label: p.label,
      median: median(p.rates),
      best: Math.max(...p.rates),
      cores: median(p.cores),
      rates: p.rates,
    }));
  } finally {
    await Promise.all(pools.map((p) => p.pool.close()));
  }
};

const throughput = async (rounds: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'perpetua-bench-optimize-'));
  const opened = await openStore({ dataDir: dir });
  try {
    const processes = await alternate(
      opened,
      [
        { label: '1 worker process', workers: 1, threads: false },
        { label: '2 worker processes', workers: 2, threads: false },
      ],
      rounds,
    );
    const threads = await alternate(
      opened,
      [
        { label: '1 worker thread (V8 helper threads on)', workers: 1, threads: true },
        { label: '2 worker threads (V8 helper threads on)', workers: 2, threads: true },
      ],
      Math.ceil(rounds / 2),
    );
    return [...processes, ...threads];
  } finally {
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

const startWorker = (redisUrl: string, queue: string): { proc: ChildProcess; ready: Promise<void> } => {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    env: { ...process.env, REDIS_URL: redisUrl, OPTIMIZER_QUEUE: queue, OPTIMIZER_WORKER_QUIET: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return { proc, ready };
};

const queued = async (opened: OpenedStore, redisUrl: string): Promise<number> => {
  const queue = `bench-opt-${stamp}`;
  const workers = [startWorker(redisUrl, queue), startWorker(redisUrl, queue)];
  const executor = await QueueExecutor.open({ redisUrl, queue });
  try {
    await Promise.all(workers.map((w) => w.ready));
    await timed(opened, executor, nextRun('qwarm'));
    // Job ids contain the run id (a re-submitted task finds its job), so each pass has its own run id;
    // the shared search seed makes every pass the same trials.
    const rates: number[] = [];
    for (let pass = 0; pass < 6; pass++) {
      const r = await timed(opened, executor, nextRun('queue'));
      rates.push(r.trials / r.seconds);
      console.log(
        `  2 BullMQ worker processes, pass ${pass + 1}: ${r.trials} trials in ${r.seconds.toFixed(2)} s = ${(r.trials / r.seconds).toFixed(2)} trials/s`,
      );
    }
    return median(rates);
  } finally {
    for (const w of workers) w.proc.kill('SIGTERM');
    await executor.close();
    await obliterateQueue({ redisUrl, queue });
  }
};

const MB = 2 ** 20;
const memory = async (opened: OpenedStore, trials: number) => {
  const windows = 4;
  gc();
  const before = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let peakRss = 0;
  const every = Math.max(1, Math.floor((trials + windows) / 40));
  const r = await timed(
    opened,
    syntheticExecutor(),
    {
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      method: 'cmaes',
      budget: trials / windows,
      walkForward: 'rolling:20d/10d',
      from: Date.UTC(2023, 0, 1),
      to: Date.UTC(2023, 0, 1) + (20 + 10 * windows) * 86_400_000,
      pboBlocks: 12,
      runId: `bench-mem-${trials}-${stamp}`,
    },
    (p) => {
      if (p.done % every !== 0) return;
      gc();
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed - before);
      peakRss = Math.max(peakRss, m.rss);
    },
  );
  console.log(
    `  ${trials} synthetic trials in ${r.seconds.toFixed(1)} s (with 40 forced GCs): coordinator heap growth ${(peakHeap / MB).toFixed(1)} MB (after GC, peak), rss ${(peakRss / MB).toFixed(0)} MB`,
  );
  return { heapMB: peakHeap / MB, rssMB: peakRss / MB, seconds: r.seconds };
};

const load0 = loadavg()[0]!;
console.log(
  `# bench:optimize — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${load0.toFixed(2)}`,
);
const opened = await openStore({ dataDir: ':memory:' });
const result: Record<string, unknown> = { cpus: cpus().length };
try {
  if (want('throughput')) {
    console.log(
      `real backtests: ${real.strategyId} ${real.symbols.join(',')} ${real.timeframe}, ${real.method}, ${real.walkForward}, budget ${real.budget}/window`,
    );
    // Ten rounds: identical passes here vary by ±5–25 %, and the median of six still moved the ratio by
    // ±0.05 between runs.
    const [one, two, thread1, thread2] = await throughput(10);
    for (const f of [one!, two!, thread1!, thread2!])
      console.log(
        `  ${f.label}: median ${f.median.toFixed(2)} trials/s, best ${f.best.toFixed(2)}, ${f.cores.toFixed(2)} cores busy`,
      );
    Object.assign(result, {
      coresBusy1: +one!.cores.toFixed(2),
      coresBusy2: +two!.cores.toFixed(2),
      trialsPerSec1: +one!.median.toFixed(2),
      trialsPerSec2: +two!.median.toFixed(2),
      speedup2: +(two!.median / one!.median).toFixed(2),
      // The same round's 2-worker pass over its 1-worker pass, median over rounds: the machine's speed
      // drifts between rounds (±25 %), and a ratio of two medians can pair a fast round with a slow one.
      speedup2Paired: +median(two!.rates.map((r, i) => r / one!.rates[i]!)).toFixed(2),
      speedup2Best: +(two!.best / one!.best).toFixed(2),
      trialsPerSec1Thread: +thread1!.median.toFixed(2),
      coresBusy1Thread: +thread1!.cores.toFixed(2),
      speedup2VsThread1: +(two!.median / thread1!.median).toFixed(2),
      trialsPerSec2Threads: +thread2!.median.toFixed(2),
      speedup2Threads: +(thread2!.median / thread1!.median).toFixed(2),
    });
  }
  if (want('queue')) {
    const redisUrl = process.env.REDIS_URL;
    if (redisUrl) {
      const q = await queued(opened, redisUrl);
      Object.assign(result, { trialsPerSecBullmq2: +q.toFixed(2) });
      if (typeof result.trialsPerSec1 === 'number')
        result.bullmqSpeedup2 = +(q / result.trialsPerSec1).toFixed(2);
    } else {
      console.log('  REDIS_URL not set: BullMQ part skipped');
    }
  }
  if (want('memory')) {
    console.log(
      'memory, synthetic objective (not the engine), CMA-ES, 4 windows, 481-point in-sample curves:',
    );
    // A first run compiles the coordinator's code; V8 counts compiled code in heapUsed, and without it the
    // 10,000-trial run paid for compiling what the 100-trial run never reached (a heap-snapshot diff
    // showed code, not per-trial objects).
    await memory(opened, 2_000);
    const small = await memory(opened, 100);
    const large = await memory(opened, 10_000);
    Object.assign(result, {
      heapMB100: +small.heapMB.toFixed(1),
      heapMB10k: +large.heapMB.toFixed(1),
      heapBytesPerTrial10k: Math.round((large.heapMB * MB) / 10_000),
      rssMB100: Math.round(small.rssMB),
      rssMB10k: Math.round(large.rssMB),
      syntheticTrialsPerSec10k: Math.round(10_000 / large.seconds),
    });
  }
} finally {
  await opened.close();
}
result.loadAverage1m = { start: +load0.toFixed(2), end: +loadavg()[0]!.toFixed(2) };
// Memory is "flat" when 100× the trials costs the coordinator no more heap than 100 trials (+1 MB slack).
const targets = { speedup2: 1.8, heapGrowth10kVs100: 1 };
const ratio = (x: unknown, t: number) => (typeof x === 'number' ? +(x / t).toFixed(3) : null);
result.targets = targets;
result.ratios = {
  speedup2: ratio(result.speedup2, targets.speedup2),
  bullmqSpeedup2: ratio(result.bullmqSpeedup2, targets.speedup2),
  heapGrowth10kVs100:
    typeof result.heapMB10k === 'number' && typeof result.heapMB100 === 'number'
      ? +(result.heapMB10k / (result.heapMB100 + 1)).toFixed(3)
      : null,
};
console.log(JSON.stringify(result));
