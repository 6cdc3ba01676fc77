import { type Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { TrialExecutor, TrialJob, TrialOutput } from '../../commands/optimizer/ports.js';

/**
 * Trials as BullMQ jobs on Redis, so `npm run worker` on any number of machines can run them. A job's id
 * is `<runId>__<taskId>`: a restarted coordinator that re-submits a task finds the job it submitted
 * before (done or not) instead of running it twice. A worker killed mid-trial stops renewing its lock;
 * after `lockMs` another worker's stalled-job check puts the job back in the queue and it runs again.
 */

export interface TrialQueueOptions {
  readonly redisUrl: string;
  /** Queue name (default `optimizer-trials`); tests use their own. */
  readonly queue?: string;
  /** Key prefix (default `perpetua`). */
  readonly prefix?: string;
}

export interface TrialWorkerOptions extends TrialQueueOptions {
  readonly concurrency?: number;
  /** How long a job's lock lives without renewal: the delay before a dead worker's trial is retried. */
  readonly lockMs?: number;
  /** How often this worker looks for stalled jobs (default lockMs / 2). */
  readonly stalledCheckMs?: number;
  readonly onEvent?: (event: 'start' | 'done' | 'failed', taskId: string, detail?: string) => void;
}

const QUEUE = 'optimizer-trials';
const PREFIX = 'perpetua';

const connect = (url: string): Redis =>
  // BullMQ's blocking commands need unlimited retries per request.
  new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });

const jobIdOf = (job: TrialJob): string => `${job.runId}__${job.taskId.replaceAll(':', '_')}`;

const isTrialOutput = (x: unknown): x is TrialOutput =>
  typeof x === 'object' && x !== null && 'ok' in x && typeof x.ok === 'boolean';

export class QueueExecutor implements TrialExecutor {
  private constructor(
    private readonly queue: Queue<TrialJob, TrialOutput>,
    private readonly events: QueueEvents,
    private readonly connections: readonly Redis[],
    private readonly attempts: number,
  ) {}

  static async open(options: TrialQueueOptions & { readonly attempts?: number }): Promise<QueueExecutor> {
    const name = options.queue ?? QUEUE;
    const prefix = options.prefix ?? PREFIX;
    const a = connect(options.redisUrl);
    const b = connect(options.redisUrl);
    const queue = new Queue<TrialJob, TrialOutput>(name, { connection: a, prefix });
    const events = new QueueEvents(name, { connection: b, prefix });
    // Every job in flight waits on these emitters; a run keeps dozens in flight, which is not a leak.
    queue.setMaxListeners(1000);
    events.setMaxListeners(1000);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new QueueExecutor(queue, events, [a, b], Math.max(1, options.attempts ?? 3));
  }

  async run(job: TrialJob): Promise<TrialOutput> {
    const added: Job<TrialJob, TrialOutput> = await this.queue.add('trial', job, {
      jobId: jobIdOf(job),
      attempts: this.attempts,
      backoff: { type: 'fixed', delay: 200 },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 86_400 },
    });
    // A job a previous coordinator left failed (its attempts used up) gets another round.
    if ((await added.getState()) === 'failed') await added.retry('failed');
    const out: unknown = await added.waitUntilFinished(this.events);
    if (!isTrialOutput(out)) throw new Error(`job ${added.id} returned no trial output`);
    return out;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    for (const c of this.connections) c.disconnect();
  }
}

/** A worker process's side: takes trial jobs until closed. */
export const startTrialWorker = async (
  evaluate: (job: TrialJob) => Promise<TrialOutput>,
  options: TrialWorkerOptions,
): Promise<{ close(): Promise<void> }> => {
  const connection = connect(options.redisUrl);
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker<TrialJob, TrialOutput>(
    options.queue ?? QUEUE,
    async (job) => {
      options.onEvent?.('start', job.data.taskId);
      return evaluate(job.data);
    },
    {
      connection,
      prefix: options.prefix ?? PREFIX,
      concurrency: Math.max(1, options.concurrency ?? 1),
      lockDuration: lockMs,
      stalledInterval: options.stalledCheckMs ?? Math.max(500, Math.floor(lockMs / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('completed', (job) => options.onEvent?.('done', job.data.taskId));
  // Without a listener BullMQ prints whole stacks; a lost lock after a stall is expected and recovered.
  worker.on('error', (err) => options.onEvent?.('failed', '-', err.message));
  worker.on('failed', (job, err) => {
    if (job) options.onEvent?.('failed', job.data.taskId, err.message);
  });
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      connection.disconnect();
    },
  };
};

/** Removes a queue and every job in it (tests and benchmarks use throwaway queues). */
export const obliterateQueue = async (options: TrialQueueOptions): Promise<void> => {
  const connection = connect(options.redisUrl);
  const queue = new Queue(options.queue ?? QUEUE, { connection, prefix: options.prefix ?? PREFIX });
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
    connection.disconnect();
  }
};
