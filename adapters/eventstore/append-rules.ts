import type { ValidatedEvent } from '../../domain/events/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import {
  type ExpectedVersion,
  IdempotencyConflictError,
  InvalidAppendError,
  WrongExpectedVersionError,
} from '../../domain/events/errors.js';
import type { AppendResult } from '../../domain/events/event-store.js';
import { canonicalJson } from './canonical-json.js';

export const assertAppendArgs = (streamId: string, expected: ExpectedVersion, count: number): void => {
  if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > 200) {
    throw new InvalidAppendError(`streamId must be a non-empty string of at most 200 characters`);
  }
  if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
    throw new InvalidAppendError(`expected version must be 'no_stream', 'any', 'exists' or an integer ≥ 0`);
  }
  if (count === 0) throw new InvalidAppendError(`append to ${streamId} with no events`);
};

export const assertUniqueIds = (events: readonly { eventId: string }[]): void => {
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.eventId)) throw new InvalidAppendError(`event ${e.eventId} appears twice in one append`);
    seen.add(e.eventId);
  }
};

/** Version 0 and 'no_stream' both mean "the stream has no events". */
export const expectationHolds = (expected: ExpectedVersion, current: number): boolean =>
  expected === 'any' ||
  (expected === 'no_stream' && current === 0) ||
  (expected === 'exists' && current > 0) ||
  (typeof expected === 'number' && expected === current);

/**
 * Decides whether an append whose event ids are already in the log is an idempotent retry: the same
 * events, same content, same stream, at the same positions. Returns the original result or throws.
 */
export const resolveRetry = (
  streamId: string,
  expected: ExpectedVersion,
  incoming: readonly ValidatedEvent[],
  existing: readonly StoredEvent[],
  currentVersion: number,
): AppendResult => {
  const byId = new Map(existing.map((e) => [e.eventId, e]));
  const first = incoming[0]!;
  if (!byId.has(first.eventId)) {
    const seen = incoming.find((e) => byId.has(e.eventId))!;
    throw new IdempotencyConflictError(seen.eventId, 'in another append; a retry must resend the same batch');
  }
  const positions: number[] = [];
  let version = -1;
  for (const [i, e] of incoming.entries()) {
    const s = byId.get(e.eventId);
    if (!s) throw new IdempotencyConflictError(first.eventId, `but ${e.eventId} of the same batch was not`);
    if (s.streamId !== streamId)
      throw new IdempotencyConflictError(e.eventId, `to stream ${s.streamId}, not ${streamId}`);
    if (i > 0 && s.streamVersion !== version + 1) {
      throw new IdempotencyConflictError(
        e.eventId,
        'at a position that does not follow the batch it is sent with',
      );
    }
    version = s.streamVersion;
    if (
      s.type !== e.type ||
      s.schemaVersion !== e.schemaVersion ||
      canonicalJson(s.data) !== canonicalJson(e.data) ||
      canonicalJson(stripRecordedAt(s.metadata)) !== canonicalJson(e.metadata)
    ) {
      throw new IdempotencyConflictError(e.eventId, 'with different content; an event id may be used once');
    }
    positions.push(s.globalPosition);
  }
  const startVersion = byId.get(first.eventId)!.streamVersion - 1;
  if (typeof expected === 'number' && expected !== startVersion) {
    throw new WrongExpectedVersionError(streamId, expected, currentVersion);
  }
  return { nextExpectedVersion: version, globalPositions: positions, duplicate: true };
};

const stripRecordedAt = (m: StoredEvent['metadata']): Record<string, unknown> => {
  const { recordedAt: _drop, ...rest } = m;
  return rest;
};
