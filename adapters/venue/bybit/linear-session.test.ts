import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Observation } from '../observation.js';
import { BybitLinearSession } from './linear-session.js';

/**
 * The session's own wiring: where its URLs point, what ccxt calls to load the markets, and how the
 * private stream is tapped. A stub answers only what that needs (the fake Bybit exchange is tested apart).
 */

const instrument = {
  symbol: 'BTCUSDT',
  contractType: 'LinearPerpetual',
  status: 'Trading',
  baseCoin: 'BTC',
  quoteCoin: 'USDT',
  launchTime: '1585526400000',
  deliveryTime: '0',
  deliveryFeeRate: '',
  priceScale: '2',
  leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
  priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
  lotSizeFilter: {
    maxOrderQty: '1190.000',
    minOrderQty: '0.001',
    qtyStep: '0.001',
    postOnlyMaxOrderQty: '1190.000',
    maxMktOrderQty: '500.000',
    minNotionalValue: '5',
  },
  unifiedMarginTrade: true,
  fundingInterval: 480,
  settleCoin: 'USDT',
};

interface Stub {
  readonly rest: string;
  readonly ws: string;
  readonly paths: string[];
  readonly subscribed: string[];
  push(message: unknown): void;
  close(): Promise<void>;
}

const startStub = async (): Promise<Stub> => {
  const paths: string[] = [];
  const subscribed: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    paths.push(url.pathname);
    const reply = (result: unknown) =>
      res.end(JSON.stringify({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() }));
    if (url.pathname === '/v5/market/time') {
      const ns = BigInt(Date.now()) * 1_000_000n;
      reply({ timeSecond: String(ns / 1_000_000_000n), timeNano: String(ns) });
    } else if (url.pathname === '/v5/market/instruments-info')
      reply({
        category: 'linear',
        list: url.searchParams.get('status') === 'PreLaunch' ? [] : [instrument],
        nextPageCursor: '',
      });
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    paths.push(req.url ?? '');
    socket.on('message', (data) => {
      const m = JSON.parse(String(data)) as { op?: string; args?: string[]; req_id?: unknown };
      if (m.op === 'auth')
        socket.send(JSON.stringify({ success: true, ret_msg: '', op: 'auth', conn_id: 'c1' }));
      if (m.op === 'subscribe') {
        subscribed.push(...(m.args ?? []));
        socket.send(
          JSON.stringify({
            success: true,
            ret_msg: '',
            conn_id: 'c1',
            req_id: String(m.req_id),
            op: 'subscribe',
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    rest: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    paths,
    subscribed,
    push: (message) => {
      for (const c of wss.clients) c.send(JSON.stringify(message));
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const until = async (done: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
};

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

describe('BybitLinearSession', () => {
  it('moves every URL ccxt knows to the endpoint given', () => {
    const session = new BybitLinearSession({
      ccxt: {},
      endpoint: { rest: 'http://127.0.0.1:9', ws: 'ws://127.0.0.1:9' },
    });
    open.push(() => session.close());
    const urls = JSON.stringify(session.urls);
    expect(urls).not.toMatch(/bybit\.com|bytick|\{hostname\}/i);
    expect(urls).toContain('ws://127.0.0.1:9/v5/private');
    expect(urls).toContain('http://127.0.0.1:9');
  });

  it('loads linear markets only, and reports the private stream connected once both topics are confirmed', async () => {
    const stub = await startStub();
    open.push(() => stub.close());
    const session = new BybitLinearSession({
      ccxt: { apiKey: 'key', secret: 'secret' },
      endpoint: { rest: stub.rest, ws: stub.ws },
      reconnectDelayMs: 20,
    });
    open.push(() => session.close());
    const messages: (readonly Observation[])[] = [];
    const gaps: string[] = [];
    let connected = 0;
    await session.start({
      connected: () => connected++,
      message: (o) => messages.push(o),
      gap: (reason) => gaps.push(reason),
      disconnected: () => {},
    });
    expect(connected).toBe(1);
    expect([...stub.subscribed].sort()).toEqual(['execution', 'order']);
    // The clock, the linear instruments (trading and pre-launch) and the private socket: nothing else.
    expect(new Set(stub.paths)).toEqual(
      new Set(['/v5/market/time', '/v5/market/instruments-info', '/v5/private']),
    );
    expect(session.trades('BTCUSDT')).toBe(true);
    expect(session.trades('BTCUSD')).toBe(false);

    stub.push({
      id: '592324803b2785-26fa-4214-9963-bdd4727f07be',
      topic: 'execution',
      creationTime: 1672364174455,
      data: [
        {
          category: 'linear',
          symbol: 'BTCUSDT',
          execFee: '0.005061',
          execId: '7e2ae69c-4edf-5800-a352-893d52b446aa',
          execPrice: '25000.1',
          execQty: '0.001',
          execType: 'Trade',
          isMaker: false,
          leavesQty: '0',
          orderId: 'f6e324ff-99c2-4e89-9739-3086e47f9381',
          orderLinkId: 'o-1',
          side: 'Sell',
          execTime: '1672364174443',
        },
      ],
    });
    stub.push({ topic: 'order', creationTime: 1, data: [{ orderId: 'x' }] });
    await until(() => messages.length === 1 && gaps.length === 1, 'the trade and the gap');
    expect(messages[0]).toMatchObject([
      { kind: 'trade', clientOrderId: 'o-1', tradeId: '7e2ae69c-4edf-5800-a352-893d52b446aa' },
    ]);
    expect(gaps[0]).toMatch(/unreadable stream message/);
  });
});
