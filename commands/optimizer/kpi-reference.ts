import type { EventStore } from '../../domain/events/event-store.js';
import { onGrid } from '../../domain/optimizer/backtest-percentile.js';
import {
  type OptimizerRunCompletedData,
  optimizerStreamId,
  parametersStreamId,
} from '../../domain/optimizer/events.js';
import { decodeFloat64 } from './float-codec.js';
import type { KpiReference } from './triggers.js';

/**
 * The out-of-sample backtest behind a parameter version, for the KPI trigger's comparison with the
 * backtest (design §14): the version's proposal id is the optimizer run's id, and that run's
 * OptimizerRunCompleted holds the stitched out-of-sample curve. Null for version 0 (the schema defaults),
 * a version promoted from no run in this log, or a run that kept no curve.
 */
export const loadKpiReference = async (
  store: EventStore,
  strategyId: string,
  paramsVersion: number,
  stepMs: number,
): Promise<KpiReference | null> => {
  if (paramsVersion <= 0) return null;
  let proposalId: string | null = null;
  for (const e of await store.readStream(parametersStreamId(strategyId))) {
    if (e.type !== 'ParameterSetPromoted' && e.type !== 'ParameterCanaryStarted') continue;
    const d = e.data as { version: number; proposalId: string };
    if (d.version === paramsVersion) proposalId = d.proposalId;
  }
  if (proposalId === null) return null;
  const completed = (await store.readStream(optimizerStreamId(proposalId))).find(
    (e) => e.type === 'OptimizerRunCompleted',
  );
  const stitched = (completed?.data as OptimizerRunCompletedData | undefined)?.stitched;
  if (!stitched) return null;
  const equity = onGrid(
    { times: decodeFloat64(stitched.times), equity: decodeFloat64(stitched.equity) },
    stepMs,
  );
  return { paramsVersion, optimizerRunId: proposalId, equity };
};
