import { readDeskLimits } from '../../commands/risk/set-limits.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { accountStreamId } from '../../domain/ledger/account.js';
import type { EvidenceEvent } from '../../domain/lifecycle/evidence.js';
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
  RiskStateCarried,
  riskStreamId,
} from '../../domain/risk/events.js';
import { longestOrderRateWindow } from '../../domain/risk/limits.js';
import { breakerBasis, dayLossSoFar, roundTrips, utcDayStart } from '../../domain/risk/track-record.js';
import type { ReadModelDb } from '../../projections/projection.js';
import type { CarriedBreakers, CarriedRiskState } from '../../replay/engine/config.js';
import { runOrderStreamId } from '../../replay/engine/ledger-desk.js';

/**
 * What a strategy's next real run goes on from: its latest real run's breaker levels and record of round
 * trips. Each start of the node is a new real run, whose ladders would start at normal (their drawdown and
 * losing streak counted afresh) and whose sizing would have no Kelly record (full risk per trade for its
 * first trades), so a restart would undo a `reduce` and a Kelly limit without anyone looking.
 */
export interface CarriedOn {
  readonly breakers: CarriedBreakers | null;
  readonly riskState: CarriedRiskState | null;
  /**
   * The lifecycle evidence of every real run of the strategy since it came to real money, oldest first
   * (priorEvidence): the new run's evidence goes on from them, so a restart does not start the canary's
   * seven days again. Empty when there are none.
   */
  readonly earlierRuns: readonly EarlierRun[];
}

export interface EarlierRun {
  readonly runId: string;
  readonly events: readonly EvidenceEvent[];
}

/**
 * The strategy's latest real run but `newRunId` (which a start tried again may already have recorded), or
 * null: none, or the strategy left real money after it started (demoted, or revoked): coming back took a
 * person's approval, which is a fresh start.
 */
export const previousRealRun = async (
  db: ReadModelDb,
  store: Pick<EventStore, 'readStream'>,
  strategyId: string,
  newRunId: string,
): Promise<string | null> => (await realRunsSinceRealMoney(db, store, strategyId, newRunId)).at(-1) ?? null;

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

/** The orders a run sent, for the order-rate limit its successor counts on with (ordersSent). */
export interface SentOrders {
  /** When it sent them (epoch ms), any order. */
  readonly times: readonly number[];
  /** The longest order-rate window in force: older ones count for no limit. */
  readonly windowMs: number;
}

/**
 * What `runId`'s risk stood at when it ended: the round trips its ledger closed (a real run's account is
 * its run id), what it had lost of the UTC day `now` falls on (from its equity marks and risk checks),
 * what its breaker measured (its drawdown and losing streak since a person's last step-down), and the
 * orders it sent within the order-rate window (`sent`). Null when it holds none of them.
 */
export const carriedRiskState = async (
  store: Pick<EventStore, 'readStream'>,
  venue: string,
  runId: string,
  now: number,
  sent: SentOrders = { times: [], windowMs: 0 },
): Promise<CarriedRiskState | null> => {
  const trips = roundTrips(await store.readStream(accountStreamId(venue, runId)));
  const day = utcDayStart(now);
  const marks = (await store.readStream(`run-${runId}`))
    .filter((e) => e.type === 'EquityMarked')
    .map((e) => e.data as { at: number; equity: number });
  const risk = await store.readStream(riskStreamId(runId));
  // What the run itself went on from, when it did: the chain reaches back past it.
  const carried = risk.find((e) => e.type === 'RiskStateCarried');
  const prior =
    carried === undefined
      ? null
      : { at: Date.parse(carried.metadata.occurredAt), ...RiskStateCarried.schema.parse(carried.data) };
  const checks = risk
    .filter((e) => e.type === 'RiskDecided')
    .map((e) => {
      const c = (e.data as RiskDecidedData).context;
      return {
        at: Date.parse(e.metadata.occurredAt),
        equity: Number(c.equity),
        dayStartEquity: Number(c.dayStartEquity),
      };
    });
  // Its start counts as a check of its own: the day-start equity it set then is the day's, that day.
  if (prior !== null)
    checks.unshift({ at: prior.at, equity: prior.equity, dayStartEquity: prior.dayStartEquity });
  const loss = dayLossSoFar(day, marks, checks);
  const stepDowns: number[] = [];
  for (const scope of ['strategy', 'account'] as const)
    for (const e of await store.readStream(breakerStreamId(scope, runId)))
      if (e.type === 'BreakerStepDownApproved') stepDowns.push((e.data as { at: number }).at);
  const { drawdown, lossStreak } = breakerBasis(
    marks,
    trips,
    stepDowns,
    prior === null ? null : { at: prior.at, peak: prior.breakerPeak, lossStreak: prior.lossStreak },
  );
  const nets = [...(prior?.nets ?? []), ...trips.map((t) => t.net)];
  // Its own marks follow the ones it went on from, which it recorded in its own money.
  const equities = [...(prior?.marks ?? []), ...marks.map((m) => m.equity)].slice(-SLOPE_MARKS_KEPT);
  // The orders of the runs it went on from first: a count per day reaches back over restarts within it.
  const orderTimes = [...(prior?.orderTimes ?? []), ...sent.times]
    .filter((t) => t > now - sent.windowMs && t <= now)
    .sort((a, b) => a - b);
  if (
    nets.length === 0 &&
    loss === null &&
    drawdown === 0 &&
    lossStreak === 0 &&
    equities.length === 0 &&
    orderTimes.length === 0
  )
    return null;
  return {
    from: runId,
    nets,
    ...(equities.length > 0 ? { marks: equities } : {}),
    ...(loss !== null ? { dayLoss: { day, loss } } : {}),
    ...(drawdown > 0 ? { drawdown } : {}),
    ...(lossStreak > 0 ? { lossStreak } : {}),
    ...(orderTimes.length > 0 ? { orderTimes, orderWindowMs: sent.windowMs } : {}),
  };
};

/** One order a run sent: its id (its stream's key), when, and the decision it followed (its correlation). */
export interface SentOrder {
  readonly orderId: string;
  readonly at: number;
  readonly correlationId: string;
}

/**
 * The orders `runId` (trading `strategyId`) sent after `since`, oldest first, from the orders read model,
 * which the node has caught up with the main log before its runs start: every order, its exits and the
 * exchange-side stops too, as the engine counts them.
 */
export const ordersSent = async (
  db: ReadModelDb,
  strategyId: string,
  runId: string,
  since = Number.NEGATIVE_INFINITY,
): Promise<SentOrder[]> => {
  let q = db
    .selectFrom('rm_orders')
    .select(['order_id', 'created_at', 'correlation_id', 'global_position'])
    .where('strategy_id', '=', strategyId)
    .where('account_id', '=', runId);
  if (Number.isFinite(since)) q = q.where('created_at', '>', new Date(since).toISOString());
  const rows = (await q.orderBy('global_position').execute()) as {
    order_id: string;
    created_at: string;
    correlation_id: string;
  }[];
  return rows.map((r) => ({
    orderId: r.order_id,
    at: Date.parse(r.created_at),
    correlationId: r.correlation_id,
  }));
};

/** More marks than any equity slope reads (the engine keeps the last `slopeMarks`, 24 by default). */
const SLOPE_MARKS_KEPT = 500;

/** What a carried risk state holds, in words for the log. */
export const carriedWords = (r: CarriedRiskState): string =>
  [
    `${r.nets.length} round trip(s)`,
    ...(r.dayLoss ? [`${(r.dayLoss.loss * 100).toFixed(2)} % of the day lost`] : []),
    ...(r.drawdown ? [`${(r.drawdown * 100).toFixed(2)} % below its peak`] : []),
    ...(r.lossStreak ? [`${r.lossStreak} loss(es) in a row`] : []),
    ...(r.marks?.length ? [`${r.marks.length} equity mark(s) for the slope`] : []),
    ...(r.orderTimes?.length ? [`${r.orderTimes.length} order(s) within the order-rate window`] : []),
  ].join(', ');

/**
 * `store` with each stream read once: the previous run's streams feed its evidence, its breakers and its
 * risk state alike.
 */
const readOnce = (store: Pick<EventStore, 'readStream'>): Pick<EventStore, 'readStream'> => {
  const read = new Map<string, ReturnType<EventStore['readStream']>>();
  return {
    readStream: (streamId, options) => {
      if (options !== undefined) return store.readStream(streamId, options);
      const seen = read.get(streamId);
      if (seen !== undefined) return seen;
      const r = store.readStream(streamId);
      read.set(streamId, r);
      return r;
    },
  };
};

/**
 * All of it, from the strategy's real runs since it came to real money: the evidence of each, and the
 * breaker levels and risk state of the last (previousRealRun).
 */
export const carriedOn = async (
  db: ReadModelDb,
  store: Pick<EventStore, 'readStream'>,
  venue: string,
  strategyId: string,
  newRunId: string,
  now: number,
): Promise<CarriedOn> => {
  const log = readOnce(store);
  const runs = await realRunsSinceRealMoney(db, log, strategyId, newRunId);
  const earlierRuns: EarlierRun[] = [];
  const sent = new Map<string, SentOrder[]>();
  for (const runId of runs) {
    const orders = await ordersSent(db, strategyId, runId);
    sent.set(runId, orders);
    earlierRuns.push({ runId, events: await priorEvidence(log, venue, runId, orders) });
  }
  const from = runs.at(-1);
  if (from === undefined) return { breakers: null, riskState: null, earlierRuns };
  const windowMs = longestOrderRateWindow((await readDeskLimits(log)).config);
  const times = (sent.get(from) ?? []).map((o) => o.at).filter((t) => t > now - windowMs);
  return {
    breakers: await carriedBreakers(log, from),
    riskState: await carriedRiskState(log, venue, from, now, { times, windowMs }),
    earlierRuns,
  };
};

/**
 * The strategy's real runs but `newRunId` that started after it last left real money (or ever), in the
 * order they started: the runs its lifecycle evidence on real money is made of. "After" and the order are
 * by place in the main log, not by time: the lifecycle's events carry market time, a run's its own.
 */
export const realRunsSinceRealMoney = async (
  db: ReadModelDb,
  store: Pick<EventStore, 'readStream'>,
  strategyId: string,
  newRunId: string,
): Promise<string[]> => {
  const left = (await db
    .selectFrom('rm_lifecycle_history')
    .select(['global_position'])
    .where('strategy_id', '=', strategyId)
    .where('kind', '=', 'stage')
    .where('to_stage', 'not in', ['canary', 'prod'])
    .orderBy('global_position', 'desc')
    .limit(1)
    .executeTakeFirst()) as { global_position: number | string } | undefined;
  const after = left === undefined ? 0 : Number(left.global_position);
  const runs = (await db
    .selectFrom('rm_runs')
    .select(['run_id'])
    .where('strategy_id', '=', strategyId)
    .where('mode', 'in', ['canary', 'live'])
    .where('run_id', '!=', newRunId)
    .execute()) as { run_id: string }[];
  const started: { runId: string; at: number }[] = [];
  for (const r of runs) {
    const [first] = await store.readStream(`run-${r.run_id}`, { limit: 1 });
    if (first !== undefined && first.globalPosition > after)
      started.push({ runId: r.run_id, at: first.globalPosition });
  }
  return started.sort((a, b) => a.at - b.at).map((r) => r.runId);
};

/**
 * What a real run's lifecycle evidence is folded from, as the main log holds it (EvidenceFold): its equity
 * marks, its ledger's fills and liquidations, its breakers' moves, and for the slippage of its fills the
 * price each order was sized at (its risk stream) and those of its `orders` (ordersSent) that followed a
 * sizing, in log order. Only those: an order stream is one read each, and its exits and backstops, most
 * of a run's orders, were sized at no price and carry no slippage figure.
 */
export const priorEvidence = async (
  store: Pick<EventStore, 'readStream'>,
  venue: string,
  runId: string,
  orders: readonly SentOrder[],
): Promise<EvidenceEvent[]> => {
  // Of its risk stream, the sizings only: its risk decisions are most of it, and the evidence reads none.
  const sizings = (await store.readStream(riskStreamId(runId))).filter((e) => e.type === 'PositionSized');
  const sized = new Set(sizings.map((e) => e.metadata.correlationId));
  const streams = [
    `run-${runId}`,
    accountStreamId(venue, runId),
    breakerStreamId('strategy', runId),
    breakerStreamId('account', runId),
    ...orders.filter((o) => sized.has(o.correlationId)).map((o) => runOrderStreamId(o.orderId)),
  ];
  const events = [...sizings];
  for (const s of streams) events.push(...(await store.readStream(s)));
  return events.sort((a, b) => a.globalPosition - b.globalPosition);
};
