import { type ChildProcess, spawn } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { runOptimizer } from '../../commands/optimizer/coordinator.js';
import type { TrialJob } from '../../commands/optimizer/ports.js';
import { runConfig } from '../../commands/optimizer/run-config.js';
import { catalogue } from '../../domain/catalogue.js';
import { inlineBacktestExecutor } from '../../replay/optimizer/backtest-executor.js';
import { MemoryEventStore } from '../eventstore/memory-event-store.js';
import { serviceUrl } from '../testing/services.js';
import { obliterateQueue, QueueExecutor } from './trial-queue.js';

const redisUrl = serviceUrl('REDIS_URL');

const config = runConfig({
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT'],
  // 5m bars: a trial lasts long enough (~0.1 s) that a kill sent when it starts lands while it runs.
  timeframe: '5m',
  method: 'cmaes',
  budget: 8,
  walkForward: 'rolling:30d/15d',
  from: Date.UTC(2023, 0, 1),
  to: Date.UTC(2023, 2, 2),
});

interface WorkerProc {
  readonly proc: ChildProcess;
  readonly lines: string[];
  readonly ready: Promise<void>;
  /** Sees each line as it is read, in the same tick: the test kills from here, not from a poll. */
  onLine: ((line: string) => void) | null;
}

const startWorker = (url: string, queue: string): WorkerProc => {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    env: { ...process.env, REDIS_URL: url, OPTIMIZER_QUEUE: queue, OPTIMIZER_LOCK_MS: '2000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const worker: { onLine: ((line: string) => void) | null } = { onLine: null };
  const ready = new Promise<void>((resolve, reject) => {
    let buffered = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        worker.onLine?.(l);
        if (l.includes('ready')) resolve();
      }
    });
    proc.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
  });
  return Object.assign(worker, { proc, lines, ready });
};

const until = async (cond: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.skipIf(!redisUrl)('distributed optimizer on BullMQ', () => {
  it('completes with two worker processes when one is killed mid-trial, with the same result as in-process', async () => {
    const url = redisUrl!;
    const queue = `test-opt-${process.pid}-${Date.now().toString(36)}`;
    const workers = [startWorker(url, queue), startWorker(url, queue)];
    const executor = await QueueExecutor.open({ redisUrl: url, queue });
    const inspectorConnection = new Redis(url, { maxRetriesPerRequest: null });
    const inspector = new Queue<TrialJob>(queue, { connection: inspectorConnection, prefix: 'perpetua' });
    try {
      await Promise.all(workers.map((w) => w.ready));
      const [victim, survivor] = workers as [WorkerProc, WorkerProc];
      let killedTask: string | null = null;
      let starts = 0;
      let checking = false;
      // Kill the victim while one of its trials is running. By the time its "start" line reaches us the
      // trial may already be done (an out-of-sample trial takes ~20 ms, and this process can be busy
      // longer), so freeze the victim first, and kill it only if Redis still shows the job active under
      // its lock a moment later; otherwise let it go on and try its next trial.
      victim.onLine = (l) => {
        if (killedTask !== null || checking || !l.startsWith('start ') || ++starts < 2) return;
        const task = l.slice('start '.length);
        victim.proc.kill('SIGSTOP');
        checking = true;
        void (async () => {
          // A completion the victim wrote just before it froze may still sit unread in Redis's socket
          // buffer: give Redis a moment to take it, so "active" means the trial really is unfinished.
          await new Promise((r) => setTimeout(r, 100));
          const active = await inspector.getActive();
          if (active.some((j) => j.data.taskId === task)) {
            killedTask = task;
            victim.proc.kill('SIGKILL');
          } else {
            victim.proc.kill('SIGCONT');
          }
          checking = false;
        })();
      };
      const killer = until(() => killedTask !== null, 60_000);
      const store = new MemoryEventStore({ catalogue: catalogue() });
      const out = await runOptimizer(config, { store, executor, newEventId: uuidv7, now: () => 0 });
      await killer;
      expect(killedTask).not.toBeNull();
      expect(victim.proc.signalCode).toBe('SIGKILL');
      // The dead worker's trial was picked up again by the survivor. Its "done" line follows the job's
      // completion in Redis, which the coordinator may act on first: wait for the line a little.
      await until(() => survivor.lines.includes(`done ${killedTask}`), 5_000).catch(() => {});
      expect(survivor.lines).toContain(`done ${killedTask}`);
      expect(out.executed).toBe(18);

      const reference = await runOptimizer(config, {
        store: new MemoryEventStore({ catalogue: catalogue() }),
        executor: inlineBacktestExecutor(),
        newEventId: uuidv7,
        now: () => 0,
      });
      expect(out.completed).toEqual(reference.completed);
    } finally {
      for (const w of workers) w.proc.kill('SIGKILL');
      await inspector.close();
      inspectorConnection.disconnect();
      await executor.close();
      await obliterateQueue({ redisUrl: url, queue });
    }
  });
});
