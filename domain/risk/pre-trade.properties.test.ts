import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abs, fixed, fromInt, isMultipleOf, mul, roundToStep } from '../ledger/fixed.js';
import { breakerLevels, levelIndex } from './breaker-levels.js';
import { defaultRiskLimits, type RiskLimits } from './limits.js';
import { toNumber } from './num.js';
import { checkOrder } from './pre-trade.js';
import type { OrderIntent, RiskSnapshot } from './snapshot.js';
import { baseSnapshot } from './test-snapshot.js';

const TOL = 1e-9;
const within = (v: number, limit: number) => v <= limit + TOL * Math.max(1, Math.abs(limit));

/** A price on a tick grid, as the venue would quote it. */
const onTick = (x: number, tick: string) => roundToStep(fixed(x.toFixed(8)), fixed(tick), 'half-even');
const lots = (maxLots: number) =>
  fc.integer({ min: -maxLots, max: maxLots }).map((n) => BigInt(n) * 10n ** 15n);

const world = fc
  .record({
    equity: fc.integer({ min: 1_000, max: 1_000_000 }),
    dayLoss: fc.double({ min: -0.05, max: 0.08, noNaN: true }),
    btc: fc.double({ min: 20_000, max: 100_000, noNaN: true }),
    eth: fc.double({ min: 1_000, max: 5_000, noNaN: true }),
    flat: fc.boolean(),
    btcQty: lots(3000),
    ethQty: lots(60000),
    costSkew: fc.double({ min: 0.9, max: 1.1, noNaN: true }),
    lev: fc.integer({ min: 1, max: 25 }),
    atrPct: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
    rho: fc.double({ min: -1, max: 1, noNaN: true }),
    openOrders: fc.integer({ min: 0, max: 2 }),
    recent: fc.integer({ min: 0, max: 2 }),
    // Mostly open for business, so that approvals and resizes are common enough to test.
    breaker: fc.oneof(
      { arbitrary: fc.constant('normal' as const), weight: 4 },
      { arbitrary: fc.constantFrom(...breakerLevels), weight: 1 },
    ),
    margin: fc.constantFrom('cross' as const, 'isolated' as const),
  })
  .map((w): RiskSnapshot => {
    const btc = onTick(w.btc, '0.1');
    const eth = onTick(w.eth, '0.01');
    const skew = fixed(w.costSkew.toFixed(6));
    const base = baseSnapshot();
    const btcQty = w.flat ? 0n : w.btcQty;
    const ethQty = w.flat ? 0n : w.ethQty;
    return {
      ...base,
      marginType: w.margin,
      walletBalance: fromInt(w.equity),
      equity: fromInt(w.equity),
      dayStartEquity: fixed((w.equity * (1 + w.dayLoss)).toFixed(2)),
      marks: { BTCUSDT: btc, ETHUSDT: eth },
      atr: { BTCUSDT: toNumber(btc) * w.atrPct, ETHUSDT: toNumber(eth) * w.atrPct },
      leverage: { BTCUSDT: w.lev, ETHUSDT: w.lev },
      positions: [
        { symbol: 'BTCUSDT', strategyId: 's', qty: btcQty, cost: mul(mul(btcQty, btc), skew) },
        { symbol: 'ETHUSDT', strategyId: 's', qty: ethQty, cost: mul(mul(ethQty, eth), skew) },
      ],
      openOrders: Array.from({ length: w.openOrders }, () => ({
        symbol: 'BTCUSDT',
        strategyId: 's',
        side: 'BUY' as const,
        qty: fixed('0.01'),
        price: null,
        reduceOnly: false,
      })),
      recentOrderTimes: Array.from({ length: w.recent }, (_, i) => base.at - i * 1000),
      correlations: { BTCUSDT: { ETHUSDT: w.rho } },
      breakerLevel: w.breaker,
    };
  });

const limits = fc.record({
  maxLeverage: fc.integer({ min: 5, max: 125 }),
  maxPositionNotional: fc.integer({ min: 1_000, max: 1_000_000 }),
  maxGrossExposure: fc.double({ min: 0.5, max: 20, noNaN: true }),
  maxNetExposure: fc.double({ min: 0.5, max: 10, noNaN: true }),
  maxConcentration: fc.double({ min: 0.1, max: 5, noNaN: true }),
  correlationThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
  maxClusterExposure: fc.double({ min: 0.5, max: 10, noNaN: true }),
  minLiquidationAtr: fc.double({ min: 0, max: 10, noNaN: true }),
  minNotional: fc.integer({ min: 0, max: 500 }),
  maxDailyLoss: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
  maxOpenOrders: fc.integer({ min: 2, max: 10 }),
  maxOrdersPerWindow: fc.integer({ min: 2, max: 10 }),
  priceBand: fc.double({ min: 0.005, max: 0.06, noNaN: true }),
  allowResize: fc.oneof(
    { arbitrary: fc.constant(true), weight: 3 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
});

const order = fc.record({
  symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
  side: fc.constantFrom('BUY' as const, 'SELL' as const),
  limit: fc.boolean(),
  away: fc.double({ min: -0.06, max: 0.06, noNaN: true }),
  lots: fc.integer({ min: 1, max: 8_000 }),
  reduceOnly: fc.boolean(),
});

describe('pre-trade properties (fast-check)', () => {
  it('no approved or resized order breaches an active limit', () => {
    fc.assert(
      fc.property(world, limits, order, (snap, l, o) => {
        const cfg = { defaults: { ...defaultRiskLimits, ...l } as RiskLimits };
        const mark = snap.marks[o.symbol]!;
        const tick = o.symbol === 'BTCUSDT' ? '0.1' : '0.01';
        const intent: OrderIntent = {
          accountId: 'acc1',
          strategyId: 's',
          symbol: o.symbol,
          side: o.side,
          type: o.limit ? 'LIMIT' : 'MARKET',
          quantity: BigInt(o.lots) * 10n ** 15n,
          price: o.limit ? onTick(toNumber(mark) * (1 + o.away), tick) : null,
          reduceOnly: o.reduceOnly,
        };
        const d = checkOrder(intent, snap, cfg);
        if (d.outcome === 'reject') {
          expect(d.approvedQuantity).toBe(0n);
          expect(d.checks.some((c) => c.verdict === 'fail')).toBe(true);
          return;
        }
        const q = d.approvedQuantity;
        expect(q > 0n && q <= intent.quantity).toBe(true);
        expect(d.outcome === 'resize').toBe(q < intent.quantity);
        expect(d.checks.every((c) => c.verdict !== 'fail')).toBe(true);

        // Recomputed here from first principles, not through the rules module.
        const inst = snap.instruments[o.symbol]!;
        const price = intent.price ?? mark;
        expect(isMultipleOf(q, inst.stepSize)).toBe(true);

        const equity = toNumber(snap.equity);
        const signed = o.side === 'BUY' ? q : -q;
        const pos = (sym: string) => snap.positions.find((p) => p.symbol === sym)!.qty;
        const before = pos(o.symbol);
        const after = before + signed;
        const other = o.symbol === 'BTCUSDT' ? 'ETHUSDT' : 'BTCUSDT';
        const n = (qty: bigint, sym: string) => toNumber(mul(qty, snap.marks[sym]!));
        const reduces = abs(after) <= abs(before) && (after === 0n || after > 0n === before > 0n);
        if (!intent.reduceOnly || !reduces)
          expect(toNumber(mul(q, price))).toBeGreaterThanOrEqual(
            Math.max(toNumber(inst.minNotional), l.minNotional),
          );
        const exposureOk = (a: number, b: number, limit: number) => within(a, limit) || within(a, b);

        expect(
          exposureOk(Math.abs(n(after, o.symbol)), Math.abs(n(before, o.symbol)), l.maxPositionNotional),
        ).toBe(true);
        expect(
          exposureOk(
            Math.abs(n(after, o.symbol)) / equity,
            Math.abs(n(before, o.symbol)) / equity,
            l.maxConcentration,
          ),
        ).toBe(true);
        const otherN = n(pos(other), other);
        expect(
          exposureOk(
            (Math.abs(otherN) + Math.abs(n(after, o.symbol))) / equity,
            (Math.abs(otherN) + Math.abs(n(before, o.symbol))) / equity,
            l.maxGrossExposure,
          ),
        ).toBe(true);
        expect(
          exposureOk(
            Math.abs(otherN + n(after, o.symbol)) / equity,
            Math.abs(otherN + n(before, o.symbol)) / equity,
            l.maxNetExposure,
          ),
        ).toBe(true);
        expect(snap.openOrders.length + 1).toBeLessThanOrEqual(l.maxOpenOrders);
        if (snap.recentOrderTimes.length + 1 > l.maxOrdersPerWindow) expect(reduces).toBe(true);
        if (levelIndex(snap.breakerLevel) >= levelIndex('halt')) expect(reduces).toBe(true);
        const start = toNumber(snap.dayStartEquity);
        if (!within(Math.max(0, (start - equity) / start), l.maxDailyLoss)) expect(reduces).toBe(true);
        if (intent.price !== null) {
          expect(
            within(Math.abs(toNumber(intent.price) / toNumber(mark) - 1), Math.min(l.priceBand, 0.05)),
          ).toBe(true);
        }
        for (const c of d.checks) {
          if (c.verdict === 'pass' || c.verdict === 'resized')
            expect(c.approved === null || Number.isFinite(c.approved)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('a what-if with a rule disabled never reports that rule as failing', () => {
    fc.assert(
      fc.property(
        world,
        limits,
        fc.constantFrom(...(['max-position-notional', 'gross-exposure', 'breaker'] as const)),
        (snap, l, rule) => {
          const cfg = { defaults: { ...defaultRiskLimits, ...l } as RiskLimits };
          const d = checkOrder(
            {
              accountId: 'acc1',
              strategyId: 's',
              symbol: 'BTCUSDT',
              side: 'BUY',
              type: 'MARKET',
              quantity: fixed('0.5'),
              price: null,
              reduceOnly: false,
            },
            snap,
            cfg,
            { disabledRules: [rule] },
          );
          expect(d.checks.find((c) => c.rule === rule)!.verdict).toBe('disabled');
        },
      ),
      { numRuns: 100 },
    );
  });
});
