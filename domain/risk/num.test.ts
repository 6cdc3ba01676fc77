import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, type Rounding, toText } from '../ledger/fixed.js';
import { fromNumber, fromNumberExact, toNumber } from './num.js';

const RUNS = Number(process.env.NUM_RUNS ?? 20_000);
const modes: Rounding[] = ['down', 'up', 'floor', 'ceil', 'half-up', 'half-even'];
// Binance's ticks and steps run from 1e-7 to whole units; 5 and 0.25 are grids that are not powers of ten.
const steps = ['0.0000001', '0.00001', '0.001', '0.01', '0.1', '0.25', '1', '5', '10', '1000'].map((t) =>
  fixed(t),
);

/** Floats as sizing and stop arithmetic produce them: any magnitude, and values a hair off a grid point. */
const floatNear = fc.oneof(
  fc.double({ min: -1e7, max: 1e7, noNaN: true }),
  fc.double({ min: -10, max: 10, noNaN: true }),
  fc
    .tuple(fc.integer({ min: -2e6, max: 2e6 }), fc.constantFrom(...steps), fc.integer({ min: -40, max: 40 }))
    .map(([k, step, ulps]) => {
      const x = k * toNumber(step);
      return x + ulps * Number.EPSILON * Math.max(1, Math.abs(x));
    }),
  fc
    .tuple(
      fc.integer({ min: -2e6, max: 2e6 }),
      fc.constantFrom(...steps),
      fc.double({ min: -1, max: 1, noNaN: true }),
    )
    .map(([k, step, f]) => (k + f) * toNumber(step)),
);

describe('fromNumber', () => {
  it('gives exactly what the text round trip gives, for any float, grid and rounding', () => {
    fc.assert(
      fc.property(floatNear, fc.constantFrom(...steps, 0n), fc.constantFrom(...modes), (x, step, mode) => {
        expect(toText(fromNumber(x, step, mode))).toBe(toText(fromNumberExact(x, step, mode)));
      }),
      { numRuns: RUNS },
    );
  });

  it('snaps float noise onto the grid and rounds the rest the caller’s way', () => {
    expect(toText(fromNumber(100 - 2 * 1.3 * 2, fixed('0.1'), 'floor'))).toBe('94.8');
    expect(toText(fromNumber(0.1234567, fixed('0.001'), 'floor'))).toBe('0.123');
    expect(toText(fromNumber(0.1234567, fixed('0.001'), 'ceil'))).toBe('0.124');
    expect(toText(fromNumber(-0.1234567, fixed('0.001'), 'down'))).toBe('-0.123');
    expect(toText(fromNumber(-0.1234567, fixed('0.001'), 'up'))).toBe('-0.124');
    expect(toText(fromNumber(0.0125, fixed('0.01'), 'half-even'))).toBe('0.01');
    expect(() => fromNumber(Number.NaN, fixed('0.1'), 'floor')).toThrow(RangeError);
  });
});

describe('toNumber', () => {
  it('is the nearest double to integer part plus fraction', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (x) => {
        const unit = 10n ** 18n;
        expect(toNumber(x)).toBe(Number(x / unit) + Number(x % unit) / 1e18);
      }),
      { numRuns: RUNS },
    );
  });
});
