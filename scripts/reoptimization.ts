import { availableParallelism } from 'node:os';
import { newEventId } from '../adapters/ids/event-id.js';
import { PoolExecutor } from '../adapters/optimizer/pool-executor.js';
import { QueueExecutor } from '../adapters/optimizer/trial-queue.js';
import type { TrialExecutor } from '../commands/optimizer/ports.js';
import { runForRequest } from '../commands/optimizer/reoptimize.js';
import { ReoptimizationScheduler } from '../commands/optimizer/scheduler.js';
import type { SchedulerPlan } from '../commands/optimizer/scheduler-config.js';
import type { EventStore } from '../domain/events/event-store.js';
import { backtestWorkerModule } from '../replay/optimizer/backtest-executor.js';

export interface RunningScheduler {
  readonly scheduler: ReoptimizationScheduler;
  readonly where: string;
  /** Resolves when the scheduler has stopped (after the signal) and its executor is closed. */
  readonly done: Promise<void>;
}

/**
 * The scheduler wired to an executor: BullMQ when REDIS_URL is set (trials go to `npm run worker`
 * processes), else a local pool. The pool starts with the first optimizer run, not before: a node
 * whose schedule never fires holds no worker processes.
 */
export const startScheduler = async (opts: {
  store: EventStore;
  plan: SchedulerPlan;
  workers?: number;
  redisUrl?: string;
  signal: AbortSignal;
  log: (m: string) => void;
  /** False: a candidate that passes the gates waits for the parameter canary instead of being promoted. */
  autoPromote?: boolean;
}): Promise<RunningScheduler> => {
  let executor: TrialExecutor | null = null;
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  const executorOnce = async (): Promise<TrialExecutor> => {
    executor ??= opts.redisUrl
      ? await QueueExecutor.open({
          redisUrl: opts.redisUrl,
          ...(process.env.OPTIMIZER_QUEUE ? { queue: process.env.OPTIMIZER_QUEUE } : {}),
        })
      : new PoolExecutor({ workers, filename: backtestWorkerModule });
    return executor;
  };
  const scheduler = new ReoptimizationScheduler(opts.plan.strategies, {
    store: opts.store,
    newEventId: newEventId,
    log: opts.log,
    runRequest: (event) => {
      if (!opts.plan.templates.has((event.data as { strategyId: string }).strategyId)) return null;
      return executorOnce().then(
        (ex) =>
          runForRequest(event, opts.plan.templates, {
            store: opts.store,
            executor: ex,
            newEventId: newEventId,
            now: Date.now,
            signal: opts.signal,
            ...(opts.autoPromote === false ? { autoPromote: false } : {}),
          }) ?? null,
      );
    },
  });
  const done = scheduler.run(opts.signal).finally(async () => {
    const ex = executor as TrialExecutor | null;
    await ex?.close();
  });
  return {
    scheduler,
    where: opts.redisUrl ? 'BullMQ queue (npm run worker)' : `${workers} local worker process(es)`,
    done,
  };
};
