import { describe, expect, it } from 'vitest';
import {
  type AccountCommand,
  type AccountContext,
  type AccountState,
  accountMargin,
  checkPositionLimit,
  decideAccount,
  evolveAccount,
  initialAccountState,
  walletBalance,
} from './account.js';
import type { LedgerRuleError } from './errors.js';
import type { AccountEvent } from './events.js';
import { fixed, toText } from './fixed.js';
import { instrument, ruleOf } from './test-fixtures.js';
import { binanceUsdm } from './venue.js';

const ctx: AccountContext = { instrument, rules: binanceUsdm };

const run = (commands: AccountCommand[], s: AccountState = initialAccountState()) => {
  const events: AccountEvent[] = [];
  for (const c of commands) {
    const out = decideAccount(c, s, ctx);
    for (const e of out) evolveAccount(s, e);
    events.push(...out);
  }
  return { s, events };
};

const open = (mode: 'one-way' | 'hedge' = 'one-way', deposit = '10000'): AccountCommand[] => [
  {
    kind: 'OpenAccount',
    accountId: 'a1',
    venue: 'binance',
    marginAsset: 'USDT',
    feeTier: 'VIP0',
    positionMode: mode,
  },
  { kind: 'DepositFunds', transferId: 'd1', amount: deposit },
];

let seq = 0;
const fill = (
  side: 'BUY' | 'SELL',
  quantity: string,
  price: string,
  over: Partial<Extract<AccountCommand, { kind: 'SettleFill' }>> = {},
): AccountCommand => {
  seq++;
  return {
    kind: 'SettleFill',
    orderId: `o${seq}`,
    fillSeq: 1,
    tradeId: `t${seq}`,
    strategyId: null,
    symbol: 'BTCUSDT',
    side,
    positionSide: 'BOTH',
    quantity,
    price,
    liquidity: 'taker',
    reduceOnly: false,
    ...over,
  };
};

type DataOf<T extends AccountEvent['type']> = Extract<AccountEvent, { type: T }>['data'];
const dataOf = <T extends AccountEvent['type']>(events: AccountEvent[], type: T) =>
  events.flatMap((e) => (e.type === type ? [e.data] : [])) as DataOf<T>[];

describe('account: fees, PnL, funding (worked examples)', () => {
  /*
   * Binance USDⓈ-M trading fees (https://www.binance.com/en/support/faq/360033544231): fee = notional × rate,
   * notional = price × quantity; regular user (VIP0) maker 0.0200%, taker 0.0500% (https://www.binance.com/en/fee/futureFee).
   */
  it('charges taker and maker fees on the notional', () => {
    const { events } = run([
      ...open(),
      fill('BUY', '0.01', '30000'),
      fill('SELL', '0.01', '30000', { liquidity: 'maker' }),
    ]);
    expect(dataOf(events, 'FeeCharged').map((f) => f.amount)).toEqual(['0.15', '0.06']);
  });

  it('charges the fee a live venue reports for the fill, to the unit, instead of the tier’s', () => {
    // A VIP 1 account (taker 0.0400 %): Binance took 0.12 on a 300 USDT fill the VIP 0 tier prices at 0.15.
    const { s, events } = run([...open(), fill('BUY', '0.01', '30000', { fee: '0.12' })]);
    expect(dataOf(events, 'FeeCharged')).toEqual([
      expect.objectContaining({ notional: '300', amount: '0.12', rate: '0.0004', source: 'venue' }),
    ]);
    expect(toText(s.totals.fees)).toBe('0.12');
    expect(toText(walletBalance(s))).toBe('9999.88');
    // The tier's fee carries no source; a fee of 0 (a promotion) is booked as 0.
    const zero = run([...open(), fill('BUY', '0.01', '30000', { fee: '0' })]);
    expect(dataOf(zero.events, 'FeeCharged')[0]).toMatchObject({ amount: '0', rate: '0', source: 'venue' });
    expect(dataOf(run([...open(), fill('BUY', '0.01', '30000')]).events, 'FeeCharged')[0]).not.toHaveProperty(
      'source',
    );
    const st = run(open()).s;
    expect(ruleOf(() => decideAccount(fill('BUY', '0.01', '30000', { fee: '-0.06' }), st, ctx))).toBe(
      'fee-negative',
    );
    expect(ruleOf(() => decideAccount(fill('BUY', '0.01', '30000', { fee: '0.000000001' }), st, ctx))).toBe(
      'amount-precision',
    );
    expect(ruleOf(() => decideAccount(fill('BUY', '0.01', '30000', { fee: 'lots' }), st, ctx))).toBe(
      'fee-not-a-number',
    );
  });

  /*
   * With "Using BNB deduction" on, Binance takes USDⓈ-M fees in BNB at 10 % off
   * (https://www.binance.com/en/fee/futureFee, https://www.binance.com/en/support/faq/115000583311): the
   * fill's commissionAsset is BNB and the USDT wallet does not move.
   */
  it('books a commission paid in BNB as paid in BNB: the wallet does not move, and the fee is worth the tier less 10 %', () => {
    const { s, events } = run([
      ...open(),
      // 0.01 × 30,000 = 300 USDT at taker 0.05 % = 0.15 USDT, 10 % off = 0.135 USDT: 0.00045 BNB at 300.
      fill('BUY', '0.01', '30000', { fee: '0.00045', feeAsset: 'BNB' }),
      fill('SELL', '0.01', '30100', { fee: '0.1505', feeAsset: 'USDT' }),
    ]);
    expect(dataOf(events, 'FeeCharged')).toEqual([
      expect.objectContaining({
        notional: '300',
        rate: '0.00045',
        amount: '0.135',
        source: 'venue',
        paidIn: { asset: 'BNB', amount: '0.00045' },
      }),
      expect.objectContaining({ notional: '301', amount: '0.1505', rate: '0.0005', source: 'venue' }),
    ]);
    expect(dataOf(events, 'FeeCharged')[1]).not.toHaveProperty('paidIn');
    // The wallet paid the USDT fee only: Δ wallet = realised PnL − fees (in USDT) exactly.
    expect(toText(s.totals.fees)).toBe('0.1505');
    expect(toText(walletBalance(s))).toBe(toText(fixed('10000') + fixed('1') - fixed('0.1505')));
    expect(s.otherAssetFees.get('BNB')).toEqual({ paid: fixed('0.00045'), worth: fixed('0.135') });
    const st = run(open()).s;
    expect(
      ruleOf(() =>
        decideAccount(fill('BUY', '0.01', '30000', { fee: '0.00045', feeAsset: 'bnb!' }), st, ctx),
      ),
    ).toBe('fee-asset-format');
    // An asset the venue gives no discount for is worth the tier's full rate.
    const other = run([...open(), fill('BUY', '0.01', '30000', { fee: '0.2', feeAsset: 'BFUSD' })]);
    expect(dataOf(other.events, 'FeeCharged')[0]).toMatchObject({ amount: '0.15', rate: '0.0005' });
  });

  /*
   * Binance USDⓈ-M fee rates (https://www.binance.com/en/fee/futureFee): VIP 0 pays maker 0.0200 % / taker
   * 0.0500 %, VIP 1 maker 0.0160 % / taker 0.0400 %. An account's own rates are what GET
   * /fapi/v1/commissionRate lists for a symbol; BNB deduction takes 10 % off them.
   */
  it('charges and prices fees at the account’s own rates once they are set, its tier’s before', () => {
    const vip1 = {
      kind: 'SetFeeRates',
      symbol: 'BTCUSDT',
      makerRate: '0.00016',
      takerRate: '0.0004',
    } as const;
    const { s, events } = run([
      ...open(),
      vip1,
      // Setting the same rates again records nothing.
      vip1,
      // A simulated fill: 0.01 × 30,000 = 300 at the VIP 1 taker 0.04 % = 0.12 (the tier would charge 0.15).
      fill('BUY', '0.01', '30000'),
      // In BNB: worth 300 × 0.04 % less 10 % = 0.108 (the tier's rate would price it at 0.135).
      fill('SELL', '0.01', '30000', { fee: '0.00036', feeAsset: 'BNB' }),
    ]);
    expect(dataOf(events, 'FeeRatesSet')).toEqual([
      { symbol: 'BTCUSDT', makerRate: '0.00016', takerRate: '0.0004' },
    ]);
    expect(dataOf(events, 'FeeCharged')).toEqual([
      expect.objectContaining({ notional: '300', rate: '0.0004', amount: '0.12' }),
      expect.objectContaining({
        notional: '300',
        rate: '0.00036',
        amount: '0.108',
        paidIn: { asset: 'BNB', amount: '0.00036' },
      }),
    ]);
    expect(toText(s.totals.fees)).toBe('0.12');
    // Another symbol still pays the tier's.
    const eth = run([...open(), vip1, fill('BUY', '0.1', '2000', { symbol: 'ETHUSDT' })]);
    expect(dataOf(eth.events, 'FeeCharged')[0]).toMatchObject({ rate: '0.0005', amount: '0.1' });
    const st = run(open()).s;
    expect(ruleOf(() => decideAccount({ ...vip1, takerRate: '0.05' }, st, ctx))).toBe(
      'fee-rate-out-of-range',
    );
    expect(ruleOf(() => decideAccount({ ...vip1, takerRate: '-0.0001' }, st, ctx))).toBe(
      'fee-rate-out-of-range',
    );
    expect(ruleOf(() => decideAccount({ ...vip1, makerRate: '-0.01' }, st, ctx))).toBe(
      'fee-rate-out-of-range',
    );
    expect(ruleOf(() => decideAccount({ ...vip1, makerRate: '-0.0005' }, st, ctx))).toBe(
      'fee-rate-rebate-above-taker',
    );
    expect(ruleOf(() => decideAccount({ ...vip1, makerRate: 'cheap' }, st, ctx))).toBe('fee-rate-format');
    expect(ruleOf(() => decideAccount({ ...vip1, symbol: 'NOPEUSDT' }, st, ctx))).toBe('unknown-symbol');
  });

  /*
   * A rebate tier pays the maker: Bybit "fees are positive and rebates are negative"
   * (https://bybit-exchange.github.io/docs/v5/account/transaction-log), OKX "Positive number represents
   * rebate" (https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-days);
   * both list such a tier's maker rate below zero (/v5/account/fee-rate, /api/v5/account/trade-fee). The
   * ledger's fee is what was taken, so a rebate is a negative fee, paid into the wallet.
   */
  it('pays a maker rebate into the wallet, priced by the rates or as the venue reported it', () => {
    const rebateTier = {
      kind: 'SetFeeRates',
      symbol: 'BTCUSDT',
      makerRate: '-0.00005',
      takerRate: '0.0003',
    } as const;
    const { s, events } = run([
      ...open(),
      rebateTier,
      // A resting order filled: 0.01 × 30,000 = 300 at −0.005 % = a rebate of 0.015.
      fill('BUY', '0.01', '30000', { liquidity: 'maker' }),
      // The venue's own figure for a maker fill (a live account): −0.0155 on 310.
      fill('SELL', '0.01', '31000', { liquidity: 'maker', fee: '-0.0155' }),
      // The taker still pays: 0.01 × 30,000 × 0.03 % = 0.09.
      fill('BUY', '0.01', '30000'),
    ]);
    expect(dataOf(events, 'FeeRatesSet')).toEqual([
      { symbol: 'BTCUSDT', makerRate: '-0.00005', takerRate: '0.0003' },
    ]);
    expect(dataOf(events, 'FeeCharged')).toEqual([
      expect.objectContaining({ notional: '300', rate: '-0.00005', amount: '-0.015' }),
      expect.objectContaining({ notional: '310', rate: '-0.00005', amount: '-0.0155', source: 'venue' }),
      expect.objectContaining({ notional: '300', rate: '0.0003', amount: '0.09' }),
    ]);
    // Net fees 0.09 − 0.015 − 0.0155; the round trip realised 10: wallet 10,000 + 10 − 0.0595.
    expect(toText(s.totals.fees)).toBe('0.0595');
    expect(toText(walletBalance(s))).toBe('10009.9405');
    // A taker is never paid; a rebate in another asset is a misreading.
    const st = run([...open(), rebateTier]).s;
    expect(ruleOf(() => decideAccount(fill('BUY', '0.01', '30000', { fee: '-0.015' }), st, ctx))).toBe(
      'fee-negative',
    );
    expect(
      ruleOf(() =>
        decideAccount(
          fill('BUY', '0.01', '30000', { liquidity: 'maker', fee: '-0.0001', feeAsset: 'BNB' }),
          st,
          ctx,
        ),
      ),
    ).toBe('fee-rebate-in-other-asset');
  });

  it('books realised PnL on close and reconciles the wallet exactly', () => {
    const { s, events } = run([...open(), fill('BUY', '0.5', '30000'), fill('SELL', '0.5', '31000.5')]);
    expect(dataOf(events, 'FillSettled').map((f) => f.realisedPnl)).toEqual(['0', '500.25']);
    // fees 0.5 × 30,000 × 0.0005 = 7.5 and 0.5 × 31,000.5 × 0.0005 = 7.750125
    expect(toText(s.totals.fees)).toBe('15.250125');
    expect(toText(walletBalance(s))).toBe('10484.999875');
  });

  /*
   * Binance funding (https://www.binance.com/en/support/faq/360033525031): funding amount = position notional
   * at mark × funding rate; longs pay shorts when the rate is positive. Real data: BTCUSDT funding at
   * 2023-01-01T00:00:00Z was 0.0001 with mark 16,537.6 (../shared/data/funding, ../shared/data/mark open).
   */
  it('pays funding on the notional at mark from the funding data', () => {
    const long = run([...open(), fill('BUY', '0.5', '16500')]);
    const fund: AccountCommand = {
      kind: 'ApplyFunding',
      symbol: 'BTCUSDT',
      fundingTime: 1672531200000,
      rate: '0.0001',
      markPrice: '16537.6',
    };
    const paid = run([fund], long.s);
    expect(dataOf(paid.events, 'FundingPaid')[0]?.amount).toBe('-0.82688');
    expect(run([fund], paid.s).events).toEqual([]); // the same funding time again books nothing
    const short = run([...open(), fill('SELL', '0.5', '16500'), fund]);
    expect(dataOf(short.events, 'FundingPaid')[0]?.amount).toBe('0.82688');
  });

  it('rounds booked amounts once to 8 places (half-up)', () => {
    const { events } = run([
      ...open(),
      fill('BUY', '0.003', '16537.7'),
      {
        kind: 'ApplyFunding',
        symbol: 'BTCUSDT',
        fundingTime: 1,
        rate: '0.00003746',
        markPrice: '16537.62911039',
      },
    ]);
    // 0.003 × 16,537.62911039 × 0.00003746 = 0.00185849875942… → 0.00185850
    expect(dataOf(events, 'FundingPaid')[0]?.amount).toBe('-0.0018585');
  });
});

describe("account: funding as the exchange charged it (a live account's income record)", () => {
  const charged = (amount: string, fundingTime = 1672531200000): AccountCommand => ({
    kind: 'ApplyFunding',
    symbol: 'BTCUSDT',
    fundingTime,
    rate: '0.0001',
    markPrice: '16537.6',
    charged: amount,
  });

  it("books the exchange's figure, not the computed one, and the wallet moves by exactly it", () => {
    const long = run([...open(), fill('BUY', '0.5', '16500')]);
    const before = walletBalance(long.s);
    // The exchange priced it at its own mark (16,537.61234…), not the feed's reading: −0.82688062.
    const { events, s } = run([charged('-0.82688062')], long.s);
    const [paid] = dataOf(events, 'FundingPaid');
    expect(paid).toMatchObject({ amount: '-0.82688062', source: 'venue', positionQuantity: '0.5' });
    expect(paid?.rate).toBe('0.0001');
    expect(walletBalance(s) - before).toBe(fixed('-0.82688062'));
    // Once per funding time, whichever way it came: a computed one for the same time books nothing.
    const { rate, markPrice, fundingTime, symbol } = charged('0') as Extract<
      AccountCommand,
      { kind: 'ApplyFunding' }
    >;
    expect(run([{ kind: 'ApplyFunding', symbol, fundingTime, rate, markPrice }], s).events).toEqual([]);
  });

  it('refuses a figure it cannot place: no position, two positions, or more places than money has', () => {
    expect(ruleOf(() => run([...open(), charged('-1')]))).toBe('funding-charged-without-position');
    const hedge = run([
      ...open('hedge'),
      fill('BUY', '0.5', '16500', { positionSide: 'LONG' }),
      fill('SELL', '0.2', '16500', { positionSide: 'SHORT' }),
    ]);
    expect(ruleOf(() => run([charged('-1')], hedge.s))).toBe('funding-charged-ambiguous');
    const long = run([...open(), fill('BUY', '0.5', '16500')]);
    expect(ruleOf(() => run([charged('-0.000000001')], long.s))).toBe('amount-precision');
    expect(ruleOf(() => run([charged('abc')], long.s))).not.toBe('no error');
  });
});

describe("account: the exchange's liquidation clearance fee (a live account's INSURANCE_CLEAR income)", () => {
  const clearance = (amount: string, notional = '8250'): AccountCommand => ({
    kind: 'ChargeClearanceFee',
    symbol: 'BTCUSDT',
    positionSide: 'BOTH',
    orderId: 'autoclose-1/77',
    strategyId: 's1',
    notional,
    amount,
  });

  it('charges the figure to the cross wallet as a liquidation fee, at the rate it works out to', () => {
    const closed = run([
      ...open(),
      fill('BUY', '0.5', '16500'),
      fill('SELL', '0.5', '16500', { reduceOnly: true }),
    ]);
    const before = walletBalance(closed.s);
    const { events, s } = run([clearance('103.125')], closed.s);
    expect(dataOf(events, 'FeeCharged')).toEqual([
      {
        reason: 'liquidation',
        symbol: 'BTCUSDT',
        positionSide: 'BOTH',
        orderId: 'autoclose-1/77',
        tradeId: null,
        strategyId: 's1',
        notional: '8250',
        rate: '0.0125',
        amount: '103.125',
        wallet: 'cross',
        source: 'venue',
      },
    ]);
    expect(walletBalance(s) - before).toBe(-fixed('103.125'));
  });

  it('refuses a figure that is not a fee: negative, finer than money, or on no notional', () => {
    expect(ruleOf(() => run([...open(), clearance('-1')]))).toBe('fee-negative');
    expect(ruleOf(() => run([...open(), clearance('0.000000001')]))).toBe('amount-precision');
    expect(ruleOf(() => run([...open(), clearance('1', '0')]))).not.toBe('no error');
  });
});

describe('account: margin modes, leverage, position modes', () => {
  it('moves isolated margin out of cross on opening and back on close', () => {
    const { s, events } = run([
      ...open(),
      { kind: 'SetMarginType', symbol: 'BTCUSDT', marginType: 'isolated' },
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 10 },
      fill('BUY', '1', '30000'),
    ]);
    expect(dataOf(events, 'FillSettled')[0]?.isolatedMarginDelta).toBe('3000');
    expect(toText(s.positions.get('BTCUSDT:BOTH')!.isolatedWallet)).toBe('3000');
    expect(toText(s.crossWallet)).toBe('6985'); // 10,000 − 3,000 − 15 fee
    const closed = run([fill('SELL', '1', '29000')], s);
    expect(dataOf(closed.events, 'FillSettled')[0]).toMatchObject({
      realisedPnl: '-1000',
      isolatedMarginDelta: '-2000',
    });
    expect(s.positions.size).toBe(0);
    expect(toText(s.crossWallet)).toBe('8970.5'); // 10,000 − 1,000 − 15 − 14.5
  });

  it('limits leverage by the bracket of the position notional', () => {
    const { s } = run([...open('one-way', '1000000'), fill('BUY', '2', '30000')]);
    expect(
      ruleOf(() => decideAccount({ kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 125 }, s, ctx)),
    ).toBe('leverage-exceeds-bracket');
    expect(decideAccount({ kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 100 }, s, ctx)).toHaveLength(1);
  });

  it('refuses an order that would outgrow the bracket of the current leverage (pre-trade, Binance -2027)', () => {
    const { s } = run([
      ...open('one-way', '1000000'),
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 100 },
    ]);
    const order =
      (quantity: string, side: 'BUY' | 'SELL' = 'BUY', reduceOnly = false) =>
      () =>
        checkPositionLimit(
          s,
          { symbol: 'BTCUSDT', side, positionSide: 'BOTH', quantity: fixed(quantity), reduceOnly },
          fixed('30000'),
          ctx,
        );
    // 100x is allowed up to bracket 2's cap of 600,000: 20 BTC at 30,000 fits, 21 does not.
    expect(order('20')).not.toThrow();
    expect(ruleOf(order('21'))).toBe('position-exceeds-leverage-bracket');
    run([fill('BUY', '20', '30000')], s);
    expect(ruleOf(order('0.1'))).toBe('position-exceeds-leverage-bracket');
    expect(order('0.1', 'SELL')).not.toThrow();
    expect(order('25', 'SELL', true)).not.toThrow();
  });

  it('applies a leverage change to the open position', () => {
    const { s } = run([
      ...open(),
      fill('BUY', '1', '30000'),
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 10 },
    ]);
    expect(toText(accountMargin(s, { BTCUSDT: '30000' }, ctx).crossInitialMargin)).toBe('3000');
  });

  it('refuses mode and margin-type changes with open positions, and mismatched position sides', () => {
    const { s } = run([...open(), fill('BUY', '0.1', '30000')]);
    expect(ruleOf(() => decideAccount({ kind: 'SetPositionMode', positionMode: 'hedge' }, s, ctx))).toBe(
      'position-mode-change-with-open-positions',
    );
    expect(
      ruleOf(() =>
        decideAccount({ kind: 'SetMarginType', symbol: 'BTCUSDT', marginType: 'isolated' }, s, ctx),
      ),
    ).toBe('margin-type-change-with-open-position');
    expect(ruleOf(() => decideAccount(fill('BUY', '0.1', '30000', { positionSide: 'LONG' }), s, ctx))).toBe(
      'position-side-mismatch',
    );
  });

  it('keeps LONG and SHORT apart in hedge mode and refuses a hedge flip', () => {
    const { s } = run([
      ...open('hedge'),
      fill('BUY', '1', '30000', { positionSide: 'LONG' }),
      fill('SELL', '0.5', '31000', { positionSide: 'SHORT' }),
    ]);
    expect(toText(s.positions.get('BTCUSDT:LONG')!.qty)).toBe('1');
    expect(toText(s.positions.get('BTCUSDT:SHORT')!.qty)).toBe('-0.5');
    expect(ruleOf(() => decideAccount(fill('SELL', '1.5', '30000', { positionSide: 'LONG' }), s, ctx))).toBe(
      'hedge-position-cannot-flip',
    );
  });

  it('refuses a reduce-only fill that would open or flip', () => {
    const { s } = run([...open(), fill('BUY', '0.1', '30000')]);
    expect(ruleOf(() => decideAccount(fill('BUY', '0.1', '30000', { reduceOnly: true }), s, ctx))).toBe(
      'reduce-only-would-increase',
    );
    expect(ruleOf(() => decideAccount(fill('SELL', '0.2', '30000', { reduceOnly: true }), s, ctx))).toBe(
      'reduce-only-would-increase',
    );
  });

  it('books each fill once (orderId + fillSeq)', () => {
    const f = fill('BUY', '0.1', '30000');
    const { s } = run([...open(), f]);
    expect(decideAccount(f, s, ctx)).toEqual([]);
    const skipped = {
      ...(f as Extract<AccountCommand, { kind: 'SettleFill' }>),
      fillSeq: 3,
      tradeId: 'later',
    };
    expect(ruleOf(() => decideAccount(skipped, s, ctx))).toBe('fill-out-of-sequence');
  });

  it('reports margin figures and limits withdrawals to the available balance', () => {
    const { s } = run([
      ...open(),
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 10 },
      fill('BUY', '1', '30000'),
    ]);
    const m = accountMargin(s, { BTCUSDT: '29000' }, ctx);
    expect(toText(m.unrealisedPnl)).toBe('-1000');
    expect(toText(m.crossInitialMargin)).toBe('2900'); // 29,000 / 10
    expect(toText(m.crossMaintenanceMargin)).toBe('116'); // 29,000 × 0.4%
    expect(toText(m.availableBalance)).toBe('6085'); // 9,985 − 1,000 − 2,900
    expect(
      ruleOf(() =>
        decideAccount(
          { kind: 'WithdrawFunds', transferId: 'w', amount: '6085.01', marks: { BTCUSDT: '29000' } },
          s,
          ctx,
        ),
      ),
    ).toBe('insufficient-available-balance');
    expect(
      ruleOf(() => decideAccount({ kind: 'WithdrawFunds', transferId: 'w', amount: '1', marks: {} }, s, ctx)),
    ).toBe('mark-price-missing');
    expect(
      ruleOf(() => decideAccount({ kind: 'DepositFunds', transferId: 'x', amount: '0.000000001' }, s, ctx)),
    ).toBe('amount-precision');
  });
});

describe('account: liquidation', () => {
  it('liquidates an isolated position at its mark and caps the liquidation fee at the margin left', () => {
    const { s } = run([
      ...open(),
      { kind: 'SetMarginType', symbol: 'BTCUSDT', marginType: 'isolated' },
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 10 },
      fill('BUY', '1', '30000'),
    ]);
    expect(decideAccount({ kind: 'CheckLiquidation', marks: { BTCUSDT: '27108.5' } }, s, ctx)).toEqual([]);
    const before = walletBalance(s);
    const { events } = run([{ kind: 'CheckLiquidation', marks: { BTCUSDT: '27108.4' } }], s);
    expect(events.map((e) => e.type)).toEqual(['FeeCharged', 'PositionLiquidated']);
    const [fee] = dataOf(events, 'FeeCharged');
    const [liq] = dataOf(events, 'PositionLiquidated');
    expect(liq).toMatchObject({ realisedPnl: '-2891.6', quantity: '1', maintenanceMargin: '108.4336' });
    // 2% of 27,108.4 = 542.168, but only 3,000 − 2,891.6 = 108.4 margin is left.
    expect(fee).toMatchObject({ reason: 'liquidation', amount: '108.4', wallet: 'isolated' });
    expect(s.positions.size).toBe(0);
    expect(walletBalance(s) - before).toBe(fixed('-3000'));
  });

  it('liquidates every cross position when the account margin ratio reaches 100%', () => {
    const { s } = run([
      ...open('one-way', '1000'),
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 50 },
      { kind: 'SetLeverage', symbol: 'ETHUSDT', leverage: 50 },
      fill('BUY', '1', '30000'),
      fill('SELL', '5', '2000', { symbol: 'ETHUSDT' }),
    ]);
    expect(
      ruleOf(() => decideAccount({ kind: 'CheckLiquidation', marks: { BTCUSDT: '29500' } }, s, ctx)),
    ).toBe('mark-price-missing');
    const { events } = run([{ kind: 'CheckLiquidation', marks: { BTCUSDT: '29200', ETHUSDT: '2010' } }], s);
    expect(dataOf(events, 'PositionLiquidated').map((l) => l.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(s.positions.size).toBe(0);
  });

  // Binance, "Introduction to Futures Insurance Funds"
  // (https://www.binance.com/en/support/faq/introduction-to-futures-insurance-funds-360033525371): a
  // position is bankrupt when the assets made available for it are below 0 after liquidation; the
  // insurance fund takes it over and funds its losses. A trader loses at most that margin.
  it('an isolated position closed past its bankruptcy price loses its margin, not more', () => {
    const { s } = run([
      ...open(),
      { kind: 'SetMarginType', symbol: 'BTCUSDT', marginType: 'isolated' },
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 10 },
      fill('BUY', '1', '30000'),
    ]);
    const before = walletBalance(s);
    // A gap to 26,000: 4,000 lost at the mark on 3,000 of margin.
    const { events } = run([{ kind: 'CheckLiquidation', marks: { BTCUSDT: '26000' } }], s);
    const [fee] = dataOf(events, 'FeeCharged');
    const [liq] = dataOf(events, 'PositionLiquidated');
    expect(liq).toMatchObject({ realisedPnl: '-3000', insuranceFundCovered: '1000' });
    expect(fee).toMatchObject({ amount: '0' });
    expect(walletBalance(s) - before).toBe(fixed('-3000'));
  });

  it('a cross account loses at most its wallet, a gain on one leg offsetting a loss on another first', () => {
    // The gaining leg is closed first, so its fee is paid before the losing leg runs the wallet dry.
    const { s } = run([
      ...open('one-way', '1000'),
      { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 50 },
      { kind: 'SetLeverage', symbol: 'ETHUSDT', leverage: 50 },
      fill('BUY', '5', '2000', { symbol: 'ETHUSDT' }),
      fill('BUY', '1', '30000'),
    ]);
    const before = walletBalance(s);
    const { events } = run([{ kind: 'CheckLiquidation', marks: { BTCUSDT: '28000', ETHUSDT: '2100' } }], s);
    const liqs = dataOf(events, 'PositionLiquidated');
    const fees = dataOf(events, 'FeeCharged');
    expect(liqs.map((l) => [l.symbol, l.realisedPnl, l.insuranceFundCovered])).toEqual([
      ['ETHUSDT', '500', undefined],
      // −2,000 at the mark; the fund takes what the wallet (1,000 − fees of the opening fills + 500 −
      // the ETH liquidation fee) could not pay.
      ['BTCUSDT', toText(-(before + fixed('500') - fixed(fees[0]!.amount))), expect.any(String)],
    ]);
    expect(fees.map((f) => f.amount)).toEqual(['210', '0']); // 2 % of 10,500; nothing left for BTC's
    expect(walletBalance(s)).toBe(0n);
    // Δ wallet = realised − fees, exactly: the covered part is in neither.
    const realised = liqs.reduce((a, l) => a + fixed(l.realisedPnl), 0n);
    const charged = fees.reduce((a, f) => a + fixed(f.amount), 0n);
    expect(walletBalance(s) - before).toBe(realised - charged);
    // The trader's loss and the fund's share make up the loss at the mark.
    expect(fixed(liqs[1]!.realisedPnl) - fixed(liqs[1]!.insuranceFundCovered!)).toBe(fixed('-2000'));
  });
});

describe("the exchange's own closing orders (SettleFill with `forced`)", () => {
  const forced = (
    reason: 'liquidation' | 'adl' | 'settlement',
    side: 'BUY' | 'SELL',
    quantity: string,
    price: string,
    over: Partial<Extract<AccountCommand, { kind: 'SettleFill' }>> = {},
  ): AccountCommand =>
    fill(side, quantity, price, {
      orderId: `${reason === 'adl' ? 'adl_autoclose' : 'autoclose-1'}/9001`,
      reduceOnly: true,
      forced: reason,
      fee: reason === 'adl' ? '0' : '1.2345',
      ...over,
    });

  it('books a liquidation as a reduce-only fill at the exchange price, charged its fee as a liquidation', () => {
    const { s, events } = run([
      ...open(),
      fill('BUY', '0.5', '30000'),
      forced('liquidation', 'SELL', '0.5', '27000'),
    ]);
    const settled = events.filter((e) => e.type === 'FillSettled').at(-1)!;
    expect(settled.data).toMatchObject({
      forced: 'liquidation',
      realisedPnl: '-1500',
      positionQuantity: '0',
      orderId: 'autoclose-1/9001',
    });
    const fee = events.at(-1)!;
    expect(fee).toMatchObject({
      type: 'FeeCharged',
      data: { reason: 'liquidation', amount: '1.2345', source: 'venue' },
    });
    // Wallet = deposit − the entry's tier fee (0.05 % of 15,000) − 1,500 − the exchange's fee.
    expect(toText(walletBalance(s))).toBe(
      toText(fixed('10000') - fixed('7.5') - fixed('1500') - fixed('1.2345')),
    );
    expect([...s.positions.values()].every((p) => p.qty === 0n)).toBe(true);
  });

  it('books an ADL in parts, once each, as trades; a repeated fill books nothing', () => {
    const first = forced('adl', 'BUY', '0.2', '31000', { fillSeq: 1 });
    const second = forced('adl', 'BUY', '0.1', '31010', { fillSeq: 2, tradeId: 'adl-t2' });
    const { s, events } = run([...open(), fill('SELL', '0.5', '30000'), first, second, second]);
    const settled = events.filter((e) => e.type === 'FillSettled').slice(1);
    expect(settled.map((e) => [e.data.quantity, e.data.positionQuantity, e.data.realisedPnl])).toEqual([
      ['0.2', '-0.3', '-200'],
      ['0.1', '-0.2', '-101'],
    ]);
    expect(
      events
        .filter((e) => e.type === 'FeeCharged')
        .slice(1)
        .map((e) => e.data.reason),
    ).toEqual(['trade', 'trade']);
    expect([...s.positions.values()][0]!.qty).toBe(fixed('-0.2'));
  });

  it('refuses one that would not reduce what the account holds, or that is not booked reduce-only', () => {
    const { s } = run([...open(), fill('BUY', '0.5', '30000')]);
    const refused = (c: AccountCommand) => {
      try {
        decideAccount(c, s, ctx);
      } catch (e) {
        return (e as LedgerRuleError).rule;
      }
      return null;
    };
    expect(refused(forced('liquidation', 'BUY', '0.5', '27000'))).toBe('reduce-only-would-increase');
    expect(refused(forced('liquidation', 'SELL', '0.6', '27000'))).toBe('reduce-only-would-increase');
    expect(refused(forced('adl', 'SELL', '0.1', '31000', { reduceOnly: false }))).toBe(
      'forced-fill-must-reduce',
    );
  });
});
