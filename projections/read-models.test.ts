import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceUrl } from '../adapters/testing/services.js';
import { readDeskLimits, setRiskLimits } from '../commands/risk/set-limits.js';
import type { Mode, NewEvent, StoredEvent } from '../domain/events/envelope.js';
import { defaultRiskLimits } from '../domain/risk/limits.js';
import { foldRun } from '../replay/engine/results.js';
import { alertOf } from './alerts/alert-of.js';
import { readAlerts } from './alerts/projection.js';
import { readAudit } from './audit/projection.js';
import { readFills, readOrder, readOrders } from './orders/projection.js';
import { readBreakers, readRiskDecisions } from './risk/projection.js';
import { readRiskLimits } from './risk-limits/projection.js';
import { readStrategyStats } from './runs/projection.js';
import { latestRun, readEquity, runKpis } from './runs/read.js';
import { readStops } from './stops/projection.js';
import { type ProjectedStore, paperRunEvents, projectedStore } from './testing/paper-fixture.js';

const url = serviceUrl('DATABASE_URL');
const runId = 'paper-ema-cross-test';

const backends: [string, string | undefined][] = [['PGlite', undefined]];
if (url) backends.push(['PostgreSQL', url]);

let events: readonly StoredEvent[] = [];
beforeAll(async () => {
  events = await paperRunEvents('ema-cross', runId);
});

const count = (type: string) => events.filter((e) => e.type === type).length;

describe.each(backends)('read models on %s', (_name, databaseUrl) => {
  let p: ProjectedStore;
  beforeAll(async () => {
    p = await projectedStore(events, databaseUrl);
  });
  afterAll(async () => p?.close());
  const db = () => p.opened.db;

  it('orders: one row per OrderRequested, statuses and fills match the log, pages do not overlap', async () => {
    expect(count('OrderRequested')).toBeGreaterThan(5);
    const all = await readOrders(db(), { limit: 500 });
    expect(all.items).toHaveLength(count('OrderRequested'));
    const filled = all.items.filter((o) => o.status === 'filled');
    expect(filled).toHaveLength(
      new Set(
        events.filter((e) => e.type === 'OrderFilled').map((e) => (e.data as { orderId: string }).orderId),
      ).size,
    );
    for (const o of filled) expect(Number(o.averagePrice)).toBeGreaterThan(0);
    const positions = all.items.map((o) => o.globalPosition);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions);
    const first = await readOrders(db(), { limit: 3 });
    const second = await readOrders(db(), { limit: 3, before: first.next! });
    expect(second.items[0]!.globalPosition).toBeLessThan(first.items[2]!.globalPosition);
    const byStrategy = await readOrders(db(), { strategyId: 'nope', limit: 10 });
    expect(byStrategy.items).toEqual([]);
    expect((await readOrder(db(), all.items[0]!.orderId))?.orderId).toBe(all.items[0]!.orderId);
  });

  it('fills: realised PnL and fees add up to the ledger events exactly', async () => {
    const fills = await readFills(db(), { limit: 500 });
    expect(fills.items).toHaveLength(count('FillSettled'));
    const sum = (xs: string[]) => xs.reduce((s, x) => s + Number(x), 0);
    const tradeFees = events
      .filter((e) => e.type === 'FeeCharged' && (e.data as { orderId: string | null }).orderId)
      .map((e) => (e.data as { amount: string }).amount);
    expect(sum(fills.items.map((f) => f.fee))).toBeCloseTo(sum(tradeFees), 6);
    const realised = events
      .filter((e) => e.type === 'FillSettled')
      .map((e) => (e.data as { realisedPnl: string }).realisedPnl);
    expect(sum(fills.items.map((f) => f.realisedPnl))).toBeCloseTo(sum(realised), 6);
    const one = fills.items[0]!;
    expect(
      (await readFills(db(), { orderId: one.orderId, limit: 10 })).items.every(
        (f) => f.orderId === one.orderId,
      ),
    ).toBe(true);
  });

  it('runs: equity curve and KPIs agree with the engine results fold', async () => {
    const results = foldRun(events);
    const run = await latestRun(db(), 'ema-cross', 'paper');
    expect(run?.run_id).toBe(runId);
    expect(run?.state).toBe('completed');
    const curve = await readEquity(db(), runId);
    const lastPerInstant = new Map(results.curve.map((c) => [c.at, c.equity]));
    expect(curve.map((c) => c.equity)).toEqual([...lastPerInstant.values()]);
    const k = runKpis(run!);
    const ref = results.kpis();
    expect(k.totalReturn).toBeCloseTo(ref.totalReturn, 9);
    expect(k.maxDrawdown).toBeCloseTo(ref.maxDrawdown, 9);
    if (k.sharpe !== null && Number.isFinite(ref.sharpe)) expect(k.sharpe).toBeCloseTo(ref.sharpe, 1);
    const stats = (await readStrategyStats(db())).get('ema-cross');
    expect(stats?.fills).toBe(count('FillSettled'));
    expect(stats!.risk_approved + stats!.risk_resized + stats!.risk_rejected).toBe(count('RiskDecided'));
  });

  it('risk: every decision with its checks; filter by outcome; no breakers in a calm run', async () => {
    const all = await readRiskDecisions(db(), { limit: 500 });
    expect(all.items).toHaveLength(count('RiskDecided'));
    expect(all.items[0]!.checks.length).toBeGreaterThan(3);
    const approved = await readRiskDecisions(db(), { outcome: 'approve', limit: 500 });
    expect(approved.items.every((d) => d.outcome === 'approve')).toBe(true);
    expect(await readBreakers(db())).toEqual(
      events.some((e) => e.type === 'BreakerLevelChanged') ? expect.any(Array) : [],
    );
  });

  it('stops: the latest leg of each symbol matches the last stop event', async () => {
    const stops = await readStops(db(), [runId]);
    expect(stops.size).toBeGreaterThan(0);
    for (const [key, v] of stops) {
      const symbol = key.split('\u0000')[1]!;
      const last = events.filter(
        (e) =>
          (e.type === 'StopStatusChanged' || e.type === 'StopAdjusted') &&
          (e.data as { symbol: string; kind: string }).symbol === symbol &&
          (e.data as { kind: string }).kind === 'stop',
      );
      expect(last.length).toBeGreaterThan(0);
      expect(['armed', 'triggered', 'filled', 'cancelled']).toContain(v.status);
    }
  });

  it('audit: every event, filters by type, symbol, strategy, correlation and time, paginated', async () => {
    const head = await readAudit(db(), { limit: 500 });
    expect(head.items[0]!.globalPosition).toBe(await p.opened.store.headPosition());
    let n = 0;
    let before: number | undefined;
    for (;;) {
      const page = await readAudit(db(), { limit: 250, ...(before ? { before } : {}) });
      n += page.items.length;
      if (page.next === null) break;
      before = page.next;
    }
    expect(n).toBe(events.length);
    const fills = await readAudit(db(), { type: 'FillSettled', limit: 500 });
    expect(fills.items).toHaveLength(count('FillSettled'));
    const eth = await readAudit(db(), { symbol: 'ETHUSDT', strategy: 'ema-cross', limit: 500 });
    expect(eth.items.length).toBeGreaterThan(0);
    const chain = eth.items[0]!.correlationId;
    const linked = await readAudit(db(), { correlationId: chain, limit: 500 });
    expect(linked.items.length).toBe(events.filter((e) => e.metadata.correlationId === chain).length);
    const day = await readAudit(db(), {
      from: Date.parse('2023-06-10T00:00:00Z'),
      to: Date.parse('2023-06-11T00:00:00Z'),
      limit: 500,
    });
    expect(day.items.length).toBeGreaterThan(0);
    expect(day.items.every((i) => i.occurredAt.startsWith('2023-06-10'))).toBe(true);
    expect(fills.items[0]!.summary).toMatch(/realised/);
  });

  it('pages: the last one has no cursor even when it is full, and no page is empty', async () => {
    type Read = (q: { before?: number; limit: number }) => Promise<{ items: unknown[]; next: number | null }>;
    const reads: [string, Read, number][] = [
      ['orders', (q) => readOrders(db(), { ...q, strategyId: 'ema-cross' }), count('OrderRequested')],
      ['fills', (q) => readFills(db(), q), count('FillSettled')],
      ['risk decisions', (q) => readRiskDecisions(db(), q), count('RiskDecided')],
      ['audit', (q) => readAudit(db(), { ...q, type: 'RiskDecided' }), count('RiskDecided')],
    ];
    for (const [name, read, total] of reads) {
      expect(total, name).toBeGreaterThan(3);
      // Exactly one full page: the whole list, and no cursor to an empty one.
      const whole = await read({ limit: total });
      expect([whole.items.length, whole.next], name).toEqual([total, null]);
      // One short: a cursor, then the last row alone.
      const first = await read({ limit: total - 1 });
      expect(first.next, name).not.toBeNull();
      const last = await read({ limit: total - 1, before: first.next! });
      expect([last.items.length, last.next], name).toEqual([1, null]);
      // Pages of a size that divides the total: every page full, the last without a cursor.
      const size = total % 2 === 0 ? 2 : total % 3 === 0 ? 3 : 1;
      const sizes: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await read({ limit: size, ...(before !== undefined ? { before } : {}) });
        sizes.push(page.items.length);
        if (page.next === null) break;
        before = page.next;
      }
      expect(sizes, name).toEqual(Array.from({ length: total / size }, () => size));
    }
  });

  it('a rebuild from position 0 gives the same rows', async () => {
    const before = await readOrders(db(), { limit: 500 });
    await p.runner.rebuild('orders');
    await p.runner.rebuild('runs');
    expect(await readOrders(db(), { limit: 500 })).toEqual(before);
    expect((await latestRun(db(), 'ema-cross', 'paper'))?.marks).toBe(count('EquityMarked'));
  });
});

/** Events that raise alerts (and two that look alike but do not), appended after a calm paper run. */
const alertStory = (): { streamId: string; events: NewEvent[] }[] => {
  const at = Date.parse('2023-06-21T00:00:00Z');
  const meta = (mode: Mode = 'paper', actor = 'system:risk') => ({
    correlationId: 'alerts-test',
    causationId: null,
    actor,
    mode,
    occurredAt: new Date(at).toISOString(),
  });
  const measured = {
    drawdown: 0.13,
    lossStreak: 2,
    slippage: 1,
    errorRate: 0,
    staleness: 0,
    marginRatio: 0.1,
  };
  const breaker = (from: string, to: string, mode: Mode = 'paper'): NewEvent => ({
    eventId: uuidv7(),
    type: 'BreakerLevelChanged',
    data: {
      scope: 'account',
      scopeId: runId,
      from,
      to,
      direction: 'up',
      at,
      measured,
      triggers: [{ metric: 'drawdown', level: to, value: 0.13, threshold: to === 'warn' ? 0.05 : 0.12 }],
      thresholds: { drawdown: { warn: 0.05, reduce: 0.08, halt: 0.12, flatten: 0.2 } },
      cooldownMs: 3_600_000,
      approvedBy: null,
    },
    metadata: meta(mode),
  });
  const reopt = (trigger: unknown): NewEvent => ({
    eventId: uuidv7(),
    type: 'ReoptimizationRequested',
    data: { strategyId: 'ema-cross', requestId: uuidv7(), trigger },
    metadata: meta('paper', 'system:scheduler'),
  });
  return [
    { streamId: `breaker-account-${runId}`, events: [breaker('normal', 'warn'), breaker('warn', 'halt')] },
    { streamId: 'breaker-account-bt-1', events: [breaker('normal', 'halt', 'backtest')] },
    {
      streamId: 'reoptimization-ema-cross',
      events: [
        reopt({ kind: 'schedule', cron: '0 0 * * 0', dueAt: at }),
        reopt({
          kind: 'kpi',
          window: 168,
          checks: [{ kpi: 'rollingSharpe', value: -0.3, comparator: '>=', threshold: 0.5, breached: true }],
        }),
      ],
    },
    {
      streamId: `run-${runId}-2`,
      events: [
        {
          eventId: uuidv7(),
          type: 'RunCompleted',
          data: {
            runId: `${runId}-2`,
            bars: 10,
            events: 50,
            finalEquity: 9000,
            reason: 'failed',
            error: 'boom',
          },
          metadata: meta('paper', 'system:engine'),
        },
      ],
    },
  ];
};

describe.each(backends)('alerts read model on %s', (_name, databaseUrl) => {
  let p: ProjectedStore;
  beforeAll(async () => {
    p = await projectedStore(events, databaseUrl);
    for (const s of alertStory()) await p.opened.store.append(s.streamId, 'any', s.events);
    await p.runner.catchUpAll();
  });
  afterAll(async () => p?.close());
  const db = () => p.opened.db;

  it('one row per alert, newest first; the schedule and the backtest raise none', async () => {
    const all = await readAlerts(db(), { limit: 100 });
    const paperAlerts = events.filter((e) => alertOf(e) !== null).length;
    expect(all.items).toHaveLength(paperAlerts + 4);
    expect(all.next).toBeNull();
    const ours = all.items.slice(0, 4);
    expect(ours.map((a) => [a.type, a.severity])).toEqual([
      ['RunCompleted', 'critical'],
      ['ReoptimizationRequested', 'warning'],
      ['BreakerLevelChanged', 'critical'],
      ['BreakerLevelChanged', 'warning'],
    ]);
    expect(ours[2]).toMatchObject({
      scope: 'account',
      subject: runId,
      title: `Account ${runId} breaker warn → halt: drawdown 13% ≥ 12% (halt)`,
      correlationId: 'alerts-test',
      occurredAt: '2023-06-21T00:00:00.000Z',
    });
    expect(ours[0]!.subject).toBe(`${runId}-2`);
    const positions = all.items.map((a) => a.globalPosition);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions);
  });

  it('a minimum severity keeps it and the worse; pages follow the cursor', async () => {
    const critical = await readAlerts(db(), { minSeverity: 'critical', limit: 100 });
    expect(critical.items.every((a) => a.severity === 'critical')).toBe(true);
    expect(critical.items.length).toBeGreaterThanOrEqual(2);
    const warning = await readAlerts(db(), { minSeverity: 'warning', limit: 100 });
    expect(warning.items.every((a) => a.severity !== 'info')).toBe(true);
    expect(warning.items.length).toBeGreaterThan(critical.items.length);
    const first = await readAlerts(db(), { limit: 2 });
    const second = await readAlerts(db(), { limit: 2, before: first.next! });
    expect(second.items[0]!.globalPosition).toBeLessThan(first.items[1]!.globalPosition);
  });

  it('a rebuild from position 0 gives the same rows', async () => {
    const before = await db().selectFrom('rm_alerts').selectAll().orderBy('global_position').execute();
    expect(before.length).toBeGreaterThanOrEqual(4);
    await p.runner.rebuild('alerts');
    expect(await db().selectFrom('rm_alerts').selectAll().orderBy('global_position').execute()).toEqual(
      before,
    );
  });
});

describe.each(backends)('risk limits read model on %s', (_name, databaseUrl) => {
  let p: ProjectedStore;
  const at = Date.parse('2023-06-21T00:00:00Z');
  beforeAll(async () => {
    p = await projectedStore(events, databaseUrl);
    const store = p.opened.store;
    const set = (n: number, c: Omit<Parameters<typeof setRiskLimits>[1], 'approver' | 'at'>) =>
      setRiskLimits(store, { ...c, approver: 'user:alice', at: at + n * 60_000 }, uuidv7());
    await set(0, {
      scope: 'defaults',
      key: null,
      limits: { maxLeverage: 5, maxDailyLoss: 0.03 },
      reason: 'calmer',
    });
    await set(1, { scope: 'symbol', key: 'BTCUSDT', limits: { maxLeverage: 3 }, reason: 'BTC only 3x' });
    await set(2, { scope: 'symbol', key: 'ETHUSDT', limits: { maxPositionNotional: 5_000 }, reason: 'thin' });
    await set(3, {
      scope: 'strategy-symbol',
      key: 'ema-cross:BTCUSDT',
      limits: { allowResize: false },
      reason: 'r',
    });
    // Replaces the defaults whole: maxDailyLoss is back to the built-in value.
    await set(4, { scope: 'defaults', key: null, limits: { maxLeverage: 8 }, reason: 'a bit more room' });
    // Removes the ETHUSDT override.
    await set(5, { scope: 'symbol', key: 'ETHUSDT', limits: {}, reason: 'liquid again' });
    // Only the desk's stream counts, as for the command side's fold.
    await store.append('risk-limits-elsewhere', 'any', [
      {
        eventId: uuidv7(),
        type: 'RiskLimitsSet',
        data: {
          changeId: 'stray',
          scope: 'defaults',
          key: null,
          limits: { maxLeverage: 1 },
          approver: 'user:mallory',
          reason: 'not the desk',
        },
        metadata: {
          correlationId: 'stray',
          causationId: null,
          actor: 'user:mallory',
          mode: 'live',
          occurredAt: new Date(at).toISOString(),
        },
      },
    ]);
    await p.runner.catchUpAll();
  });
  afterAll(async () => p?.close());
  const db = () => p.opened.db;

  it('folds the changes into the config the command side reads, the newest change first', async () => {
    const view = await readRiskLimits(db());
    expect(view.config).toEqual((await readDeskLimits(p.opened.store)).config);
    expect(view.config).toEqual({
      defaults: { ...defaultRiskLimits, maxLeverage: 8 },
      symbols: { BTCUSDT: { maxLeverage: 3 } },
      strategySymbols: { 'ema-cross:BTCUSDT': { allowResize: false } },
    });
    expect(view.changes.map((c) => c.reason)).toEqual([
      'liquid again',
      'a bit more room',
      'r',
      'thin',
      'BTC only 3x',
      'calmer',
    ]);
    expect(view.changes[0]).toMatchObject({
      scope: 'symbol',
      key: 'ETHUSDT',
      limits: {},
      approver: 'user:alice',
      occurredAt: '2023-06-21T00:05:00.000Z',
    });
    expect(view.changes[0]!.changeId).toBe(view.changes[0]!.eventId);
    expect((await readRiskLimits(db(), { limit: 2 })).changes).toEqual(view.changes.slice(0, 2));
  });

  it('a rebuild from position 0 gives the same rows', async () => {
    const rows = () =>
      db().selectFrom('rm_risk_limit_changes').selectAll().orderBy('global_position').execute();
    const before = await rows();
    expect(before).toHaveLength(6);
    await p.runner.rebuild('risk-limits');
    expect(await rows()).toEqual(before);
  });
});
