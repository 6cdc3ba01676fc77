import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { AllocationAppliedData } from '../../domain/portfolio/events.js';
import type { RecordedAllocation } from './config.js';

/** The allocations among a run's events, in the order it took them. */
export const allocationsIn = (events: readonly StoredEvent[]): RecordedAllocation[] =>
  events
    .filter((e) => e.type === 'AllocationApplied')
    .map((e) => {
      const d = e.data as AllocationAppliedData;
      return {
        roundId: d.roundId,
        weight: d.weight,
        multiplier: d.multiplier,
        benched: d.benched,
        benchedUntil: d.benchedUntil,
        reason: d.reason,
        seq: d.seq,
        at: Date.parse(e.metadata.occurredAt),
      };
    });

/**
 * The allocations a run took, read back from its stream `run-<runId>`: what a restart or a re-run hands
 * the engine so it applies each one where it was applied before.
 */
export const recordedAllocations = async (store: EventStore, runId: string): Promise<RecordedAllocation[]> =>
  allocationsIn(await store.readStream(`run-${runId}`));
