import { availableParallelism } from 'node:os';
import Tinypool from 'tinypool';
import type { TrialExecutor, TrialJob, TrialOutput } from '../../commands/optimizer/ports.js';

export interface PoolExecutorOptions {
  /** Worker threads (default: the machine's parallelism). */
  readonly workers?: number;
  /**
   * Module whose default export turns a TrialJob into a TrialOutput. JavaScript: Node 20 ignores
   * `--import tsx` in a Worker's execArgv, so a TypeScript worker needs a .mjs entry that loads it
   * with tsx's API (replay/optimizer/pool-worker.mjs).
   */
  readonly filename: URL;
  /** Attempts per trial when a worker dies under it (default 2); a backtest's own refusal is not retried. */
  readonly attempts?: number;
  /**
   * Run each worker as a child process with V8 single-threaded (default true), or as a worker thread
   * with V8's helper threads. See the class comment for why processes are the default.
   */
  readonly singleThreadedWorkers?: boolean;
}

const isTrialOutput = (x: unknown): x is TrialOutput =>
  typeof x === 'object' && x !== null && 'ok' in x && typeof x.ok === 'boolean';

/**
 * Trials on a tinypool pool. Each worker loads the market data once and keeps it, so the pool lives as
 * long as the run. Results do not depend on the number of workers: the coordinator applies them in
 * hand-out order.
 *
 * Workers are child processes whose V8 runs single-threaded (`--single-threaded`: no concurrent
 * marking, parallel scavenging or background compilation). A trial is pure CPU and the pool is sized to
 * the cores, so V8's helper threads only take time from the sibling workers: as worker threads, one
 * trial thread kept ~1.2 cores busy and two workers on two cores reached ~1.5× the throughput of one;
 * as single-threaded processes each worker costs exactly one core and two reach 1.8–2.0× (docs/BENCHMARKS.md,
 * `npm run bench:optimize`). V8 flags are per process, which is why these are processes, not threads.
 */
export class PoolExecutor implements TrialExecutor {
  private readonly pool: Tinypool;
  private readonly attempts: number;

  constructor(options: PoolExecutorOptions) {
    const workers = Math.max(1, options.workers ?? availableParallelism());
    this.attempts = Math.max(1, options.attempts ?? 2);
    const processes = options.singleThreadedWorkers ?? true;
    this.pool = new Tinypool({
      filename: options.filename.href,
      runtime: processes ? 'child_process' : 'worker_threads',
      ...(processes ? { execArgv: ['--single-threaded'] } : {}),
      minThreads: workers,
      maxThreads: workers,
      // Idle threads would drop their loaded data between a run's windows.
      idleTimeout: 60_000,
    });
  }

  get workers(): number {
    return this.pool.options.maxThreads;
  }

  async run(job: TrialJob): Promise<TrialOutput> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out: unknown = await this.pool.run(job);
        if (!isTrialOutput(out)) throw new Error(`worker returned ${typeof out} for ${job.taskId}`);
        return out;
      } catch (err) {
        if (attempt >= this.attempts) throw err;
      }
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
