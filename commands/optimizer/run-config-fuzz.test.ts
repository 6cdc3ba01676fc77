import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptimizerRunStarted } from '../../domain/optimizer/events.js';
import { type OptimizeRequest, OptimizeRequestError, runConfig } from './run-config.js';

/**
 * Optimizer requests at random (what the CLI's flags and the scheduler's templates can hold): a request
 * is either turned into a configuration that OptimizerRunStarted's schema accepts, or refused with
 * OptimizeRequestError saying what to change. Never another error, never a configuration the log would
 * refuse when the run starts.
 */

const text = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc.constantFrom(
    '',
    'rolling:90d/30d',
    'anchored:60d/30d/15d',
    'rolling:0d/0d',
    'rolling:1d/1d',
    'x:1d/1d',
    'rolling:-5d/1d',
  ),
);
const num = fc.oneof(
  fc.integer({ min: -10, max: 10_000 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
);

const request = fc.record(
  {
    strategyId: fc.constantFrom('ema-cross', 'donchian-breakout', 'funding-carry', 'flow-imbalance', 'nope'),
    symbols: fc.array(fc.constantFrom('BTCUSDT', 'ethusdt', '', ' '), { maxLength: 3 }),
    method: fc.constantFrom('cmaes', 'tpe', 'grid', 'random', 'nsga2', 'annealing'),
    budget: num,
    walkForward: text,
    from: num.map((x) => (Number.isFinite(x) ? Date.UTC(2023, 0, 1) + Math.trunc(x) * 86_400_000 : x)),
    to: num.map((x) => (Number.isFinite(x) ? Date.UTC(2023, 6, 1) + Math.trunc(x) * 86_400_000 : x)),
    batch: num,
    inFlight: num,
    objective: fc.constantFrom('sharpe', 'sortino', 'calmar', 'psr', 'alpha'),
    maxDrawdown: num,
    minTrades: num,
    pboBlocks: num,
    seed: num,
    searchSeed: text,
    runId: text,
  },
  { requiredKeys: ['strategyId', 'symbols', 'method', 'budget', 'walkForward', 'from', 'to'] },
);

describe('optimizer requests at random', () => {
  it('become a configuration the log accepts, or are refused with what to change', () => {
    fc.assert(
      fc.property(request, (req) => {
        let config: ReturnType<typeof runConfig>;
        try {
          config = runConfig(req as OptimizeRequest);
        } catch (e) {
          if (!(e instanceof OptimizeRequestError)) throw e;
          expect(e.message.length).toBeGreaterThan(0);
          return;
        }
        const checked = OptimizerRunStarted.schema.safeParse(config);
        expect(checked.success, JSON.stringify(checked.success ? null : checked.error.issues)).toBe(true);
      }),
      { numRuns: Number(process.env.OPTIMIZE_FUZZ_RUNS ?? 300) },
    );
  });
});
