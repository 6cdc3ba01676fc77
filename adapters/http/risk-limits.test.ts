import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RiskLimitsSetData, riskLimitsStreamId } from '../../domain/risk/events.js';
import { defaultRiskLimits } from '../../domain/risk/limits.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

/*
 * GET and POST /api/risk/limits over a real store and read model, with a stand-in for the fleet's hand-off:
 * who may change the limits, what a change may say, that it is recorded and handed to the runs, and that
 * the read model folds it as the risk check will.
 */

let t: Awaited<ReturnType<typeof testApp>>;
let approvers: readonly string[] | null = ['alice'];
const handed: RiskLimitsSetData[] = [];
const marketNow = Date.parse('2023-06-21T12:00:00Z');

beforeAll(async () => {
  t = await testApp([], {
    approvers: () => approvers,
    marketNow: () => marketNow,
    applyRiskLimits: (c) => handed.push(c),
  });
}, 120_000);
afterAll(async () => t?.close());

const post = async (body: unknown, user?: string, app = t.app) => {
  const res = await app.request('/api/risk/limits', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(user ? { 'x-perpetua-user': user } : {}) },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};
const view = async () => {
  await t.runner.catchUpAll();
  const res = await t.app.request('/api/risk/limits');
  expect(res.status).toBe(200);
  return s.riskLimitsView.parse(await res.json());
};
const recorded = async () => (await t.store.readStream(riskLimitsStreamId)).length;
const errorOf = (body: unknown) => s.errorBody.parse(body).error;
const btc = { scope: 'symbol', key: 'BTCUSDT', limits: { maxLeverage: 3 }, reason: 'BTC at 3x this week' };

describe('GET /api/risk/limits', () => {
  it('before any change: the built-in defaults, no override, no history', async () => {
    const v = await view();
    expect(v.defaults).toEqual(defaultRiskLimits);
    expect(v.builtIn).toEqual(defaultRiskLimits);
    expect(v.overrides).toEqual([]);
    expect(v.changes).toEqual([]);
  });
});

describe('POST /api/risk/limits', () => {
  it('an approver sets a symbol override: recorded as user:<id> at the market clock, handed to the runs, folded on read', async () => {
    handed.length = 0;
    const r = await post({ ...btc, reason: '  BTC at 3x this week ' }, 'alice');
    expect(r.status).toBe(200);
    const result = s.riskLimitsResult.parse(r.body);
    expect(result).toEqual({
      changeId: expect.any(String),
      scope: 'symbol',
      key: 'BTCUSDT',
      limits: { maxLeverage: 3 },
    });
    expect(handed).toEqual([{ ...result, approver: 'user:alice', reason: 'BTC at 3x this week' }]);
    const [event] = (await t.store.readStream(riskLimitsStreamId)).slice(-1);
    expect(event).toMatchObject({
      eventId: result.changeId,
      type: 'RiskLimitsSet',
      metadata: { actor: 'user:alice', occurredAt: '2023-06-21T12:00:00.000Z' },
    });
    const v = await view();
    expect(v.overrides).toEqual([{ scope: 'symbol', key: 'BTCUSDT', limits: { maxLeverage: 3 } }]);
    expect(v.defaults).toEqual(defaultRiskLimits);
    expect(v.changes[0]).toEqual({
      ...result,
      approver: 'user:alice',
      reason: 'BTC at 3x this week',
      occurredAt: '2023-06-21T12:00:00.000Z',
    });
  });

  it('the defaults replace the desk-wide layer on the built-in values; the newest change is listed first', async () => {
    const first = await post(
      { scope: 'defaults', key: null, limits: { maxLeverage: 5, maxDailyLoss: 0.03 }, reason: 'calmer' },
      'alice',
    );
    expect(first.status).toBe(200);
    expect((await view()).defaults).toEqual({ ...defaultRiskLimits, maxLeverage: 5, maxDailyLoss: 0.03 });
    // The key may be left out for the defaults, and the body may name the approver when it is the header's.
    const second = await post(
      { scope: 'defaults', limits: { disabled: ['price-band'] }, reason: 'band off', approver: 'alice' },
      'alice',
    );
    expect(second.status).toBe(200);
    const v = await view();
    // Replaced, not merged: maxLeverage and maxDailyLoss are back to the built-in values.
    expect(v.defaults).toEqual({ ...defaultRiskLimits, disabled: ['price-band'] });
    expect(v.builtIn).toEqual(defaultRiskLimits);
    expect(v.changes.map((c) => c.reason).slice(0, 3)).toEqual(['band off', 'calmer', 'BTC at 3x this week']);
    expect(v.changes[0]!.key).toBeNull();
  });

  it('an empty limits removes an override; the history keeps both changes', async () => {
    const set = await post(
      {
        scope: 'strategy-symbol',
        key: 'ema-cross:ETHUSDT',
        limits: { maxPositionNotional: 5000 },
        reason: 'thin',
      },
      'alice',
    );
    expect(set.status).toBe(200);
    expect((await view()).overrides).toContainEqual({
      scope: 'strategy-symbol',
      key: 'ema-cross:ETHUSDT',
      limits: { maxPositionNotional: 5000 },
    });
    const removed = await post(
      { scope: 'strategy-symbol', key: 'ema-cross:ETHUSDT', limits: {}, reason: 'liquid again' },
      'alice',
    );
    expect(removed.status).toBe(200);
    expect(s.riskLimitsResult.parse(removed.body).limits).toEqual({});
    const v = await view();
    expect(v.overrides.map((o) => `${o.scope} ${o.key}`)).toEqual(['symbol BTCUSDT']);
    expect(v.changes.slice(0, 2).map((c) => [c.reason, c.limits])).toEqual([
      ['liquid again', {}],
      ['thin', { maxPositionNotional: 5000 }],
    ]);
  });

  it('400 naming the field for a body outside the contract; nothing recorded, nothing handed over', async () => {
    handed.length = 0;
    const before = await recorded();
    const tooHigh = await post({ ...btc, limits: { maxLeverage: 200 } }, 'alice');
    expect(tooHigh.status).toBe(400);
    expect(errorOf(tooHigh.body)).toMatchObject({
      code: 'invalid_request',
      message: expect.stringContaining('limits.maxLeverage'),
      issues: [{ path: ['limits', 'maxLeverage'], message: expect.any(String) }],
    });
    for (const body of [
      { ...btc, limits: { maxLeverage: 0.5 } },
      { ...btc, limits: { maxDailyLoss: 1.5 } },
      { ...btc, limits: { maxOpenOrders: 2.5 } },
      { ...btc, limits: { disabled: ['no-such-rule'] } },
      { ...btc, limits: { leverage: 3 } },
      { ...btc, scope: 'venue' },
      { ...btc, reason: '   ' },
      { ...btc, reason: 'x'.repeat(501) },
      { scope: 'symbol', key: 'BTCUSDT', limits: { maxLeverage: 3 } },
      { ...btc, key: 'K'.repeat(129) },
      { ...btc, symbol: 'BTCUSDT' },
      { ...btc, approver: 'not an id' },
    ]) {
      const r = await post(body, 'alice');
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r.body).code).toBe('invalid_request');
    }
    expect(await recorded()).toBe(before);
    expect(handed).toEqual([]);
  });

  it('400 invalid_change for a key that does not fit its scope, in the rule’s words', async () => {
    handed.length = 0;
    const before = await recorded();
    const cases: [unknown, RegExp][] = [
      [{ ...btc, scope: 'defaults' }, /desk-wide: no key/],
      [{ ...btc, key: null }, /needs its key/],
      [{ ...btc, key: 'btcusdt' }, /upper-case/],
      [{ ...btc, scope: 'strategy-symbol' }, /<strategyId>:<symbol>/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body, 'alice');
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r.body)).toEqual({ code: 'invalid_change', message: expect.stringMatching(message) });
    }
    expect(await recorded()).toBe(before);
    expect(handed).toEqual([]);
  });

  it('403 without the header, for someone not an approver, a body naming another, or when nobody may approve', async () => {
    handed.length = 0;
    const before = await recorded();
    const none = await post(btc);
    expect(none.status).toBe(403);
    expect(errorOf(none.body).code).toBe('forbidden');
    expect((await post(btc, 'mallory')).status).toBe(403);
    expect((await post({ ...btc, approver: 'bob' }, 'alice')).status).toBe(403);
    approvers = null;
    try {
      const disabled = await post(btc, 'alice');
      expect(disabled.status).toBe(403);
      expect(errorOf(disabled.body).code).toBe('approvals_disabled');
    } finally {
      approvers = ['alice'];
    }
    expect(await recorded()).toBe(before);
    expect(handed).toEqual([]);
  });

  it('a node without runs or a market clock records the change at the wall clock', async () => {
    const bare = await testApp([], { approvers: () => ['alice'] });
    try {
      const t0 = Date.now();
      const r = await post(btc, 'alice', bare.app);
      expect(r.status).toBe(200);
      const [event] = await bare.store.readStream(riskLimitsStreamId);
      const at = Date.parse(event!.metadata.occurredAt);
      expect(at).toBeGreaterThanOrEqual(t0);
      expect(at).toBeLessThanOrEqual(Date.now());
    } finally {
      await bare.close();
    }
  });

  it('is in /openapi.json, both methods, with the body, the answers and the error codes', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: unknown; responses: Record<string, unknown> } | undefined>
      >;
    };
    const path = doc.paths['/api/risk/limits'];
    expect(Object.keys(path?.get?.responses ?? {})).toEqual(['200', '400']);
    const op = path?.post;
    expect(Object.keys(op!.responses).sort()).toEqual(['200', '400', '403']);
    const body = JSON.stringify(op!.requestBody);
    for (const word of ['"scope"', '"strategy-symbol"', '"maxLeverage"', '"maxPositionNotional"', '"reason"'])
      expect(body).toContain(word);
    expect(body).toContain('"maximum":125');
  });
});
