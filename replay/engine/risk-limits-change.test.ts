import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { LimitChangeError } from '../../domain/risk/limit-changes.js';
import { persistRun } from '../audit/persist.js';
import { rerun } from '../audit/rerun.js';
import { eventFingerprint } from './log-hash.js';
import { limitChangesIn, recordedLimitChanges } from './recorded-limits.js';
import { prepareRun, type RunRequest } from './run.js';

/**
 * A desk limit change taken by a running engine (design §11 POST /api/risk/limits): ema-cross on BTCUSDT's
 * real 2023 hourly bars; a month in, the desk caps BTCUSDT positions at 2,000 USDT of notional.
 */
const request = (over: Partial<RunRequest> = {}): RunRequest => ({
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT'],
  from: '2023-01-01',
  to: '2023-04-01',
  runId: 'limits',
  ...over,
});
const cap = {
  changeId: 'cap-btc',
  scope: 'symbol' as const,
  key: 'BTCUSDT',
  limits: { maxPositionNotional: 2_000 },
};

type Check = { rule: string; threshold: number | null; source: string; verdict: string };
const notionalChecks = (events: readonly StoredEvent[]) =>
  events
    .filter((e) => e.type === 'RiskDecided')
    .map((e) => (e.data as { checks: Check[] }).checks.find((c) => c.rule === 'max-position-notional')!);

describe('a running engine takes a desk limit change', () => {
  it('judges every later order by it, says where the threshold came from, and takes it once', async () => {
    const { engine } = await prepareRun(request());
    while (engine.now < Date.UTC(2023, 1, 1)) engine.step();
    const seq = engine.store.raw().length;
    const before = notionalChecks(engine.store.raw());
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((c) => c.threshold === 1_000_000 && c.source === 'default')).toBe(true);

    // A change that does not fit its scope is refused before anything is written.
    expect(() => engine.applyRiskLimits({ ...cap, changeId: 'bad', key: null })).toThrow(LimitChangeError);
    expect(engine.store.raw().length).toBe(seq);

    const id = engine.applyRiskLimits(cap);
    expect(id).not.toBeNull();
    const [applied] = engine.store.raw().slice(seq);
    expect(applied).toMatchObject({ type: 'RiskLimitsApplied', streamId: 'run-limits' });
    expect(applied!.data).toEqual({ ...cap, seq });
    // Handed over again (the node hands every change to every run): taken once.
    expect(engine.applyRiskLimits(cap)).toBeNull();

    engine.runToEnd();
    const after = notionalChecks(engine.store.raw().slice(seq));
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((c) => c.threshold === 2_000 && c.source === 'symbol:BTCUSDT')).toBe(true);
    // The cap bit: some entry was cut to it.
    expect(after.some((c) => c.verdict === 'resized')).toBe(true);
  }, 60_000);

  it('a re-run given the recorded change, or from the main log, writes the same log', async () => {
    const first = (await prepareRun(request())).engine;
    while (first.now < Date.UTC(2023, 1, 1)) first.step();
    first.applyRiskLimits(cap);
    first.runToEnd();
    const log = first.store.raw();
    const limitChanges = limitChangesIn(log);
    expect(limitChanges).toHaveLength(1);

    const again = (await prepareRun(request({ limitChanges }))).engine;
    again.runToEnd();
    expect(again.store.raw().map(eventFingerprint)).toEqual(log.map(eventFingerprint));

    const store = new MemoryEventStore({ catalogue: catalogue() });
    await persistRun(log, store);
    expect(await recordedLimitChanges(store, 'limits')).toEqual(limitChanges);
    const report = await rerun(store, 'limits');
    expect(report.divergence).toBeNull();
    expect(report.identical).toBe(true);
  }, 60_000);
});
