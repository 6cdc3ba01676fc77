import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiringMap, ExpiringSet } from './expiring-map.js';

describe('ExpiringMap', () => {
  it('never lets go of an entry set less than ttlMs before the latest set, and keeps its latest value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 400 })), {
          maxLength: 200,
        }),
        (ttl, steps) => {
          const m = new ExpiringMap<number>(ttl);
          const model = new Map<string, { at: number; value: number }>();
          let now = 0;
          steps.forEach(([key, dt], i) => {
            now += dt;
            m.set(key, i, now);
            model.set(key, { at: now, value: i });
            for (const [k, { at, value }] of model)
              if (now - at < ttl) {
                expect(m.has(k)).toBe(true);
                expect(m.get(k)).toBe(value);
              }
          });
        },
      ),
    );
  });

  it('lets an entry go once two generations have passed it, so what it holds stays bounded', () => {
    const m = new ExpiringMap<string>(1_000);
    m.set('order-1', 'run-a', 0);
    m.set('order-2', 'run-a', 999);
    m.set('order-3', 'run-b', 1_000); // a new generation: orders 1 and 2 are now the older one
    expect(m.get('order-1')).toBe('run-a');
    m.set('order-4', 'run-b', 2_000); // and now they are gone
    expect(m.has('order-1')).toBe(false);
    expect(m.has('order-2')).toBe(false);
    expect(m.get('order-3')).toBe('run-b');
    expect(m.size).toBe(2);
    // A day of orders every second, kept for an hour: at most two hours of them are ever held.
    const day = new ExpiringSet(3_600_000);
    let most = 0;
    for (let t = 0; t < 86_400_000; t += 1_000) {
      day.add(`o${t}`, t);
      most = Math.max(most, day.size);
    }
    expect(most).toBeLessThanOrEqual(2 * 3_600);
    expect(day.has(`o${86_399_000}`)).toBe(true);
    expect(day.has('o0')).toBe(false);
  });

  it('refuses a time to live that is not a positive number', () => {
    expect(() => new ExpiringMap(0)).toThrow(/positive/);
    expect(() => new ExpiringSet(Number.NaN)).toThrow(/positive/);
  });
});
