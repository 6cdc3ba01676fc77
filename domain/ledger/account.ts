import { refuse } from './errors.js';
import type {
  AccountEvent,
  FeeChargedData,
  Liquidity,
  MarginType,
  OrderSide,
  PositionMode,
  PositionSide,
} from './events.js';
import {
  abs,
  canonicalText,
  type Fixed,
  fixed,
  max,
  min,
  mul,
  roundedProduct,
  roundTo,
  toText,
} from './fixed.js';
import { bracketFor, checkFillGrid, type Instrument } from './instrument.js';
import { breachesMaintenance, initialMargin, type MarginLeg, marginSummary } from './margin.js';
import { applyFill, entryPrice, notionalAt, type PositionAmount } from './position.js';
import type { VenueRules } from './venue.js';

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
export interface PositionState extends PositionAmount {
  readonly symbol: string;
  readonly side: PositionSide;
  readonly marginType: MarginType;
  readonly leverage: number;
  readonly isolatedWallet: Fixed;
}

export interface SymbolSettings {
  readonly leverage: number;
  readonly marginType: MarginType;
}

export interface LedgerTotals {
  deposits: Fixed;
  withdrawals: Fixed;
  realisedPnl: Fixed;
  fees: Fixed;
  funding: Fixed;
}

/**
 * Folded in place: `evolveAccount` updates the maps and sets of the state it is given and returns it.
 * Copying the settled-fill set on every fill would make a replay quadratic; callers treat a state they
 * passed to evolve as consumed. `decideAccount` never mutates.
 */
export interface AccountState {
  exists: boolean;
  accountId: string;
  venue: string;
  marginAsset: string;
  feeTier: string;
  positionMode: PositionMode;
  crossWallet: Fixed;
  readonly positions: Map<string, PositionState>;
  readonly settings: Map<string, SymbolSettings>;
  /**
   * Per order, the highest fillSeq booked. Fills are booked in fillSeq order (the order stream's order),
   * so this answers "already booked?" with one entry per order instead of one per fill.
   */
  readonly settledFills: Map<string, number>;
  readonly transfers: Set<string>;
  readonly lastFundingTime: Map<string, number>;
  readonly totals: LedgerTotals;
}

export const initialAccountState = (): AccountState => ({
  exists: false,
  accountId: '',
  venue: '',
  marginAsset: '',
  feeTier: '',
  positionMode: 'one-way',
  crossWallet: 0n,
  positions: new Map(),
  settings: new Map(),
  settledFills: new Map(),
  transfers: new Set(),
  lastFundingTime: new Map(),
  totals: { deposits: 0n, withdrawals: 0n, realisedPnl: 0n, fees: 0n, funding: 0n },
});

/** Binance's default for a symbol nobody configured: 20x cross, capped by the first bracket. */
export const DEFAULT_LEVERAGE = 20;

export const walletBalance = (s: AccountState): Fixed => {
  let w = s.crossWallet;
  for (const p of s.positions.values()) w += p.isolatedWallet;
  return w;
};

export const positionKey = (symbol: string, side: PositionSide): string => `${symbol}:${side}`;

export type AccountCommand =
  | {
      readonly kind: 'OpenAccount';
      readonly accountId: string;
      readonly venue: string;
      readonly marginAsset: string;
      readonly feeTier: string;
      readonly positionMode: PositionMode;
    }
  | { readonly kind: 'DepositFunds'; readonly transferId: string; readonly amount: string }
  | {
      readonly kind: 'WithdrawFunds';
      readonly transferId: string;
      readonly amount: string;
      readonly marks: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'SetPositionMode'; readonly positionMode: PositionMode }
  | { readonly kind: 'SetLeverage'; readonly symbol: string; readonly leverage: number }
  | { readonly kind: 'SetMarginType'; readonly symbol: string; readonly marginType: MarginType }
  | {
      readonly kind: 'SettleFill';
      readonly orderId: string;
      readonly fillSeq: number;
      readonly tradeId: string;
      readonly strategyId: string | null;
      readonly symbol: string;
      readonly side: OrderSide;
      readonly positionSide: PositionSide;
      readonly quantity: string;
      readonly price: string;
      readonly liquidity: Liquidity;
      readonly reduceOnly: boolean;
    }
  | {
      readonly kind: 'ApplyFunding';
      readonly symbol: string;
      readonly fundingTime: number;
      readonly rate: string;
      readonly markPrice: string;
    }
  | { readonly kind: 'CheckLiquidation'; readonly marks: Readonly<Record<string, string>> };

export interface AccountContext {
  readonly instrument: (symbol: string) => Instrument;
  readonly rules: VenueRules;
}

const parse = (text: string, what: string): Fixed => {
  try {
    return fixed(text);
  } catch {
    return refuse(`${what}-not-a-number`, `${what} ${JSON.stringify(text)} is not a plain decimal number`);
  }
};

const parsePositive = (text: string, what: string): Fixed => {
  const v = parse(text, what);
  if (v <= 0n) refuse(`${what}-must-be-positive`, `${what} ${text} must be > 0`);
  return v;
};

const parseMoney = (text: string, what: string, rules: VenueRules): Fixed => {
  const v = parsePositive(text, what);
  if (roundTo(v, rules.moneyDecimals, 'down') !== v) {
    refuse('amount-precision', `${what} ${text} has more than ${rules.moneyDecimals} decimal places`);
  }
  return v;
};

const settingsFor = (s: AccountState, symbol: string, inst: Instrument): SymbolSettings =>
  s.settings.get(symbol) ?? {
    leverage: Math.min(DEFAULT_LEVERAGE, inst.brackets[0]?.initialLeverage ?? DEFAULT_LEVERAGE),
    marginType: 'cross',
  };

const openPositionsOf = (s: AccountState, symbol?: string): PositionState[] =>
  [...s.positions.values()].filter((p) => p.qty !== 0n && (symbol === undefined || p.symbol === symbol));

const markOf = (marks: Readonly<Record<string, string>>, symbol: string): Fixed => {
  const m = marks[symbol];
  if (m === undefined) return refuse('mark-price-missing', `no mark price for ${symbol}`);
  return parsePositive(m, 'mark-price');
};

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

const feeEvent = (d: FeeChargedData): AccountEvent => ({ type: 'FeeCharged', data: d });

const settleFill = (
  c: Extract<AccountCommand, { kind: 'SettleFill' }>,
  s: AccountState,
  ctx: AccountContext,
): AccountEvent[] => {
  const booked = s.settledFills.get(c.orderId) ?? 0;
  if (c.fillSeq <= booked) return [];
  if (c.fillSeq !== booked + 1) {
    refuse(
      'fill-out-of-sequence',
      `fill ${c.fillSeq} of order ${c.orderId} before fill ${booked + 1} was booked`,
    );
  }
  const inst = ctx.instrument(c.symbol);
  const qty = parsePositive(c.quantity, 'fill-quantity');
  const price = parsePositive(c.price, 'fill-price');
  checkFillGrid(inst, price, qty);
  const hedge = s.positionMode === 'hedge';
  if (hedge === (c.positionSide === 'BOTH')) {
    refuse('position-side-mismatch', `positionSide ${c.positionSide} is not valid in ${s.positionMode} mode`);
  }
  const key = positionKey(c.symbol, c.positionSide);
  const settings = settingsFor(s, c.symbol, inst);
  const existing = s.positions.get(key);
  const pos: PositionState = existing ?? {
    symbol: c.symbol,
    side: c.positionSide,
    marginType: settings.marginType,
    leverage: settings.leverage,
    qty: 0n,
    cost: 0n,
    isolatedWallet: 0n,
  };
  const signed = c.side === 'BUY' ? qty : -qty;
  if (c.positionSide === 'LONG' && pos.qty + signed < 0n) {
    refuse(
      'hedge-position-cannot-flip',
      `selling ${c.quantity} would take the LONG ${c.symbol} position below zero`,
    );
  }
  if (c.positionSide === 'SHORT' && pos.qty + signed > 0n) {
    refuse(
      'hedge-position-cannot-flip',
      `buying ${c.quantity} would take the SHORT ${c.symbol} position above zero`,
    );
  }
  if (c.reduceOnly && (pos.qty === 0n || pos.qty > 0n === signed > 0n || abs(signed) > abs(pos.qty))) {
    refuse(
      'reduce-only-would-increase',
      `reduce-only fill of ${c.side} ${c.quantity} would open or increase ${c.symbol}`,
    );
  }
  const { rules } = ctx;
  const dp = rules.moneyDecimals;
  const outcome = applyFill(pos, signed, price);
  const realised = roundTo(outcome.realisedExact, dp, rules.pnlRounding);
  let isolatedDelta = 0n;
  if (pos.marginType === 'isolated') {
    const afterPnl = pos.isolatedWallet + realised;
    if (outcome.closed !== 0n) {
      const release =
        outcome.closed === pos.qty
          ? afterPnl
          : roundTo((afterPnl * abs(outcome.closed)) / abs(pos.qty), dp, 'down');
      isolatedDelta -= release;
    }
    if (outcome.opened !== 0n) {
      isolatedDelta += roundTo(
        initialMargin(mul(abs(outcome.opened), price), pos.leverage),
        dp,
        rules.marginRounding,
      );
    }
  }
  const tier = rules.feeTiers[s.feeTier];
  if (!tier) return refuse('unknown-fee-tier', `venue ${rules.venue} has no fee tier ${s.feeTier}`);
  const rate = c.liquidity === 'maker' ? tier.maker : tier.taker;
  const fee = roundedProduct([qty, price, rate], dp, rules.feeRounding);
  const after = outcome.position;
  return [
    {
      type: 'FillSettled',
      data: {
        orderId: c.orderId,
        fillSeq: c.fillSeq,
        tradeId: c.tradeId,
        strategyId: c.strategyId,
        symbol: c.symbol,
        side: c.side,
        positionSide: c.positionSide,
        marginType: pos.marginType,
        leverage: pos.leverage,
        quantity: canonicalText(c.quantity, qty),
        price: canonicalText(c.price, price),
        liquidity: c.liquidity,
        realisedPnl: toText(realised),
        isolatedMarginDelta: toText(isolatedDelta),
        positionQuantity: toText(after.qty),
        entryPrice: toText(abs(entryPrice(after))),
      },
    },
    feeEvent({
      reason: 'trade',
      symbol: c.symbol,
      positionSide: c.positionSide,
      orderId: c.orderId,
      tradeId: c.tradeId,
      strategyId: c.strategyId,
      notional: toText(mul(qty, price)),
      rate: toText(rate),
      amount: toText(fee),
      wallet: 'cross',
    }),
  ];
};

const applyFunding = (
  c: Extract<AccountCommand, { kind: 'ApplyFunding' }>,
  s: AccountState,
  ctx: AccountContext,
): AccountEvent[] => {
  if (!Number.isSafeInteger(c.fundingTime) || c.fundingTime < 0) {
    refuse('funding-time-invalid', `fundingTime ${c.fundingTime} must be a non-negative integer (epoch ms)`);
  }
  const last = s.lastFundingTime.get(c.symbol);
  if (last !== undefined && c.fundingTime <= last) return [];
  const rate = parse(c.rate, 'funding-rate');
  const mark = parsePositive(c.markPrice, 'mark-price');
  const { rules } = ctx;
  return openPositionsOf(s, c.symbol).map((p) => ({
    type: 'FundingPaid',
    data: {
      symbol: c.symbol,
      positionSide: p.side,
      marginType: p.marginType,
      fundingTime: c.fundingTime,
      rate: canonicalText(c.rate, rate),
      markPrice: canonicalText(c.markPrice, mark),
      positionQuantity: toText(p.qty),
      // Binance: funding = position notional at mark × rate; longs pay shorts when the rate is positive.
      amount: toText(roundedProduct([-p.qty, mark, rate], rules.moneyDecimals, rules.fundingRounding)),
    },
  }));
};

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

const checkLiquidation = (
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
    case 'SettleFill':
      return settleFill(command, s, ctx);
    case 'ApplyFunding':
      return applyFunding(command, s, ctx);
    case 'CheckLiquidation':
      return checkLiquidation(command, s, ctx);
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
        ...pos,
        qty: outcome.position.qty,
        cost: outcome.position.cost,
        isolatedWallet: pos.isolatedWallet + (isolated ? realised : 0n) + delta,
      };
      if (next.qty === 0n && next.isolatedWallet === 0n) s.positions.delete(key);
      else s.positions.set(key, next);
      s.totals.realisedPnl += realised;
      s.settledFills.set(d.orderId, d.fillSeq);
      return s;
    }
    case 'FeeCharged': {
      const a = fixed(e.data.amount);
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

export const accountStreamId = (venue: string, accountId: string): string => `account-${venue}:${accountId}`;
