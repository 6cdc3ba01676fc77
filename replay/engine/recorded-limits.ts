import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { RiskLimitsAppliedData } from '../../domain/risk/events.js';
import type { RecordedLimitChange } from './config.js';

/** The desk limit changes among a run's events (RiskLimitsApplied), in the order it took them. */
export const limitChangesIn = (events: readonly StoredEvent[]): RecordedLimitChange[] =>
  events
    .filter((e) => e.type === 'RiskLimitsApplied')
    .map((e) => {
      const d = e.data as RiskLimitsAppliedData;
      return {
        changeId: d.changeId,
        scope: d.scope,
        key: d.key,
        limits: d.limits,
        seq: d.seq,
        at: Date.parse(e.metadata.occurredAt),
      };
    });

/** The limit changes a run took, read back from its stream: what a restart or a re-run applies again. */
export const recordedLimitChanges = async (
  store: EventStore,
  runId: string,
): Promise<RecordedLimitChange[]> => limitChangesIn(await store.readStream(`run-${runId}`));
