import type { EventMetadata, NewEvent, RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import {
  type OptimizerRunCompletedData,
  type OptimizerRunStartedData,
  optimizerStreamId,
  type TrialCompletedData,
} from '../../domain/optimizer/events.js';
import { evaluateGates } from '../../domain/optimizer/gates.js';
import type { Params } from '../../domain/optimizer/space.js';
import type { RunTask, TaskOutcome, WalkForwardRun } from '../../domain/optimizer/walk-forward-run.js';
import { ParameterVersionHandlers } from './parameter-versions.js';
import type { TrialExecutor, TrialJob } from './ports.js';
import { completedData } from './report-data.js';
import { walkForwardRunOf } from './run-config.js';
import { StreamAppender } from './stream-appender.js';
import { sameParams, taskOutcome, trialCompleted } from './trial-records.js';

/** How long a trial result may wait for others before they are appended as one batch. */
const LINGER_MS = 100;

export interface OptimizerProgress {
  readonly done: number;
  readonly total: number;
  /** Of `done`, results replayed from the run's stream rather than run now. */
  readonly replayed: number;
  readonly task: RunTask<Params>;
}

export interface CoordinatorDeps {
  readonly store: EventStore;
  readonly executor: TrialExecutor;
  readonly newEventId: () => string;
  /** Domain time for `occurredAt` (the wall clock in the CLI, fixed in tests). */
  readonly now: () => number;
  readonly onProgress?: (p: OptimizerProgress) => void;
  /** Stops handing out work; what finished is recorded and a later call resumes. */
  readonly signal?: AbortSignal;
  /**
   * Promote a candidate that passes the gates at once (default), or leave it pending: the node then
   * trades it as a canary before it is put in force (scripts/parameter-canary.ts).
   */
  readonly autoPromote?: boolean;
}

export interface OptimizerRunOutcome {
  readonly config: OptimizerRunStartedData;
  readonly completed: OptimizerRunCompletedData;
  /** The version the candidate became, or null when the gates rejected it. */
  readonly promotedVersion: number | null;
  /** Trials run by this call (the rest were replayed from the stream or the run had finished). */
  readonly executed: number;
  readonly replayed: number;
}

export class OptimizerRunConflictError extends Error {
  override readonly name = 'OptimizerRunConflictError';
}

const metadata = (runId: string, at: number): EventMetadata => ({
  correlationId: `optimizer:${runId}`,
  causationId: null,
  actor: 'system:optimizer',
  mode: 'backtest',
  occurredAt: new Date(at).toISOString(),
});

interface Recorded {
  readonly version: number;
  readonly trials: Map<string, TrialCompletedData>;
  readonly completed: OptimizerRunCompletedData | null;
}

const readRun = async (store: EventStore, config: OptimizerRunStartedData): Promise<Recorded> => {
  const streamId = optimizerStreamId(config.runId);
  const trials = new Map<string, TrialCompletedData>();
  let completed: OptimizerRunCompletedData | null = null;
  let version = 0;
  for (;;) {
    const page: RecordedEvent[] = await store.readStream(streamId, { fromVersion: version + 1, limit: 500 });
    for (const e of page) {
      if (e.type === 'OptimizerRunStarted' && canonicalJson(e.data) !== canonicalJson(config)) {
        throw new OptimizerRunConflictError(
          `run ${config.runId} exists with a different configuration; choose another --run-id`,
        );
      }
      if (e.type === 'TrialCompleted') {
        const d = e.data as TrialCompletedData;
        trials.set(d.taskId, d);
      }
      if (e.type === 'OptimizerRunCompleted') completed = e.data as OptimizerRunCompletedData;
      version = e.streamVersion;
    }
    if (page.length < 500) return { version, trials, completed };
  }
};

const jobOf = (c: OptimizerRunStartedData, task: RunTask<Params>): TrialJob => ({
  runId: c.runId,
  taskId: task.taskId,
  strategyId: c.strategyId,
  symbols: c.symbols,
  timeframe: c.timeframe,
  from: task.range.start,
  to: task.range.end,
  params: task.params,
  seed: c.seed,
  keepTimes: task.kind === 'out-of-sample',
  pboBlocks: task.kind === 'in-sample' ? c.pboBlocks : null,
});

const ignore = (): void => {};

/** Key order is not data: JSONB stores keys in its own order. */
const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );

/**
 * Drives a run to the end. Results are applied in hand-out order, and new work is asked for after each
 * one, with at most `inFlight` tasks out: the sequence of asks and tells is then a function of the
 * configuration alone, so the trials and the report are the same on 1 worker, 8 threads or 20 machines,
 * and a restart that replays recorded results walks the same sequence. The price is head-of-line waiting
 * on a slow task, which `inFlight` well above the worker count hides.
 */
const drive = async (
  run: WalkForwardRun<Params>,
  config: OptimizerRunStartedData,
  recorded: Map<string, TrialCompletedData>,
  appender: StreamAppender,
  deps: CoordinatorDeps,
): Promise<{ executed: number; replayed: number }> => {
  const pending: { task: RunTask<Params>; result: Promise<TaskOutcome> }[] = [];
  const total = config.windows.length * (config.budget + 1);
  let done = 0;
  let executed = 0;
  let replayed = 0;

  const obtain = (task: RunTask<Params>): Promise<TaskOutcome> => {
    const prior = recorded.get(task.taskId);
    if (prior) {
      recorded.delete(task.taskId);
      if (!sameParams(task.params, prior.params)) {
        throw new OptimizerRunConflictError(
          `task ${task.taskId} was recorded with other parameters: the search or its seed changed since the run started`,
        );
      }
      replayed++;
      return Promise.resolve(taskOutcome(prior));
    }
    executed++;
    return deps.executor.run(jobOf(config, task)).then((out) => {
      const data = trialCompleted(config.runId, task, out);
      appender.push({
        eventId: deps.newEventId(),
        type: 'TrialCompleted',
        data,
        metadata: metadata(config.runId, deps.now()),
      });
      return taskOutcome(data);
    });
  };

  const refill = (): void => {
    if (deps.signal?.aborted) return;
    for (const task of run.next(config.inFlight - pending.length)) {
      const result = obtain(task);
      // Awaited in order later; this only keeps a failure behind the head from being "unhandled".
      result.catch(ignore);
      pending.push({ task, result });
    }
  };

  try {
    refill();
    while (!run.done) {
      deps.signal?.throwIfAborted();
      const head = pending.shift();
      if (!head) throw new Error(`run ${config.runId} stalled: nothing in flight and not finished`);
      run.complete([await head.result]);
      done++;
      deps.onProgress?.({ done, total, replayed, task: head.task });
      refill();
    }
  } catch (err) {
    // Trials already out still land in the log; waiting for them means nothing appends after this call
    // returns, where it would race a coordinator that resumes the run.
    await Promise.allSettled(pending.map((p) => p.result));
    throw err;
  }
  return { executed, replayed };
};

/**
 * Starts a run or resumes it from its stream. Every result is a TrialCompleted event in
 * `optimizer-<runId>`; the report is OptimizerRunCompleted; the candidate goes through the promotion
 * gates as a ParameterSetProposed (id = run id, so a retried proposal decides nothing) followed by
 * ParameterSetPromoted or ParameterSetRejected in `parameters-<strategyId>`.
 */
export const runOptimizer = async (
  config: OptimizerRunStartedData,
  deps: CoordinatorDeps,
): Promise<OptimizerRunOutcome> => {
  const streamId = optimizerStreamId(config.runId);
  const versions = new ParameterVersionHandlers(deps.store, deps.newEventId);
  const recorded = await readRun(deps.store, config);
  const promotedVersion = async (): Promise<number | null> =>
    (await versions.versions(config.strategyId)).find((v) => v.proposalId === config.runId)?.version ?? null;
  if (recorded.completed) {
    return {
      config,
      completed: recorded.completed,
      promotedVersion: await promotedVersion(),
      executed: 0,
      replayed: recorded.trials.size,
    };
  }
  // Results wait up to LINGER_MS to be appended together (StreamAppender says why).
  const appender = new StreamAppender(deps.store, streamId, recorded.version, 256, LINGER_MS);
  if (recorded.version === 0) {
    const started: NewEvent = {
      eventId: deps.newEventId(),
      type: 'OptimizerRunStarted',
      data: config,
      metadata: metadata(config.runId, deps.now()),
    };
    appender.push(started);
  }
  const run = walkForwardRunOf(config);
  let counts: { executed: number; replayed: number };
  try {
    counts = await drive(run, config, recorded.trials, appender, deps);
  } finally {
    // A stopped or failed run keeps every result that came back; the next call replays them.
    await appender.drain();
  }

  const report = run.report();
  const gates = evaluateGates(report.evidence, config.policy);
  // Already proposed by a coordinator that stopped before recording the report: the decision stands.
  const proposed = (await versions.state(config.strategyId)).proposals.has(config.runId);
  if (!proposed)
    await versions.handle(
      config.strategyId,
      {
        kind: 'ProposeParameterSet',
        strategyId: config.strategyId,
        proposalId: config.runId,
        runId: config.runId,
        params: report.candidate,
        method: config.method,
        trials: report.trials,
        walkForward: config.walkForward,
        evidence: report.evidence,
        policy: config.policy,
        autoPromote: deps.autoPromote ?? true,
      },
      metadata(config.runId, deps.now()),
    );
  const completed = completedData(config, report, gates);
  appender.push({
    eventId: deps.newEventId(),
    type: 'OptimizerRunCompleted',
    data: completed,
    metadata: metadata(config.runId, deps.now()),
  });
  await appender.drain();
  return { config, completed, promotedVersion: await promotedVersion(), ...counts };
};
