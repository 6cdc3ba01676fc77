/**
 * A stand-in for the API of docs/api.md, for working on the UI without the engine: `npx tsx
 * ui/e2e/mock-api.ts [port]` serves ui/dist and made-up but contract-shaped data that moves (a WebSocket
 * tick every 500 ms). The browser tests run against the real `npm start`; this only answers "does the
 * UI render the contract" while the server is elsewhere.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { WebSocketServer } from 'ws';
import { breakerStepDownBody, riskLimitsBody } from '../../adapters/http/schemas.js';
import type { Mode } from '../../domain/events/envelope.js';
import {
  type BreakerMeasurements,
  BreakerRuleError,
  type BreakerState,
  decideBreaker,
  defaultBreakerParams,
  evolveBreaker,
  initialBreakerState,
} from '../../domain/risk/breaker.js';
import { type BreakerLevel, levelIndex, stricterLevel } from '../../domain/risk/breaker-levels.js';
import {
  applyLimitChange,
  checkLimitChange,
  type LimitChange,
  LimitChangeError,
} from '../../domain/risk/limit-changes.js';
import { defaultRiskLimits, type RiskConfig } from '../../domain/risk/limits.js';
import {
  type AlertSeverity,
  alertOf,
  alertSeverities,
  severitiesFrom,
} from '../../projections/alerts/alert-of.js';

const port = Number(process.argv[2] ?? process.env.PORT ?? 8090);
const dist = new URL('../dist/', import.meta.url).pathname;
const strategies = ['ema-cross', 'donchian-breakout', 'bollinger-rsi'];
const symbols = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'];
const start = Date.UTC(2023, 0, 1);
const hour = 3_600_000;

let seed = 7;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

let position = 1000;
let clock = start + 200 * hour;
const cells = new Map(strategies.flatMap((st) => symbols.map((sy) => [`${st}|${sy}`, { r: 0, u: 0 }])));
const equity = new Map(strategies.map((s) => [s, [] as { at: number; equity: number }[]]));
for (const s of strategies) {
  let e = 10_000;
  for (let i = 0; i < 200; i++) {
    e += (rnd() - 0.48) * 40;
    equity.get(s)?.push({ at: start + i * hour, equity: Number(e.toFixed(2)) });
  }
}
const orders = Array.from({ length: 12 }, (_, i) => ({
  orderId: `ord-${1000 + i}`,
  symbol: symbols[i % 3] ?? 'BTCUSDT',
  side: i % 2 ? 'SELL' : 'BUY',
  type: i % 4 === 3 ? 'STOP_MARKET' : 'MARKET',
  quantity: '0.010',
  price: null,
  stopPrice: i % 4 === 3 ? '16420.0' : null,
  status: i % 5 === 4 ? 'rejected' : 'filled',
  filledQuantity: i % 5 === 4 ? '0' : '0.010',
  averagePrice: i % 5 === 4 ? null : '16543.2',
  strategyId: strategies[i % 3] ?? null,
  correlationId: `corr-${i}`,
  createdAt: new Date(start + (190 - i) * hour).toISOString(),
  updatedAt: new Date(start + (190 - i) * hour + 1000).toISOString(),
}));
const checks = [
  ['breaker', 'gate', 'level', 0, 0, 0, 'pass'],
  ['daily-loss', 'gate', 'USDT', 300, 12.5, 12.5, 'pass'],
  ['max-leverage', 'size', 'x', 5, 3.2, 3.2, 'pass'],
  ['max-position-notional', 'size', 'USDT', 5000, 6200, 5000, 'resized'],
  ['liquidation-distance', 'gate', 'ATR', 3, 7.1, 7.1, 'pass'],
  ['correlation-cluster', 'gate', 'rho', 0.8, null, null, 'not-applicable'],
] as const;
const ruleChecks = checks.map(([rule, kind, unit, threshold, requested, approved, verdict]) => ({
  rule,
  kind,
  source: 'limits',
  unit,
  threshold,
  requested,
  approved,
  verdict,
  detail: verdict === 'resized' ? 'cut to the notional cap' : '',
}));
const chain = (id: string) => {
  const o = orders.find((x) => x.orderId === id) ?? orders[0];
  const at = o?.createdAt ?? new Date(clock).toISOString();
  const link = (n: number, type: string, data: Record<string, unknown>) => ({
    globalPosition: 500 + n,
    eventId: `evt-${id}-${n}`,
    type,
    streamId: `${type === 'SignalEmitted' ? 'strategy' : type === 'RiskDecided' ? 'risk' : 'order'}-${id}`,
    occurredAt: at,
    actor: `strategy:${o?.strategyId}@1`,
    correlationId: o?.correlationId,
    causationId: null,
    data,
  });
  return {
    root: `bar ${o?.symbol} 1h ${at}`,
    links: [
      link(0, 'SignalEmitted', {
        symbol: o?.symbol,
        side: 'long',
        strength: 0.7,
        features: { emaFast: 16510.2, emaSlow: 16380.9, atr: 120.4 },
      }),
      link(1, 'RiskDecided', {
        decisionId: `dec-${id}`,
        outcome: 'resize',
        approvedQuantity: '0.010',
        checks: ruleChecks,
      }),
      link(2, 'OrderRequested', { orderId: id, symbol: o?.symbol, side: o?.side, quantity: '0.010' }),
      link(3, 'OrderFilled', { orderId: id, price: '16543.2', quantity: '0.010', liquidity: 'taker' }),
    ],
    broken: [],
  };
};
const runs = new Map<string, { runId: string; strategyId: string; symbols: string[]; startedAt: number }>();

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const readBody = (req: IncomingMessage) =>
  new Promise<string>((ok) => {
    let b = '';
    req.on('data', (c) => {
      b += c;
    });
    req.on('end', () => ok(b));
  });

const runView = (r: { runId: string; strategyId: string; symbols: string[]; startedAt: number }) => {
  const progress = Math.min(1, (Date.now() - r.startedAt) / 3000);
  const done = progress >= 1;
  return {
    runId: r.runId,
    request: { strategyId: r.strategyId, symbols: r.symbols },
    status: done ? 'done' : 'running',
    progress,
    createdAt: new Date(r.startedAt).toISOString(),
    report: done
      ? {
          kpis: { totalReturn: 0.042, sharpe: 1.31, maxDrawdown: 0.061, winRate: 0.52, trades: 4, fees: 3.2 },
          equity: equity.get(r.strategyId) ?? [],
          trades: [
            {
              symbol: 'BTCUSDT',
              side: 'long',
              openedAt: start,
              closedAt: start + 5 * hour,
              entryPrice: 16500,
              exitPrice: 16620,
              fees: 0.8,
              netPnl: 11.2,
            },
            {
              symbol: 'BTCUSDT',
              side: 'short',
              openedAt: start + 9 * hour,
              closedAt: start + 14 * hour,
              entryPrice: 16700,
              exitPrice: 16760,
              fees: 0.8,
              netPnl: -6.8,
            },
          ],
          eventLogHash: 'sha256:4f1c…',
        }
      : null,
  };
};

/**
 * The hotlist: one scan, decisions kept in memory, the server's rules (403 unless the user is in the
 * approvers, which here is `alice` as the e2e test starts the real system; 422 with the decider's rule).
 */
const approvers = ['alice'];
const scanAt = new Date(start + 200 * hour).toISOString();
const hotScan = {
  scanId: 'scan-mock-1',
  at: scanAt,
  source: 'recorded',
  candidates: [
    {
      symbol: 'SUIUSDT',
      score: 0.81,
      rank: 1,
      dimensions: [
        {
          name: 'turnover-surge',
          value: 4.2,
          score: 0.93,
          detail: '24h turnover 4.2× its 30-day median (310M vs 74M USDT)',
        },
        {
          name: 'volatility',
          value: 0.071,
          score: 0.88,
          detail: 'realised 1h volatility 7.1 %, the 30-day median is 2.4 %',
        },
        { name: 'funding', value: 0.0009, score: 0.6, detail: 'funding 0.09 % per 8h, 9× the base rate' },
        { name: 'momentum', value: 0.22, score: 0.79, detail: '+22 % over 24h, +31 % over 72h' },
      ],
      labels: [
        { code: 'pump', severity: 'danger', detail: '+22 % in 24h: such moves often retrace' },
        { code: 'extreme-volatility', severity: 'danger', detail: 'hourly moves of 7.1 %, 3× its usual' },
        { code: 'crowded-long', severity: 'warn', detail: 'funding 0.09 % per 8h: longs pay to hold' },
        { code: 'thin-history', severity: 'info', detail: '212 days of bars, fewer than a year' },
      ],
      turnover24h: 310_400_000,
      return24h: 0.22,
      lastPrice: 1.2345,
      lastBarOpen: scanAt,
      bars: 720,
    },
    {
      symbol: '1000PEPEUSDT',
      score: 0.64,
      rank: 2,
      dimensions: [
        { name: 'turnover-surge', value: 2.1, score: 0.7, detail: '24h turnover 2.1× its 30-day median' },
        { name: 'volatility', value: 0.04, score: 0.62, detail: 'realised 1h volatility 4 %' },
        { name: 'funding', value: 0.0001, score: 0.1, detail: 'funding at the base rate' },
        { name: 'momentum', value: -0.08, score: 0.55, detail: '-8 % over 24h' },
      ],
      labels: [
        {
          code: 'high-maintenance-margin',
          severity: 'warn',
          detail: 'maintenance margin 2.5 % at the first tier',
        },
      ],
      turnover24h: 88_000_000,
      return24h: -0.08,
      lastPrice: 0.0012345,
      lastBarOpen: scanAt,
      bars: 720,
    },
    {
      symbol: 'ETHUSDT',
      score: 0.31,
      rank: 3,
      dimensions: [
        { name: 'turnover-surge', value: 1.1, score: 0.2, detail: '24h turnover at its median' },
        { name: 'volatility', value: 0.012, score: 0.3, detail: 'realised 1h volatility 1.2 %' },
        { name: 'funding', value: null, score: 0, detail: 'no funding in the window' },
        { name: 'momentum', value: 0.02, score: 0.4, detail: '+2 % over 24h' },
      ],
      labels: [],
      turnover24h: 5_100_000_000,
      return24h: 0.02,
      lastPrice: 1210.5,
      lastBarOpen: scanAt,
      bars: 720,
    },
  ],
  skipped: [{ symbol: 'LTCUSDT', reason: 'no bar in the last 24h' }],
};
const hot = {
  whitelist: [] as {
    symbol: string;
    approver: string;
    scanId: string;
    approvedAt: string;
    labels: (typeof hotScan.candidates)[number]['labels'];
    acknowledged: string[];
    note: string;
  }[],
  declined: new Set<string>(),
  history: [] as {
    kind: string;
    symbol: string;
    approver: string;
    at: string;
    scanId: string | null;
    text: string;
  }[],
};
/**
 * The price range and safe leverage every scan now carries, worked from a made-up daily σ the way
 * domain/hotlist/risk-figures.ts works them (log bands; the largest whole leverage a short survives a 3σ
 * day at the first bracket's maintenance rate), so the page shows figures that hang together.
 */
const riskFigures = (lastPrice: number, sigma24h: number, mmr: number, maxLeverage: number) => {
  const band = (k: number) => ({
    low: Number((lastPrice * Math.exp(-k * sigma24h)).toPrecision(6)),
    high: Number((lastPrice * Math.exp(k * sigma24h)).toPrecision(6)),
  });
  const move = Math.exp(3 * sigma24h) - 1;
  const need = move + mmr * (1 + move);
  const raw = Math.floor(1 / need) - (Math.floor(1 / need) * need >= 1 ? 1 : 0);
  const leverage = Math.max(1, Math.min(raw, maxLeverage));
  return {
    priceRange: {
      high24h: Number((lastPrice * 1.04).toPrecision(6)),
      low24h: Number((lastPrice * 0.95).toPrecision(6)),
      sigmaHourly: sigma24h / Math.sqrt(24),
      sigma24h,
      returns: 743,
      recentSigma24h: sigma24h * 1.3,
      expected1: band(1),
      expected2: band(2),
      detail: `±1σ and ±2σ of the month's hourly σ scaled to a day (${(sigma24h * 100).toFixed(2)} %)`,
    },
    safeLeverage: {
      leverage,
      severeMove: move,
      percentileMove: null,
      windows: 720,
      sigmaMove: move,
      maintenanceRate: mmr,
      maxLeverage,
      bracketCap: 50_000,
      capped: raw > maxLeverage,
      detail: `severe 24h move ${(move * 100).toFixed(1)} % (3σ); maintenance margin ${(mmr * 100).toFixed(2)} %`,
    },
  };
};
const figures: Record<string, ReturnType<typeof riskFigures>> = {
  SUIUSDT: riskFigures(1.2345, 0.071, 0.01, 50),
  '1000PEPEUSDT': riskFigures(0.0012345, 0.04, 0.025, 25),
  ETHUSDT: riskFigures(1210.5, 0.012, 0.005, 100),
};
const sentiment = {
  name: 'derived-fear-greed' as const,
  basis: "the scanned symbols' own momentum, volatility, funding and volume; not the alternative.me index",
  value: 61.3,
  band: 'greed' as const,
  components: [
    { name: 'momentum', value: 0.06, score: 68, symbols: 3, detail: '+6 % over 24h, turnover-weighted' },
    { name: 'volatility', value: 1.4, score: 38, symbols: 3, detail: 'hourly σ 1.4× its month' },
    { name: 'funding', value: 0.0003, score: 72, symbols: 3, detail: 'funding 0.03 % per 8h' },
    { name: 'volume', value: 1.9, score: 67, symbols: 3, detail: 'turnover 1.9× its 30-day median' },
  ],
  weights: [
    { symbol: 'ETHUSDT', weight: 0.93 },
    { symbol: 'SUIUSDT', weight: 0.056 },
    { symbol: '1000PEPEUSDT', weight: 0.014 },
  ],
  detail: 'greed: momentum, funding and volume up; volatility reads as fear',
};
const hotlistView = () => ({
  scan: {
    ...hotScan,
    sentiment,
    candidates: hotScan.candidates.map((c) => ({
      ...c,
      ...figures[c.symbol],
      status: hot.whitelist.some((w) => w.symbol === c.symbol)
        ? 'whitelisted'
        : hot.declined.has(c.symbol)
          ? 'declined'
          : 'candidate',
    })),
  },
  whitelist: hot.whitelist,
  configured: ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'],
  trading: ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'],
  history: hot.history,
});
const refuse = (status: number, code: string, message: string): [number, unknown] => [
  status,
  { error: { code, message } },
];
const hotlistAction = async (action: string, req: IncomingMessage): Promise<[number, unknown]> => {
  const body = JSON.parse(await readBody(req)) as {
    symbol: string;
    scanId?: string;
    approver: string;
    acknowledged?: string[];
    note?: string;
    reason?: string;
  };
  const user = req.headers['x-perpetua-user'];
  if (typeof user !== 'string' || !approvers.includes(user))
    return refuse(403, 'forbidden', `user ${JSON.stringify(user)} is not an approver`);
  if (body.approver !== user)
    return refuse(
      403,
      'forbidden',
      `approver ${JSON.stringify(body.approver)} is not the user in x-perpetua-user`,
    );
  const at = new Date().toISOString();
  const listed = hot.whitelist.find((w) => w.symbol === body.symbol);
  if (action === 'remove') {
    if (!listed) return refuse(422, 'not-whitelisted', `${body.symbol} is not on the whitelist`);
    hot.whitelist = hot.whitelist.filter((w) => w !== listed);
    hot.history.unshift({
      kind: 'removed',
      symbol: body.symbol,
      approver: user,
      at,
      scanId: null,
      text: body.reason ?? '',
    });
    return [200, { symbol: body.symbol, event: 'WhitelistSymbolRemoved' }];
  }
  if (body.scanId !== hotScan.scanId)
    return refuse(422, 'stale-scan', `scan ${body.scanId} is not the latest (${hotScan.scanId})`);
  const c = hotScan.candidates.find((x) => x.symbol === body.symbol);
  if (!c)
    return refuse(422, 'not-a-candidate', `${body.symbol} is not a candidate of scan ${hotScan.scanId}`);
  if (action === 'decline') {
    if (hot.declined.has(c.symbol))
      return refuse(422, 'already-declined', `${c.symbol} was declined already`);
    hot.declined.add(c.symbol);
    hot.history.unshift({
      kind: 'declined',
      symbol: c.symbol,
      approver: user,
      at,
      scanId: hotScan.scanId,
      text: body.reason ?? '',
    });
    return [200, { symbol: c.symbol, event: 'HotlistSymbolDeclined' }];
  }
  if (listed) return refuse(422, 'already-whitelisted', `${c.symbol} is on the whitelist already`);
  const acked = new Set(body.acknowledged ?? []);
  const missing = c.labels.filter((l) => l.severity === 'danger' && !acked.has(l.code));
  if (missing.length > 0)
    return refuse(
      422,
      'unacknowledged-risk',
      `acknowledge every danger label of ${c.symbol} first: ${missing.map((l) => l.code).join(', ')}`,
    );
  hot.whitelist.push({
    symbol: c.symbol,
    approver: user,
    scanId: hotScan.scanId,
    approvedAt: at,
    labels: c.labels,
    acknowledged: c.labels.map((l) => l.code).filter((code) => acked.has(code)),
    note: body.note ?? '',
  });
  hot.history.unshift({
    kind: 'approved',
    symbol: c.symbol,
    approver: user,
    at,
    scanId: hotScan.scanId,
    text: body.note ?? '',
  });
  return [200, { symbol: c.symbol, event: 'HotlistSymbolApproved' }];
};

/**
 * The strategy bandit: rounds every two market hours over five strategies, one benched for a while and
 * back, one cooling now, a correlated pair; "rebalance now" as the server answers it (403 unless alice,
 * 422 round-out-of-order when a round at this market hour exists).
 */
const arms5 = ['bollinger-rsi', 'donchian-breakout', 'ema-cross', 'funding-carry', 'vol-breakout'];
const pfRounds: { roundId: string; at: number; weights: Record<string, number>; benched: string[] }[] = [];
for (let i = 0; i < 60; i++) {
  const at = start + 80 * hour + i * 2 * hour;
  const benched = [
    ...(i >= 12 && i < 30 ? ['donchian-breakout'] : []),
    ...(i >= 48 ? ['bollinger-rsi'] : []),
  ];
  const raw = arms5.map((id, k) => (benched.includes(id) ? 0 : 1 + k * 0.4 + Math.sin(i / 6 + k) * 0.5));
  const total = raw.reduce((a, b) => a + b, 0);
  pfRounds.push({
    roundId: `round-mock-${i + 1}`,
    at,
    weights: Object.fromEntries(arms5.map((id, k) => [id, (raw[k] ?? 0) / total])),
    benched,
  });
}
const portfolioView = () => {
  const last = pfRounds[pfRounds.length - 1]!;
  const prev = pfRounds[pfRounds.length - 2] ?? last;
  return {
    enabled: true,
    latest: {
      roundId: last.roundId,
      at: new Date(last.at).toISOString(),
      policy: 'thompson',
      config: {
        policy: 'thompson',
        windowPeriods: 168,
        minPeriods: 168,
        minTrades: 50,
        maxStep: 0.1,
        minWeight: 0.05,
        correlationThreshold: 0.8,
        cooldownMs: 259_200_000,
      },
      arms: arms5.map((id, k) => {
        const cooling = last.benched.includes(id);
        return {
          id,
          runId: `paper-${id}-20230101-mock`,
          periods: 168,
          trades: 20 + k * 9,
          mean: cooling ? -0.08 : 0.02 * (k - 1),
          std: 1,
          score: cooling ? null : 0.03 * (k - 1),
          winProbability: cooling ? 0 : (last.weights[id] ?? 0),
          eligible: k !== 4,
          targetWeight: Math.min(1, (last.weights[id] ?? 0) * 1.1),
          weightBefore: prev.weights[id] ?? 0,
          weightAfter: last.weights[id] ?? 0,
          status: cooling ? 'cooling' : 'active',
          benchedUntil: cooling ? new Date(last.at + 30 * hour).toISOString() : null,
          reasons: cooling
            ? [`benched until ${new Date(last.at + 30 * hour).toISOString()}`]
            : id === 'donchian-breakout'
              ? [
                  'target cut by 81 %: ρ = 0.81 with ema-cross',
                  'moved +0.100 of +0.134 towards its target: slew limit 0.1 per round',
                ]
              : [],
        };
      }),
      benched: [],
      reinstated: [],
      correlated: [{ a: 'donchian-breakout', b: 'ema-cross', rho: 0.81, cut: 'donchian-breakout' }],
    },
    history: pfRounds.map((r) => ({ ...r, at: new Date(r.at).toISOString() })),
  };
};
const rebalance = async (req: IncomingMessage): Promise<[number, unknown]> => {
  const body = JSON.parse(await readBody(req)) as { approver: string };
  const user = req.headers['x-perpetua-user'];
  if (typeof user !== 'string' || !approvers.includes(user))
    return refuse(403, 'forbidden', `user ${JSON.stringify(user)} is not an approver`);
  if (body.approver !== user)
    return refuse(
      403,
      'forbidden',
      `approver ${JSON.stringify(body.approver)} is not the user in x-perpetua-user`,
    );
  const at = Math.floor(clock / hour) * hour;
  const last = pfRounds[pfRounds.length - 1]!;
  if (at <= last.at) {
    const iso = (t: number) => new Date(t).toISOString();
    return refuse(
      422,
      'round-out-of-order',
      `round-out-of-order: a round at ${iso(at)} is not after the last (${iso(last.at)})`,
    );
  }
  const roundId = `round-mock-${pfRounds.length + 1}`;
  pfRounds.push({ ...last, roundId, at });
  return [200, { roundId, at: new Date(at).toISOString() }];
};

/**
 * POST /api/breakers/step-down as the server answers it: the body checked by its own schema first, then
 * the approver, then the run (404 for one the node does not drive), then the breaker's own rules (409
 * with the rule, or `refused` for a target the run's ladders are not above).
 */
const stepDown = async (req: IncomingMessage): Promise<[number, unknown]> => {
  let raw: unknown;
  try {
    raw = JSON.parse(await readBody(req));
  } catch {
    return refuse(400, 'malformed_json', 'the request body is not JSON');
  }
  const parsed = breakerStepDownBody.safeParse(raw);
  if (!parsed.success)
    return [
      400,
      {
        error: {
          code: 'invalid_request',
          message: `invalid body: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
          issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
        },
      },
    ];
  const body = parsed.data;
  const user = req.headers['x-perpetua-user'];
  if (typeof user !== 'string' || !user)
    return refuse(403, 'forbidden', 'send the header x-perpetua-user: <user id> of an approver');
  if (!approvers.includes(user))
    return refuse(403, 'forbidden', `user ${JSON.stringify(user)} is not an approver`);
  if (body.approver !== undefined && body.approver !== user)
    return refuse(
      403,
      'forbidden',
      `approver ${JSON.stringify(body.approver)} is not the user in x-perpetua-user`,
    );
  if (!strategies.some((s) => runIdOf(s) === body.runId))
    return refuse(404, 'not_found', `no running paper or real run ${body.runId} on this node`);
  try {
    const r = stepDownBreakers(body.runId, clock, {
      to: body.to,
      approver: `user:${user}`,
      reason: body.reason,
    });
    appendMockEvents(r.events);
    return [200, { runId: body.runId, level: r.level, eventId: `evt-step-down-${position}` }];
  } catch (err) {
    if (err instanceof BreakerRuleError) return refuse(409, err.rule, err.message);
    if (err instanceof RangeError) return refuse(409, 'refused', err.message);
    throw err;
  }
};

/**
 * The desk's limits (GET and POST /api/risk/limits): changes kept in memory and folded with the domain's
 * own applyLimitChange, a body checked by the server's schema, then the approver, then the key by the
 * domain's rule, so the page meets the server's answers and messages.
 */
type MockLimitChange = LimitChange & { changeId: string; approver: string; reason: string; at: number };
const limitChanges: MockLimitChange[] = [
  {
    changeId: 'chg-mock-1',
    scope: 'defaults',
    key: null,
    limits: { maxLeverage: 8, maxDailyLoss: 0.04 },
    approver: 'user:alice',
    reason: 'quarter-end: a little less room',
    at: start + 20 * hour,
  },
  {
    changeId: 'chg-mock-2',
    scope: 'symbol',
    key: 'LTCUSDT',
    limits: { maxPositionNotional: 20_000, maxLeverage: 3 },
    approver: 'user:alice',
    reason: 'LTC books are thin',
    at: start + 40 * hour,
  },
];
/** As the log holds a change: each raises an alert, as on the server. */
const limitEvent = ({ at, ...data }: MockLimitChange) => ({
  type: 'RiskLimitsSet',
  streamId: 'risk-limits',
  at,
  actor: data.approver,
  data,
});
const invalidBody = (issues: { path: (string | number)[]; message: string }[]): [number, unknown] => [
  400,
  {
    error: {
      code: 'invalid_request',
      message: `invalid body: ${issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`,
      issues: issues.map((i) => ({ path: i.path, message: i.message })),
    },
  },
];
const riskLimitsView = () => {
  const config = limitChanges.reduce<RiskConfig>((c, x) => applyLimitChange(c, x), {
    defaults: defaultRiskLimits,
  });
  const layers = [
    ['account', config.accounts],
    ['strategy', config.strategies],
    ['symbol', config.symbols],
    ['strategy-symbol', config.strategySymbols],
  ] as const;
  return {
    defaults: config.defaults,
    overrides: layers.flatMap(([scope, layer]) =>
      Object.entries(layer ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, limits]) => ({ scope, key, limits })),
    ),
    changes: [...limitChanges]
      .reverse()
      .slice(0, 100)
      .map(({ at, ...c }) => ({ ...c, occurredAt: new Date(at).toISOString() })),
    builtIn: defaultRiskLimits,
  };
};
const setLimits = async (req: IncomingMessage): Promise<[number, unknown]> => {
  let raw: unknown;
  try {
    raw = JSON.parse(await readBody(req));
  } catch {
    return refuse(400, 'malformed_json', 'the request body is not JSON');
  }
  const parsed = riskLimitsBody.safeParse(raw);
  if (!parsed.success) return invalidBody(parsed.error.issues);
  const body = parsed.data;
  const user = req.headers['x-perpetua-user'];
  if (typeof user !== 'string' || !user)
    return refuse(403, 'forbidden', 'send the header x-perpetua-user: <user id> of an approver');
  if (!approvers.includes(user))
    return refuse(403, 'forbidden', `user ${JSON.stringify(user)} is not an approver`);
  if (body.approver !== undefined && body.approver !== user)
    return refuse(
      403,
      'forbidden',
      `approver ${JSON.stringify(body.approver)} is not the user in x-perpetua-user`,
    );
  try {
    checkLimitChange(body);
  } catch (err) {
    if (err instanceof LimitChangeError) return refuse(400, 'invalid_change', err.message);
    throw err;
  }
  const change: MockLimitChange = {
    changeId: `chg-mock-${limitChanges.length + 1}`,
    scope: body.scope,
    key: body.key,
    limits: body.limits,
    approver: `user:${user}`,
    reason: body.reason,
    at: clock,
  };
  limitChanges.push(change);
  appendMockEvents([limitEvent(change)]);
  return [200, { changeId: change.changeId, scope: change.scope, key: change.key, limits: change.limits }];
};

/**
 * Alerts: recorded events that tell the same story as the breakers and hotlist above (bollinger-rsi's
 * ladder climbing to halt, its KPIs breached, a canary rolled back, SUIUSDT's volatility), turned into
 * alerts by the server's own mapping, so the card shows the titles the server would write. The scheduled
 * request among them raises none, as on the server.
 */
const mockEvents: {
  type: string;
  streamId: string;
  at: number;
  mode?: Mode;
  actor?: string;
  data: unknown;
}[] = [];
/**
 * The breakers: each paper run's two ladders (scope strategy and account, scope id = the run id), moved
 * by the server's own decider on the run's measurements, so the card, the alerts and a person's
 * step-down meet the rules the server applies (the cooldown, measurements that still call for more).
 */
const runIdOf = (strategyId: string) => `paper-${strategyId}`;
const calm: BreakerMeasurements = {
  drawdown: 0.03,
  lossStreak: 2,
  slippage: 3,
  errorRate: 0,
  staleness: 1_200,
  marginRatio: 0.041,
};
const breakerRuns = new Map<string, { measured: BreakerMeasurements; ladders: BreakerState[] }>();
const breakerRun = (runId: string) => {
  let r = breakerRuns.get(runId);
  if (!r) {
    r = {
      measured: calm,
      ladders: [initialBreakerState('strategy', runId), initialBreakerState('account', runId)],
    };
    breakerRuns.set(runId, r);
  }
  return r;
};
/** Both ladders of a run see the same figures, as the engine's breaker desk gives them. */
const observeBreakers = (runId: string, hours: number, m: Partial<BreakerMeasurements>) => {
  const r = breakerRun(runId);
  r.measured = { ...r.measured, ...m };
  const at = start + hours * hour;
  r.ladders = r.ladders.map((state) => {
    let next = state;
    for (const e of decideBreaker(state, defaultBreakerParams, {
      kind: 'ObserveBreaker',
      at,
      measured: r.measured,
    })) {
      next = evolveBreaker(next, e);
      mockEvents.push({
        type: e.type,
        streamId: breakerStream(state),
        at,
        actor: 'system:breaker',
        data: e.data,
      });
    }
    return next;
  });
};
const breakerStream = (s: BreakerState) => `breaker-${s.scope}-${s.scopeId}`;
const lastMeasured = (s: BreakerState): BreakerMeasurements | Record<string, never> => {
  const stream = breakerStream(s);
  const last = mockEvents.findLast((e) => e.streamId === stream && e.type === 'BreakerLevelChanged');
  return (last?.data as { measured?: BreakerMeasurements } | undefined)?.measured ?? {};
};
/**
 * A person's step-down, as the engine takes it: every ladder above `to`, judged on measurements the
 * approval resets (only what it cannot acknowledge, the margin ratio and the data's age, is kept); both
 * decided before either is written, so a refusal writes nothing.
 */
const stepDownBreakers = (
  runId: string,
  at: number,
  cmd: { to: BreakerLevel; approver: string; reason: string },
): { events: (typeof mockEvents)[number][]; level: BreakerLevel } => {
  const r = breakerRuns.get(runId);
  if (!r) throw new RangeError('the run has no breaker to step down');
  const level = r.ladders.reduce<BreakerLevel>((l, s) => stricterLevel(l, s.level), 'normal');
  const above = r.ladders.filter((s) => levelIndex(s.level) > levelIndex(cmd.to));
  if (above.length === 0)
    throw new RangeError(`the run's breakers are at ${level}; ${cmd.to} is not below it`);
  const measured = { ...r.measured, drawdown: 0, lossStreak: 0, slippage: 0, errorRate: 0 };
  const decided = above.map((state) => ({
    state,
    events: decideBreaker(state, defaultBreakerParams, { kind: 'ApproveStepDown', at, measured, ...cmd }),
  }));
  const written: (typeof mockEvents)[number][] = [];
  for (const { state, events } of decided) {
    let next = state;
    for (const e of events) {
      next = evolveBreaker(next, e);
      written.push({ type: e.type, streamId: breakerStream(state), at, actor: cmd.approver, data: e.data });
    }
    r.ladders = r.ladders.map((s) => (s.scope === state.scope ? next : s));
  }
  r.measured = measured;
  return {
    events: written,
    level: r.ladders.reduce<BreakerLevel>((l, s) => stricterLevel(l, s.level), 'normal'),
  };
};
observeBreakers(runIdOf('ema-cross'), 60, { drawdown: 0.052 });
stepDownBreakers(runIdOf('ema-cross'), start + 90 * hour, {
  to: 'normal',
  approver: 'user:alice',
  reason: 'the drawdown was the funding spike of the 3rd',
}).events.forEach((e) => {
  mockEvents.push(e);
});
observeBreakers(runIdOf('bollinger-rsi'), 120, { drawdown: 0.061 });
observeBreakers(runIdOf('bollinger-rsi'), 135, { lossStreak: 6 });
// A position still near its liquidation: the margin ratio keeps the run at reduce whatever a person says.
observeBreakers(runIdOf('bollinger-rsi'), 150, { drawdown: 0.12, marginRatio: 0.66 });
mockEvents.push(
  {
    type: 'ParameterCanaryConcluded',
    streamId: 'parameters-donchian-breakout',
    at: start + 110 * hour,
    actor: 'system:parameter-canary',
    data: {
      strategyId: 'donchian-breakout',
      proposalId: 'opt-mock-7',
      version: 4,
      incumbentVersion: 3,
      outcome: 'rolled-back',
      by: 'automatic',
      reason: 'the canary drew down 6.4 %, past its 5 % limit',
      at: start + 110 * hour,
      checks: [
        { name: 'max-drawdown', value: 0.064, threshold: 0.05, pass: false, detail: 'drew down 6.4 %' },
      ],
      evidence: null,
    },
  },
  {
    type: 'ReoptimizationRequested',
    streamId: 'reoptimization-bollinger-rsi',
    at: start + 151 * hour,
    actor: 'system:scheduler',
    data: {
      strategyId: 'bollinger-rsi',
      requestId: 'bollinger-rsi:kpi:mock',
      trigger: {
        kind: 'kpi',
        window: 168,
        checks: [
          { kpi: 'rollingSharpe', value: -0.81, comparator: '>=', threshold: 0.5, breached: true },
          { kpi: 'drawdown', value: 0.12, comparator: '<=', threshold: 0.1, breached: true },
        ],
      },
    },
  },
  {
    type: 'ReoptimizationRequested',
    streamId: 'reoptimization-ema-cross',
    at: start + 168 * hour,
    actor: 'system:scheduler',
    data: {
      strategyId: 'ema-cross',
      requestId: 'ema-cross:schedule:mock',
      trigger: { kind: 'schedule', cron: '0 0 * * 0', dueAt: start + 168 * hour },
    },
  },
  {
    type: 'ReoptimizationRequested',
    streamId: 'reoptimization-ema-cross',
    at: start + 200 * hour,
    actor: 'system:scheduler',
    data: {
      strategyId: 'ema-cross',
      requestId: 'ema-cross:volatility:mock',
      trigger: {
        kind: 'volatility',
        symbol: 'SUIUSDT',
        percentile: 0.97,
        threshold: 0.95,
        scanId: 'scan-mock-1',
      },
    },
  },
);
for (const c of limitChanges) mockEvents.push(limitEvent(c));
mockEvents.sort((a, b) => a.at - b.at);
const alertOfMock = (e: (typeof mockEvents)[number], globalPosition: number, i: number) => {
  const occurredAt = new Date(e.at).toISOString();
  const metadata = {
    correlationId: `mock-${i}`,
    causationId: null,
    actor: e.actor ?? 'system:risk',
    mode: e.mode ?? ('paper' as const),
    occurredAt,
    recordedAt: occurredAt,
  };
  const a = alertOf({ type: e.type, streamId: e.streamId, data: e.data, metadata });
  return (
    a && {
      globalPosition,
      eventId: `evt-alert-${i}`,
      type: e.type,
      ...a,
      occurredAt,
      correlationId: metadata.correlationId,
    }
  );
};
type MockAlert = NonNullable<ReturnType<typeof alertOfMock>>;
const mockAlerts: MockAlert[] = mockEvents
  .map((e, i) => alertOfMock(e, 300 + i, i))
  .filter((a) => a !== null)
  .reverse();
/** Events a person's action appends now: at the head of the log, newest alert first. */
const appendMockEvents = (events: readonly (typeof mockEvents)[number][]) => {
  for (const e of events) {
    position += 1;
    mockEvents.push(e);
    const a = alertOfMock(e, position, mockEvents.length);
    if (a) mockAlerts.unshift(a);
  }
};
const alertCursor = (p: number) => Buffer.from(`p1:${p}`).toString('base64url');
const alertsPage = (url: URL): [number, unknown] => {
  const q = url.searchParams;
  const severity = q.get('severity') ?? 'info';
  if (!(alertSeverities as readonly string[]).includes(severity))
    return refuse(
      400,
      'invalid_request',
      `invalid query: severity: Invalid enum value. Expected 'info' | 'warning' | 'critical', received '${severity}'`,
    );
  const limit = Number(q.get('limit') ?? 100);
  const cursor = q.get('cursor');
  const before = cursor ? Number(/^p1:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString())?.[1]) : null;
  const wanted = new Set(severitiesFrom(severity as AlertSeverity));
  const rows = mockAlerts.filter(
    (a) => wanted.has(a.severity) && (before === null || a.globalPosition < before),
  );
  const items = rows.slice(0, limit);
  return [
    200,
    { items, nextCursor: rows.length > limit ? alertCursor(items[items.length - 1]!.globalPosition) : null },
  ];
};

const routes: [
  RegExp,
  (m: RegExpMatchArray, url: URL, req: IncomingMessage) => Promise<[number, unknown]> | [number, unknown],
][] = [
  [/^\/api\/health$/, () => [200, { ok: true, version: 'mock' }]],
  [
    /^\/api\/status$/,
    () => [
      200,
      {
        store: { kind: 'mock', location: 'memory', head: position },
        projections: [
          { name: 'ledger', position: position - 3, lag: 3 },
          { name: 'event-counts', position, lag: 0 },
        ],
        paper: strategies.map((s, i) => ({
          accountId: 'paper-1',
          symbols,
          feed: 'recorded',
          mode: 'paper',
          from: new Date(start).toISOString(),
          to: new Date(start + 8760 * hour).toISOString(),
          simTime: new Date(clock).toISOString(),
          speed: 3600,
          state: 'running',
          events: position,
          copied: position,
          error: null,
          runId: runIdOf(s),
          strategyId: s,
          progress: 0.3 + i * 0.1,
        })),
      },
    ],
  ],
  [
    /^\/api\/accounts$/,
    () => {
      const u = [...cells.values()].reduce((a, c) => a + c.u, 0);
      return [
        200,
        [
          {
            accountId: 'paper-1',
            venue: 'binance',
            walletBalance: '30000.00',
            equity: (30000 + u).toFixed(2),
            unrealisedPnl: u.toFixed(2),
            availableBalance: '21000.00',
            marginRatio: 0.041,
          },
        ],
      ];
    },
  ],
  [
    /^\/api\/positions$/,
    () => [
      200,
      [
        {
          accountId: 'paper-1',
          symbol: 'BTCUSDT',
          side: 'long',
          quantity: '0.010',
          entryPrice: '16543.2',
          markPrice: '16610.0',
          unrealisedPnl: '0.67',
          leverage: 3,
          stop: { status: 'armed', price: '16300.0', layer: 1 },
          legs: [
            { kind: 'stop', layer: 'initial', status: 'armed', price: '16300.0', quantity: '0.010' },
            {
              kind: 'take-profit',
              layer: 'take-profit',
              status: 'armed',
              price: '16790.0',
              quantity: '0.005',
            },
            {
              kind: 'take-profit',
              layer: 'take-profit',
              status: 'armed',
              price: '17040.0',
              quantity: '0.005',
            },
            { kind: 'time', layer: 'time', status: 'armed', price: null, quantity: '0.010' },
          ],
          exchangeStop: { orderId: 'real-ema-cross-7', price: '16218.5', status: 'accepted' },
        },
        {
          accountId: 'paper-1',
          symbol: 'ETHUSDT',
          side: 'short',
          quantity: '0.50',
          entryPrice: '1210.5',
          markPrice: '1215.0',
          unrealisedPnl: '-2.25',
          leverage: 2,
          stop: { status: 'triggered', price: '1220.0', layer: 2 },
        },
        {
          accountId: 'paper-1',
          symbol: 'LTCUSDT',
          side: 'long',
          quantity: '3.0',
          entryPrice: '70.10',
          markPrice: '69.00',
          unrealisedPnl: '-3.30',
          leverage: 2,
          stop: { status: 'filled', price: '69.0', layer: 1 },
        },
      ],
    ],
  ],
  [/^\/api\/orders$/, () => [200, { items: orders, nextCursor: null }]],
  [
    /^\/api\/fills$/,
    () => [
      200,
      {
        items: orders
          .filter((o) => o.status === 'filled')
          // Every other fill a maker's on a rebate tier: its fee is negative, paid to the account.
          .map((o, i) => ({
            orderId: o.orderId,
            symbol: o.symbol,
            side: o.side,
            quantity: '0.010',
            price: '16543.2',
            fee: i % 2 === 1 ? '-0.0165' : '0.066',
            realisedPnl: '1.20',
            liquidity: i % 2 === 1 ? 'maker' : 'taker',
            at: o.updatedAt,
            correlationId: o.correlationId,
          })),
        nextCursor: null,
      },
    ],
  ],
  [
    /^\/api\/strategies$/,
    () => [
      200,
      strategies.map((s, i) => ({
        strategyId: s,
        version: '1.0.0',
        paramsVersion: i,
        params: { fast: 12 + i, slow: 48, atrStop: 2.5, useFunding: i === 0 },
        state: i === 2 ? 'halted' : 'running',
        kpis: {
          totalReturn: 0.03 * (i + 1),
          sharpe: 1.1 - i * 0.4,
          maxDrawdown: 0.05,
          winRate: 0.5,
          trades: 10 + i,
        },
      })),
    ],
  ],
  [/^\/api\/strategies\/([^/]+)\/equity$/, (m) => [200, equity.get(decodeURIComponent(m[1] ?? '')) ?? []]],
  [
    /^\/api\/pnl\/heatmap$/,
    () => [
      200,
      [...cells.entries()].map(([k, c]) => {
        const [strategyId, symbol] = k.split('|');
        return { strategyId, symbol, realisedPnl: c.r.toFixed(2), unrealisedPnl: c.u.toFixed(2) };
      }),
    ],
  ],
  [
    /^\/api\/breakers$/,
    () => [
      200,
      [...breakerRuns.values()]
        .flatMap((r) =>
          r.ladders
            .filter((l) => l.since !== null)
            .map((l) => ({
              scope: l.scope,
              scopeId: l.scopeId,
              level: l.level,
              since: new Date(l.since ?? start).toISOString(),
              // As the read model has it: what the ladder's last move measured.
              measured: lastMeasured(l),
            })),
        )
        .sort((a, b) => a.scope.localeCompare(b.scope) || a.scopeId.localeCompare(b.scopeId)),
    ],
  ],
  [/^\/api\/breakers\/step-down$/, (_m, _u, req) => stepDown(req)],
  [
    /^\/api\/risk\/limits$/,
    (_m, _u, req) => (req.method === 'POST' ? setLimits(req) : [200, riskLimitsView()]),
  ],
  [
    /^\/api\/risk\/decisions$/,
    () => [
      200,
      {
        items: orders.slice(0, 5).map((o, i) => ({
          decisionId: `dec-${i}`,
          accountId: 'paper-1',
          strategyId: o.strategyId,
          symbol: o.symbol,
          outcome: i === 4 ? 'reject' : i === 1 ? 'resize' : 'approve',
          approvedQuantity: '0.010',
          intent: { side: o.side, type: 'MARKET', quantity: '0.012', price: null, reduceOnly: false },
          checks: ruleChecks,
          occurredAt: o.createdAt,
          correlationId: o.orderId,
        })),
        nextCursor: null,
      },
    ],
  ],
  [
    /^\/api\/audit\/timeline$/,
    () => [
      200,
      {
        items: Array.from({ length: 20 }, (_, i) => ({
          globalPosition: position - i,
          eventId: `evt-${i}`,
          type: ['SignalEmitted', 'RiskDecided', 'OrderRequested', 'OrderFilled'][i % 4],
          streamId: `order-ord-${1000 + (i >> 2)}`,
          occurredAt: new Date(clock - i * 60_000).toISOString(),
          actor: 'strategy:ema-cross@1',
          correlationId: `corr-${i >> 2}`,
          causationId: null,
          summary: `event ${position - i}`,
        })),
        nextCursor: 'next',
      },
    ],
  ],
  [/^\/api\/audit\/chains\/([^/]+)$/, (m) => [200, chain(decodeURIComponent(m[1] ?? ''))]],
  [
    /^\/api\/market\/([^/]+)\/bars$/,
    () => {
      let p = 16500;
      return [
        200,
        Array.from({ length: 150 }, (_, i) => {
          const o = p;
          p += (rnd() - 0.5) * 80;
          return {
            openTime: new Date(start + i * hour).toISOString(),
            open: o.toFixed(1),
            high: (Math.max(o, p) + 20).toFixed(1),
            low: (Math.min(o, p) - 20).toFixed(1),
            close: p.toFixed(1),
            volume: (rnd() * 900).toFixed(3),
          };
        }),
      ];
    },
  ],
  [/^\/api\/alerts$/, (_m, url) => alertsPage(url)],
  [/^\/api\/hotlist$/, () => [200, hotlistView()]],
  [/^\/api\/portfolio$/, () => [200, portfolioView()]],
  [/^\/api\/alloc\/rebalance$/, (_m, _u, req) => rebalance(req)],
  [/^\/api\/hotlist\/(approve|decline|remove)$/, (m, _u, req) => hotlistAction(m[1] ?? '', req)],
  [
    /^\/api\/backtests$/,
    async (_m, _u, req) => {
      if (req.method === 'POST') {
        const body = JSON.parse(await readBody(req)) as { strategyId: string; symbols: string[] };
        const runId = `bt-${runs.size + 1}`;
        runs.set(runId, { runId, strategyId: body.strategyId, symbols: body.symbols, startedAt: Date.now() });
        return [202, { runId }];
      }
      return [200, [...runs.values()].map((r) => ({ ...runView(r), report: undefined }))];
    },
  ],
  [
    /^\/api\/backtests\/([^/]+)$/,
    (m) => {
      const r = runs.get(m[1] ?? '');
      return r ? [200, runView(r)] : [404, { error: { code: 'not_found', message: 'no such run' } }];
    },
  ],
];

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  for (const [re, handle] of routes) {
    const m = url.pathname.match(re);
    if (m) {
      const [status, body] = await handle(m, url, req);
      return send(res, status, body);
    }
  }
  const file = join(dist, url.pathname);
  const found = url.pathname !== '/' && statSync(file, { throwIfNoEntry: false })?.isFile();
  const types: Record<string, string> = {
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.html': 'text/html',
  };
  res.writeHead(200, {
    'content-type': types[found ? extname(file) : '.html'] ?? 'application/octet-stream',
  });
  res.end(readFileSync(found ? file : join(dist, 'index.html')));
});

const wss = new WebSocketServer({ server, path: '/ws' });
setInterval(() => {
  position += 1;
  clock += hour;
  const key = [...cells.keys()][Math.floor(rnd() * cells.size)] ?? '';
  const c = cells.get(key);
  if (c) {
    c.u = (rnd() - 0.45) * 60;
    c.r += (rnd() - 0.45) * 10;
  }
  const [strategyId, symbol] = key.split('|');
  for (const s of strategies) {
    const pts = equity.get(s);
    const last = pts?.[pts.length - 1];
    if (pts && last) pts.push({ at: clock, equity: Number((last.equity + (rnd() - 0.48) * 40).toFixed(2)) });
  }
  const msg = JSON.stringify({
    channel: 'pnl',
    globalPosition: position,
    data: { strategyId, symbol, realisedPnl: c?.r.toFixed(2), unrealisedPnl: c?.u.toFixed(2) },
  });
  const ev = JSON.stringify({ channel: 'events', globalPosition: position, data: { type: 'EquityMarked' } });
  for (const ws of wss.clients) {
    ws.send(msg);
    ws.send(ev);
  }
}, 500);

server.listen(port, () => console.log(`mock API and UI on http://localhost:${port}`));
