import { type BreakerLevel, breakerLevels, levelIndex } from './breaker-levels.js';

/**
 * The breaker ladder for one scope (an account or a strategy) as a decider. Measurements push it up
 * at once, as far as the worst of them warrants; it never comes down on its own. Stepping down takes a
 * person's approval, only after the cooldown since the last transition, and only to a level the
 * current measurements allow: a recovered number alone does not reopen trading.
 */
export const breakerMetrics = [
  'drawdown',
  'lossStreak',
  'slippage',
  'errorRate',
  'staleness',
  'marginRatio',
] as const;
export type BreakerMetric = (typeof breakerMetrics)[number];

export interface BreakerMeasurements {
  /** Fraction below the equity peak (0..1). */
  readonly drawdown: number;
  /** Consecutive losing trades, most recent first. */
  readonly lossStreak: number;
  /** Realised slippage beyond the cost model, in basis points (average over the recent fills). */
  readonly slippage: number;
  /** Share of recent orders rejected by the venue or failed (0..1). */
  readonly errorRate: number;
  /** Age of the newest market data, ms. */
  readonly staleness: number;
  /**
   * The cross account's margin ratio, as the venue computes it: maintenance margin ÷ margin balance (wallet
   * plus unrealised PnL). The venue liquidates at 1; the ladder flattens before that, so the account pays
   * a market exit rather than the liquidation fee and the insurance fund's clearance.
   */
  readonly marginRatio: number;
}

export type TrippingLevel = Exclude<BreakerLevel, 'normal'>;
export type LevelThresholds = Readonly<Partial<Record<TrippingLevel, number>>>;

export interface BreakerParams {
  /**
   * A metric at or above a level's threshold trips that level; omitted levels never trip. A ladder
   * recorded before a metric existed has no entry for it, and that metric never trips it.
   */
  readonly thresholds: Readonly<Partial<Record<BreakerMetric, LevelThresholds>>>;
  /** Minimum time at a level before it may be stepped down. */
  readonly cooldownMs: number;
}

export const defaultBreakerParams: BreakerParams = {
  thresholds: {
    drawdown: { warn: 0.05, reduce: 0.08, halt: 0.12, flatten: 0.2 },
    lossStreak: { warn: 4, reduce: 6, halt: 9 },
    slippage: { warn: 10, reduce: 25, halt: 50 },
    errorRate: { warn: 0.05, reduce: 0.1, halt: 0.25 },
    staleness: { warn: 30_000, halt: 120_000 },
    // Binance liquidates at 100 %; a loss that takes the ratio from 90 % to 100 % is a tenth of the margin
    // balance, which a market exit at 90 % keeps.
    marginRatio: { warn: 0.5, reduce: 0.65, halt: 0.8, flatten: 0.9 },
  },
  cooldownMs: 3_600_000,
};

export type BreakerScope = 'account' | 'strategy';

export interface BreakerState {
  readonly scope: BreakerScope;
  readonly scopeId: string;
  readonly level: BreakerLevel;
  /** Domain time of the last transition (null: never moved). */
  readonly since: number | null;
  /** An approval recorded but whose transition has not been applied yet. */
  readonly pendingApproval: {
    readonly approver: string;
    readonly from: BreakerLevel;
    readonly to: BreakerLevel;
  } | null;
}

export const initialBreakerState = (scope: BreakerScope, scopeId: string): BreakerState => ({
  scope,
  scopeId,
  level: 'normal',
  since: null,
  pendingApproval: null,
});

export interface BreakerTrigger {
  readonly metric: BreakerMetric;
  readonly level: TrippingLevel;
  readonly value: number;
  readonly threshold: number;
}

/** The level the measurements alone call for, with every metric that reached a level. */
export const measuredLevel = (
  p: BreakerParams,
  m: BreakerMeasurements,
): { level: BreakerLevel; triggers: BreakerTrigger[] } => {
  let level: BreakerLevel = 'normal';
  const triggers: BreakerTrigger[] = [];
  for (const metric of breakerMetrics) {
    // Absent in measurements recorded before the metric existed: not measured, so not judged.
    const value = (m as Partial<BreakerMeasurements>)[metric];
    const levels = p.thresholds[metric];
    if (value === undefined || levels === undefined) continue;
    let hit: BreakerTrigger | null = null;
    for (const l of breakerLevels) {
      if (l === 'normal') continue;
      const t = levels[l];
      // NaN counts as tripping the worst configured level: a metric that cannot be computed is not safe.
      if (t !== undefined && (value >= t || Number.isNaN(value)))
        hit = { metric, level: l, value, threshold: t };
    }
    if (hit) {
      triggers.push(hit);
      if (levelIndex(hit.level) > levelIndex(level)) level = hit.level;
    }
  }
  return { level, triggers };
};

export interface BreakerLevelChangedData {
  readonly scope: BreakerScope;
  readonly scopeId: string;
  readonly from: BreakerLevel;
  readonly to: BreakerLevel;
  readonly direction: 'up' | 'down';
  readonly at: number;
  readonly measured: BreakerMeasurements;
  readonly triggers: readonly BreakerTrigger[];
  readonly thresholds: BreakerParams['thresholds'];
  readonly cooldownMs: number;
  /** Set exactly when the breaker steps down. */
  readonly approvedBy: string | null;
  /**
   * The earlier run whose ladder this one starts at (CarryBreaker): a real run started again (a restart,
   * a parameter version's hand-over) takes the level its predecessor had reached, not `normal`.
   */
  readonly carriedFrom?: string;
}

export interface BreakerStepDownApprovedData {
  readonly scope: BreakerScope;
  readonly scopeId: string;
  readonly approver: string;
  readonly from: BreakerLevel;
  readonly to: BreakerLevel;
  readonly reason: string;
  readonly at: number;
  readonly measured: BreakerMeasurements;
}

export type BreakerEvent =
  | { readonly type: 'BreakerLevelChanged'; readonly data: BreakerLevelChangedData }
  | { readonly type: 'BreakerStepDownApproved'; readonly data: BreakerStepDownApprovedData };

export class BreakerRuleError extends Error {
  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`${rule}: ${detail}`);
    this.name = 'BreakerRuleError';
  }
}

export interface ObserveBreaker {
  readonly kind: 'ObserveBreaker';
  readonly at: number;
  readonly measured: BreakerMeasurements;
}

export interface ApproveStepDown {
  readonly kind: 'ApproveStepDown';
  readonly at: number;
  /** Who approved (`user:<id>`); never a system actor. */
  readonly approver: string;
  readonly to: BreakerLevel;
  readonly reason: string;
  /** Measurements at the time of approval; they must not call for a level above `to`. */
  readonly measured: BreakerMeasurements;
}

/**
 * A new run of a strategy that trades on (a real run started again after a restart, or the run of a
 * parameter version taking over) starts its ladder where its predecessor's stood. Measurements alone
 * would start it at `normal`: what tripped the earlier ladder (its drawdown, its losing streak) is
 * counted from the new run's start, so a restart would undo the protection without anyone looking.
 * Only up: a ladder never comes down without a person.
 */
export interface CarryBreaker {
  readonly kind: 'CarryBreaker';
  readonly at: number;
  readonly level: BreakerLevel;
  /** The earlier ladder's scope id (its run). */
  readonly from: string;
  readonly measured: BreakerMeasurements;
}

export type BreakerCommand = ObserveBreaker | ApproveStepDown | CarryBreaker;

const copyThresholds = (p: BreakerParams): BreakerParams['thresholds'] =>
  Object.fromEntries(breakerMetrics.map((m) => [m, { ...p.thresholds[m] }])) as BreakerParams['thresholds'];

export const decideBreaker = (
  state: BreakerState,
  p: BreakerParams,
  cmd: BreakerCommand,
): readonly BreakerEvent[] => {
  const { level, triggers } = measuredLevel(p, cmd.measured);
  // Observations arrive every bar and almost never move the level: return before copying anything.
  if (cmd.kind === 'ObserveBreaker' && levelIndex(level) <= levelIndex(state.level)) return [];
  const base = {
    scope: state.scope,
    scopeId: state.scopeId,
    at: cmd.at,
    measured: { ...cmd.measured },
    thresholds: copyThresholds(p),
    cooldownMs: p.cooldownMs,
  };
  if (cmd.kind === 'CarryBreaker') {
    if (levelIndex(cmd.level) <= levelIndex(state.level)) return [];
    return [
      {
        type: 'BreakerLevelChanged',
        data: {
          ...base,
          from: state.level,
          to: cmd.level,
          direction: 'up',
          triggers: [],
          approvedBy: null,
          carriedFrom: cmd.from,
        },
      },
    ];
  }
  if (cmd.kind === 'ObserveBreaker') {
    if (levelIndex(level) <= levelIndex(state.level)) return [];
    return [
      {
        type: 'BreakerLevelChanged',
        data: { ...base, from: state.level, to: level, direction: 'up', triggers, approvedBy: null },
      },
    ];
  }
  const refuse = (rule: string, detail: string): never => {
    throw new BreakerRuleError(rule, detail);
  };
  if (!cmd.approver.startsWith('user:') || cmd.approver.length <= 'user:'.length) {
    refuse('approver-must-be-a-person', `approver "${cmd.approver}" is not a user:<id>`);
  }
  if (levelIndex(cmd.to) >= levelIndex(state.level)) {
    refuse('not-a-step-down', `breaker is at ${state.level}; ${cmd.to} is not below it`);
  }
  if (state.since !== null && cmd.at - state.since < p.cooldownMs) {
    refuse('cooldown', `at ${state.level} since ${state.since}; cooldown of ${p.cooldownMs} ms not over`);
  }
  if (levelIndex(level) > levelIndex(cmd.to)) {
    refuse('measurements-still-breach', `measurements call for ${level}, above the requested ${cmd.to}`);
  }
  return [
    {
      type: 'BreakerStepDownApproved',
      data: {
        scope: state.scope,
        scopeId: state.scopeId,
        approver: cmd.approver,
        from: state.level,
        to: cmd.to,
        reason: cmd.reason,
        at: cmd.at,
        measured: { ...cmd.measured },
      },
    },
    {
      type: 'BreakerLevelChanged',
      data: { ...base, from: state.level, to: cmd.to, direction: 'down', triggers, approvedBy: cmd.approver },
    },
  ];
};

/** Folds the ladder's events; a step down without the approval just before it is corrupt history. */
export const evolveBreaker = (state: BreakerState, e: BreakerEvent): BreakerState => {
  if (e.type === 'BreakerStepDownApproved') {
    return { ...state, pendingApproval: { approver: e.data.approver, from: e.data.from, to: e.data.to } };
  }
  const d = e.data;
  if (d.direction === 'down') {
    const a = state.pendingApproval;
    if (!a || a.approver !== d.approvedBy || a.from !== d.from || a.to !== d.to) {
      throw new BreakerRuleError('step-down-without-approval', `${state.scopeId}: ${d.from} → ${d.to}`);
    }
  }
  return { ...state, level: d.to, since: d.at, pendingApproval: null };
};

// --- measurement helpers -------------------------------------------------------------------------

/** Drawdown of the last point of an equity curve from its running peak. */
export const drawdownOf = (equity: readonly number[]): number => {
  let peak = Number.NEGATIVE_INFINITY;
  for (const e of equity) if (e > peak) peak = e;
  const last = equity[equity.length - 1];
  return last === undefined || !(peak > 0) ? 0 : Math.max(0, (peak - last) / peak);
};

/** Losing trades in a row at the end of the list (a zero PnL trade breaks the streak). */
export const trailingLossStreak = (tradePnls: readonly number[]): number => {
  let n = 0;
  for (let i = tradePnls.length - 1; i >= 0 && tradePnls[i]! < 0; i--) n++;
  return n;
};
