import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, isMultipleOf, mul, toText } from '../ledger/fixed.js';
import { maxLeverageFor } from '../ledger/instrument.js';
import { instrument } from '../ledger/test-fixtures.js';
import { breakerLevels } from './breaker-levels.js';
import { PositionSized, positionSizedData } from './events.js';
import { fromNumber, toNumber } from './num.js';
import {
  bracketLeverageAt,
  defaultSizingParams,
  kellyFraction,
  type SizingInput,
  sizePosition,
  volTargetWeight,
} from './sizing.js';

const btc = instrument('BTCUSDT');
/** BTC with brackets tighter than the leverage tiers, so the bracket, not the tier, binds. */
const tight = {
  ...btc,
  brackets: btc.brackets.map((b, i) => ({ ...b, initialLeverage: Math.max(1, 5 - i) })),
};
const input = (over: Partial<SizingInput> = {}): SizingInput => ({
  instrument: btc,
  orderType: 'MARKET',
  equity: 100_000,
  price: fixed('60000'),
  realisedVol: 0.8,
  volPercentile: 0.5,
  regime: 'trend_up',
  stopDistance: 1200,
  kelly: { winRate: 0.5, payoff: 2 },
  breakerLevel: 'normal',
  ...over,
});

describe('sizing', () => {
  it('worked example: the vol target binds', () => {
    const r = sizePosition(defaultSizingParams, input());
    // w = min(1, 0.5 × 0.4 / 0.8) = 0.25 → 25k; risk: 1% × 100k / 1200 × 60k = 50k; leverage 3 × 25% × 100k = 75k.
    expect(r.weight).toBeCloseTo(0.25, 12);
    expect(r.volTargetNotional).toBeCloseTo(25_000, 6);
    expect(r.kellyFull).toBeCloseTo(0.25, 12);
    expect(r.riskFraction).toBeCloseTo(0.01, 12);
    expect(r.riskNotional).toBeCloseTo(50_000, 6);
    expect(r.leverage).toBe(3);
    expect(r.binding).toBe('vol-target');
    expect(toText(r.quantity)).toBe('0.416');
    const data = positionSizedData(
      { sizingId: 'z1', accountId: 'a', strategyId: 's', side: 'long', observation: null },
      defaultSizingParams,
      input(),
      r,
    );
    expect(PositionSized.schema.parse(data)).toEqual(data);
  });

  it('a wide stop makes risk-per-trade bind; no edge in Kelly scales it to the floor, not to zero', () => {
    const wide = sizePosition(defaultSizingParams, input({ stopDistance: 6000 }));
    expect(wide.binding).toBe('risk-per-trade');
    expect(wide.riskNotional).toBeCloseTo(10_000, 6);
    const noEdge = sizePosition(defaultSizingParams, input({ kelly: { winRate: 0.3, payoff: 1 } }));
    expect(kellyFraction(0.3, 1)).toBeLessThan(0);
    // Zero would be for good: a strategy that places nothing never changes its statistics again.
    expect(noEdge.riskFraction).toBe(defaultSizingParams.kellyFloor * defaultSizingParams.riskPerTrade);
    expect(noEdge.quantity > 0n).toBe(true);
    // A thin edge sits between the floor and the plain risk per trade: quarter Kelly of f* = 0.02.
    const thin = sizePosition(defaultSizingParams, input({ kelly: { winRate: 0.36, payoff: 2 } }));
    expect(thin.riskFraction).toBeCloseTo(0.25 * (0.36 - 0.64 / 2), 12);
    // No losses in the window: full Kelly is the win rate, capped.
    const flawless = sizePosition(defaultSizingParams, input({ kelly: { winRate: 1, payoff: 1e9 } }));
    expect(flawless.riskFraction).toBe(defaultSizingParams.riskPerTrade);
  });

  it('the Kelly risk fraction stays between the floor and the plain risk per trade, and grows with the edge', () => {
    const p = defaultSizingParams;
    const stats = fc.record({
      winRate: fc.double({ min: 0, max: 1, noNaN: true }),
      payoff: fc.double({ min: 0, max: 1e9, noNaN: true }),
    });
    fc.assert(
      fc.property(stats, stats, (a, b) => {
        const ra = sizePosition(p, input({ kelly: a })).riskFraction;
        const rb = sizePosition(p, input({ kelly: b })).riskFraction;
        for (const r of [ra, rb]) {
          expect(r).toBeGreaterThanOrEqual(p.kellyFloor * p.riskPerTrade);
          expect(r).toBeLessThanOrEqual(p.riskPerTrade);
        }
        // More wins at a payoff no worse is no smaller a bet.
        if (a.winRate <= b.winRate && a.payoff <= b.payoff) expect(ra).toBeLessThanOrEqual(rb);
      }),
    );
  });

  it('range regime and high volatility lower the leverage tier; the breaker scales or stops size', () => {
    expect(
      sizePosition(defaultSizingParams, input({ volPercentile: 0.1, regime: 'trend_up' })).tierLeverage,
    ).toBe(5);
    expect(
      sizePosition(defaultSizingParams, input({ volPercentile: 0.1, regime: 'range' })).tierLeverage,
    ).toBe(2);
    expect(sizePosition(defaultSizingParams, input({ volPercentile: 0.95 })).tierLeverage).toBe(2);
    expect(sizePosition(defaultSizingParams, input({ volPercentile: null })).tierLeverage).toBe(2);
    const reduced = sizePosition(defaultSizingParams, input({ breakerLevel: 'reduce' }));
    expect(reduced.binding).toBe('breaker');
    expect(toText(reduced.quantity)).toBe('0.208');
    expect(sizePosition(defaultSizingParams, input({ breakerLevel: 'halt' })).quantity).toBe(0n);
  });

  const sigma = fc.double({ min: 0.01, max: 5, noNaN: true });
  const world = fc.record({
    equity: fc.integer({ min: 500, max: 5_000_000 }),
    price: fc.integer({ min: 1_000, max: 200_000 }),
    pct: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    regime: fc.constantFrom('trend_up' as const, 'trend_down' as const, 'range' as const, null),
    stop: fc.option(fc.double({ min: 1, max: 20_000, noNaN: true })),
    winRate: fc.double({ min: 0, max: 1, noNaN: true }),
    payoff: fc.double({ min: 0.1, max: 5, noNaN: true }),
    breaker: fc.constantFrom(...breakerLevels),
    maxWeight: fc.double({ min: 0.1, max: 5, noNaN: true }),
    inst: fc.constantFrom(btc, tight),
  });
  function toInput(
    w: {
      equity: number;
      price: number;
      pct: number | null;
      regime: 'trend_up' | 'trend_down' | 'range' | null;
      stop: number | null;
      winRate: number;
      payoff: number;
      breaker: (typeof breakerLevels)[number];
      inst: typeof btc;
    },
    s: number,
  ): SizingInput {
    return input({
      equity: w.equity,
      price: fixed(String(w.price)),
      realisedVol: s,
      volPercentile: w.pct,
      regime: w.regime,
      stopDistance: w.stop,
      kelly: { winRate: w.winRate, payoff: w.payoff },
      breakerLevel: w.breaker,
      instrument: w.inst,
    });
  }

  it('is monotone non-increasing in σ and never exceeds w_max, the leverage or the lot grid', () => {
    fc.assert(
      fc.property(world, sigma, sigma, (w, s1, s2) => {
        const p = { ...defaultSizingParams, maxWeight: w.maxWeight };
        const [lo, hi] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const a = sizePosition(p, toInput(w, lo));
        const b = sizePosition(p, toInput(w, hi));
        expect(volTargetWeight(p, lo)).toBeGreaterThanOrEqual(volTargetWeight(p, hi));
        expect(a.quantity >= b.quantity).toBe(true);
        for (const r of [a, b]) {
          const notional = toNumber(mul(r.quantity, fixed(String(w.price))));
          expect(r.weight).toBeLessThanOrEqual(p.maxWeight);
          expect(notional).toBeLessThanOrEqual(p.maxWeight * w.equity * (1 + 1e-9));
          expect(notional).toBeLessThanOrEqual(r.leverage * p.marginBudget * w.equity * (1 + 1e-9));
          expect(r.leverage).toBeLessThanOrEqual(Math.min(r.tierLeverage, r.bracketLeverage));
          expect(isMultipleOf(r.quantity, btc.marketStepSize)).toBe(true);
          if (r.quantity > 0n) expect(notional).toBeGreaterThanOrEqual(toNumber(btc.minNotional));
          if (w.breaker === 'halt' || w.breaker === 'flatten') expect(r.quantity).toBe(0n);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the bracket a float notional falls in', () => {
  it('is the one its exact decimal value falls in, at and around every cap', () => {
    for (const symbol of ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT']) {
      const inst = instrument(symbol);
      const caps = inst.brackets.map((b) => toNumber(b.notionalCap));
      const near = fc.oneof(
        fc
          .constantFrom(...caps)
          .chain((c) =>
            fc.constantFrom(c, c - 1e-9, c + 1e-9, c * (1 - Number.EPSILON), c * (1 + Number.EPSILON)),
          ),
        fc.double({ min: -1, max: caps.at(-1)! * 2, noNaN: true }),
      );
      fc.assert(
        fc.property(near, (x) => {
          let exact: number;
          try {
            exact = maxLeverageFor(inst, fromNumber(Math.max(0, x), 0n, 'ceil'));
          } catch {
            exact = 1;
          }
          expect(bracketLeverageAt(inst, x)).toBe(exact);
        }),
        { numRuns: 300 },
      );
    }
  });
});
