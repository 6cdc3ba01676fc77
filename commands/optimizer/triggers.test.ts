import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { reoptimizationStreamId } from '../../domain/optimizer/events.js';
import { runForRequest } from './reoptimize.js';
import { syntheticExecutor } from './synthetic-executor.js';
import { ReoptimizationTriggers } from './triggers.js';

const t = (iso: string) => Date.parse(iso);
const setup = () => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  return { store, triggers: new ReoptimizationTriggers(store, uuidv7) };
};

describe('re-optimisation triggers', () => {
  it('schedule: one request per due time, catch-up collapses missed ones, repeated ticks request nothing', async () => {
    const { store, triggers } = setup();
    const base = { strategyId: 'ema-cross', cron: '0 3 * * *', since: t('2023-01-01T00:00:00Z') };
    const early = await triggers.schedule({ ...base, now: t('2023-01-01T02:59:00Z') });
    expect(early).toEqual({ requested: null, nextDueAt: t('2023-01-01T03:00:00Z') });
    const first = await triggers.schedule({ ...base, now: t('2023-01-01T03:00:30Z') });
    expect(first.requested?.trigger).toEqual({
      kind: 'schedule',
      cron: '0 3 * * *',
      dueAt: t('2023-01-01T03:00:00Z'),
    });
    expect(first.nextDueAt).toBe(t('2023-01-02T03:00:00Z'));
    expect((await triggers.schedule({ ...base, now: t('2023-01-01T04:00:00Z') })).requested).toBeNull();
    // Down for three days: one request, for the latest due time.
    const late = await triggers.schedule({ ...base, now: t('2023-01-04T05:00:00Z') });
    expect(late.requested?.trigger).toMatchObject({ dueAt: t('2023-01-04T03:00:00Z') });
    expect(await store.readStream(reoptimizationStreamId('ema-cross'))).toHaveLength(2);
  });

  it('KPIs: a decaying rolling Sharpe or a deep drawdown requests a run, with every check recorded', async () => {
    const { triggers } = setup();
    const thresholds = { minRollingSharpe: 0.5, maxDrawdown: 0.1, window: 48 };
    const rising = Array.from({ length: 100 }, (_, i) => 10_000 * (1 + 0.001 * i + 0.0005 * Math.sin(i)));
    const now = t('2023-02-01T00:00:00Z');
    expect(
      await triggers.checkKpis({ strategyId: 's', equity: rising, periodsPerYear: 8760, thresholds, now }),
    ).toBeNull();
    const falling = [
      ...rising,
      ...Array.from({ length: 48 }, (_, i) => rising.at(-1)! * (1 - 0.003 * (i + 1))),
    ];
    const req = await triggers.checkKpis({
      strategyId: 's',
      equity: falling,
      periodsPerYear: 8760,
      thresholds,
      now,
    });
    expect(req?.trigger.kind).toBe('kpi');
    if (req?.trigger.kind !== 'kpi') return;
    expect(req.trigger.checks.map((c) => [c.kpi, c.breached])).toEqual([
      ['rollingSharpe', true],
      ['drawdown', true],
    ]);
    expect(req.trigger.checks[1]!.value).toBeCloseTo(0.144, 3);
    // Within the cooldown nothing more is requested; after it, again.
    expect(
      await triggers.checkKpis({
        strategyId: 's',
        equity: falling,
        periodsPerYear: 8760,
        thresholds,
        now: now + 3_600_000,
      }),
    ).toBeNull();
    expect(
      await triggers.checkKpis({
        strategyId: 's',
        equity: falling,
        periodsPerYear: 8760,
        thresholds,
        now: now + 2 * 86_400_000,
      }),
    ).not.toBeNull();
  });
});

describe('KPI trigger against the backtest', () => {
  it('records the comparison beside the other checks; a backtest shorter than two windows judges nothing', async () => {
    const thresholds = { minRollingSharpe: 0.5, maxDrawdown: 0.1, window: 4, minBacktestPercentile: 0.05 };
    const equity = [100, 99, 97, 94, 90]; // −10 % over the window: the drawdown breaches
    const now = t('2023-02-01T00:00:00Z');
    const check = async (reference: number[]) => {
      const { triggers } = setup();
      const req = await triggers.checkKpis({
        strategyId: 's',
        equity,
        periodsPerYear: 8760,
        thresholds,
        reference: { paramsVersion: 3, optimizerRunId: 'opt-1', equity: reference },
        now,
      });
      if (req?.trigger.kind !== 'kpi') throw new Error('expected a KPI request');
      return req.trigger.checks.find((c) => c.kpi === 'backtestPercentile');
    };
    // Windows of 4 steps in a 9-point reference: 5 of them, returns 0 %, +1 %, ... all above −10 %.
    const rising = [100, 100, 100, 100, 100, 101, 102, 103, 104];
    expect(await check(rising)).toEqual({
      kpi: 'backtestPercentile',
      value: 0,
      comparator: '>=',
      threshold: 0.05,
      breached: true,
      reference: {
        paramsVersion: 3,
        optimizerRunId: 'opt-1',
        windows: 5,
        liveReturn: 90 / 100 - 1,
        medianReturn: 102 / 100 - 1,
      },
    });
    // 3 windows of 4 steps: fewer windows than the window has steps, too few to place it among them.
    expect(await check(rising.slice(2))).toEqual({
      kpi: 'backtestPercentile',
      value: null,
      comparator: '>=',
      threshold: 0.05,
      breached: false,
    });
  });
});

describe('volatility trigger', () => {
  it('at or above the threshold only, once per cooldown, each request after the cooldown its own', async () => {
    const { store, triggers } = setup();
    const base = { strategyId: 'ema-cross', symbol: 'BTCUSDT', scanId: 'scan-1' };
    expect(
      await triggers.checkVolatility({ ...base, percentile: 0.94, now: t('2023-10-20T00:00:00Z') }),
    ).toBeNull();
    const first = await triggers.checkVolatility({
      ...base,
      percentile: 0.95,
      now: t('2023-10-24T00:00:00Z'),
    });
    expect(first?.trigger).toEqual({
      kind: 'volatility',
      symbol: 'BTCUSDT',
      percentile: 0.95,
      threshold: 0.95,
      scanId: 'scan-1',
    });
    expect(
      await triggers.checkVolatility({ ...base, percentile: 1, now: t('2023-10-30T23:00:00Z') }),
    ).toBeNull();
    const again = await triggers.checkVolatility({
      ...base,
      percentile: 0.97,
      now: t('2023-10-31T00:00:00Z'),
    });
    expect(again?.requestId).toBe(`ema-cross:volatility:${t('2023-10-31T00:00:00Z')}`);
    // A restarted process reads the cooldown back from the stream.
    const fresh = new ReoptimizationTriggers(store, uuidv7);
    expect(
      await fresh.checkVolatility({ ...base, percentile: 1, now: t('2023-11-01T00:00:00Z') }),
    ).toBeNull();
    expect(
      await fresh.checkVolatility({
        ...base,
        percentile: 0.9,
        threshold: 0.8,
        cooldownMs: 0,
        now: t('2023-11-01T00:00:00Z'),
      }),
    ).not.toBeNull();
    expect((await store.readStream(reoptimizationStreamId('ema-cross'))).length).toBe(3);
  });
});

describe('re-optimisation process manager', () => {
  it('turns a scheduled request into an optimizer run, once', async () => {
    const { store, triggers } = setup();
    await triggers.schedule({
      strategyId: 'ema-cross',
      cron: '@daily',
      since: t('2023-03-01T12:00:00Z'),
      now: t('2023-03-02T00:05:00Z'),
    });
    const [request] = await store.readStream(reoptimizationStreamId('ema-cross'));
    const templates = new Map([
      [
        'ema-cross',
        {
          symbols: ['BTCUSDT'],
          method: 'random',
          budget: 6,
          walkForward: 'rolling:20d/10d',
          lookbackMs: 40 * 86_400_000,
        },
      ],
    ]);
    let ran = 0;
    const deps = {
      store,
      executor: syntheticExecutor({ onRun: () => ran++ }),
      newEventId: uuidv7,
      now: () => 0,
    };
    const out = await runForRequest(request!, templates, deps);
    expect(out?.config.runId).toBe(`reopt-ema-cross_schedule_${t('2023-03-02T00:00:00Z')}`);
    expect(out?.config.range.end).toBe(t('2023-03-02T00:00:00Z'));
    expect(ran).toBe(out!.config.windows.length * 7);
    await runForRequest(request!, templates, deps);
    expect(ran).toBe(out!.config.windows.length * 7);
    // The node's template changed since (it trades another symbol set now): the request's run is still
    // the one it started as, reported again, not refused as a conflicting configuration.
    const changed = new Map([
      ['ema-cross', { ...templates.get('ema-cross')!, symbols: ['BTCUSDT', 'ETHUSDT'] }],
    ]);
    const again = await runForRequest(request!, changed, deps);
    expect(again?.config.symbols).toEqual(['BTCUSDT']);
    expect(again?.executed).toBe(0);
    expect(ran).toBe(out!.config.windows.length * 7);
  });
});
