import type { RecordedEvent } from '../../domain/events/envelope.js';
import {
  type OptimizerRunStartedData,
  optimizerStreamId,
  type ReoptimizationRequestedData,
} from '../../domain/optimizer/events.js';
import { type CoordinatorDeps, type OptimizerRunOutcome, runOptimizer } from './coordinator.js';
import { type OptimizeRequest, runConfig } from './run-config.js';

/** How to re-optimise a strategy when asked: the run request minus its time range, plus how far back to look. */
export type ReoptimizationTemplate = Omit<OptimizeRequest, 'strategyId' | 'from' | 'to' | 'runId'> & {
  /** The run covers [request time − lookback, request time). */
  readonly lookbackMs: number;
};

/**
 * The process manager from ReoptimizationRequested to an optimizer run. The run id is derived from the
 * request id, so a request handled twice (a restart, a second subscriber) resumes or reports the same run.
 */
export const runForRequest = (
  event: RecordedEvent,
  templates: ReadonlyMap<string, ReoptimizationTemplate>,
  deps: CoordinatorDeps,
): Promise<OptimizerRunOutcome> | null => {
  if (event.type !== 'ReoptimizationRequested') return null;
  const request = event.data as ReoptimizationRequestedData;
  const template = templates.get(request.strategyId);
  if (!template) return null;
  const { lookbackMs, ...rest } = template;
  const at =
    request.trigger.kind === 'schedule' ? request.trigger.dueAt : Date.parse(event.metadata.occurredAt);
  const runId = `reopt-${request.requestId}`.replace(/[^\w.-]/g, '_').slice(0, 100);
  return (async () => {
    // A run already started keeps the configuration it started with: the template may have changed since
    // (the node now trades other symbols), and a restart resumes or reports the run, not a new one that
    // the recorded start would refuse as a conflict.
    const [first] = await deps.store.readStream(optimizerStreamId(runId), { fromVersion: 1, limit: 1 });
    const config =
      first?.type === 'OptimizerRunStarted'
        ? (first.data as OptimizerRunStartedData)
        : runConfig({ ...rest, strategyId: request.strategyId, from: at - lookbackMs, to: at, runId });
    return runOptimizer(config, deps);
  })();
};
