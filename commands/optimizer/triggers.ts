import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { backtestPercentile } from '../../domain/optimizer/backtest-percentile.js';
import { type ReoptimizationRequestedData, reoptimizationStreamId } from '../../domain/optimizer/events.js';
import { annualisedSharpe, drawdown, returnsFromEquity } from '../../domain/optimizer/performance.js';
import { nextCronTime, parseCron } from '../../domain/schedule/cron.js';
import { AggregateRepository } from '../ledger/aggregate.js';

/**
 * Triggers for re-optimisation (automation 1 and the schedule), as commands on the stream
 * `reoptimization-<strategyId>`: each decides from the requests already recorded, so a scheduler that
 * ticks twice, or restarts, requests a run once.
 */

type RequestEvent = { readonly type: 'ReoptimizationRequested'; readonly data: ReoptimizationRequestedData };
type KpiCheck = Extract<ReoptimizationRequestedData['trigger'], { kind: 'kpi' }>['checks'][number];

interface TriggerState {
  readonly requestIds: ReadonlySet<string>;
  /** dueAt of the latest schedule-triggered request, per cron expression. */
  readonly lastDue: ReadonlyMap<string, number>;
  /** occurredAt (ms) of the latest KPI-triggered request. */
  readonly lastKpiAt: number | null;
  /** occurredAt (ms) of the latest volatility-triggered request. */
  readonly lastVolatilityAt: number | null;
}

const initial = (): TriggerState => ({
  requestIds: new Set(),
  lastDue: new Map(),
  lastKpiAt: null,
  lastVolatilityAt: null,
});

const evolveWithTime = (s: TriggerState, e: RequestEvent, at: number): TriggerState => {
  const requestIds = new Set(s.requestIds).add(e.data.requestId);
  const t = e.data.trigger;
  if (t.kind === 'schedule') return { ...s, requestIds, lastDue: new Map(s.lastDue).set(t.cron, t.dueAt) };
  // A person's request neither moves the schedule nor starts the KPI trigger's cooldown.
  if (t.kind === 'manual') return { ...s, requestIds };
  if (t.kind === 'volatility') return { ...s, requestIds, lastVolatilityAt: at };
  return { ...s, requestIds, lastKpiAt: at };
};

export interface ScheduleCommand {
  readonly strategyId: string;
  readonly cron: string;
  /** When the schedule took effect: the first run is the first due time after it. */
  readonly since: number;
  readonly now: number;
}

/**
 * One request for the latest due time ≤ now: a scheduler that was down for three due times catches up
 * with one run, not three. Returns the next due time so the scheduler knows when to wake.
 */
export const decideSchedule = (
  cmd: ScheduleCommand,
  s: TriggerState,
): { events: RequestEvent[]; nextDueAt: number | null } => {
  const cron = parseCron(cmd.cron);
  let due = nextCronTime(cron, s.lastDue.get(cmd.cron) ?? cmd.since);
  let latest: number | null = null;
  while (due !== null && due <= cmd.now) {
    latest = due;
    due = nextCronTime(cron, due);
  }
  if (latest === null) return { events: [], nextDueAt: due };
  const requestId = `${cmd.strategyId}:schedule:${latest}`;
  if (s.requestIds.has(requestId)) return { events: [], nextDueAt: due };
  return {
    events: [
      {
        type: 'ReoptimizationRequested',
        data: {
          strategyId: cmd.strategyId,
          requestId,
          trigger: { kind: 'schedule', cron: cmd.cron, dueAt: latest },
        },
      },
    ],
    nextDueAt: due,
  };
};

export interface KpiThresholds {
  /** Annualised Sharpe over the last `window` returns, ≥. */
  readonly minRollingSharpe: number;
  /** Drawdown from the peak within the window, ≤. */
  readonly maxDrawdown: number;
  /** Returns in the rolling window. */
  readonly window: number;
  /** No second KPI request within this long of the last one (ms, default a day): a run takes time. */
  readonly cooldownMs?: number;
  /**
   * The window's return must beat at least this share of the same-length windows of the out-of-sample
   * backtest behind the parameters in force (design §14; backtest-percentile.ts). Absent: not checked.
   */
  readonly minBacktestPercentile?: number;
}

/** The out-of-sample backtest of the parameters a run trades, on the run's equity-mark grid. */
export interface KpiReference {
  readonly paramsVersion: number;
  readonly optimizerRunId: string;
  readonly equity: readonly number[];
}

export interface KpiCommand {
  readonly strategyId: string;
  /** The strategy's live/paper equity marks, oldest first. */
  readonly equity: readonly number[];
  readonly periodsPerYear: number;
  readonly thresholds: KpiThresholds;
  /** Absent when the parameters in force came from no optimizer run (the schema defaults). */
  readonly reference?: KpiReference;
  readonly now: number;
}

export const decideKpis = (cmd: KpiCommand, s: TriggerState): RequestEvent[] => {
  const { thresholds: th } = cmd;
  const recent = cmd.equity.slice(-(th.window + 1));
  if (recent.length < th.window + 1) return [];
  const sharpe = annualisedSharpe(returnsFromEquity(recent), cmd.periodsPerYear);
  const dd = drawdown(recent).maxDrawdown;
  const checks: KpiCheck[] = [
    {
      kpi: 'rollingSharpe' as const,
      value: Number.isFinite(sharpe) ? sharpe : null,
      comparator: '>=' as const,
      threshold: th.minRollingSharpe,
      // An undefined Sharpe (flat curve) is not evidence of decay.
      breached: Number.isFinite(sharpe) ? sharpe < th.minRollingSharpe : false,
    },
    {
      kpi: 'drawdown' as const,
      value: dd,
      comparator: '<=' as const,
      threshold: th.maxDrawdown,
      breached: dd > th.maxDrawdown,
    },
  ];
  if (th.minBacktestPercentile !== undefined && cmd.reference) {
    const ref = cmd.reference;
    const p = backtestPercentile(recent, ref.equity);
    checks.push({
      kpi: 'backtestPercentile',
      value: p?.percentile ?? null,
      comparator: '>=',
      threshold: th.minBacktestPercentile,
      // A backtest too short to have a distribution is not evidence either way.
      breached: p !== null && p.percentile < th.minBacktestPercentile,
      ...(p && {
        reference: {
          paramsVersion: ref.paramsVersion,
          optimizerRunId: ref.optimizerRunId,
          windows: p.windows,
          liveReturn: p.liveReturn,
          medianReturn: p.medianReturn,
        },
      }),
    });
  }
  if (!checks.some((c) => c.breached)) return [];
  if (s.lastKpiAt !== null && cmd.now - s.lastKpiAt < (th.cooldownMs ?? 86_400_000)) return [];
  return [
    {
      type: 'ReoptimizationRequested',
      data: {
        strategyId: cmd.strategyId,
        requestId: `${cmd.strategyId}:kpi:${cmd.now}`,
        trigger: { kind: 'kpi', checks, window: th.window },
      },
    },
  ];
};

export interface VolatilityCommand {
  readonly strategyId: string;
  readonly symbol: string;
  /** Volatility of the last day as a percentile of the symbol's own earlier days (the hotlist's measure). */
  readonly percentile: number;
  readonly scanId: string;
  /** At or above it the market counts as in a volatility spike (default 0.95). */
  readonly threshold?: number;
  /** No second volatility request within this long of the last (ms, default a week): one per episode. */
  readonly cooldownMs?: number;
  readonly now: number;
}

/**
 * Automation 7's volatility trigger: when a symbol the strategy trades is at the top of its volatility
 * range, re-optimise its parameters for the market it is in now, once per episode.
 */
export const decideVolatility = (cmd: VolatilityCommand, s: TriggerState): RequestEvent[] => {
  const threshold = cmd.threshold ?? 0.95;
  if (!(cmd.percentile >= threshold)) return [];
  if (s.lastVolatilityAt !== null && cmd.now - s.lastVolatilityAt < (cmd.cooldownMs ?? 7 * 86_400_000))
    return [];
  return [
    {
      type: 'ReoptimizationRequested',
      data: {
        strategyId: cmd.strategyId,
        requestId: `${cmd.strategyId}:volatility:${cmd.now}`,
        trigger: {
          kind: 'volatility',
          symbol: cmd.symbol,
          percentile: cmd.percentile,
          threshold,
          scanId: cmd.scanId,
        },
      },
    },
  ];
};

const meta = (strategyId: string, now: number): EventMetadata => ({
  correlationId: `reoptimize:${strategyId}`,
  causationId: null,
  actor: 'system:scheduler',
  mode: 'live',
  occurredAt: new Date(now).toISOString(),
});

/** The scheduler's handlers for both triggers. */
export class ReoptimizationTriggers {
  private readonly repo: AggregateRepository<TriggerState, RequestEvent>;

  constructor(store: EventStore, newEventId: () => string) {
    this.repo = new AggregateRepository(
      store,
      {
        initial,
        // The KPI and volatility cooldowns need the request's time; the aggregate sees only type and data,
        // so it is kept in the request id (`<strategy>:kpi:<ms>`, `<strategy>:volatility:<ms>`).
        evolve: (s, e) =>
          evolveWithTime(s, e, Number(e.data.requestId.split(/:(?:kpi|volatility):/)[1] ?? Number.NaN)),
        types: new Set(['ReoptimizationRequested']),
      },
      newEventId,
    );
  }

  /** The scheduler job: call on every tick (or at the returned time). */
  async schedule(
    cmd: ScheduleCommand,
  ): Promise<{ requested: ReoptimizationRequestedData | null; nextDueAt: number | null }> {
    let nextDueAt: number | null = null;
    const d = await this.repo.execute(
      reoptimizationStreamId(cmd.strategyId),
      (s) => {
        const r = decideSchedule(cmd, s);
        nextDueAt = r.nextDueAt;
        return r.events;
      },
      meta(cmd.strategyId, cmd.now),
    );
    return { requested: d.events[0]?.data ?? null, nextDueAt };
  }

  /**
   * A person's request ("re-optimise now"), at `now` on the market clock the runs follow. One per
   * strategy and millisecond: a double click asks once.
   */
  async manual(strategyId: string, requestedBy: string, now: number): Promise<ReoptimizationRequestedData> {
    const requestId = `${strategyId}:manual:${now}`;
    const d = await this.repo.execute(
      reoptimizationStreamId(strategyId),
      (s): RequestEvent[] =>
        s.requestIds.has(requestId)
          ? []
          : [
              {
                type: 'ReoptimizationRequested',
                data: { strategyId, requestId, trigger: { kind: 'manual', requestedBy } },
              },
            ],
      { ...meta(strategyId, now), actor: `user:${requestedBy}` },
    );
    return d.events[0]?.data ?? { strategyId, requestId, trigger: { kind: 'manual', requestedBy } };
  }

  /** The volatility watcher: call with each hotlist scan's measure of a symbol the strategy trades. */
  async checkVolatility(cmd: VolatilityCommand): Promise<ReoptimizationRequestedData | null> {
    const d = await this.repo.execute(
      reoptimizationStreamId(cmd.strategyId),
      (s) => decideVolatility(cmd, s),
      meta(cmd.strategyId, cmd.now),
    );
    return d.events[0]?.data ?? null;
  }

  /** The KPI watcher: call when new equity marks arrive. */
  async checkKpis(cmd: KpiCommand): Promise<ReoptimizationRequestedData | null> {
    const d = await this.repo.execute(
      reoptimizationStreamId(cmd.strategyId),
      (s) => decideKpis(cmd, s),
      meta(cmd.strategyId, cmd.now),
    );
    return d.events[0]?.data ?? null;
  }
}
