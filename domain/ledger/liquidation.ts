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

const liquidate = (
  p: PositionState,
  mark: Fixed,
  margin: { marginBalance: Fixed; maintenanceMargin: Fixed },
  walletLeft: Fixed,
  ctx: AccountContext,
): { events: AccountEvent[]; walletAfter: Fixed } => {
  const inst = ctx.instrument(p.symbol);
  const dp = ctx.rules.moneyDecimals;
  const realised = roundTo(applyFill(p, -p.qty, mark).realisedExact, dp, ctx.rules.pnlRounding);
  const notional = notionalAt(p, mark);
  const fullFee = roundedProduct([abs(p.qty), mark, inst.liquidationFeeRate], dp, ctx.rules.feeRounding);
  const left = max(0n, walletLeft + realised);
  const fee = min(fullFee, left);
  return {
    walletAfter: walletLeft + realised - fee,
    events: [
      feeEvent({
        reason: 'liquidation',
        symbol: p.symbol,
        positionSide: p.side,
        orderId: null,
        tradeId: null,
        strategyId: null,
        notional: toText(notional),
        rate: toText(inst.liquidationFeeRate),
        amount: toText(fee),
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
          realisedPnl: toText(realised),
          marginBalance: toText(margin.marginBalance),
          maintenanceMargin: toText(margin.maintenanceMargin),
        },
      },
    ],
  };
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
    if (breachesMaintenance(sum)) events.push(...liquidate(p, m, sum, p.isolatedWallet, ctx).events);
  }
  if (crossLegs.length > 0) {
    const sum = marginSummary(
      s.crossWallet,
      crossLegs.map(({ p, mark }) => ({ instrument: ctx.instrument(p.symbol), position: p, mark })),
    );
    if (breachesMaintenance(sum)) {
      // Binance liquidates a cross account as a whole when its margin ratio reaches 100%.
      let wallet = s.crossWallet;
      for (const { p, mark } of crossLegs) {
        const r = liquidate(p, mark, sum, wallet, ctx);
        wallet = r.walletAfter;
        events.push(...r.events);
      }
    }
  }
  return events;
};
