import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortfolioHandlers } from '../../commands/portfolio/handlers.js';
import { Rng } from '../../domain/optimizer/rng.js';
import { newEventId } from '../ids/event-id.js';
import { portfolioView } from './portfolio-routes.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2023, 6, 1);

const returns = (seed: string, mu: number): number[] => {
  const r = Rng.seeded(seed);
  return Array.from({ length: 7 * 24 }, () => mu + 0.002 * r.normal());
};
const evidence = (loser: number) => [
  { id: 'ema-cross', runId: 'paper-ema', returns: returns('e', 0.0008), trades: 30 },
  { id: 'donchian-breakout', runId: 'paper-don', returns: returns('d', 0.0003), trades: 30 },
  { id: 'bollinger-rsi', runId: 'paper-bol', returns: returns('b', loser), trades: 30 },
];

let t: Awaited<ReturnType<typeof testApp>>;
let handlers: PortfolioHandlers;
let approvers: readonly string[] | null = ['alice'];
const asked: string[] = [];
const nextAt = T0 + 10 * HOUR;

beforeAll(async () => {
  t = await testApp([], {
    approvers: () => approvers,
    rebalance: async (by) => {
      asked.push(by);
      const r = await handlers.round(evidence(0), nextAt, undefined, by);
      return { roundId: r.roundId, at: nextAt };
    },
  });
  handlers = new PortfolioHandlers(t.store, newEventId);
}, 120_000);
afterAll(async () => t?.close());

const get = async () => {
  await t.runner.catchUpAll();
  const res = await t.app.request('/api/portfolio');
  expect(res.status).toBe(200);
  return portfolioView.parse(await res.json());
};
const post = async (body: unknown, user?: string) => {
  const res = await t.app.request('/api/alloc/rebalance', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(user ? { 'x-perpetua-user': user } : {}) },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};

describe('portfolio routes', () => {
  it('GET /api/portfolio: nothing before the first round', async () => {
    expect(await get()).toEqual({ enabled: true, latest: null, history: [] });
  });

  it('the latest round in full and the weights after each round; a rebuild gives the same answer', async () => {
    await handlers.round(evidence(-0.002), T0);
    await handlers.round(evidence(-0.002), T0 + HOUR);
    const v = await get();
    expect(v.latest?.at).toBe(new Date(T0 + HOUR).toISOString());
    expect(v.latest?.arms.map((a) => a.id)).toEqual(['bollinger-rsi', 'donchian-breakout', 'ema-cross']);
    const bol = v.latest!.arms.find((a) => a.id === 'bollinger-rsi')!;
    expect(bol.status).toBe('cooling');
    expect(bol.benchedUntil).toBe(new Date(T0 + 72 * HOUR).toISOString());
    expect(v.history.map((h) => h.benched)).toEqual([['bollinger-rsi'], ['bollinger-rsi']]);
    for (const h of v.history) expect(Object.values(h.weights).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    await t.runner.rebuild('portfolio');
    expect(await get()).toEqual(v);
  });

  it('POST /api/alloc/rebalance: a person only; the round is recorded as theirs; a refusal is a 422', async () => {
    approvers = null;
    expect((await post({ approver: 'alice' }, 'alice')).status).toBe(403);
    approvers = ['alice'];
    expect((await post({ approver: 'alice' })).status).toBe(403);
    expect((await post({ approver: 'alice' }, 'mallory')).status).toBe(403);
    expect((await post({ approver: 'alice', mode: 'target_vol' }, 'alice')).status).toBe(400);
    const ok = await post({ approver: 'alice' }, 'alice');
    expect(ok.status).toBe(200);
    expect(asked).toEqual(['user:alice']);
    const stored = (await t.store.readStream('portfolio')).at(-1)!;
    expect(stored.metadata.actor).toBe('user:alice');
    // The same market hour again: the decider refuses it, and the API says why.
    const again = await post({ approver: 'alice' }, 'alice');
    expect(again.status).toBe(422);
    expect(s.errorBody.parse(again.body).error.code).toBe('round-out-of-order');
  });

  it('a node without a bandit says so', async () => {
    const bare = await testApp([], { approvers: () => ['alice'] });
    try {
      const res = await bare.app.request('/api/alloc/rebalance', {
        method: 'POST',
        body: JSON.stringify({ approver: 'alice' }),
        headers: { 'content-type': 'application/json', 'x-perpetua-user': 'alice' },
      });
      expect(res.status).toBe(409);
      expect(portfolioView.parse(await (await bare.app.request('/api/portfolio')).json()).enabled).toBe(
        false,
      );
    } finally {
      await bare.close();
    }
  });
});
