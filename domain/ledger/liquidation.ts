import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  feeEvent,
  markOf,
  openPositionsOf,
  type PositionState,
  parsePositive,
} from './account-state.js';
import type { AccountEvent } from './events.js';
import { abs, type Fixed, max, min, roundedProduct, roundTo, toText } from './fixed.js';
import { breachesMaintenance, marginSummary } from './margin.js';
import { applyFill, entryPrice, notionalAt } from './position.js';

interface Leg {
  readonly p: PositionState;
  readonly mark: Fixed;
  /** The PnL of closing at the mark, as the venue rounds PnL. */
  readonly pnl: Fixed;
  /** The liquidation fee, at most what the wallet still held when the leg closed. */
  readonly fee: Fixed;
  /** The part of the loss the insurance fund takes on (see below). */
  covered: Fixed;
}

const legAt = (p: PositionState, mark: Fixed, walletLeft: Fixed, ctx: AccountContext): Leg => {
  const dp = ctx.rules.moneyDecimals;
  const pnl = roundTo(applyFill(p, -p.qty, mark).realisedExact, dp, ctx.rules.pnlRounding);
  const rate = ctx.instrument(p.symbol).liquidationFeeRate;
  const fullFee = roundedProduct([abs(p.qty), mark, rate], dp, ctx.rules.feeRounding);
  return { p, mark, pnl, fee: min(fullFee, max(0n, walletLeft + pnl)), covered: 0n };
};

/**
 * Spreads what the legs lose past the wallet over the losing legs, in turn. A position left below zero
 * after liquidation is bankrupt, and Binance's insurance fund takes it over and funds its loss
 * ("Introduction to Futures Insurance Funds", binance.com support FAQ 360033525371), so a trader never
 * loses more than the margin (an isolated position's margin; a cross account's wallet, over all its legs, where a
 * gain on one leg offsets a loss on another first). `walletAfter` is the wallet once the legs have
 * closed, fees paid and nothing covered: below zero by the amount the fund takes on.
 */
const cover = (legs: readonly Leg[], walletAfter: Fixed): void => {
  let shortfall = max(0n, -walletAfter);
  for (const l of legs) {
    if (shortfall === 0n) return;
    if (l.pnl >= 0n) continue;
    l.covered = min(shortfall, -l.pnl);
    shortfall -= l.covered;
  }
};

const liquidated = (
  l: Leg,
  margin: { marginBalance: Fixed; maintenanceMargin: Fixed },
  ctx: AccountContext,
): AccountEvent[] => {
  const { p, mark } = l;
  const inst = ctx.instrument(p.symbol);
  return [
    feeEvent({
      reason: 'liquidation',
      symbol: p.symbol,
      positionSide: p.side,
      orderId: null,
      tradeId: null,
      strategyId: null,
      notional: toText(notionalAt(p, mark)),
      rate: toText(inst.liquidationFeeRate),
      amount: toText(l.fee),
      wallet: p.marginType,
    }),
    {
      type: 'PositionLiquidated',
      data: {
        symbol: p.symbol,
        positionSide: p.side,
        marginType: p.marginType,
        quantity: toText(p.qty),
        markPrice: toText(mark),
        entryPrice: toText(abs(entryPrice(p))),
        // The trader's loss: net of what the insurance fund took on.
        realisedPnl: toText(l.pnl + l.covered),
        marginBalance: toText(margin.marginBalance),
        maintenanceMargin: toText(margin.maintenanceMargin),
        ...(l.covered > 0n ? { insuranceFundCovered: toText(l.covered) } : {}),
      },
    },
  ];
};

/** Isolated positions are checked one by one; cross positions as one account (see account.ts). */
export const checkLiquidation = (
  c: Extract<AccountCommand, { kind: 'CheckLiquidation' }>,
  s: AccountState,
  ctx: AccountContext,
): AccountEvent[] => {
  const events: AccountEvent[] = [];
  const crossLegs: { p: PositionState; mark: Fixed }[] = [];
  for (const p of openPositionsOf(s)) {
    if (p.marginType === 'cross') {
      crossLegs.push({ p, mark: markOf(c.marks, p.symbol) });
      continue;
    }
    const mark = c.marks[p.symbol];
    if (mark === undefined) continue; // an isolated position without a new mark cannot have moved
    const m = parsePositive(mark, 'mark-price');
    const sum = marginSummary(p.isolatedWallet, [
      { instrument: ctx.instrument(p.symbol), position: p, mark: m },
    ]);
    if (breachesMaintenance(sum)) {
      const leg = legAt(p, m, p.isolatedWallet, ctx);
      cover([leg], p.isolatedWallet + leg.pnl - leg.fee);
      events.push(...liquidated(leg, sum, ctx));
    }
  }
  if (crossLegs.length > 0) {
    const sum = marginSummary(
      s.crossWallet,
      crossLegs.map(({ p, mark }) => ({ instrument: ctx.instrument(p.symbol), position: p, mark })),
    );
    if (breachesMaintenance(sum)) {
      // Binance liquidates a cross account as a whole when its margin ratio reaches 100%.
      let wallet = s.crossWallet;
      const legs = crossLegs.map(({ p, mark }) => {
        const leg = legAt(p, mark, wallet, ctx);
        wallet += leg.pnl - leg.fee;
        return leg;
      });
      cover(legs, wallet);
      for (const leg of legs) events.push(...liquidated(leg, sum, ctx));
    }
  }
  return events;
};
