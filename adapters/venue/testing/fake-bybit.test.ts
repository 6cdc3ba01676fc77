import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import {
  AuthenticationError,
  BadRequest,
  InvalidOrder,
  OrderNotFound,
  pro,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeBybit } from './fake-bybit.js';

type Bybit = InstanceType<typeof pro.bybit>;
type Row = Record<string, unknown>;

const SYMBOL = 'BTC/USDT:USDT';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `https://api.{hostname}/v5/x` → `<origin>/v5/x`: every REST and websocket URL ccxt's bybit knows. */
const urlsAt = (rest: string, ws: string): Record<string, unknown> => {
  const move = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const parts = /^([a-z]+):\/\/[^/?#]*(.*)$/i.exec(v);
      if (parts === null) return v;
      return `${parts[1]!.toLowerCase().startsWith('ws') ? ws : rest}${parts[2]}`;
    }
    if (Array.isArray(v)) return v.map(move);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  return move(new pro.bybit().urls) as Record<string, unknown>;
};

let fake: FakeBybit;
let ex: Bybit;

/** ccxt as the Bybit session configures it: linear markets only, a unified (UTA) account, swaps by default. */
const connect = async (secret = fake.secret, apiKey = fake.apiKey): Promise<Bybit> => {
  const b = new pro.bybit({
    apiKey,
    secret,
    options: {
      fetchMarkets: { types: ['linear'] },
      fetchCurrencies: false,
      enableUnifiedAccount: true,
      enableUnifiedMargin: false,
      defaultType: 'swap',
    },
    urls: urlsAt(fake.origin, fake.wsOrigin),
  });
  // ccxt refuses plain ws:// until its http agent is loaded.
  await b.loadHttpProxyAgent();
  return b;
};

beforeEach(async () => {
  fake = await FakeBybit.start();
  fake.engine.setPrice('BTCUSDT', '100000');
  ex = await connect();
});
afterEach(async () => {
  await ex.close();
  await fake.close();
});

const until = async (done: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

interface Reply {
  retCode: number;
  retMsg: string;
  result: Row;
}

/** A request signed by hand as Bybit v5 wants it, for what ccxt would not send. */
const signed = async (
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string | number | boolean>,
  opts: { secret?: string; timestamp?: number } = {},
): Promise<{ headers: Headers; body: Reply }> => {
  const timestamp = String(opts.timestamp ?? Date.now());
  const payload =
    method === 'GET'
      ? new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()
      : JSON.stringify(params);
  const sign = createHmac('sha256', opts.secret ?? fake.secret)
    .update(`${timestamp}${fake.apiKey}5000${payload}`)
    .digest('hex');
  const res = await fetch(`${fake.origin}${path}${method === 'GET' ? `?${payload}` : ''}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'X-BAPI-API-KEY': fake.apiKey,
      'X-BAPI-TIMESTAMP': timestamp,
      'X-BAPI-RECV-WINDOW': '5000',
      'X-BAPI-SIGN': sign,
    },
    ...(method === 'POST' ? { body: payload } : {}),
  });
  return { headers: res.headers, body: (await res.json()) as Reply };
};

const list = (reply: unknown): Row[] => {
  const result = (reply as { result?: { list?: unknown } }).result;
  return Array.isArray(result?.list) ? (result.list as Row[]) : [];
};

const order = (extra: Record<string, string | boolean>) =>
  signed('POST', '/v5/order/create', { category: 'linear', symbol: 'BTCUSDT', qty: '0.01', ...extra });

describe('FakeBybit: the listing', () => {
  it('lists the USDT perpetuals for ccxt with Binance’s real filters re-spelled as Bybit’s', async () => {
    const markets = await ex.loadMarkets();
    expect(markets[SYMBOL]).toMatchObject({
      id: 'BTCUSDT',
      type: 'swap',
      linear: true,
      settle: 'USDT',
      active: true,
      precision: { amount: 0.001, price: 0.1 },
      limits: {
        amount: { min: 0.001, max: 1000 },
        price: { min: 261.1 },
        cost: { min: 100 },
        leverage: { max: 125 },
      },
    });
    const swaps = Object.values(markets).filter((m) => m?.swap && m.settle === 'USDT');
    expect(swaps.length).toBeGreaterThan(400);
    // What ccxt asks for with these options: the coins (its fetchCurrencies option does not stop that), and
    // the Trading and the pre-market listing, 1000 a page.
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${new URLSearchParams(r.params)}`).sort()).toEqual(
      [
        'GET /v5/asset/coin/query-info ',
        'GET /v5/market/instruments-info category=linear&limit=1000',
        'GET /v5/market/instruments-info category=linear&limit=1000&status=PreLaunch',
      ],
    );
    expect(fake.unknownRequests()).toEqual([]);

    const seen: string[] = [];
    let cursor = '';
    do {
      const q = new URLSearchParams({ category: 'linear', limit: '200', ...(cursor ? { cursor } : {}) });
      const page = (await (await fetch(`${fake.origin}/v5/market/instruments-info?${q}`)).json()) as Reply;
      seen.push(...list(page).map((i) => String(i.symbol)));
      cursor = String(page.result.nextPageCursor);
    } while (cursor !== '');
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(swaps.length);

    const risk = list(
      await (await fetch(`${fake.origin}/v5/market/risk-limit?category=linear&symbol=BTCUSDT`)).json(),
    );
    expect(risk[0]).toEqual({
      id: 1,
      symbol: 'BTCUSDT',
      riskLimitValue: '50000',
      maintenanceMargin: '0.004',
      initialMargin: '0.008',
      isLowestRisk: 1,
      maxLeverage: '125.00',
      mmDeduction: '',
    });
  });
});

describe('FakeBybit: trading through ccxt', () => {
  it('fills a market buy at the set price with the taker fee, into the position and the wallet', async () => {
    const placed = await ex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { clientOrderId: 'buy-1' });
    expect(placed.id).toMatch(UUID);
    expect(placed.clientOrderId).toBe('buy-1');
    const [trade] = await ex.fetchMyTrades(SYMBOL);
    expect(trade).toMatchObject({
      order: placed.id,
      side: 'buy',
      price: 100000,
      amount: 0.01,
      takerOrMaker: 'taker',
      fee: { cost: 0.55, currency: 'USDT', rate: 0.00055 },
    });
    const [position] = await ex.fetchPositions([SYMBOL]);
    expect(position).toMatchObject({ side: 'long', contracts: 0.01, entryPrice: 100000, markPrice: 100000 });
    const balance = await ex.fetchBalance();
    expect(balance.USDT?.total).toBeCloseTo(9999.45, 8);
    const closed = await ex.fetchCanceledAndClosedOrders(SYMBOL);
    expect(closed).toMatchObject([{ id: placed.id, status: 'closed', filled: 0.01, average: 100000 }]);
  });

  it('rests a limit order, fills it when the price crosses, and streams the order and the execution', async () => {
    const orders = ex.watchOrders(SYMBOL);
    const trades = ex.watchMyTrades(SYMBOL);
    await until(() => fake.subscribers('order') === 1 && fake.subscribers('execution') === 1);
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 99000, { clientOrderId: 'bid-1' });
    expect((await orders).at(-1)).toMatchObject({
      id: placed.id,
      clientOrderId: 'bid-1',
      status: 'open',
      price: 99000,
      amount: 0.01,
    });
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toEqual([placed.id]);

    const filled = ex.watchOrders(SYMBOL);
    fake.engine.setPrice('BTCUSDT', '98900');
    const [after, fills] = await Promise.all([filled, trades]);
    expect(after.at(-1)).toMatchObject({ id: placed.id, status: 'closed', filled: 0.01 });
    expect(fills.at(-1)).toMatchObject({
      order: placed.id,
      price: 99000,
      amount: 0.01,
      takerOrMaker: 'maker',
      fee: { cost: 0.198, rate: 0.0002 },
    });
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect(fake.messages.map((m) => m.topic)).toEqual([
      'order',
      'execution.fast',
      'execution',
      'order',
      'position',
      'wallet',
    ]);
  });

  it('cancels by orderLinkId, and refuses a duplicate orderLinkId with 110072', async () => {
    await ex.createOrder(SYMBOL, 'limit', 'sell', 0.01, 101000, { clientOrderId: 'ask-1' });
    const cancelled: unknown = await ex.privatePostV5OrderCancel({
      category: 'linear',
      symbol: 'BTCUSDT',
      orderLinkId: 'ask-1',
    });
    expect(cancelled).toMatchObject({ retCode: 0, result: { orderLinkId: 'ask-1' } });
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    const [gone] = list(
      await signed('GET', '/v5/order/realtime', { category: 'linear', orderLinkId: 'ask-1' }).then(
        (r) => r.body,
      ),
    );
    expect(gone).toMatchObject({ orderStatus: 'Cancelled', cancelType: 'CancelByUser', leavesQty: '0.000' });
    // Bybit keeps an orderLinkId unique for good, not only among open orders.
    const again = ex.createOrder(SYMBOL, 'limit', 'sell', 0.01, 101000, { clientOrderId: 'ask-1' });
    await expect(again).rejects.toBeInstanceOf(InvalidOrder);
    await expect(again).rejects.toThrow(/110072.*OrderLinkedID is duplicate/);
    await expect(
      ex.privatePostV5OrderCancel({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'ask-1' }),
    ).rejects.toBeInstanceOf(OrderNotFound);
  });

  it('fires a stop-market order when the price falls through its trigger', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
    const stop = await ex.createOrder(SYMBOL, 'market', 'sell', 0.01, undefined, {
      triggerPrice: 99000,
      triggerDirection: 'descending',
      reduceOnly: true,
      clientOrderId: 'stop-1',
    });
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { trigger: true })).toMatchObject([
      {
        id: stop.id,
        status: 'open',
        triggerPrice: 99000,
        info: { orderStatus: 'Untriggered', stopOrderType: 'Stop' },
      },
    ]);
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, { orderFilter: 'Order' })).toEqual([]);
    fake.engine.setPrice('BTCUSDT', '98900');
    expect(fake.engine.position('BTCUSDT')).toBe(0n);
    const done = (await ex.fetchCanceledAndClosedOrders(SYMBOL)).find((o) => o.id === stop.id);
    expect(done).toMatchObject({
      status: 'closed',
      filled: 0.01,
      average: 98900,
      info: { createType: 'CreateByStopOrder', triggerDirection: 2 },
    });
    // A trigger on the wrong side of the price is refused as Bybit refuses it.
    await expect(
      ex.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, {
        triggerPrice: 98000,
        triggerDirection: 'ascending',
      }),
    ).rejects.toThrow(/110092.*expect Rising/);
  });

  it('leaves the order placed when the create request times out after the exchange acted on it', async () => {
    await ex.loadMarkets();
    fake.fault({ method: 'POST', path: '/v5/order/create', action: 'timeout', process: true });
    ex.timeout = 300;
    await expect(
      ex.createOrder(SYMBOL, 'limit', 'buy', 0.01, 99000, { clientOrderId: 'lost-1' }),
    ).rejects.toBeInstanceOf(RequestTimeout);
    ex.timeout = 10_000;
    expect(await ex.fetchOpenOrders(SYMBOL)).toMatchObject([{ clientOrderId: 'lost-1', status: 'open' }]);
  });

  it('books the engine’s funding as a SETTLEMENT in the transaction log and a Funding execution', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 0.01);
    fake.engine.chargeFunding('BTCUSDT', '0.0001', '100000');
    const log: unknown = await ex.privateGetV5AccountTransactionLog({
      accountType: 'UNIFIED',
      category: 'linear',
      type: 'SETTLEMENT',
    });
    expect(list(log)).toMatchObject([
      {
        type: 'SETTLEMENT',
        symbol: 'BTCUSDT',
        side: 'Buy',
        size: '0.010',
        funding: '-0.1',
        fee: '0',
        cashFlow: '0',
        change: '-0.1',
        feeRate: '0.0001',
        tradePrice: '100000.00',
        cashBalance: '9999.35',
        currency: 'USDT',
      },
    ]);
    const [trade] = list(
      await ex.privateGetV5AccountTransactionLog({
        accountType: 'UNIFIED',
        category: 'linear',
        type: 'TRADE',
      }),
    );
    expect(trade).toMatchObject({ fee: '0.55', cashFlow: '0', change: '-0.55', cashBalance: '9999.45' });
    expect(await ex.fetchFundingHistory(SYMBOL)).toMatchObject([
      { symbol: SYMBOL, amount: 0.1, rate: 0.0001 },
    ]);
    expect(await ex.fetchFundingRateHistory(SYMBOL)).toMatchObject([{ symbol: SYMBOL, fundingRate: 0.0001 }]);
  });
});

describe('FakeBybit: the exchange’s own orders', () => {
  it('reports a liquidation as Bybit does: its victims cancelled, a BustTrade, LIQUIDATION entries', async () => {
    await order({ side: 'Buy', orderType: 'Market', qty: '0.02' });
    await order({ side: 'Buy', orderType: 'Limit', price: '95000', orderLinkId: 'bid-9' });
    await order({
      side: 'Sell',
      orderType: 'Market',
      triggerPrice: '97000',
      triggerDirection: '2',
      reduceOnly: true,
      orderLinkId: 'stop-9',
    });
    fake.engine.setPrice('BTCUSDT', '98000');
    fake.engine.forceClose('BTCUSDT', 'liquidation', { clearanceRate: '0.005' });
    await until(() =>
      fake.messages.some((m) => m.data.some((d) => d.createType === 'CreateByTakeOver_PassThrough')),
    );
    const closed = list(
      (await signed('GET', '/v5/order/realtime', { category: 'linear', symbol: 'BTCUSDT', openOnly: 1 }))
        .body,
    );
    const byLink = (id: string) => closed.find((r) => r.orderLinkId === id);
    expect(byLink('bid-9')).toMatchObject({ orderStatus: 'Cancelled', cancelType: 'CancelAllBeforeLiq' });
    expect(byLink('stop-9')).toMatchObject({ orderStatus: 'Deactivated', cancelType: 'CancelAllBeforeLiq' });
    expect(closed[0]).toMatchObject({
      orderLinkId: '',
      orderStatus: 'Filled',
      side: 'Sell',
      createType: 'CreateByTakeOver_PassThrough',
    });
    const [bust] = list(
      (await signed('GET', '/v5/execution/list', { category: 'linear', execType: 'BustTrade' })).body,
    );
    expect(bust).toMatchObject({
      execQty: '0.020',
      execPrice: '98000.00',
      execFee: '1.078',
      closedSize: '0.020',
    });
    const entries = list(
      (await signed('GET', '/v5/account/transaction-log', { accountType: 'UNIFIED', type: 'LIQUIDATION' }))
        .body,
    );
    // The clearance fee (0.5 % of 1960) comes after the fill's entry, which realised 2 × −0.02 × 1000.
    expect(entries).toMatchObject([
      { type: 'LIQUIDATION', qty: '0.000', fee: '9.8', change: '-9.8' },
      { type: 'LIQUIDATION', qty: '0.020', size: '0.000', cashFlow: '-40', fee: '1.078' },
    ]);

    await order({ side: 'Sell', orderType: 'Market', qty: '0.01' });
    fake.engine.forceClose('BTCUSDT', 'adl');
    const [adl] = list(
      (await signed('GET', '/v5/execution/list', { category: 'linear', execType: 'AdlTrade' })).body,
    );
    expect(adl).toMatchObject({
      side: 'Buy',
      execQty: '0.010',
      execFee: '0',
      createType: 'CreateByAdl_PassThrough',
    });
  });
});

describe('FakeBybit: Bybit’s refusals', () => {
  it('checks the key, the signature and the recv window with Bybit’s retCodes', async () => {
    const forged = await connect('not-the-secret');
    try {
      await expect(forged.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      await expect(forged.fetchBalance()).rejects.toThrow(/10004.*error sign!/);
    } finally {
      await forged.close();
    }
    const stranger = await connect(fake.secret, 'someone-else');
    try {
      await expect(stranger.fetchBalance()).rejects.toThrow(/10003.*API key is invalid/);
    } finally {
      await stranger.close();
    }
    const stale = await signed('GET', '/v5/account/info', {}, { timestamp: Date.now() - 6000 });
    expect(stale.body).toMatchObject({ retCode: 10002 });
    const ahead = await signed('GET', '/v5/account/info', {}, { timestamp: Date.now() + 2000 });
    expect(ahead.body.retCode).toBe(10002);
    expect((await signed('GET', '/v5/account/info', {})).body).toMatchObject({
      retCode: 0,
      result: { marginMode: 'REGULAR_MARGIN', unifiedMarginStatus: 6 },
    });
  });

  it('answers the engine’s refusals with Bybit’s codes, and cancels a post-only or fill-or-kill it cannot place', async () => {
    expect((await order({ side: 'Sell', orderType: 'Market', reduceOnly: true })).body.retCode).toBe(110017);
    expect((await order({ side: 'Buy', orderType: 'Market', qty: '3' })).body).toMatchObject({
      retCode: 110007,
      retMsg: 'ab not enough for new order',
    });
    expect((await order({ side: 'Buy', orderType: 'Market', qty: '0.0005' })).body.retCode).toBe(10001);
    expect((await order({ side: 'Buy', orderType: 'Limit', price: '99000.05' })).body.retCode).toBe(10001);
    expect((await order({ side: 'Buy', orderType: 'Market', qty: '0.0001' })).body.retMsg).toMatch(
      /too small/,
    );
    expect((await order({ side: 'Buy', orderType: 'Limit', price: '9000', qty: '0.001' })).body.retCode).toBe(
      110094,
    );

    const postOnly = await order({
      side: 'Buy',
      orderType: 'Limit',
      price: '100100',
      timeInForce: 'PostOnly',
      orderLinkId: 'po-1',
    });
    expect(postOnly.body).toMatchObject({ retCode: 0, result: { orderLinkId: 'po-1' } });
    const fok = await order({
      side: 'Buy',
      orderType: 'Limit',
      price: '99000',
      timeInForce: 'FOK',
      orderLinkId: 'fok-1',
    });
    expect(fok.body.retCode).toBe(0);
    const ioc = await order({
      side: 'Buy',
      orderType: 'Limit',
      price: '99000',
      timeInForce: 'IOC',
      orderLinkId: 'ioc-1',
    });
    expect(ioc.body.retCode).toBe(0);
    const history = list((await signed('GET', '/v5/order/history', { category: 'linear' })).body);
    const byLink = (id: string) => history.find((r) => r.orderLinkId === id);
    expect(byLink('po-1')).toMatchObject({
      orderStatus: 'Cancelled',
      rejectReason: 'EC_PostOnlyWillTakeLiquidity',
    });
    expect(byLink('fok-1')).toMatchObject({
      orderStatus: 'Cancelled',
      rejectReason: 'EC_CancelForNoFullFill',
    });
    expect(byLink('ioc-1')).toMatchObject({
      orderStatus: 'Cancelled',
      rejectReason: 'EC_NoImmediateQtyToFill',
    });
    expect(fake.engine.position('BTCUSDT')).toBe(0n);
  });

  it('limits each endpoint per second with Bybit’s headers and retCode 10006', async () => {
    await ex.loadMarkets();
    const first = await signed('GET', '/v5/position/list', { category: 'linear', symbol: 'BTCUSDT' });
    expect(first.headers.get('X-Bapi-Limit')).toBe('50');
    expect(first.headers.get('X-Bapi-Limit-Status')).toBe('49');
    ex.enableRateLimit = false;
    const cancel = () =>
      ex.privatePostV5OrderCancel({ category: 'linear', symbol: 'BTCUSDT', orderLinkId: 'nothing-here' });
    for (let k = 0; k < 10; k++) await expect(cancel()).rejects.toBeInstanceOf(OrderNotFound);
    await expect(cancel()).rejects.toBeInstanceOf(RateLimitExceeded);
    expect(fake.throttled().map((r) => r.path)).toEqual(['/v5/order/cancel']);
    fake.fault({ path: '/v5/account/wallet-balance', action: 'throttle' });
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(RateLimitExceeded);
  });

  it('keeps the account’s leverage, position mode and margin mode as a UTA does', async () => {
    await ex.setLeverage(10, SYMBOL);
    await expect(ex.setLeverage(10, SYMBOL)).rejects.toBeInstanceOf(BadRequest);
    await expect(ex.setLeverage(10, SYMBOL)).rejects.toThrow(/110043/);
    expect(fake.engine.symbolLeverage.get('BTCUSDT')).toBe(10);
    const [row] = list(await ex.privateGetV5PositionList({ category: 'linear', symbol: 'BTCUSDT' }));
    expect(row).toMatchObject({ leverage: '10', positionIdx: 0, side: '', size: '0.000' });
    await ex.setMarginMode('isolated', SYMBOL);
    expect(await ex.privateGetV5AccountInfo()).toMatchObject({ result: { marginMode: 'ISOLATED_MARGIN' } });
    await ex.setPositionMode(true, SYMBOL);
    const rows = list(await ex.privateGetV5PositionList({ category: 'linear', symbol: 'BTCUSDT' }));
    expect(rows.map((r) => r.positionIdx)).toEqual([1, 2]);
    expect((await order({ side: 'Buy', orderType: 'Market' })).body.retMsg).toBe(
      'position idx not match position mode',
    );
  });
});

describe('FakeBybit: the private stream', () => {
  it('authenticates, subscribes, answers ping, and can be cut after a message or mangle one', async () => {
    const ws = new WebSocket(`${fake.wsOrigin}/v5/private`);
    const inbox: Row[] = [];
    ws.on('message', (d) => inbox.push(JSON.parse(String(d)) as Row));
    await once(ws, 'open');
    const expires = Date.now() + 10_000;
    const signature = createHmac('sha256', fake.secret).update(`GET/realtime${expires}`).digest('hex');
    ws.send(JSON.stringify({ op: 'auth', args: [fake.apiKey, expires, 'not-a-signature'] }));
    ws.send(JSON.stringify({ op: 'subscribe', req_id: '1', args: ['order'] }));
    ws.send(JSON.stringify({ op: 'auth', args: [fake.apiKey, expires, signature] }));
    ws.send(JSON.stringify({ op: 'subscribe', req_id: '2', args: ['order.linear', 'wallet'] }));
    ws.send(JSON.stringify({ req_id: '3', op: 'ping' }));
    await until(() => inbox.length === 5);
    expect(inbox).toMatchObject([
      { success: false, op: 'auth', ret_msg: 'error:signature verification failed' },
      { success: false, op: 'subscribe', req_id: '1', ret_msg: 'Request not authorized' },
      { success: true, op: 'auth', ret_msg: '' },
      { success: true, op: 'subscribe', req_id: '2' },
      { op: 'pong', req_id: '3' },
    ]);

    fake.corruptPrivateMessages(1);
    fake.dropPrivateStreams({ afterMessages: 2 });
    const closed = once(ws, 'close');
    await order({ side: 'Buy', orderType: 'Limit', price: '99000', orderLinkId: 'ws-1' });
    fake.engine.setPrice('BTCUSDT', '98000');
    const [code] = (await closed) as [number];
    expect(code).toBe(1001);
    expect(inbox.slice(5)).toMatchObject([
      { topic: 'order.linear', data: [{ symbol: 'NOT-A-SYMBOL', orderLinkId: 'ws-1', orderStatus: 'New' }] },
      { topic: 'order.linear', data: [{ symbol: 'BTCUSDT', orderLinkId: 'ws-1', orderStatus: 'Filled' }] },
    ]);
    expect(fake.privateStreams).toBe(0);
  });
});
