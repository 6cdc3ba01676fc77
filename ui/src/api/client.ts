import type {
  Hotlist,
  HotlistActionResult,
  HotlistApproveBody,
  HotlistDeclineBody,
  HotlistRemoveBody,
} from './hotlist-types';
import type {
  Lifecycle,
  LifecycleActionResult,
  LifecycleApproveBody,
  LifecycleReasonBody,
} from './lifecycle-types';
import type {
  OptimizerRun,
  OptimizerRunDetail,
  ParameterAction,
  ParameterVersions,
  Trials,
} from './optimizer-types';
import type { Portfolio, RebalanceAccepted } from './portfolio-types';
import type { RiskLimitsView, SetRiskLimitsBody, SetRiskLimitsResult } from './risk-limits-types';
import type { BacktestRequest } from './schemas';
import type {
  Account,
  Alert,
  AlertSeverity,
  ApiErrorBody,
  BacktestRun,
  Bar,
  Breaker,
  BreakerStepDownBody,
  BreakerStepDownResult,
  DecisionChain,
  EquityPoint,
  Fill,
  Health,
  HeatmapCell,
  Order,
  Page,
  Position,
  RiskDecision,
  Strategy,
  SystemStatus,
  TimelineItem,
} from './types';

/** An API error with the server's code and, for 400/422, zod's issues so a form can show them by field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | undefined | null>;

const withQuery = (path: string, query?: Query): string => {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    // Empty filters mean "any": the server would reject an empty string as a value.
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
};

const isErrorBody = (x: unknown): x is ApiErrorBody =>
  typeof x === 'object' && x !== null && 'error' in x && typeof (x as ApiErrorBody).error === 'object';

/** The flat error shape, `{ error: <code>, message }`, as the hotlist routes' contract states it. */
const isFlatErrorBody = (x: unknown): x is { error: string; message?: unknown; issues?: unknown } =>
  typeof x === 'object' && x !== null && typeof (x as { error?: unknown }).error === 'string';

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: {
      accept: 'application/json',
      ...(init?.body ? { 'content-type': 'application/json' } : {}),
      // Callers add their own (the approver's x-perpetua-user) on top of the defaults.
      ...(init?.headers as Record<string, string> | undefined),
    },
  });
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    if (isErrorBody(body)) {
      throw new ApiError(res.status, body.error.code, body.error.message, body.error.issues ?? []);
    }
    if (isFlatErrorBody(body)) {
      const message = typeof body.message === 'string' && body.message ? body.message : body.error;
      throw new ApiError(res.status, body.error, message, Array.isArray(body.issues) ? body.issues : []);
    }
    throw new ApiError(res.status, 'http', `${res.status} ${res.statusText}`);
  }
  return body as T;
}

export type OrderFilters = { symbol?: string; strategyId?: string; status?: string };
export type FillFilters = { orderId?: string; symbol?: string };
export type TimelineFilters = {
  from?: string;
  to?: string;
  strategy?: string;
  symbol?: string;
  actor?: string;
  type?: string;
  correlationId?: string;
};
export type Paging = { limit?: number; cursor?: string | null };
/** The least severe alert to list: `warning` lists warnings and critical ones. */
export type AlertFilters = { severity?: AlertSeverity };

const enc = encodeURIComponent;

/** One function per route of docs/api.md; the only place the UI knows URLs. */
export const api = {
  health: () => request<Health>('/api/health'),
  status: () => request<SystemStatus>('/api/status'),
  accounts: () => request<Account[]>('/api/accounts'),
  positions: (accountId?: string) => request<Position[]>(withQuery('/api/positions', { accountId })),
  orders: (f: OrderFilters & Paging = {}) => request<Page<Order>>(withQuery('/api/orders', f)),
  fills: (f: FillFilters & Paging = {}) => request<Page<Fill>>(withQuery('/api/fills', f)),
  strategies: () => request<Strategy[]>('/api/strategies'),
  strategyEquity: (id: string) => request<EquityPoint[]>(`/api/strategies/${enc(id)}/equity`),
  heatmap: () => request<HeatmapCell[]>('/api/pnl/heatmap'),
  riskDecisions: (f: { outcome?: string } & Paging = {}) =>
    request<Page<RiskDecision>>(withQuery('/api/risk/decisions', f)),
  breakers: () => request<Breaker[]>('/api/breakers'),
  /** A person steps a paper run's breakers down; as elsewhere the header authorises, the body records who. */
  stepDownBreaker: (approver: string, body: BreakerStepDownBody) =>
    request<BreakerStepDownResult>('/api/breakers/step-down', {
      method: 'POST',
      body: JSON.stringify({ ...body, approver }),
      headers: { 'x-perpetua-user': approver },
    }),
  riskLimits: () => request<RiskLimitsView>('/api/risk/limits'),
  /** A person sets one layer of the desk's limits; as elsewhere the header authorises, the body records who. */
  setRiskLimits: (approver: string, body: SetRiskLimitsBody) =>
    request<SetRiskLimitsResult>('/api/risk/limits', {
      method: 'POST',
      body: JSON.stringify({ ...body, approver }),
      headers: { 'x-perpetua-user': approver },
    }),
  alerts: (f: AlertFilters & Paging = {}) => request<Page<Alert>>(withQuery('/api/alerts', f)),
  timeline: (f: TimelineFilters & Paging = {}) =>
    request<Page<TimelineItem>>(withQuery('/api/audit/timeline', f)),
  chain: (id: string) => request<DecisionChain>(`/api/audit/chains/${enc(id)}`),
  bars: (symbol: string, q: { timeframe?: string; from?: string; to?: string } = {}) =>
    request<Bar[]>(withQuery(`/api/market/${enc(symbol)}/bars`, q)),
  backtests: () => request<BacktestRun[] | Page<BacktestRun>>('/api/backtests'),
  backtest: (runId: string) => request<BacktestRun>(`/api/backtests/${enc(runId)}`),
  startBacktest: (body: BacktestRequest) =>
    request<{ runId: string }>('/api/backtests', { method: 'POST', body: JSON.stringify(body) }),
  optimizerRuns: () => request<OptimizerRun[]>('/api/optimizer/runs'),
  optimizerRun: (runId: string) => request<OptimizerRunDetail>(`/api/optimizer/runs/${enc(runId)}`),
  optimizerTrials: (runId: string) => request<Trials>(`/api/optimizer/runs/${enc(runId)}/trials`),
  parameters: (strategyId: string) =>
    request<ParameterVersions>(`/api/strategies/${enc(strategyId)}/parameters`),
  /** The approver is sent twice on purpose: the header authorises, the body records who approved. */
  parameterAction: (
    strategyId: string,
    action: 'promote' | 'reject' | 'rollback',
    approver: string,
    body: { proposalId: string } | { proposalId: string; reason: string } | { toVersion: number },
  ) =>
    request<ParameterAction>(`/api/strategies/${enc(strategyId)}/parameters/${action}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, approver }),
      headers: { 'x-perpetua-user': approver },
    }),
  /** "Re-optimise now": the scheduler on the node runs the request it records. */
  reoptimize: (strategyId: string, approver: string) =>
    request<{ strategyId: string; requestId: string; at: string }>(
      `/api/strategies/${enc(strategyId)}/reoptimize`,
      {
        method: 'POST',
        body: JSON.stringify({ approver }),
        headers: { 'x-perpetua-user': approver },
      },
    ),
  hotlist: () => request<Hotlist>('/api/hotlist'),
  /** As with the parameters: the header authorises the approver, the body records who decided. */
  hotlistAction: (
    action: 'approve' | 'decline' | 'remove',
    approver: string,
    body: HotlistApproveBody | HotlistDeclineBody | HotlistRemoveBody,
  ) =>
    request<HotlistActionResult>(`/api/hotlist/${action}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, approver }),
      headers: { 'x-perpetua-user': approver },
    }),
  portfolio: () => request<Portfolio>('/api/portfolio'),
  /** A strategy-bandit round now, at the runs' market hour; as elsewhere the header authorises. */
  rebalance: (approver: string) =>
    request<RebalanceAccepted>('/api/alloc/rebalance', {
      method: 'POST',
      body: JSON.stringify({ mode: 'bandit', approver }),
      headers: { 'x-perpetua-user': approver },
    }),
  lifecycle: () => request<Lifecycle>('/api/lifecycle'),
  /** Allow, revoke or retire; as elsewhere the header authorises the approver, the body records who. */
  lifecycleAction: (
    action: 'approve' | 'revoke' | 'retire',
    approver: string,
    body: LifecycleApproveBody | LifecycleReasonBody,
  ) =>
    request<LifecycleActionResult>(`/api/lifecycle/${action}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, approver }),
      headers: { 'x-perpetua-user': approver },
    }),
};

/** `GET /api/backtests` is a list; accept it bare or paginated, as the contract does not pin it. */
export const listItems = <T>(x: T[] | Page<T> | undefined): T[] =>
  x === undefined ? [] : Array.isArray(x) ? x : x.items;
