import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from './linalg.js';

describe('symmetricEigen (Jacobi)', () => {
  it('diagonalises a known matrix', () => {
    const e = symmetricEigen([
      [2, 1],
      [1, 2],
    ]);
    expect(e.values[0]).toBeCloseTo(1, 14);
    expect(e.values[1]).toBeCloseTo(3, 14);
  });

  it('reconstructs random symmetric matrices with orthonormal vectors', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((n) =>
            fc.array(
              fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }),
              { minLength: n, maxLength: n },
            ),
          ),
        (raw) => {
          const n = raw.length;
          const a = raw.map((row, i) => row.map((_, j) => (raw[i]![j]! + raw[j]![i]!) / 2));
          const { values, vectors } = symmetricEigen(a);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              let rec = 0;
              let orth = 0;
              for (let k = 0; k < n; k++) {
                rec += vectors[i]![k]! * values[k]! * vectors[j]![k]!;
                orth += vectors[k]![i]! * vectors[k]![j]!;
              }
              if (Math.abs(rec - a[i]![j]!) > 1e-9) return false;
              if (Math.abs(orth - (i === j ? 1 : 0)) > 1e-9) return false;
            }
          }
          return values.every((v, k) => k === 0 || v >= values[k - 1]!);
        },
      ),
      { numRuns: 100 },
    );
  });
});
