import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArgError, parseAssignments } from './args.js';

describe('k=v parameters', () => {
  it('reads decimal numbers as numbers and anything else as text', () => {
    expect(parseAssignments(['fast=10,slow=50.5', 'x=-1e-3', 'on=true', 'off=false'])).toEqual({
      fast: 10,
      slow: 50.5,
      x: -0.001,
      on: true,
      off: false,
    });
    // Number() would take all of these as numbers; a strategy's schema then says what it wants.
    expect(parseAssignments(['a=0x10', 'b=0b11', 'c= 5', 'd=', 'e=Infinity', 'f=1e999'])).toEqual({
      a: '0x10',
      b: '0b11',
      c: ' 5',
      d: '',
      e: 'Infinity',
      f: '1e999',
    });
    expect(() => parseAssignments(['fast'])).toThrow(ArgError);
  });

  it('gives back every finite number as it was written', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(parseAssignments([`v=${String(x)}`]).v).toBe(Object.is(x, -0) ? 0 : x);
      }),
    );
  });
});
