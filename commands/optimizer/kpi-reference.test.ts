import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import {
  type OptimizerRunCompletedData,
  optimizerStreamId,
  type ReoptimizationRequestedData,
  reoptimizationStreamId,
} from '../../domain/optimizer/events.js';
import type { OptimizerRunOutcome } from './coordinator.js';
import { decodeFloat64 } from './float-codec.js';
import { loadKpiReference } from './kpi-reference.js';
import { runForRequest } from './reoptimize.js';
import { ReoptimizationScheduler } from './scheduler.js';
import { syntheticExecutor } from './synthetic-executor.js';
import { ReoptimizationTriggers } from './triggers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t = (iso: string) => Date.parse(iso);
/** −0.25 % an hour with a wiggle (a curve with no spread has no Sharpe ratio to judge). */
const falling = (_: unknown, i: number) => 10_000 * 0.9975 ** i * (1 + 0.001 * Math.sin(i));

/** A store holding one re-optimisation of ema-cross through the real commands, its candidate promoted. */
const optimised = async () => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  const triggers = new ReoptimizationTriggers(store, uuidv7);
  await triggers.manual('ema-cross', 'alice', t('2023-03-02T00:00:00Z'));
  const [request] = await store.readStream(reoptimizationStreamId('ema-cross'));
  const templates = new Map([
    [
      'ema-cross',
      {
        symbols: ['BTCUSDT'],
        method: 'random',
        budget: 6,
        walkForward: 'rolling:20d/10d',
        lookbackMs: 60 * DAY,
        // Gates that any candidate passes: what is tested here is what happens after a promotion.
        policy: {
          minDsr: 0,
          maxPbo: 1,
          minWfe: -1e9,
          maxOosDrawdown: 1,
          minOosTrades: 0,
          minOosSharpe: -1e9,
          maxOosTradesPerDay: null,
          minOosCostCoverage: null,
        },
      },
    ],
  ]);
  const out = await runForRequest(request!, templates, {
    store,
    executor: syntheticExecutor(),
    newEventId: uuidv7,
    now: () => 0,
  });
  return { store, out: out! };
};

describe('the KPI trigger reads the backtest behind the parameters in force', () => {
  it('finds the version’s optimizer run and puts its out-of-sample curve on the run’s grid', async () => {
    const { store, out } = await optimised();
    expect(out.promotedVersion).toBe(1);
    const completed = (await store.readStream(optimizerStreamId(out.config.runId))).find(
      (e) => e.type === 'OptimizerRunCompleted',
    )!.data as OptimizerRunCompletedData;
    const equity = decodeFloat64(completed.stitched!.equity);

    const hourly = await loadKpiReference(store, 'ema-cross', 1, HOUR);
    expect(hourly?.optimizerRunId).toBe(out.config.runId);
    expect(hourly?.equity).toEqual(equity);
    // On a four-hour grid: every fourth point.
    expect((await loadKpiReference(store, 'ema-cross', 1, 4 * HOUR))?.equity).toEqual(
      equity.filter((_, i) => i % 4 === 0),
    );
    // The schema defaults and a version this log never promoted have no backtest to compare with.
    expect(await loadKpiReference(store, 'ema-cross', 0, HOUR)).toBeNull();
    expect(await loadKpiReference(store, 'ema-cross', 2, HOUR)).toBeNull();
    expect(await loadKpiReference(store, 'other', 1, HOUR)).toBeNull();
  });

  it('requests a run when the live week is worse than nearly every week of that backtest, and records why', async () => {
    const { store } = await optimised();
    const reference = (await loadKpiReference(store, 'ema-cross', 1, HOUR))!;
    const start = t('2023-03-02T00:00:00Z');
    const handed: string[] = [];
    const scheduler = new ReoptimizationScheduler(
      [
        {
          strategyId: 'ema-cross',
          cron: null,
          // Sharpe and drawdown limits that these curves never reach: only the comparison can trip.
          kpi: { minRollingSharpe: -1e9, maxDrawdown: 0.99, window: 48, minBacktestPercentile: 0.05 },
          kpiEvery: 12,
        },
      ],
      {
        store,
        newEventId: uuidv7,
        runRequest: (e: RecordedEvent) => {
          handed.push((e.data as ReoptimizationRequestedData).requestId);
          return Promise.resolve({ executed: 0 } as unknown as OptimizerRunOutcome);
        },
      },
    );
    const runStarted = (runId: string, paramsVersion: number) => ({
      eventId: uuidv7(),
      type: 'RunStarted',
      data: {
        runId,
        mode: 'paper',
        strategyId: 'ema-cross',
        strategyVersion: '1.0.0',
        params: {},
        paramsVersion,
        symbols: ['BTCUSDT'],
        timeframe: '1h',
        from: start,
        to: start + 365 * DAY,
        seed: 1,
        initialBalance: '10000',
        config: {},
      },
      metadata: {
        correlationId: `run-${runId}`,
        causationId: null,
        actor: 'system:engine',
        mode: 'paper' as const,
        occurredAt: new Date(start).toISOString(),
      },
    });
    const marks = (runId: string, equity: readonly number[]) =>
      equity.map((x, i) => ({
        eventId: uuidv7(),
        type: 'EquityMarked',
        data: { at: start + i * HOUR, equity: x, wallet: x, unrealisedPnl: 0, exposure: 0 },
        metadata: { ...runStarted(runId, 1).metadata, occurredAt: new Date(start + i * HOUR).toISOString() },
      }));
    const stop = new AbortController();
    const done = scheduler.run(stop.signal);
    const kpiRequests = async () =>
      (await store.readStream(reoptimizationStreamId('ema-cross')))
        .map((e) => e.data as ReoptimizationRequestedData)
        .filter((d) => d.trigger.kind === 'kpi');
    const settle = () => new Promise((r) => setTimeout(r, 50));

    // A run of version 1 that does what its backtest did, hour for hour: nothing to say.
    await store.append('run-same', 'no_stream', [runStarted('same', 1)]);
    await store.append('run-same', 'any', marks('same', reference.equity.slice(100, 100 + 61)));
    for (let i = 0; i < 100 && scheduler.status().clock !== start + 60 * HOUR; i++) await settle();
    expect(scheduler.status()).toMatchObject({ clock: start + 60 * HOUR, caughtUp: true });
    expect(await kpiRequests()).toEqual([]);

    // Version 1 losing 0.25 % an hour for two days (−11 %): worse than every 48-hour window of its backtest.
    await store.append('run-bad', 'no_stream', [runStarted('bad', 1)]);
    await store.append('run-bad', 'any', marks('bad', Array.from({ length: 61 }, falling)));
    let requests = await kpiRequests();
    for (let i = 0; i < 100 && requests.length === 0; i++) {
      await settle();
      requests = await kpiRequests();
    }
    expect(requests).toHaveLength(1);
    const trigger = requests[0]!.trigger;
    if (trigger.kind !== 'kpi') throw new Error('not a KPI trigger');
    const check = trigger.checks.find((c) => c.kpi === 'backtestPercentile')!;
    expect(check).toMatchObject({ comparator: '>=', threshold: 0.05, breached: true, value: 0 });
    expect(check.reference).toMatchObject({ paramsVersion: 1, optimizerRunId: reference.optimizerRunId });
    expect(check.reference!.windows).toBe(reference.equity.length - 48);
    // Checked every 12 marks: the last check's window is marks 11 to 59.
    expect(check.reference!.liveReturn).toBeCloseTo(falling(undefined, 59) / falling(undefined, 11) - 1, 12);
    expect(trigger.checks.filter((c) => c.breached).map((c) => c.kpi)).toEqual(['backtestPercentile']);
    // The request is handed to the optimizer (after the manual one the log began with).
    for (let i = 0; i < 100 && handed.length < 2; i++) await settle();
    expect(handed).toEqual([`ema-cross:manual:${t('2023-03-02T00:00:00Z')}`, requests[0]!.requestId]);

    // The same fall on the schema defaults (version 0) has no backtest to be compared with.
    const other = new MemoryEventStore({ catalogue: catalogue() });
    const plain = new ReoptimizationTriggers(other, uuidv7);
    expect(
      await plain.checkKpis({
        strategyId: 'ema-cross',
        equity: Array.from({ length: 49 }, falling),
        periodsPerYear: 8760,
        thresholds: { minRollingSharpe: -1e9, maxDrawdown: 0.99, window: 48, minBacktestPercentile: 0.05 },
        now: start,
      }),
    ).toBeNull();
    stop.abort();
    await done;
  });
});
