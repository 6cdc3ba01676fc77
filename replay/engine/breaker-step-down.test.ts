import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { type BreakerParams, BreakerRuleError } from '../../domain/risk/breaker.js';
import { persistRun } from '../audit/persist.js';
import { rerun } from '../audit/rerun.js';
import type { Engine } from './engine.js';
import { eventFingerprint } from './log-hash.js';
import { prepareRun, type RunRequest } from './run.js';
import { recordedStepDowns, stepDownsIn } from './step-downs.js';

/**
 * A person steps a running engine's breakers down (docs/risk.md, "Down"). ema-cross on BTCUSDT's real
 * 2023 hourly bars, with a ladder that halts on the third losing trade in a row, so it halts within weeks.
 */
const HOUR = 3_600_000;
const breaker: BreakerParams = {
  thresholds: { lossStreak: { warn: 1, reduce: 2, halt: 3 } },
  cooldownMs: 6 * HOUR,
};
const request = (over: Partial<RunRequest> = {}): RunRequest => ({
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT'],
  from: '2023-01-01',
  to: '2023-07-01',
  runId: 'step-down',
  engine: { breaker },
  ...over,
});

const ofType = (events: readonly StoredEvent[], type: string) => events.filter((e) => e.type === type);
const stepUntil = (engine: Engine, done: () => boolean) => {
  while (!done()) if (!engine.step()) throw new Error('the run ended first');
};
const entriesAfter = (events: readonly StoredEvent[], from: number) =>
  events
    .slice(from)
    .filter((e) => e.type === 'OrderRequested' && (e.data as { reduceOnly: boolean }).reduceOnly === false);

describe('a person steps a running engine’s breakers down', () => {
  it('is refused within the cooldown and for a system actor; then both ladders step down and the run trades again', async () => {
    const { engine } = await prepareRun(request());
    stepUntil(engine, () => engine.breakerLevel === 'halt');
    const haltedAt = engine.now;
    const before = engine.store.raw().length;
    const ask = { to: 'normal' as const, approver: 'user:alice', reason: 'reviewed the three losses' };

    // Within the cooldown: refused, and nothing written.
    expect(() => engine.stepDownBreaker(ask)).toThrow(BreakerRuleError);
    expect(() => engine.stepDownBreaker(ask)).toThrow(/cooldown of 21600000 ms not over/);
    expect(() => engine.stepDownBreaker({ ...ask, approver: 'system:risk' })).toThrow(/not a user:<id>/);
    expect(engine.store.raw().length).toBe(before);

    // Halted, the strategy opens nothing while the cooldown runs.
    stepUntil(engine, () => engine.now >= haltedAt + 6 * HOUR);
    expect(entriesAfter(engine.store.raw(), before)).toEqual([]);

    const seq = engine.store.raw().length;
    engine.stepDownBreaker(ask);
    expect(engine.breakerLevel).toBe('normal');
    const written = engine.store.raw().slice(seq);
    // Each ladder: the approval (with where it was made) and the step down it allows.
    expect(written.map((e) => [e.streamId, e.type])).toEqual([
      ['breaker-strategy-step-down', 'BreakerStepDownApproved'],
      ['breaker-strategy-step-down', 'BreakerLevelChanged'],
      ['breaker-account-step-down', 'BreakerStepDownApproved'],
      ['breaker-account-step-down', 'BreakerLevelChanged'],
    ]);
    expect(written[0]!.data).toMatchObject({ approver: 'user:alice', from: 'halt', to: 'normal', seq });
    // Judged on what the approval acknowledged: the loss streak starts again.
    expect((written[0]!.data as { measured: { lossStreak: number } }).measured.lossStreak).toBe(0);
    expect(written[1]!.data).toMatchObject({ direction: 'down', approvedBy: 'user:alice', to: 'normal' });
    expect(written.every((e) => e.metadata.actor === 'user:alice')).toBe(true);
    // Stepping down again from normal is not a step down.
    expect(() => engine.stepDownBreaker(ask)).toThrow(/at normal; normal is not below it/);

    engine.runToEnd();
    const events = engine.store.raw();
    expect(entriesAfter(events, seq).length).toBeGreaterThan(0);
  }, 60_000);

  it('a re-run given the recorded approval writes the same log, event for event', async () => {
    const first = (await prepareRun(request())).engine;
    stepUntil(first, () => first.breakerLevel === 'halt');
    const haltedAt = first.now;
    stepUntil(first, () => first.now >= haltedAt + 6 * HOUR);
    first.stepDownBreaker({ to: 'warn', approver: 'user:bob', reason: 'one more chance, watched' });
    first.runToEnd();
    const log = first.store.raw();
    const stepDowns = stepDownsIn(log);
    expect(stepDowns).toHaveLength(1);
    expect(stepDowns[0]).toMatchObject({ to: 'warn', approver: 'user:bob' });

    const again = (await prepareRun(request({ stepDowns }))).engine;
    again.runToEnd();
    expect(again.store.raw().map(eventFingerprint)).toEqual(log.map(eventFingerprint));
    // Recorded in the main log, the approval is read back from the ladders' streams, and `replay rerun`
    // reproduces the run with it.
    const store = new MemoryEventStore({ catalogue: catalogue() });
    await persistRun(log, store);
    expect(await recordedStepDowns(store, 'step-down', 'step-down')).toEqual(stepDowns);
    const report = await rerun(store, 'step-down');
    expect(report.divergence).toBeNull();
    expect(report).toMatchObject({ identical: true, events: log.length });
    // Without it, the run stays halted: another log.
    const halted = (await prepareRun(request())).engine;
    halted.runToEnd();
    expect(ofType(halted.store.raw(), 'BreakerStepDownApproved')).toEqual([]);
    expect(halted.store.raw().length).not.toBe(log.length);
  }, 60_000);
});
