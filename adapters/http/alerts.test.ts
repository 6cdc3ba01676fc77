import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMetadata, NewEvent } from '../../domain/events/envelope.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

let t: Awaited<ReturnType<typeof testApp>>;
const at = Date.parse('2023-06-21T00:00:00Z');
const meta = (actor: string, mode: EventMetadata['mode'] = 'paper'): EventMetadata => ({
  correlationId: 'alerts-api',
  causationId: null,
  actor,
  mode,
  occurredAt: new Date(at).toISOString(),
});
const breaker = (from: string, to: string, mode: EventMetadata['mode'] = 'paper'): NewEvent => ({
  eventId: uuidv7(),
  type: 'BreakerLevelChanged',
  data: {
    scope: 'strategy',
    scopeId: 'ema-cross',
    from,
    to,
    direction: 'up',
    at,
    measured: { drawdown: 0.13, lossStreak: 2, slippage: 1, errorRate: 0, staleness: 0 },
    triggers: [{ metric: 'drawdown', level: to, value: 0.13, threshold: 0.12 }],
    thresholds: { drawdown: { warn: 0.05, reduce: 0.08, halt: 0.12 } },
    cooldownMs: 3_600_000,
    approvedBy: null,
  },
  metadata: meta('system:risk', mode),
});
const volatility: NewEvent = {
  eventId: uuidv7(),
  type: 'ReoptimizationRequested',
  data: {
    strategyId: 'ema-cross',
    requestId: 'vol-1',
    trigger: { kind: 'volatility', symbol: 'BTCUSDT', percentile: 0.97, threshold: 0.95, scanId: 's-1' },
  },
  metadata: meta('system:scheduler'),
};
const scheduled: NewEvent = {
  eventId: uuidv7(),
  type: 'ReoptimizationRequested',
  data: {
    strategyId: 'ema-cross',
    requestId: 'cron-1',
    trigger: { kind: 'schedule', cron: '0 0 * * 0', dueAt: at },
  },
  metadata: meta('system:scheduler'),
};

beforeAll(async () => {
  t = await testApp([]);
  // Oldest first: info, warning, critical; the scheduled request and the backtest's breaker raise none.
  await t.store.append('reoptimization-ema-cross', 'any', [volatility, scheduled]);
  await t.store.append('breaker-strategy-ema-cross', 'any', [
    breaker('normal', 'warn'),
    breaker('warn', 'halt'),
  ]);
  await t.store.append('breaker-strategy-bt', 'any', [breaker('normal', 'halt', 'backtest')]);
  await t.runner.catchUpAll();
});
afterAll(async () => t?.close());

const get = async (path: string) => {
  const res = await t.app.request(path);
  return { status: res.status, body: (await res.json()) as unknown };
};
const page = async (path: string) => {
  const r = await get(path);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return s.page(s.alert).parse(r.body);
};
const refused = async (path: string) => {
  const r = await get(path);
  expect(r.status, path).toBe(400);
  return s.errorBody.parse(r.body).error;
};

describe('GET /api/alerts', () => {
  it('newest first, with the figures in the title', async () => {
    const all = await page('/api/alerts');
    expect(all.items.map((a) => a.severity)).toEqual(['critical', 'warning', 'info']);
    expect(all.nextCursor).toBeNull();
    expect(all.items[0]).toMatchObject({
      type: 'BreakerLevelChanged',
      scope: 'strategy',
      subject: 'ema-cross',
      title: 'Strategy ema-cross breaker warn → halt: drawdown 13% ≥ 12% (halt)',
      occurredAt: '2023-06-21T00:00:00.000Z',
      correlationId: 'alerts-api',
    });
    expect(all.items[2]!.title).toContain('BTCUSDT volatility at the 97th percentile');
  });

  it('severity is the least severe listed', async () => {
    expect((await page('/api/alerts?severity=warning')).items.map((a) => a.severity)).toEqual([
      'critical',
      'warning',
    ]);
    expect((await page('/api/alerts?severity=critical')).items.map((a) => a.severity)).toEqual(['critical']);
    expect((await page('/api/alerts?severity=info')).items).toHaveLength(3);
  });

  it('pages by cursor, as every list route does', async () => {
    const first = await page('/api/alerts?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await page(`/api/alerts?limit=2&cursor=${first.nextCursor}`);
    expect(rest.items.map((a) => a.severity)).toEqual(['info']);
    expect(rest.nextCursor).toBeNull();
    const warnings = await page(`/api/alerts?severity=warning&limit=1&cursor=${first.nextCursor}`);
    expect(warnings.items).toEqual([]);
  });

  it('bad parameters are 400s that say what is wrong', async () => {
    const severity = await refused('/api/alerts?severity=loud');
    expect(severity.code).toBe('invalid_request');
    expect(severity.message).toMatch(/severity: .*'info' \| 'warning' \| 'critical'/);
    expect((await refused('/api/alerts?limit=0')).message).toMatch(/limit/);
    expect((await refused('/api/alerts?limit=501')).message).toMatch(/limit/);
    expect((await refused('/api/alerts?cursor=not%20a%20cursor')).message).toMatch(/cursor: not a cursor/);
    expect((await refused('/api/alerts?cursor=abc')).code).toBe('bad_cursor');
  });

  it('is in the OpenAPI document with its parameters', async () => {
    const doc = (await get('/openapi.json')).body as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(doc.paths['/api/alerts']?.get?.parameters?.map((p) => p.name)).toEqual([
      'severity',
      'limit',
      'cursor',
    ]);
  });
});
