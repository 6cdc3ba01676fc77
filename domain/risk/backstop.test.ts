import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, toText } from '../ledger/fixed.js';
import { backstopMoves, backstopTrigger, checkBackstopPlan, defaultBackstopPlan } from './backstop.js';
import { toNumber } from './num.js';

const tick = fixed('0.1');

describe('the exchange-held backstop', () => {
  it('sits the buffer beyond the engine’s stop, on the tick grid, away from the market', () => {
    // 50 bp below a long's stop at 20,000: 19,900 exactly; above a short's: 20,100.
    expect(toText(backstopTrigger('long', 20_000, defaultBackstopPlan, tick))).toBe('19900');
    expect(toText(backstopTrigger('short', 20_000, defaultBackstopPlan, tick))).toBe('20100');
    // Off the grid, a long's backstop rounds down and a short's up: never closer to the market.
    expect(toText(backstopTrigger('long', 20_000.33, defaultBackstopPlan, tick))).toBe('19900.3');
    expect(toText(backstopTrigger('short', 20_000.33, defaultBackstopPlan, tick))).toBe('20100.4');
  });

  it('is always beyond the stop by at least the buffer (property)', () => {
    expect(
      toText(backstopTrigger('short', 46_674.17906873995, { bufferBps: 1_998, moveBps: 0 }, fixed('0.01'))),
    ).toBe('55999.68');
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 200_000, noNaN: true }),
        fc.integer({ min: 1, max: 2_000 }),
        fc.boolean(),
        (stop, bufferBps, long) => {
          const plan = { bufferBps, moveBps: 0 };
          const t = toNumber(backstopTrigger(long ? 'long' : 'short', stop, plan, fixed('0.01')));
          const edge = long ? stop * (1 - bufferBps / 10_000) : stop * (1 + bufferBps / 10_000);
          // fromNumber takes a value within 1e-9 of a grid point, relative to the value itself, as that
          // point (float noise), so the allowance is relative to the edge, not the stop: with a 19.98 %
          // buffer on a short at 46,674.18 the edge 55,999.680047 is 4.7e-5 from 55,999.68, inside
          // 1e-9 × 56,000 but not 1e-9 × 46,674 (the counterexample CI found).
          const noise = 1e-9 * Math.max(1, edge);
          return long ? t <= edge + noise : t >= edge - noise;
        },
      ),
    );
  });

  it('moves only when the wanted trigger has drifted moveBps from the working one, either way', () => {
    const plan = { bufferBps: 50, moveBps: 20 };
    const working = fixed('20000');
    expect(backstopMoves(working, working, plan)).toBe(false);
    // 20 bp of 20,000 is 40.
    expect(backstopMoves(working, fixed('20039.9'), plan)).toBe(false);
    expect(backstopMoves(working, fixed('20040'), plan)).toBe(true);
    expect(backstopMoves(working, fixed('19960.1'), plan)).toBe(false);
    expect(backstopMoves(working, fixed('19960'), plan)).toBe(true);
    // With no hysteresis, any change moves it.
    expect(backstopMoves(working, fixed('20000.1'), { bufferBps: 50, moveBps: 0 })).toBe(true);
  });

  it('keeps a working backstop beyond the stop whenever it does not move (property)', () => {
    // The reason moveBps must stay below bufferBps: whatever the stop does, a backstop left in place is
    // still on the far side of the engine's stop, so the engine's exit comes first.
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 100_000 }),
        fc.integer({ min: 2, max: 500 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.double({ min: -0.05, max: 0.05, noNaN: true }),
        fc.boolean(),
        (stop0, bufferBps, moveShare, drift, long) => {
          const plan = checkBackstopPlan({ bufferBps, moveBps: bufferBps * moveShare });
          const side = long ? 'long' : 'short';
          const working = backstopTrigger(side, stop0, plan, fixed('0.01'));
          const stop1 = stop0 * (1 + drift);
          const wanted = backstopTrigger(side, stop1, plan, fixed('0.01'));
          if (backstopMoves(working, wanted, plan)) return true;
          const w = toNumber(working);
          return long ? w < stop1 : w > stop1;
        },
      ),
    );
  });

  it('refuses a plan that cannot protect', () => {
    expect(() => checkBackstopPlan({ bufferBps: 0, moveBps: 0 })).toThrow(/bufferBps/);
    expect(() => checkBackstopPlan({ bufferBps: Number.NaN, moveBps: 0 })).toThrow(/bufferBps/);
    expect(() => checkBackstopPlan({ bufferBps: 3_000, moveBps: 0 })).toThrow(/bufferBps/);
    expect(() => checkBackstopPlan({ bufferBps: 50, moveBps: -1 })).toThrow(/moveBps/);
    expect(() => checkBackstopPlan({ bufferBps: 50, moveBps: 50 })).toThrow(/below bufferBps/);
    expect(checkBackstopPlan({ bufferBps: 100, moveBps: 25 })).toEqual({ bufferBps: 100, moveBps: 25 });
  });
});
