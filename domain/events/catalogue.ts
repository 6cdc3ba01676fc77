import type { z } from 'zod';
import type { EventDefinition } from './define-event.js';
import {
  isUuidV7,
  metadataSchema,
  type NewEvent,
  type StoredEvent,
  validMetadataOrNull,
} from './envelope.js';
import { EventSchemaError, InvalidAppendError, UnknownEventTypeError } from './errors.js';
import { compileFastParse, type FastParse, MISS } from './fast-parse.js';
import { nulTextPath } from './nul-text.js';

export interface ValidatedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: NewEvent['metadata'];
}

const parseOrThrow = <S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
  type: string,
  index: number,
  field: 'data' | 'metadata',
): z.output<S> => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new EventSchemaError(
      type,
      index,
      parsed.error.issues.map((i) => ({ path: [field, ...i.path], message: i.message })),
    );
  }
  return parsed.data;
};

/**
 * The registry of every event type the log may hold. Appends are validated against the current schema
 * (nothing is written if one event fails); reads lift old versions through the type's upcasters.
 * Reads do not re-validate: what is in the log passed its schema when it was written, and parsing
 * every event on a 1M-event rebuild would cost more than the rebuild itself.
 */
export class EventCatalogue {
  private readonly defs = new Map<string, EventDefinition>();
  /** Per type, the fast path in front of zod (fast-parse.ts), or null where the schema has none. */
  private readonly fast = new Map<string, FastParse | null>();

  constructor(definitions: Iterable<EventDefinition> = []) {
    for (const d of definitions) this.register(d);
  }

  register(def: EventDefinition): this {
    if (this.defs.has(def.type)) throw new Error(`event type ${def.type} registered twice`);
    this.defs.set(def.type, def);
    this.fast.set(def.type, compileFastParse(def.schema));
    return this;
  }

  has(type: string): boolean {
    return this.defs.has(type);
  }

  get types(): string[] {
    return [...this.defs.keys()].sort();
  }

  definition(type: string): EventDefinition | undefined {
    return this.defs.get(type);
  }

  /** Throws EventSchemaError (with zod's issues) or InvalidAppendError; returns data as the schema parsed it. */
  validate(event: NewEvent, index: number): ValidatedEvent {
    if (typeof event.eventId !== 'string' || !isUuidV7(event.eventId)) {
      throw new InvalidAppendError(
        `event #${index}: eventId must be a UUID v7, got ${JSON.stringify(event.eventId)}`,
      );
    }
    const def = this.defs.get(event.type);
    if (!def) {
      throw new UnknownEventTypeError(event.type, 0, null, `event #${index} has no schema in the catalogue`);
    }
    // The fast paths vouch for valid input; zod decides everything else and names what is wrong.
    const metadata =
      validMetadataOrNull(event.metadata) ??
      parseOrThrow(metadataSchema, event.metadata, event.type, index, 'metadata');
    let data = this.fast.get(event.type)?.(event.data) ?? MISS;
    if (data === MISS) data = parseOrThrow(def.schema, event.data, event.type, index, 'data');
    for (const [field, value] of [
      ['data', data],
      ['metadata', metadata],
    ] as const) {
      const at = nulTextPath(value);
      if (at !== null) {
        throw new EventSchemaError(event.type, index, [
          { path: [field, ...at.split('.')], message: 'text may not contain NUL (U+0000) characters' },
        ]);
      }
    }
    return {
      // PostgreSQL stores a uuid and prints it in lower case; the content hash, idempotent retries and
      // the in-memory store must all see that same text, whatever case the caller wrote.
      eventId: event.eventId.toLowerCase(),
      type: event.type,
      schemaVersion: def.schemaVersion,
      data,
      metadata,
    };
  }

  /** Lifts a stored event to its type's current schema version. */
  upcast(stored: StoredEvent): StoredEvent {
    const def = this.defs.get(stored.type);
    if (!def) {
      throw new UnknownEventTypeError(
        stored.type,
        stored.schemaVersion,
        stored.globalPosition,
        'unknown event type',
      );
    }
    if (stored.schemaVersion === def.schemaVersion) return stored;
    if (stored.schemaVersion > def.schemaVersion || stored.schemaVersion < 1) {
      throw new UnknownEventTypeError(
        stored.type,
        stored.schemaVersion,
        stored.globalPosition,
        `unknown schema version (this build knows up to v${def.schemaVersion})`,
      );
    }
    let data = stored.data;
    for (let v = stored.schemaVersion; v < def.schemaVersion; v++) data = def.upcasters[v]!(data);
    // A literal, not a spread: the SQL store's events carry data and metadata as class accessors.
    return {
      eventId: stored.eventId,
      streamId: stored.streamId,
      streamVersion: stored.streamVersion,
      globalPosition: stored.globalPosition,
      type: stored.type,
      schemaVersion: def.schemaVersion,
      data,
      metadata: stored.metadata,
    };
  }
}
