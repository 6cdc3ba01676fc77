import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  decideAccount,
  evolveAccount,
  initialAccountState,
  walletBalance,
} from './account.js';
import type { AccountEvent } from './events.js';
import { type Fixed, fixed, toText } from './fixed.js';
import { instrument, ruleOf } from './test-fixtures.js';
import { binanceUsdm } from './venue.js';

const ctx: AccountContext = { instrument, rules: binanceUsdm };

const account = (id: string): AccountState => {
  const s = initialAccountState();
  book(s, {
    kind: 'OpenAccount',
    accountId: id,
    venue: 'binance',
    marginAsset: 'USDT',
    feeTier: 'VIP0',
    positionMode: 'one-way',
  });
  book(s, { kind: 'DepositFunds', transferId: `d-${id}`, amount: '100000' });
  return s;
};

function book(s: AccountState, c: AccountCommand): AccountEvent[] {
  const out = decideAccount(c, s, ctx);
  for (const e of out) evolveAccount(s, e);
  return out;
}

let seq = 0;
const fill = (side: 'BUY' | 'SELL', quantity: string, price: string): AccountCommand => {
  seq++;
  return {
    kind: 'SettleFill',
    orderId: `o${seq}`,
    fillSeq: 1,
    tradeId: `t${seq}`,
    strategyId: 'ema-cross',
    symbol: 'BTCUSDT',
    side,
    positionSide: 'BOTH',
    quantity,
    price,
    liquidity: 'taker',
    reduceOnly: false,
  };
};

const handOver = (to: string): AccountCommand => ({
  kind: 'HandOverPosition',
  symbol: 'BTCUSDT',
  positionSide: 'BOTH',
  strategyId: 'ema-cross',
  toAccount: to,
});

/** The take-over of exactly what a hand-over event says. */
const takeOver = (from: string, handed: AccountEvent): AccountCommand => {
  if (handed.type !== 'PositionHandedOver') throw new Error(`not a hand-over: ${handed.type}`);
  return {
    kind: 'TakeOverPosition',
    symbol: handed.data.symbol,
    positionSide: handed.data.positionSide,
    strategyId: handed.data.strategyId,
    quantity: handed.data.quantity,
    cost: handed.data.cost,
    fromAccount: from,
  };
};

/** Δ wallet = deposits − withdrawals + realised PnL − fees + funding, exactly. */
const reconciles = (s: AccountState): boolean => {
  const t = s.totals;
  return walletBalance(s) === t.deposits - t.withdrawals + t.realisedPnl - t.fees + t.funding;
};

const held = (s: AccountState): Fixed => s.positions.get('BTCUSDT:BOTH')?.qty ?? 0n;

describe('a position moved between two runs’ accounts', () => {
  it('moves at its cost: the run that takes it over realises what the first would have (worked example)', () => {
    const a = account('run-a');
    book(a, fill('BUY', '0.5', '20000'));
    book(a, fill('BUY', '0.25', '21000'));
    const walletBefore = walletBalance(a);
    const [handed] = book(a, handOver('run-b'));
    expect(handed).toEqual({
      type: 'PositionHandedOver',
      data: {
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        strategyId: 'ema-cross',
        quantity: '0.75',
        cost: '15250',
        entryPrice: '20333.33333333',
        toAccount: 'run-b',
      },
    });
    // Nothing realised, no fee, the wallet unmoved; the position is gone from the account.
    expect(walletBalance(a)).toBe(walletBefore);
    expect(held(a)).toBe(0n);
    const b = account('run-b');
    const [taken] = book(b, takeOver('run-a', handed!));
    expect(taken).toMatchObject({
      type: 'PositionTakenOver',
      data: { quantity: '0.75', cost: '15250', fromAccount: 'run-a' },
    });
    expect(walletBalance(b)).toBe(fixed('100000'));
    // Closing at 22,000 realises 0.75 × 22,000 − 15,250 = 1,250, as a sale by run-a would have.
    const [settled] = book(b, fill('SELL', '0.75', '22000'));
    expect(settled).toMatchObject({
      type: 'FillSettled',
      data: { realisedPnl: '1250', positionQuantity: '0' },
    });
    expect(reconciles(a) && reconciles(b)).toBe(true);
  });

  it('is booked once: the same hand-over or take-over again decides nothing', () => {
    const a = account('run-a');
    book(a, fill('SELL', '0.1', '20000'));
    const [handed] = book(a, handOver('run-b'));
    expect(decideAccount(handOver('run-b'), a, ctx)).toEqual([]);
    const b = account('run-b');
    book(b, takeOver('run-a', handed!));
    expect(decideAccount(takeOver('run-a', handed!), b, ctx)).toEqual([]);
    expect(held(b)).toBe(fixed('-0.1'));
  });

  it('refuses what would not be a whole cross position moved between two accounts, naming the rule', () => {
    const a = account('run-a');
    expect(ruleOf(() => decideAccount(handOver('run-b'), a, ctx))).toBe('hand-over-nothing');
    book(a, fill('BUY', '0.1', '20000'));
    expect(ruleOf(() => decideAccount(handOver('run-a'), a, ctx))).toBe('position-move-to-itself');
    const b = account('run-b');
    const take = (over: Partial<AccountCommand>, on = b) =>
      ruleOf(() =>
        decideAccount(
          {
            kind: 'TakeOverPosition',
            symbol: 'BTCUSDT',
            positionSide: 'BOTH',
            strategyId: null,
            quantity: '0.1',
            cost: '2000',
            fromAccount: 'run-a',
            ...over,
          } as AccountCommand,
          on,
          ctx,
        ),
      );
    expect(take({})).toBe('no error');
    expect(take({ quantity: '0.0001' })).toBe('quantity-off-step');
    expect(take({ quantity: '0' })).toBe('take-over-nothing');
    expect(take({ cost: '-2000' })).toBe('take-over-cost-sign');
    expect(take({ cost: 'x' })).toBe('take-over-cost-not-a-number');
    expect(take({ positionSide: 'LONG' })).toBe('position-side-mode');
    expect(take({ fromAccount: 'run-b' })).toBe('position-move-to-itself');
    book(b, fill('BUY', '0.1', '20000'));
    expect(take({})).toBe('take-over-position-open');
    const c = account('run-c');
    book(c, { kind: 'SetMarginType', symbol: 'BTCUSDT', marginType: 'isolated' });
    expect(take({}, c)).toBe('position-move-isolated');
    book(c, fill('BUY', '0.1', '20000'));
    expect(ruleOf(() => decideAccount(handOver('run-d'), c, ctx))).toBe('position-move-isolated');
  });

  it('changes nothing a single account would have booked: the two runs together realise and pay what one would (property)', () => {
    // Whole lots of 0.001 BTC and whole dollars keep the draws on the instrument's grids.
    const trade = fc.record({
      lots: fc.integer({ min: -400, max: 400 }).filter((n) => n !== 0),
      price: fc.integer({ min: 15_000, max: 30_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(trade, { minLength: 1, maxLength: 8 }),
        fc.array(trade, { maxLength: 8 }),
        (before, after) => {
          const one = account('one');
          const a = account('run-a');
          const b = account('run-b');
          const apply = (s: AccountState, t: { lots: number; price: number }) =>
            book(
              s,
              fill(
                t.lots > 0 ? 'BUY' : 'SELL',
                toText(fixed(String(Math.abs(t.lots))) / 1000n),
                String(t.price),
              ),
            );
          for (const t of before) {
            apply(one, t);
            apply(a, t);
          }
          if (held(a) !== 0n) book(b, takeOver('run-a', book(a, handOver('run-b'))[0]!));
          for (const t of after) {
            apply(one, t);
            apply(b, t);
          }
          expect(held(a)).toBe(0n);
          expect(held(b)).toBe(held(one));
          expect(b.positions.get('BTCUSDT:BOTH')?.cost ?? 0n).toBe(
            one.positions.get('BTCUSDT:BOTH')?.cost ?? 0n,
          );
          expect(a.totals.realisedPnl + b.totals.realisedPnl).toBe(one.totals.realisedPnl);
          expect(a.totals.fees + b.totals.fees).toBe(one.totals.fees);
          expect(reconciles(a) && reconciles(b)).toBe(true);
        },
      ),
    );
  });
});
