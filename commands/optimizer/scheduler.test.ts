import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { ReoptimizationRequestedData } from '../../domain/optimizer/events.js';
import { reoptimizationStreamId } from '../../domain/optimizer/events.js';
import type { OptimizerRunOutcome } from './coordinator.js';
import { ReoptimizationScheduler, type ScheduledStrategy } from './scheduler.js';

const HOUR = 3_600_000;
const t0 = Date.parse('2023-01-01T00:00:00Z'); // a Sunday

const meta = (at: number) => ({
  correlationId: 'run-r1',
  causationId: null,
  actor: 'system:engine',
  mode: 'paper' as const,
  occurredAt: new Date(at).toISOString(),
});

const runStarted = (runId: string, strategyId: string, mode: 'paper' | 'backtest') => ({
  eventId: uuidv7(),
  type: 'RunStarted',
  data: {
    runId,
    mode,
    strategyId,
    strategyVersion: '1.0.0',
    params: {},
    paramsVersion: 0,
    symbols: ['BTCUSDT'],
    timeframe: '1h',
    from: t0,
    to: t0 + 365 * 24 * HOUR,
    seed: 1,
    initialBalance: '10000',
    config: {},
  },
  metadata: meta(t0),
});

const mark = (at: number, equity: number) => ({
  eventId: uuidv7(),
  type: 'EquityMarked',
  data: { at, equity, wallet: equity, unrealisedPnl: 0, exposure: 0 },
  metadata: meta(at),
});

/** Equity that rises gently, then from `fallFrom` on loses 0.5 % an hour. */
const equityAt = (i: number, fallFrom = Number.POSITIVE_INFINITY) =>
  i < fallFrom
    ? 10_000 * (1 + 0.0005 * i + 0.0002 * Math.sin(i))
    : 10_000 * (1 + 0.0005 * fallFrom) * (1 - 0.005 * (i - fallFrom + 1));

const strategy: ScheduledStrategy = {
  strategyId: 'ema-cross',
  cron: '0 0 * * 1', // Mondays 00:00 UTC
  kpi: { minRollingSharpe: 0, maxDrawdown: 0.05, window: 48, cooldownMs: 7 * 24 * HOUR },
  kpiEvery: 6,
};

const requests = async (store: MemoryEventStore) =>
  (await store.readStream(reoptimizationStreamId('ema-cross'))).map(
    (e) => e.data as ReoptimizationRequestedData,
  );

const until = async (cond: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const start = (store: MemoryEventStore) => {
  const handed: string[] = [];
  const scheduler = new ReoptimizationScheduler([strategy], {
    store,
    newEventId: uuidv7,
    runRequest: (e: RecordedEvent) => {
      handed.push((e.data as ReoptimizationRequestedData).requestId);
      return Promise.resolve({ executed: 1, promotedVersion: null } as unknown as OptimizerRunOutcome);
    },
  });
  const stop = new AbortController();
  const done = scheduler.run(stop.signal);
  return {
    scheduler,
    handed,
    stop: () => {
      stop.abort();
      return done;
    },
  };
};

describe('re-optimisation scheduler', () => {
  it('decides nothing while it reads history, then follows the market clock of the paper runs', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    await store.append('run-r1', 'no_stream', [runStarted('r1', 'ema-cross', 'paper')]);
    // Three days of history, past Monday 2023-01-02 00:00: no request is made for it while catching up.
    await store.append(
      'run-r1',
      'any',
      Array.from({ length: 72 }, (_, i) => mark(t0 + i * HOUR, equityAt(i))),
    );
    // A backtest of the same strategy is not watched.
    await store.append('run-b1', 'no_stream', [runStarted('b1', 'ema-cross', 'backtest')]);
    await store.append('run-b1', 'any', [mark(t0 + 400 * HOUR, 5_000)]);

    const s = start(store);
    await until(() => s.scheduler.status().caughtUp, 'catch-up');
    expect(await requests(store)).toEqual([]);

    // The next live mark is the first decision: the schedule catches up with one request, for the latest
    // Monday due before the market clock (2023-01-02 00:00), not one per missed due time.
    await store.append('run-r1', 'any', [mark(t0 + 72 * HOUR, equityAt(72))]);
    await until(async () => (await requests(store)).length === 1, 'the schedule request');
    expect((await requests(store))[0]!.trigger).toEqual({
      kind: 'schedule',
      cron: '0 0 * * 1',
      dueAt: Date.parse('2023-01-02T00:00:00Z'),
    });
    await until(() => s.handed.length === 1, 'the request handed to the optimizer');
    expect(s.scheduler.status().clock).toBe(t0 + 72 * HOUR);

    // Equity falls from hour 73: the KPI watcher (every 6 marks) requests a run once, then cools down.
    await store.append(
      'run-r1',
      'any',
      Array.from({ length: 60 }, (_, k) => mark(t0 + (73 + k) * HOUR, equityAt(73 + k, 73))),
    );
    await until(async () => (await requests(store)).some((r) => r.trigger.kind === 'kpi'), 'a KPI request');
    const kpi = (await requests(store)).filter((r) => r.trigger.kind === 'kpi');
    expect(kpi).toHaveLength(1);
    expect(kpi[0]!.trigger.kind === 'kpi' && kpi[0]!.trigger.checks.some((c) => c.breached)).toBe(true);

    // The market clock passes the next Monday (2023-01-09 00:00 is hour 192).
    await store.append(
      'run-r1',
      'any',
      Array.from({ length: 70 }, (_, k) => mark(t0 + (133 + k) * HOUR, equityAt(133 + k, 73) + 1)),
    );
    await until(async () => (await requests(store)).length === 3, 'the second schedule request');
    expect((await requests(store)).map((r) => r.trigger.kind)).toEqual(['schedule', 'kpi', 'schedule']);
    await until(() => s.handed.length === 3, 'every request handed over');
    await s.stop();

    // A restart reads the same log: the latest request is handed over again (the optimizer resumes or
    // reports a finished run by its id; older ones may be skipped as superseded), and nothing new is
    // requested.
    const again = start(store);
    await until(
      () => again.scheduler.status().caughtUp && again.handed.at(-1) === s.handed.at(-1),
      'restart catch-up',
    );
    await store.append('run-r1', 'any', [mark(t0 + 203 * HOUR, equityAt(203, 73))]);
    await until(() => again.scheduler.status().clock === t0 + 203 * HOUR, 'the new mark');
    await new Promise((r) => setTimeout(r, 30));
    expect(await requests(store)).toHaveLength(3);
    expect(again.handed.every((id) => s.handed.includes(id))).toBe(true);
    await again.stop();
  });

  it('runs requests one at a time, skips an automatic one superseded by a later one, never a person’s', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const handed: string[] = [];
    let release: () => void = () => {};
    const scheduler = new ReoptimizationScheduler([strategy, { ...strategy, strategyId: 'vol-breakout' }], {
      store,
      newEventId: uuidv7,
      runRequest: (e) => {
        handed.push((e.data as ReoptimizationRequestedData).requestId);
        return new Promise((resolve) => {
          release = () => resolve(null);
        });
      },
    });
    let position = 0;
    const request = (strategyId: string, dueAt: number): RecordedEvent => ({
      eventId: uuidv7(),
      streamId: reoptimizationStreamId(strategyId),
      streamVersion: 1,
      globalPosition: ++position,
      type: 'ReoptimizationRequested',
      schemaVersion: 1,
      data: {
        strategyId,
        requestId: `${strategyId}:schedule:${dueAt}`,
        trigger: { kind: 'schedule', cron: '0 0 * * 1', dueAt },
      },
      metadata: { ...meta(dueAt), recordedAt: new Date(dueAt).toISOString() },
    });
    const manual = (strategyId: string, at: number): RecordedEvent => {
      const e = request(strategyId, at);
      return {
        ...e,
        data: {
          strategyId,
          requestId: `${strategyId}:manual:${at}`,
          trigger: { kind: 'manual', requestedBy: 'alice' },
        },
      };
    };
    await scheduler.handle(request('ema-cross', 1));
    await until(() => handed.length === 1, 'the first run');
    // While it runs, more for ema-cross (a person's among them) and one for vol-breakout arrive.
    await scheduler.handle(request('ema-cross', 2));
    await scheduler.handle(manual('ema-cross', 3));
    await scheduler.handle(request('vol-breakout', 4));
    await scheduler.handle(request('ema-cross', 5));
    expect(handed).toEqual(['ema-cross:schedule:1']);
    for (const expected of [2, 3, 4]) {
      release();
      await until(() => handed.length === expected, `run ${expected}`);
    }
    release();
    await until(() => scheduler.status().runsFinished === 4, 'the last run');
    // The automatic request behind a newer one is skipped; the person's runs although one came after it.
    expect(handed).toEqual([
      'ema-cross:schedule:1',
      'ema-cross:manual:3',
      'vol-breakout:schedule:4',
      'ema-cross:schedule:5',
    ]);
    expect(scheduler.status()).toMatchObject({ requests: 5, superseded: 1, running: null });
  });

  it('keeps going when an optimizer run fails, and reports the error', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const logs: string[] = [];
    const scheduler = new ReoptimizationScheduler([{ ...strategy, kpi: null }], {
      store,
      newEventId: uuidv7,
      runRequest: () => Promise.reject(new Error('no data for 2031')),
      log: (m) => logs.push(m),
    });
    await store.append('run-r1', 'no_stream', [runStarted('r1', 'ema-cross', 'paper'), mark(t0, 10_000)]);
    const stop = new AbortController();
    const done = scheduler.run(stop.signal);
    await until(() => scheduler.status().caughtUp, 'catch-up');
    await store.append('run-r1', 'any', [mark(t0 + 30 * HOUR, 10_000)]);
    await until(() => scheduler.status().lastError !== null, 'the failure');
    expect(scheduler.status().lastError).toMatch(/no data for 2031/);
    expect(logs.some((l) => l.includes('no data for 2031'))).toBe(true);
    stop.abort();
    await done;
  });
});
