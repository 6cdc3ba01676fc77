import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schedulerPlan } from './scheduler-config.js';

/**
 * `npm run scheduler -- --config file.json` at random: any JSON, and files shaped like the real one
 * with odd values. A file gives a plan, or an error that starts with "scheduler configuration" and
 * names the field: never a TypeError, never a hang on a cron that never fires.
 */

const cron = fc.oneof(
  fc.constantFrom('0 0 * * 1', '*/5 * * * *', '0 0 31 2 *', '61 0 * * *', '* * * *', '', 'x', '0 0 1 1 7'),
  fc.string({ maxLength: 14 }),
);
const odd = fc.oneof(
  fc.integer({ min: -5, max: 1e6 }),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.constant(null),
);
const entry = fc.record(
  {
    strategyId: fc.constantFrom('ema-cross', 'vol-breakout', 'flow-imbalance', 'nope', ''),
    cron: fc.oneof(cron, fc.constant(null)),
    kpi: fc.record(
      { minRollingSharpe: odd, maxDrawdown: odd, window: odd, cooldownDays: odd },
      { requiredKeys: [] },
    ),
    symbols: fc.array(fc.constantFrom('BTCUSDT', 'ETHUSDT', 'nope', ''), { maxLength: 3 }),
    method: fc.constantFrom('cmaes', 'tpe', 'x'),
    budget: odd,
    walkForward: fc.constantFrom('rolling:60d/30d', 'rolling:1m/1m', 'x'),
    lookbackDays: odd,
  },
  { requiredKeys: ['strategyId'] },
);

describe('scheduler configuration files at random', () => {
  it('give a plan or an error naming the field', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.record({ strategies: fc.array(entry, { maxLength: 3 }) })),
        (input) => {
          try {
            schedulerPlan(input);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).constructor).toBe(Error);
            expect((e as Error).message).toMatch(/^scheduler configuration/);
          }
        },
      ),
      { numRuns: Number(process.env.SCHEDULER_FUZZ_RUNS ?? 300) },
    );
  });
});
