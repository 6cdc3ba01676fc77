import { type AccountContext, type AccountState, accountMargin, walletBalance } from './account.js';
import type { MarginType, PositionSide } from './events.js';
import { abs, type Fixed, fixed } from './fixed.js';
import { initialMargin, type LiquidationInput, liquidationPrice, maintenanceMarginOf } from './margin.js';
import { entryPrice, notionalAt, unrealisedPnl } from './position.js';

export interface PositionMargin {
  readonly symbol: string;
  readonly positionSide: PositionSide;
  readonly marginType: MarginType;
  readonly leverage: number;
  readonly quantity: Fixed;
  readonly entryPrice: Fixed;
  readonly markPrice: Fixed;
  readonly notional: Fixed;
  readonly unrealisedPnl: Fixed;
  readonly initialMargin: Fixed;
  readonly maintenanceMargin: Fixed;
  readonly isolatedWallet: Fixed;
  /** Binance's formula (see margin.ts); null when no positive price liquidates. */
  readonly liquidationPrice: Fixed | null;
}

export interface MarginReport {
  readonly walletBalance: Fixed;
  readonly unrealisedPnl: Fixed;
  /** Wallet balance + unrealised PnL of every position. */
  readonly equity: Fixed;
  readonly crossMarginBalance: Fixed;
  readonly crossMaintenanceMargin: Fixed;
  readonly crossInitialMargin: Fixed;
  readonly crossMarginRatio: Fixed | null;
  readonly availableBalance: Fixed;
  readonly positions: readonly PositionMargin[];
}

/**
 * The account at a set of mark prices: what the positions screen and the risk engine show. Cross
 * positions share the cross wallet, so each one's liquidation price counts the others' maintenance
 * margin and unrealised PnL (TMM1, UPNL1); hedge-mode LONG and SHORT of one symbol are solved together.
 */
export const marginReport = (
  s: AccountState,
  marks: Readonly<Record<string, string>>,
  ctx: AccountContext,
): MarginReport => {
  const m = accountMargin(s, marks, ctx);
  // Sorted so the report is the same whichever order the positions were opened in.
  const open = [...s.positions.values()]
    .filter((p) => p.qty !== 0n)
    .sort((a, b) =>
      a.symbol === b.symbol ? a.side.localeCompare(b.side) : a.symbol.localeCompare(b.symbol),
    );
  const markOf = (symbol: string) => fixed(marks[symbol]!); // accountMargin already refused a missing mark
  const legs = open.map((p) => {
    const inst = ctx.instrument(p.symbol);
    const mark = markOf(p.symbol);
    return {
      p,
      inst,
      mark,
      upnl: unrealisedPnl(p, mark),
      mm: maintenanceMarginOf(inst, p, mark),
    };
  });
  const positions = legs.map(({ p, inst, mark, upnl, mm }): PositionMargin => {
    let input: LiquidationInput;
    if (p.marginType === 'isolated') {
      input = {
        walletBalance: p.isolatedWallet,
        otherMaintenanceMargin: 0n,
        otherUnrealisedPnl: 0n,
        instrument: inst,
        positions: [p],
        referencePrice: mark,
      };
    } else {
      const others = legs.filter((l) => l.p.marginType === 'cross' && l.p.symbol !== p.symbol);
      input = {
        walletBalance: s.crossWallet,
        otherMaintenanceMargin: others.reduce((sum, l) => sum + l.mm, 0n),
        otherUnrealisedPnl: others.reduce((sum, l) => sum + l.upnl, 0n),
        instrument: inst,
        positions: legs.filter((l) => l.p.marginType === 'cross' && l.p.symbol === p.symbol).map((l) => l.p),
        referencePrice: mark,
      };
    }
    const notional = notionalAt(p, mark);
    return {
      symbol: p.symbol,
      positionSide: p.side,
      marginType: p.marginType,
      leverage: p.leverage,
      quantity: p.qty,
      entryPrice: abs(entryPrice(p)),
      markPrice: mark,
      notional,
      unrealisedPnl: upnl,
      initialMargin: initialMargin(notional, p.leverage),
      maintenanceMargin: mm,
      isolatedWallet: p.isolatedWallet,
      liquidationPrice: liquidationPrice(input),
    };
  });
  return {
    walletBalance: walletBalance(s),
    unrealisedPnl: m.unrealisedPnl,
    equity: walletBalance(s) + m.unrealisedPnl,
    crossMarginBalance: m.crossMarginBalance,
    crossMaintenanceMargin: m.crossMaintenanceMargin,
    crossInitialMargin: m.crossInitialMargin,
    crossMarginRatio: m.crossMarginRatio,
    availableBalance: m.availableBalance,
    positions,
  };
};
