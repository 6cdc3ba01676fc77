import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalText,
  divRound,
  FixedFormatError,
  fixed,
  mul,
  parseFixed,
  type Rounding,
  roundedProduct,
  roundTo,
  toText,
} from './fixed.js';

/** toText as it was first written (negate, pad, slice, trim): the definition the fast one must match. */
const toTextByDefinition = (x: bigint, dp = 0): string => {
  const neg = x < 0n;
  const digits = (neg ? -x : x).toString();
  const int = digits.length > 18 ? digits.slice(0, digits.length - 18) : '0';
  let frac = digits.length > 18 ? digits.slice(digits.length - 18) : digits.padStart(18, '0');
  frac = frac.replace(/0+$/, '');
  if (frac.length < dp) frac = frac.padEnd(dp, '0');
  const body = frac ? `${int}.${frac}` : int;
  return neg ? `-${body}` : body;
};

/** What parsing gives, or the error it refuses with. */
const outcome = (f: () => bigint): bigint | string => {
  try {
    return f();
  } catch (e) {
    if (e instanceof FixedFormatError) return e.message;
    throw e;
  }
};

describe('fixed-point decimals', () => {
  it('parses and prints canonical decimals', () => {
    expect(toText(fixed('0.10'))).toBe('0.1');
    expect(toText(fixed('-12.500'))).toBe('-12.5');
    expect(toText(fixed('-0.0'))).toBe('0');
    expect(toText(fixed('16537.6'), 2)).toBe('16537.60');
    expect(toText(fixed('0.000000000000000001'))).toBe('0.000000000000000001');
  });

  it('refuses exponents, NaN, Infinity and blanks with the rule name', () => {
    for (const bad of ['1e-7', 'NaN', 'Infinity', '', ' 1', '1.', '.5', '--1', '0x10']) {
      expect(() => fixed(bad), bad).toThrow(/decimal-format/);
    }
  });

  it('refuses more than 18 places unless told how to round', () => {
    expect(() => fixed('0.0000000000000000015')).toThrow(/more than 18/);
    expect(toText(fixed('0.0000000000000000015', 'half-even'))).toBe('0.000000000000000002');
    expect(toText(fixed('0.0000000000000000025', 'half-even'))).toBe('0.000000000000000002');
  });

  it('rounds in every mode like the definitions say', () => {
    const cases: [bigint, bigint, Record<string, bigint>][] = [
      [7n, 2n, { down: 3n, up: 4n, floor: 3n, ceil: 4n, 'half-up': 4n, 'half-even': 4n }],
      [-7n, 2n, { down: -3n, up: -4n, floor: -4n, ceil: -3n, 'half-up': -4n, 'half-even': -4n }],
      [5n, 2n, { 'half-even': 2n, 'half-up': 3n }],
      [-5n, 2n, { 'half-even': -2n, 'half-up': -3n }],
      [7n, 3n, { 'half-up': 2n, 'half-even': 2n, floor: 2n, ceil: 3n }],
    ];
    for (const [n, d, want] of cases) {
      for (const [mode, v] of Object.entries(want)) {
        expect(divRound(n, d, mode as Parameters<typeof divRound>[2]), `${n}/${d} ${mode}`).toBe(v);
      }
    }
  });

  it('rounds a product once, not twice', () => {
    // 0.4445 × 1 at 3 dp rounds to 0.445 (half-up); rounding to 4 dp first would not change it, but
    // 0.44449999 → 0.4445 (4 dp) → 0.445 would be wrong: the single rounding gives 0.444.
    expect(toText(roundedProduct([fixed('0.44449999'), fixed('1')], 3, 'half-up'))).toBe('0.444');
    expect(toText(roundTo(roundTo(fixed('0.44449999'), 4, 'half-up'), 3, 'half-up'))).toBe('0.445');
  });

  it('reuses an input only when it is already canonical', () => {
    for (const t of ['0', '1', '-1', '0.5', '-0.5', '10', '30000.1', '0.000001'])
      expect(canonicalText(t, fixed(t))).toBe(t);
    const fixes: [string, string][] = [
      ['0.10', '0.1'],
      ['-0', '0'],
      ['-0.00', '0'],
      ['007', '7'],
      ['1.0', '1'],
      ['00.5', '0.5'],
    ];
    for (const [t, want] of fixes) expect(canonicalText(t, fixed(t))).toBe(want);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }),
        fc.nat(3),
        fc.nat(3),
        (units, lead, trail) => {
          const t = toText(units);
          const padded =
            t.replace(/^(-?)/, `$1${'0'.repeat(lead)}`) +
            (t.includes('.') ? '0'.repeat(Math.min(trail, 18 - t.split('.')[1]!.length)) : '');
          expect(canonicalText(padded, fixed(padded))).toBe(t);
        },
      ),
    );
  });

  it('round-trips any decimal text exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (units) => {
        expect(fixed(toText(units))).toBe(units);
      }),
    );
  });

  it('multiplies exactly when the result fits 18 places (price × quantity)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 14n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        (ticks, steps) => {
          const price = ticks * 10n ** 10n; // 8 dp
          const qty = steps * 10n ** 10n; // 8 dp
          expect(mul(price, qty) * 10n ** 18n).toBe(price * qty);
        },
      ),
    );
  });

  it('prints what the definition prints, for any value and padding (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
          fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }),
          fc
            .tuple(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), fc.nat(30))
            .map(([m, k]) => m * 10n ** BigInt(k)),
        ),
        fc.nat(20),
        (x, dp) => {
          expect(toText(x)).toBe(toTextByDefinition(x));
          expect(toText(x, dp)).toBe(toTextByDefinition(x, dp));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('parses as if it remembered nothing, whatever was parsed or printed before (property)', () => {
    // Texts of a few lengths, printed and parsed in any order, some equal in content but distinct strings,
    // some malformed or too precise: a remembered amount must never answer for anything but its own text.
    const texts = [
      '0.001',
      '0.002',
      '30000.1',
      '30000.2',
      '-1.5',
      '1.50',
      '1e-3',
      '',
      '0.0000000000000000001',
    ];
    const step = fc.oneof(
      fc.record({ print: fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }) }),
      fc.record({
        parse: fc.oneof(
          fc.constantFrom(...texts),
          fc.constantFrom(...texts).map((t) => [...t].join('')), // same content, another string
          fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }).map((x) => toText(x)),
        ),
        rounding: fc.constantFrom<Rounding | undefined>(undefined, 'down', 'half-even'),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        for (const st of steps) {
          if ('print' in st) {
            expect(fixed(toText(st.print))).toBe(st.print);
            continue;
          }
          expect(outcome(() => fixed(st.parse, st.rounding))).toBe(
            outcome(() => parseFixed(st.parse, st.rounding)),
          );
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
