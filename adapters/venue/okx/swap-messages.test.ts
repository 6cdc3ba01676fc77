import { describe, expect, it } from 'vitest';
import { fixed } from '../../../domain/ledger/fixed.js';
import {
  algoAckObservations,
  algoObservations,
  baseToContracts,
  type ContractSizes,
  contractsToBase,
  feeOf,
  fillObservations,
  fundingObservations,
  fundingSettlementsOf,
  okxInstId,
  okxSymbol,
  oldestBillId,
  orderAckObservations,
  orderObservations,
  streamObservations,
} from './swap-messages.js';

/**
 * Payloads shaped like the examples of OKX's v5 documentation (the page is named on each), with the
 * fields a USDT swap order carries. BTC-USDT-SWAP: a contract is 0.01 BTC.
 */
const sizes: ContractSizes = (instId) => {
  if (instId === 'BTC-USDT-SWAP') return fixed('0.01');
  if (instId === 'ETH-USDT-SWAP') return fixed('0.1');
  throw new RangeError(`unknown ${instId}`);
};

// https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel (Push Data Example), as a swap.
const pushed = {
  accFillSz: '3',
  algoClOrdId: '',
  algoId: '',
  amendResult: '',
  amendSource: '',
  avgPx: '31527.1',
  cancelSource: '',
  category: 'normal',
  ccy: '',
  clOrdId: 'run1',
  code: '0',
  cTime: '1654084334977',
  execType: 'M',
  fee: '-0.02522168',
  feeCcy: 'USDT',
  fillFee: '-0.01891626',
  fillFeeCcy: 'USDT',
  fillNotionalUsd: '31.50818374',
  fillPx: '31527.1',
  fillSz: '3',
  fillPnl: '0',
  fillTime: '1654084353263',
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  lever: '10',
  msg: '',
  notionalUsd: '31.50818374',
  ordId: '452197707845865472',
  ordType: 'limit',
  pnl: '0',
  posSide: 'net',
  px: '31527.1',
  rebate: '0',
  rebateCcy: 'USDT',
  reduceOnly: 'false',
  reqId: '',
  side: 'sell',
  source: '',
  state: 'filled',
  sz: '3',
  tag: '',
  tdMode: 'cross',
  tgtCcy: '',
  tradeId: '242589207',
  uTime: '1654084353264',
};
const base = { clientOrderId: 'run1', venueOrderId: '452197707845865472', time: 1654084353264 };

describe('OKX symbols and sizes', () => {
  it('spells our USDT perpetuals as OKX’s swaps and back', () => {
    expect(okxInstId('BTCUSDT')).toBe('BTC-USDT-SWAP');
    expect(okxInstId('1000PEPEUSDT')).toBe('1000PEPE-USDT-SWAP');
    expect(okxSymbol('BTC-USDT-SWAP')).toBe('BTCUSDT');
    expect(okxSymbol('BTC-USD-SWAP')).toBeNull();
    expect(okxSymbol('BTC-USDT')).toBeNull();
    expect(okxSymbol('BTC-USDT-250328')).toBeNull();
    expect(() => okxInstId('BTCUSD')).toThrow(RangeError);
  });

  it('turns contracts into the base asset and back, exactly', () => {
    expect(contractsToBase('3', 'BTC-USDT-SWAP', sizes)).toBe('0.03');
    expect(contractsToBase('0.01', 'BTC-USDT-SWAP', sizes)).toBe('0.0001');
    expect(contractsToBase('-12.5', 'ETH-USDT-SWAP', sizes)).toBe('-1.25');
    expect(baseToContracts('0.0301', fixed('0.01'), fixed('0.01'))).toBe('3.01');
    expect(() => contractsToBase('1', 'XRP-USDT-SWAP', sizes)).toThrow(/unknown/);
  });

  it('reads OKX’s fee sign: negative is charged, positive a rebate (the ledger’s negative fee)', () => {
    expect(feeOf('-0.02522168', 'USDT')).toEqual({ amount: '0.02522168', asset: 'USDT' });
    expect(feeOf('0.001', 'USDT')).toEqual({ amount: '-0.001', asset: 'USDT' });
    expect(feeOf('0', '')).toEqual({ amount: '0', asset: 'USDT' });
    expect(feeOf('', 'USDT')).toBeNull();
  });
});

describe('OKX swap orders', () => {
  it('reads a fill of the orders channel as a trade, in the base asset, with the fee charged', () => {
    expect(orderObservations(pushed, sizes, true)).toEqual([
      { ...base, kind: 'ack' },
      {
        ...base,
        time: 1654084353263,
        kind: 'trade',
        tradeId: '242589207',
        price: '31527.1',
        quantity: '0.03',
        liquidity: 'maker',
        fee: { amount: '0.01891626', asset: 'USDT' },
        cumFilled: '0.03',
      },
      { ...base, kind: 'filled-so-far', cumFilled: '0.03' },
    ]);
  });

  it('reads a REST order as held, with what it filled so far, and leaves its last fill to /trade/fills', () => {
    // https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-order-details: the same fields, the fill
    // ones being the last fill's.
    const live = { ...pushed, state: 'partially_filled', accFillSz: '1', fillSz: '1' };
    expect(orderObservations(live, sizes, false)).toEqual([
      { ...base, kind: 'ack' },
      { ...base, kind: 'filled-so-far', cumFilled: '0.01' },
    ]);
  });

  it('reads a cancel by its source: on request, the order’s own terms, or the venue', () => {
    const cancelled = (cancelSource: string, ordType = 'limit') =>
      orderObservations(
        { ...pushed, state: 'canceled', accFillSz: '1', tradeId: '', fillSz: '0', cancelSource, ordType },
        sizes,
        true,
      );
    expect(cancelled('1')).toEqual([
      { ...base, kind: 'ack' },
      { ...base, kind: 'end', end: 'cancelled', reason: 'cancelled on request', cumFilled: '0.01' },
    ]);
    expect(cancelled('31', 'post_only')[1]).toMatchObject({
      end: 'expired',
      reason: 'post-only: would have taken liquidity',
    });
    expect(cancelled('13', 'fok')[1]).toMatchObject({
      end: 'expired',
      reason: 'FOK: could not fill completely on arrival',
    });
    expect(cancelled('14', 'ioc')[1]).toMatchObject({
      end: 'expired',
      reason: 'IOC: remainder not filled on arrival',
    });
    expect(cancelled('', 'market')[1]).toMatchObject({ end: 'expired', reason: /market/ });
    expect(cancelled('3')[1]).toMatchObject({
      end: 'expired',
      reason: 'cancelled by the venue (cancelSource 3)',
    });
    expect(() => orderObservations({ ...pushed, state: 'weird' }, sizes, true)).toThrow(
      /unknown OKX order state/,
    );
  });

  it('reads the order a conditional order fired as ours, by its algoClOrdId', () => {
    const child = {
      ...pushed,
      clOrdId: '',
      algoClOrdId: 'stop1',
      algoId: '1753184812254216192',
      source: '7',
    };
    expect(orderObservations(child, sizes, true)[1]).toMatchObject({
      kind: 'trade',
      clientOrderId: 'stop1',
      venueOrderId: '452197707845865472',
    });
  });

  it('reads a liquidation’s fill as forced, about the position', () => {
    const liquidation = {
      ...pushed,
      clOrdId: '',
      category: 'full_liquidation',
      execType: '',
      fillFee: '-0.5',
      tradeId: '-242589207',
    };
    expect(orderObservations(liquidation, sizes, true)).toEqual([
      {
        kind: 'forced',
        reason: 'liquidation',
        clientOrderId: '452197707845865472',
        venueOrderId: '452197707845865472',
        time: 1654084353263,
        symbol: 'BTCUSDT',
        side: 'SELL',
        tradeId: '-242589207',
        price: '31527.1',
        quantity: '0.03',
        fee: { amount: '0.5', asset: 'USDT' },
      },
    ]);
    expect(orderObservations({ ...liquidation, category: 'adl' }, sizes, true)[0]).toMatchObject({
      reason: 'adl',
    });
    // Without a fill it says nothing: the position, not an order of ours, is what it is about.
    expect(orderObservations({ ...liquidation, tradeId: '', fillSz: '0' }, sizes, true)).toEqual([]);
  });

  // https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order (Response Example).
  it('reads a place or cancel reply as held under its ordId', () => {
    const reply = {
      code: '0',
      msg: '',
      data: [
        {
          clOrdId: 'oktswap6',
          ordId: '312269865356374016',
          tag: '',
          ts: '1695190491421',
          sCode: '0',
          sMsg: '',
        },
      ],
      inTime: '1695190491421339',
      outTime: '1695190491423240',
    };
    expect(orderAckObservations(reply, 1)).toEqual([
      { clientOrderId: 'oktswap6', venueOrderId: '312269865356374016', time: 1695190491421, kind: 'ack' },
    ]);
    expect(() => orderAckObservations({ ...reply, data: [] }, 1)).toThrow();
  });
});

// https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-get-algo-order-details (Response Example),
// as a swap stop-loss.
const algo = {
  activePx: '',
  actualPx: '',
  actualSide: '',
  actualSz: '0',
  algoClOrdId: 'stop1',
  algoId: '1753184812254216192',
  amendPxOnTriggerType: '0',
  attachAlgoOrds: [],
  cTime: '1724751378980',
  callbackRatio: '',
  callbackSpread: '',
  ccy: '',
  clOrdId: '',
  closeFraction: '',
  failCode: '0',
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  last: '62916.5',
  lever: '10',
  linkedOrd: { ordId: '' },
  moveTriggerPx: '',
  ordId: '',
  ordIdList: [],
  ordPx: '',
  ordType: 'conditional',
  posSide: 'net',
  reduceOnly: 'true',
  side: 'sell',
  slOrdPx: '-1',
  slTriggerPx: '60000',
  slTriggerPxType: 'mark',
  state: 'live',
  sz: '3',
  tag: '',
  tdMode: 'cross',
  tgtCcy: '',
  tpOrdPx: '',
  tpTriggerPx: '',
  tpTriggerPxType: '',
  triggerPx: '',
  triggerPxType: '',
  triggerTime: '',
  uTime: '1724751378980',
};
const algoBase = { clientOrderId: 'stop1', venueOrderId: '1753184812254216192', time: 1724751378980 };

describe('OKX conditional (algo) orders', () => {
  it('reads a waiting stop as held, and a fired one as triggered into its order', () => {
    expect(algoObservations(algo)).toEqual([{ ...algoBase, kind: 'ack' }]);
    const fired = {
      ...algo,
      state: 'effective',
      ordId: '1753184812254216999',
      ordIdList: ['1753184812254216999'],
      triggerTime: '1724751379000',
      uTime: '1724751379001',
    };
    expect(algoObservations(fired)).toEqual([
      { ...algoBase, time: 1724751379001, kind: 'ack' },
      {
        ...algoBase,
        time: 1724751379000,
        kind: 'trigger',
        triggerPrice: '60000',
        childOrderId: '1753184812254216999',
      },
    ]);
  });

  it('reads a cancel, and a fired order that failed, as the order’s end', () => {
    expect(algoObservations({ ...algo, state: 'canceled' })[1]).toMatchObject({
      kind: 'end',
      end: 'cancelled',
    });
    expect(algoObservations({ ...algo, state: 'order_failed', failCode: '51008' })).toEqual([
      { ...algoBase, kind: 'ack' },
      {
        ...algoBase,
        kind: 'end',
        end: 'rejected',
        reason: 'the order it fired failed (okx 51008)',
        cumFilled: '0',
      },
    ]);
    expect(() => algoObservations({ ...algo, state: 'paused forever' })).toThrow(
      /unknown OKX algo order state/,
    );
  });

  // https://www.okx.com/docs-v5/en/#order-book-trading-algo-trading-post-cancel-algo-order (Response Example):
  // the reply's algoClOrdId is deprecated and empty; the id sent stands in.
  it('reads a place or cancel reply of an algo order under its algoId', () => {
    const reply = {
      code: '0',
      data: [{ algoClOrdId: '', algoId: '1836489397437468672', clOrdId: '', sCode: '0', sMsg: '', tag: '' }],
      msg: '',
    };
    expect(algoAckObservations(reply, 'stop1', 5)).toEqual([
      { clientOrderId: 'stop1', venueOrderId: '1836489397437468672', time: 5, kind: 'ack' },
    ]);
  });
});

// https://www.okx.com/docs-v5/en/#order-book-trading-trade-get-transaction-details-last-3-months (Response
// Example), as swap fills: newest first.
const fill = (tradeId: string, billId: string, fillTime: string, fields: Record<string, string> = {}) => ({
  side: 'buy',
  fillSz: '2',
  fillPx: '51858',
  fillPxVol: '',
  fillFwdPx: '',
  fee: '-0.0207432',
  fillPnl: '0',
  ordId: '680800019749904384',
  feeRate: '',
  instType: 'SWAP',
  fillPxUsd: '',
  instId: 'BTC-USDT-SWAP',
  clOrdId: 'run1',
  posSide: 'net',
  billId,
  subType: '1',
  fillMarkVol: '',
  tag: '',
  fillTime,
  execType: 'T',
  fillIdxPx: '',
  tradeId,
  fillMarkPx: '51850',
  feeCcy: 'USDT',
  ts: String(Number(fillTime) + 1),
  tradeQuoteCcy: 'USDT',
  ...fields,
});

describe('OKX fills', () => {
  it('lists an order’s trades oldest first, each once, in the base asset', () => {
    const rows = [
      fill('744876982', '680800019754098690', '1708587373362'),
      fill('744876980', '680800019754098688', '1708587373361'),
      fill('744876980', '680800019754098688', '1708587373361'),
    ];
    expect(fillObservations(rows, sizes)).toEqual([
      {
        clientOrderId: 'run1',
        venueOrderId: '680800019749904384',
        time: 1708587373361,
        kind: 'trade',
        tradeId: '744876980',
        price: '51858',
        quantity: '0.02',
        liquidity: 'taker',
        fee: { amount: '0.0207432', asset: 'USDT' },
        cumFilled: null,
      },
      expect.objectContaining({ tradeId: '744876982' }),
    ]);
    expect(oldestBillId(rows)).toBe('680800019754098688');
    expect(oldestBillId([])).toBeNull();
  });

  it('reads liquidation, ADL and delivery trades as forced, and leaves out what is no trade of an order', () => {
    const rows = [
      fill('-1', '3', '1708587373363', { subType: '104', side: 'sell', clOrdId: '', execType: '' }),
      fill('2', '2', '1708587373362', { subType: '126' }),
      fill('3', '1', '1708587373361', { subType: '204' }),
    ];
    const found = fillObservations(rows, sizes);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ kind: 'forced', reason: 'adl', tradeId: '2' });
    expect(found[1]).toMatchObject({
      kind: 'forced',
      reason: 'liquidation',
      side: 'SELL',
      symbol: 'BTCUSDT',
      clientOrderId: '680800019749904384',
      quantity: '0.02',
    });
  });
});

describe('OKX private stream', () => {
  it('reads the orders and orders-algo channels, and nothing else', () => {
    expect(
      streamObservations(
        { arg: { channel: 'orders', instType: 'SWAP', uid: '614488474791936' }, data: [pushed] },
        sizes,
      ),
    ).toHaveLength(3);
    expect(
      streamObservations({ arg: { channel: 'orders-algo', instType: 'SWAP' }, data: [algo] }, sizes),
    ).toEqual([{ ...algoBase, kind: 'ack' }]);
    // Other instrument types on the same channel, and other channels, give nothing.
    expect(
      streamObservations(
        {
          arg: { channel: 'orders', instType: 'ANY' },
          data: [{ ...pushed, instType: 'SPOT', instId: 'BTC-USDT' }],
        },
        sizes,
      ),
    ).toEqual([]);
    expect(streamObservations({ arg: { channel: 'account' }, data: [{}] }, sizes)).toEqual([]);
    expect(() => streamObservations({ arg: { channel: 'orders' }, data: [{ ordId: 'x' }] }, sizes)).toThrow();
  });
});

// https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days (Response Example),
// as funding bills of a swap.
const bill = (
  billId: string,
  subType: string,
  balChg: string,
  ts: string,
  fields: Record<string, string> = {},
) => ({
  bal: '8694.2179403378290202',
  balChg,
  billId,
  ccy: 'USDT',
  clOrdId: '',
  execType: '',
  fee: '0',
  fillTime: '',
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  interest: '0',
  mgnMode: 'cross',
  notes: '',
  ordId: '',
  pnl: balChg,
  posBal: '0',
  posBalChg: '0',
  px: '27105.9',
  subType,
  sz: '3',
  tag: '',
  tradeId: '',
  ts,
  type: '8',
  ...fields,
});

describe('OKX account channel', () => {
  // https://www.okx.com/docs-v5/en/#trading-account-websocket-balance-and-position-channel (Push Data Example)
  const push = (eventType: string) => ({
    arg: { channel: 'balance_and_position', uid: '77982378738415879' },
    data: [
      {
        pTime: '1597026383085',
        eventType,
        balData: [{ ccy: 'USDT', cashBal: '1', uTime: '1597026383085' }],
        posData: [],
        trades: [],
      },
    ],
  });

  it('reads a funding fee as word that the funding bills are to be listed, and nothing else as anything', () => {
    expect(streamObservations(push('funding_fee'), sizes)).toEqual([
      {
        kind: 'income-posted',
        income: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1597026383085,
      },
    ]);
    // Fills, liquidations and ADL the orders channel reports in full.
    for (const eventType of ['snapshot', 'filled', 'liquidation', 'adl', 'transferred'])
      expect(streamObservations(push(eventType), sizes)).toEqual([]);
    expect(() =>
      streamObservations({ arg: { channel: 'balance_and_position' }, data: [{}] }, sizes),
    ).toThrow();
  });
});

describe('OKX funding', () => {
  it('reads funding bills signed as the wallet moved, oldest first, and leaves other bills out', () => {
    const rows = [
      bill('623950854533513221', '174', '0.0219338232210000', '1695033476169'),
      bill('623950854533513219', '173', '-0.5', '1695033476167'),
      bill('623950854533513220', '1', '-1', '1695033476168', { type: '2' }),
    ];
    expect(fundingObservations(rows)).toEqual([
      {
        kind: 'funding',
        clientOrderId: null,
        venueOrderId: null,
        time: 1695033476167,
        symbol: 'BTCUSDT',
        amount: '-0.5',
        asset: 'USDT',
        incomeId: '623950854533513219',
      },
      expect.objectContaining({ amount: '0.021933823221', incomeId: '623950854533513221' }),
    ]);
  });

  it('takes the amount from the isolated position, or pnl, where the account balance did not move', () => {
    const isolated = bill('1', '173', '0', '1695033476167', {
      mgnMode: 'isolated',
      posBalChg: '-0.25',
      pnl: '-0.25',
    });
    expect(fundingObservations([isolated])[0]).toMatchObject({ amount: '-0.25' });
    // The subtype says which way it went, whatever sign the amount field was printed with.
    expect(fundingObservations([bill('2', '173', '0.25', '1695033476167')])[0]).toMatchObject({
      amount: '-0.25',
    });
    expect(() => fundingObservations([bill('3', '999', '1', '1695033476167')])).toThrow(/subType 999/);
  });

  // https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate-history (Response Example).
  it('reads the funding rate history oldest first, at the realised rate', () => {
    const rows = [
      {
        formulaType: 'noRate',
        fundingRate: '0.0000746604960499',
        fundingTime: '1703059200000',
        instId: 'BTC-USD-SWAP',
        instType: 'SWAP',
        method: 'next_period',
        realizedRate: '0.0000746572360545',
      },
      {
        formulaType: 'noRate',
        fundingRate: '0.000227985782722',
        fundingTime: '1703030400000',
        instId: 'BTC-USD-SWAP',
        instType: 'SWAP',
        method: 'next_period',
        realizedRate: '',
      },
    ];
    expect(fundingSettlementsOf(rows)).toEqual([
      { time: 1703030400000, rate: '0.000227985782722', markPrice: null },
      { time: 1703059200000, rate: '0.0000746572360545', markPrice: null },
    ]);
  });
});
