import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import { dropPgSchema } from '../../adapters/sql/pg-client.js';
import { serviceUrl, uniqueSchema } from '../../adapters/testing/services.js';
import { lifecycleStreamId } from '../../domain/lifecycle/events.js';
import { defaultGateConfig, type Evidence } from '../../domain/lifecycle/gates.js';
import { LifecycleError } from '../../domain/lifecycle/lifecycle.js';
import { allProjections } from '../../projections/index.js';
import { readLifecycle } from '../../projections/lifecycle/projection.js';
import { ProjectionRunner } from '../../projections/runner.js';
import { LifecycleHandlers } from './handlers.js';

const url = serviceUrl('DATABASE_URL');
const backends: [string, string | undefined][] = [['PGlite', undefined]];
if (url) backends.push(['PostgreSQL', url]);

const DAY = 86_400_000;
const T0 = Date.UTC(2023, 5, 1);
const evidence = (runId: string, over: Partial<Evidence> = {}): Evidence => ({
  runId,
  days: 30,
  trades: 30,
  totalReturn: 0.04,
  maxDrawdown: 0.03,
  sharpe: 1.5,
  returns: Array.from({ length: 400 }, (_, i) => Math.sin(i * 2.3) / 500),
  slippageBps: 1.5,
  breakerTripped: false,
  ...over,
});

const rule = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof LifecycleError) return e.rule;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe.each(backends)('the lifecycle on %s', (_name, databaseUrl) => {
  let opened: OpenedStore;
  let runner: ProjectionRunner;
  const schema = uniqueSchema('life');
  beforeAll(async () => {
    opened = await openStore(databaseUrl ? { databaseUrl, schema } : { dataDir: ':memory:' });
    runner = new ProjectionRunner(opened.store, opened.db, allProjections(), { batchSize: 3 });
    await runner.prepare();
  });
  afterAll(async () => {
    await opened?.close();
    if (databaseUrl) await dropPgSchema(databaseUrl, schema);
  });

  it('takes a strategy from paper to prod on its evidence and one approval, and the read model follows', async () => {
    const h = new LifecycleHandlers(opened.store, newEventId, defaultGateConfig);
    expect(await h.onboard('ema-cross', '1.0.0', T0)).toBe(true);
    expect(await h.onboard('ema-cross', '1.0.0', T0)).toBe(false);
    await h.evaluate('ema-cross', { paper: evidence('paper-ema') }, T0 + 30 * DAY);
    expect((await h.state('ema-cross')).stage).toBe('shadow');
    // The shadow gate is met, but nobody let it trade real money yet.
    await h.evaluate('ema-cross', { shadow: evidence('live-ema') }, T0 + 40 * DAY);
    expect((await h.state('ema-cross')).stage).toBe('shadow');
    const before = (await opened.store.readStream(lifecycleStreamId('ema-cross'))).length;
    // The system cannot approve: the actor is always the approver's.
    expect(
      await rule(h.decide('ema-cross', { kind: 'RevokeRealMoney', approver: 'ana', note: 'x' }, T0, null)),
    ).toBe('not-approved');
    expect((await opened.store.readStream(lifecycleStreamId('ema-cross'))).length).toBe(before);
    await h.decide(
      'ema-cross',
      { kind: 'ApproveRealMoney', approver: 'ana', note: 'a month of shadow' },
      T0 + 41 * DAY,
      evidence('live-ema'),
    );
    const approved = (await opened.store.readStream(lifecycleStreamId('ema-cross'))).at(-1)!;
    expect(approved.metadata.actor).toBe('user:ana');
    expect(approved.data).toMatchObject({ stage: 'shadow', evidence: { runId: 'live-ema', returns: 400 } });
    await h.evaluate('ema-cross', { shadow: evidence('live-ema') }, T0 + 42 * DAY);
    await h.evaluate(
      'ema-cross',
      // The canary's returns are its 10 % share of the strategy's.
      {
        real: evidence('real-ema', { returns: evidence('x').returns.map((r) => r / 10) }),
        shadow: evidence('live-ema'),
      },
      T0 + 50 * DAY,
    );
    expect((await h.state('ema-cross')).stage).toBe('prod');
    expect(await rule(h.evaluate('ema-cross', {}, T0))).toBe('evidence-out-of-order');

    await runner.catchUpAll();
    const view = await readLifecycle(opened.db);
    expect(view.strategies).toEqual([
      {
        strategyId: 'ema-cross',
        stage: 'prod',
        since: T0 + 50 * DAY,
        approvedBy: 'ana',
        approvedAt: new Date(T0 + 41 * DAY).toISOString(),
        demotedAt: null,
      },
    ]);
    expect(view.history.map((m) => [m.kind, m.from, m.to, m.actor])).toEqual([
      ['stage', 'canary', 'prod', 'system:lifecycle'],
      ['stage', 'shadow', 'canary', 'system:lifecycle'],
      ['approved', null, null, 'user:ana'],
      ['stage', 'paper', 'shadow', 'system:lifecycle'],
      ['onboarded', null, 'paper', 'system:lifecycle'],
    ]);
    expect(view.history[0]!.checks.map((c) => c.name)).toEqual([
      'days',
      'trades',
      'annualised',
      'max-drawdown',
      'ks',
      'slippage',
      'breaker',
    ]);

    // A person revokes: off real money at once.
    await h.decide(
      'ema-cross',
      { kind: 'RevokeRealMoney', approver: 'bo', note: 'funding regime changed' },
      T0 + 51 * DAY,
      null,
    );
    await runner.catchUpAll();
    const after = await readLifecycle(opened.db);
    expect(after.strategies[0]).toMatchObject({ stage: 'shadow', approvedBy: null, approvedAt: null });
    expect(after.history[0]).toMatchObject({
      kind: 'stage',
      reason: 'revoked',
      to: 'shadow',
      actor: 'user:bo',
    });

    // The account checks: recorded when the answer changes, the latest per venue read back.
    const rows = [{ symbol: 'BTCUSDT', exchange: '0.01', ledger: '0.01' }];
    expect(await h.recordAccountCheck('binance', { matched: true, rows }, ['real-ema'], T0 + 52 * DAY)).toBe(
      true,
    );
    expect(await h.recordAccountCheck('binance', { matched: true, rows }, ['real-ema'], T0 + 53 * DAY)).toBe(
      false,
    );
    const differs = [{ symbol: 'BTCUSDT', exchange: '0.11', ledger: '0.01' }];
    expect(
      await h.recordAccountCheck('binance', { matched: false, rows: differs }, ['real-ema'], T0 + 54 * DAY),
    ).toBe(true);
    await runner.catchUpAll();
    expect((await readLifecycle(opened.db)).accounts).toEqual([
      {
        venue: 'binance',
        at: new Date(T0 + 54 * DAY).toISOString(),
        matched: false,
        rows: differs,
        runs: ['real-ema'],
        wallet: null,
      },
    ]);
    // The wallet: its balance moves with every trade, and only a change in what no ledger explains is news.
    const wallet = (exchange: string, ledgers: string, unexplained: string) => ({
      asset: 'USDT',
      exchange,
      ledgers,
      baseline: '10000',
      unexplained,
    });
    const check = (w: ReturnType<typeof wallet>, day: number) =>
      h.recordAccountCheck(
        'binance',
        { matched: false, rows: differs, wallet: w },
        ['real-ema'],
        T0 + day * DAY,
      );
    expect(await check(wallet('10012.5', '12.5', '0'), 55)).toBe(true);
    expect(await check(wallet('10020', '20', '0'), 56)).toBe(false);
    expect(await check(wallet('9520', '20', '-500'), 57)).toBe(true);
    await runner.catchUpAll();
    expect((await readLifecycle(opened.db)).accounts[0]?.wallet).toEqual(wallet('9520', '20', '-500'));
    const checked = await readLifecycle(opened.db);

    // Rebuilt from position 0, the read model is the same.
    await runner.rebuild('lifecycle');
    expect(await readLifecycle(opened.db)).toEqual(checked);
    expect(checked.strategies).toEqual(after.strategies);
  });
});
