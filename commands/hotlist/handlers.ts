import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { type HotlistEvent, hotlistEventTypes, hotlistStreamId } from '../../domain/hotlist/events.js';
import { defaultHotlistConfig, type HotlistConfig, scanHotlist } from '../../domain/hotlist/scan.js';
import type { HotlistSource } from '../../domain/hotlist/source.js';
import {
  decideHotlist,
  evolveHotlist,
  type HotlistCommand,
  type HotlistState,
  initialHotlistState,
} from '../../domain/hotlist/whitelist.js';
import { AggregateRepository, type Decision } from '../ledger/aggregate.js';

const iso = (ms: number) => new Date(ms).toISOString();

type Mode = EventMetadata['mode'];

type WithoutActor<T> = T extends unknown ? Omit<T, 'actor'> : never;
/** The person-only commands, as a caller names them: the actor is derived from the approver, never passed in. */
export type PersonCommand = WithoutActor<Exclude<HotlistCommand, { kind: 'RecordScan' }>>;

/**
 * Commands on the hotlist stream. A scan is the system's (`system:hotlist`); approvals, declines and
 * removals carry `user:<approver>` as their actor, which the decider checks. Each evolve copies what
 * it changes, so a cached state is never mutated behind a reader's back.
 */
export class HotlistHandlers {
  private readonly repo: AggregateRepository<HotlistState, HotlistEvent>;

  constructor(
    store: EventStore,
    private readonly newEventId: () => string,
    private readonly mode: Mode = 'paper',
  ) {
    this.repo = new AggregateRepository(
      store,
      { initial: () => initialHotlistState, evolve: evolveHotlist, types: hotlistEventTypes },
      newEventId,
    );
  }

  /**
   * Scans `symbols` at market time `at` from `source` and records the ranking. Symbols the source has
   * no data for are recorded as skipped, with the reason.
   */
  async scan(
    source: HotlistSource,
    symbols: readonly string[],
    at: number,
    config: HotlistConfig = defaultHotlistConfig,
  ): Promise<Decision<HotlistEvent> & { scanId: string }> {
    const { inputs, skipped } = await source.inputs(symbols, at);
    const result = scanHotlist(inputs, at, config);
    const scanId = `scan-${this.newEventId()}`;
    const d = await this.repo.execute(
      hotlistStreamId,
      (state) =>
        decideHotlist(
          {
            kind: 'RecordScan',
            scanId,
            source: source.source,
            config,
            result: { ...result, skipped: [...skipped, ...result.skipped] },
          },
          state,
        ),
      this.metadata('system:hotlist', `hotlist:${scanId}`, at),
    );
    return { ...d, scanId };
  }

  /** A person's decision; `at` is when it was taken (wall time). */
  decide(command: PersonCommand, at: number): Promise<Decision<HotlistEvent>> {
    const actor = `user:${command.approver}`;
    return this.repo.execute(
      hotlistStreamId,
      (state) => decideHotlist({ ...command, actor } as HotlistCommand, state),
      this.metadata(actor, `approval:${this.newEventId()}`, at),
    );
  }

  async state(): Promise<HotlistState> {
    return (await this.repo.load(hotlistStreamId)).state;
  }

  private metadata(actor: string, correlationId: string, at: number): EventMetadata {
    return { correlationId, causationId: null, actor, mode: this.mode, occurredAt: iso(at) };
  }
}
