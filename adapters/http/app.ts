import { Hono } from 'hono';
import type { z } from 'zod';
import { setRiskLimits } from '../../commands/risk/set-limits.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { AccountContext } from '../../domain/ledger/account.js';
import { defaultGateConfig } from '../../domain/lifecycle/gates.js';
import { type BarSeries, firstAtOrAfter } from '../../domain/market/bars.js';
import { BreakerRuleError } from '../../domain/risk/breaker.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import type { RiskLimitsSetData } from '../../domain/risk/events.js';
import { LimitChangeError } from '../../domain/risk/limit-changes.js';
import { defaultRiskLimits, type RiskLimits } from '../../domain/risk/limits.js';
import { readAlerts } from '../../projections/alerts/projection.js';
import { readAudit } from '../../projections/audit/projection.js';
import { readFills, readOrders } from '../../projections/orders/projection.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { readBreakers, readRiskDecisions } from '../../projections/risk/projection.js';
import { readRiskLimits } from '../../projections/risk-limits/projection.js';
import { latestRun, readEquity } from '../../projections/runs/read.js';
import { newEventId } from '../ids/event-id.js';
import { approversFromEnv, authorise } from './approvers.js';
import type { BacktestManager } from './backtests.js';
import { ResponseCache } from './cache.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { ApiError, errorJson, notFound } from './errors.js';
import { addHotlistRoutes } from './hotlist-routes.js';
import { addLifecycleRoutes, type LifecycleRouteDeps } from './lifecycle-routes.js';
import type { ApiMetrics } from './metrics.js';
import { addOptimizerRoutes } from './optimizer-routes.js';
import { addPortfolioRoutes } from './portfolio-routes.js';
import { RouteTable } from './routes.js';
import * as s from './schemas.js';
import { mountUi } from './ui.js';
import {
  decimalOf,
  type Marks,
  readAccounts,
  readHeatmap,
  readPositions,
  readStrategies,
  type StrategyInfo,
} from './views.js';

export interface ApiDeps {
  readonly version: string;
  readonly node: string;
  readonly store: EventStore & EventLookup;
  readonly db: ReadModelDb;
  readonly storeInfo: { readonly kind: string; readonly location: string };
  readonly projections: {
    status(): Promise<
      readonly { name: string; version: number; position: number; head: number; lag: number }[]
    >;
    /** Whether projection `name` has folded the log up to `position` within `timeoutMs` (ProjectionRunner). */
    reached?(name: string, position: number, timeoutMs?: number): Promise<boolean>;
  };
  readonly paper?: () => z.input<typeof s.paperRun>[];
  /** The node's re-optimisation scheduler, when it runs one. */
  readonly scheduler?: () => NonNullable<z.input<typeof s.status>['scheduler']>;
  /** The exchange the node calls, its rate budget and health (null or absent: none). */
  readonly venue?: () => z.input<typeof s.venueStatus> | null;
  readonly marks: Marks;
  /**
   * What the account views margin by where an account's run says nothing else: the recorded instruments,
   * and rules for a venue the ledger does not know. A run that recorded its venue's listing is margined by
   * it (rm_run_instruments), and every account by its own venue's rules.
   */
  readonly accountContext: AccountContext;
  readonly strategies: readonly StrategyInfo[];
  readonly backtests: BacktestManager;
  readonly metrics: ApiMetrics;
  /** Bars of a symbol in a timeframe, or undefined when the data has none. */
  readonly bars: (symbol: string, timeframe: string) => BarSeries | undefined;
  /** Domain time of the paper runs: the market screen does not show bars from their future. */
  readonly marketNow?: () => number | null;
  /** Decision chain of an order, correlation or event id (replay/explain.ts); undefined when unknown. */
  readonly explain?: (id: string) => Promise<z.input<typeof s.chain> | undefined>;
  readonly log?: (m: string) => void;
  /**
   * The read models' version (cache.ts: ProjectionVersion). Given, read responses are reused until it
   * moves; absent, every request reads the tables.
   */
  readonly readVersion?: () => number | null;
  /** Who may promote and roll back parameter versions; default: PERPETUA_APPROVERS, read per request. */
  readonly approvers?: () => readonly string[] | null;
  /**
   * Symbols for the hotlist screen: those the operator configured and those the runs trade now. Absent,
   * the hotlist routes say only what the log holds.
   */
  readonly universe?: { readonly configured: readonly string[]; readonly trading: () => readonly string[] };
  /**
   * A person steps a paper or real run's breakers down (POST /api/breakers/step-down), `approver` as `user:<id>`.
   * Null for a run the node does not drive; throws BreakerRuleError or RangeError when the breaker
   * refuses (having written nothing). Absent, the node drives no paper runs.
   */
  readonly stepDownBreaker?: (
    runId: string,
    cmd: { readonly to: BreakerLevel; readonly approver: string; readonly reason: string },
  ) => { eventId: string; level: BreakerLevel } | null;
  /**
   * Hands a desk limit change, once recorded (POST /api/risk/limits), to every run the node drives: each
   * takes it between two of its steps and records RiskLimitsApplied. Absent, the change is recorded only;
   * a run reads the desk's changes when it starts.
   */
  readonly applyRiskLimits?: (change: RiskLimitsSetData) => void;
  /** The node's strategy bandit: a round now, asked by a person (POST /api/alloc/rebalance). */
  readonly rebalance?: (by: string) => Promise<{ roundId: string; at: number }>;
  /**
   * The node's side of the lifecycle (automation 8): its gates, what its runs show, its real-account runs
   * and whether it can trade real money. Absent, the lifecycle routes say only what the log holds.
   */
  readonly lifecycle?: Pick<LifecycleRouteDeps, 'gates' | 'evidence' | 'realRun' | 'realMoney'>;
  /** Built UI to serve on the same origin (ui/dist). */
  readonly uiDir?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const maxBars = 5_000;
/** The history of limit changes GET /api/risk/limits lists: people make them, so this is months of them. */
const maxLimitChanges = 100;

/** The HTTP API of docs/api.md: routes, validation, errors, OpenAPI and metrics (WebSocket: ws.ts). */
export const createApp = (deps: ApiDeps): { app: Hono; routes: RouteTable } => {
  const app = new Hono();
  const log = deps.log ?? ((m: string) => console.error(m));
  const routes = new RouteTable(app, log, deps.readVersion ? new ResponseCache(deps.readVersion) : null);
  /**
   * Read your writes: a route that appends a person's decision answers once the read model its page
   * reads has folded the log up to its head (bounded by the runner's wait), so the page's next GET shows
   * the decision rather than the state before it.
   */
  const settledIn = (projection: string): { settled?: () => Promise<unknown> } => {
    const reached = deps.projections.reached;
    return reached
      ? { settled: async () => reached.call(deps.projections, projection, await deps.store.headPosition()) }
      : {};
  };

  app.use('*', async (c, next) => {
    const t0 = performance.now();
    await next();
    deps.metrics.requests.observe(
      { method: c.req.method, route: c.req.routePath || 'unmatched', status: String(c.res.status) },
      (performance.now() - t0) / 1_000,
    );
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorJson(err.code, err.message, err.issues), err.status);
    log(`${c.req.method} ${c.req.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return c.json(errorJson('internal', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorJson('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  // --- system -----------------------------------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/health',
    summary: 'Liveness and version',
    response: s.health,
    handler: () => ({ ok: true, version: deps.version }),
  });
  routes.add({
    method: 'get',
    path: '/api/status',
    // Paper progress moves without the log: a quarter second old at most.
    cache: { ttlMs: 250 },
    summary: 'Store, log head, projections with lag, paper runs with progress',
    response: s.status,
    handler: async () => ({
      version: deps.version,
      node: deps.node,
      store: { ...deps.storeInfo, head: await deps.store.headPosition() },
      projections: (await deps.projections.status()).map((p) => ({
        name: p.name,
        version: p.version,
        position: p.position,
        head: p.head,
        lag: p.lag,
      })),
      paper: deps.paper?.() ?? [],
      venue: deps.venue?.() ?? null,
      scheduler: deps.scheduler?.() ?? null,
    }),
  });

  // --- accounts, positions, orders, fills --------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/accounts',
    cache: 'log',
    summary: 'Accounts with wallet, equity and margin at the latest marks',
    response: s.accounts,
    handler: () => readAccounts(deps.db, deps.accountContext, deps.marks),
  });
  routes.add({
    method: 'get',
    path: '/api/positions',
    cache: 'log',
    summary: 'Open positions at the latest marks, with their stop status',
    query: s.positionsQuery,
    response: s.positions,
    handler: ({ query }) => readPositions(deps.db, deps.accountContext, deps.marks, query.accountId),
  });
  routes.add({
    method: 'get',
    path: '/api/orders',
    cache: 'log',
    summary: 'Orders, newest first',
    query: s.ordersQuery,
    response: s.page(s.order),
    handler: async ({ query }) => {
      const p = await readOrders(deps.db, {
        ...(query.symbol ? { symbol: query.symbol } : {}),
        ...(query.strategyId ? { strategyId: query.strategyId } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...cursorOf(query.cursor),
        limit: query.limit,
      });
      return {
        items: p.items.map(({ accountId: _a, globalPosition: _g, ...o }) => ({
          ...o,
          side: o.side as 'BUY' | 'SELL',
        })),
        nextCursor: encodeCursor(p.next),
      };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/fills',
    cache: 'log',
    summary: 'Fills, newest first',
    query: s.fillsQuery,
    response: s.page(s.fill),
    handler: async ({ query }) => {
      const p = await readFills(deps.db, {
        ...(query.orderId ? { orderId: query.orderId } : {}),
        ...(query.symbol ? { symbol: query.symbol } : {}),
        ...cursorOf(query.cursor),
        limit: query.limit,
      });
      return {
        items: p.items.map((f) => ({
          orderId: f.orderId,
          symbol: f.symbol,
          side: f.side as 'BUY' | 'SELL',
          quantity: f.quantity,
          price: f.price,
          fee: f.fee,
          realisedPnl: f.realisedPnl,
          liquidity: f.liquidity as 'maker' | 'taker',
          forced: f.forced as 'liquidation' | 'adl' | 'settlement' | null,
          at: f.at,
          correlationId: f.correlationId,
        })),
        nextCursor: encodeCursor(p.next),
      };
    },
  });

  // --- strategies and PnL -------------------------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/strategies',
    cache: 'log',
    summary: 'Strategies with state, parameters and KPIs of their paper run',
    response: s.strategies,
    handler: () => readStrategies(deps.db, deps.strategies),
  });
  routes.add({
    method: 'get',
    path: '/api/strategies/:id/equity',
    cache: 'log',
    summary: "Equity curve of the strategy's paper run",
    params: s.strategyParams,
    response: s.equityCurve,
    errors: [404],
    handler: async ({ params }) => {
      const run = await latestRun(deps.db, params.id, 'paper');
      if (!run && !deps.strategies.some((x) => x.id === params.id)) throw notFound('strategy', params.id);
      if (!run) return [];
      return (await readEquity(deps.db, run.run_id)).map((p) => ({
        at: iso(p.at),
        equity: decimalOf(p.equity),
      }));
    },
  });
  routes.add({
    method: 'get',
    path: '/api/pnl/heatmap',
    cache: 'log',
    summary: 'Realised (net of fees) and unrealised PnL per strategy and symbol',
    response: s.heatmap,
    handler: () => readHeatmap(deps.db, deps.marks),
  });

  // --- risk -----------------------------------------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/risk/decisions',
    cache: 'log',
    summary: 'Risk decisions, newest first, every rule with threshold, value and verdict',
    query: s.riskQuery,
    response: s.page(s.riskDecision),
    handler: async ({ query }) => {
      const p = await readRiskDecisions(deps.db, {
        ...(query.outcome ? { outcome: query.outcome } : {}),
        ...cursorOf(query.cursor),
        limit: query.limit,
      });
      return { items: p.items as z.input<typeof s.riskDecision>[], nextCursor: encodeCursor(p.next) };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/breakers',
    cache: 'log',
    summary: 'Current level of every circuit breaker',
    response: s.breakers,
    handler: async () => (await readBreakers(deps.db)) as z.input<typeof s.breakers>,
  });
  routes.add({
    method: 'post',
    path: '/api/breakers/step-down',
    summary:
      "Step a running paper or real run's breakers down to a lower level (header x-perpetua-user: an approver); refused by the breaker (cooldown, measurements that still breach, not below the current level) with a 409",
    body: s.breakerStepDownBody,
    response: s.breakerStepDownResult,
    errors: [403, 404, 409],
    handler: async ({ body }, c) => {
      const user = c.req.header('x-perpetua-user');
      authorise((deps.approvers ?? approversFromEnv)(), body.approver ?? user ?? '', user);
      if (!deps.stepDownBreaker)
        throw new ApiError(
          404,
          'no_paper_runs',
          'this node drives no paper runs: no breaker to step down here',
        );
      let r: ReturnType<NonNullable<ApiDeps['stepDownBreaker']>>;
      try {
        r = deps.stepDownBreaker(body.runId, {
          to: body.to,
          approver: `user:${user}`,
          reason: body.reason,
        });
      } catch (err) {
        // The breaker refused and wrote nothing: its words are what the person needs to read.
        if (err instanceof BreakerRuleError) throw new ApiError(409, err.rule, err.message);
        if (err instanceof RangeError) throw new ApiError(409, 'refused', err.message);
        throw err;
      }
      if (r === null)
        throw new ApiError(404, 'not_found', `no running paper or real run ${body.runId} on this node`);
      await settledIn('risk').settled?.();
      return { runId: body.runId, level: r.level, eventId: r.eventId };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/risk/limits',
    cache: 'log',
    summary:
      'The pre-trade limits the desk set: the defaults in force, the overrides by scope and key, the latest changes (newest first) and the built-in defaults',
    response: s.riskLimitsView,
    handler: async () => {
      const { config, changes } = await readRiskLimits(deps.db, { limit: maxLimitChanges });
      const layers = [
        ['account', config.accounts],
        ['strategy', config.strategies],
        ['symbol', config.symbols],
        ['strategy-symbol', config.strategySymbols],
      ] as const;
      return {
        defaults: { ...config.defaults, disabled: [...config.defaults.disabled] },
        overrides: layers.flatMap(([scope, layer]) =>
          Object.entries(layer ?? {})
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([key, limits]) => ({ scope, key, limits: patchOf(limits) })),
        ),
        changes: changes.map((c) => ({
          changeId: c.changeId,
          scope: c.scope,
          key: c.key,
          limits: c.limits,
          approver: c.approver,
          reason: c.reason,
          occurredAt: c.occurredAt,
        })),
        builtIn: { ...defaultRiskLimits, disabled: [...defaultRiskLimits.disabled] },
      };
    },
  });
  routes.add({
    method: 'post',
    path: '/api/risk/limits',
    summary:
      'Set one layer of the pre-trade limits (header x-perpetua-user: an approver): the defaults (key null) or the override of an account, strategy, symbol or <strategy>:<symbol>, replaced by the fields named (none removes the override); every run the node drives takes it between two steps',
    body: s.riskLimitsBody,
    response: s.riskLimitsResult,
    errors: [403],
    handler: async ({ body }, c) => {
      const user = c.req.header('x-perpetua-user');
      authorise((deps.approvers ?? approversFromEnv)(), body.approver ?? user ?? '', user);
      let data: RiskLimitsSetData;
      try {
        data = await setRiskLimits(
          deps.store,
          {
            scope: body.scope,
            key: body.key,
            limits: body.limits,
            approver: `user:${user}`,
            reason: body.reason,
            // The runs' market clock, as the other decisions a person takes: one time order with theirs.
            at: deps.marketNow?.() ?? Date.now(),
          },
          newEventId(),
        );
      } catch (err) {
        // A key that does not fit its scope; nothing was written.
        if (err instanceof LimitChangeError) throw new ApiError(400, 'invalid_change', err.message);
        throw err;
      }
      deps.applyRiskLimits?.(data);
      await settledIn('risk-limits').settled?.();
      return { changeId: data.changeId, scope: data.scope, key: data.key, limits: data.limits };
    },
  });

  // --- alerts (design §11 stream/alerts, §14) ------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/alerts',
    cache: 'log',
    summary: 'Alerts raised by recorded events, newest first, at or above a severity',
    query: s.alertsQuery,
    response: s.page(s.alert),
    handler: async ({ query }) => {
      const p = await readAlerts(deps.db, {
        ...(query.severity ? { minSeverity: query.severity } : {}),
        ...cursorOf(query.cursor),
        limit: query.limit,
      });
      return { items: p.items, nextCursor: encodeCursor(p.next) };
    },
  });

  // --- audit ----------------------------------------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/audit/timeline',
    cache: 'log',
    summary: 'Every event, newest first, filtered by time, strategy, symbol, actor, type or correlation',
    query: s.auditQuery,
    response: s.page(s.auditItem),
    handler: async ({ query }) => {
      const p = await readAudit(deps.db, {
        ...(query.from ? { from: s.parseTime(query.from) } : {}),
        ...(query.to ? { to: s.parseTime(query.to) } : {}),
        ...(query.strategy ? { strategy: query.strategy } : {}),
        ...(query.symbol ? { symbol: query.symbol } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.type ? { type: query.type } : {}),
        ...(query.correlationId ? { correlationId: query.correlationId } : {}),
        ...cursorOf(query.cursor),
        limit: query.limit,
      });
      return { items: p.items, nextCursor: encodeCursor(p.next) };
    },
  });
  routes.add({
    method: 'get',
    path: '/api/audit/chains/:id',
    cache: 'log',
    summary: 'The decision chain of an orderId, correlationId or eventId',
    params: s.chainParams,
    response: s.chain,
    errors: [404],
    handler: async ({ params }) => {
      const chain = deps.explain ? await deps.explain(params.id) : undefined;
      if (!chain) throw notFound('order, correlation or event', params.id);
      return chain;
    },
  });

  // --- market data ------------------------------------------------------------------------------------------
  routes.add({
    method: 'get',
    path: '/api/market/:symbol/bars',
    // Market data is files, but the default range follows the paper clock.
    cache: { ttlMs: 1_000 },
    summary: 'OHLCV bars; without a range, the latest 500 up to the paper runs’ time',
    params: s.barsParams,
    query: s.barsQuery,
    response: s.bars,
    errors: [404, 422],
    handler: ({ params, query }) => {
      const series = deps.bars(params.symbol, query.timeframe);
      if (!series) throw notFound(`${query.timeframe} bars for symbol`, params.symbol);
      const t = series.openTime;
      const now = deps.marketNow?.() ?? null;
      const to = query.to ? s.parseTime(query.to) : now !== null ? now : t[t.length - 1]! + 1;
      const hi = firstAtOrAfter(t, to);
      const from = query.from ? s.parseTime(query.from) : null;
      if (from !== null && from >= to) throw new ApiError(422, 'bad_range', '`from` must be before `to`');
      const lo = from !== null ? firstAtOrAfter(t, from) : Math.max(0, hi - 500);
      const start = Math.max(lo, hi - maxBars);
      const out: z.input<typeof s.bar>[] = [];
      for (let i = start; i < hi; i++) {
        out.push({
          openTime: iso(t[i]!),
          open: decimalOf(series.open[i]!),
          high: decimalOf(series.high[i]!),
          low: decimalOf(series.low[i]!),
          close: decimalOf(series.close[i]!),
          volume: decimalOf(series.volume[i]!),
        });
      }
      return out;
    },
  });

  // --- backtests ----------------------------------------------------------------------------------------
  routes.add({
    method: 'post',
    path: '/api/backtests',
    summary: 'Start a backtest in this process; poll GET /api/backtests/{runId}',
    body: s.backtestRequest,
    status: 202,
    response: s.backtestAccepted,
    errors: [422],
    handler: async ({ body }) => ({ runId: await deps.backtests.start(body) }),
  });
  routes.add({
    method: 'get',
    path: '/api/backtests',
    summary: 'Backtests of this process, newest first (without reports)',
    response: s.backtestList,
    handler: () => deps.backtests.list().map(({ report: _r, ...b }) => b),
  });
  routes.add({
    method: 'get',
    path: '/api/backtests/:runId',
    summary: 'Status, progress and, when done, the report',
    params: s.backtestParams,
    response: s.backtest,
    errors: [404],
    handler: ({ params }) => {
      const b = deps.backtests.get(params.runId);
      if (!b) throw notFound('backtest', params.runId);
      return b;
    },
  });

  // --- optimizer and parameter versions ------------------------------------------------------------------
  addOptimizerRoutes(routes, {
    db: deps.db,
    store: deps.store,
    ...settledIn('optimizer'),
    strategyIds: deps.strategies.map((x) => x.id),
    approvers: deps.approvers ?? approversFromEnv,
    ...(deps.marketNow ? { marketNow: deps.marketNow } : {}),
  });

  // --- hotlist -----------------------------------------------------------------------------------------
  addHotlistRoutes(routes, {
    db: deps.db,
    store: deps.store,
    approvers: deps.approvers ?? approversFromEnv,
    configured: deps.universe?.configured ?? [],
    trading: deps.universe?.trading ?? (() => []),
    ...settledIn('hotlist'),
  });

  // --- portfolio (strategy bandit) ------------------------------------------------------------------------
  addPortfolioRoutes(routes, {
    db: deps.db,
    ...settledIn('portfolio'),
    approvers: deps.approvers ?? approversFromEnv,
    ...(deps.rebalance ? { rebalance: deps.rebalance } : {}),
  });

  // --- lifecycle (automation 8) ----------------------------------------------------------------------------
  addLifecycleRoutes(routes, {
    db: deps.db,
    store: deps.store,
    ...settledIn('lifecycle'),
    approvers: deps.approvers ?? approversFromEnv,
    ...(deps.marketNow ? { marketNow: deps.marketNow } : {}),
    ...(deps.lifecycle ?? {
      gates: defaultGateConfig,
      realMoney: () => ({ venue: null, why: 'this server runs no strategies', capital: null, backing: null }),
    }),
  });

  // --- documents ----------------------------------------------------------------------------------------
  app.get('/metrics', async (c) =>
    c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
  );
  let doc: unknown = null;
  app.get('/openapi.json', (c) => {
    doc ??= routes.openApi(
      { title: 'Perpetua API', version: deps.version },
      {
        '/metrics': {
          get: {
            summary: 'Prometheus metrics',
            responses: { '200': { description: 'text/plain exposition format' } },
          },
        },
      },
    );
    return c.json(doc);
  });
  if (deps.uiDir) mountUi(app, deps.uiDir);
  return { app, routes };
};

/** Limits as the response types them: the domain's rule list is read-only, the schema's a plain array. */
const patchOf = ({
  disabled,
  ...rest
}: Partial<RiskLimits>): z.input<typeof s.riskLimitsResult>['limits'] => ({
  ...rest,
  ...(disabled ? { disabled: [...disabled] } : {}),
});

const cursorOf = (cursor: string | undefined): { before?: number } => {
  const before = decodeCursor(cursor);
  return before === undefined ? {} : { before };
};
