import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bybitOrderLinkId } from './order-link-id.js';

const BYBIT_RULE = /^[A-Za-z0-9_-]{1,36}$/;

describe('bybitOrderLinkId', () => {
  it('keeps an id that already keeps Bybit’s rule', () => {
    expect(bybitOrderLinkId('usdt-test-01')).toBe('usdt-test-01');
    expect(bybitOrderLinkId('a'.repeat(36))).toBe('a'.repeat(36));
  });

  it('shortens a run’s long id to 36 characters, keeping its start readable', () => {
    const id = 'trend-follow-btc-0195f3a2-7c1e-7a01-9d2b-5d0c0e8b1f42-10';
    const wire = bybitOrderLinkId(id);
    expect(wire).toHaveLength(36);
    expect(wire.startsWith('trend-follow-btc-0195f3')).toBe(true);
    expect(wire).toMatch(BYBIT_RULE);
  });

  it('is deterministic, at most 36 characters of Bybit’s alphabet, whatever the id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128, unit: 'binary' }), (id) => {
        const wire = bybitOrderLinkId(id);
        expect(wire).toMatch(BYBIT_RULE);
        expect(bybitOrderLinkId(id)).toBe(wire);
      }),
    );
  });

  it('gives distinct ids distinct orderLinkIds', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 80 }), { minLength: 2, maxLength: 200 }),
        (ids) => {
          expect(new Set(ids.map(bybitOrderLinkId)).size).toBe(ids.length);
        },
      ),
    );
    // Ids that share their first 23 characters, as a run's do, differ by their hash.
    const ids = Array.from({ length: 2000 }, (_, n) => `run-0195f3a2-7c1e-7a01-9d2b-5d0c0e8b1f42-${n}`);
    expect(new Set(ids.map(bybitOrderLinkId)).size).toBe(ids.length);
  });
});
