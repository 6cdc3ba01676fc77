import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoTime } from './iso-time.js';

describe('IsoTime', () => {
  it('writes what Date.toISOString writes, for any instant, in any order', () => {
    const instant = fc.oneof(
      fc.integer({ min: 0, max: 253_402_300_799_999 }),
      fc.integer({ min: 1_672_531_200_000, max: 1_672_531_200_000 + 3 * 86_400_000 }),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      fc.double({ min: -1e13, max: 1e13, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 40 }), (instants) => {
        const iso = new IsoTime();
        for (const ms of instants) expect(iso.format(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 500 },
    );
  });

  it('crosses midnight and the edges of its fast range', () => {
    const iso = new IsoTime();
    for (const ms of [86_399_999, 86_400_000, 0, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5]) {
      expect(iso.format(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('refuses what Date refuses', () => {
    expect(() => new IsoTime().format(Number.NaN)).toThrow(RangeError);
    expect(() => new IsoTime().format(9e15)).toThrow(RangeError);
  });
});
