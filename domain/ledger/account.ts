import { accountMargin } from './account-margin.js';
import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  DEFAULT_LEVERAGE,
  feeEvent,
  openPositionsOf,
  type PositionState,
  parseFee,
  parseMoney,
  parsePositive,
  positionKey,
  settingsFor,
} from './account-state.js';
import { refuse } from './errors.js';
import type { AccountEvent } from './events.js';
import { abs, div, type Fixed, fixed, min, roundTo, toText } from './fixed.js';
import { applyFunding } from './funding.js';
import { bracketFor } from './instrument.js';
import { checkLiquidation } from './liquidation.js';
import { applyFill } from './position.js';
import { handOverPosition, positionMoveId, takeOverPosition } from './position-move.js';
import { settleFill } from './settle-fill.js';

/**
 * The account aggregate (stream `account-<venue>:<accountId>`): the ledger proper. Everything that moves
 * money or exposure is one of its events, so the wallet can be re-derived from the stream alone and
 * reconciles exactly: Δ wallet = deposits − withdrawals + realised PnL − fees + funding.
 *
 * Wallets: `crossWallet` backs cross positions; each isolated position has its own `isolatedWallet`.
 * The wallet balance is their sum, and moves between them (isolated margin put up or released) net to 0.
 * Booking rules (Binance, kept where the venue rules cannot express them):
 * - trade fees come from the cross wallet; funding and the liquidation fee of an isolated position come
 *   from its isolated wallet;
 * - an isolated position's realised PnL lands in its isolated wallet, then the released share of that
 *   wallet returns to cross (all of it on a full close or flip);
 * - a liquidation closes the whole position at the mark price; the liquidation fee is
 *   notional × the symbol's liquidationFee, capped at what margin is left so the fee never creates debt.
 *   A loss beyond the margin (a gap through the bankruptcy price) is not socialised: the account shows it.
 */

export { type AccountMargin, accountMargin, checkPositionLimit } from './account-margin.js';
export {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  accountStreamId,
  DEFAULT_LEVERAGE,
  initialAccountState,
  type LedgerTotals,
  type OtherAssetFees,
  type PositionState,
  positionKey,
  type SymbolSettings,
  walletBalance,
} from './account-state.js';

/** A commission rate this large is a mistake (Binance's are a few basis points). */
const MAX_FEE_RATE = fixed('0.01');

/**
 * An account's own commission rates, as SetFeeRates takes them (a caller checking a run's settings
 * before it starts asks the same). Throws LedgerRuleError naming what is wrong.
 */
export const parseFeeRates = (
  symbol: string,
  makerText: string,
  takerText: string,
): { maker: Fixed; taker: Fixed } => {
  const rate = (text: string, which: 'maker' | 'taker'): Fixed => {
    let r: Fixed;
    try {
      r = fixed(text);
    } catch {
      return refuse('fee-rate-format', `${symbol} ${which} rate ${JSON.stringify(text)} is not a decimal`);
    }
    // Venues' rates are a few basis points. Only a maker is paid a rebate (a negative rate).
    const least = which === 'maker' ? -MAX_FEE_RATE : 0n;
    if (r <= least || r >= MAX_FEE_RATE)
      refuse(
        'fee-rate-out-of-range',
        `${symbol} ${which} rate ${text} must be in ${which === 'maker' ? '(-0.01' : '[0'}, 0.01)`,
      );
    return r;
  };
  const maker = rate(makerText, 'maker');
  const taker = rate(takerText, 'taker');
  // Every venue's rebate tier pays a maker less than it takes from the taker of the same trade; a
  // schedule that did not would let an account earn by trading with itself, so it is a misreading.
  if (maker + taker < 0n)
    refuse(
      'fee-rate-rebate-above-taker',
      `${symbol} maker rebate ${makerText} is larger than the taker rate ${takerText}`,
    );
  return { maker, taker };
};

export const decideAccount = (
  command: AccountCommand,
  s: AccountState,
  ctx: AccountContext,
): AccountEvent[] => {
  if (command.kind === 'OpenAccount') {
    if (s.exists) {
      if (s.accountId === command.accountId && s.venue === command.venue) return [];
      return refuse('account-already-open', `account stream already holds ${s.venue}:${s.accountId}`);
    }
    if (command.venue !== ctx.rules.venue) {
      refuse('venue-rules-mismatch', `account venue ${command.venue} but rules are for ${ctx.rules.venue}`);
    }
    if (!ctx.rules.feeTiers[command.feeTier])
      refuse('unknown-fee-tier', `${command.venue} has no fee tier ${command.feeTier}`);
    const { kind: _k, ...data } = command;
    return [{ type: 'AccountOpened', data }];
  }
  if (!s.exists) return refuse('account-not-open', `account is not open (command ${command.kind})`);
  switch (command.kind) {
    case 'DepositFunds': {
      if (s.transfers.has(command.transferId)) return [];
      const amount = parseMoney(command.amount, 'deposit-amount', ctx.rules);
      return [{ type: 'FundsDeposited', data: { transferId: command.transferId, amount: toText(amount) } }];
    }
    case 'WithdrawFunds': {
      if (s.transfers.has(command.transferId)) return [];
      const amount = parseMoney(command.amount, 'withdraw-amount', ctx.rules);
      const m = accountMargin(s, command.marks, ctx);
      const limit = min(m.availableBalance, s.crossWallet);
      if (amount > limit) {
        refuse(
          'insufficient-available-balance',
          `withdrawal ${command.amount} exceeds the ${toText(limit)} available`,
        );
      }
      return [{ type: 'FundsWithdrawn', data: { transferId: command.transferId, amount: toText(amount) } }];
    }
    case 'SetPositionMode': {
      if (s.positionMode === command.positionMode) return [];
      if (openPositionsOf(s).length > 0) {
        refuse(
          'position-mode-change-with-open-positions',
          'close every position before changing the position mode',
        );
      }
      return [{ type: 'PositionModeSet', data: { positionMode: command.positionMode } }];
    }
    case 'SetLeverage': {
      const inst = ctx.instrument(command.symbol);
      if (!Number.isInteger(command.leverage) || command.leverage < 1) {
        refuse('leverage-invalid', `leverage ${command.leverage} must be a whole number ≥ 1`);
      }
      let notional = 0n;
      for (const p of openPositionsOf(s, command.symbol)) notional += abs(p.cost);
      const maxAllowed = bracketFor(inst, notional).initialLeverage;
      if (command.leverage > maxAllowed) {
        refuse(
          'leverage-exceeds-bracket',
          `${command.symbol} allows at most ${maxAllowed}x for a ${toText(notional)} notional, not ${command.leverage}x`,
        );
      }
      if (
        settingsFor(s, command.symbol, inst).leverage === command.leverage &&
        s.settings.has(command.symbol)
      )
        return [];
      return [
        { type: 'LeverageSet', data: { symbol: command.symbol, leverage: command.leverage, maxAllowed } },
      ];
    }
    case 'SetMarginType': {
      const inst = ctx.instrument(command.symbol);
      if (settingsFor(s, command.symbol, inst).marginType === command.marginType) return [];
      if (openPositionsOf(s, command.symbol).length > 0) {
        refuse(
          'margin-type-change-with-open-position',
          `close the ${command.symbol} position before changing its margin type`,
        );
      }
      return [{ type: 'MarginTypeSet', data: { symbol: command.symbol, marginType: command.marginType } }];
    }
    case 'SetFeeRates': {
      ctx.instrument(command.symbol);
      const { maker, taker } = parseFeeRates(command.symbol, command.makerRate, command.takerRate);
      const cur = s.feeRates.get(command.symbol);
      if (cur !== undefined && cur.maker === maker && cur.taker === taker) return [];
      return [
        {
          type: 'FeeRatesSet',
          data: { symbol: command.symbol, makerRate: toText(maker), takerRate: toText(taker) },
        },
      ];
    }
    case 'SettleFill':
      return settleFill(command, s, ctx);
    case 'HandOverPosition':
      return handOverPosition(command, s);
    case 'TakeOverPosition':
      return takeOverPosition(command, s, ctx);
    case 'ApplyFunding':
      return applyFunding(command, s, ctx);
    case 'CheckLiquidation':
      return checkLiquidation(command, s, ctx);
    case 'ChargeClearanceFee': {
      const amount = parseFee(command.amount, ctx.rules);
      const notional = parsePositive(command.notional, 'clearance-notional');
      return [
        feeEvent({
          reason: 'liquidation',
          symbol: command.symbol,
          positionSide: command.positionSide,
          orderId: command.orderId,
          tradeId: null,
          strategyId: command.strategyId,
          notional: toText(notional),
          // What the exchange's figure works out to on the notional, to 8 places (as a venue-priced fill's).
          rate: toText(roundTo(div(amount, notional), 8, 'half-even')),
          amount: toText(amount),
          // The liquidated position is gone: the fee comes out of the cross wallet.
          wallet: 'cross',
          source: 'venue',
        }),
      ];
    }
  }
};

const withIsolated = (p: PositionState, delta: Fixed): PositionState => ({
  ...p,
  isolatedWallet: p.isolatedWallet + delta,
});

export const evolveAccount = (s: AccountState, e: AccountEvent): AccountState => {
  switch (e.type) {
    case 'AccountOpened':
      s.exists = true;
      s.accountId = e.data.accountId;
      s.venue = e.data.venue;
      s.marginAsset = e.data.marginAsset;
      s.feeTier = e.data.feeTier;
      s.positionMode = e.data.positionMode;
      return s;
    case 'FundsDeposited': {
      const a = fixed(e.data.amount);
      s.crossWallet += a;
      s.totals.deposits += a;
      s.transfers.add(e.data.transferId);
      return s;
    }
    case 'FundsWithdrawn': {
      const a = fixed(e.data.amount);
      s.crossWallet -= a;
      s.totals.withdrawals += a;
      s.transfers.add(e.data.transferId);
      return s;
    }
    case 'PositionModeSet':
      s.positionMode = e.data.positionMode;
      return s;
    case 'LeverageSet': {
      // Binance applies a leverage change to the open position at once: its initial margin (and, for an
      // isolated position, the margin any increase puts up) follows the new leverage.
      for (const [key, p] of s.positions) {
        if (p.symbol === e.data.symbol) s.positions.set(key, { ...p, leverage: e.data.leverage });
      }
      const cur = s.settings.get(e.data.symbol);
      s.settings.set(e.data.symbol, { marginType: cur?.marginType ?? 'cross', leverage: e.data.leverage });
      return s;
    }
    case 'MarginTypeSet': {
      const cur = s.settings.get(e.data.symbol);
      s.settings.set(e.data.symbol, {
        leverage: cur?.leverage ?? DEFAULT_LEVERAGE,
        marginType: e.data.marginType,
      });
      return s;
    }
    case 'FeeRatesSet':
      s.feeRates.set(e.data.symbol, { maker: fixed(e.data.makerRate), taker: fixed(e.data.takerRate) });
      return s;
    case 'FillSettled': {
      const d = e.data;
      const key = positionKey(d.symbol, d.positionSide);
      const pos: PositionState = s.positions.get(key) ?? {
        symbol: d.symbol,
        side: d.positionSide,
        marginType: d.marginType,
        leverage: d.leverage,
        qty: 0n,
        cost: 0n,
        isolatedWallet: 0n,
      };
      const qty = fixed(d.quantity);
      const outcome = applyFill(pos, d.side === 'BUY' ? qty : -qty, fixed(d.price));
      const realised = fixed(d.realisedPnl);
      const delta = fixed(d.isolatedMarginDelta);
      const isolated = pos.marginType === 'isolated';
      s.crossWallet += (isolated ? 0n : realised) - delta;
      const next: PositionState = {
        symbol: pos.symbol,
        side: pos.side,
        marginType: pos.marginType,
        leverage: pos.leverage,
        qty: outcome.position.qty,
        cost: outcome.position.cost,
        isolatedWallet: isolated ? pos.isolatedWallet + realised + delta : pos.isolatedWallet + delta,
      };
      if (next.qty === 0n && next.isolatedWallet === 0n) s.positions.delete(key);
      else s.positions.set(key, next);
      s.totals.realisedPnl += realised;
      s.settledFills.set(d.orderId, d.fillSeq);
      return s;
    }
    case 'FeeCharged': {
      const a = fixed(e.data.amount);
      const paidIn = e.data.paidIn;
      if (paidIn !== undefined) {
        // Paid in another asset: the wallet did not move; what it cost is kept beside the totals.
        const o = s.otherAssetFees.get(paidIn.asset);
        const paid = fixed(paidIn.amount);
        if (o === undefined) s.otherAssetFees.set(paidIn.asset, { paid, worth: a });
        else {
          o.paid += paid;
          o.worth += a;
        }
        return s;
      }
      s.totals.fees += a;
      const key = positionKey(e.data.symbol, e.data.positionSide);
      const pos = s.positions.get(key);
      if (e.data.wallet === 'isolated' && pos) s.positions.set(key, withIsolated(pos, -a));
      else s.crossWallet -= a;
      return s;
    }
    case 'FundingPaid': {
      const a = fixed(e.data.amount);
      s.totals.funding += a;
      s.lastFundingTime.set(e.data.symbol, e.data.fundingTime);
      const key = positionKey(e.data.symbol, e.data.positionSide);
      const pos = s.positions.get(key);
      if (e.data.marginType === 'isolated' && pos) s.positions.set(key, withIsolated(pos, a));
      else s.crossWallet += a;
      return s;
    }
    case 'PositionHandedOver': {
      const d = e.data;
      s.positions.delete(positionKey(d.symbol, d.positionSide));
      s.transfers.add(positionMoveId(s.accountId, d.toAccount, d.symbol, d.positionSide));
      return s;
    }
    case 'PositionTakenOver': {
      const d = e.data;
      const set = s.settings.get(d.symbol);
      s.positions.set(positionKey(d.symbol, d.positionSide), {
        symbol: d.symbol,
        side: d.positionSide,
        marginType: 'cross',
        leverage: set?.leverage ?? DEFAULT_LEVERAGE,
        qty: fixed(d.quantity),
        cost: fixed(d.cost),
        isolatedWallet: 0n,
      });
      s.transfers.add(positionMoveId(d.fromAccount, s.accountId, d.symbol, d.positionSide));
      return s;
    }
    case 'PositionLiquidated': {
      const realised = fixed(e.data.realisedPnl);
      const key = positionKey(e.data.symbol, e.data.positionSide);
      const pos = s.positions.get(key);
      s.totals.realisedPnl += realised;
      // Whatever the isolated wallet still holds after the loss returns to cross; the position is gone.
      s.crossWallet += realised + (pos?.isolatedWallet ?? 0n);
      s.positions.delete(key);
      return s;
    }
  }
};
