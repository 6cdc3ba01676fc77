import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreakerRuleError } from '../../domain/risk/breaker.js';
import type { BreakerLevel } from '../../domain/risk/breaker-levels.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

/*
 * POST /api/breakers/step-down over a stand-in for the fleet: the route's part is who may ask, what a
 * request may say and how the fleet's answers and refusals reach the client, not the breaker's rules.
 */

type Cmd = { to: BreakerLevel; approver: string; reason: string };

let t: Awaited<ReturnType<typeof testApp>>;
let approvers: readonly string[] | null = ['alice'];
const asked: { runId: string; cmd: Cmd }[] = [];
/** What the stand-in does for a run: step down, or throw what the fleet or the engine would. */
const fleet = new Map<string, (cmd: Cmd) => { eventId: string; level: BreakerLevel }>([
  ['paper-ema-cross', (cmd) => ({ eventId: 'evt-step-1', level: cmd.to })],
  [
    'paper-cooling',
    () => {
      throw new BreakerRuleError('cooldown', 'the last transition was 12 min ago; 60 min must pass');
    },
  ],
  [
    'paper-margin',
    () => {
      throw new BreakerRuleError('measurements-still-breach', 'marginRatio 0.81 still calls for halt');
    },
  ],
  [
    'paper-normal',
    () => {
      throw new RangeError("the run's breakers are at normal; warn is not below it");
    },
  ],
  [
    'paper-broken',
    () => {
      throw new Error('the engine lost its log');
    },
  ],
]);

beforeAll(async () => {
  t = await testApp([], {
    approvers: () => approvers,
    stepDownBreaker: (runId, cmd) => {
      asked.push({ runId, cmd: { ...cmd } });
      const run = fleet.get(runId);
      if (!run) return null;
      return run(cmd);
    },
  });
}, 120_000);
afterAll(async () => t?.close());

const post = async (body: unknown, user?: string, app = t.app) => {
  const res = await app.request('/api/breakers/step-down', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(user ? { 'x-perpetua-user': user } : {}) },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};
const codeOf = (body: unknown) => s.errorBody.parse(body).error;
const ok = { runId: 'paper-ema-cross', to: 'warn', reason: 'the drawdown was the funding spike' };

describe('POST /api/breakers/step-down', () => {
  it('an approver steps a run down: recorded as user:<id>, answered with the level and the event', async () => {
    asked.length = 0;
    const r = await post({ ...ok, reason: '  the drawdown was the funding spike ' }, 'alice');
    expect(r.status).toBe(200);
    expect(s.breakerStepDownResult.parse(r.body)).toEqual({
      runId: 'paper-ema-cross',
      level: 'warn',
      eventId: 'evt-step-1',
    });
    expect(asked).toEqual([
      {
        runId: 'paper-ema-cross',
        cmd: { to: 'warn', approver: 'user:alice', reason: 'the drawdown was the funding spike' },
      },
    ]);
    // The body may name the approver too, as the other approver routes' bodies do, when it is the header's.
    expect((await post({ ...ok, to: 'normal', approver: 'alice' }, 'alice')).status).toBe(200);
    expect(asked.at(-1)?.cmd.approver).toBe('user:alice');
  });

  it('403 without the header, for someone not an approver, or when nobody may approve; the fleet is not asked', async () => {
    asked.length = 0;
    const none = await post(ok);
    expect(none.status).toBe(403);
    expect(codeOf(none.body).code).toBe('forbidden');
    expect((await post(ok, 'mallory')).status).toBe(403);
    expect((await post({ ...ok, approver: 'bob' }, 'alice')).status).toBe(403);
    approvers = null;
    try {
      const disabled = await post(ok, 'alice');
      expect(disabled.status).toBe(403);
      expect(codeOf(disabled.body).code).toBe('approvals_disabled');
    } finally {
      approvers = ['alice'];
    }
    expect(asked).toEqual([]);
  });

  it('400 for a body outside the contract: flatten is no target, a reason is required', async () => {
    asked.length = 0;
    for (const body of [
      { ...ok, to: 'flatten' },
      { ...ok, to: 'calm' },
      { runId: ok.runId, to: 'warn' },
      { ...ok, reason: '   ' },
      { ...ok, reason: 'x'.repeat(501) },
      { ...ok, runId: '' },
      { ...ok, levels: ['warn'] },
    ]) {
      const r = await post(body, 'alice');
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(codeOf(r.body).code).toBe('invalid_request');
    }
    expect(asked).toEqual([]);
    expect((await post({ ...ok, reason: 'x'.repeat(500) }, 'alice')).status).toBe(200);
  });

  it('404 for a run the node does not drive, in the fleet’s words', async () => {
    const r = await post({ ...ok, runId: 'paper-elsewhere' }, 'alice');
    expect(r.status).toBe(404);
    expect(codeOf(r.body)).toEqual({
      code: 'not_found',
      message: 'no running paper or real run paper-elsewhere on this node',
    });
  });

  it('409 when the breaker refuses: its rule as the code, its message as the message', async () => {
    const cooling = await post({ ...ok, runId: 'paper-cooling' }, 'alice');
    expect(cooling.status).toBe(409);
    expect(codeOf(cooling.body)).toEqual({
      code: 'cooldown',
      message: 'cooldown: the last transition was 12 min ago; 60 min must pass',
    });
    const margin = await post({ ...ok, runId: 'paper-margin', to: 'normal' }, 'alice');
    expect(margin.status).toBe(409);
    expect(codeOf(margin.body).code).toBe('measurements-still-breach');
  });

  it('409 refused for what the engine refuses as out of range (not below the current level)', async () => {
    const r = await post({ ...ok, runId: 'paper-normal' }, 'alice');
    expect(r.status).toBe(409);
    expect(codeOf(r.body)).toEqual({
      code: 'refused',
      message: "the run's breakers are at normal; warn is not below it",
    });
  });

  it('anything else the fleet throws is ours: a 500 that does not leak it', async () => {
    const r = await post({ ...ok, runId: 'paper-broken' }, 'alice');
    expect(r.status).toBe(500);
    expect(codeOf(r.body)).toEqual({ code: 'internal', message: 'internal error' });
  });

  it('a node without paper runs says so, after the approver check', async () => {
    const bare = await testApp([], { approvers: () => ['alice'] });
    try {
      expect((await post(ok, 'mallory', bare.app)).status).toBe(403);
      const r = await post(ok, 'alice', bare.app);
      expect(r.status).toBe(404);
      expect(codeOf(r.body).code).toBe('no_paper_runs');
    } finally {
      await bare.close();
    }
  });

  it('is in /openapi.json with its body, its answer and its error codes', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: unknown; responses: Record<string, unknown> } | undefined>
      >;
    };
    const op = doc.paths['/api/breakers/step-down']?.post;
    expect(op).toBeDefined();
    expect(Object.keys(op!.responses).sort()).toEqual(['200', '400', '403', '404', '409']);
    const body = JSON.stringify(op!.requestBody);
    for (const word of ['"runId"', '"reason"', '"halt"']) expect(body).toContain(word);
    expect(body).not.toContain('"flatten"');
  });
});
