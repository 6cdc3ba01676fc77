import {
  type AccountContext,
  type AccountState,
  markOf,
  openPositionsOf,
  positionKey,
  settingsFor,
  walletBalance,
} from './account-state.js';
import { refuse } from './errors.js';
import type { OrderSide, PositionSide } from './events.js';
import { abs, type Fixed, mul, toText } from './fixed.js';
import { bracketFor } from './instrument.js';
import { initialMargin, type MarginLeg, marginSummary } from './margin.js';
import { notionalAt } from './position.js';

/** Margin figures of the whole account at the given marks (the projection and withdrawals use this). */
export interface AccountMargin {
  readonly walletBalance: Fixed;
  readonly crossWallet: Fixed;
  readonly crossMarginBalance: Fixed;
  readonly crossMaintenanceMargin: Fixed;
  readonly crossInitialMargin: Fixed;
  readonly crossMarginRatio: Fixed | null;
  readonly unrealisedPnl: Fixed;
  /** Binance: cross wallet + cross unrealised PnL − cross initial margin (never below 0). */
  readonly availableBalance: Fixed;
}

export const accountMargin = (
  s: AccountState,
  marks: Readonly<Record<string, string>>,
  ctx: AccountContext,
): AccountMargin => {
  const crossLegs: MarginLeg[] = [];
  let crossIm = 0n;
  let upnlAll = 0n;
  for (const p of openPositionsOf(s)) {
    const leg: MarginLeg = {
      instrument: ctx.instrument(p.symbol),
      position: p,
      mark: markOf(marks, p.symbol),
    };
    const isolated = marginSummary(0n, [leg]);
    upnlAll += isolated.unrealisedPnl;
    if (p.marginType === 'cross') {
      crossLegs.push(leg);
      crossIm += initialMargin(notionalAt(p, leg.mark), p.leverage);
    }
  }
  const cross = marginSummary(s.crossWallet, crossLegs);
  const available = cross.marginBalance - crossIm;
  return {
    walletBalance: walletBalance(s),
    crossWallet: s.crossWallet,
    crossMarginBalance: cross.marginBalance,
    crossMaintenanceMargin: cross.maintenanceMargin,
    crossInitialMargin: crossIm,
    crossMarginRatio: cross.marginRatio,
    unrealisedPnl: upnlAll,
    availableBalance: available > 0n ? available : 0n,
  };
};

/**
 * Pre-trade: Binance refuses an order that would take the position past the notional its leverage allows
 * ("Exceeded the maximum allowable position at current leverage", error -2027): the bracket of the
 * resulting notional must allow at least the symbol's leverage. Orders that only reduce pass.
 * `referencePrice` is the limit or stop price, or the mark for a market order.
 */
export const checkPositionLimit = (
  s: AccountState,
  order: {
    symbol: string;
    side: OrderSide;
    positionSide: PositionSide;
    quantity: Fixed;
    reduceOnly: boolean;
  },
  referencePrice: Fixed,
  ctx: AccountContext,
): void => {
  if (order.reduceOnly) return;
  const inst = ctx.instrument(order.symbol);
  const current = s.positions.get(positionKey(order.symbol, order.positionSide))?.qty ?? 0n;
  const after = current + (order.side === 'BUY' ? order.quantity : -order.quantity);
  if (abs(after) <= abs(current)) return;
  const notional = mul(abs(after), referencePrice);
  const leverage = settingsFor(s, order.symbol, inst).leverage;
  const allowed = bracketFor(inst, notional).initialLeverage;
  if (leverage > allowed) {
    refuse(
      'position-exceeds-leverage-bracket',
      `${order.symbol} at ${leverage}x allows a position up to the bracket of ${allowed}x; ${toText(notional)} notional needs leverage ≤ ${allowed}`,
    );
  }
};
