import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import {
  AuthenticationError,
  InvalidOrder,
  OrderNotFound,
  pro,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { seriesFromBars } from '../../../domain/market/bars.js';
import type { FakeMarket } from './fake-binance-market.js';
import { FakeOkx } from './fake-okx.js';
import { plain } from './fake-okx-market.js';

type Okx = InstanceType<typeof pro.okx>;
type Row = Record<string, unknown>;

const SYMBOL = 'BTC/USDT:USDT';
const INST = 'BTC-USDT-SWAP';

/** `https://{hostname}/x` → `<origin>/x`, `wss://ws.okx.com:8443/ws/v5` → `<ws origin>/ws/v5`: every URL ccxt's okx knows. */
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
  return move(new pro.okx().urls) as Record<string, unknown>;
};

let fake: FakeOkx;
let ex: Okx;

/** ccxt as the OKX session should configure it: swaps only, swaps by default, one order per request. */
const connect = async (creds: { secret?: string; password?: string } = {}): Promise<Okx> => {
  const o = new pro.okx({
    apiKey: fake.apiKey,
    secret: creds.secret ?? fake.secret,
    password: creds.password ?? fake.passphrase,
    options: {
      defaultType: 'swap',
      fetchMarkets: { types: ['swap'] },
      createOrder: 'privatePostTradeOrder',
    },
    urls: urlsAt(fake.origin, fake.wsOrigin),
  });
  // ccxt refuses plain ws:// until its http agent is loaded.
  await o.loadHttpProxyAgent();
  return o;
};

beforeEach(async () => {
  fake = await FakeOkx.start();
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
  code: string;
  msg: string;
  data: Row[];
}

/** A request signed by hand as OKX wants it, for what ccxt would not send. */
const signed = async (
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string | boolean> | Record<string, string>[],
  opts: { timestamp?: string } = {},
): Promise<{ status: number; body: Reply }> => {
  const timestamp = opts.timestamp ?? new Date().toISOString();
  const search =
    method === 'GET' && !Array.isArray(params)
      ? new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()
      : '';
  const query = search === '' ? '' : `?${search}`;
  const body = method === 'POST' ? JSON.stringify(params) : '';
  const sign = createHmac('sha256', fake.secret)
    .update(`${timestamp}${method}${path}${query}${body}`)
    .digest('base64');
  const res = await fetch(`${fake.origin}${path}${query}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'OK-ACCESS-KEY': fake.apiKey,
      'OK-ACCESS-SIGN': sign,
      'OK-ACCESS-TIMESTAMP': timestamp,
      'OK-ACCESS-PASSPHRASE': fake.passphrase,
    },
    ...(method === 'POST' ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as Reply };
};

const data = (reply: unknown): Row[] => {
  const d = (reply as { data?: unknown }).data;
  return Array.isArray(d) ? (d as Row[]) : [];
};

describe('FakeOkx: the listing', () => {
  it('lists the USDT swaps for ccxt, Binance’s real filters re-spelled as OKX contracts', async () => {
    const markets = await ex.loadMarkets();
    expect(markets[SYMBOL]).toMatchObject({
      id: INST,
      type: 'swap',
      linear: true,
      settle: 'USDT',
      contractSize: 0.01,
      active: true,
      precision: { amount: 0.1, price: 0.1 },
      limits: { amount: { min: 0.1, max: 100000 }, leverage: { max: 125 } },
      info: {
        ctVal: '0.01',
        lotSz: '0.1',
        minSz: '0.1',
        tickSz: '0.1',
        ctType: 'linear',
        instFamily: 'BTC-USDT',
      },
    });
    const swaps = Object.values(markets).filter((m) => m?.swap && m.settle === 'USDT');
    expect(swaps.length).toBeGreaterThan(400);
    // What ccxt asks for with these options: the coins (it does whenever it has keys) and the swaps.
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${new URLSearchParams(r.params)}`).sort()).toEqual(
      ['GET /api/v5/asset/currencies ', 'GET /api/v5/public/instruments instType=SWAP'],
    );
    expect(fake.unknownRequests()).toEqual([]);

    const tiers = (await (
      await fetch(
        `${fake.origin}/api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=BTC-USDT`,
      )
    ).json()) as Reply;
    // Binance's first bracket, 50 000 USDT, is 50 contracts of 0.01 BTC at 100 000.
    expect(tiers.data[0]).toMatchObject({
      tier: '1',
      minSz: '0',
      maxSz: '50',
      mmr: '0.004',
      imr: '0.008',
      maxLever: '125',
    });
  });
});

describe('FakeOkx: the recorded market', () => {
  const FROM = Date.UTC(2024, 0, 1);
  const MINUTE = 60_000;
  const bars = seriesFromBars(
    'BTCUSDT',
    '1m',
    Array.from({ length: 10 }, (_, k) => ({
      openTime: FROM + k * MINUTE,
      open: 42000 + k,
      high: 42010.05 + k,
      low: 41990 + k,
      close: 42005 + k,
      volume: 12.345,
    })),
  );
  const market: FakeMarket = {
    bars: (s, tf) => (s === 'BTCUSDT' && tf === '1m' ? bars : undefined),
    funding: (s) =>
      s === 'BTCUSDT'
        ? {
            symbol: s,
            time: Float64Array.from([FROM - 8 * 60 * MINUTE, FROM, FROM + 8 * 60 * MINUTE]),
            rate: Float64Array.from([0.0001, 0.0002, 0.0003]),
          }
        : undefined,
  };

  it('serves candles newest first with the forming one unconfirmed, funding and the mark, and trades at it', async () => {
    const now = FROM + 5 * MINUTE + 30_000;
    const recorded = await FakeOkx.start({ now: () => now, market, followMarket: [INST] });
    // No keys: the server's clock is the recording's, which a signature's timestamp cannot be within 30 s of.
    const reader = new pro.okx({
      options: { defaultType: 'swap', fetchMarkets: { types: ['swap'] } },
      urls: urlsAt(recorded.origin, recorded.wsOrigin),
    });
    try {
      const raw = (await (
        await fetch(`${recorded.origin}/api/v5/market/candles?instId=${INST}&bar=1m&limit=2`)
      ).json()) as Reply;
      expect(raw.data).toEqual([
        [String(FROM + 5 * MINUTE), '42005', '42005', '42005', '42005', '0', '0', '0', '0'],
        [
          String(FROM + 4 * MINUTE),
          '42004',
          '42014.05',
          '41994',
          '42009',
          '1234.5',
          '12.345',
          '518601.105',
          '1',
        ],
      ]);
      const ohlcv = await reader.fetchOHLCV(SYMBOL, '1m', FROM, 100);
      expect(ohlcv.map((c) => c[0])).toEqual([0, 1, 2, 3, 4, 5].map((k) => FROM + k * MINUTE));
      expect(ohlcv[0]).toEqual([FROM, 42000, 42010.05, 41990, 42005, 12.345]);
      expect(recorded.requests.at(-1)).toMatchObject({ path: '/api/v5/market/history-candles' });
      expect(await reader.fetchFundingRateHistory(SYMBOL)).toMatchObject([
        { timestamp: FROM - 8 * 60 * MINUTE, fundingRate: 0.0001 },
        { timestamp: FROM, fundingRate: 0.0002 },
      ]);
      expect(await reader.fetchMarkPrice(SYMBOL)).toMatchObject({ markPrice: 42005 });
      // Numbers go out as OKX prints them, without an exponent, however small the recorded price.
      expect([plain(1.23e-7), plain(42005), plain(-2.5e-8)]).toEqual([
        '0.000000123',
        '42005',
        '-0.000000025',
      ]);
      // followMarket: the engine trades at the recorded mark, on the tick.
      expect(recorded.engine.priceOf('BTCUSDT')).toBe(42005n * 10n ** 18n);
    } finally {
      await reader.close();
      await recorded.close();
    }
  });
});

describe('FakeOkx: trading through ccxt', () => {
  it('fills a market buy at the set price with the taker fee, into the position and the balance', async () => {
    const placed = await ex.createOrder(SYMBOL, 'market', 'buy', 1, undefined, { clientOrderId: 'buy1' });
    expect(placed.id).toMatch(/^\d{19}$/);
    expect(placed.clientOrderId).toBe('buy1');
    const [trade] = await ex.fetchMyTrades(SYMBOL);
    expect(trade).toMatchObject({
      order: placed.id,
      side: 'buy',
      price: 100000,
      amount: 1,
      takerOrMaker: 'taker',
      fee: { cost: 0.5, currency: 'USDT' },
      // OKX signs a charged fee negative: 1 contract = 0.01 BTC, 1000 USDT at 0.05 %.
      info: { fee: '-0.5', fillSz: '1', execType: 'T', subType: '1' },
    });
    const [position] = await ex.fetchPositions([SYMBOL]);
    expect(position).toMatchObject({
      side: 'long',
      contracts: 1,
      contractSize: 0.01,
      entryPrice: 100000,
      markPrice: 100000,
      marginMode: 'cross',
      info: { pos: '1', posSide: 'net', fee: '-0.5' },
    });
    const balance = await ex.fetchBalance();
    expect(balance.USDT?.total).toBeCloseTo(9999.5, 8);
    expect(await ex.fetchTradingFee(SYMBOL)).toMatchObject({
      maker: 0.0002,
      taker: 0.0005,
      info: { makerU: '-0.0002', takerU: '-0.0005' },
    });
    expect(await ex.fetchClosedOrders(SYMBOL)).toMatchObject([
      { id: placed.id, status: 'closed', filled: 1, average: 100000, fee: { cost: 0.5 } },
    ]);
  });

  it('rests a limit order, fills it when the price crosses, and pushes both on the orders channel', async () => {
    const orders = ex.watchOrders(SYMBOL);
    await until(() => fake.subscribers('orders') === 1);
    const placed = await ex.createOrder(SYMBOL, 'limit', 'buy', 1, 99000, { clientOrderId: 'bid1' });
    expect((await orders).at(-1)).toMatchObject({
      id: placed.id,
      clientOrderId: 'bid1',
      status: 'open',
      price: 99000,
      amount: 1,
    });
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toEqual([placed.id]);

    const filled = ex.watchOrders(SYMBOL);
    fake.engine.setPrice('BTCUSDT', '98900');
    expect((await filled).at(-1)).toMatchObject({
      id: placed.id,
      status: 'closed',
      filled: 1,
      average: 99000,
      info: { state: 'filled', execType: 'M', fillSz: '1', fillPx: '99000', fillFee: '-0.198' },
    });
    const [trade] = await ex.fetchMyTrades(SYMBOL);
    expect(trade).toMatchObject({
      order: placed.id,
      takerOrMaker: 'maker',
      price: 99000,
      fee: { cost: 0.198 },
    });
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect(fake.messages.map((m) => m.channel)).toEqual(['orders', 'orders']);
  });

  it('cancels by clOrdId, refuses a clOrdId a pending order holds, and takes it again once that is done', async () => {
    await ex.createOrder(SYMBOL, 'limit', 'sell', 1, 101000, { clientOrderId: 'ask1' });
    const again = ex.createOrder(SYMBOL, 'limit', 'sell', 1, 101000, { clientOrderId: 'ask1' });
    await expect(again).rejects.toBeInstanceOf(InvalidOrder);
    await expect(again).rejects.toThrow(/51016/);
    await ex.cancelOrder('', SYMBOL, { clientOrderId: 'ask1' });
    expect(await ex.fetchOrder('', SYMBOL, { clientOrderId: 'ask1' })).toMatchObject({
      status: 'canceled',
      filled: 0,
      info: { state: 'canceled', cancelSource: '1' },
    });
    // OKX answers 51400 for any cancel that fails: filled, already cancelled or unknown.
    await expect(ex.cancelOrder('', SYMBOL, { clientOrderId: 'ask1' })).rejects.toThrow(/51400/);
    await expect(ex.fetchOrder('1', SYMBOL)).rejects.toBeInstanceOf(OrderNotFound);
    const reused = await ex.createOrder(SYMBOL, 'limit', 'sell', 1, 101000, { clientOrderId: 'ask1' });
    expect((await ex.fetchOpenOrders(SYMBOL)).map((o) => o.id)).toEqual([reused.id]);
    // A clOrdId OKX would not take: up to 32 letters and digits.
    await expect(
      ex.createOrder(SYMBOL, 'limit', 'sell', 1, 101000, { clientOrderId: 'not-alphanumeric' }),
    ).rejects.toThrow(/51000.*Parameter clOrdId error/);
  });

  it('fires a stop-market algo order when the price falls through it, and pushes it on orders-algo', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 1);
    const algos = ex.watchOrders(SYMBOL, undefined, undefined, { trigger: true });
    await until(() => fake.subscribers('orders-algo') === 1);
    // An algo order's client id is algoClOrdId: ccxt's clientOrderId would go out as clOrdId, which
    // OKX's order-algo does not take.
    const stop = await ex.createOrder(SYMBOL, 'market', 'sell', 1, undefined, {
      stopLossPrice: 99000,
      reduceOnly: true,
      algoClOrdId: 'stop1',
    });
    expect((await algos).at(-1)).toMatchObject({
      id: stop.id,
      status: 'open',
      info: { algoClOrdId: 'stop1', state: 'live' },
    });
    const conditional = { trigger: true, ordType: 'conditional' };
    expect(await ex.fetchOpenOrders(SYMBOL, undefined, undefined, conditional)).toMatchObject([
      { id: stop.id, status: 'open', stopLossPrice: 99000, reduceOnly: true, info: { slOrdPx: '-1' } },
    ]);
    fake.engine.setPrice('BTCUSDT', '98900');
    expect(fake.engine.position('BTCUSDT')).toBe(0n);
    const [fired] = await ex.fetchClosedOrders(SYMBOL, undefined, undefined, conditional);
    expect(fired).toMatchObject({
      id: stop.id,
      status: 'closed',
      info: { state: 'effective', actualSide: 'sl' },
    });
    const child = await ex.fetchOrder(String(fired?.info.ordId), SYMBOL);
    expect(child).toMatchObject({
      status: 'closed',
      filled: 1,
      average: 98900,
      info: { algoId: stop.id, algoClOrdId: 'stop1', ordType: 'market', source: '7' },
    });
    // A stop-loss on the wrong side of the price is refused as OKX refuses it.
    await expect(
      ex.createOrder(SYMBOL, 'market', 'sell', 1, undefined, { stopLossPrice: 99500 }),
    ).rejects.toThrow(/51280/);
  });

  it('leaves the order placed when the create request times out after the exchange acted on it', async () => {
    await ex.loadMarkets();
    fake.fault({ method: 'POST', path: '/api/v5/trade/order', action: 'timeout', process: true });
    ex.timeout = 300;
    await expect(
      ex.createOrder(SYMBOL, 'limit', 'buy', 1, 99000, { clientOrderId: 'lost1' }),
    ).rejects.toBeInstanceOf(RequestTimeout);
    ex.timeout = 10_000;
    expect(await ex.fetchOpenOrders(SYMBOL)).toMatchObject([{ clientOrderId: 'lost1', status: 'open' }]);
  });

  it('books the engine’s funding as a type 8 bill, signed as OKX signs it', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 1);
    fake.engine.chargeFunding('BTCUSDT', '0.0001', '100000');
    const bills = data(await ex.privateGetAccountBills({ instType: 'SWAP', type: '8' }));
    expect(bills).toMatchObject([
      {
        type: '8',
        subType: '173',
        instId: INST,
        ccy: 'USDT',
        balChg: '-0.1',
        bal: '9999.4',
        sz: '1',
        mgnMode: 'cross',
      },
    ]);
    const [trade] = data(await ex.privateGetAccountBills({ type: '2' }));
    expect(trade).toMatchObject({ subType: '1', fee: '-0.5', balChg: '-0.5', pnl: '0', sz: '1' });
    expect(await ex.fetchFundingHistory(SYMBOL)).toMatchObject([
      { symbol: SYMBOL, amount: -0.1, code: 'USDT' },
    ]);
    expect(await ex.fetchFundingRateHistory(SYMBOL)).toMatchObject([{ symbol: SYMBOL, fundingRate: 0.0001 }]);
    const [position] = await ex.fetchPositions([SYMBOL]);
    expect(position?.info).toMatchObject({ fundingFee: '-0.1', fee: '-0.5', realizedPnl: '-0.6' });
  });
});

describe('FakeOkx: the exchange’s own orders', () => {
  it('reports a liquidation as OKX does: its victims cancelled, a full_liquidation order and fill, bills', async () => {
    await ex.createOrder(SYMBOL, 'market', 'buy', 2);
    await ex.createOrder(SYMBOL, 'limit', 'buy', 1, 95000, { clientOrderId: 'bid9' });
    const stop = await ex.createOrder(SYMBOL, 'market', 'sell', 2, undefined, {
      stopLossPrice: 97000,
      reduceOnly: true,
    });
    fake.engine.setPrice('BTCUSDT', '98000');
    fake.engine.forceClose('BTCUSDT', 'liquidation', { clearanceRate: '0.005' });
    await until(() => fake.messages.some((m) => m.data.some((d) => d.category === 'full_liquidation')));
    expect(await ex.fetchOrder('', SYMBOL, { clientOrderId: 'bid9' })).toMatchObject({
      status: 'canceled',
      info: { cancelSource: '3' },
    });
    const [gone] = await ex.fetchCanceledOrders(SYMBOL, undefined, undefined, {
      trigger: true,
      ordType: 'conditional',
    });
    expect(gone).toMatchObject({ id: stop.id, status: 'canceled' });
    // ccxt sorts what it fetched oldest first: the exchange's own orders are found by their category.
    const closed = await ex.fetchClosedOrders(SYMBOL);
    const liquidation = closed.find((o) => o.info.category === 'full_liquidation');
    // The fill realised −0.02 × 2000; the clearance fee (0.5 % of 1960) is the order's pnl too, as OKX
    // counts a cross liquidation's penalty.
    expect(liquidation).toMatchObject({
      side: 'sell',
      status: 'closed',
      filled: 2,
      clientOrderId: undefined,
      info: { pnl: '-49.8', fee: '-0.98', tradeId: '0' },
    });
    const fill = (await ex.fetchMyTrades(SYMBOL)).find((t) => t.order === liquidation?.id);
    // A system fill: a negative tradeId and no liquidity side.
    expect(fill).toMatchObject({ amount: 2, price: 98000, info: { subType: '107', execType: '' } });
    expect(fill?.id).toMatch(/^-\d+$/);
    expect(data(await ex.privateGetAccountBills({ type: '5' }))).toMatchObject([
      { subType: '107', balChg: '-9.8', pnl: '-9.8', fee: '0', sz: '0' },
      { subType: '107', pnl: '-40', fee: '-0.98', sz: '2', ordId: liquidation?.id },
    ]);

    await ex.createOrder(SYMBOL, 'market', 'sell', 1);
    fake.engine.forceClose('BTCUSDT', 'adl');
    const adl = (await ex.fetchMyTrades(SYMBOL)).find((t) => t.info.subType === '127');
    expect(adl).toMatchObject({ side: 'buy', amount: 1, info: { fee: '0', execType: '' } });
    const adlOrder = (await ex.fetchClosedOrders(SYMBOL)).find((o) => o.id === adl?.order);
    expect(adlOrder?.info).toMatchObject({ category: 'adl' });
  });
});

describe('FakeOkx: OKX’s refusals', () => {
  it('checks the signature, the passphrase and the timestamp with OKX’s codes', async () => {
    const forged = await connect({ secret: 'not-the-secret' });
    try {
      await expect(forged.fetchBalance()).rejects.toBeInstanceOf(AuthenticationError);
      await expect(forged.fetchBalance()).rejects.toThrow(/50113/);
    } finally {
      await forged.close();
    }
    const stranger = await connect({ password: 'not-the-passphrase' });
    try {
      await expect(stranger.fetchBalance()).rejects.toThrow(/50105/);
    } finally {
      await stranger.close();
    }
    const stale = await signed(
      'GET',
      '/api/v5/account/config',
      {},
      {
        timestamp: new Date(Date.now() - 31_000).toISOString(),
      },
    );
    expect(stale).toMatchObject({ status: 401, body: { code: '50102' } });
    expect(await signed('GET', '/api/v5/account/config', {})).toMatchObject({
      status: 200,
      body: { code: '0', data: [{ posMode: 'net_mode', acctLv: '2', perm: 'read_only,trade' }] },
    });
  });

  it('answers the engine’s refusals per order, and cancels a post-only that would take', async () => {
    const order = (extra: Record<string, string | boolean>) =>
      signed('POST', '/api/v5/trade/order', {
        instId: INST,
        tdMode: 'cross',
        side: 'buy',
        sz: '1',
        ...extra,
      });
    expect((await order({ ordType: 'market', sz: '300' })).body).toMatchObject({
      code: '1',
      msg: 'All operations failed',
      data: [{ sCode: '51008', ordId: '' }],
    });
    expect((await order({ ordType: 'market', sz: '0.05' })).body.data[0]).toMatchObject({ sCode: '51121' });
    expect((await order({ ordType: 'limit', px: '99000.05' })).body.data[0]).toMatchObject({
      sCode: '51000',
    });
    expect((await order({ ordType: 'market', side: 'sell', reduceOnly: true })).body.data[0]).toMatchObject({
      sCode: '51169',
    });
    expect((await order({ ordType: 'market' })).body.code).toBe('0');
    // Reduce-only as OKX has it: the other way, and not beyond the position (refused whole, not trimmed).
    expect((await order({ ordType: 'market', reduceOnly: true })).body.data[0]).toMatchObject({
      sCode: '51170',
    });
    expect(
      (await order({ ordType: 'market', side: 'sell', sz: '2', reduceOnly: true })).body.data[0],
    ).toMatchObject({ sCode: '51112' });
    expect((await order({ ordType: 'limit', px: '90000', clOrdId: 'dup1' })).body.code).toBe('0');
    expect((await order({ ordType: 'limit', px: '90000', clOrdId: 'dup1' })).body.data[0]).toMatchObject({
      sCode: '51016',
      sMsg: 'Client order ID already exists.',
    });
    const postOnly = await order({ ordType: 'post_only', px: '100100', clOrdId: 'po1' });
    expect(postOnly.body).toMatchObject({ code: '0', data: [{ sCode: '0', clOrdId: 'po1' }] });
    const [po] = data((await signed('GET', '/api/v5/trade/order', { instId: INST, clOrdId: 'po1' })).body);
    expect(po).toMatchObject({ state: 'canceled', cancelSource: '31', accFillSz: '0' });
    const batch = await signed('POST', '/api/v5/trade/batch-orders', [
      { instId: INST, tdMode: 'cross', side: 'buy', ordType: 'limit', sz: '1', px: '90000' },
      { instId: INST, tdMode: 'isolated', side: 'buy', ordType: 'limit', sz: '1', px: '90000' },
    ]);
    expect(batch.body).toMatchObject({ code: '2', data: [{ sCode: '0' }, { sCode: '51000' }] });
  });

  it('limits each endpoint as OKX documents it, with HTTP 429 and code 50011', async () => {
    await ex.loadMarkets();
    ex.enableRateLimit = false;
    for (let k = 0; k < 5; k++) await ex.fetchAccounts();
    await expect(ex.fetchAccounts()).rejects.toBeInstanceOf(RateLimitExceeded);
    expect(fake.throttled()).toMatchObject([{ path: '/api/v5/account/config', status: 429 }]);
    fake.fault({ path: '/api/v5/account/balance', action: 'throttle' });
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(RateLimitExceeded);
    await expect(ex.fetchBalance()).resolves.toMatchObject({ USDT: { total: 10000 } });
  });
});

describe('FakeOkx: the private streams', () => {
  it('logs in, subscribes, answers ping, and can be cut after a push or mangle one', async () => {
    const ws = new WebSocket(`${fake.wsOrigin}/ws/v5/private`);
    const inbox: unknown[] = [];
    ws.on('message', (d) => {
      const text = String(d);
      inbox.push(text === 'pong' ? text : JSON.parse(text));
    });
    await once(ws, 'open');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sign = createHmac('sha256', fake.secret)
      .update(`${timestamp}GET/users/self/verify`)
      .digest('base64');
    const login = (passphrase: string) => ({
      op: 'login',
      args: [{ apiKey: fake.apiKey, passphrase, timestamp, sign }],
    });
    ws.send(JSON.stringify(login('wrong')));
    ws.send(JSON.stringify({ op: 'subscribe', args: [{ channel: 'orders', instType: 'SWAP' }] }));
    ws.send(JSON.stringify(login(fake.passphrase)));
    ws.send(
      JSON.stringify({
        op: 'subscribe',
        args: [
          { channel: 'orders', instType: 'SWAP' },
          { channel: 'orders-algo', instType: 'SWAP' },
        ],
      }),
    );
    ws.send('ping');
    await until(() => inbox.length === 6);
    expect(inbox).toMatchObject([
      { event: 'error', code: '60024' },
      { event: 'error', code: '60011' },
      { event: 'login', code: '0' },
      { event: 'subscribe', arg: { channel: 'orders', instType: 'SWAP' } },
      { event: 'error', code: '64001' },
      'pong',
    ]);

    fake.corruptPrivateMessages(1);
    fake.dropPrivateStreams({ afterMessages: 2 });
    const closed = once(ws, 'close');
    await signed('POST', '/api/v5/trade/order', {
      instId: INST,
      tdMode: 'cross',
      side: 'buy',
      ordType: 'limit',
      sz: '1',
      px: '99000',
      clOrdId: 'ws1',
    });
    fake.engine.setPrice('BTCUSDT', '98000');
    const [code] = (await closed) as [number];
    expect(code).toBe(1001);
    expect(inbox.slice(6)).toMatchObject([
      {
        arg: { channel: 'orders', uid: expect.any(String) },
        data: [{ instId: 'NOT-AN-INSTRUMENT', clOrdId: 'ws1', state: 'live' }],
      },
      {
        arg: { channel: 'orders' },
        data: [{ instId: INST, clOrdId: 'ws1', state: 'filled', tradeId: expect.stringMatching(/^\d+$/) }],
      },
    ]);
    expect(fake.privateStreams).toBe(0);
  });
});
