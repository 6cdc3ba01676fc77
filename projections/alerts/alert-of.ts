import type {
  ExchangeRecordUnbookedData,
  RunCompleted,
  SymbolRejoinedData,
  SymbolSetAsideData,
} from '../../domain/backtest/events.js';
import type { EventData } from '../../domain/events/define-event.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { FillSettledData, PositionLiquidatedData } from '../../domain/ledger/events.js';
import type { AccountReconciledData, StrategyStageChangedData } from '../../domain/lifecycle/events.js';
import type {
  ParameterCanaryConcludedData,
  ParameterSetRolledBackData,
  ReoptimizationRequestedData,
} from '../../domain/optimizer/events.js';
import type { BreakerLevelChanged, RiskLimitsSetData } from '../../domain/risk/events.js';
import type { FeedChangeData, VenueHealthChangedData } from '../../domain/system/events.js';

/*
 * What a trader must be told, read off events the log records anyway (design §14): the mapping is one
 * pure function so the read model, the WebSocket channel and the UI's stand-in API cannot disagree.
 */

export const alertSeverities = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];
export const alertScopes = ['account', 'strategy', 'run', 'system'] as const;
export type AlertScope = (typeof alertScopes)[number];

export interface Alert {
  readonly severity: AlertSeverity;
  readonly scope: AlertScope;
  /** The account, strategy or run id the alert is about. */
  readonly subject: string;
  /** One line, with the figures. */
  readonly title: string;
  readonly detail: string;
}

/** The severities at or above `min`, for a "this bad or worse" filter. */
export const severitiesFrom = (min: AlertSeverity): AlertSeverity[] =>
  alertSeverities.slice(alertSeverities.indexOf(min));

/**
 * These happen inside a run, and a backtest's run is research on history: its breakers and liquidations
 * are part of its report, not something to act on now. Optimizer and lifecycle decisions act on what
 * trades now whatever mode wrote them, so they are not screened.
 */
const runEventTypes: ReadonlySet<string> = new Set([
  'BreakerLevelChanged',
  'PositionLiquidated',
  'FillSettled',
  'RunCompleted',
  'ExchangeRecordUnbooked',
  'SymbolSetAside',
  'SymbolRejoined',
  'FeedInterrupted',
  'FeedRestored',
]);

/** Every type alertOf may turn into an alert; the others are never one. */
export const alertEventTypes: readonly string[] = [
  ...runEventTypes,
  'VenueHealthChanged',
  'RiskLimitsSet',
  'ReoptimizationRequested',
  'ParameterSetRolledBack',
  'ParameterCanaryConcluded',
  'StrategyStageChanged',
  'AccountReconciled',
];

type AlertInput = Pick<RecordedEvent, 'type' | 'data' | 'streamId' | 'metadata'>;

/** The alert an event raises, or null when it raises none. */
export const alertOf = (e: AlertInput): Alert | null => {
  if (e.metadata.mode === 'backtest' && runEventTypes.has(e.type)) return null;
  const alert = raise(e);
  return alert === null ? null : { ...alert, title: oneLine(alert.title) };
};

const raise = (e: AlertInput): Alert | null => {
  switch (e.type) {
    case 'BreakerLevelChanged':
      return breaker(e.data as EventData<typeof BreakerLevelChanged>);
    case 'PositionLiquidated':
      return liquidated(accountOf(e.streamId), e.data as PositionLiquidatedData);
    case 'FillSettled':
      return forcedFill(accountOf(e.streamId), e.data as FillSettledData);
    case 'RunCompleted':
      return runFailed(e.metadata.mode, e.data as EventData<typeof RunCompleted>);
    case 'ExchangeRecordUnbooked':
      return unbooked(runOf(e.streamId), e.data as ExchangeRecordUnbookedData);
    case 'SymbolSetAside':
      return setAside(runOf(e.streamId), e.data as SymbolSetAsideData);
    case 'SymbolRejoined':
      return rejoined(runOf(e.streamId), e.data as SymbolRejoinedData);
    case 'FeedInterrupted':
      return feedDown(e.data as FeedChangeData);
    case 'FeedRestored':
      return feedBack(e.data as FeedChangeData);
    case 'VenueHealthChanged':
      return venueHealth(e.data as VenueHealthChangedData);
    case 'RiskLimitsSet':
      return limitsSet(e.data as RiskLimitsSetData);
    case 'ReoptimizationRequested':
      return reoptimization(e.data as ReoptimizationRequestedData);
    case 'ParameterSetRolledBack':
      return rolledBack(e.metadata.actor, e.data as ParameterSetRolledBackData);
    case 'ParameterCanaryConcluded':
      return canaryRolledBack(e.data as ParameterCanaryConcludedData);
    case 'StrategyStageChanged':
      return demoted(e.data as StrategyStageChangedData);
    case 'AccountReconciled':
      return reconciled(e.data as AccountReconciledData);
    default:
      return null;
  }
};

// --- figures ------------------------------------------------------------------------------------------

const fig = (x: number): string => String(Number(x.toPrecision(4)));
const pct = (x: number): string => `${fig(x * 100)}%`;
const duration = (ms: number): string =>
  ms < 120_000
    ? `${fig(ms / 1_000)} s`
    : ms < 7_200_000
      ? `${fig(ms / 60_000)} min`
      : `${fig(ms / 3_600_000)} h`;
const maybe = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : fig(x));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const version = (v: number): string => (v === 0 ? 'the schema defaults' : `v${v}`);

/** Titles are single lines: an error's stack or a person's note may hold newlines. */
const oneLine = (s: string, max = 300): string => {
  const flat = s.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** `account-<venue>:<accountId>` holds the ledger; the id alone is what the other screens show. */
const accountOf = (streamId: string): string => {
  const m = /^account-[^:]+:(.+)$/.exec(streamId);
  return m ? m[1]! : streamId;
};
const runOf = (streamId: string): string => (streamId.startsWith('run-') ? streamId.slice(4) : streamId);

// --- risk ---------------------------------------------------------------------------------------------

/** Each metric in the unit docs/risk.md states it in; a metric added later reads as a plain number. */
const metricText: Record<string, (v: number) => string> = {
  drawdown: pct,
  errorRate: pct,
  marginRatio: pct,
  slippage: (v) => `${fig(v)} bp`,
  staleness: duration,
};
const metricName: Record<string, string> = {
  lossStreak: 'loss streak',
  errorRate: 'error rate',
  marginRatio: 'margin ratio',
};
const measure = (metric: string, v: number): string => (metricText[metric] ?? fig)(v);

/** What the ladder does at each level, so the alert says what it means for the positions. */
const levelEffect: Record<string, string> = {
  normal: 'trading as usual',
  warn: 'no restriction yet',
  reduce: 'new positions are sized down',
  halt: 'no new entries; open positions are kept',
  flatten: 'open positions are being closed',
};

const breaker = (d: EventData<typeof BreakerLevelChanged>): Alert => {
  const who = `${d.scope === 'account' ? 'Account' : 'Strategy'} ${d.scopeId}`;
  const measured = Object.entries(d.measured)
    .filter((kv): kv is [string, number] => typeof kv[1] === 'number')
    .map(([k, v]) => `${metricName[k] ?? k} ${measure(k, v)}`)
    .join(', ');
  const effect = levelEffect[d.to] ?? '';
  if (d.direction === 'down')
    return {
      severity: 'info',
      scope: d.scope,
      subject: d.scopeId,
      title: `${who} breaker stepped down ${d.from} → ${d.to}, approved by ${d.approvedBy ?? 'nobody recorded'}`,
      detail: `${effect}. Measured: ${measured}`,
    };
  if (d.carriedFrom !== undefined)
    return {
      severity: d.to === 'halt' || d.to === 'flatten' ? 'critical' : 'warning',
      scope: d.scope,
      subject: d.scopeId,
      title: `${who} breaker starts at ${d.to}, where the run before it (${d.carriedFrom}) stood; a person steps it down`,
      detail: `${effect}. Measured: ${measured}`,
    };
  // The worst first: that is the one that set the level.
  const order = ['warn', 'reduce', 'halt', 'flatten'];
  const tripped = [...d.triggers]
    .sort((a, b) => order.indexOf(b.level) - order.indexOf(a.level))
    .map(
      (t) =>
        `${metricName[t.metric] ?? t.metric} ${measure(t.metric, t.value)} ≥ ${measure(t.metric, t.threshold)} (${t.level})`,
    );
  return {
    severity: d.to === 'halt' || d.to === 'flatten' ? 'critical' : 'warning',
    scope: d.scope,
    subject: d.scopeId,
    title: `${who} breaker ${d.from} → ${d.to}${tripped.length ? `: ${tripped.join('; ')}` : ''}`,
    detail: `${effect}. Measured: ${measured}`,
  };
};

// --- ledger -------------------------------------------------------------------------------------------

const sideOf = (quantity: string, positionSide: string): string =>
  positionSide === 'LONG' || positionSide === 'SHORT'
    ? positionSide.toLowerCase()
    : quantity.startsWith('-')
      ? 'short'
      : 'long';
const unsigned = (q: string): string => (q.startsWith('-') ? q.slice(1) : q);

const liquidated = (account: string, d: PositionLiquidatedData): Alert => ({
  severity: 'critical',
  scope: 'account',
  subject: account,
  title: `${d.symbol} ${sideOf(d.quantity, d.positionSide)} ${unsigned(d.quantity)} liquidated on account ${account} at mark ${d.markPrice}: realised ${d.realisedPnl}`,
  detail:
    `Margin balance ${d.marginBalance} ≤ maintenance margin ${d.maintenanceMargin}; entry ${d.entryPrice}, ${d.marginType} margin.` +
    (d.insuranceFundCovered ? ` The insurance fund covered ${d.insuranceFundCovered} past the margin.` : ''),
});

const forcedWords: Record<string, { severity: AlertSeverity; what: string }> = {
  liquidation: { severity: 'critical', what: 'liquidated' },
  adl: { severity: 'warning', what: 'auto-deleveraged (ADL)' },
  settlement: { severity: 'warning', what: 'settled (delisting)' },
};

/** The exchange's own closing order on a real account: a liquidation seen from the venue's side. */
const forcedFill = (account: string, d: FillSettledData): Alert | null => {
  if (d.forced === undefined) return null;
  const w = forcedWords[d.forced] ?? { severity: 'warning' as const, what: d.forced };
  return {
    severity: w.severity,
    scope: 'account',
    subject: account,
    title: `Exchange ${w.what} ${d.symbol} on account ${account}: ${d.side} ${d.quantity} @ ${d.price}, realised ${d.realisedPnl}`,
    detail: `Position after it: ${d.positionQuantity}${d.strategyId ? `; strategy ${d.strategyId}` : ''}. Exchange order ${d.orderId}, trade ${d.tradeId}.`,
  };
};

// --- runs ---------------------------------------------------------------------------------------------

const runFailed = (mode: string, d: EventData<typeof RunCompleted>): Alert | null =>
  d.reason !== 'failed'
    ? null
    : {
        severity: 'critical',
        scope: 'run',
        subject: d.runId,
        title: `${mode} run ${d.runId} failed: ${d.error ?? 'no error recorded'}`,
        detail: `${d.error ?? ''}\nStopped after ${d.bars} bars with equity ${fig(d.finalEquity)}.`.trim(),
      };

const unbookedWhat: Record<string, (d: ExchangeRecordUnbookedData) => string> = {
  'forced-fill': (d) => `the exchange closed ${unsigned(d.amount)} ${d.unit} more than the run held`,
  funding: (d) => `funding ${d.amount} ${d.unit} on a position the run does not hold`,
  'clearance-fee': (d) => `a liquidation clearance fee of ${d.amount} ${d.unit}`,
};

const unbooked = (run: string, d: ExchangeRecordUnbookedData): Alert => ({
  severity: 'warning',
  scope: 'run',
  subject: run,
  title: `Run ${run}, ${d.symbol}: ${(unbookedWhat[d.record] ?? ((x) => `${x.record} ${x.amount} ${x.unit}`))(d)}; not booked`,
  detail: `${d.why} (exchange record ${d.ref} at ${new Date(d.time).toISOString()})`,
});

const setAside = (run: string, d: SymbolSetAsideData): Alert => ({
  severity: 'warning',
  scope: 'run',
  subject: run,
  title: `Run ${run} set ${d.symbol} aside on ${d.venue}: no bar for ${duration(d.waitedMs)} past its close (position ${d.position})`,
  detail: `${d.why}. Last bar replayed closed at ${new Date(d.lastBarClose).toISOString()}; a position is still watched by its stops on the venue's marks.`,
});

const rejoined = (run: string, d: SymbolRejoinedData): Alert => ({
  severity: 'info',
  scope: 'run',
  subject: run,
  title: `Run ${run}: ${d.symbol} is back on ${d.venue}, ${plural(d.skippedBars, 'bar')} skipped (position ${d.position})`,
  detail: `Replayed again from the bar opening ${new Date(d.firstBarOpen).toISOString()}.`,
});

const feedWhat = (d: FeedChangeData): string =>
  d.feed === 'bars'
    ? `${d.symbol ?? 'a symbol'}'s bars`
    : d.feed === 'venue'
      ? 'the venue (bar fetches)'
      : `mark prices${d.symbol ? ` of ${d.symbol}` : ''}`;
const runName = (d: FeedChangeData): string => `${d.mode} run ${d.runId} (${d.strategyId})`;

/** With real money on it a run without its feed trades blind: that is critical, on paper a warning. */
const feedDown = (d: FeedChangeData): Alert => ({
  severity: d.mode === 'paper' ? 'warning' : 'critical',
  scope: 'run',
  subject: d.runId,
  title: `Feed interrupted for ${runName(d)}: ${feedWhat(d)} since ${new Date(d.since).toISOString()}`,
  detail: d.detail,
});

const feedBack = (d: FeedChangeData): Alert => ({
  severity: 'info',
  scope: 'run',
  subject: d.runId,
  title: `Feed restored for ${runName(d)}: ${feedWhat(d)} back after ${duration(Math.max(0, d.at - d.since))}`,
  detail: d.detail,
});

const VENUE_DOWN: Record<VenueHealthChangedData['aspect'], string> = {
  latency: 'orders are slow',
  'user-stream': 'user stream (fills, order updates) lost',
  'rate-limit': 'rate limit hit, nothing is sent',
  clock: "this machine's clock is off the exchange's",
};

const VENUE_BACK: Record<VenueHealthChangedData['aspect'], string> = {
  latency: 'orders fast again',
  'user-stream': 'user stream back',
  'rate-limit': 'calls go through again',
  clock: 'clock in step again',
};

/**
 * The real account's venue. A slow venue or a 429 is a warning (orders still go through, late); a lost
 * user stream is critical (fills then reach the ledger only through lookups), and so is a 418 ban: not
 * even a cancel can be sent until it ends.
 */
const venueHealth = (d: VenueHealthChangedData): Alert => {
  if (d.state === 'degraded') {
    const critical = d.aspect === 'user-stream' || (d.aspect === 'rate-limit' && d.rate?.status === 418);
    const what = d.rate?.status === 418 ? 'IP banned by the exchange' : VENUE_DOWN[d.aspect];
    return {
      severity: critical ? 'critical' : 'warning',
      scope: 'system',
      subject: d.venue,
      title: `${d.venue}: ${what} since ${new Date(d.since).toISOString()}${d.rate ? `, until ${new Date(d.rate.until).toISOString()}` : ''}`,
      detail: d.detail,
    };
  }
  return {
    severity: 'info',
    scope: 'system',
    subject: d.venue,
    title: `${d.venue}: ${VENUE_BACK[d.aspect]} after ${duration(Math.max(0, d.at - d.since))}`,
    detail: d.detail,
  };
};

/** A person changed what every run's risk check judges by: the desk must know who, what and why. */
const limitsSet = (d: RiskLimitsSetData): Alert => {
  const fields = Object.entries(d.limits).map(
    ([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') || 'none' : String(v)}`,
  );
  const layer = d.scope === 'defaults' ? 'desk defaults' : `${d.scope} ${d.key}`;
  return {
    severity: 'info',
    scope: 'system',
    subject: d.scope === 'defaults' ? 'desk' : `${d.scope}:${d.key}`,
    title: `Risk limits of the ${layer} set by ${d.approver}: ${fields.length ? fields.join(', ') : 'override removed'}`,
    detail: `${d.reason}. Every run takes it from its next decision.`,
  };
};

// --- optimizer ----------------------------------------------------------------------------------------

/**
 * KPI names are read as recorded: the watcher gains KPIs (backtestPercentile) and each one still reads
 * "name value, needs comparator threshold".
 */
const kpiCheck = (c: { kpi: string; value: number | null; comparator: string; threshold: number }): string =>
  `${c.kpi} ${maybe(c.value)} (needs ${c.comparator === '>=' ? '≥' : c.comparator === '<=' ? '≤' : c.comparator} ${fig(c.threshold)})`;

const reoptimization = (d: ReoptimizationRequestedData): Alert | null => {
  const t = d.trigger;
  if (t.kind === 'kpi') {
    const checks = t.checks as readonly {
      kpi: string;
      value: number | null;
      comparator: string;
      threshold: number;
      breached: boolean;
    }[];
    const breached = checks.filter((c) => c.breached);
    return {
      severity: 'warning',
      scope: 'strategy',
      subject: d.strategyId,
      title: `${d.strategyId} KPIs breached, re-optimising: ${(breached.length ? breached : checks).map(kpiCheck).join('; ')}`,
      detail: `Over the last ${plural(t.window, 'return')}: ${checks.map((c) => `${kpiCheck(c)} ${c.breached ? 'breached' : 'ok'}`).join('; ')}.`,
    };
  }
  if (t.kind === 'volatility')
    return {
      severity: 'info',
      scope: 'strategy',
      subject: d.strategyId,
      title: `${t.symbol} volatility at the ${fig(t.percentile * 100)}th percentile of its range (trigger ${fig(t.threshold * 100)}th): re-optimising ${d.strategyId}`,
      detail: `From hotlist scan ${t.scanId}.`,
    };
  // A schedule's or a person's request is routine, not news.
  return null;
};

const rolledBack = (actor: string, d: ParameterSetRolledBackData): Alert => ({
  severity: 'warning',
  scope: 'strategy',
  subject: d.strategyId,
  title: `${d.strategyId} parameters rolled back from ${version(d.fromVersion)} to ${version(d.toVersion)}: ${d.reason}`,
  detail: `By ${actor}. In force now: ${JSON.stringify(d.params)}`,
});

const canaryRolledBack = (d: ParameterCanaryConcludedData): Alert | null => {
  if (d.outcome !== 'rolled-back') return null;
  const failed = d.checks.filter((c) => !c.pass);
  return {
    severity: 'warning',
    scope: 'strategy',
    subject: d.strategyId,
    title: `${d.strategyId} canary v${d.version} rolled back (${d.by}), ${version(d.incumbentVersion)} stays in force: ${d.reason}`,
    detail: failed.map((c) => `${c.name} ${maybe(c.value)} vs ${fig(c.threshold)}: ${c.detail}`).join('; '),
  };
};

// --- lifecycle ----------------------------------------------------------------------------------------

const demoted = (d: StrategyStageChangedData): Alert | null =>
  d.reason !== 'demoted'
    ? null
    : {
        severity: 'warning',
        scope: 'strategy',
        subject: d.strategyId,
        title: `${d.strategyId} demoted from ${d.from} to ${d.to}${d.detail ? `: ${d.detail}` : ''}`,
        detail: d.checks
          .filter((c) => !c.pass)
          .map((c) => `${c.name} ${maybe(c.value)} vs ${fig(c.threshold)}: ${c.detail}`)
          .join('; '),
      };

const reconciled = (d: AccountReconciledData): Alert => {
  const differing = d.rows.filter((r) => r.exchange !== r.ledger);
  const rows = differing.map((r) => `${r.symbol} exchange ${r.exchange}, ledgers ${r.ledger}`).join('; ');
  const runs = `Runs summed: ${d.runs.join(', ') || 'none'}.`;
  if (!d.matched)
    return {
      severity: 'critical',
      scope: 'account',
      subject: d.venue,
      title: `The ${d.venue} account differs from the real runs' ledgers: ${rows}`,
      detail: `Every strategy is taken off real money until it matches again. ${runs}`,
    };
  const unexplained = d.wallet && Number(d.wallet.unexplained) !== 0 ? d.wallet : null;
  if (unexplained)
    return {
      severity: 'warning',
      scope: 'account',
      subject: d.venue,
      title: `The ${d.venue} wallet holds ${unexplained.unexplained} ${unexplained.asset} the real runs' ledgers do not explain`,
      detail: `A transfer, a trade made by hand, or a charge not booked. Positions match. ${runs}`,
    };
  return {
    severity: 'info',
    scope: 'account',
    subject: d.venue,
    title: `The ${d.venue} account matches the real runs' ledgers`,
    detail: runs,
  };
};
