import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { Rng } from '../../domain/optimizer/rng.js';
import { type BanditConfig, defaultBanditConfig } from '../../domain/portfolio/bandit.js';
import {
  type PortfolioEvent,
  portfolioEventTypes,
  portfolioStreamId,
} from '../../domain/portfolio/events.js';
import {
  type ArmEvidence,
  decidePortfolio,
  evolvePortfolio,
  initialPortfolioState,
  type PortfolioState,
} from '../../domain/portfolio/portfolio.js';
import { AggregateRepository, type Decision } from '../ledger/aggregate.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Rounds of the strategy bandit on stream `portfolio`, appended as `system:portfolio`. */
export class PortfolioHandlers {
  private readonly repo: AggregateRepository<PortfolioState, PortfolioEvent>;

  constructor(
    store: EventStore,
    private readonly newEventId: () => string,
    private readonly mode: EventMetadata['mode'] = 'paper',
  ) {
    this.repo = new AggregateRepository(
      store,
      { initial: () => initialPortfolioState, evolve: evolvePortfolio, types: portfolioEventTypes },
      newEventId,
    );
  }

  /** One round at market time `at` on the arms' evidence; `by` names who asked (the scheduler or a person). */
  async round(
    arms: readonly ArmEvidence[],
    at: number,
    config: BanditConfig = defaultBanditConfig,
    by = 'system:portfolio',
  ): Promise<Decision<PortfolioEvent> & { roundId: string }> {
    const roundId = `round-${this.newEventId()}`;
    const d = await this.repo.execute(
      portfolioStreamId,
      (state) => {
        const rng = Rng.seeded(roundId);
        return decidePortfolio(
          { kind: 'RecordRound', roundId, at, arms, config, random: () => rng.float() },
          state,
        );
      },
      {
        correlationId: `portfolio:${roundId}`,
        causationId: null,
        actor: by,
        mode: this.mode,
        occurredAt: iso(at),
      },
    );
    return { ...d, roundId };
  }

  async state(): Promise<PortfolioState> {
    return (await this.repo.load(portfolioStreamId)).state;
  }
}
