import { afterEach, describe, expect, it } from 'vitest';
import { testApp } from './testing.js';

/**
 * A person's decision answers once the read model its page reads has folded it: each route that appends
 * one waits for its projection to reach the log's head before it replies (read your writes), so the
 * page's next GET shows the decision, not the state before it.
 */
let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe('decisions read back at once', () => {
  it('a desk limit change waits for the risk-limits read model to reach the log’s head, then shows in GET', async () => {
    const waited: [string, number][] = [];
    const t = await testApp([], {
      approvers: () => ['ana'],
      projections: {
        status: async () => [],
        reached: async (name, position) => {
          waited.push([name, position]);
          // Nothing else folds the log in this test: what the GET below shows, the wait folded.
          await t.runner.catchUpAll();
          return t.runner.reached(name, position);
        },
      },
    });
    close = t.close;
    const res = await t.app.request('/api/risk/limits', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-perpetua-user': 'ana' },
      body: JSON.stringify({
        scope: 'defaults',
        key: null,
        limits: { maxLeverage: 3 },
        reason: 'calmer',
        approver: 'ana',
      }),
    });
    expect(res.status).toBe(200);
    const head = await t.store.headPosition();
    expect(waited).toEqual([['risk-limits', head]]);
    const view = (await (await t.app.request('/api/risk/limits')).json()) as {
      changes: { reason: string }[];
    };
    expect(view.changes[0]?.reason).toBe('calmer');
  });

  it('a refused decision waits for nothing', async () => {
    const waited: string[] = [];
    const t = await testApp([], {
      approvers: () => ['ana'],
      projections: {
        status: async () => [],
        reached: async (name) => {
          waited.push(name);
          return true;
        },
      },
    });
    close = t.close;
    const res = await t.app.request('/api/lifecycle/approve', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-perpetua-user': 'ana' },
      body: JSON.stringify({ strategyId: 'ema-cross', approver: 'ana' }),
    });
    // ema-cross has not been onboarded on this node: the lifecycle refuses and writes nothing.
    expect(res.status).toBe(422);
    expect(waited).toEqual([]);
  });
});
