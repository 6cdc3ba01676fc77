import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptimizeRequestError } from '../../commands/optimizer/run-config.js';
import { resolveDataRange } from './data-range.js';

// The shared data set: BTCUSDT and SUIUSDT 1h files, ALGOUSDT only as 1m bars for February 2023.
const BTC_FROM = Date.UTC(2023, 0, 1);
const BTC_TO = Date.UTC(2024, 0, 1);

const refusal = async (p: Promise<unknown>): Promise<string> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OptimizeRequestError);
  return (err as Error).message;
};

describe('resolveDataRange', () => {
  it('refuses a range before the data, naming what the data covers', async () => {
    const message = await refusal(
      resolveDataRange('ema-cross', ['BTCUSDT'], undefined, '2020-01-01', '2020-09-01'),
    );
    expect(message).toBe(
      'BTCUSDT 1h data covers 2023-01-01T00:00:00Z .. 2024-01-01T00:00:00Z; the range 2020-01-01T00:00:00Z .. 2020-09-01T00:00:00Z is outside it',
    );
  });

  it('refuses a range outside the data of any one of the symbols', async () => {
    const message = await refusal(
      resolveDataRange('ema-cross', ['BTCUSDT', 'SUIUSDT'], undefined, '2023-01-01', '2023-04-01'),
    );
    expect(message).toMatch(/^SUIUSDT 1h data covers 2023-05-03T16:00:00Z \.\. 2024-01-01T00:00:00Z;/);
  });

  it('refuses a range ending where the data starts: not one bar is inside it', async () => {
    await refusal(resolveDataRange('ema-cross', ['BTCUSDT'], undefined, '2022-06-01', '2023-01-01'));
  });

  it('refuses a start after the data when the end is left to default', async () => {
    const message = await refusal(
      resolveDataRange('ema-cross', ['BTCUSDT'], undefined, '2030-01-01', undefined),
    );
    expect(message).toContain('BTCUSDT 2023-01-01T00:00:00Z .. 2024-01-01T00:00:00Z');
  });

  it('refuses symbols whose data have no time in common, naming each one’s', async () => {
    const message = await refusal(
      resolveDataRange('ema-cross', ['ALGOUSDT', 'SUIUSDT'], undefined, undefined, undefined),
    );
    expect(message).toContain('ALGOUSDT 2023-02-01T00:00:00Z .. 2023-03-01T00:00:00Z');
    expect(message).toContain('SUIUSDT 2023-05-03T16:00:00Z .. 2024-01-01T00:00:00Z');
  });

  it('keeps refusing an end before the start', async () => {
    expect(
      await refusal(resolveDataRange('ema-cross', ['BTCUSDT'], undefined, '2023-03-01', '2023-02-01')),
    ).toBe('--to must be after --from');
  });

  it('takes a range inside the data, and defaults to where every symbol has data', async () => {
    await expect(
      resolveDataRange('ema-cross', ['BTCUSDT'], undefined, '2023-01-01', '2023-03-01'),
    ).resolves.toEqual({ from: BTC_FROM, to: Date.UTC(2023, 2, 1) });
    await expect(
      resolveDataRange('ema-cross', ['BTCUSDT', 'SUIUSDT'], undefined, undefined, undefined),
    ).resolves.toEqual({ from: Date.UTC(2023, 4, 3, 16), to: BTC_TO });
  });

  it('takes exactly the ranges the engine would run: those that overlap the data', async () => {
    const day = 86_400_000;
    const dayOf = fc.integer({ min: -400, max: 800 }).map((n) => BTC_FROM + n * day);
    await fc.assert(
      fc.asyncProperty(dayOf, fc.integer({ min: 1, max: 500 }), async (from, days) => {
        const to = from + days * day;
        const iso = (ms: number) => new Date(ms).toISOString();
        const got = resolveDataRange('ema-cross', ['BTCUSDT'], undefined, iso(from), iso(to));
        if (to > BTC_FROM && from < BTC_TO) await expect(got).resolves.toEqual({ from, to });
        else await expect(got).rejects.toThrow(/is outside it$/);
      }),
      { numRuns: 60 },
    );
  });
});
