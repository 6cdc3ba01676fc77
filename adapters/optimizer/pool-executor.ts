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
}

const isTrialOutput = (x: unknown): x is TrialOutput =>
  typeof x === 'object' && x !== null && 'ok' in x && typeof x.ok === 'boolean';

/**
 * Trials on a worker_threads pool (tinypool). Each thread loads the market data once and keeps it, so
 * the pool lives as long as the run. Results do not depend on the number of threads: the coordinator
 * applies them in hand-out order.
 */
export class PoolExecutor implements TrialExecutor {
  private readonly pool: Tinypool;
  private readonly attempts: number;

  constructor(options: PoolExecutorOptions) {
    const workers = Math.max(1, options.workers ?? availableParallelism());
    this.attempts = Math.max(1, options.attempts ?? 2);
    this.pool = new Tinypool({
      filename: options.filename.href,
      runtime: 'worker_threads',
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
