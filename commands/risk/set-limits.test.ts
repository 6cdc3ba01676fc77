import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { LimitChangeError } from '../../domain/risk/limit-changes.js';
import { defaultRiskLimits } from '../../domain/risk/limits.js';
import { readDeskLimits, setRiskLimits } from './set-limits.js';

const at = Date.UTC(2026, 10, 28);
const cmd = {
  scope: 'symbol' as const,
  key: 'BTCUSDT',
  limits: { maxLeverage: 3 },
  approver: 'user:alice',
  reason: 'BTC at most 3x this week',
  at,
};

describe('setRiskLimits', () => {
  it('records a person’s change in risk-limits, which readDeskLimits folds in order', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const id = uuidv7();
    const data = await setRiskLimits(store, cmd, id);
    expect(data).toEqual({
      changeId: id,
      scope: 'symbol',
      key: 'BTCUSDT',
      limits: { maxLeverage: 3 },
      approver: 'user:alice',
      reason: cmd.reason,
    });
    await setRiskLimits(
      store,
      { ...cmd, scope: 'defaults', key: null, limits: { maxDailyLoss: 0.03 } },
      uuidv7(),
    );
    // A retry of the same change writes nothing.
    await setRiskLimits(store, cmd, id);
    const desk = await readDeskLimits(store);
    expect(desk.changes.map((c) => c.scope)).toEqual(['symbol', 'defaults']);
    expect(desk.config.symbols).toEqual({ BTCUSDT: { maxLeverage: 3 } });
    expect(desk.config.defaults).toEqual({ ...defaultRiskLimits, maxDailyLoss: 0.03 });
    const [e] = await store.readStream('risk-limits');
    expect(e!.metadata).toMatchObject({ actor: 'user:alice', occurredAt: new Date(at).toISOString() });
  });

  it('refuses a system actor, an empty reason, a key that does not fit, and limits out of range; writes nothing', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    await expect(setRiskLimits(store, { ...cmd, approver: 'system:risk' }, uuidv7())).rejects.toThrow(
      LimitChangeError,
    );
    await expect(setRiskLimits(store, { ...cmd, reason: '  ' }, uuidv7())).rejects.toThrow(
      /needs its reason/,
    );
    await expect(setRiskLimits(store, { ...cmd, key: null }, uuidv7())).rejects.toThrow(/needs its key/);
    await expect(setRiskLimits(store, { ...cmd, limits: { maxLeverage: 500 } }, uuidv7())).rejects.toThrow(
      /maxLeverage/,
    );
    expect(await store.readStream('risk-limits')).toEqual([]);
  });
});
