import { ExchangeError, InsufficientFunds, OrderNotFound, RequestTimeout } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { binanceCallError } from './usdm-errors.js';
import { incomeObservationsOf, streamObservations, tradeObservations } from './usdm-messages.js';

describe('Binance USDⓈ-M mapping', () => {
  it("reads Binance's code as a verdict, except the codes that say the outcome is unknown", () => {
    const margin = binanceCallError(
      new InsufficientFunds('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}'),
    );
    expect([margin.outcome, margin.reason, margin.extra.code]).toEqual([
      'refused',
      'insufficient margin: Margin is insufficient. (binance -2019)',
      '-2019',
    ]);
    const unknownOrder = binanceCallError(
      new OrderNotFound('binanceusdm {"code":-2011,"msg":"Unknown order sent."}'),
    );
    expect([unknownOrder.outcome, unknownOrder.extra.unknownOrder]).toEqual(['refused', true]);
    const backend = binanceCallError(
      new ExchangeError(
        'binanceusdm {"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."}',
      ),
      123,
    );
    expect([backend.outcome, backend.extra.expiresAt]).toEqual(['unknown', 123]);
    expect(binanceCallError(new RequestTimeout('binanceusdm POST http://x timed out')).reason).toBe(
      'no verdict (network: RequestTimeout: binanceusdm POST http://x timed out)',
    );
    expect(binanceCallError(new TypeError("Cannot use 'in' operator")).outcome).toBe('unknown');
  });

  it('maps a conditional order firing (ALGO_UPDATE TRIGGERED) to a trigger naming the order it put in the book', () => {
    const msg = {
      e: 'ALGO_UPDATE',
      T: 1750515742304,
      E: 1750515742303,
      o: {
        caid: 'sl-1',
        aid: 2148719,
        at: 'CONDITIONAL',
        o: 'STOP_MARKET',
        s: 'BTCUSDT',
        X: 'TRIGGERED',
        ai: '8886774',
        tp: '95000.00',
        tt: 1750515742300,
      },
    };
    expect(streamObservations(msg)).toEqual([
      { clientOrderId: 'sl-1', venueOrderId: '2148719', time: 1750515742303, kind: 'ack' },
      {
        clientOrderId: 'sl-1',
        venueOrderId: '2148719',
        time: 1750515742300,
        kind: 'trigger',
        triggerPrice: '95000.00',
        childOrderId: '8886774',
      },
    ]);
  });

  it('names why an order expired, ignores events about other things, and refuses a malformed order event', () => {
    const expired = {
      e: 'ORDER_TRADE_UPDATE',
      E: 2,
      T: 1,
      o: {
        c: 'i-1',
        o: 'LIMIT',
        f: 'IOC',
        x: 'EXPIRED',
        X: 'EXPIRED',
        i: 9,
        l: '0',
        z: '0.001',
        L: '0',
        T: 1,
        t: 0,
        m: false,
      },
    };
    expect(streamObservations(expired)).toEqual([
      {
        clientOrderId: 'i-1',
        venueOrderId: '9',
        time: 1,
        kind: 'end',
        end: 'expired',
        reason: 'IOC: remainder not filled on arrival',
        cumFilled: '0.001',
      },
    ]);
    expect(streamObservations({ e: 'ACCOUNT_UPDATE', a: {} })).toEqual([]);
    expect(() => streamObservations({ ...expired, o: { ...expired.o, T: 'yesterday' } })).toThrow();
  });

  /*
   * Binance's docs do not say which sign a charged commission has (GET /fapi/v1/userTrades' example prints
   * "commission": "-0.07819010"), so the sign says nothing: a maker's commission is a rebate where the account's listed
   * maker rate on the symbol is negative (GET /fapi/v1/commissionRate), and a charge everywhere else.
   */
  it("books a maker's commission on a rebate symbol as paid to the account, whatever its sign", () => {
    const update = (m: boolean, n: string, s = 'BTCUSDT') => ({
      e: 'ORDER_TRADE_UPDATE',
      E: 2,
      T: 1,
      o: {
        s,
        c: 'i-1',
        o: 'LIMIT',
        f: 'GTC',
        x: 'TRADE',
        X: 'FILLED',
        i: 9,
        l: '0.001',
        z: '0.001',
        L: '30000',
        T: 1,
        t: 7,
        m,
        n,
        N: 'USDT',
      },
    });
    const rebates = new Set(['BTCUSDT']);
    const feeOf = (msg: unknown) => (streamObservations(msg, rebates)[0] as { fee: unknown }).fee;
    expect(feeOf(update(true, '0.0015'))).toEqual({ amount: '-0.0015', asset: 'USDT' });
    expect(feeOf(update(true, '-0.0015'))).toEqual({ amount: '-0.0015', asset: 'USDT' });
    expect(feeOf(update(true, '0'))).toEqual({ amount: '0', asset: 'USDT' });
    expect(feeOf(update(false, '-0.012'))).toEqual({ amount: '0.012', asset: 'USDT' });
    expect(feeOf(update(true, '0.0015', 'ETHUSDT'))).toEqual({ amount: '0.0015', asset: 'USDT' });
    expect((streamObservations(update(true, '0.0015'))[0] as { fee: unknown }).fee).toEqual({
      amount: '0.0015',
      asset: 'USDT',
    });
    const row = (maker: boolean, commission: string) => ({
      id: 7,
      orderId: 9,
      price: '30000',
      qty: '0.001',
      commission,
      commissionAsset: 'USDT',
      maker,
      time: 1,
    });
    expect(
      tradeObservations([row(true, '-0.0015'), row(false, '0.012')], 'BTCUSDT', rebates).map(
        (o) => (o as { fee: unknown }).fee,
      ),
    ).toEqual([
      { amount: '-0.0015', asset: 'USDT' },
      { amount: '0.012', asset: 'USDT' },
    ]);
  });
});

describe('Binance USDⓈ-M mapping: funding the exchange charged', () => {
  // Shapes from the docs: user-data stream "Event: Balance and Position Update" (a cross position's
  // FUNDING FEE: the balance only, no position) and REST "Get Income History" (GET /fapi/v1/income).
  it('reads the stream\'s funding update as "fetch the records", and leaves other account updates alone', () => {
    const update = {
      e: 'ACCOUNT_UPDATE',
      E: 1564745798939,
      T: 1564745798938,
      a: {
        m: 'FUNDING_FEE',
        B: [{ a: 'USDT', wb: '122624.12345678', cw: '100.12345678', bc: '50.12345678' }],
      },
    };
    expect(streamObservations(update)).toEqual([
      {
        kind: 'income-posted',
        income: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1564745798938,
      },
    ]);
    expect(streamObservations({ ...update, a: { ...update.a, m: 'ORDER' } })).toEqual([]);
    expect(() => streamObservations({ ...update, T: 'now' })).toThrow();
  });

  it('reads the income records: funding only, oldest first, amounts signed as charged', () => {
    const rows = [
      {
        symbol: 'BTCUSDT',
        incomeType: 'FUNDING_FEE',
        income: '-0.01000000',
        asset: 'USDT',
        info: 'FUNDING_FEE',
        time: 1570636800000,
        tranId: 9689322392,
        tradeId: '',
      },
      {
        symbol: 'BTCUSDT',
        incomeType: 'COMMISSION',
        income: '-0.01000000',
        asset: 'USDT',
        info: 'COMMISSION',
        time: 1570608000000,
        tranId: 9689322391,
        tradeId: '2059192',
      },
      {
        symbol: 'ETHUSDT',
        incomeType: 'FUNDING_FEE',
        income: '0.00120000',
        asset: 'USDT',
        info: 'FUNDING_FEE',
        time: 1570608000000,
        tranId: '9689322390',
        tradeId: '',
      },
      {
        symbol: '',
        incomeType: 'TRANSFER',
        income: '-0.37500000',
        asset: 'USDT',
        info: 'TRANSFER',
        time: 1570608000000,
        tranId: 9689322389,
        tradeId: '',
      },
    ];
    expect(incomeObservationsOf(rows)).toEqual([
      {
        kind: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1570608000000,
        symbol: 'ETHUSDT',
        amount: '0.00120000',
        asset: 'USDT',
        incomeId: '9689322390',
      },
      {
        kind: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1570636800000,
        symbol: 'BTCUSDT',
        amount: '-0.01000000',
        asset: 'USDT',
        incomeId: '9689322392',
      },
    ]);
    expect(() => incomeObservationsOf({ code: -1021 })).toThrow('not a list');
    expect(() => incomeObservationsOf([{ ...rows[0], income: 'lots' }])).toThrow();
    expect(() => incomeObservationsOf([{ ...rows[0], time: -1 }])).toThrow();
  });

  it('reads a liquidation clearance fee (INSURANCE_CLEAR) from the stream and from the records', () => {
    expect(
      streamObservations({ e: 'ACCOUNT_UPDATE', E: 2, T: 1, a: { m: 'INSURANCE_CLEAR', B: [], P: [] } }),
    ).toEqual([
      { kind: 'income-posted', income: 'clearance-fee', clientOrderId: null, venueOrderId: null, time: 1 },
    ]);
    const row = {
      symbol: 'BTCUSDT',
      incomeType: 'INSURANCE_CLEAR',
      income: '-3.37500000',
      asset: 'USDT',
      info: '',
      time: 1570636800000,
      tranId: 9689322400,
      tradeId: '',
    };
    expect(incomeObservationsOf([row])).toEqual([
      {
        kind: 'clearance-fee',
        clientOrderId: null,
        venueOrderId: null,
        time: 1570636800000,
        symbol: 'BTCUSDT',
        amount: '-3.37500000',
        asset: 'USDT',
        incomeId: '9689322400',
      },
    ]);
  });
});

describe("Binance USDⓈ-M mapping: the exchange's own closing orders", () => {
  // Shapes from the user-data stream docs (Event: Order Update, "Liquidation and ADL").
  const update = (o: Record<string, unknown>) => ({
    e: 'ORDER_TRADE_UPDATE',
    E: 1568879465651,
    T: 1568879465650,
    o: {
      s: 'BTCUSDT',
      S: 'SELL',
      o: 'LIQUIDATION',
      f: 'IOC',
      q: '0.003',
      p: '95000',
      x: 'CALCULATED',
      X: 'FILLED',
      i: 8886774,
      l: '0.003',
      z: '0.003',
      L: '95000.00',
      n: '0.14250000',
      N: 'USDT',
      T: 1568879465650,
      t: 4711,
      m: false,
      ...o,
    },
  });

  it('reads a liquidation, an ADL and a settlement by their client order ids, trades only', () => {
    expect(streamObservations(update({ c: 'autoclose-1568879465650123' }))).toEqual([
      {
        kind: 'forced',
        reason: 'liquidation',
        clientOrderId: 'autoclose-1568879465650123',
        venueOrderId: '8886774',
        time: 1568879465650,
        symbol: 'BTCUSDT',
        side: 'SELL',
        tradeId: '4711',
        price: '95000.00',
        quantity: '0.003',
        fee: { amount: '0.14250000', asset: 'USDT' },
      },
    ]);
    const adl = streamObservations(update({ c: 'adl_autoclose', o: 'MARKET', x: 'TRADE', S: 'BUY', n: '0' }));
    expect(
      adl.map((o) => [o.kind, (o as { reason?: string }).reason, (o as { side?: string }).side]),
    ).toEqual([['forced', 'adl', 'BUY']]);
    const settlement = streamObservations(update({ c: 'settlement_autoclose-BTCUSDT', x: 'TRADE' }));
    expect(settlement.map((o) => (o as { reason?: string }).reason)).toEqual(['settlement']);
    // Its NEW and its end add nothing to the trade: the trade is the whole story.
    expect(streamObservations(update({ c: 'autoclose-1', x: 'NEW', X: 'NEW' }))).toEqual([]);
    expect(streamObservations(update({ c: 'autoclose-1', x: 'EXPIRED', X: 'EXPIRED' }))).toEqual([]);
    // An order of ours whose id merely contains the word is ours.
    expect(streamObservations(update({ c: 'my-autoclose-1', x: 'TRADE' }))[0]!.kind).toBe('trade');
  });

  it('refuses a closing trade that does not say which symbol or side it closed', () => {
    expect(() => streamObservations(update({ c: 'autoclose-1', s: undefined }))).toThrow(
      /names no symbol or side/,
    );
  });
});
