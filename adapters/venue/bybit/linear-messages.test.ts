import { describe, expect, it } from 'vitest';
import {
  executionListObservations,
  executionObservations,
  forcedCloseReason,
  fundingObservations,
  fundingSettlementsOf,
  orderObservations,
  pageOf,
  requestAckObservations,
  streamObservations,
} from './linear-messages.js';

/**
 * Payloads shaped like the examples of Bybit's v5 documentation (the page is named on each), with the
 * fields a linear order or execution carries.
 */

// https://bybit-exchange.github.io/docs/v5/order/open-order (Response Example), a USDT perpetual.
const openOrder = {
  orderId: 'fd4300ae-7847-404e-b947-b46980a4d140',
  orderLinkId: 'test-000005',
  blockTradeId: '',
  symbol: 'ETHUSDT',
  price: '1600.00',
  qty: '0.10',
  side: 'Buy',
  isLeverage: '',
  positionIdx: 0,
  orderStatus: 'New',
  cancelType: 'UNKNOWN',
  rejectReason: 'EC_NoError',
  avgPrice: '0',
  leavesQty: '0.10',
  leavesValue: '160',
  cumExecQty: '0.00',
  cumExecValue: '0',
  cumExecFee: '0',
  timeInForce: 'GTC',
  orderType: 'Limit',
  stopOrderType: 'UNKNOWN',
  orderIv: '',
  triggerPrice: '0.00',
  takeProfit: '',
  stopLoss: '',
  tpTriggerBy: 'LastPrice',
  slTriggerBy: 'LastPrice',
  triggerDirection: 0,
  triggerBy: 'UNKNOWN',
  lastPriceOnCreated: '',
  reduceOnly: false,
  closeOnTrigger: false,
  smpType: 'None',
  smpGroup: 0,
  smpOrderId: '',
  tpslMode: 'Full',
  tpLimitPrice: '',
  slLimitPrice: '',
  placeType: '',
  createdTime: '1684738540559',
  updatedTime: '1684738540561',
  cumFeeDetail: { MNT: '0.00242968' },
};

const base = { clientOrderId: 'test-000005', venueOrderId: openOrder.orderId, time: 1684738540561 };

// A conditional (stop) order as the same endpoint lists it: stopOrderType Stop and a trigger price.
const stopOrder = {
  ...openOrder,
  orderLinkId: 'sl-1',
  side: 'Sell',
  orderType: 'Market',
  timeInForce: 'IOC',
  price: '0',
  stopOrderType: 'Stop',
  triggerPrice: '1500.00',
  triggerDirection: 2,
  triggerBy: 'MarkPrice',
  reduceOnly: true,
};
const stopBase = { ...base, clientOrderId: 'sl-1' };

describe('Bybit linear orders', () => {
  it('reads an open order as held, with what it filled so far', () => {
    expect(orderObservations(openOrder)).toEqual([
      { ...base, kind: 'ack' },
      { ...base, kind: 'filled-so-far', cumFilled: '0.00' },
    ]);
    expect(orderObservations({ ...openOrder, orderStatus: 'PartiallyFilled', cumExecQty: '0.04' })).toEqual([
      { ...base, kind: 'ack' },
      { ...base, kind: 'filled-so-far', cumFilled: '0.04' },
    ]);
  });

  // https://bybit-exchange.github.io/docs/v5/order/order-list (Response Example): a post-only order that
  // would have taken ends Cancelled with rejectReason EC_PostOnlyWillTakeLiquidity.
  it('reads a post-only order that would have taken as expired by its terms', () => {
    const historyOrder = {
      ...openOrder,
      orderId: '14bad3a1-6454-43d8-bcf2-5345896cf74d',
      orderLinkId: 'YLxaWKMiHU',
      symbol: 'BTCUSDT',
      price: '26864.40',
      qty: '0.003',
      orderStatus: 'Cancelled',
      cancelType: 'UNKNOWN',
      rejectReason: 'EC_PostOnlyWillTakeLiquidity',
      cumExecQty: '0.000',
      timeInForce: 'PostOnly',
      createdTime: '1684476068369',
      updatedTime: '1684476068372',
    };
    const b = { clientOrderId: 'YLxaWKMiHU', venueOrderId: historyOrder.orderId, time: 1684476068372 };
    expect(orderObservations(historyOrder)).toEqual([
      { ...b, kind: 'ack' },
      {
        ...b,
        kind: 'end',
        end: 'expired',
        reason: 'post-only: would have taken liquidity',
        cumFilled: '0.000',
      },
    ]);
  });

  it('tells a cancel on request from the ends Bybit gives by an order’s terms', () => {
    const end = (o: Record<string, unknown>) =>
      orderObservations({ ...openOrder, orderStatus: 'Cancelled', ...o })[1];
    expect(end({ cancelType: 'CancelByUser', cumExecQty: '0.02' })).toEqual({
      ...base,
      kind: 'end',
      end: 'cancelled',
      reason: 'cancelled on request',
      cumFilled: '0.02',
    });
    expect(end({ timeInForce: 'IOC', cumExecQty: '0.05' })).toMatchObject({
      end: 'expired',
      reason: 'IOC: remainder not filled on arrival',
      cumFilled: '0.05',
    });
    expect(end({ timeInForce: 'FOK', rejectReason: 'EC_CancelForNoFullFill' })).toMatchObject({
      end: 'expired',
      reason: 'FOK: could not fill completely on arrival',
    });
    expect(end({ orderType: 'Market', timeInForce: 'IOC' })).toMatchObject({
      end: 'expired',
      reason: 'market: the book ran out before the order was filled',
    });
    expect(end({ cancelType: 'CancelByReduceOnly' })).toMatchObject({
      end: 'expired',
      reason: 'cancelled by the venue (CancelByReduceOnly)',
    });
  });

  it('reads a rejection, flagging one by the order’s own terms', () => {
    expect(orderObservations({ ...openOrder, orderStatus: 'Rejected', rejectReason: 'EC_Others' })).toEqual([
      {
        ...base,
        kind: 'end',
        end: 'rejected',
        reason: 'rejected by the venue: EC_Others',
        cumFilled: '0.00',
      },
    ]);
    expect(
      orderObservations({
        ...openOrder,
        orderStatus: 'Rejected',
        timeInForce: 'PostOnly',
        rejectReason: 'EC_PostOnlyWillTakeLiquidity',
      })[0],
    ).toMatchObject({ end: 'rejected', unmetTerms: true });
  });

  it('follows a conditional order from untriggered through its trigger to its fills, under one orderId', () => {
    expect(orderObservations({ ...stopOrder, orderStatus: 'Untriggered' })).toEqual([
      { ...stopBase, kind: 'ack' },
    ]);
    const trigger = {
      ...stopBase,
      kind: 'trigger',
      triggerPrice: '1500.00',
      childOrderId: openOrder.orderId,
    };
    expect(orderObservations({ ...stopOrder, orderStatus: 'Triggered' })).toEqual([
      { ...stopBase, kind: 'ack' },
      trigger,
    ]);
    expect(orderObservations({ ...stopOrder, orderStatus: 'Filled', cumExecQty: '0.10' })).toEqual([
      { ...stopBase, kind: 'ack' },
      trigger,
      { ...stopBase, kind: 'filled-so-far', cumFilled: '0.10' },
    ]);
    // Cancelled before it fired: Deactivated, and no trigger.
    expect(
      orderObservations({
        ...stopOrder,
        orderStatus: 'Deactivated',
        cancelType: 'CancelByUser',
        cumExecQty: '0',
      }),
    ).toEqual([
      { ...stopBase, kind: 'ack' },
      { ...stopBase, kind: 'end', end: 'cancelled', reason: 'cancelled on request', cumFilled: '0' },
    ]);
    expect(
      orderObservations({ ...stopOrder, orderStatus: 'Deactivated', cancelType: 'CancelByTpSlTsClear' })[1],
    ).toMatchObject({ end: 'expired', reason: 'deactivated by the venue (CancelByTpSlTsClear)' });
  });

  it('refuses an order it cannot read', () => {
    expect(() => orderObservations({ ...openOrder, orderStatus: 'Pending' })).toThrow(
      /unknown Bybit order status/,
    );
    expect(() => orderObservations({ ...openOrder, cumExecQty: 'lots' })).toThrow();
    expect(() => orderObservations({ ...openOrder, updatedTime: 'yesterday' })).toThrow();
  });
});

describe('Bybit linear replies', () => {
  // https://bybit-exchange.github.io/docs/v5/order/create-order and …/cancel-order (Response Example).
  it('reads a create or cancel reply as Bybit holding the order under its id', () => {
    const created = {
      retCode: 0,
      retMsg: 'OK',
      result: { orderId: '1321003749386327552', orderLinkId: 'spot-test-postonly' },
      retExtInfo: {},
      time: 1672211918471,
    };
    expect(requestAckObservations(created, 5)).toEqual([
      {
        clientOrderId: 'spot-test-postonly',
        venueOrderId: '1321003749386327552',
        time: 1672211918471,
        kind: 'ack',
      },
    ]);
    const cancelled = {
      retCode: 0,
      retMsg: 'OK',
      result: { orderId: 'c6f055d9-7f21-4079-913d-e6523a9cfffa', orderLinkId: 'linear-004' },
      retExtInfo: {},
      time: 1672217377164,
    };
    expect(requestAckObservations(cancelled, 5)[0]).toMatchObject({
      clientOrderId: 'linear-004',
      time: 1672217377164,
    });
    expect(() => requestAckObservations({ retCode: 0, result: {} }, 5)).toThrow();
  });

  it('reads a page and its cursor; an empty cursor is the last page', () => {
    expect(pageOf({ retCode: 0, result: { list: [1, 2], nextPageCursor: 'page_token%3D39380%26' } })).toEqual(
      {
        rows: [1, 2],
        cursor: 'page_token%3D39380%26',
      },
    );
    expect(pageOf({ retCode: 0, result: { list: [], nextPageCursor: '' } })).toEqual({
      rows: [],
      cursor: null,
    });
    expect(() => pageOf({ retCode: 0, result: { rows: [] } })).toThrow();
  });
});

// https://bybit-exchange.github.io/docs/v5/websocket/private/execution (Stream Example).
const execution = {
  category: 'linear',
  symbol: 'XRPUSDT',
  execFee: '0.005061',
  execId: '7e2ae69c-4edf-5800-a352-893d52b446aa',
  execPrice: '0.3374',
  execQty: '25',
  execType: 'Trade',
  execValue: '8.435',
  isMaker: false,
  feeRate: '0.0006',
  tradeIv: '',
  markIv: '',
  blockTradeId: '',
  markPrice: '0.3391',
  indexPrice: '',
  underlyingPrice: '',
  leavesQty: '0',
  orderId: 'f6e324ff-99c2-4e89-9739-3086e47f9381',
  orderLinkId: '',
  orderPrice: '0.3207',
  orderQty: '25',
  orderType: 'Market',
  stopOrderType: 'UNKNOWN',
  side: 'Sell',
  execTime: '1672364174443',
  isLeverage: '0',
};

describe('Bybit linear executions', () => {
  it('reads a trade: its id, price, size, liquidity and fee in USDT', () => {
    expect(executionObservations({ ...execution, orderLinkId: 'mine-1' })).toEqual([
      {
        clientOrderId: 'mine-1',
        venueOrderId: 'f6e324ff-99c2-4e89-9739-3086e47f9381',
        time: 1672364174443,
        kind: 'trade',
        tradeId: '7e2ae69c-4edf-5800-a352-893d52b446aa',
        price: '0.3374',
        quantity: '25',
        liquidity: 'taker',
        fee: { amount: '0.005061', asset: 'USDT' },
        cumFilled: null,
      },
    ]);
    expect(executionObservations({ ...execution, isMaker: true })[0]).toMatchObject({
      clientOrderId: null,
      liquidity: 'maker',
    });
    // A rebate ("rebates are negative") is the ledger's negative fee, as signed.
    expect(executionObservations({ ...execution, isMaker: true, execFee: '-0.0001' })[0]).toMatchObject({
      fee: { amount: '-0.0001', asset: 'USDT' },
    });
  });

  it('reads the exchange’s closing executions as forced, by execType or by the order’s createType', () => {
    const forced = (o: Record<string, unknown>) => executionObservations({ ...execution, ...o })[0];
    expect(forced({ execType: 'BustTrade' })).toEqual({
      kind: 'forced',
      reason: 'liquidation',
      clientOrderId: 'f6e324ff-99c2-4e89-9739-3086e47f9381',
      venueOrderId: 'f6e324ff-99c2-4e89-9739-3086e47f9381',
      time: 1672364174443,
      symbol: 'XRPUSDT',
      side: 'SELL',
      tradeId: '7e2ae69c-4edf-5800-a352-893d52b446aa',
      price: '0.3374',
      quantity: '25',
      fee: { amount: '0.005061', asset: 'USDT' },
    });
    expect(forced({ execType: 'AdlTrade', side: 'Buy' })).toMatchObject({ reason: 'adl', side: 'BUY' });
    expect(forced({ execType: 'Trade', createType: 'CreateByLiq' })).toMatchObject({ reason: 'liquidation' });
    expect(forced({ execType: 'Delivery' })).toMatchObject({ reason: 'settlement' });
    expect(forcedCloseReason('Trade', 'CreateByUser')).toBeNull();
  });

  it('reads a funding execution as "list the funding records", and leaves other categories and kinds alone', () => {
    expect(executionObservations({ ...execution, execType: 'Funding', orderType: 'UNKNOWN' })).toEqual([
      {
        kind: 'income-posted',
        income: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1672364174443,
      },
    ]);
    expect(executionObservations({ ...execution, category: 'spot' })).toEqual([]);
    expect(executionObservations({ ...execution, execType: 'BlockTrade' })).toEqual([]);
    expect(() => executionObservations({ ...execution, execPrice: 'NaN' })).toThrow();
  });

  // https://bybit-exchange.github.io/docs/v5/order/execution: "sorted by execTime in descending order …
  // it is recommended to sort according to execId+OrderId+leavesQty".
  it('lists an order’s executions oldest first, the one that left more unfilled first at one instant', () => {
    const at = (execId: string, execTime: string, leavesQty: string) => ({
      ...execution,
      execId,
      execTime,
      leavesQty,
    });
    const rows = [
      at('c', '1672364174500', '0'),
      at('b', '1672364174443', '5'),
      at('a', '1672364174443', '15'),
    ];
    expect(executionListObservations(rows).map((o) => (o.kind === 'trade' ? o.tradeId : o.kind))).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});

describe('Bybit linear private stream', () => {
  // https://bybit-exchange.github.io/docs/v5/websocket/private/order (Stream Example): an option order.
  const optionOrder = {
    symbol: 'ETH-30DEC22-1400-C',
    orderId: '5cf98598-39a7-459e-97bf-76ca765ee020',
    side: 'Sell',
    orderType: 'Market',
    cancelType: 'UNKNOWN',
    price: '72.5',
    qty: '1',
    timeInForce: 'IOC',
    orderStatus: 'Filled',
    orderLinkId: '',
    cumExecQty: '1',
    positionIdx: 0,
    createdTime: '1672364262444',
    updatedTime: '1672364262457',
    rejectReason: 'EC_NoError',
    stopOrderType: '',
    triggerPrice: '',
    category: 'option',
  };

  it('reads order and execution messages item by item, only linear ones', () => {
    const linear = { ...optionOrder, category: 'linear', symbol: 'ETHUSDT', orderLinkId: 'o-1' };
    const message = {
      id: '5923240c6880ab-c59f-420b-9adb-3639adc9dd90',
      topic: 'order',
      creationTime: 1672364262474,
      data: [optionOrder, linear],
    };
    const b = { clientOrderId: 'o-1', venueOrderId: optionOrder.orderId, time: 1672364262457 };
    expect(streamObservations(message)).toEqual([
      { ...b, kind: 'ack' },
      { ...b, kind: 'filled-so-far', cumFilled: '1' },
    ]);
    expect(
      streamObservations({
        id: '592324803b2785',
        topic: 'execution',
        creationTime: 1672364174455,
        data: [execution],
      }),
    ).toHaveLength(1);
  });

  it('leaves the exchange’s own closing orders to their executions, and other topics alone', () => {
    const liquidation = { ...optionOrder, category: 'linear', createType: 'CreateByTakeOver_PassThrough' };
    expect(streamObservations({ topic: 'order', data: [liquidation] })).toEqual([]);
    expect(streamObservations({ topic: 'wallet', data: [{}] })).toEqual([]);
    expect(streamObservations({ op: 'pong' })).toEqual([]);
  });

  it('refuses an order or execution message it cannot read, so the session reports a gap', () => {
    expect(() => streamObservations({ topic: 'order', data: 'x' })).toThrow();
    expect(() =>
      streamObservations({ topic: 'execution', data: [{ ...execution, execTime: 'now' }] }),
    ).toThrow();
  });
});

describe('Bybit linear funding', () => {
  // https://bybit-exchange.github.io/docs/v5/account/transaction-log (Response Example).
  const rows = [
    {
      id: '592324_XRPUSDT_161440249321',
      symbol: 'XRPUSDT',
      side: 'Buy',
      funding: '-0.003676',
      orderLinkId: '',
      orderId: '1672128000-8-592324-1-2',
      fee: '0.00000000',
      change: '-0.003676',
      cashFlow: '0',
      transactionTime: '1672128000000',
      type: 'SETTLEMENT',
      feeRate: '0.0001',
      bonusChange: '',
      size: '100',
      qty: '100',
      cashBalance: '5086.55825002',
      currency: 'USDT',
      category: 'linear',
      tradePrice: '0.3676',
      tradeId: '534c0003-4bf7-486f-aa02-78cee36825e4',
    },
    {
      id: '592324_XRPUSDT_161407743011',
      symbol: 'XRPUSDT',
      side: 'Buy',
      funding: '',
      orderLinkId: 'linear-order',
      orderId: '592b7e41-78fd-42e2-9aa3-91e1835ef3e1',
      fee: '0.00260280',
      change: '-0.0026028',
      cashFlow: '0',
      transactionTime: '1672121182224',
      type: 'TRADE',
      feeRate: '0.0006',
      bonusChange: '',
      size: '12',
      qty: '12',
      cashBalance: '5086.58101322',
      currency: 'USDT',
      category: 'linear',
      tradePrice: '0.3615',
      tradeId: '8569c10f-5061-5891-81c4-a54929847eb3',
    },
  ];

  it('reads the SETTLEMENT records as funding, signed as Bybit gives it (received +, paid −)', () => {
    // A long of 100 XRP at mark 0.3676 and rate 0.0001 pays 0.003676: Bybit prints it negative.
    const received = { ...rows[0]!, id: 'r-2', funding: '0.0012', transactionTime: '1672156800000' };
    expect(fundingObservations([received, ...rows])).toEqual([
      {
        kind: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1672128000000,
        symbol: 'XRPUSDT',
        amount: '-0.003676',
        asset: 'USDT',
        incomeId: '592324_XRPUSDT_161440249321',
      },
      {
        kind: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1672156800000,
        symbol: 'XRPUSDT',
        amount: '0.0012',
        asset: 'USDT',
        incomeId: 'r-2',
      },
    ]);
    expect(() => fundingObservations([{ ...rows[0]!, funding: '' }])).toThrow(/no funding amount/);
    expect(() => fundingObservations([{ ...rows[0]!, id: undefined }])).toThrow();
  });

  // https://bybit-exchange.github.io/docs/v5/market/history-fund-rate (Response Example).
  it('reads the funding rate history oldest first, without a mark price', () => {
    const list = [
      { symbol: 'ETHPERP', fundingRate: '0.0001', fundingRateTimestamp: '1672041600000' },
      { symbol: 'ETHPERP', fundingRate: '-0.00005', fundingRateTimestamp: '1672012800000' },
    ];
    expect(fundingSettlementsOf(list)).toEqual([
      { time: 1672012800000, rate: '-0.00005', markPrice: null },
      { time: 1672041600000, rate: '0.0001', markPrice: null },
    ]);
    expect(() => fundingSettlementsOf([{ ...list[0], fundingRate: '' }])).toThrow();
  });
});
