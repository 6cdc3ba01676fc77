import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { okxClOrdId } from './cl-ord-id.js';

const OKX_RULE = /^[A-Za-z0-9]{1,32}$/;

describe('okxClOrdId', () => {
  it('keeps an id that already keeps OKX’s rule', () => {
    // The documentation's own example ids (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order).
    expect(okxClOrdId('b15')).toBe('b15');
    expect(okxClOrdId('oktswap6')).toBe('oktswap6');
    expect(okxClOrdId('a'.repeat(32))).toBe('a'.repeat(32));
  });

  it('turns a run’s id into 32 letters and digits, keeping its start readable', () => {
    const id = 'trend-follow-btc-0195f3a2-7c1e-7a01-9d2b-5d0c0e8b1f42-10';
    const wire = okxClOrdId(id);
    expect(wire).toHaveLength(32);
    expect(wire.startsWith('trendfollowbtc01')).toBe(true);
    expect(wire).toMatch(OKX_RULE);
    // Dashes alone are enough to need the hash: OKX takes no dash.
    expect(okxClOrdId('usdt-test-01')).toMatch(OKX_RULE);
    expect(okxClOrdId('usdt-test-01')).not.toBe('usdttest01');
  });

  it('is deterministic, at most 32 letters and digits, whatever the id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 128, unit: 'binary' }), (id) => {
        const wire = okxClOrdId(id);
        expect(wire).toMatch(OKX_RULE);
        expect(okxClOrdId(id)).toBe(wire);
      }),
    );
  });

  it('gives distinct ids distinct clOrdIds', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 80 }), { minLength: 2, maxLength: 200 }),
        (ids) => {
          expect(new Set(ids.map(okxClOrdId)).size).toBe(ids.length);
        },
      ),
    );
    // Ids that share their first 16 letters and digits, as a run's do, differ by their hash; so do ids
    // that differ only in the characters OKX refuses.
    const ids = Array.from({ length: 2000 }, (_, n) => `run-0195f3a2-7c1e-7a01-9d2b-5d0c0e8b1f42-${n}`);
    expect(new Set(ids.map(okxClOrdId)).size).toBe(ids.length);
    expect(okxClOrdId('a-b')).not.toBe(okxClOrdId('a_b'));
  });
});
