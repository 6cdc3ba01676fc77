import { PoolExecutor } from '../adapters/optimizer/pool-executor.js';
import { startTrialWorker } from '../adapters/optimizer/trial-queue.js';
import { backtestWorkerModule } from '../replay/optimizer/backtest-executor.js';

/**
 * `npm run worker`: runs optimizer trials from the Redis queue until stopped. Start as many as you like,
 * on any machine that has the data. REDIS_URL (required), OPTIMIZER_QUEUE, OPTIMIZER_CONCURRENCY,
 * OPTIMIZER_LOCK_MS (how soon a dead worker's trial is retried elsewhere).
 */
const intEnv = (name: string): number | undefined => {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) {
    console.error(`${name} must be a positive integer, got ${v}`);
    process.exit(2);
  }
  return Number(v);
};

const main = async (): Promise<void> => {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    console.error(
      'REDIS_URL is not set: the worker takes trials from a Redis queue (e.g. redis://127.0.0.1:6379)',
    );
    process.exit(2);
  }
  const concurrency = intEnv('OPTIMIZER_CONCURRENCY') ?? 1;
  const lockMs = intEnv('OPTIMIZER_LOCK_MS');
  const quiet = process.env.OPTIMIZER_WORKER_QUIET === '1';
  // Backtests run in the pool's workers so this thread stays free to renew job locks: a trial that blocked it
  // longer than the lock (loading a year of data does) would be declared stalled and run twice.
  const pool = new PoolExecutor({ workers: concurrency, filename: backtestWorkerModule, attempts: 1 });
  const worker = await startTrialWorker((job) => pool.run(job), {
    redisUrl,
    concurrency,
    ...(process.env.OPTIMIZER_QUEUE ? { queue: process.env.OPTIMIZER_QUEUE } : {}),
    ...(lockMs !== undefined ? { lockMs } : {}),
    onEvent: (event, taskId, detail) => {
      if (!quiet || event === 'failed') console.log(`${event} ${taskId}${detail ? ` ${detail}` : ''}`);
    },
  });
  console.log(`worker ${process.pid} ready (concurrency ${concurrency})`);
  const stop = async () => {
    await worker.close();
    await pool.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

await main();
