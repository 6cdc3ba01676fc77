import { createHash } from 'node:crypto';
import type { StoredEvent } from '../../domain/events/envelope.js';

/**
 * The run's fingerprint: sha256 over every event in log order with everything but recordedAt (the
 * only wall-clock field). Two runs with the same data, strategy, parameters and seed must print the
 * same hash; replay/ uses the per-event form to find the first divergence.
 */
export const eventFingerprint = (e: StoredEvent): string => {
  const { recordedAt: _wall, ...metadata } = e.metadata;
  return JSON.stringify([
    e.eventId,
    e.streamId,
    e.streamVersion,
    e.globalPosition,
    e.type,
    e.schemaVersion,
    e.data,
    metadata,
  ]);
};

export const logHash = (events: Iterable<StoredEvent>): string => {
  const h = createHash('sha256');
  for (const e of events) h.update(eventFingerprint(e)).update('\n');
  return h.digest('hex');
};
