import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { exchangeInfoPath, FakeBinance } from './testing/fake-binance.js';

let fake: FakeBinance;
beforeEach(async () => {
  fake = await FakeBinance.start();
  fake.engine.setPrice('BTCUSDT', '100000');
});
afterEach(async () => {
  await fake.close();
});

const signed = (params: Record<string, string>, secret = fake.secret): string => {
  const q = new URLSearchParams(params).toString();
  return `${q}&signature=${createHmac('sha256', secret).update(q).digest('hex')}`;
};

const call = async (method: string, path: string, body: string, key: string | null = fake.apiKey) => {
  const res = await fetch(`${fake.origin}${path}${method === 'GET' ? `?${body}` : ''}`, {
    method,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(key === null ? {} : { 'X-MBX-APIKEY': key }),
    },
    ...(method === 'GET' ? {} : { body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const order = (extra: Record<string, string> = {}) => ({
  symbol: 'BTCUSDT',
  side: 'BUY',
  type: 'MARKET',
  quantity: '0.002',
  newClientOrderId: 'c1',
  timestamp: String(Date.now()),
  ...extra,
});

describe('the fake Binance USDⓈ-M server', () => {
  it('serves the real exchangeInfo file byte for byte', async () => {
    const res = await fetch(`${fake.origin}/fapi/v1/exchangeInfo`);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(exchangeInfoPath))).toBe(true);
  });

  it("checks API key, HMAC signature and timestamp/recvWindow the way Binance does, with Binance's codes", async () => {
    const p = '/fapi/v1/order';
    expect(await call('POST', p, signed(order()), null)).toEqual({
      status: 401,
      body: { code: -2014, msg: 'API-key format invalid.' },
    });
    expect((await call('POST', p, signed(order()), 'someone-else')).body.code).toBe(-2015);
    expect((await call('POST', p, signed(order(), 'wrong-secret'))).body).toEqual({
      code: -1022,
      msg: 'Signature for this request is not valid.',
    });
    const stale = order({ timestamp: String(Date.now() - 6000), recvWindow: '5000' });
    expect((await call('POST', p, signed(stale))).body.code).toBe(-1021);
    const ahead = order({ timestamp: String(Date.now() + 2000) });
    expect((await call('POST', p, signed(ahead))).body.code).toBe(-1021);
    expect(fake.engine.orderCount()).toBe(0);
    const ok = await call('POST', p, signed(order()));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      clientOrderId: 'c1',
      status: 'FILLED',
      executedQty: '0.002',
      avgPrice: '100000',
    });
    const q = await call(
      'GET',
      p,
      signed({ symbol: 'BTCUSDT', origClientOrderId: 'nope', timestamp: String(Date.now()) }),
    );
    expect(q.body).toEqual({ code: -2013, msg: 'Order does not exist.' });
  });

  it('pushes ORDER_TRADE_UPDATE on the listenKey stream at both paths, and refuses an unknown key', async () => {
    const { listenKey } = (await call('POST', '/fapi/v1/listenKey', '')).body as { listenKey: string };
    const bad = new WebSocket(`${fake.wsOrigin}/ws/not-a-key`);
    await expect(new Promise((_, reject) => bad.on('error', reject))).rejects.toThrow(/400/);
    const streams = [
      `${fake.wsOrigin}/ws/${listenKey}`,
      `${fake.wsOrigin}/private/ws?listenKey=${listenKey}`,
    ];
    const sockets = streams.map((u) => new WebSocket(u));
    try {
      const got = sockets.map(
        (ws) =>
          new Promise<unknown[]>((resolve) => {
            const msgs: unknown[] = [];
            ws.on('message', (d) => {
              msgs.push(JSON.parse(String(d)));
              if (msgs.length === 2) resolve(msgs);
            });
          }),
      );
      await Promise.all(sockets.map((ws) => new Promise((r) => ws.on('open', r))));
      await call('POST', '/fapi/v1/order', signed(order()));
      for (const msgs of await Promise.all(got)) {
        expect(msgs).toMatchObject([
          { e: 'ORDER_TRADE_UPDATE', o: { c: 'c1', x: 'NEW', X: 'NEW' } },
          {
            e: 'ORDER_TRADE_UPDATE',
            o: { c: 'c1', x: 'TRADE', X: 'FILLED', l: '0.002', L: '100000.00', m: false, N: 'USDT' },
          },
        ]);
      }
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });
});

describe('reduce-only on the fake, as Binance states it (FAQ 360039707291, "Summary of Failed Orders")', () => {
  const e = () => fake.engine;
  const place = (p: Record<string, string>) =>
    e().newOrder({ symbol: 'BTCUSDT', type: 'MARKET', timestamp: String(Date.now()), ...p }) as {
      status: string;
      executedQty: string;
    };
  /** A reduce-only sell limit above the market (a take-profit). */
  const limit = (quantity: string, newClientOrderId: string) =>
    e().newOrder({
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTC',
      price: '101000',
      quantity,
      reduceOnly: 'true',
      newClientOrderId,
    });
  const codeOf = (f: () => unknown): number | null => {
    try {
      f();
      return null;
    } catch (err) {
      return (err as { code?: number }).code ?? null;
    }
  };

  it('refuses one that goes the position’s way, or a limit larger than the position', () => {
    place({ side: 'BUY', quantity: '0.010', newClientOrderId: 'open' });
    expect(
      codeOf(() => place({ side: 'BUY', quantity: '0.001', reduceOnly: 'true', newClientOrderId: 'r1' })),
    ).toBe(-2022);
    expect(codeOf(() => limit('0.011', 'r2'))).toBe(-2022);
    expect(codeOf(() => limit('0.010', 'r3'))).toBeNull();
  });

  it('a market order larger than the position closes it and expires the rest: it never flips it', () => {
    place({ side: 'BUY', quantity: '0.010', newClientOrderId: 'open' });
    const o = place({ side: 'SELL', quantity: '0.030', reduceOnly: 'true', newClientOrderId: 'close' });
    expect(o).toMatchObject({ status: 'EXPIRED', executedQty: '0.010' });
    expect(e().position('BTCUSDT')).toBe(0n);
  });

  it('a resting limit fills only what is left when the position shrank under it, then expires', () => {
    place({ side: 'BUY', quantity: '0.010', newClientOrderId: 'open' });
    limit('0.010', 'take');
    place({ side: 'SELL', quantity: '0.006', newClientOrderId: 'scale-out' });
    e().setPrice('BTCUSDT', '101000');
    expect(e().position('BTCUSDT')).toBe(0n);
    const take = e().openOrders({ symbol: 'BTCUSDT' });
    expect(take).toEqual([]);
  });

  it('a triggered reduce-only stop for more than is held closes what is held', () => {
    place({ side: 'BUY', quantity: '0.010', newClientOrderId: 'open' });
    e().newAlgoOrder({
      algoType: 'CONDITIONAL',
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'STOP_MARKET',
      triggerPrice: '99000',
      quantity: '0.020',
      reduceOnly: 'true',
      clientAlgoId: 'backstop',
    });
    e().setPrice('BTCUSDT', '98900');
    expect(e().position('BTCUSDT')).toBe(0n);
  });
});
