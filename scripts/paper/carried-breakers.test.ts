import { afterEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { lifecycleStreamId } from '../../domain/lifecycle/events.js';
import { enterWithBackstop, openLiveAccountRun } from '../../replay/engine/testing/live-account.js';
import { projectedRun } from '../testing/projected-run.js';
import { carriedBreakers } from './carried-breakers.js';

/**
 * The breaker levels a strategy's next real run starts at, as the next process reads them: the latest
 * real run's ladders from the main log, unless the strategy left real money since that run started.
 */
let harness: Harness | null = null;
let opened: OpenedStore | null = null;
afterEach(async () => {
  await harness?.close();
  await opened?.close();
  harness = opened = null;
});

describe('the breaker levels a real run carries from the one before it', () => {
  it('are the latest real run’s, while the strategy has stayed on real money since it started', async () => {
    // An earlier real run whose ladders stood at reduce (strategy) and warn (account) when its process went.
    const run = await openLiveAccountRun(
      { stopAtrMultiple: 3 },
      { 1: 0.5 },
      { bufferBps: 50, moveBps: 20 },
      8,
      {
        breakers: { from: 'real-before', strategy: 'reduce', account: 'warn' },
      },
    );
    harness = run.harness;
    await enterWithBackstop(run);
    const projected = await projectedRun(run.engine.store.raw());
    opened = projected.opened;
    const { runner } = projected;
    const { db, store } = opened;
    const strategy = run.engine.config.strategy.id;
    const runId = run.engine.config.runId;

    expect(await carriedBreakers(db, store, strategy, 'real-next')).toEqual({
      from: runId,
      strategy: 'reduce',
      account: 'warn',
    });
    // The new run itself is no predecessor (a start tried again may have recorded it), nor is another
    // strategy's run.
    expect(await carriedBreakers(db, store, strategy, runId)).toBeNull();
    expect(await carriedBreakers(db, store, 'ema-cross', 'real-next')).toBeNull();

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
          at: Date.parse(started) + 3_600_000,
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
          occurredAt: new Date(Date.parse(started) + 3_600_000).toISOString(),
        },
      },
    ]);
    await runner.catchUpAll();
    expect(await carriedBreakers(db, store, strategy, 'real-next')).toBeNull();
  });
});
