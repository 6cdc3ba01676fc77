import { z } from 'zod';
import { venueRules } from '../../domain/ledger/venue.js';
import { breakerLevels } from '../../domain/risk/breaker-levels.js';
import { riskDecidedSchema } from '../../domain/risk/events.js';
import { limitScopes, limitsPatchSchema } from '../../domain/risk/limit-changes.js';
import { alertScopes, alertSeverities } from '../../projections/alerts/alert-of.js';
import { userId } from './approvers.js';

/*
 * Every body the API accepts or returns, as zod: the handlers validate against these and
 * /openapi.json is generated from them, so the document cannot drift from what is served.
 */

export const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string like "12.5"');
const iso = z.string().datetime({ offset: true });
const kpiNumber = z.number().nullable();

export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional(),
  }),
});

// --- query building blocks ----------------------------------------------------------------------------

/** Opaque to clients: base64url of the global position the next page reads below. */
export const cursorParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'not a cursor returned by this API')
  .optional();
export const limitParam = z.coerce.number().int().min(1).max(500).default(100);
const symbolParam = z.string().regex(/^[A-Z0-9]{2,30}$/, 'a symbol like BTCUSDT');
const idParam = z.string().min(1).max(200);
const timeSyntax = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2})))?$/;
/**
 * Epoch milliseconds of a YYYY-MM-DD date (UTC midnight) or of an ISO-8601 date-time with seconds and a
 * zone (`Z` or `±hh:mm`); NaN for anything else. Date.parse alone rolls 2023-02-30 over to 2023-03-02,
 * reads 24:00 as the next day and `1` as the year 2001, so the wall time it read must round-trip to the
 * one written. ui/src/api/schemas.ts holds the same rule for the form.
 */
export const parseTime = (v: string): number => {
  const m = timeSyntax.exec(v);
  if (!m) return Number.NaN;
  const [, date, clock, sign, hours, minutes] = m;
  if (Number(hours ?? 0) > 23 || Number(minutes ?? 0) > 59) return Number.NaN;
  const ms = Date.parse(clock === undefined ? `${date}T00:00:00Z` : v);
  if (!Number.isFinite(ms)) return Number.NaN;
  const offset = (sign === '-' ? -1 : 1) * (Number(hours ?? 0) * 60 + Number(minutes ?? 0)) * 60_000;
  return new Date(ms + offset).toISOString().startsWith(`${date}T${clock ?? '00:00:00'}`) ? ms : Number.NaN;
};
/** Time filters take a real YYYY-MM-DD date (UTC) or an ISO-8601 date-time with a zone. */
const timeParam = z.string().refine((v) => Number.isFinite(parseTime(v)), {
  message: 'a date like 2023-06-21 or an ISO time like 2023-06-21T00:00:00Z',
});
/** A range is judged only between valid ends: a bad end has its own message already. */
const ordered = (from: string | undefined, to: string | undefined): boolean => {
  if (from === undefined || to === undefined) return true;
  const a = parseTime(from);
  const b = parseTime(to);
  return !Number.isFinite(a) || !Number.isFinite(b) || a < b;
};

export const page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

// --- system -------------------------------------------------------------------------------------------

export const health = z.object({ ok: z.boolean(), version: z.string() });

export const paperRun = z.object({
  runId: z.string(),
  strategyId: z.string(),
  accountId: z.string(),
  symbols: z.array(z.string()),
  feed: z.enum(['recorded', 'live']),
  /** paper: fills simulated; canary and live (prod): orders sent to the real account. */
  mode: z.enum(['paper', 'canary', 'live']),
  from: iso,
  to: iso.nullable(),
  simTime: iso,
  progress: z.number().min(0).max(1).nullable(),
  speed: z.number(),
  state: z.enum(['starting', 'running', 'finished', 'failed']),
  events: z.number().int(),
  copied: z.number().int(),
  error: z.string().nullable(),
  /**
   * The parameter version the run trades and its part in automation 2: in force, a canary beside it, or
   * replaced (flattened; a canary took over or was rolled back). Absent for real-money runs.
   */
  parameters: z
    .object({ version: z.number().int().nonnegative(), role: z.enum(['in-force', 'canary', 'replaced']) })
    .optional(),
});

/** The exchange the node calls, as its rate gate and health watch see it now (docs/live-venue.md). */
export const venueStatus = z.object({
  venue: z.string(),
  /** Each of the exchange's rate-limit windows: what this node and the exchange's headers counted in it. */
  rateLimits: z.array(
    z.object({
      kind: z.enum(['weight', 'orders']),
      window: z.string(),
      used: z.number().nonnegative(),
      limit: z.number().int().positive(),
      endsAt: iso,
    }),
  ),
  /** The exchange said stop (429) or banned the IP (418): nothing is sent until `until`. */
  stopped: z.object({ until: iso, reason: z.string() }).nullable(),
  /**
   * The account's API key as read at the start: what it may do, and why it may not trade real money
   * (null: it may). Null when no account is connected or its permissions could not be read.
   */
  key: z
    .object({
      ipRestricted: z.boolean(),
      withdrawals: z.boolean(),
      futures: z.boolean(),
      refused: z.string().nullable(),
    })
    .nullable(),
  /** This machine's clock minus the exchange's as last measured (ms); null before the account measured it. */
  clockOffsetMs: z.number().int().nullable(),
  /** Calls waiting for the budget, by priority. */
  waiting: z.object({
    protect: z.number().int().nonnegative(),
    trade: z.number().int().nonnegative(),
    read: z.number().int().nonnegative(),
  }),
  /** What is wrong with the real account's venue now (slow, user stream lost, stopped): empty when well. */
  degraded: z.array(
    z.object({
      aspect: z.enum(['latency', 'user-stream', 'rate-limit', 'clock']),
      since: iso,
      detail: z.string(),
    }),
  ),
});

export const status = z.object({
  version: z.string(),
  node: z.string(),
  store: z.object({ kind: z.string(), location: z.string(), head: z.number().int() }),
  projections: z.array(
    z.object({
      name: z.string(),
      version: z.number().int(),
      position: z.number().int(),
      head: z.number().int(),
      lag: z.number().int(),
    }),
  ),
  paper: z.array(paperRun),
  /** The exchange the node trades or reads live bars from; null when it calls none. */
  venue: venueStatus.nullable(),
  /** The re-optimisation scheduler of this node (null when it runs elsewhere or is off). */
  scheduler: z
    .object({
      clock: iso.nullable(),
      caughtUp: z.boolean(),
      watchedRuns: z.number().int(),
      requests: z.number().int(),
      runsStarted: z.number().int(),
      runsFinished: z.number().int(),
      superseded: z.number().int(),
      running: z.string().nullable(),
      lastError: z.string().nullable(),
    })
    .nullable(),
});

// --- accounts and positions -----------------------------------------------------------------------------

export const account = z.object({
  accountId: z.string(),
  venue: z.string(),
  walletBalance: decimal,
  equity: decimal,
  unrealisedPnl: decimal,
  availableBalance: decimal,
  marginRatio: z.number().nullable(),
});
export const accounts = z.array(account);

export const stopStatus = z.enum(['armed', 'triggered', 'filled', 'cancelled']);
export const position = z.object({
  accountId: z.string(),
  symbol: z.string(),
  side: z.enum(['long', 'short']),
  quantity: decimal,
  entryPrice: decimal,
  markPrice: decimal,
  unrealisedPnl: decimal,
  leverage: z.number().int(),
  stop: z.object({ status: stopStatus, price: decimal, layer: z.string() }).nullable(),
  /** Every live leg of the position's stop ladder: the protective stop, take-profits, the time stop. */
  legs: z.array(
    z.object({
      kind: z.string(),
      layer: z.string(),
      status: z.enum(['armed', 'triggered']),
      /** Null for the time stop, which has no level. */
      price: decimal.nullable(),
      quantity: decimal,
    }),
  ),
  /** The reduce-only stop resting at the exchange for a position on a real account (docs/risk.md). */
  exchangeStop: z.object({ orderId: z.string(), price: decimal, status: z.string() }).nullable(),
});
export const positions = z.array(position);
export const positionsQuery = z.object({ accountId: idParam.optional() });

// --- orders and fills -----------------------------------------------------------------------------------

export const orderStatus = z.enum([
  'new',
  'accepted',
  'triggered',
  'partially_filled',
  'filled',
  'rejected',
  'cancelled',
  'expired',
]);
export const order = z.object({
  orderId: z.string(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  type: z.string(),
  quantity: decimal,
  price: decimal.nullable(),
  stopPrice: decimal.nullable(),
  status: orderStatus,
  filledQuantity: decimal,
  averagePrice: decimal.nullable(),
  strategyId: z.string().nullable(),
  correlationId: z.string(),
  createdAt: iso,
  updatedAt: iso,
});
export const ordersQuery = z.object({
  symbol: symbolParam.optional(),
  strategyId: idParam.optional(),
  status: orderStatus.optional(),
  limit: limitParam,
  cursor: cursorParam,
});

export const fill = z.object({
  orderId: z.string(),
  symbol: z.string(),
  side: z.enum(['BUY', 'SELL']),
  quantity: decimal,
  price: decimal,
  fee: decimal,
  realisedPnl: decimal,
  liquidity: z.enum(['maker', 'taker']),
  /** Set when the fill was the exchange's own closing order on a real account, not one of ours. */
  forced: z.enum(['liquidation', 'adl', 'settlement']).nullable(),
  at: iso,
  correlationId: z.string(),
});
export const fillsQuery = z.object({
  orderId: idParam.optional(),
  symbol: symbolParam.optional(),
  limit: limitParam,
  cursor: cursorParam,
});

// --- strategies and PnL ---------------------------------------------------------------------------------

export const strategyKpis = z.object({
  startEquity: z.number(),
  equity: z.number(),
  totalReturn: z.number(),
  maxDrawdown: z.number(),
  sharpe: kpiNumber,
  sortino: kpiNumber,
  fills: z.number().int(),
  winRate: kpiNumber,
  realisedPnl: z.number(),
  fees: z.number(),
  riskApproved: z.number().int(),
  riskResized: z.number().int(),
  riskRejected: z.number().int(),
  stopsTriggered: z.number().int(),
});
export const strategy = z.object({
  strategyId: z.string(),
  /** Its default timeframe; a backtest may ask for another unless it is fed ticks. */
  timeframe: z.string(),
  /** `ticks`: fed trades and books; it runs only where a trade/L2 capture covers the span. */
  feeds: z.enum(['bars', 'ticks']),
  version: z.string(),
  paramsVersion: z.number().int(),
  params: z.record(z.unknown()),
  state: z.enum(['running', 'stopped', 'halted']),
  kpis: strategyKpis.nullable(),
});
export const strategies = z.array(strategy);
export const equityPoint = z.object({ at: iso, equity: decimal });
export const equityCurve = z.array(equityPoint);
export const strategyParams = z.object({ id: idParam });

export const heatmap = z.array(
  z.object({ strategyId: z.string(), symbol: z.string(), realisedPnl: decimal, unrealisedPnl: decimal }),
);

// --- risk ---------------------------------------------------------------------------------------------

export const riskDecision = z.object({
  globalPosition: z.number().int(),
  eventId: z.string(),
  decisionId: z.string(),
  accountId: z.string(),
  strategyId: z.string().nullable(),
  symbol: z.string(),
  outcome: z.enum(['approve', 'resize', 'reject']),
  approvedQuantity: decimal.nullable(),
  intent: riskDecidedSchema.shape.intent,
  checks: riskDecidedSchema.shape.checks,
  occurredAt: iso,
  correlationId: z.string(),
});
export const riskQuery = z.object({
  outcome: z.enum(['approve', 'resize', 'reject']).optional(),
  limit: limitParam,
  cursor: cursorParam,
});

export const breakers = z.array(
  z.object({
    scope: z.enum(['account', 'strategy']),
    scopeId: z.string(),
    level: z.string(),
    since: iso,
    measured: z.record(z.number()),
  }),
);

/**
 * A person steps a paper run's breakers down (docs/risk.md, "Down"). `flatten` is no target: nothing is
 * above it to step down from. `approver` may be left out; when given it must be the x-perpetua-user, as
 * on the other approver routes (the header authorises, the body records who).
 */
export const breakerStepDownBody = z
  .object({
    runId: z.string().min(1).max(200),
    to: z.enum(['normal', 'warn', 'reduce', 'halt']),
    reason: z.string().trim().min(1, 'say why').max(500),
    approver: userId.optional(),
  })
  .strict();
export const breakerStepDownResult = z.object({
  runId: z.string(),
  level: z.enum(breakerLevels),
  eventId: z.string(),
});

/**
 * The desk's pre-trade limits (docs/risk.md, "Changing the limits"). A change names one layer: the
 * desk-wide defaults (no key) or the override of one account, strategy, symbol or `<strategy>:<symbol>`,
 * and replaces it with the fields it names; no field removes the override. The ranges are the event's
 * (domain/risk/limit-changes.ts), so a value out of range is a 400 naming the field, not a refused append.
 */
const limitKey = z.string().min(1).max(128);
export const riskLimitsBody = z
  .object({
    scope: z.enum(limitScopes),
    key: limitKey.nullable().default(null),
    limits: limitsPatchSchema,
    reason: z.string().trim().min(1, 'say why').max(500),
    approver: userId.optional(),
  })
  .strict();
export const riskLimitsResult = z.object({
  changeId: z.string(),
  scope: z.enum(limitScopes),
  key: z.string().nullable(),
  limits: limitsPatchSchema,
});
/** Every limit with a value: the defaults in force and the built-in ones they started from. */
const riskLimitsFull = limitsPatchSchema.required();
export const riskLimitsView = z.object({
  defaults: riskLimitsFull,
  overrides: z.array(
    z.object({
      scope: z.enum(limitScopes).exclude(['defaults']),
      key: z.string(),
      limits: limitsPatchSchema,
    }),
  ),
  /** Newest first, the latest 100. */
  changes: z.array(riskLimitsResult.extend({ approver: z.string(), reason: z.string(), occurredAt: iso })),
  builtIn: riskLimitsFull,
});

// --- alerts -------------------------------------------------------------------------------------------

export const alert = z.object({
  globalPosition: z.number().int(),
  eventId: z.string(),
  /** The recorded event that raised it. */
  type: z.string(),
  severity: z.enum(alertSeverities),
  scope: z.enum(alertScopes),
  /** The account, strategy or run id it is about. */
  subject: z.string(),
  title: z.string(),
  detail: z.string(),
  occurredAt: iso,
  correlationId: z.string(),
});
export const alertsQuery = z.object({
  /** The least severe to list: `warning` lists warnings and critical alerts. */
  severity: z.enum(alertSeverities).optional(),
  limit: limitParam,
  cursor: cursorParam,
});

// --- audit --------------------------------------------------------------------------------------------

export const auditItem = z.object({
  globalPosition: z.number().int(),
  eventId: z.string(),
  type: z.string(),
  streamId: z.string(),
  occurredAt: iso,
  actor: z.string(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  summary: z.string(),
});
export const auditQuery = z
  .object({
    from: timeParam.optional(),
    to: timeParam.optional(),
    strategy: idParam.optional(),
    symbol: symbolParam.optional(),
    actor: idParam.optional(),
    type: z
      .string()
      .regex(/^[A-Za-z]{1,80}$/, 'an event type like OrderFilled')
      .optional(),
    correlationId: idParam.optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .refine((q) => ordered(q.from, q.to), {
    message: '`from` must be before `to`',
    path: ['to'],
  });
export const chainParams = z.object({ id: idParam });

// --- market data --------------------------------------------------------------------------------------

export const bar = z.object({
  openTime: iso,
  open: decimal,
  high: decimal,
  low: decimal,
  close: decimal,
  volume: decimal,
});
export const bars = z.array(bar);
export const barsParams = z.object({ symbol: symbolParam });
export const barsQuery = z.object({
  timeframe: z
    .string()
    .regex(/^\d+[mhdw]$/, 'a timeframe like 1m, 5m, 1h')
    .default('1h'),
  from: timeParam.optional(),
  to: timeParam.optional(),
});

// --- backtests ------------------------------------------------------------------------------------------

/** The backtest form uses this schema too (ui/ may import it): one definition of a valid request. */
export const backtestRequest = z
  .object({
    strategyId: z.string().min(1).max(80),
    symbols: z.array(symbolParam).min(1).max(10),
    from: timeParam.optional(),
    to: timeParam.optional(),
    params: z.record(z.unknown()).optional(),
    timeframe: z
      .string()
      .regex(/^\d+[mhdw]$/, 'a timeframe like 1m, 5m, 1h')
      .optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    /** USDT deposited at the start (default 10000). */
    initialBalance: z
      .string()
      .regex(/^\d{1,12}(\.\d{1,8})?$/, 'a positive amount like "2500" or "2500.5"')
      .refine((v) => Number(v) > 0, 'more than 0')
      .optional(),
    /** Leverage set on every symbol, capped by its first bracket (default 5). */
    leverage: z.number().int().min(1).max(125).optional(),
    /** Whose rules the ledger books by: fee tiers and rounding (default binance). */
    venue: z
      .string()
      .refine((v) => Object.hasOwn(venueRules, v), {
        message: `one of the venues whose rules the ledger knows: ${Object.keys(venueRules).join(', ')}`,
      })
      .optional(),
    /** The venue's fee tier the fills are charged at (default VIP0). */
    feeTier: z
      .string()
      .regex(/^[A-Za-z0-9]{1,16}$/, 'a fee tier like VIP0')
      .optional(),
    /**
     * The account's own rates on every symbol in place of the tier's (a VIP schedule, or a rebate tier:
     * a negative maker rate pays the maker). The run's check refuses a rebate above the taker rate.
     */
    feeRates: z
      .object({
        maker: z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal fraction like -0.00005'),
        taker: z.string().regex(/^\d+(\.\d+)?$/, 'a decimal fraction ≥ 0 like 0.0003'),
      })
      .strict()
      .optional(),
    /** λ of the square-root impact model for every symbol (default 5e-6). */
    impact: z.number().min(0).max(0.01).optional(),
    /** Submit→ack latency of bar fills, uniform in [min, max] ms (default 20–250). */
    latencyMs: z
      .object({ min: z.number().int().min(0).max(60_000), max: z.number().int().min(0).max(60_000) })
      .strict()
      .refine((l) => l.min <= l.max, { message: 'min must not exceed max', path: ['max'] })
      .optional(),
  })
  .strict()
  .refine((b) => ordered(b.from, b.to), {
    message: 'the end must come after the start',
    path: ['to'],
  });
export type BacktestRequest = z.infer<typeof backtestRequest>;
export const backtestAccepted = z.object({ runId: z.string() });

export const backtestTrade = z.object({
  symbol: z.string(),
  side: z.enum(['long', 'short']),
  openedAt: iso,
  closedAt: iso.nullable(),
  entryPrice: z.number(),
  exitPrice: z.number().nullable(),
  quantity: z.number(),
  realisedPnl: z.number(),
  fees: z.number(),
  funding: z.number(),
  netPnl: z.number(),
});
export const backtestReport = z.object({
  kpis: z.record(kpiNumber),
  equity: z.array(z.object({ at: iso, equity: z.number() })),
  trades: z.array(backtestTrade),
  eventLogHash: z.string(),
  events: z.number().int(),
  /** What the KPIs alone hide: entries too small to place, data short of the range, no funding, a halting breaker. */
  notes: z.array(z.string()),
});
export const backtest = z.object({
  runId: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  progress: z.number().min(0).max(1),
  request: backtestRequest,
  createdAt: iso,
  finishedAt: iso.nullable(),
  error: z.string().nullable(),
  report: backtestReport.nullable(),
});
export const backtestList = z.array(backtest.omit({ report: true }));
export const backtestParams = z.object({ runId: idParam });

// --- decision chains (replay/audit/explain.ts) -----------------------------------------------------------

const chainLink = z.object({
  globalPosition: z.number().int(),
  eventId: z.string(),
  type: z.string(),
  streamId: z.string(),
  occurredAt: iso,
  actor: z.string(),
  causationId: z.string().nullable(),
  summary: z.string(),
  data: z.unknown(),
});
export const chain = z.object({
  /** The event that started the chain (the first of the correlation). */
  root: chainLink.nullable(),
  query: z.string(),
  correlationId: z.string(),
  links: z.array(chainLink),
  broken: z.array(z.object({ eventId: z.string(), missingCausationId: z.string(), detail: z.string() })),
  /** The observed bar as recorded when a live feed gave it (BarClosed); null for bars from the data files. */
  bar: chainLink.nullable(),
});
