import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { paperRunEvents } from '../../projections/testing/paper-fixture.js';
import { paperFeeRates, runFeeRates } from './fee-settings.js';

describe('PAPER_FEE_RATES', () => {
  it('reads maker,taker, a negative maker a rebate tier, and refuses what the ledger would', () => {
    expect(paperFeeRates(undefined)).toBeNull();
    expect(paperFeeRates(' ')).toBeNull();
    expect(paperFeeRates('0.00016,0.0004')).toEqual({ maker: '0.00016', taker: '0.0004' });
    expect(paperFeeRates(' -0.00005 , 0.0003 ')).toEqual({ maker: '-0.00005', taker: '0.0003' });
    expect(() => paperFeeRates('cheap')).toThrow(/PAPER_FEE_RATES must be maker,taker as decimal fractions/);
    expect(() => paperFeeRates('0.0002')).toThrow(/must be maker,taker/);
    expect(() => paperFeeRates('-0.001,0.0003')).toThrow(
      'PAPER_FEE_RATES: the maker rebate -0.001 is larger than the taker rate 0.0003',
    );
    expect(() => paperFeeRates('0.0002,-0.0001')).toThrow(
      /PAPER_FEE_RATES: the taker rate -0.0001 must be in \[0, 0.01\)/,
    );
    expect(() => paperFeeRates('0.02,0.03')).toThrow(/maker rate 0.02 must be in \(-0.01, 0.01\)/);
  });
});

describe('the rates a paper run books by', () => {
  it('are what its RunStarted recorded once it has started, else the ones set now', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const wanted = { maker: '-0.00005', taker: '0.0003' };
    expect(await runFeeRates(store, 'paper-x', wanted)).toEqual(wanted);
    expect(await runFeeRates(store, 'paper-x', null)).toBeNull();
    // A run that started at the tier's rates keeps them, whatever is set now.
    const events = await paperRunEvents('ema-cross', 'paper-x', '2023-06-08');
    const started = events.find((e) => e.type === 'RunStarted')!;
    const inputs = started.data as { config: Record<string, unknown> };
    const { recordedAt: _, ...metadata } = started.metadata;
    const startedWith = (runId: string, eventId: string, config: Record<string, unknown>) =>
      store.append(`run-${runId}`, 'no_stream', [
        { eventId, type: 'RunStarted', data: { ...inputs, runId, config }, metadata },
      ]);
    await startedWith('paper-x', '0190f5e2-0000-7000-8000-0000000000aa', inputs.config);
    expect(await runFeeRates(store, 'paper-x', wanted)).toBeNull();
    // One that started at its own rates keeps those.
    await startedWith('paper-y', '0190f5e2-0000-7000-8000-0000000000ab', {
      ...inputs.config,
      feeRates: wanted,
    });
    expect(await runFeeRates(store, 'paper-y', { maker: '0.0002', taker: '0.0005' })).toEqual(wanted);
  });
});
