import type { EventStore } from '../../domain/events/event-store.js';
import { accountStreamId } from '../../domain/ledger/account.js';
import {
  type BreakerEvent,
  type BreakerScope,
  evolveBreaker,
  initialBreakerState,
} from '../../domain/risk/breaker.js';
import {
  BreakerLevelChanged,
  BreakerStepDownApproved,
  breakerStreamId,
  type RiskDecidedData,
  riskStreamId,
} from '../../domain/risk/events.js';
import { dayLossSoFar, roundTripNets, utcDayStart } from '../../domain/risk/track-record.js';
import type { ReadModelDb } from '../../projections/projection.js';
import type { CarriedBreakers, CarriedRecord } from '../../replay/engine/config.js';

/**
 * What a strategy's next real run goes on from: its latest real run's breaker levels and record of round
 * trips. Each start of the node is a new real run, whose ladders would start at normal (their drawdown and
 * losing streak counted afresh) and whose sizing would have no Kelly record (full risk per trade for its
 * first trades), so a restart would undo a `reduce` and a Kelly limit without anyone looking.
 */
export interface CarriedOn {
  readonly breakers: CarriedBreakers | null;
  readonly record: CarriedRecord | null;
}

/**
 * The strategy's latest real run but `newRunId` (which a start tried again may already have recorded), or
 * null: none, or the strategy left real money after it started (demoted, or revoked): coming back took a
 * person's approval, which is a fresh start.
 */
export const previousRealRun = async (
  db: ReadModelDb,
  strategyId: string,
  newRunId: string,
): Promise<string | null> => {
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
  return left === undefined ? run.run_id : null;
};

/** The levels `runId`'s two ladders stood at, as its streams in the main log say; null when both normal. */
export const carriedBreakers = async (
  store: Pick<EventStore, 'readStream'>,
  runId: string,
): Promise<CarriedBreakers | null> => {
  const level = async (scope: BreakerScope) => {
    let state = initialBreakerState(scope, runId);
    for (const e of await store.readStream(breakerStreamId(scope, runId))) {
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
  return strategy === 'normal' && account === 'normal' ? null : { from: runId, strategy, account };
};

/**
 * The round trips `runId`'s ledger closed (a real run's account is its run id), and what it had lost of
 * the UTC day `now` falls on, from its equity marks and risk checks; null when it has neither.
 */
export const carriedRecord = async (
  store: Pick<EventStore, 'readStream'>,
  venue: string,
  runId: string,
  now: number,
): Promise<CarriedRecord | null> => {
  const nets = roundTripNets(await store.readStream(accountStreamId(venue, runId)));
  const day = utcDayStart(now);
  const marks = (await store.readStream(`run-${runId}`))
    .filter((e) => e.type === 'EquityMarked')
    .map((e) => e.data as { at: number; equity: number });
  const checks = (await store.readStream(riskStreamId(runId)))
    .filter((e) => e.type === 'RiskDecided')
    .map((e) => {
      const c = (e.data as RiskDecidedData).context;
      return {
        at: Date.parse(e.metadata.occurredAt),
        equity: Number(c.equity),
        dayStartEquity: Number(c.dayStartEquity),
      };
    });
  const loss = dayLossSoFar(day, marks, checks);
  if (nets.length === 0 && loss === null) return null;
  return { from: runId, nets, ...(loss !== null ? { dayLoss: { day, loss } } : {}) };
};

/** Both, from the strategy's previous real run (previousRealRun). */
export const carriedOn = async (
  db: ReadModelDb,
  store: Pick<EventStore, 'readStream'>,
  venue: string,
  strategyId: string,
  newRunId: string,
  now: number,
): Promise<CarriedOn> => {
  const from = await previousRealRun(db, strategyId, newRunId);
  if (from === null) return { breakers: null, record: null };
  return {
    breakers: await carriedBreakers(store, from),
    record: await carriedRecord(store, venue, from, now),
  };
};
