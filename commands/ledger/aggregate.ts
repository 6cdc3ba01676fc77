import type { EventMetadata, NewEvent, RecordedEvent } from '../../domain/events/envelope.js';
import { WrongExpectedVersionError } from '../../domain/events/errors.js';
import type { EventStore } from '../../domain/events/event-store.js';

/**
 * One event-sourced aggregate behind a stream: how to start, fold and recognise its events. `evolve` may
 * update the state in place (the account does, see domain/ledger/account.ts), so a state is never reused
 * after it was folded; a cached state is only advanced with events that are already in the log.
 */
export interface AggregateSpec<S, E extends { type: string; data: unknown }> {
  readonly initial: () => S;
  readonly evolve: (state: S, event: E) => S;
  readonly types: ReadonlySet<string>;
  /**
   * A state no command will change again (a filled or cancelled order). It is not kept in the cache: a
   * node that runs for months, or a long backtest, places hundreds of thousands of orders, and a cache
   * of every one of them only grows. A late retry reads the stream again.
   */
  readonly isFinal?: (state: S) => boolean;
}

export interface Loaded<S> {
  readonly state: S;
  readonly version: number;
}

export interface RepositoryOptions {
  /** Re-decide this many times after a version conflict (default 3). */
  readonly retries?: number;
  /**
   * This process is the only writer of its streams (Perpetua's one-writer-per-account rule, held by a lock
   * in production and trivially in a backtest): a cached state is used without reading the stream first.
   * A writer that breaks the rule is still caught by the expected-version check on append, which drops
   * the cache and re-decides.
   */
  readonly singleWriter?: boolean;
}

/** What the caller says about the command: who, why, in which mode, at which domain time. */
export type CommandMetadata = EventMetadata;

export interface Decision<E> {
  readonly events: readonly E[];
  /** Stream version after the command (unchanged when the decision was empty). */
  readonly version: number;
  /** Event ids as appended, in order (for causation links). */
  readonly eventIds: readonly string[];
}

/**
 * Loads streams, decides and appends with the expected version. Folded states are cached per stream
 * and caught up from their version on the next command, so a long-lived account costs one read of the
 * new events, not a replay of its history. On a version conflict (another writer appended first) the
 * cache entry is dropped and the command re-decided on fresh state, up to `retries` times.
 */
export class AggregateRepository<S, E extends { type: string; data: unknown }> {
  private readonly cache = new Map<string, Loaded<S>>();

  constructor(
    private readonly store: EventStore,
    private readonly spec: AggregateSpec<S, E>,
    private readonly newEventId: () => string,
    private readonly options: RepositoryOptions = {},
  ) {}

  private toDomain(e: RecordedEvent): E {
    if (!this.spec.types.has(e.type)) throw new Error(`stream ${e.streamId} holds foreign event ${e.type}`);
    return { type: e.type, data: e.data } as E;
  }

  async load(streamId: string): Promise<Loaded<S>> {
    const cached = this.cache.get(streamId);
    if (cached && this.options.singleWriter) return cached;
    let state = cached?.state ?? this.spec.initial();
    let version = cached?.version ?? 0;
    const fresh = await this.store.readStream(streamId, { fromVersion: version + 1 });
    for (const e of fresh) {
      state = this.spec.evolve(state, this.toDomain(e));
      version = e.streamVersion;
    }
    const loaded = { state, version };
    this.remember(streamId, loaded);
    return loaded;
  }

  /** Runs `decide` on the current state and appends what it returns; a thrown rule error appends nothing. */
  async execute(
    streamId: string,
    decide: (state: S) => readonly E[],
    metadata: CommandMetadata | ((event: E, index: number) => CommandMetadata),
  ): Promise<Decision<E>> {
    for (let attempt = 0; ; attempt++) {
      const { state, version } = await this.load(streamId);
      const events = decide(state);
      if (events.length === 0) return { events, version, eventIds: [] };
      const batch: NewEvent[] = events.map((e, i) => ({
        eventId: this.newEventId(),
        type: e.type,
        data: e.data,
        metadata: typeof metadata === 'function' ? metadata(e, i) : metadata,
      }));
      try {
        const result = await this.store.append(streamId, version, batch);
        let next = state;
        for (const e of events) next = this.spec.evolve(next, e);
        this.remember(streamId, { state: next, version: result.nextExpectedVersion });
        return { events, version: result.nextExpectedVersion, eventIds: batch.map((b) => b.eventId) };
      } catch (err) {
        this.cache.delete(streamId);
        if (!(err instanceof WrongExpectedVersionError) || attempt >= (this.options.retries ?? 3)) throw err;
      }
    }
  }

  /**
   * The caller appended `events` right after `loaded` (with another stream's, in one appendAll): the
   * cache moves on to `version` as if execute had appended them.
   */
  advance(streamId: string, loaded: Loaded<S>, events: readonly E[], version: number): void {
    let next = loaded.state;
    for (const e of events) next = this.spec.evolve(next, e);
    this.remember(streamId, { state: next, version });
  }

  /** New events as the store takes them, with ids from this repository's source. */
  batch(events: readonly E[], metadata: CommandMetadata): NewEvent[] {
    return events.map((e) => ({ eventId: this.newEventId(), type: e.type, data: e.data, metadata }));
  }

  private remember(streamId: string, loaded: Loaded<S>): void {
    if (this.spec.isFinal?.(loaded.state)) this.cache.delete(streamId);
    else this.cache.set(streamId, loaded);
  }

  forget(streamId: string): void {
    this.cache.delete(streamId);
  }
}
