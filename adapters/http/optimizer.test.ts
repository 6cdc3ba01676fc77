import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParameterVersionHandlers } from '../../commands/optimizer/parameter-versions.js';
import { defaultCanaryPlan } from '../../domain/optimizer/canary.js';
import { type OptimizerFixture, optimizerRunEvents } from '../../projections/testing/optimizer-fixture.js';
import * as o from './optimizer-schemas.js';
import * as s from './schemas.js';
import { testApp } from './testing.js';

let f: OptimizerFixture;
let t: Awaited<ReturnType<typeof testApp>>;
/** Changed per test: the route reads the allow-list on every request, as it reads the environment. */
let approvers: readonly string[] | null = null;

beforeAll(async () => {
  f = await optimizerRunEvents();
  t = await testApp(f.events, { approvers: () => approvers });
}, 120_000);
afterAll(async () => t?.close());

const get = async (path: string) => {
  const res = await t.app.request(path);
  return { status: res.status, body: (await res.json()) as unknown };
};
const post = async (path: string, body: unknown, user?: string) => {
  const res = await t.app.request(path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(user ? { 'x-perpetua-user': user } : {}) },
  });
  return { status: res.status, body: (await res.json()) as unknown };
};
const expectError = (r: { status: number; body: unknown }, status: number, code?: string) => {
  expect(r.status).toBe(status);
  const e = s.errorBody.parse(r.body);
  if (code) expect(e.error.code).toBe(code);
  return e.error.message;
};

describe('optimizer routes', () => {
  it('GET /api/optimizer/runs: newest first, filter by strategy, bad query 400', async () => {
    const r = await get('/api/optimizer/runs');
    expect(r.status).toBe(200);
    const runs = o.runList.parse(r.body);
    expect(runs.map((x) => x.runId)).toEqual(['fixture-random', 'fixture-cmaes']);
    expect(runs.every((x) => x.state === 'completed' && x.tasksDone === x.tasksExpected)).toBe(true);
    expect(o.runList.parse((await get('/api/optimizer/runs?strategyId=nope')).body)).toEqual([]);
    expectError(await get('/api/optimizer/runs?bogus=1'), 400, 'invalid_request');
  });

  it('GET /api/optimizer/runs/:runId: windows, DSR, PBO, gates and the stitched curve; unknown 404', async () => {
    const r = await get('/api/optimizer/runs/fixture-cmaes');
    expect(r.status).toBe(200);
    const d = o.runDetail.parse(r.body);
    const c = f.runs[0]!.completed;
    expect(d.gates).toEqual(c.gates);
    expect(d.verdict).toBe(c.verdict);
    expect(d.dsr).toBe(c.evidence.dsr);
    expect(d.windows).toHaveLength(c.windows.length);
    expect(d.windows[0]!.selected).toEqual(c.windows[0]!.selected);
    expect(d.windows[0]!.outOfSampleSummary?.sharpe).toBe(c.windows[0]!.outOfSampleSummary?.sharpe);
    expect(d.stitched.length).toBeGreaterThan(10);
    expect(d.stitched[0]!.at < d.stitched.at(-1)!.at).toBe(true);
    expectError(await get('/api/optimizer/runs/nope'), 404, 'not_found');
  });

  it('GET /api/optimizer/runs/:runId/trials: every task with params and score; unknown 404', async () => {
    const d = o.trials.parse((await get('/api/optimizer/runs/fixture-cmaes/trials')).body);
    const cfg = f.runs[0]!.config;
    expect(d.items).toHaveLength(cfg.windows.length * (cfg.budget + 1));
    expect(
      d.items.filter((x) => x.kind === 'in-sample').every((x) => typeof x.params.fast === 'number'),
    ).toBe(true);
    expectError(await get('/api/optimizer/runs/nope/trials'), 404);
  });

  it('GET /api/strategies/:id/parameters: proposals and versions; unknown strategy 404', async () => {
    const d = o.parameterVersions.parse((await get('/api/strategies/ema-cross/parameters')).body);
    expect(d.activeVersion).toBe(2);
    expect(d.proposals.map((p) => p.status)).toEqual(['pending', 'promoted', 'promoted']);
    expectError(await get('/api/strategies/nope/parameters'), 404);
  });

  it('promote and rollback: 403 while PERPETUA_APPROVERS is unset, saying how to enable it', async () => {
    approvers = null;
    const body = { proposalId: f.pendingProposalId, approver: 'alice' };
    const m = expectError(await post('/api/strategies/ema-cross/parameters/promote', body, 'alice'), 403);
    expect(m).toContain('PERPETUA_APPROVERS');
    expectError(
      await post(
        '/api/strategies/ema-cross/parameters/rollback',
        { toVersion: 1, approver: 'alice' },
        'alice',
      ),
      403,
    );
  });

  it('promote and rollback: 403 without the header, for an unlisted user, or another approver named', async () => {
    approvers = ['alice'];
    const body = { proposalId: f.pendingProposalId, approver: 'alice' };
    expectError(await post('/api/strategies/ema-cross/parameters/promote', body), 403, 'forbidden');
    expectError(
      await post('/api/strategies/ema-cross/parameters/promote', { ...body, approver: 'bob' }, 'bob'),
      403,
    );
    expectError(await post('/api/strategies/ema-cross/parameters/promote', body, 'mallory'), 403);
  });

  it('promote and rollback: bad bodies 400, unknown strategy 404, refused by the decider 422', async () => {
    approvers = ['alice'];
    const url = '/api/strategies/ema-cross/parameters/promote';
    expectError(await post(url, '{', 'alice'), 400, 'malformed_json');
    expectError(await post(url, { approver: 'alice' }, 'alice'), 400, 'invalid_request');
    expectError(await post(url, { proposalId: 'x', approver: 'a b' }, 'alice'), 400);
    expectError(
      await post('/api/strategies/nope/parameters/promote', { proposalId: 'x', approver: 'alice' }, 'alice'),
      404,
    );
    expectError(await post(url, { proposalId: 'nope', approver: 'alice' }, 'alice'), 422, 'unknown-proposal');
    const rb = '/api/strategies/ema-cross/parameters/rollback';
    expectError(await post(rb, { toVersion: -1, approver: 'alice' }, 'alice'), 400);
    expectError(await post(rb, { toVersion: 9, approver: 'alice' }, 'alice'), 422, 'unknown-version');
  });

  it('an approver promotes the pending proposal to version 3 and rolls back to 1, as user:<id>', async () => {
    approvers = ['bob', 'alice'];
    const p = await post(
      '/api/strategies/ema-cross/parameters/promote',
      { proposalId: f.pendingProposalId, approver: 'alice' },
      'alice',
    );
    expect(p.status).toBe(200);
    expect(o.parameterAction.parse(p.body)).toEqual({
      strategyId: 'ema-cross',
      events: [{ type: 'ParameterSetPromoted', version: 3 }],
      activeVersion: 3,
    });
    const r = await post(
      '/api/strategies/ema-cross/parameters/rollback',
      { toVersion: 1, approver: 'alice' },
      'alice',
    );
    expect(o.parameterAction.parse(r.body).activeVersion).toBe(1);
    const last = (await t.store.readStream('parameters-ema-cross')).at(-1)!;
    expect(last).toMatchObject({ type: 'ParameterSetRolledBack', metadata: { actor: 'user:alice' } });
    await t.runner.catchUpAll();
    const d = o.parameterVersions.parse((await get('/api/strategies/ema-cross/parameters')).body);
    expect(d.activeVersion).toBe(1);
    expect(d.proposals[0]).toMatchObject({
      status: 'promoted',
      version: 3,
      approval: 'manual',
      decidedBy: 'user:alice',
    });
  });

  it('re-optimise now: an approver only; records a manual ReoptimizationRequested once per moment', async () => {
    approvers = null;
    expectError(
      await post('/api/strategies/ema-cross/reoptimize', { approver: 'alice' }, 'alice'),
      403,
      'approvals_disabled',
    );
    approvers = ['alice'];
    expectError(await post('/api/strategies/ema-cross/reoptimize', { approver: 'alice' }), 403, 'forbidden');
    expectError(
      await post('/api/strategies/ema-cross/reoptimize', { approver: 'bob' }, 'bob'),
      403,
      'forbidden',
    );
    expectError(await post('/api/strategies/nope/reoptimize', { approver: 'alice' }, 'alice'), 404);
    expectError(
      await post('/api/strategies/ema-cross/reoptimize', { approver: 'alice', x: 1 }, 'alice'),
      400,
    );
    const r = await post('/api/strategies/ema-cross/reoptimize', { approver: 'alice' }, 'alice');
    expect(r.status).toBe(202);
    const accepted = o.reoptimizeAccepted.parse(r.body);
    expect(accepted.requestId).toMatch(/^ema-cross:manual:\d+$/);
    const events = await t.store.readStream('reoptimization-ema-cross');
    const mine = events.filter((e) => (e.data as { requestId: string }).requestId === accepted.requestId);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.data).toMatchObject({ trigger: { kind: 'manual', requestedBy: 'alice' } });
    expect(mine[0]!.metadata.actor).toBe('user:alice');
  });

  it('a canary: rollback refused while it trades, an approver adopts it now or rolls it back; reject a pending proposal', async () => {
    approvers = ['alice'];
    const h = new ParameterVersionHandlers(t.store, uuidv7);
    const at = Date.UTC(2023, 3, 1);
    const meta = {
      correlationId: 'c',
      causationId: null,
      actor: 'system:test',
      mode: 'paper' as const,
      occurredAt: new Date(at).toISOString(),
    };
    const pending = async (proposalId: string) => {
      const first = (await h.state('ema-cross')).proposals.get(f.pendingProposalId)!.data;
      await h.handle(
        'ema-cross',
        {
          kind: 'ProposeParameterSet',
          strategyId: 'ema-cross',
          proposalId,
          runId: first.runId,
          params: first.params,
          method: first.method,
          trials: first.trials,
          walkForward: first.walkForward,
          evidence: {
            ...first.evidence,
            dsr: 0.99,
            pbo: 0.01,
            wfe: 1,
            oosMaxDrawdown: 0.01,
            oosTrades: 99,
            oosSharpe: 3,
            parameterStability: null,
          } as never,
          policy: {
            minDsr: 0,
            maxPbo: 1,
            minWfe: null,
            maxOosDrawdown: 1,
            minOosTrades: 0,
            minOosSharpe: null,
            minParameterStability: null,
          },
          autoPromote: false,
        },
        meta,
      );
    };
    await pending('api-canary');
    await h.handle(
      'ema-cross',
      { kind: 'StartCanary', proposalId: 'api-canary', at, plan: defaultCanaryPlan },
      meta,
    );
    const url = (a: string) => `/api/strategies/ema-cross/parameters/${a}`;
    expectError(
      await post(url('rollback'), { toVersion: 2, approver: 'alice' }, 'alice'),
      422,
      'canary-in-progress',
    );
    await t.runner.catchUpAll();
    let d = o.parameterVersions.parse((await get('/api/strategies/ema-cross/parameters')).body);
    expect(d.proposals[0]).toMatchObject({ proposalId: 'api-canary', status: 'canary', version: 4 });
    expect(d.canaries[0]).toMatchObject({
      version: 4,
      state: 'trading',
      incumbentVersion: 1,
      plan: defaultCanaryPlan,
    });
    const adopted = await post(url('promote'), { proposalId: 'api-canary', approver: 'alice' }, 'alice');
    expect(o.parameterAction.parse(adopted.body)).toEqual({
      strategyId: 'ema-cross',
      events: [
        { type: 'ParameterCanaryConcluded', version: 4 },
        { type: 'ParameterSetPromoted', version: 4 },
      ],
      activeVersion: 4,
    });
    await t.runner.catchUpAll();
    d = o.parameterVersions.parse((await get('/api/strategies/ema-cross/parameters')).body);
    expect(d.canaries[0]).toMatchObject({
      state: 'adopted',
      by: 'manual',
      concludedBy: 'user:alice',
      reason: 'approved by a person',
    });
    // A second canary rolled back by a person, then a pending proposal rejected.
    await pending('api-canary-2');
    await h.handle(
      'ema-cross',
      { kind: 'StartCanary', proposalId: 'api-canary-2', at, plan: defaultCanaryPlan },
      meta,
    );
    const back = await post(
      url('reject'),
      { proposalId: 'api-canary-2', approver: 'alice', reason: 'too soon' },
      'alice',
    );
    expect(o.parameterAction.parse(back.body)).toMatchObject({
      events: [{ type: 'ParameterCanaryConcluded', version: 5 }],
      activeVersion: 4,
    });
    await pending('api-pending');
    expectError(
      await post(url('reject'), { proposalId: 'nope', approver: 'alice' }, 'alice'),
      422,
      'unknown-proposal',
    );
    expectError(await post(url('reject'), { proposalId: 'api-pending', approver: 'bob' }, 'bob'), 403);
    const rej = await post(url('reject'), { proposalId: 'api-pending', approver: 'alice' }, 'alice');
    expect(o.parameterAction.parse(rej.body).events).toEqual([
      { type: 'ParameterSetRejected', version: null },
    ]);
    await t.runner.catchUpAll();
    d = o.parameterVersions.parse((await get('/api/strategies/ema-cross/parameters')).body);
    expect(d.proposals.slice(0, 3).map((p) => [p.proposalId, p.status, p.reason])).toEqual([
      ['api-pending', 'rejected', 'rejected by alice'],
      ['api-canary-2', 'rejected', 'canary rolled back: too soon'],
      ['api-canary', 'promoted', null],
    ]);
  });

  it('the routes are in /openapi.json with their error codes', async () => {
    const doc = (await get('/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: object }>>;
    };
    for (const path of [
      '/api/optimizer/runs',
      '/api/optimizer/runs/{runId}',
      '/api/optimizer/runs/{runId}/trials',
      '/api/strategies/{id}/parameters',
    ])
      expect(doc.paths[path]?.get).toBeDefined();
    expect(Object.keys(doc.paths['/api/strategies/{id}/parameters/promote']!.post!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '403', '404', '422']),
    );
    expect(doc.paths['/api/strategies/{id}/parameters/rollback']?.post).toBeDefined();
    expect(doc.paths['/api/strategies/{id}/parameters/reject']?.post).toBeDefined();
  });
});
