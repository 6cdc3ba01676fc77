import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { Observation } from '../observation.js';
import { OkxSwapSession } from './swap-session.js';

/**
 * The session's own wiring: where its URLs point, what ccxt calls to load the markets, and how the private
 * stream is logged in, subscribed and tapped. A stub answers only what that needs (the fake OKX exchange is
 * tested apart).
 */

// https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments, a USDT swap.
const instrument = {
  alias: '',
  baseCcy: '',
  category: '1',
  ctMult: '1',
  ctType: 'linear',
  ctVal: '0.01',
  ctValCcy: 'BTC',
  expTime: '',
  instFamily: 'BTC-USDT',
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  lever: '100',
  listTime: '1611916828000',
  lotSz: '0.01',
  maxLmtSz: '100000000',
  maxMktSz: '12000',
  minSz: '0.01',
  optType: '',
  quoteCcy: '',
  settleCcy: 'USDT',
  state: 'live',
  stk: '',
  tickSz: '0.1',
  uly: 'BTC-USDT',
};

interface Stub {
  readonly rest: string;
  readonly ws: string;
  readonly paths: string[];
  readonly queries: string[];
  /** Channel subscriptions, as `<socket path> <channel> <instType>`. */
  readonly subscribed: string[];
  /** Confirms the business socket's subscriptions held back so far (and every later one). */
  releaseBusiness(): void;
  push(path: string, message: unknown): void;
  close(): Promise<void>;
}

const startStub = async (holdBusiness: boolean): Promise<Stub> => {
  const paths: string[] = [];
  const queries: string[] = [];
  const subscribed: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    paths.push(url.pathname);
    queries.push(`${url.pathname}${url.search}`);
    const reply = (data: unknown[]) => res.end(JSON.stringify({ code: '0', msg: '', data }));
    if (url.pathname === '/api/v5/public/time') reply([{ ts: String(Date.now()) }]);
    else if (url.pathname === '/api/v5/public/instruments') reply([instrument]);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  const wss = new WebSocketServer({ server });
  let release = !holdBusiness;
  const held: (() => void)[] = [];
  const sockets = new Map<string, Set<import('ws').WebSocket>>();
  wss.on('connection', (socket, req) => {
    const path = req.url ?? '';
    paths.push(path);
    sockets.set(path, new Set([...(sockets.get(path) ?? []), socket]));
    socket.on('message', (data) => {
      const text = String(data);
      if (text === 'ping') {
        socket.send('pong');
        return;
      }
      const m = JSON.parse(text) as { op?: string; args?: { channel: string; instType?: string }[] };
      if (m.op === 'login') socket.send(JSON.stringify({ event: 'login', code: '0', msg: '', connId: 'c1' }));
      if (m.op === 'subscribe')
        for (const arg of m.args ?? []) {
          subscribed.push(`${path} ${arg.channel} ${arg.instType ?? ''}`);
          const confirm = () => socket.send(JSON.stringify({ event: 'subscribe', arg, connId: 'c1' }));
          if (path.endsWith('/business') && !release) held.push(confirm);
          else confirm();
        }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    rest: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    paths,
    queries,
    subscribed,
    releaseBusiness: () => {
      release = true;
      for (const confirm of held.splice(0)) confirm();
    },
    push: (path, message) => {
      for (const c of sockets.get(path) ?? []) c.send(JSON.stringify(message));
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const until = async (done: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
};

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

const credentials = { apiKey: 'key', secret: 'secret', password: 'passphrase' };

describe('OkxSwapSession', () => {
  it('moves every URL ccxt knows to the endpoint given', () => {
    const session = new OkxSwapSession({
      ccxt: {},
      endpoint: { rest: 'http://127.0.0.1:9', ws: 'ws://127.0.0.1:9' },
    });
    open.push(() => session.close());
    const urls = JSON.stringify(session.urls);
    expect(urls).not.toMatch(/okx\.com|\{hostname\}|githubusercontent/i);
    expect(urls).toContain('ws://127.0.0.1:9/ws/v5');
    expect(urls).toContain('http://127.0.0.1:9');
  });

  it('loads swaps only, and reports the stream connected once both sockets are logged in and every channel subscribed', async () => {
    const stub = await startStub(true);
    open.push(() => stub.close());
    const session = new OkxSwapSession({
      ccxt: credentials,
      endpoint: { rest: stub.rest, ws: stub.ws },
      reconnectDelayMs: 20,
    });
    open.push(() => session.close());
    const messages: (readonly Observation[])[] = [];
    const gaps: string[] = [];
    let connected = 0;
    let started = false;
    const start = session
      .start({
        connected: () => connected++,
        message: (o) => messages.push(o),
        gap: (reason) => gaps.push(reason),
        disconnected: () => {},
      })
      .then(() => {
        started = true;
      });
    // The private socket is subscribed (orders, and the account's funding word), the business one not
    // confirmed yet: not connected.
    await until(() => stub.subscribed.length === 3, 'every subscription');
    await new Promise((r) => setTimeout(r, 50));
    expect([started, connected]).toEqual([false, 0]);
    stub.releaseBusiness();
    await start;
    expect(connected).toBe(1);
    expect([...stub.subscribed].sort()).toEqual([
      '/ws/v5/business orders-algo SWAP',
      '/ws/v5/private balance_and_position ',
      '/ws/v5/private orders SWAP',
    ]);
    // The clock, the swap listing and the two sockets: no spot, asset or funding-account endpoint.
    expect(new Set(stub.paths)).toEqual(
      new Set(['/api/v5/public/time', '/api/v5/public/instruments', '/ws/v5/private', '/ws/v5/business']),
    );
    expect(stub.queries.filter((q) => q.startsWith('/api/v5/public/instruments'))).toEqual([
      '/api/v5/public/instruments?instType=SWAP',
    ]);
    expect(session.trades('BTCUSDT')).toBe(true);
    expect(session.trades('BTCUSDC')).toBe(false);
    expect(session.wireId('run-0195f3a2-7')).toMatch(/^[A-Za-z0-9]{1,32}$/);

    // https://www.okx.com/docs-v5/en/#order-book-trading-trade-ws-order-channel (Push Data Example), a swap fill.
    stub.push('/ws/v5/private', {
      arg: { channel: 'orders', instType: 'SWAP', uid: '614488474791936' },
      data: [
        {
          accFillSz: '3',
          algoClOrdId: '',
          algoId: '',
          cancelSource: '',
          category: 'normal',
          clOrdId: 'o1',
          execType: 'T',
          fillFee: '-0.0472906',
          fillFeeCcy: 'USDT',
          fillPx: '31527.1',
          fillSz: '3',
          fillTime: '1654084353263',
          instId: 'BTC-USDT-SWAP',
          instType: 'SWAP',
          ordId: '452197707845865472',
          ordType: 'market',
          side: 'buy',
          state: 'filled',
          sz: '3',
          tradeId: '242589207',
          uTime: '1654084353264',
        },
      ],
    });
    stub.push('/ws/v5/business', {
      arg: { channel: 'orders-algo', instType: 'SWAP' },
      data: [{ algoId: 'x' }],
    });
    await until(() => messages.length === 1 && gaps.length === 1, 'the trade and the gap');
    expect(messages[0]).toMatchObject([
      { kind: 'ack', clientOrderId: 'o1' },
      {
        kind: 'trade',
        clientOrderId: 'o1',
        tradeId: '242589207',
        quantity: '0.03',
        fee: { amount: '0.0472906' },
      },
      { kind: 'filled-so-far', cumFilled: '0.03' },
    ]);
    expect(gaps[0]).toMatch(/unreadable stream message/);
  });

  it('refuses an order it cannot size in whole lots without sending it', async () => {
    const stub = await startStub(false);
    open.push(() => stub.close());
    const session = new OkxSwapSession({ ccxt: credentials, endpoint: { rest: stub.rest, ws: stub.ws } });
    open.push(() => session.close());
    await session.start({ connected: () => {}, message: () => {}, gap: () => {}, disconnected: () => {} });
    const sent = stub.paths.length;
    const err = await session
      .place({
        clientOrderId: 'o2',
        symbol: 'BTCUSDT',
        side: 'BUY',
        positionSide: 'BOTH',
        type: 'MARKET',
        quantity: '0.00001',
        price: null,
        stopPrice: null,
        timeInForce: 'GTC',
        reduceOnly: false,
        postOnly: false,
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ outcome: 'refused', reason: expect.stringMatching(/^not sent: .*lots/) });
    expect(stub.paths.length).toBe(sent);
  });
});
