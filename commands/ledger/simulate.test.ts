import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { LedgerHandlers } from './handlers.js';
import { runSession } from './simulate.js';

/** UUID v7-shaped ids from a counter: what a backtest injects so a run is reproducible. */
const counterIds = () => {
  let n = 0;
  return () => `00000000-0000-7000-8000-${(++n).toString(16).padStart(12, '0')}`;
};

const session = async () => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  const h = new LedgerHandlers({
    store,
    instrument,
    rules: binanceUsdm,
    newEventId: counterIds(),
    singleWriter: true,
  });
  await runSession(h, {
    seed: 5,
    accounts: 3,
    steps: 400,
    deposit: '3000',
    leverage: 50,
    isolatedOddAccounts: true,
    volatility: 40,
  });
  return store
    .raw()
    .map(({ metadata: { recordedAt: _wallTime, ...metadata }, ...rest }) => ({ ...rest, metadata }));
};

describe('determinism', () => {
  it('the same session with the same ids gives the same log, byte for byte except recordedAt', async () => {
    const [a, b] = [await session(), await session()];
    expect(a.length).toBeGreaterThan(1000);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
