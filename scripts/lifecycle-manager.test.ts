import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import type { CcxtVenue } from '../adapters/venue/ccxt-venue.js';
import { SharedVenue } from '../adapters/venue/shared-venue.js';
import type { FakeBinance } from '../adapters/venue/testing/fake-binance.js';
import { LifecycleHandlers } from '../commands/lifecycle/handlers.js';
import { catalogue } from '../domain/catalogue.js';
import { fixed, toText } from '../domain/ledger/fixed.js';
import { defaultGateConfig, type Evidence, type GateConfig } from '../domain/lifecycle/gates.js';
import { Waker } from '../replay/engine/live.js';
import type { PaperClock } from '../replay/engine/paper.js';
import { LifecycleManager, type LifecycleManagerOptions, type RealRun } from './lifecycle-manager.js';
import { LivePaperSession } from './paper/live-session.js';
import { RealAccountSession } from './paper/real-session.js';
import { connectFakeAccount, fakeBinanceOn } from './testing/fake-account.js';
import { StepClock } from './testing/step-clock.js';

const SYMBOL = 'BTCUSDT';
const FROM = Date.UTC(2023, 2, 1);
const DAY = 86_400_000;

/** Gates a few days of data can pass; prod waits for five days of the canary. */
const gates: GateConfig = {
  ...defaultGateConfig,
  shadow: { minDays: 1, minTrades: 1, minSharpe: -100, maxDrawdown: 0.5 },
  canary: { minDays: 2, minTrades: 1, minSharpe: -100, maxDrawdown: 0.5 },
  prod: { minDays: 5, minTrades: 2, minAnnualised: -1, maxDrawdown: 0.5, ksAlpha: 0.01, maxSlippageBps: 50 },
  demoteDrawdown: 0.5,
};

let fake: FakeBinance | null = null;
let account: CcxtVenue | null = null;
afterEach(async () => {
  await account?.close();
  await fake?.close();
  account = null;
  fake = null;
});

describe('the lifecycle manager with a shadow run and a real account (the fake exchange, real 2023 bars)', () => {
  it('takes a strategy to canary on one approval, trades the canary share on the exchange, promotes it to prod on evidence, and flattens it when revoked', async () => {
    const clock = new StepClock(FROM - 60_000);
    const started = await fakeBinanceOn(clock, SYMBOL);
    fake = started.fake;
    const { feed } = started;
    const f = fake;
    const wakers = new Set<Waker>();
    account = await connectFakeAccount(fake, clock, wakers);
    const acct = account;
    const shared = new SharedVenue(acct);
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const said: string[] = [];
    const log = (m: string) => said.push(m);
    // Fast EMAs trade a few times a week on 1h bars: evidence accrues in days. Without the engine's trailing
    // stop, this week's canary makes the trades the prod gate asks for.
    const parameters = { version: 1, params: { fast: 5, slow: 20, trailing: false } };
    const shadow = new LivePaperSession({
      strategyId: 'ema-cross',
      symbols: [SYMBOL],
      from: '2023-03-01',
      parameters,
      feed,
      store,
      clock,
      flushMs: 5,
      log,
    });
    const handlers = new LifecycleHandlers(store, newEventId, gates);
    let realRun: RealAccountSession | null = null;
    let listings = 0;
    const manager = new LifecycleManager({
      handlers,
      gates,
      strategies: new Map([['ema-cross', '1.0.0']]),
      runs: () => [shadow],
      feed: 'live',
      marketNow: () => (shadow.status().state === 'running' ? shadow.simTime : null),
      clock,
      minWallMs: 0,
      turnMs: 10 * 60_000,
      // The account is reconciled with the real run's ledger as it trades: no difference may be seen.
      account: {
        venue: 'binance',
        positions: () => acct.positions(),
        walletBalance: (asset) => acct.walletBalance(asset),
        get quiet() {
          return acct.quiet;
        },
      },
      checkEveryMs: 30 * 60_000,
      startReal: async (strategyId, mode, share) => {
        const waker = new Waker();
        wakers.add(waker);
        realRun = new RealAccountSession({
          strategyId,
          symbols: [SYMBOL],
          parameters,
          mode,
          share,
          capital: '100000',
          feed,
          marks: feed,
          venue: shared.lane(),
          venueName: 'binance',
          waker,
          store,
          clock,
          markEveryMs: 10 * 60_000,
          log,
          configureAccount: (settings) => acct.configure(settings),
          listInstruments: () => {
            listings++;
            return acct.instrumentBook();
          },
          // Hourly in production; the test's clock crosses days of bars, and each listing is 2 MB of JSON.
          instrumentsEveryMs: 6 * 3_600_000,
          commissionRates: (symbols) => acct.commissionRates(symbols),
        });
        await realRun.prepare();
        return realRun;
      },
      log,
    });
    const stop = new AbortController();
    await shadow.prepare();
    const running = [shadow.run(stop.signal), manager.run(stop.signal)];
    const stage = async () => (await handlers.state('ema-cross')).stage;
    const waitFor = async (what: string, cond: () => Promise<boolean> | boolean, ms = 60_000) => {
      const end = Date.now() + ms;
      while (!(await cond())) {
        if (Date.now() > end)
          throw new Error(
            `timed out waiting for ${what}\n${said.join('\n')}\n${store
              .raw()
              .filter(
                (e) =>
                  e.type === 'BreakerLevelChanged' ||
                  e.type === 'OrderRejected' ||
                  e.type === 'FillSettled' ||
                  e.type === 'AllocationApplied',
              )
              .map((e) => JSON.stringify(e.data).slice(0, 300))
              .join('\n')}`,
          );
        await clock.step(acct);
      }
    };
    try {
      await waitFor('shadow', async () => (await stage()) === 'shadow');
      // Nobody has let it trade real money: days pass at shadow.
      const shadowSince = clock.t;
      await waitFor('three more days', () => clock.t > shadowSince + 3 * DAY);
      expect(await stage()).toBe('shadow');
      expect(realRun).toBeNull();

      await handlers.decide(
        'ema-cross',
        { kind: 'ApproveRealMoney', approver: 'ana', note: 'test' },
        clock.t,
        shadow.lifecycleEvidence(),
      );
      await waitFor('canary', async () => (await stage()) === 'canary');
      await waitFor('the canary run', () => realRun !== null);
      const real = realRun!;
      expect(real.runId).toMatch(/^real-ema-cross-/);
      await waitFor('the canary to trade on the exchange', () => f.engine.trades().length > 0);
      await waitFor('prod', async () => (await stage()) === 'prod', 90_000);
      expect(real.sizing).toBe(1);

      // Let prod trade until it holds a position, then revoke: it is flattened on the exchange.
      await waitFor('a position in prod', () => f.engine.position(SYMBOL) !== 0n);
      await handlers.decide(
        'ema-cross',
        { kind: 'RevokeRealMoney', approver: 'bo', note: 'enough' },
        clock.t,
        null,
      );
      await waitFor(
        'the real run to be flattened',
        () => real.sizing === 0 && f.engine.position(SYMBOL) === 0n,
      );
      const settled = () =>
        store
          .raw()
          .filter(
            (e) => e.type === 'FillSettled' && (e.data as { orderId: string }).orderId.startsWith(real.runId),
          )
          .at(-1)?.data as { positionQuantity: string } | undefined;
      await waitFor('the ledger to book the exit', () => settled()?.positionQuantity === '0');
      // Flat, the run ends; a later canary would be a new run.
      await waitFor('the real run to end', () => real.status().state === 'finished');
      expect(manager.realRun('ema-cross')).toBe(real);
      expect(await stage()).toBe('shadow');
    } finally {
      stop.abort();
      await Promise.all(running);
    }

    // The log tells the whole story, and every trade the exchange made is booked by the real run.
    const realId = realRun!.runId;
    const events = store.raw();
    const moves = events
      .filter((e) => e.type === 'StrategyStageChanged')
      .map((e) => {
        const d = e.data as { from: string; to: string; reason: string };
        return `${d.from}→${d.to} ${d.reason}`;
      });
    const checks = events
      .filter((e) => e.type === 'AccountReconciled')
      .map((e) => e.data as { matched: boolean; wallet?: { unexplained: string; ledgers: string } });
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => !c.matched)).toEqual([]);
    // The exchange's wallet moved by exactly what the real run's ledger booked (its trades' realised PnL,
    // commissions and funding): nothing unexplained, at every check.
    expect(checks.filter((c) => c.wallet !== undefined && c.wallet.unexplained !== '0')).toEqual([]);
    expect(moves).toEqual([
      'paper→shadow gates-met',
      'shadow→canary gates-met',
      'canary→prod gates-met',
      'prod→shadow revoked',
    ]);
    const toProd = events.find(
      (e) => e.type === 'StrategyStageChanged' && (e.data as { to: string }).to === 'prod',
    )!;
    expect(
      (toProd.data as { checks: { name: string; pass: boolean }[] }).checks.map((c) => c.name),
    ).toContain('ks');
    const allocations = events
      .filter((e) => e.type === 'AllocationApplied' && e.streamId.includes(realId))
      .map((e) => (e.data as { multiplier: number; benched: boolean }).multiplier);
    expect(allocations).toEqual([gates.canaryShare, 1, 0]);
    const filled = events
      .filter((e) => e.type === 'OrderFilled' && (e.data as { orderId: string }).orderId.startsWith(realId))
      .map((e) => e.data as { tradeId: string; price: string; quantity: string });
    expect(filled.map((x) => [x.tradeId, x.price, x.quantity])).toEqual(
      f.engine.trades().map((t) => [String(t.id), toText(t.price), toText(t.qty)]),
    );
    expect(f.engine.position(SYMBOL)).toBe(0n);
    // The account traded the symbol as the run's ledger booked it (cross, 5x), not at the exchange's default
    // (20x): set before the first order. (A request the fake refuses for its timestamp, as the test's clock
    // jumps, is tried again: the run waits to start until both are set.)
    expect(f.engine.symbolLeverage.get(SYMBOL)).toBe(5);
    expect(f.engine.symbolMarginType.get(SYMBOL) ?? 'CROSSED').toBe('CROSSED');
    const leverageSet = f.requests.findIndex((r) => r.path === '/fapi/v1/leverage' && r.status === 200);
    expect(f.requests[leverageSet]?.params.leverage).toBe('5');
    expect(f.requests.findIndex((r) => r.path === '/fapi/v1/order')).toBeGreaterThan(leverageSet);
    // Over the whole run, to the unit: the wallet moved by what the real run's ledger booked.
    expect(fixed(await acct.walletBalance('USDT')) - fixed('1000000')).toBe(realRun!.ledgerFlows());
    expect(realRun!.ledgerFlows()).not.toBe(0n);
    // The run looked at the exchange's listing every hour of its clock; Binance's listing is the recorded
    // one here, so no look found a change: the same instrument read through the API and from the files.
    expect(listings).toBeGreaterThan(2);
    // Each real run booked the account's own commission rates as the exchange listed them.
    const rates = events.filter((e) => e.type === 'FeeRatesSet').map((e) => e.data);
    expect(rates.length).toBeGreaterThan(0);
    expect(new Set(rates.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify({ symbol: SYMBOL, makerRate: '0.0002', takerRate: '0.0005' })]),
    );
    expect(events.filter((e) => e.type === 'InstrumentUpdated')).toEqual([]);
    expect(said.filter((l) => l.includes('instruments:'))).toEqual([]);
    expect(
      events.filter(
        (e) => e.type === 'OrderRejected' && (e.data as { orderId: string }).orderId.startsWith(realId),
      ),
    ).toEqual([]);
  }, 180_000);
});

const T0 = Date.UTC(2023, 5, 1);
/** Evidence every gate of `gates` passes. */
const good: Evidence = {
  runId: 'x',
  days: 30,
  trades: 30,
  totalReturn: 0.1,
  maxDrawdown: 0.01,
  sharpe: 2,
  returns: [0.01, -0.005],
  slippageBps: 1,
  breakerTripped: false,
};

/** A real run the test drives by hand; `over` replaces what it names (getters kept as getters). */
const stubRun = (strategyId: string, over: object = {}): RealRun => {
  const base = {
    runId: `real-${strategyId}`,
    mode: 'canary' as const,
    sizing: 0.1,
    resize: () => {},
    retire: () => {},
    prepare: async () => {},
    fastForward: async () => 0,
    run: async () => {},
    mark: () => null,
    simTime: T0,
    status: () => ({ strategyId, state: 'running' }) as ReturnType<RealAccountSession['status']>,
    ledgerPositions: () => new Map(),
    quiet: () => true,
    unbooked: () => [],
  };
  return Object.defineProperties(base, Object.getOwnPropertyDescriptors(over)) as RealRun;
};

/** Takes a strategy to canary: the paper gate, ana's approval, the canary gate. */
const toCanary = async (handlers: LifecycleHandlers, id: string) => {
  await handlers.evaluate(id, { paper: good }, T0);
  await handlers.decide(id, { kind: 'ApproveRealMoney', approver: 'ana', note: '' }, T0, null);
  await handlers.evaluate(id, { shadow: good }, T0);
};

describe('the manager’s hold on real runs (stub runs)', () => {
  it('LIVE_ON_STOP=flatten: retires every real run, waits for each to end, and starts none after', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const handlers = new LifecycleHandlers(store, newEventId, gates);
    const clock: PaperClock = {
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    };
    const t0 = T0;
    const started: string[] = [];
    /** A real run that ends 50 ms after it is retired, unless it is stuck. */
    const stub = (id: string, stuck: boolean) => {
      let state: 'running' | 'finished' = 'running';
      let sizing = 0.1;
      return stubRun(id, {
        get sizing() {
          return sizing;
        },
        resize: (share: number) => {
          sizing = share;
        },
        retire: () => {
          sizing = 0;
          if (!stuck) setTimeout(() => (state = 'finished'), 50);
        },
        status: () => ({ strategyId: id, state }) as ReturnType<RealAccountSession['status']>,
      });
    };
    const manager = new LifecycleManager({
      handlers,
      gates,
      strategies: new Map([
        ['ema-cross', '1.0.0'],
        ['donchian-breakout', '1.0.0'],
      ]),
      runs: () => [],
      feed: 'live',
      marketNow: () => t0,
      clock,
      startReal: async (id) => {
        started.push(id);
        return stub(id, id === 'donchian-breakout');
      },
      log: () => {},
    });
    await manager.turn();
    // Both strategies at canary (approved, gates met).
    for (const id of ['ema-cross', 'donchian-breakout']) await toCanary(handlers, id);
    await manager.turn();
    expect(started.sort()).toEqual(['donchian-breakout', 'ema-cross']);
    const open = await manager.flattenAll('stopping', 500);
    // One run ended once flat; the stuck one is reported.
    expect(open).toEqual(['real-donchian-breakout']);
    expect(manager.realRuns().every((r) => r.sizing === 0)).toBe(true);
    await manager.turn();
    expect(started).toHaveLength(2);
  });

  it('a real run trading another parameter version than the one in force closes out, and the next trades the one in force', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const handlers = new LifecycleHandlers(store, newEventId, gates);
    let inForce = 0;
    const started: number[] = [];
    const retired: string[] = [];
    const manager = new LifecycleManager({
      handlers,
      gates,
      strategies: new Map([['ema-cross', '1.0.0']]),
      runs: () => [],
      feed: 'live',
      marketNow: () => T0,
      clock: { now: () => Date.now(), sleep: async () => {} },
      startReal: async () => {
        const version = inForce;
        started.push(version);
        return stubRun('ema-cross', {
          runId: `real-ema-cross-v${version}`,
          paramsVersion: version,
          retire: (why: string) => retired.push(why),
        });
      },
      versionInForce: async () => inForce,
      log: () => {},
    });
    await manager.turn();
    await toCanary(handlers, 'ema-cross');
    await manager.turn();
    await manager.turn();
    expect(started).toEqual([0]);
    expect(retired).toEqual([]);
    // A canary of parameters took over: version 1 is in force.
    inForce = 1;
    await manager.turn();
    expect(retired).toEqual(['parameter version 1 is in force: this run traded version 0']);
    expect(started).toEqual([0]);
    // The next turn starts the run of the version in force (the real node first waits for the account
    // to be clear of the old run's positions: startReal refuses until then).
    await manager.turn();
    expect(manager.realRun('ema-cross')?.runId).toBe('real-ema-cross-v1');
    expect(started).toEqual([0, 1]);
    expect(manager.realRuns().map((r) => r.runId)).toEqual(['real-ema-cross-v0', 'real-ema-cross-v1']);
    await manager.turn();
    expect(started).toEqual([0, 1]);
  });

  /**
   * A manager with ema-cross at canary trading version 0 in a stub run holding 0.5 BTCUSDT, handing over
   * to the run of the version in force (handOverVersions), on an account that holds 0.5 BTCUSDT.
   */
  const handingOver = async (
    next: (replacing: RealRun | undefined) => RealRun | string,
    account: { exchange?: string; leftovers?: LifecycleManagerOptions['leftovers'] } = {},
  ) => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const handlers = new LifecycleHandlers(store, newEventId, gates);
    let inForce = 0;
    const retired: string[] = [];
    const replaced: (string | undefined)[] = [];
    const said: string[] = [];
    let state: 'running' | 'finished' = 'running';
    let handedOver = false;
    const v0 = stubRun('ema-cross', {
      runId: 'real-ema-cross-v0',
      paramsVersion: 0,
      retire: (why: string) => retired.push(why),
      status: () => ({ strategyId: 'ema-cross', state }) as ReturnType<RealAccountSession['status']>,
      get handedOver() {
        return handedOver;
      },
      // Its own ledger (in memory) never sees the hand-over, which the taking run writes into its stream.
      ledgerPositions: () => new Map([['BTCUSDT', fixed('0.5')]]),
    });
    let wall = 1_000_000;
    const manager = new LifecycleManager({
      handlers,
      gates,
      strategies: new Map([['ema-cross', '1.0.0']]),
      runs: () => [],
      feed: 'live',
      marketNow: () => T0,
      clock: { now: () => wall, sleep: async () => {} },
      startReal: async (_id, _mode, _share, replacing) => {
        replaced.push(replacing?.runId);
        return replacing === undefined ? v0 : next(replacing);
      },
      versionInForce: async () => inForce,
      handOverVersions: true,
      account: {
        venue: 'binance',
        quiet: true,
        positions: async () => new Map([['BTCUSDT', account.exchange ?? '0.5']]),
      },
      ...(account.leftovers ? { leftovers: account.leftovers } : {}),
      log: (m) => said.push(m),
    });
    await manager.turn();
    await toCanary(handlers, 'ema-cross');
    await manager.turn();
    expect(manager.realRun('ema-cross')).toBe(v0);
    // A canary of parameters took over: version 1 is in force.
    inForce = 1;
    wall += 60_000;
    await manager.turn();
    const checks = () =>
      store
        .raw()
        .filter((e) => e.type === 'AccountReconciled')
        .map((e) => (e.data as { matched: boolean }).matched);
    return {
      manager,
      handlers,
      retired,
      replaced,
      said,
      checks,
      v0,
      handedOver: () => {
        handedOver = true;
        state = 'finished';
      },
      later: () => {
        wall += 60_000;
        return manager.turn();
      },
    };
  };

  it('hands a run of a version no longer in force over to the run of the version in force: it trades on until that run has taken its positions over, and is never flattened', async () => {
    let carried: string | null = null;
    let state: 'starting' | 'running' = 'starting';
    const v1 = stubRun('ema-cross', {
      runId: 'real-ema-cross-v1',
      paramsVersion: 1,
      retire: () => {
        throw new Error('the run of the version in force is not retired');
      },
      status: () => ({ strategyId: 'ema-cross', state }) as ReturnType<RealAccountSession['status']>,
      carriedFrom: () => carried,
      ledgerPositions: () => new Map(carried === null ? [] : [['BTCUSDT', fixed('0.5')]]),
    });
    const h = await handingOver(() => v1);
    expect(h.replaced).toEqual([undefined, 'real-ema-cross-v0']);
    expect(h.retired).toEqual([]);
    expect(h.manager.realRun('ema-cross')).toBe(v1);
    expect(h.manager.realRuns().map((r) => r.runId)).toEqual(['real-ema-cross-v0', 'real-ema-cross-v1']);
    expect(h.said).toContain(
      'lifecycle: real-ema-cross-v0 trades parameter version 0, version 1 is in force: real-ema-cross-v1 takes its positions over once it is ready, at no trade; until then it trades on',
    );
    // While v1 starts, v0 still holds the position: the account check counts it there.
    await h.later();
    expect(h.retired).toEqual([]);
    // v1 takes it over; v0's loop ends. Its in-memory ledger still shows the position, which is counted once.
    state = 'running';
    carried = 'real-ema-cross-v0';
    h.handedOver();
    await h.later();
    await h.later();
    expect(h.retired).toEqual([]);
    expect(h.checks().every((m) => m)).toBe(true);
    expect(h.checks().length).toBeGreaterThan(0);
    expect(h.manager.realRuns().map((r) => r.runId)).toEqual(['real-ema-cross-v0', 'real-ema-cross-v1']);
    expect(h.replaced).toEqual([undefined, 'real-ema-cross-v0']);
  });

  it('counts a run that handed over from the read models: what settling it booked (its exit filling meanwhile) is there, not in its engine', async () => {
    // Its exit filled while it was settled: the exchange and the read models hold nothing, its engine
    // still 0.5, and the new run took nothing over.
    const v1 = stubRun('ema-cross', {
      runId: 'real-ema-cross-v1',
      paramsVersion: 1,
      carriedFrom: () => null,
    });
    const h = await handingOver(() => v1, {
      exchange: '0',
      leftovers: async () => [{ runId: 'real-ema-cross-v0', positions: new Map() }],
    });
    h.handedOver();
    await h.later();
    await h.later();
    expect(h.checks().at(-1)).toBe(true);
    expect(h.retired).toEqual([]);
  });

  it('closes out a run of a version no longer in force when the run of the version in force cannot start, or fails before it took the positions over', async () => {
    // It cannot start: the run closes its positions as before.
    const refused = await handingOver(() => 'the exchange could not be reached');
    expect(refused.retired).toEqual(['parameter version 1 is in force: this run traded version 0']);
    expect(refused.said).toContain(
      'lifecycle: real-ema-cross-v0 cannot hand its positions over (the exchange could not be reached): it closes them instead',
    );
    // It starts, then fails before taking them over: the run trading on closes them.
    let state: 'starting' | 'failed' = 'starting';
    const v1 = stubRun('ema-cross', {
      runId: 'real-ema-cross-v1',
      paramsVersion: 1,
      status: () =>
        ({ strategyId: 'ema-cross', state, error: 'no bars' }) as ReturnType<RealAccountSession['status']>,
      carriedFrom: () => null,
    });
    const failed = await handingOver(() => v1);
    expect(failed.retired).toEqual([]);
    state = 'failed';
    await failed.later();
    expect(failed.retired).toEqual(['the run that was to take its positions over failed: no bars']);
    // Taken off real money while the new run starts: both go, the one trading on closes its positions.
    const revoked = await handingOver(() =>
      stubRun('ema-cross', { runId: 'real-ema-cross-v1', paramsVersion: 1, carriedFrom: () => null }),
    );
    await revoked.handlers.decide(
      'ema-cross',
      { kind: 'RevokeRealMoney', approver: 'ana', note: 'enough' },
      T0,
      null,
    );
    await revoked.later();
    expect(revoked.retired).toEqual(['taken off real money before its positions were handed over']);
  });

  it('takes a real run in trouble off real money at once, not at the next evaluation', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const handlers = new LifecycleHandlers(store, newEventId, gates);
    const t0 = T0;
    let tripped = false;
    let retired = false;
    const run = stubRun('ema-cross', {
      retire: () => {
        retired = true;
      },
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross', breakerTripped: tripped }),
    });
    const manager = new LifecycleManager({
      handlers,
      gates,
      strategies: new Map([['ema-cross', '1.0.0']]),
      runs: () => [],
      feed: 'live',
      marketNow: () => t0,
      clock: { now: () => Date.now(), sleep: async () => {} },
      startReal: async () => run,
      log: () => {},
    });
    await manager.turn();
    await toCanary(handlers, 'ema-cross');
    await manager.turn();
    expect(manager.realRun('ema-cross')).toBe(run);
    // The market clock has not moved: no evaluation is due. The breaker trips.
    tripped = true;
    await manager.turn();
    expect((await handlers.state('ema-cross')).stage).toBe('shadow');
    expect(retired).toBe(true);
  });

  /** A manager on wall time `wall` with `run` at canary, checking the account `positions`; its checks. */
  const reconciling = async (
    /** The real run it starts, or why none starts (LIVE_LEFTOVERS=wait). */
    run: RealRun | string,
    wall: () => number,
    positions: () => Promise<ReadonlyMap<string, string>>,
    leftovers?: LifecycleManagerOptions['leftovers'],
    wallet?: Pick<LifecycleManagerOptions, 'otherLedgerFlows' | 'capital'> & {
      balance: () => Promise<string>;
    },
  ) => {
    const said: string[] = [];
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const handlers = new LifecycleHandlers(store, newEventId, gates);
    const manager = new LifecycleManager({
      handlers,
      gates,
      strategies: new Map([['ema-cross', '1.0.0']]),
      runs: () => [],
      feed: 'live',
      marketNow: () => T0,
      clock: { now: wall, sleep: async () => {} },
      startReal: async () => run,
      account: {
        venue: 'binance',
        quiet: true,
        positions,
        ...(wallet ? { walletBalance: wallet.balance } : {}),
      },
      ...(leftovers ? { leftovers } : {}),
      ...(wallet?.otherLedgerFlows ? { otherLedgerFlows: wallet.otherLedgerFlows } : {}),
      ...(wallet?.capital !== undefined ? { capital: wallet.capital } : {}),
      log: (m) => said.push(m),
    });
    await manager.turn();
    await toCanary(handlers, 'ema-cross');
    await manager.turn();
    const checks = () =>
      store
        .raw()
        .filter((e) => e.type === 'AccountReconciled')
        .map((e) => e.data);
    return { handlers, manager, checks, said };
  };

  it('checks the account with no real run of its own while an earlier run’s leftovers wait: a trade by hand beside them is recorded', async () => {
    let wall = 1_000_000;
    let onExchange = new Map([['BTCUSDT', '-0.092']]);
    const { manager, checks, said } = await reconciling(
      // LIVE_LEFTOVERS=wait: no run starts while what the earlier one left waits for a person.
      'ema-cross: waits for a person to close what real-ema-cross-old left',
      () => wall,
      async () => onExchange,
      async () => [{ runId: 'real-ema-cross-old', positions: new Map([['BTCUSDT', fixed('-0.092')]]) }],
    );
    expect(manager.realRuns()).toEqual([]);
    expect(checks()).toEqual([expect.objectContaining({ matched: true, runs: ['real-ema-cross-old'] })]);
    // A person buys 1 ETH by hand: the next check suspects it, the one 5 s later records it.
    onExchange = new Map([
      ['BTCUSDT', '-0.092'],
      ['ETHUSDT', '1'],
    ]);
    wall += 60_000;
    await manager.turn();
    wall += 5_000;
    await manager.turn();
    expect(checks().at(-1)).toMatchObject({ matched: false });
    expect(said).toContain(
      "account check: the binance account differs from the real runs' ledgers: ETHUSDT exchange 1, ledgers 0",
    );
  });

  it('checks a real run at its first quiet moment, not a minute after a check that found nothing to count', async () => {
    const wall = 1_000_000;
    const run = stubRun('ema-cross', { lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }) });
    // The first turn checks for earlier runs' leftovers and finds none; the run starts in the same minute.
    const { checks } = await reconciling(
      run,
      () => wall,
      async () => new Map(),
      async () => [],
    );
    expect(checks()).toEqual([expect.objectContaining({ matched: true, runs: ['real-ema-cross'] })]);
  });

  it('checks the wallet against every real run’s ledger: a movement no ledger explains is recorded once confirmed, and takes nothing away', async () => {
    let wall = 1_000_000;
    let flows = fixed('-12.5'); // what this run's ledger moved so far: realised PnL − fees + funding
    const run = stubRun('ema-cross', {
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }),
      ledgerFlows: () => flows,
    });
    let onExchange = '10037.5'; // 10,000 deposited, 50 an earlier process's run made, less this run's 12.5
    const { handlers, manager, checks, said } = await reconciling(
      run,
      () => wall,
      async () => new Map(),
      undefined,
      { balance: async () => onExchange, otherLedgerFlows: async () => fixed('50') },
    );
    expect(checks()).toEqual([
      expect.objectContaining({
        matched: true,
        wallet: {
          asset: 'USDT',
          exchange: '10037.5',
          ledgers: '37.5',
          baseline: '10000',
          unexplained: '0',
          readAt: new Date(1_000_000).toISOString(),
        },
      }),
    ]);
    // A trade the ledger books as the exchange made it: nothing unexplained, nothing recorded.
    flows -= fixed('3.25');
    onExchange = '10034.25';
    wall += 60_000;
    await manager.turn();
    expect(checks()).toHaveLength(1);
    // 500 USDT transferred out: the first check that sees it waits for a second one, which records it.
    onExchange = '9534.25';
    wall += 60_000;
    await manager.turn();
    expect(checks()).toHaveLength(1);
    wall += 5_000;
    await manager.turn();
    expect(checks().at(-1)).toMatchObject({ matched: true, wallet: { unexplained: '-500' } });
    expect(said.some((l) => l.includes('holds -500 USDT the real runs'))).toBe(true);
    // It is reported, not acted on: a transfer is the owner's to make.
    expect((await handlers.state('ema-cross')).stage).toBe('canary');
  });

  it('sizes the real runs on what the wallet backs: money transferred out scales them down at once, money back scales them up again', async () => {
    let wall = 1_000_000;
    let flows = fixed('0');
    const sizes: [number, string][] = [];
    let sizing = gates.canaryShare;
    const run = stubRun('ema-cross', {
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }),
      ledgerFlows: () => flows,
      get sizing() {
        return sizing;
      },
      resize: (share: number, reason: string) => {
        sizes.push([share, reason]);
        sizing = share;
      },
    });
    // A canary on 10 % of 10,000 USDT commits 1,000; the wallet holds 1,200.
    let onExchange = '1200';
    const { manager, said } = await reconciling(
      run,
      () => wall,
      async () => new Map(),
      undefined,
      { balance: async () => onExchange, capital: 10_000 },
    );
    expect(manager.backing).toBe(1);
    expect(sizes).toEqual([]);
    // 580 transferred out: 620 left of the 1,000 committed. The next turn sizes the run on 62 % of its share.
    onExchange = '620';
    const step = async () => {
      wall += 60_000;
      await manager.turn();
    };
    await step();
    expect(manager.backing).toBe(0.62);
    expect(said).toContain(
      'lifecycle: the USDT wallet holds 620.00 of the 1000.00 the real runs commit: they size on 62 % of their share',
    );
    await step();
    expect(sizes).toEqual([[0.1 * 0.62, 'canary: 10 % of the capital, of which the wallet backs 62 %']]);
    // Its losses are the wallet's too: 20 lost by the run, on both sides, leave 600 of 980 (61 %).
    flows = fixed('-20');
    onExchange = '600';
    await step();
    await step();
    expect(manager.backing).toBe(0.61);
    expect(sizes.at(-1)).toEqual([0.1 * 0.61, 'canary: 10 % of the capital, of which the wallet backs 61 %']);
    // A deposit of 20 (63 %): not worth a resize yet. Another 380: all of it is backed again.
    onExchange = '620';
    await step();
    expect(manager.backing).toBe(0.61);
    expect(sizes).toHaveLength(2);
    onExchange = '1000';
    await step();
    await step();
    expect(manager.backing).toBe(1);
    expect(sizes.at(-1)).toEqual([0.1, 'canary: 10 % of the capital']);
  });

  it('does not read the wallet while funding settles: funding charged on the hour and booked a minute later is no difference', async () => {
    // 07:50: the first check sets the baseline.
    let wall = Date.UTC(2023, 5, 1, 7, 50);
    let flows = 0n;
    const run = stubRun('ema-cross', {
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }),
      ledgerFlows: () => flows,
    });
    let onExchange = '10000';
    const { manager, checks, said } = await reconciling(
      run,
      () => wall,
      async () => new Map(),
      undefined,
      { balance: async () => onExchange },
    );
    expect(checks()).toMatchObject([{ wallet: { unexplained: '0' } }]);
    // 08:00:02: Binance has charged 1.5 of funding; its income record has not reached the run's ledger. Two
    // checks 5 s apart would confirm it as money no ledger explains; in the settling minutes the wallet is
    // not read, and the last check stands.
    onExchange = '9998.5';
    wall = Date.UTC(2023, 5, 1, 8, 0, 2);
    await manager.turn();
    wall += 5_000;
    await manager.turn();
    wall += 60_000;
    await manager.turn();
    expect(checks()).toHaveLength(1);
    // 08:06: the ledger has booked it; the wallet agrees with it.
    flows = fixed('-1.5');
    wall = Date.UTC(2023, 5, 1, 8, 6);
    await manager.turn();
    wall += 5_000;
    await manager.turn();
    expect(checks()).toHaveLength(1);
    expect(said.filter((l) => l.includes('do not explain'))).toEqual([]);
    // A transfer out after the settling minutes is still seen, and confirmed by a fresh reading.
    onExchange = '9498.5';
    wall += 60_000;
    await manager.turn();
    wall += 5_000;
    await manager.turn();
    expect(checks().at(-1)).toMatchObject({ wallet: { unexplained: '-500' } });
  });

  it('a check recorded while funding settles carries the last wallet reading on, saying when it was read', async () => {
    let wall = Date.UTC(2023, 5, 1, 7, 50);
    const run = stubRun('ema-cross', {
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }),
      ledgerFlows: () => 0n,
    });
    let held = new Map<string, string>();
    const { manager, checks } = await reconciling(
      run,
      () => wall,
      async () => held,
      undefined,
      { balance: async () => '10000' },
    );
    expect(checks()).toMatchObject([{ wallet: { readAt: '2023-06-01T07:50:00.000Z' } }]);
    // 08:01: a position no ledger holds, confirmed 5 s later, inside the settling minutes: the check is
    // recorded with the wallet as read at 07:50, and says so, rather than as if read now.
    held = new Map([['BTCUSDT', '0.5']]);
    wall = Date.UTC(2023, 5, 1, 8, 1);
    await manager.turn();
    wall += 5_000;
    await manager.turn();
    expect(checks().at(-1)).toMatchObject({
      matched: false,
      at: Date.UTC(2023, 5, 1, 8, 1, 5),
      wallet: { readAt: '2023-06-01T07:50:00.000Z' },
    });
  });

  it('reconciles the account with the real runs’ ledgers: a confirmed difference is recorded and takes real money away', async () => {
    let wall = 1_000_000;
    let retired = false;
    const run = stubRun('ema-cross', {
      retire: () => {
        retired = true;
      },
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }),
      // 0.012 BTC, in the ledger's 10^-18 units.
      ledgerPositions: () => new Map([['BTCUSDT', 12n * 10n ** 15n]]),
    });
    let onExchange = new Map([['BTCUSDT', '0.012']]);
    const { handlers, manager, checks } = await reconciling(
      run,
      () => wall,
      async () => onExchange,
    );
    expect(checks()).toEqual([
      {
        venue: 'binance',
        at: wall,
        matched: true,
        rows: [{ symbol: 'BTCUSDT', exchange: '0.012', ledger: '0.012' }],
        runs: ['real-ema-cross'],
      },
    ]);
    // A trade by hand on the exchange: the first check that sees it waits for a second one.
    onExchange = new Map([['BTCUSDT', '0.112']]);
    wall += 60_000;
    await manager.turn();
    expect(checks()).toHaveLength(1);
    expect((await handlers.state('ema-cross')).stage).toBe('canary');
    wall += 5_000;
    await manager.turn();
    expect(checks().at(-1)).toMatchObject({
      matched: false,
      rows: [{ symbol: 'BTCUSDT', exchange: '0.112', ledger: '0.012' }],
    });
    expect((await handlers.state('ema-cross')).stage).toBe('shadow');
    await manager.turn();
    expect(retired).toBe(true);
    // The same answer is not recorded twice.
    wall += 65_000;
    await manager.turn();
    wall += 5_000;
    await manager.turn();
    expect(checks()).toHaveLength(2);
  });

  it('counts what an earlier process’s run left on the account: no difference, and that run named', async () => {
    const wall = 1_000_000;
    const unit = 10n ** 15n; // 0.001 BTC in the ledger's 10^-18 units
    const run = stubRun('ema-cross', {
      lifecycleEvidence: () => ({ ...good, runId: 'real-ema-cross' }),
      ledgerPositions: () => new Map([['BTCUSDT', 12n * unit]]),
    });
    const { handlers, checks } = await reconciling(
      run,
      () => wall,
      // The exchange holds this process's 0.012 and 0.005 an earlier run of donchian-breakout left.
      async () => new Map([['BTCUSDT', '0.017']]),
      async () => [
        { runId: 'real-donchian-earlier', positions: new Map([['BTCUSDT', 5n * unit]]) },
        // The read models list this process's own run too: it is counted once, from its engine.
        { runId: 'real-ema-cross', positions: new Map([['BTCUSDT', 12n * unit]]) },
      ],
    );
    expect(checks()).toEqual([
      {
        venue: 'binance',
        at: wall,
        matched: true,
        rows: [{ symbol: 'BTCUSDT', exchange: '0.017', ledger: '0.017' }],
        // Checked first before this process's run started, from what the read models list: the same
        // answer once it runs is not recorded again.
        runs: ['real-donchian-earlier', 'real-ema-cross'],
      },
    ]);
    expect((await handlers.state('ema-cross')).stage).toBe('canary');
  });
});
