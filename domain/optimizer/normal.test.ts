import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalInv, normalPdf } from './normal.js';

const relClose = (actual: number, expected: number, rel: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));

// Reference values from R's pnorm/qnorm (R 4.x, double precision).
describe('normalCdf', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145707],
    [2, 0.9772498680518208],
    [-3, 0.0013498980316300946],
    [-5, 2.866515718791939e-7],
    [-8, 6.22096057427178e-16],
    [-10, 7.619853024160527e-24],
    [1.959963984540054, 0.975],
  ])('Φ(%s) = %s to 1e-13 relative', (x, p) => relClose(normalCdf(x), p, 1e-13));

  it('is symmetric, monotone and bounded', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -40, max: 40, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (x, d) => {
          const a = normalCdf(x);
          const b = normalCdf(x + d);
          return a >= 0 && a <= 1 && b >= a && Math.abs(normalCdf(-x) - (1 - a)) < 1e-15;
        },
      ),
    );
  });

  it('integrates the pdf (trapezoid over [-1, 1.5])', () => {
    const n = 2000;
    const h = 2.5 / n;
    let s = 0;
    for (let i = 0; i <= n; i++) s += (i === 0 || i === n ? 0.5 : 1) * normalPdf(-1 + i * h);
    relClose(s * h, normalCdf(1.5) - normalCdf(-1), 1e-6);
  });
});

describe('normalInv (AS 241)', () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.99, 2.3263478740408408],
    [0.001, -3.090232306167813],
    [1e-10, -6.361340902404056],
  ])('Φ⁻¹(%s) = %s', (p, x) => expect(normalInv(p)).toBeCloseTo(x, 12));

  // Round trips run through the lower tail: above x ≈ 5, Φ(x) = 1 − ε is only representable to 1e-16
  // absolute, which is an x error of 1e-16/φ(x) whatever the algorithm.
  it('inverts normalCdf (round trip to 1e-9 in x for x in [-37, 2])', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -37, max: 2, noNaN: true }),
        (x) => Math.abs(normalInv(normalCdf(x)) - x) < 1e-9,
      ),
    );
  });

  it('inverts in the other direction for p in [1e-300, 0.5] to 1e-12 relative', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 0.5, noNaN: true }), (p) => {
        const x = normalInv(p);
        return Math.abs(normalCdf(x) - p) <= 1e-12 * p;
      }),
    );
  });

  it('is odd and has infinite endpoints', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 0.5, noNaN: true }),
        (p) => Math.abs(normalInv(p) + normalInv(1 - p)) < 1e-9,
      ),
    );
    expect(normalInv(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalInv(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalInv(1.5)).toThrow(RangeError);
  });
});
