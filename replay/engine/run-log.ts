import type { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import type { EventMetadata, Mode } from '../../domain/events/envelope.js';
import { DeterministicIds } from '../../domain/strategy/deterministic-id.js';

/**
 * The engine's pen: every event of a run goes through here into the in-memory store, with ids derived
 * from the run id and domain time (so a re-run writes the same ids) and the chain links filled in.
 */
export class RunLog {
  private readonly ids: DeterministicIds;
  private lastMs = Number.NaN;
  private lastIso = '';
  private readonly versions = new Map<string, number>();
  count = 0;

  constructor(
    readonly store: MemoryEventStore,
    runId: string,
    private readonly mode: Mode,
  ) {
    this.ids = new DeterministicIds(runId);
  }

  private iso(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  emit(
    streamId: string,
    type: string,
    data: unknown,
    at: number,
    correlationId: string,
    causationId: string | null,
    actor: string,
  ): string {
    const eventId = this.ids.next(at);
    const metadata: EventMetadata = {
      correlationId,
      causationId,
      actor,
      mode: this.mode,
      occurredAt: this.iso(at),
    };
    let schemaVersion = this.versions.get(type);
    if (schemaVersion === undefined) {
      const def = this.store.catalogue.definition(type);
      if (!def) throw new RangeError(`engine emitted ${type}, which has no schema in the catalogue`);
      schemaVersion = def.schemaVersion;
      this.versions.set(type, schemaVersion);
    }
    this.store.appendTrusted(streamId, { eventId, type, schemaVersion, data, metadata });
    this.count++;
    return eventId;
  }
}
