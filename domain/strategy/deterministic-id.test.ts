import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUuidV7 } from '../events/envelope.js';
import { DeterministicIds } from './deterministic-id.js';

describe('DeterministicIds', () => {
  it('makes valid, time-ordered, unique UUID v7s that repeat exactly for the same salt', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.integer({ min: 0, max: 2 ** 47 }), { minLength: 1, maxLength: 50 }),
        (salt, times) => {
          const sorted = [...times].sort((a, b) => a - b);
          const a = new DeterministicIds(salt);
          const b = new DeterministicIds(salt);
          const ids = sorted.map((t) => a.next(t));
          expect(sorted.map((t) => b.next(t))).toEqual(ids);
          for (const id of ids) expect(isUuidV7(id)).toBe(true);
          expect(new Set(ids).size).toBe(ids.length);
          for (let i = 1; i < ids.length; i++) {
            if (sorted[i]! > sorted[i - 1]!)
              expect(ids[i]!.slice(0, 13) > ids[i - 1]!.slice(0, 13)).toBe(true);
          }
        },
      ),
    );
  });

  it('differs between runs', () => {
    expect(new DeterministicIds('run-a').next(1)).not.toBe(new DeterministicIds('run-b').next(1));
  });

  it('writes exactly the ids its first definition wrote (eleven joined pieces), for any salt and time', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.double({ noNaN: true })), {
          maxLength: 30,
        }),
        (salt, times) => {
          const ids = new DeterministicIds(salt);
          const ref = new ReferenceIds(salt);
          for (const t of times) expect(ids.next(t)).toBe(ref.next(t));
        },
      ),
    );
  });
});

/** The first definition, kept to hold the faster one to it. */
class ReferenceIds {
  private seq = 0;
  private readonly saltHash: number;
  constructor(salt: string) {
    let h = 0x811c9dc5;
    for (let i = 0; i < salt.length; i++) {
      h ^= salt.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    this.saltHash = h >>> 0;
  }
  next(timeMs: number): string {
    const seq = this.seq++;
    const t = Math.max(0, Math.floor(timeMs));
    const hi = Math.floor(t / 0x10000);
    const a = mix(this.saltHash ^ seq);
    const b = mix(a ^ 0x9e3779b9 ^ seq);
    const c = mix(b ^ 0x85ebca6b);
    return (
      hex8(hi) +
      '-' +
      hex4(t & 0xffff) +
      '-' +
      hex4(0x7000 | (a & 0x0fff)) +
      '-' +
      hex4(0x8000 | (b & 0x3fff)) +
      '-' +
      hex4((c >>> 16) ^ (seq >>> 16)) +
      hex8(((c & 0xffff) * 0x10000 + (seq & 0xffff)) >>> 0)
    );
  }
}
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex4 = (x: number): string => HEX[(x >>> 8) & 0xff]! + HEX[x & 0xff]!;
const hex8 = (x: number): string => hex4((x >>> 16) & 0xffff) + hex4(x & 0xffff);
const mix = (x: number): number => {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
};
