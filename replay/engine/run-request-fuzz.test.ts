import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allStrategies } from '../../domain/strategies/index.js';
import { prepareRun, RunRequestError } from './run.js';

/**
 * What the backtest CLI and the API hand the engine, at random: strategy ids, symbols (real, unknown,
 * lower case, empty), dates in and out of the data (and not dates at all), timeframes, parameters of
 * any type, seeds, balances, leverage and cost models (fee tier, impact, latency). A request is either prepared, or refused with
 * RunRequestError saying what to change: never another error (a RangeError from an invalid date, a
 * TypeError from a parameter of the wrong type).
 */

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('', ' ', '-1', '1e309', 'NaN', 'Infinity', '2023-13-45', '2023-02-30', '99999-01-01'),
);
const date = fc.oneof(
  fc.constantFrom(
    '2023-01-01',
    '2023-03-01',
    '2023-06-01T12:00:00Z',
    '2022-01-01',
    '2025-01-01',
    '2024-08-09',
  ),
  text,
  fc.integer({ min: -1e15, max: 1e15 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
);
const anyValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  text,
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const strategyIds = [...Object.keys(allStrategies), 'nope', ''];

const request = fc.record(
  {
    strategyId: fc.constantFrom(...strategyIds),
    symbols: fc.array(fc.constantFrom('BTCUSDT', 'ethusdt', ' LTCUSDT ', 'NOPEUSDT', '', 'ALGOUSDT'), {
      maxLength: 3,
    }),
    from: date,
    to: date,
    timeframe: fc.constantFrom('1m', '5m', '1h', '4h', '10s', '7x', '', '0m'),
    params: fc.dictionary(fc.constantFrom('fast', 'slow', 'stopAtr', 'windowMs', 'x', 'period'), anyValue, {
      maxKeys: 3,
    }),
    seed: fc.oneof(fc.integer(), fc.double()),
    initialBalance: fc.oneof(text, fc.constantFrom('10000', '0', '-5', '1e3')),
    leverage: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double()),
    warmupBars: fc.oneof(fc.integer({ min: -10, max: 1000 }), fc.double()),
    engine: fc.record(
      {
        feeTier: fc.constantFrom('VIP0', 'VIP9', 'VIP10', 'vip1', '', 'constructor', 'toString'),
        impact: fc.record(
          {
            default: fc.oneof(fc.double(), fc.constantFrom(0, 5e-6, 0.02)),
            symbols: fc.dictionary(fc.constantFrom('BTCUSDT', 'LTCUSDT', 'NOPE'), fc.double(), {
              maxKeys: 2,
            }),
          },
          { requiredKeys: ['default'] },
        ),
        latencyMs: fc.record({
          min: fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.double()),
          max: fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.double()),
        }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['strategyId', 'symbols'] },
);

describe('run requests at random', () => {
  it('are prepared, or refused with RunRequestError naming the problem', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        try {
          await prepareRun(req as Parameters<typeof prepareRun>[0]);
        } catch (e) {
          if (!(e instanceof RunRequestError)) throw e;
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: Number(process.env.RUN_FUZZ_RUNS ?? 150) },
    );
  }, 120_000);

  it('names what is wrong with a cost model or leverage before the run starts', async () => {
    const req = { strategyId: 'ema-cross', symbols: ['BTCUSDT'], from: '2023-01-01', to: '2023-01-08' };
    const refused = (extra: object) => prepareRun({ ...req, ...extra });
    await expect(refused({ engine: { feeTier: 'VIP10' } })).rejects.toThrow(
      /fee tier "VIP10" is not one of binance's: VIP0, .*VIP9/,
    );
    await expect(refused({ engine: { feeTier: 'constructor' } })).rejects.toThrow(RunRequestError);
    // The account's own rates: a maker may be paid (a rebate tier), never more than the taker pays.
    await expect(refused({ engine: { feeRates: { maker: '-0.001', taker: '0.0003' } } })).rejects.toThrow(
      /fee rates: the maker rebate -0.001 is larger than the taker rate 0.0003/,
    );
    await expect(refused({ engine: { feeRates: { maker: 'cheap', taker: '0.0003' } } })).rejects.toThrow(
      /fee rates: the maker rate "cheap" is not a decimal/,
    );
    await expect(refused({ engine: { feeRates: { maker: '0', taker: '0.02' } } })).rejects.toThrow(
      /fee rates: the taker rate 0.02 must be in \[0, 0.01\)/,
    );
    await expect(refused({ leverage: 0 })).rejects.toThrow(/leverage 0 must be a whole number from 1 to 125/);
    await expect(refused({ engine: { impact: { default: Number.NaN } } })).rejects.toThrow(/impact λ/);
    await expect(refused({ engine: { impact: { default: 0, symbols: { ETHUSDT: 1e-6 } } } })).rejects.toThrow(
      /impact λ for ETHUSDT: the run does not trade it/,
    );
    await expect(refused({ engine: { latencyMs: { min: 30, max: 20 } } })).rejects.toThrow(/0 ≤ min ≤ max/);
    await expect(refused({ params: { fsat: 5 } })).rejects.toThrow(
      /ema-cross has no parameter "fsat"; its parameters are fast, slow/,
    );
    await expect(refused({ disabledRules: ['breakers'] })).rejects.toThrow(
      /unknown risk rule "breakers"; the rules are breaker, /,
    );
    await expect(refused({ timeframe: '1m' })).rejects.toThrow(
      /no 1m bars for BTCUSDT: the data has its 1h, 5m bars, and 1m cannot be made from them/,
    );
    // Above the risk limit every order would be refused: said before the run, unless the rule is off.
    await expect(refused({ leverage: 20 })).rejects.toThrow(/leverage 20 is above the risk limit of 10/);
    await prepareRun({ ...req, leverage: 20, disabledRules: ['max-leverage'] });
    await prepareRun({ ...req, leverage: 20, riskEnabled: false });
    // In range, the run prepares and starts: the ledger takes the tier.
    const { engine } = await prepareRun({
      ...req,
      leverage: 3,
      engine: { feeTier: 'VIP4', latencyMs: { min: 0, max: 0 } },
    });
    engine.start();
    expect(engine.config.feeTier).toBe('VIP4');
  });

  it('derives a run id per variant: the defaults keep theirs, any change gets its own', async () => {
    const req = { strategyId: 'ema-cross', symbols: ['BTCUSDT'], from: '2023-01-01', to: '2023-01-08' };
    const id = async (extra: object) => (await prepareRun({ ...req, ...extra })).config.runId;
    const plain = await id({});
    expect(plain).toBe('bt-ema-cross-BTCUSDT-1h-1672531200000-1673136000000-1');
    // Asking for the defaults by name is the same run.
    expect(await id({ params: { fast: 20 }, initialBalance: '10000', leverage: 5 })).toBe(plain);
    const variants = [
      { params: { fast: 10 } },
      { params: { fast: 12 } },
      { initialBalance: '5000' },
      { initialBalance: '10000.0' },
      { leverage: 3 },
      { riskEnabled: false },
      { disabledRules: ['order-rate'] },
      { engine: { feeTier: 'VIP3' } },
      { engine: { feeRates: { maker: '-0.00005', taker: '0.0003' } } },
      { engine: { impact: { default: 0 } } },
      { engine: { latencyMs: { min: 0, max: 0 } } },
    ];
    const ids = await Promise.all(variants.map(id));
    for (const v of ids) expect(v).toMatch(new RegExp(`^${plain}-[0-9a-f]{8}$`));
    expect(new Set(ids).size).toBe(variants.length);
    // The same variant, the same id: a re-run or a second persist finds its own run.
    expect(await id({ params: { fast: 10 } })).toBe(ids[0]);
  });

  it('refuses a bar timeframe that 1m bars cannot make, instead of failing in the resampler', async () => {
    await expect(
      prepareRun({ strategyId: 'ema-cross', symbols: ['ALGOUSDT'], timeframe: '10s' }),
    ).rejects.toThrow(
      /no 10s bars for ALGOUSDT: the data has 1m bars, and 10s is not a whole number of minutes/,
    );
  });
});
