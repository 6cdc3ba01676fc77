import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { paperRunEvents } from '../../projections/testing/paper-fixture.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

const runId = 'paper-ema-cross-api';
let events: readonly StoredEvent[] = [];
let t: Awaited<ReturnType<typeof testApp>>;

beforeAll(async () => {
  events = await paperRunEvents('ema-cross', runId, '2023-06-21');
  t = await testApp(events);
});
afterAll(async () => t?.close());

const get = async (path: string) => {
  const res = await t.app.request(path);
  return { status: res.status, body: (await res.json()) as unknown };
};
const post = async (path: string, body: string) => {
  const res = await t.app.request(path, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};
const parsed = <T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> =>
  schema.parse(body) as z.output<T>;
const expectError = (r: { status: number; body: unknown }, status: number, code?: string) => {
  expect(r.status).toBe(status);
  const e = parsed(s.errorBody, r.body);
  if (code) expect(e.error.code).toBe(code);
  return e;
};

describe('system routes', () => {
  it('GET /api/health', async () => {
    const r = await get('/api/health');
    expect(r.status).toBe(200);
    expect(parsed(s.health, r.body)).toEqual({ ok: true, version: 'test' });
  });

  it('GET /api/status: head and projections without lag after catch-up', async () => {
    const r = await get('/api/status');
    const st = parsed(s.status, r.body);
    expect(st.store.head).toBe(events.length);
    expect(st.projections.map((p) => p.name)).toContain('audit');
    expect(st.projections.every((p) => p.lag === 0)).toBe(true);
    // This node calls no exchange.
    expect(st.venue).toBeNull();
  });

  it('unknown routes are JSON 404s', async () => {
    expectError(await get('/api/nope'), 404, 'not_found');
  });

  it('GET /openapi.json documents every route with its parameters and schemas', async () => {
    const r = await get('/openapi.json');
    const doc = r.body as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const path of [
      '/api/health',
      '/api/status',
      '/api/accounts',
      '/api/positions',
      '/api/orders',
      '/api/fills',
      '/api/strategies',
      '/api/strategies/{id}/equity',
      '/api/pnl/heatmap',
      '/api/risk/decisions',
      '/api/breakers',
      '/api/audit/timeline',
      '/api/audit/chains/{id}',
      '/api/market/{symbol}/bars',
      '/api/backtests',
      '/api/backtests/{runId}',
      '/metrics',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/orders']!.get!.parameters!.map((p) => p.name)).toEqual([
      'symbol',
      'strategyId',
      'status',
      'limit',
      'cursor',
    ]);
    expect(JSON.stringify(doc.paths['/api/backtests']!.post)).toContain('"symbols"');
  });

  it('GET /metrics: Prometheus text with latency, projection lag and event counters', async () => {
    await get('/api/health');
    const res = await t.app.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('perpetua_http_request_duration_seconds_bucket{');
    expect(text).toContain('route="/api/health"');
    expect(text).toContain('perpetua_projection_lag_events{projection="audit"} 0');
    t.metrics.observeAppended(events.slice(0, 50));
    expect(await t.metrics.registry.metrics()).toContain(
      'perpetua_events_appended_total{type="RunStarted"} 1',
    );
  });
});

describe('accounts, positions, orders, fills', () => {
  it('GET /api/accounts: the run account with its wallet', async () => {
    const r = await get('/api/accounts');
    const accounts = parsed(s.accounts, r.body);
    expect(accounts.map((a) => a.accountId)).toEqual([runId]);
    expect(Number(accounts[0]!.walletBalance)).toBeGreaterThan(0);
  });

  it('GET /api/positions: open positions valued at marks, with stops; filter and bad input', async () => {
    const r = await get(`/api/positions?accountId=${runId}`);
    const positions = parsed(s.positions, r.body);
    for (const p of positions) expect(p.accountId).toBe(runId);
    expect(parsed(s.positions, (await get('/api/positions?accountId=other')).body)).toEqual([]);
    expectError(await get('/api/positions?accountId='), 400, 'invalid_request');
  });

  it('GET /api/orders: newest first, cursor pages, filters; bad limit, status and cursor are 400', async () => {
    const first = parsed(s.page(s.order), (await get('/api/orders?limit=2')).body);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = parsed(
      s.page(s.order),
      (await get(`/api/orders?limit=2&cursor=${first.nextCursor}`)).body,
    );
    expect(second.items[0]!.orderId).not.toBe(first.items[1]!.orderId);
    expect(second.items[0]!.createdAt <= first.items[1]!.createdAt).toBe(true);
    const eth = parsed(
      s.page(s.order),
      (await get('/api/orders?symbol=ETHUSDT&status=filled&strategyId=ema-cross')).body,
    );
    expect(eth.items.length).toBeGreaterThan(0);
    expect(eth.items.every((o) => o.symbol === 'ETHUSDT' && o.status === 'filled')).toBe(true);
    expectError(await get('/api/orders?limit=0'), 400);
    expectError(await get('/api/orders?limit=501'), 400);
    expectError(await get('/api/orders?limit=ten'), 400);
    expectError(await get('/api/orders?status=done'), 400);
    expectError(await get('/api/orders?cursor=bm9wZQ'), 400, 'bad_cursor');
    expectError(await get('/api/orders?cursor=%25%25'), 400);
  });

  it('GET /api/fills: by order; lowercase symbol is 400', async () => {
    const orders = parsed(s.page(s.order), (await get('/api/orders?status=filled&limit=1')).body);
    const orderId = orders.items[0]!.orderId;
    const fills = parsed(s.page(s.fill), (await get(`/api/fills?orderId=${orderId}`)).body);
    expect(fills.items.length).toBeGreaterThan(0);
    expect(fills.items.every((f) => f.orderId === orderId)).toBe(true);
    expectError(await get('/api/fills?symbol=btcusdt'), 400);
  });
});

describe('strategies, PnL, risk', () => {
  it('GET /api/strategies: every built-in; the one with a paper run has KPIs', async () => {
    const list = parsed(s.strategies, (await get('/api/strategies')).body);
    expect(list.map((x) => x.strategyId)).toContain('donchian-breakout');
    const ema = list.find((x) => x.strategyId === 'ema-cross')!;
    expect(ema.kpis?.fills).toBe(events.filter((e) => e.type === 'FillSettled').length);
    expect(ema.state).toBe('stopped');
    expect(list.find((x) => x.strategyId === 'donchian-breakout')!.kpis).toBeNull();
  });

  it('GET /api/strategies/:id/equity: the curve; unknown strategy 404; known without run []', async () => {
    const curve = parsed(s.equityCurve, (await get('/api/strategies/ema-cross/equity')).body);
    expect(curve.length).toBeGreaterThan(400);
    expect(parsed(s.equityCurve, (await get('/api/strategies/bollinger-rsi/equity')).body)).toEqual([]);
    expectError(await get('/api/strategies/nope/equity'), 404, 'not_found');
  });

  it('GET /api/pnl/heatmap: one cell per strategy and symbol traded', async () => {
    const cells = parsed(s.heatmap, (await get('/api/pnl/heatmap')).body);
    expect(cells.map((c) => `${c.strategyId}/${c.symbol}`).sort()).toEqual([
      'ema-cross/BTCUSDT',
      'ema-cross/ETHUSDT',
    ]);
  });

  it('GET /api/risk/decisions: every check recorded; outcome filter; bad outcome 400', async () => {
    const page = parsed(
      s.page(s.riskDecision),
      (await get('/api/risk/decisions?outcome=approve&limit=5')).body,
    );
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items[0]!.checks.some((c) => c.rule === 'max-open-orders' && c.threshold === 50)).toBe(true);
    expectError(await get('/api/risk/decisions?outcome=maybe'), 400);
  });

  it('GET /api/breakers: the level of each breaker after its last change', async () => {
    const last = new Map<string, string>();
    for (const e of events) {
      if (e.type !== 'BreakerLevelChanged') continue;
      const d = e.data as { scope: string; scopeId: string; to: string };
      last.set(`${d.scope}/${d.scopeId}`, d.to);
    }
    const got = parsed(s.breakers, (await get('/api/breakers')).body);
    expect(new Map(got.map((b) => [`${b.scope}/${b.scopeId}`, b.level]))).toEqual(last);
  });
});

/**
 * The first filled entry of ema-cross: a strategy's decision, whose chain starts at its signal (a stop's
 * exit starts at the stop's trigger instead).
 */
const firstEntry = () => {
  const filled = new Set(
    events.filter((e) => e.type === 'OrderFilled').map((e) => (e.data as { orderId: string }).orderId),
  );
  return events.find((e) => {
    if (e.type !== 'OrderRequested') return false;
    const d = e.data as { orderId: string; reduceOnly: boolean; strategyId: string | null };
    return !d.reduceOnly && d.strategyId === 'ema-cross' && filled.has(d.orderId);
  })!;
};

describe('audit', () => {
  it('GET /api/audit/timeline: filters and pages; bad ranges and types are 400', async () => {
    const fills = parsed(
      s.page(s.auditItem),
      (await get('/api/audit/timeline?type=FillSettled&symbol=BTCUSDT&limit=500')).body,
    );
    expect(fills.items.length).toBe(
      events.filter((e) => e.type === 'FillSettled' && (e.data as { symbol: string }).symbol === 'BTCUSDT')
        .length,
    );
    const day = parsed(
      s.page(s.auditItem),
      (await get('/api/audit/timeline?from=2023-06-10&to=2023-06-11&limit=3')).body,
    );
    expect(day.items.every((i) => i.occurredAt.startsWith('2023-06-10'))).toBe(true);
    const next = parsed(
      s.page(s.auditItem),
      (await get(`/api/audit/timeline?from=2023-06-10&to=2023-06-11&limit=3&cursor=${day.nextCursor}`)).body,
    );
    expect(next.items[0]!.globalPosition).toBeLessThan(day.items[2]!.globalPosition);
    const byActor = parsed(
      s.page(s.auditItem),
      (await get('/api/audit/timeline?actor=strategy:ema-cross@1.0.0&limit=5')).body,
    );
    expect(byActor.items.every((i) => i.type === 'SignalEmitted')).toBe(true);
    const chain = parsed(
      s.page(s.auditItem),
      (
        await get(
          `/api/audit/timeline?correlationId=${encodeURIComponent(firstEntry().metadata.correlationId)}&strategy=ema-cross`,
        )
      ).body,
    );
    expect(chain.items.length).toBeGreaterThan(3);
    expectError(await get('/api/audit/timeline?from=2023-06-11&to=2023-06-10'), 400);
    expectError(await get('/api/audit/timeline?from=yesterday'), 400);
    expectError(await get('/api/audit/timeline?type=Drop;Table'), 400);
  });

  it('GET /api/audit/chains/:id: an order’s decision chain; unknown id 404', async () => {
    const entry = firstEntry();
    const { orderId } = entry.data as { orderId: string };
    const c = parsed(s.chain, (await get(`/api/audit/chains/${orderId}`)).body);
    expect(c.correlationId).toBe(entry.metadata.correlationId);
    expect(c.links.map((l) => l.type)).toEqual(
      expect.arrayContaining(['SignalEmitted', 'RiskDecided', 'OrderFilled']),
    );
    expect(c.root?.type).toBe('SignalEmitted');
    expect(c.broken).toEqual([]);
    expectError(await get('/api/audit/chains/no-such-thing'), 404, 'not_found');
  });
});

describe('market data', () => {
  it('GET /api/market/:symbol/bars: a range; unknown symbol 404; bad input 400/422', async () => {
    const bars = parsed(
      s.bars,
      (await get('/api/market/BTCUSDT/bars?timeframe=1h&from=2023-06-01&to=2023-06-02')).body,
    );
    expect(bars).toHaveLength(24);
    expect(bars[0]!.openTime).toBe('2023-06-01T00:00:00.000Z');
    expect(parsed(s.bars, (await get('/api/market/ETHUSDT/bars')).body)).toHaveLength(500);
    expectError(await get('/api/market/NOPEUSDT/bars'), 404);
    expectError(await get('/api/market/btcusdt/bars'), 400);
    expectError(await get('/api/market/BTCUSDT/bars?timeframe=hourly'), 400);
    expectError(await get('/api/market/BTCUSDT/bars?from=2023-06-02&to=2023-06-01'), 422, 'bad_range');
  });
});

describe('backtests', () => {
  it('POST /api/backtests → 202, progress, then the report; GET list and unknown id', async () => {
    const r = await post(
      '/api/backtests',
      JSON.stringify({
        strategyId: 'donchian-breakout',
        symbols: ['BTCUSDT'],
        from: '2023-03-01',
        to: '2023-04-01',
      }),
    );
    expect(r.status).toBe(202);
    const { runId: id } = parsed(s.backtestAccepted, r.body);
    await t.backtests.idle();
    const done = parsed(s.backtest, (await get(`/api/backtests/${id}`)).body);
    expect(done.status).toBe('done');
    expect(done.progress).toBe(1);
    expect(done.report?.eventLogHash).toMatch(/^[0-9a-f]{64}$/);
    expect(done.report?.equity.length).toBeGreaterThan(100);
    expect(typeof done.report?.kpis.totalReturn).toBe('number');
    const list = parsed(s.backtestList, (await get('/api/backtests')).body);
    expect(list[0]!.runId).toBe(id);
    expectError(await get('/api/backtests/bt-nope'), 404, 'not_found');
  });

  it('bad bodies: malformed JSON 400, schema 400 with issues, broken rules 422', async () => {
    expectError(await post('/api/backtests', '{"strategyId":'), 400, 'malformed_json');
    const e = expectError(
      await post('/api/backtests', JSON.stringify({ strategyId: 'ema-cross' })),
      400,
      'invalid_request',
    );
    expect(e.error.issues?.[0]?.path).toEqual(['symbols']);
    expectError(
      await post(
        '/api/backtests',
        JSON.stringify({ strategyId: 'ema-cross', symbols: ['BTCUSDT'], extra: 1 }),
      ),
      400,
    );
    expectError(
      await post(
        '/api/backtests',
        JSON.stringify({
          strategyId: 'ema-cross',
          symbols: ['BTCUSDT'],
          from: '2023-05-01',
          to: '2023-04-01',
        }),
      ),
      400,
    );
    expectError(
      await post('/api/backtests', JSON.stringify({ strategyId: 'nope', symbols: ['BTCUSDT'] })),
      422,
      'invalid_backtest',
    );
    expectError(
      await post(
        '/api/backtests',
        JSON.stringify({
          strategyId: 'ema-cross',
          symbols: ['BTCUSDT'],
          from: '2030-01-01',
          to: '2030-02-01',
        }),
      ),
      422,
    );
    expectError(
      await post(
        '/api/backtests',
        JSON.stringify({ strategyId: 'ema-cross', symbols: ['BTCUSDT'], params: { fast: 'quick' } }),
      ),
      422,
    );
  });

  it('the account a backtest trades on: balance, leverage, fee tier, impact and latency', async () => {
    const body = {
      strategyId: 'donchian-breakout',
      symbols: ['BTCUSDT'],
      from: '2023-03-01',
      to: '2023-04-01',
      initialBalance: '2500',
      leverage: 2,
      feeTier: 'VIP9',
      impact: 0,
      latencyMs: { min: 0, max: 0 },
    };
    const r = await post('/api/backtests', JSON.stringify(body));
    expect(r.status).toBe(202);
    const { runId: id } = parsed(s.backtestAccepted, r.body);
    const plain = await post(
      '/api/backtests',
      JSON.stringify({ ...body, initialBalance: '2500', feeTier: 'VIP0' }),
    );
    const { runId: plainId } = parsed(s.backtestAccepted, plain.body);
    await t.backtests.idle();
    const done = parsed(s.backtest, (await get(`/api/backtests/${id}`)).body);
    const base = parsed(s.backtest, (await get(`/api/backtests/${plainId}`)).body);
    expect(done.request).toMatchObject({ initialBalance: '2500', leverage: 2, feeTier: 'VIP9' });
    expect(done.report?.kpis.startEquity).toBe(2500);
    expect(done.report?.notes).toEqual([]);
    // VIP9 pays no maker fee and 1.7 bp taker against VIP0's 2 and 5: the same trades cost less.
    expect(done.report?.trades.length).toBe(base.report?.trades.length);
    expect(done.report!.kpis.fees!).toBeLessThan(base.report!.kpis.fees! * 0.5);
    expect(done.report!.kpis.fees!).toBeGreaterThan(0);

    // Notes say what the KPIs hide: here, that the data ends a month before the range does.
    const short = await post(
      '/api/backtests',
      JSON.stringify({ strategyId: 'ema-cross', symbols: ['BTCUSDT'], from: '2023-12-20', to: '2024-02-01' }),
    );
    const { runId: shortId } = parsed(s.backtestAccepted, short.body);
    await t.backtests.idle();
    expect(parsed(s.backtest, (await get(`/api/backtests/${shortId}`)).body).report?.notes).toEqual([
      "BTCUSDT 1h data ends at 2024-01-01T00:00:00Z, before the run's end",
    ]);

    const tiers = expectError(
      await post('/api/backtests', JSON.stringify({ ...body, feeTier: 'VIP42' })),
      422,
      'invalid_backtest',
    );
    expect(tiers.error.message).toContain('VIP0, VIP1');
    // Another venue's rules: its tiers, not Binance's.
    const bybitTiers = expectError(
      await post('/api/backtests', JSON.stringify({ ...body, venue: 'bybit', feeTier: 'VIP9' })),
      422,
      'invalid_backtest',
    );
    expect(bybitTiers.error.message).toContain("is not one of bybit's: VIP0");
    expect(
      (await post('/api/backtests', JSON.stringify({ ...body, venue: 'okx', feeTier: 'VIP0' }))).status,
    ).toBe(202);
    await t.backtests.idle();
    for (const bad of [
      { venue: 'kraken' },
      { venue: 'constructor' },
      { leverage: 0 },
      { leverage: 1.5 },
      { initialBalance: '-1' },
      { initialBalance: '0' },
      { impact: -1 },
      { latencyMs: { min: 300, max: 20 } },
    ])
      expectError(await post('/api/backtests', JSON.stringify({ ...body, ...bad })), 400, 'invalid_request');
  });
});
