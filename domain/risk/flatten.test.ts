import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed } from '../ledger/fixed.js';
import { flattenPlan } from './flatten.js';
import type { PositionView, RiskSnapshot } from './snapshot.js';
import { baseSnapshot } from './test-snapshot.js';

/** Applies a plan as a venue would: cancels the listed orders, fills each reduce-only close in full. */
const applyPlan = (
  snap: RiskSnapshot,
  plan: ReturnType<typeof flattenPlan>,
  strategyId: string | null,
): RiskSnapshot => {
  const cancelled = new Set(plan.cancel);
  const positions: PositionView[] = snap.positions.map((p) => ({ ...p }));
  for (const o of plan.close) {
    let left = o.quantity;
    for (let i = 0; i < positions.length && left > 0n; i++) {
      const p = positions[i]!;
      if (p.symbol !== o.symbol || (strategyId !== null && p.strategyId !== strategyId)) continue;
      const sign = o.side === 'SELL' ? -1n : 1n;
      if (p.qty === 0n || p.qty > 0n === sign > 0n) continue;
      const take = (p.qty < 0n ? -p.qty : p.qty) < left ? (p.qty < 0n ? -p.qty : p.qty) : left;
      positions[i] = { ...p, qty: p.qty + sign * take };
      left -= take;
    }
  }
  return { ...snap, positions, openOrders: snap.openOrders.filter((o) => !cancelled.has(o)) };
};

const row = fc.record({
  symbol: fc.constantFrom('BTCUSDT', 'ETHUSDT'),
  strategyId: fc.constantFrom('a', 'b', null),
  qty: fc.integer({ min: -5000, max: 5000 }).map((n) => BigInt(n) * 10n ** 15n),
});

describe('flatten plan', () => {
  it('leaves no open position or order in its scope', () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 6 }),
        fc.array(row, { maxLength: 6 }),
        fc.constantFrom('account', 'a'),
        (ps, os, scope) => {
          const snap = baseSnapshot({
            positions: ps.map((p) => ({ ...p, cost: p.qty * 100n })),
            openOrders: os.map((o) => ({
              symbol: o.symbol,
              strategyId: o.strategyId,
              side: 'BUY' as const,
              qty: fixed('1'),
              price: null,
              reduceOnly: false,
            })),
          });
          const plan = flattenPlan(snap, scope === 'account' ? 'account' : { strategyId: scope });
          expect(plan.close.every((o) => o.reduceOnly && o.type === 'MARKET')).toBe(true);
          const after = applyPlan(snap, plan, scope === 'account' ? null : scope);
          const inScope = (x: { strategyId: string | null }) => scope === 'account' || x.strategyId === scope;
          expect(after.openOrders.filter(inScope)).toEqual([]);
          if (scope === 'account') {
            const net = new Map<string, bigint>();
            for (const p of after.positions) net.set(p.symbol, (net.get(p.symbol) ?? 0n) + p.qty);
            expect([...net.values()].every((q) => q === 0n)).toBe(true);
          } else {
            expect(after.positions.filter(inScope).every((p) => p.qty === 0n)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
