import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenedStore, openStore } from '../../adapters/eventstore/open-store.js';
import { PoolExecutor } from '../../adapters/optimizer/pool-executor.js';
import { runOptimizer } from '../../commands/optimizer/coordinator.js';
import { runConfig } from '../../commands/optimizer/run-config.js';
import { optimizerStreamId, parametersStreamId } from '../../domain/optimizer/events.js';
import { backtestWorkerModule } from './backtest-executor.js';
import { formatRunReport } from './report-text.js';

// Real BTCUSDT 1h bars, two rolling windows, CMA-ES with a small budget: seconds, not minutes.
const config = runConfig({
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT'],
  method: 'cmaes',
  budget: 8,
  walkForward: 'rolling:30d/15d',
  from: Date.UTC(2023, 0, 1),
  to: Date.UTC(2023, 2, 2),
});

describe('walk-forward optimisation on real data through the worker pool', () => {
  let opened: OpenedStore;
  beforeAll(async () => {
    opened = await openStore({ dataDir: ':memory:' });
  });
  afterAll(async () => {
    await opened?.close();
  });

  const run = async (workers: number, store = opened.store) => {
    const executor = new PoolExecutor({ workers, filename: backtestWorkerModule });
    try {
      return await runOptimizer(config, { store, executor, newEventId: uuidv7, now: () => config.range.end });
    } finally {
      await executor.close();
    }
  };

  it('completes with DSR, PBO and every gate recorded, and 1 or 2 workers give the same run', async () => {
    const two = await run(2);
    expect(config.windows).toHaveLength(2);
    expect(two.executed).toBe(2 * (8 + 1));
    const report = formatRunReport(two.completed, two.promotedVersion);
    expect(report).toMatch(/DSR \d\.\d{3} {2}PBO \d\.\d{3}/);
    expect(report).toMatch(/verdict: (PROMOTED|REJECTED)/);
    expect(two.completed.evidence.dsr).toBeGreaterThanOrEqual(0);
    expect(two.completed.evidence.pbo).toBeGreaterThanOrEqual(0);
    expect(two.completed.windows.every((w) => w.outOfSampleSummary !== null)).toBe(true);
    const decided = await opened.store.readStream(parametersStreamId('ema-cross'));
    expect(decided.map((e) => e.type)).toEqual([
      'ParameterSetProposed',
      two.completed.verdict === 'pass' ? 'ParameterSetPromoted' : 'ParameterSetRejected',
    ]);
    const gates = (decided[0]!.data as { gates: { gate: string }[] }).gates.map((g) => g.gate);
    expect(gates).toEqual([
      'dsr',
      'pbo',
      'wfe',
      'oosMaxDrawdown',
      'oosTrades',
      'oosSharpe',
      'parameterStability',
      'oosTradesPerDay',
      'oosCostCoverage',
    ]);
    // The risk checks are computed from the out-of-sample runs: trades a day and profit before fees ÷ fees.
    const evidence = two.completed.evidence;
    const oosDays = config.windows.reduce(
      (d, w) => d + (w.outOfSample.end - w.outOfSample.start) / 86_400_000,
      0,
    );
    expect(evidence.oosTradesPerDay).toBeCloseTo(two.completed.outOfSampleTrades / oosDays, 9);
    expect(evidence.oosCostCoverage === null || Number.isFinite(evidence.oosCostCoverage)).toBe(true);
    const trials = await opened.store.readStream(optimizerStreamId(config.runId));
    expect(trials.filter((e) => e.type === 'TrialCompleted')).toHaveLength(18);

    const other = await openStore({ dataDir: ':memory:' });
    try {
      const one = await run(1, other.store);
      expect(one.completed).toEqual(two.completed);
    } finally {
      await other.close();
    }
  });
});
