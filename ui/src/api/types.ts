/**
 * Response shapes of the HTTP API, as docs/api.md states them. Money and quantities are decimal strings
 * (exact on the wire); ratios and KPIs are numbers. Fields the contract leaves open are typed loosely
 * (`unknown`, records) so a richer server response renders instead of breaking the page.
 */
import type { BreakerLevel } from '../../../domain/risk/breaker-levels';
import type { BacktestRequest } from './schemas';

export type Decimal = string;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Health {
  ok: boolean;
  version?: string;
}

export interface ProjectionStatus {
  name: string;
  position: number;
  head?: number;
  lag: number;
  version?: number;
}

/**
 * A paper run replays history in accelerated time (`feed` 'recorded') or trades a venue's bars as they
 * close ('live'); `simTime` is where its clock is now.
 */
export interface PaperRunStatus {
  runId: string;
  strategyId: string;
  accountId: string;
  symbols: string[];
  feed: 'recorded' | 'live';
  /** `paper`: fills simulated; `canary` and `live` (prod): the run trades the real account. */
  mode: 'paper' | 'canary' | 'live';
  from: string;
  /** Null for a live run without an end. */
  to: string | null;
  simTime: string;
  progress: number | null;
  speed: number;
  state: 'starting' | 'running' | 'finished' | 'failed';
  events: number;
  copied: number;
  error: string | null;
  /** The parameter version it trades, and whether in force, as a canary beside it, or replaced (flat). */
  parameters?: { version: number; role: 'in-force' | 'canary' | 'replaced' };
}

/** The node's re-optimisation scheduler (automation 1); null when it runs elsewhere or is off. */
export interface SchedulerStatus {
  clock: string | null;
  caughtUp: boolean;
  watchedRuns: number;
  requests: number;
  runsStarted: number;
  runsFinished: number;
  superseded: number;
  running: string | null;
  lastError: string | null;
}

/** The exchange the node calls: its rate-limit windows, a stop it said, and what is degraded. */
export interface VenueStatus {
  venue: string;
  rateLimits: { kind: 'weight' | 'orders'; window: string; used: number; limit: number; endsAt: string }[];
  stopped: { until: string; reason: string } | null;
  key: { ipRestricted: boolean; withdrawals: boolean; futures: boolean; refused: string | null } | null;
  clockOffsetMs: number | null;
  waiting: { protect: number; trade: number; read: number };
  degraded: { aspect: 'latency' | 'user-stream' | 'rate-limit' | 'clock'; since: string; detail: string }[];
}

export interface SystemStatus {
  version?: string;
  node?: string;
  store: { kind: string; location: string; head: number };
  projections: ProjectionStatus[];
  paper: PaperRunStatus[];
  venue?: VenueStatus | null;
  scheduler?: SchedulerStatus | null;
}

export interface Account {
  accountId: string;
  venue: string;
  walletBalance: Decimal;
  equity: Decimal;
  unrealisedPnl: Decimal;
  availableBalance: Decimal;
  marginRatio: number | null;
}

export const stopStatuses = ['armed', 'triggered', 'filled', 'cancelled'] as const;
export type StopStatus = (typeof stopStatuses)[number];

export interface PositionStop {
  status: StopStatus;
  price: Decimal | null;
  layer: string | null;
}

export interface Position {
  accountId: string;
  symbol: string;
  side: string;
  quantity: Decimal;
  entryPrice: Decimal;
  markPrice: Decimal | null;
  unrealisedPnl: Decimal;
  leverage: number | string | null;
  stop: PositionStop | null;
  /** The stop ladder's live legs: the protective stop, take-profits, the time stop. */
  legs?: PositionLeg[];
  /** The backstop resting at the exchange (a position on a real account). */
  exchangeStop?: { orderId: string; price: Decimal; status: string } | null;
}

export interface PositionLeg {
  kind: string;
  layer: string;
  status: 'armed' | 'triggered';
  /** Null for the time stop. */
  price: Decimal | null;
  quantity: Decimal;
}

export const orderStatuses = [
  'new',
  'accepted',
  'triggered',
  'partially_filled',
  'filled',
  'rejected',
  'cancelled',
  'expired',
] as const;

export interface Order {
  orderId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: Decimal;
  price: Decimal | null;
  stopPrice: Decimal | null;
  status: string;
  filledQuantity: Decimal;
  averagePrice: Decimal | null;
  strategyId: string | null;
  correlationId: string;
  createdAt: string | number;
  updatedAt: string | number;
}

export interface Fill {
  orderId: string;
  symbol: string;
  side: string;
  quantity: Decimal;
  price: Decimal;
  fee: Decimal;
  realisedPnl: Decimal;
  liquidity: string;
  /** The exchange's own closing order (liquidation, adl, settlement); null for the strategy's fills. */
  forced: string | null;
  at: string | number;
  correlationId: string;
}

export type StrategyState = 'running' | 'stopped' | 'halted';
export type Kpis = Record<string, number | null>;

export interface Strategy {
  strategyId: string;
  /** Its default timeframe. */
  timeframe?: string;
  /** `ticks`: fed trades and books, so a backtest runs over a trade/L2 capture. */
  feeds?: 'bars' | 'ticks';
  version: string;
  paramsVersion: number;
  params: Record<string, unknown>;
  state: StrategyState;
  kpis: Kpis | null;
}

export interface EquityPoint {
  at: string | number;
  equity: number | Decimal;
}

export interface HeatmapCell {
  strategyId: string;
  symbol: string;
  realisedPnl: Decimal;
  unrealisedPnl: Decimal;
}

export interface RuleCheck {
  rule: string;
  kind?: string;
  source?: string;
  unit?: string;
  threshold: number | null;
  requested?: number | null;
  approved?: number | null;
  value?: number | null;
  verdict: string;
  detail?: string;
}

export interface RiskDecision {
  /** The event's id: unique, unlike decisionId, which the engine repeats for its rejected attempts. */
  eventId?: string;
  decisionId: string;
  accountId?: string;
  strategyId: string | null;
  symbol: string;
  outcome: 'approve' | 'resize' | 'reject';
  approvedQuantity?: Decimal;
  checks: RuleCheck[];
  intent?: { side: string; type: string; quantity: Decimal; price: Decimal | null; reduceOnly: boolean };
  context?: Record<string, unknown>;
  occurredAt?: string | number;
  correlationId?: string;
  globalPosition?: number;
}

export interface Breaker {
  scope: string;
  scopeId: string;
  level: BreakerLevel | string;
  since: string | number | null;
  measured: Record<string, number | null> | number | null;
}

/** Where a person may step a run's breakers down to: anything below flatten, which nothing is above. */
export const stepDownTargets = [
  'normal',
  'warn',
  'reduce',
  'halt',
] as const satisfies readonly BreakerLevel[];
export type StepDownTarget = (typeof stepDownTargets)[number];

/** `POST /api/breakers/step-down`: the approver travels as x-perpetua-user and in the body, as elsewhere. */
export interface BreakerStepDownBody {
  runId: string;
  to: StepDownTarget;
  reason: string;
}

export interface BreakerStepDownResult {
  runId: string;
  level: BreakerLevel;
  eventId: string;
}

export const alertSeverities = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** Something a trader must be told, raised by a recorded event (GET /api/alerts). */
export interface Alert {
  globalPosition: number;
  eventId: string;
  /** The event type that raised it. */
  type: string;
  severity: AlertSeverity;
  scope: 'account' | 'strategy' | 'run' | 'system';
  /** The account, strategy or run id it is about. */
  subject: string;
  title: string;
  detail: string;
  occurredAt: string;
  correlationId: string;
}

export interface TimelineItem {
  globalPosition: number;
  eventId: string;
  type: string;
  streamId: string;
  occurredAt: string | number;
  actor: string;
  correlationId: string;
  causationId: string | null;
  summary: string;
}

/** One event of a decision chain. The server may nest the envelope under `event`; see `chainLink()`. */
export interface ChainLink {
  globalPosition?: number;
  eventId?: string;
  type?: string;
  streamId?: string;
  occurredAt?: string | number;
  actor?: string;
  correlationId?: string;
  causationId?: string | null;
  summary?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  event?: ChainLink;
  [key: string]: unknown;
}

/** A cause an event names that the log does not hold: the chain cannot be explained past it. */
export interface BrokenLink {
  eventId: string;
  missingCausationId: string;
  detail: string;
}

export interface DecisionChain {
  /** The id asked for (order, correlation or event) and the chain it resolved to. */
  query?: string;
  correlationId?: string;
  root?: ChainLink | string | null;
  links: ChainLink[];
  broken: (BrokenLink | string)[];
  /** The observed bar as the log recorded it when a live feed gave it; null for bars from the data files. */
  bar?: ChainLink | null;
}

export interface Bar {
  openTime: string | number;
  open: Decimal | number;
  high: Decimal | number;
  low: Decimal | number;
  close: Decimal | number;
  volume: Decimal | number;
}

export type BacktestStatus = 'queued' | 'running' | 'done' | 'failed';

export interface BacktestTrade {
  symbol: string;
  side: 'long' | 'short';
  openedAt: string | number;
  closedAt: string | number | null;
  entryPrice: number | Decimal;
  exitPrice: number | Decimal | null;
  quantity?: number;
  realisedPnl?: number | Decimal;
  fees?: number | Decimal;
  funding?: number | Decimal;
  netPnl?: number | Decimal;
}

export interface BacktestReport {
  kpis: Kpis;
  equity: EquityPoint[];
  trades: BacktestTrade[];
  eventLogHash?: string;
  events?: number;
  /** What the KPIs alone hide: entries too small to place, data short of the range, no funding, a halting breaker. */
  notes?: string[];
}

export interface BacktestRun {
  runId: string;
  status: BacktestStatus;
  progress: number;
  /** What was asked for, as posted. */
  request: BacktestRequest;
  createdAt: string;
  finishedAt?: string | null;
  error: string | null;
  report?: BacktestReport | null;
}
export interface ApiErrorBody {
  error: { code: string; message: string; issues?: unknown[] };
}

export const liveChannels = ['positions', 'orders', 'pnl', 'risk', 'alerts', 'market', 'events'] as const;
export type LiveChannel = (typeof liveChannels)[number];

export interface LiveMessage {
  channel: LiveChannel;
  globalPosition: number;
  data: unknown;
}
