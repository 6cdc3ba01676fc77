import { abs } from '../ledger/fixed.js';
import { netPositions } from './rules.js';
import type { OpenOrderView, OrderIntent, RiskSnapshot } from './snapshot.js';

export interface FlattenPlan {
  /** Cancel first, so no resting order can reopen exposure while the positions are closed. */
  readonly cancel: readonly OpenOrderView[];
  /** Reduce-only market orders, one per open position in scope. */
  readonly close: readonly OrderIntent[];
}

/**
 * What the breaker's `flatten` level asks the engine to do. Account scope closes every net position
 * and cancels every order; strategy scope only what the strategy owns (its attributed positions and
 * orders), leaving the rest of the account alone.
 */
export const flattenPlan = (snap: RiskSnapshot, scope: { strategyId: string } | 'account'): FlattenPlan => {
  const mine = <T extends { strategyId: string | null }>(x: T) =>
    scope === 'account' || x.strategyId === scope.strategyId;
  const cancel = snap.openOrders.filter(mine);
  const strategyId = scope === 'account' ? null : scope.strategyId;
  const positions =
    scope === 'account'
      ? [...netPositions(snap)].map(([symbol, p]) => ({ symbol, qty: p.qty }))
      : snap.positions.filter(mine).map((p) => ({ symbol: p.symbol, qty: p.qty }));
  const close: OrderIntent[] = positions
    .filter((p) => p.qty !== 0n)
    .sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0))
    .map((p) => ({
      accountId: snap.accountId,
      strategyId,
      symbol: p.symbol,
      side: p.qty > 0n ? 'SELL' : 'BUY',
      type: 'MARKET',
      quantity: abs(p.qty),
      price: null,
      reduceOnly: true,
    }));
  return { cancel, close };
};
