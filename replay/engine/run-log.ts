import type { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import type { Mode, RecordedEvent, StoredEvent } from '../../domain/events/envelope.js';
import { IsoTime } from '../../domain/events/iso-time.js';
import { DeterministicIds } from '../../domain/strategy/deterministic-id.js';

export interface RunLogOptions {
  /**
   * Keep every event in the in-memory store (default). Off for long runs and optimizer trials: each
   * event then only passes through `observe` (results fold, log hash) and memory stays flat however
   * many bars and orders the run has.
   */
  readonly retain?: boolean;
  readonly observe?: (e: StoredEvent) => void;
}

/**
 * The engine's pen: every event of a run goes through here, with ids derived from the run id and
 * domain time (so a re-run writes the same ids) and the chain links filled in.
 */
export class RunLog {
  private readonly ids: DeterministicIds;
  private readonly versions = new Map<string, number>();
  private readonly streamVersions = new Map<string, number>();
  private readonly retain: boolean;
  private readonly observe: ((e: StoredEvent) => void) | undefined;
  private readonly iso = new IsoTime();
  count = 0;

  constructor(
    readonly store: MemoryEventStore,
    runId: string,
    private readonly mode: Mode,
    opts: RunLogOptions = {},
  ) {
    this.ids = new DeterministicIds(runId);
    this.retain = opts.retain ?? true;
    this.observe = opts.observe;
  }

  private schemaVersion(type: string): number {
    let v = this.versions.get(type);
    if (v === undefined) {
      const def = this.store.catalogue.definition(type);
      if (!def) throw new RangeError(`engine emitted ${type}, which has no schema in the catalogue`);
      v = def.schemaVersion;
      this.versions.set(type, v);
    }
    return v;
  }

  /**
   * The stream has ended (a finished order, a closed position's stops): its version counter is dropped.
   * Nothing may be written to it afterwards; the caller's deciders refuse that already.
   */
  forget(streamId: string): void {
    this.streamVersions.delete(streamId);
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
    const retain = this.retain;
    const metadata: RecordedEvent['metadata'] = {
      correlationId,
      causationId,
      actor,
      mode: this.mode,
      occurredAt: this.iso.format(at),
      recordedAt: retain ? this.store.recordedAtNow() : '',
    };
    const schemaVersion = this.schemaVersion(type);
    this.count++;
    // One small counter per open stream (finished ones are forgotten): the run log is the only writer of
    // its store, so it counts versions itself and the store need not index a million events to do it.
    const streamVersion = (this.streamVersions.get(streamId) ?? 0) + 1;
    this.streamVersions.set(streamId, streamVersion);
    if (retain) {
      const stored = this.store.appendTrusted(streamId, streamVersion, {
        eventId,
        type,
        schemaVersion,
        data,
        metadata,
      });
      this.observe?.(stored);
      return eventId;
    }
    this.observe?.({
      eventId,
      streamId,
      streamVersion,
      globalPosition: this.count,
      type,
      schemaVersion,
      data,
      metadata,
    });
    return eventId;
  }
}
