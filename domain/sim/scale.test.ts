import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lotsToQty, lotsToText, parseSteps, tickScale, ticksToPrice, ticksToText } from './scale.js';

describe('tick scale', () => {
  const btc = tickScale('0.10', '0.001');

  it('reads Binance strings as whole ticks and lots without float rounding', () => {
    expect(parseSteps('61800.30', btc.tickNum, btc.tickDen)).toBe(618003);
    expect(parseSteps('61800.35', btc.tickNum, btc.tickDen)).toBeNaN();
    expect(parseSteps('2.909', btc.lotNum, btc.lotDen)).toBe(2909);
    expect(parseSteps('0.000', btc.lotNum, btc.lotDen)).toBe(0);
    expect(parseSteps('12', btc.lotNum, btc.lotDen)).toBe(12000);
    expect(parseSteps('1e3', btc.lotNum, btc.lotDen)).toBeNaN();
    expect(parseSteps('', btc.lotNum, btc.lotDen)).toBeNaN();
  });

  it('handles steps that are not a power of ten', () => {
    const s = tickScale('0.5', '5');
    expect(parseSteps('10.5', s.tickNum, s.tickDen)).toBe(21);
    expect(parseSteps('10.2', s.tickNum, s.tickDen)).toBeNaN();
    expect(parseSteps('15', s.lotNum, s.lotDen)).toBe(3);
  });

  it('round-trips every price on the grid to the shortest decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (ticks) => {
        const text = ticksToPrice(btc, ticks).toFixed(1);
        expect(parseSteps(text, btc.tickNum, btc.tickDen)).toBe(ticks);
        expect(String(lotsToQty(btc, ticks))).toBe(String(Number((ticks / 1000).toFixed(3))));
      }),
    );
  });

  it('writes whole ticks and lots as canonical decimal text for the ledger, exactly', () => {
    expect(ticksToText(btc, 618003)).toBe('61800.3');
    expect(ticksToText(btc, 618000)).toBe('61800');
    expect(lotsToText(btc, 50)).toBe('0.05');
    expect(lotsToText(tickScale('0.5', '5'), 3)).toBe('15');
    expect(ticksToText(tickScale('0.5', '5'), 21)).toBe('10.5');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (ticks) => {
        expect(parseSteps(ticksToText(btc, ticks), btc.tickNum, btc.tickDen)).toBe(ticks);
      }),
    );
  });
});
