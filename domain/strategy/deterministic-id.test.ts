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
});
