/** Errors of the event log. Each carries a stable `code` so the API can map it without instanceof chains. */
export class EventStoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type ExpectedVersion = 'no_stream' | 'any' | 'exists' | number;

export class WrongExpectedVersionError extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(
      'wrong_expected_version',
      `stream ${streamId}: expected version ${String(expected)} but the stream is at ${actual === 0 ? 'no_stream (0)' : actual}`,
    );
  }
}

export class EventSchemaError extends EventStoreError {
  constructor(
    readonly eventType: string,
    readonly index: number,
    readonly issues: readonly { path: (string | number)[]; message: string }[],
  ) {
    super(
      'event_schema',
      `event #${index} of type ${eventType} fails its schema: ` +
        issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; '),
    );
  }
}

export class UnknownEventTypeError extends EventStoreError {
  constructor(
    readonly eventType: string,
    readonly schemaVersion: number,
    readonly globalPosition: number | null,
    detail: string,
  ) {
    super(
      'unknown_event',
      `${detail}: type ${eventType} v${schemaVersion}` +
        (globalPosition === null ? '' : ` at global position ${globalPosition}`),
    );
  }
}

export class IdempotencyConflictError extends EventStoreError {
  constructor(
    readonly eventId: string,
    detail: string,
  ) {
    super('idempotency_conflict', `event ${eventId} was already appended ${detail}`);
  }
}

export class InvalidAppendError extends EventStoreError {
  constructor(message: string) {
    super('invalid_append', message);
  }
}
