import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { setRiskLimits } from '../../commands/risk/set-limits.js';
import { lifecycleStreamId } from '../../domain/lifecycle/events.js';
import { evidenceOf } from '../../domain/lifecycle/evidence.js';
import type { RiskDecidedData } from '../../domain/risk/events.js';
import { RunResults } from '../../replay/engine/results.js';
import { enterWithBackstop, openLiveAccountRun } from '../../replay/engine/testing/live-account.js';
import { projectedRun } from '../testing/projected-run.js';
import {
  carriedBreakers,
  carriedOn,
  carriedRiskState,
  ordersSent,
  previousRealRun,
  priorEvidence,
  realRunsSinceRealMoney,
} from './previous-run.js';

/**
 * What a strategy's next real run goes on from, as the next process reads it: the latest real run's
 * breaker ladders and round trips from the main log, unless the strategy left real money since that run
 * started.
 */
let harness: Harness | null = null;
let opened: OpenedStore | null = null;
afterEach(async () => {
  await harness?.close();
  await opened?.close();
  harness = opened = null;
});

describe('what a real run carries on from the one before it', () => {
  it('is the latest real run’s breaker levels and round trips, while the strategy has stayed on real money since it started', async () => {
    // An earlier real run whose ladders stood at reduce (strategy) and warn (account) when its process
    // went, after one round trip: in at the first live bar, out at the third. It had gone on itself from
    // a run before it: two round trips, the last a loss, 1 % of the day lost and 2 % below its peak.
    const run = await openLiveAccountRun(
      { stopAtrMultiple: 3 },
      { 1: 0.5, 3: 0 },
      { bufferBps: 50, moveBps: 20 },
      8,
      {
        breakers: { from: 'real-before', strategy: 'reduce', account: 'warn' },
        riskState: {
          from: 'real-before',
          nets: [5, -3],
          lossStreak: 1,
          dayLoss: { day: Date.UTC(2023, 5, 1), loss: 0.01 },
          drawdown: 0.02,
          // An order the run before it sent two hours before it started.
          orderTimes: [Date.UTC(2023, 5, 1) - 2 * 3_600_000],
        },
      },
    );
    harness = run.harness;
    const entered = await enterWithBackstop(run);
    run.barCloses(run.warmupEnd + 2);
    const exit = run.barCloses(run.warmupEnd + 3);
    for (const started = Date.now(); run.of('FillSettled').length < 2; ) {
      if (Date.now() - started > 10_000) throw new Error('timed out waiting for the exit');
      await run.settle(exit + 3_600_000 - 1);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(exit).toBeGreaterThan(entered);
    const projected = await projectedRun(run.engine.store.raw());
    opened = projected.opened;
    const { runner } = projected;
    const { db, store } = opened;
    const strategy = run.engine.config.strategy.id;
    const runId = run.engine.config.runId;

    expect(await previousRealRun(db, store, strategy, 'real-next')).toBe(runId);
    expect(await carriedBreakers(store, runId)).toEqual({ from: runId, strategy: 'reduce', account: 'warn' });
    // Its one round trip, net of its fees, as the run's own results count it.
    const results = new RunResults();
    for (const e of run.events) results.apply(e);
    const [trade] = results.trades;
    // The run traded on 2023-06-01; the next one starts that day.
    const day = Date.UTC(2023, 5, 1);
    const now = day + 5 * 3_600_000;
    const record = await carriedRiskState(store, 'binance', runId, now);
    expect(record?.from).toBe(runId);
    // The round trips it went on from, then its own.
    expect(record?.nets).toHaveLength(3);
    expect(record!.nets.slice(0, 2)).toEqual([5, -3]);
    expect(record!.nets[2]).toBeCloseTo(trade!.realisedPnl - trade!.fees, 8);
    // What it lost of the day: from the day-start equity its risk checks judged by to its latest equity.
    const checks = run.of('RiskDecided').map((e) => (e.data as RiskDecidedData).context);
    const marks = run.of('EquityMarked').map((e) => e.data as { at: number; equity: number });
    const dayStart = Number(checks.at(-1)!.dayStartEquity);
    const lossFrom = (equity: number) => Math.max(0, 1 - equity / dayStart);
    expect(marks.at(-1)!.at).toBeGreaterThanOrEqual(day);
    expect(record?.dayLoss?.day).toBe(day);
    expect(record!.dayLoss!.loss).toBeCloseTo(lossFrom(marks.at(-1)!.equity), 12);
    // What its breaker measured at its end: the drawdown from its peak (the one it went on from, or a
    // higher mark), and its losing streak, which goes on under the one it started with while it loses.
    const opening = run.of('RiskStateCarried')[0]!.data as { breakerPeak: number };
    const peak = Math.max(opening.breakerPeak, ...marks.map((m) => m.equity));
    expect(record!.drawdown ?? 0).toBeCloseTo(Math.max(0, 1 - marks.at(-1)!.equity / peak), 12);
    expect(record!.lossStreak).toBe(record!.nets[2]! < 0 ? 2 : undefined);
    // Its equity marks, for the next run's equity slope (the one before it left none).
    expect(record!.marks).toEqual(marks.map((m) => m.equity));
    // The orders it sent (entry, exit and the backstops at the exchange), as the orders read model has them;
    // none count for the next run while the order-rate window is a minute.
    const sent = run.of('OrderRequested').map((e) => Date.parse(e.metadata.occurredAt));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    const orders = await ordersSent(db, strategy, runId);
    expect(orders.map((o) => o.at)).toEqual(sent);
    expect(orders.map((o) => o.orderId)).toEqual(
      run.of('OrderRequested').map((e) => (e.data as { orderId: string }).orderId),
    );
    expect((await ordersSent(db, strategy, runId, sent[1]!)).map((o) => o.at)).toEqual(sent.slice(2));
    expect(await ordersSent(db, strategy, 'another-run')).toEqual([]);
    expect(record!.orderTimes).toBeUndefined();
    // Counted over the day, they go on after the one it went on from.
    const counted = await carriedRiskState(store, 'binance', runId, now, {
      times: sent,
      windowMs: 86_400_000,
    });
    expect(counted).toEqual({
      ...record,
      orderTimes: [day - 2 * 3_600_000, ...sent],
      orderWindowMs: 86_400_000,
    });
    // The next day is a new day: all but the day's loss goes on (and no order of a day before).
    const { dayLoss: _today, ...rest } = record!;
    expect(await carriedRiskState(store, 'binance', runId, day + 86_400_000)).toEqual(rest);
    // Its lifecycle evidence, read back from the main log, is what it showed itself, the slippage of its
    // sized fills too: the next run's evidence goes on from it.
    const earlier = await priorEvidence(store, 'binance', runId, orders);
    const own = evidenceOf(runId, run.events);
    expect(evidenceOf(runId, earlier)).toEqual(own);
    expect(own.returns.length).toBeGreaterThan(0);
    expect(own.slippageBps).not.toBeNull();
    // Without its orders, no slippage figure.
    expect(evidenceOf(runId, await priorEvidence(store, 'binance', runId, [])).slippageBps).toBeNull();
    // Of its orders, only the streams of those sized at a price are read (its entry): its exit and the
    // backstops carry no slippage figure.
    const readOrders: string[] = [];
    await priorEvidence(
      {
        readStream: (id, o) => {
          if (id.startsWith('order-')) readOrders.push(id);
          return store.readStream(id, o);
        },
      },
      'binance',
      runId,
      orders,
    );
    const sizedAt = new Set(run.of('PositionSized').map((e) => e.metadata.correlationId));
    const entries = orders.filter((o) => sizedAt.has(o.correlationId)).map((o) => `order-${o.orderId}`);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.length).toBeLessThan(orders.length);
    expect(readOrders).toEqual(entries);
    expect(await realRunsSinceRealMoney(db, store, strategy, 'real-next')).toEqual([runId]);
    expect(await carriedOn(db, store, 'binance', strategy, 'real-next', now)).toEqual({
      breakers: { from: runId, strategy: 'reduce', account: 'warn' },
      riskState: record,
      earlierRuns: [{ runId, events: earlier }],
    });
    // Once the desk counts orders per day, the next run counts them on.
    await setRiskLimits(
      store,
      {
        scope: 'defaults',
        key: null,
        limits: { maxOrdersPerWindow: 10, orderRateWindowMs: 86_400_000 },
        approver: 'user:risk',
        reason: 'ten orders a day',
        at: now,
      },
      newEventId(),
    );
    expect((await carriedOn(db, store, 'binance', strategy, 'real-next', now)).riskState).toEqual(counted);
    // The new run itself is no predecessor (a start tried again may have recorded it), nor is another
    // strategy's run.
    expect(await previousRealRun(db, store, strategy, runId)).toBeNull();
    expect(await carriedOn(db, store, 'binance', 'ema-cross', 'real-next', now)).toEqual({
      breakers: null,
      riskState: null,
      earlierRuns: [],
    });

    // The strategy is taken off real money after that run started: coming back takes a person, afresh.
    const started = run.events.find((e) => e.type === 'RunStarted')!.metadata.occurredAt;
    await store.append(lifecycleStreamId(strategy), 'any', [
      {
        eventId: newEventId(),
        type: 'StrategyStageChanged',
        data: {
          strategyId: strategy,
          from: 'prod',
          to: 'shadow',
          reason: 'demoted',
          at: Date.parse(started) - 30 * 86_400_000,
          detail: 'drawdown 16 % > 15 %',
          evidence: null,
          shadow: null,
          checks: [],
        },
        metadata: {
          correlationId: `lifecycle:${strategy}:demote`,
          causationId: null,
          actor: 'system:lifecycle',
          mode: 'live',
          // The lifecycle's market time can be behind a real run's (paper runs on recorded bars): what counts
          // is that the log has it after the run started.
          occurredAt: new Date(Date.parse(started) - 30 * 86_400_000).toISOString(),
        },
      },
    ]);
    await runner.catchUpAll();
    expect(await previousRealRun(db, store, strategy, 'real-next')).toBeNull();
    expect(await carriedOn(db, store, 'binance', strategy, 'real-next', now)).toEqual({
      breakers: null,
      riskState: null,
      earlierRuns: [],
    });
    expect(await realRunsSinceRealMoney(db, store, strategy, 'real-next')).toEqual([]);
  });
});
