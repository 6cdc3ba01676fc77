import { uuidv7 } from 'uuidv7';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { type OptimizerRunOutcome, runOptimizer } from '../../commands/optimizer/coordinator.js';
import { ParameterVersionHandlers } from '../../commands/optimizer/parameter-versions.js';
import { runConfig } from '../../commands/optimizer/run-config.js';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { PromotionEvidence } from '../../domain/optimizer/gates.js';
import { inlineBacktestExecutor } from '../../replay/optimizer/backtest-executor.js';

const day = 86_400_000;
const from = Date.UTC(2023, 0, 1);
/** Gates that let a tiny run through, so the log holds promoted versions to list and roll back. */
const lenient = {
  minDsr: 0,
  maxPbo: 1,
  minWfe: null,
  maxOosDrawdown: 1,
  minOosTrades: 0,
  minOosSharpe: null,
  maxOosTradesPerDay: null,
  minOosCostCoverage: null,
};

/** The recorded evidence back to numbers: null was a non-finite value, which the gates read as NaN. */
const evidenceOf = (c: OptimizerRunOutcome['completed']): PromotionEvidence => {
  const n = (v: number | null) => v ?? Number.NaN;
  const e = c.evidence;
  return {
    dsr: n(e.dsr),
    pbo: n(e.pbo),
    wfe: n(e.wfe),
    oosMaxDrawdown: n(e.oosMaxDrawdown),
    oosTrades: e.oosTrades,
    oosSharpe: n(e.oosSharpe),
  };
};

export interface OptimizerFixture {
  readonly events: readonly StoredEvent[];
  readonly runs: readonly OptimizerRunOutcome[];
  /** A passing proposal left for manual approval (autoPromote false). */
  readonly pendingProposalId: string;
}

/**
 * Real optimizer runs on ema-cross BTCUSDT 1h (real backtests, tiny budget): two promoted versions and
 * one pending proposal in `parameters-ema-cross`, in the order the coordinator writes them.
 */
export const optimizerRunEvents = async (budget = 5): Promise<OptimizerFixture> => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  const deps = { store, executor: inlineBacktestExecutor(), newEventId: uuidv7, now: () => from + 60 * day };
  const config = (runId: string, method: string) =>
    runConfig({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      timeframe: '1h',
      method,
      budget,
      walkForward: 'rolling:20d/10d',
      from,
      to: from + 40 * day,
      inFlight: 4,
      policy: lenient,
      runId,
    });
  const runs = [
    await runOptimizer(config('fixture-cmaes', 'cmaes'), deps),
    await runOptimizer(config('fixture-random', 'random'), deps),
  ];
  const handlers = new ParameterVersionHandlers(store, uuidv7);
  const pendingProposalId = 'fixture-pending';
  const last = runs[1]!.completed;
  await handlers.handle(
    'ema-cross',
    {
      kind: 'ProposeParameterSet',
      strategyId: 'ema-cross',
      proposalId: pendingProposalId,
      runId: last.runId,
      params: last.candidate,
      method: 'random',
      trials: last.trials,
      walkForward: 'rolling:20d/10d',
      evidence: evidenceOf(last),
      policy: runs[1]!.config.policy,
      autoPromote: false,
    },
    {
      correlationId: pendingProposalId,
      causationId: null,
      actor: 'system:test',
      mode: 'backtest',
      occurredAt: new Date(from + 61 * day).toISOString(),
    },
  );
  return { events: store.raw(), runs, pendingProposalId };
};
