import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import { breakerStreamId } from '../../domain/risk/events.js';
import type { RecordedStepDown } from './config.js';

/**
 * The step-downs a running engine took (BreakerStepDownApproved with its `seq`), once each: one approval
 * steps both of a run's ladders at the same place, and writes one approval to each. Approvals made outside
 * an engine (commands/risk, no `seq`) are not the run's to apply again.
 */
export const stepDownsIn = (events: readonly StoredEvent[]): RecordedStepDown[] => {
  const bySeq = new Map<number, RecordedStepDown>();
  for (const e of events) {
    if (e.type !== 'BreakerStepDownApproved') continue;
    const d = e.data as { seq?: number; to: BreakerLevel; approver: string; reason: string };
    if (d.seq === undefined || bySeq.has(d.seq)) continue;
    bySeq.set(d.seq, {
      seq: d.seq,
      at: Date.parse(e.metadata.occurredAt),
      to: d.to,
      approver: d.approver,
      reason: d.reason,
    });
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
};

/** The step-downs a run took, read back from its two ladders' streams: what a restart or a re-run applies again. */
export const recordedStepDowns = async (
  store: EventStore,
  runId: string,
  accountId: string,
): Promise<RecordedStepDown[]> =>
  stepDownsIn([
    ...(await store.readStream(breakerStreamId('strategy', runId))),
    ...(await store.readStream(breakerStreamId('account', accountId))),
  ]);
