import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { decideBreaker, defaultBreakerParams, initialBreakerState } from '../../domain/risk/breaker.js';
import { breakerStreamId } from '../../domain/risk/events.js';
import { approveBreakerStepDown, loadBreaker } from './approve-breaker-step-down.js';

const T0 = Date.UTC(2023, 5, 1);

const tripped = async () => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  const [up] = decideBreaker(initialBreakerState('strategy', 'ema-cross'), defaultBreakerParams, {
    kind: 'ObserveBreaker',
    at: T0,
    measured: { drawdown: 0.13, lossStreak: 2, slippage: 0, errorRate: 0, staleness: 0, marginRatio: 0 },
  });
  await store.append(breakerStreamId('strategy', 'ema-cross'), 'no_stream', [
    {
      eventId: uuidv7(),
      type: up!.type,
      data: up!.data,
      metadata: {
        correlationId: 'c',
        causationId: null,
        actor: 'system:breaker',
        mode: 'paper',
        occurredAt: new Date(T0).toISOString(),
      },
    },
  ]);
  return store;
};

describe('approving a breaker step-down', () => {
  it('needs a person, a finished cooldown and measurements that allow the lower level', async () => {
    const store = await tripped();
    expect((await loadBreaker(store, 'strategy', 'ema-cross')).state.level).toBe('halt');
    const now = { drawdown: 0.06, lossStreak: 0, slippage: 0, errorRate: 0, staleness: 0, marginRatio: 0 };
    const cmd = {
      scope: 'strategy' as const,
      scopeId: 'ema-cross',
      to: 'reduce' as const,
      reason: 'reviewed the fills',
      at: T0 + 7_200_000,
      measured: now,
    };
    await expect(
      approveBreakerStepDown(store, { ...cmd, approver: 'user:ana', measured: undefined }),
    ).rejects.toThrow(/measurements-still-breach/);
    await expect(approveBreakerStepDown(store, { ...cmd, approver: 'system:ops' })).rejects.toThrow(
      /approver-must-be-a-person/,
    );
    await expect(
      approveBreakerStepDown(store, { ...cmd, approver: 'user:ana', at: T0 + 60_000 }),
    ).rejects.toThrow(/cooldown/);
    await expect(
      approveBreakerStepDown(store, { ...cmd, approver: 'user:ana', to: 'normal' }),
    ).rejects.toThrow(/measurements-still-breach/);
    const ok = await approveBreakerStepDown(store, { ...cmd, approver: 'user:ana' });
    expect(ok.level).toBe('reduce');
    const stream = await store.readStream(breakerStreamId('strategy', 'ema-cross'));
    expect(stream.map((e) => e.type)).toEqual([
      'BreakerLevelChanged',
      'BreakerStepDownApproved',
      'BreakerLevelChanged',
    ]);
    expect(stream[2]!.data).toMatchObject({
      direction: 'down',
      approvedBy: 'user:ana',
      from: 'halt',
      to: 'reduce',
    });
    expect(stream[2]!.metadata.actor).toBe('user:ana');
    expect((await loadBreaker(store, 'strategy', 'ema-cross')).state.level).toBe('reduce');
  });

  it('refuses when there is nothing to step down', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    await expect(
      approveBreakerStepDown(store, {
        scope: 'account',
        scopeId: 'a',
        approver: 'user:ana',
        to: 'normal',
        reason: 'x',
        at: T0,
      }),
    ).rejects.toThrow(/never tripped/);
  });
});
