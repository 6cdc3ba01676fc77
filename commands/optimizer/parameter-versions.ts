import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { type ParameterVersionEvent, parametersStreamId } from '../../domain/optimizer/events.js';
import {
  decideParameterVersions,
  evolveParameterVersions,
  initialParameterVersionsState,
  type ParameterVersionCommand,
  type ParameterVersionsState,
} from '../../domain/optimizer/parameter-versions.js';
import { AggregateRepository, type Decision } from '../ledger/aggregate.js';

const types = new Set([
  'ParameterSetProposed',
  'ParameterSetPromoted',
  'ParameterSetRejected',
  'ParameterSetRolledBack',
  'ParameterCanaryStarted',
  'ParameterCanaryConcluded',
]);

/** Evolve copies its maps, so a cached state is never mutated behind a reader's back. */
const spec = {
  initial: () => initialParameterVersionsState,
  evolve: evolveParameterVersions,
  types,
};

export interface VersionHistoryEntry {
  readonly version: number;
  readonly params: Readonly<Record<string, unknown>>;
  readonly proposalId: string;
}

/** Commands on a strategy's parameter versions (stream `parameters-<strategyId>`). */
export class ParameterVersionHandlers {
  private readonly repo: AggregateRepository<ParameterVersionsState, ParameterVersionEvent>;

  constructor(
    private readonly store: EventStore,
    newEventId: () => string,
  ) {
    this.repo = new AggregateRepository(store, spec, newEventId);
  }

  handle(
    strategyId: string,
    command: ParameterVersionCommand,
    metadata: EventMetadata,
  ): Promise<Decision<ParameterVersionEvent>> {
    return this.repo.execute(
      parametersStreamId(strategyId),
      (state) => decideParameterVersions(command, state),
      metadata,
    );
  }

  async state(strategyId: string): Promise<ParameterVersionsState> {
    this.repo.forget(parametersStreamId(strategyId));
    return (await this.repo.load(parametersStreamId(strategyId))).state;
  }

  /** Promoted versions in order, with the proposal each came from (for listings and for a run's report). */
  async versions(strategyId: string): Promise<VersionHistoryEntry[]> {
    const events = await this.store.readStream(parametersStreamId(strategyId));
    return events
      .filter((e) => e.type === 'ParameterSetPromoted')
      .map((e) => {
        const d = e.data as { version: number; params: Record<string, unknown>; proposalId: string };
        return { version: d.version, params: d.params, proposalId: d.proposalId };
      });
  }
}
