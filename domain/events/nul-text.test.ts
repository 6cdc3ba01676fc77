import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nulTextPath } from './nul-text.js';

describe('nulTextPath', () => {
  it('names where a NUL hides, and finds none in text without one', () => {
    expect(nulTextPath({ a: 1, b: ['x', { c: 'y\u0000' }] })).toBe('b[1].c');
    expect(nulTextPath('\u0000')).toBe('(value)');
    expect(nulTextPath({ 'k\u0000': 1 })).toBe('(key)');
    expect(nulTextPath({ a: 'plain', b: [1, null, true], c: { d: 'ünïcödé' } })).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(nulTextPath(v) !== null).toBe(JSON.stringify(v).includes('\\u0000'));
      }),
      { numRuns: 500 },
    );
  });
});
