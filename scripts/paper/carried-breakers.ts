import type { EventStore } from '../../domain/events/event-store.js';
import {
  type BreakerEvent,
  type BreakerScope,
  evolveBreaker,
  initialBreakerState,
} from '../../domain/risk/breaker.js';
import { BreakerLevelChanged, BreakerStepDownApproved, breakerStreamId } from '../../domain/risk/events.js';
import type { ReadModelDb } from '../../projections/projection.js';
import type { CarriedBreakers } from '../../replay/engine/config.js';

/**
 * The breaker levels a strategy's next real run starts at (Engine's liveOrders.breakers): those its latest
 * real run had reached, as that run's ladders in the main log say. Each start of the node is a new real
 * run, whose ladders would otherwise start at normal with their measurements counted afresh, so a restart
 * would undo a `reduce` (or a `halt` not yet acted on) without anyone looking.
 *
 * Not carried when the strategy left real money after that run started (demoted, or put back to shadow by
 * a person): coming back to real money then took a person's approval, which is a fresh start. Null when
 * there is no earlier real run, or its ladders stood at normal.
 */
export const carriedBreakers = async (
  db: ReadModelDb,
  store: Pick<EventStore, 'readStream'>,
  strategyId: string,
  /** The new run itself, which a start tried again may already have recorded. */
  newRunId: string,
): Promise<CarriedBreakers | null> => {
  const run = (await db
    .selectFrom('rm_runs')
    .select(['run_id', 'started_at'])
    .where('strategy_id', '=', strategyId)
    .where('mode', 'in', ['canary', 'live'])
    .where('run_id', '!=', newRunId)
    .orderBy('started_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst()) as { run_id: string; started_at: string } | undefined;
  if (run === undefined) return null;
  const left = await db
    .selectFrom('rm_lifecycle_history')
    .select(['global_position'])
    .where('strategy_id', '=', strategyId)
    .where('kind', '=', 'stage')
    .where('to_stage', 'not in', ['canary', 'prod'])
    .where('at', '>', run.started_at)
    .limit(1)
    .executeTakeFirst();
  if (left !== undefined) return null;
  const level = async (scope: BreakerScope) => {
    let state = initialBreakerState(scope, run.run_id);
    for (const e of await store.readStream(breakerStreamId(scope, run.run_id))) {
      const data =
        e.type === 'BreakerLevelChanged'
          ? BreakerLevelChanged.schema.parse(e.data)
          : e.type === 'BreakerStepDownApproved'
            ? BreakerStepDownApproved.schema.parse(e.data)
            : null;
      if (data !== null) state = evolveBreaker(state, { type: e.type, data } as BreakerEvent);
    }
    return state.level;
  };
  const strategy = await level('strategy');
  const account = await level('account');
  if (strategy === 'normal' && account === 'normal') return null;
  return { from: run.run_id, strategy, account };
};
