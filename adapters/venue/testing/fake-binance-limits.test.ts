import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from './fake-binance.js';
import {
  type Admission,
  FakeRateLimits,
  ordersIn,
  type RateLimit,
  rateLimitsOf,
  weightOf,
} from './fake-binance-limits.js';

/** A whole minute, so every window of a minute or less starts exactly here. */
const T0 = 28_000_000 * 60_000;

const weightPer = (interval: RateLimit['interval'], limit: number, intervalNum = 1): RateLimit => ({
  rateLimitType: 'REQUEST_WEIGHT',
  interval,
  intervalNum,
  limit,
});
const ordersPer = (interval: RateLimit['interval'], limit: number, intervalNum = 1): RateLimit => ({
  rateLimitType: 'ORDERS',
  interval,
  intervalNum,
  limit,
});
const binance: RateLimit[] = [
  weightPer('MINUTE', 6000),
  ordersPer('MINUTE', 1200),
  ordersPer('SECOND', 300, 10),
];

const limiter = (limits: RateLimit[], opts: ConstructorParameters<typeof FakeRateLimits>[2] = {}) => {
  const clock = { t: T0 };
  return { clock, limits: new FakeRateLimits(limits, () => clock.t, opts) };
};
const time = { method: 'GET', path: '/fapi/v1/time', params: {} };
const order = { method: 'POST', path: '/fapi/v1/order', params: { symbol: 'BTCUSDT' } };
const msgOf = (a: Admission) => (JSON.parse(a.body ?? '{}') as { code: number; msg: string }).msg;
const codeOf = (a: Admission) => (JSON.parse(a.body ?? '{}') as { code: number }).code;

describe('the request weights, as Binance documents them per endpoint', () => {
  it('weighs klines by LIMIT, and the all-symbol variants heavier', () => {
    const kl = (limit?: number) =>
      weightOf('GET', '/fapi/v1/klines', limit === undefined ? {} : { limit: String(limit) });
    expect([kl(99), kl(100), kl(499), kl(500), kl(1000), kl(1001), kl(1500), kl()]).toEqual([
      1, 2, 2, 5, 5, 10, 10, 5,
    ]);
    const sym = { symbol: 'BTCUSDT' };
    expect(weightOf('GET', '/fapi/v1/premiumIndex', sym)).toBe(1);
    expect(weightOf('GET', '/fapi/v1/premiumIndex', {})).toBe(10);
    expect(weightOf('GET', '/fapi/v1/openOrders', sym)).toBe(1);
    expect(weightOf('GET', '/fapi/v1/openOrders', {})).toBe(40);
    expect(weightOf('GET', '/fapi/v1/forceOrders', sym)).toBe(20);
    expect(weightOf('GET', '/fapi/v1/forceOrders', {})).toBe(50);
    expect(weightOf('GET', '/fapi/v1/income', {})).toBe(30);
    expect(weightOf('GET', '/fapi/v1/positionSide/dual', {})).toBe(30);
    expect(weightOf('GET', '/fapi/v1/commissionRate', sym)).toBe(20);
    expect(weightOf('GET', '/fapi/v3/positionRisk', {})).toBe(5);
    expect(weightOf('POST', '/fapi/v1/order', sym)).toBe(0);
    expect(weightOf('GET', '/fapi/v1/somethingNew', {})).toBe(1);
  });

  it('counts order placements, a batch by its orders', () => {
    expect(ordersIn('POST', '/fapi/v1/order', {})).toBe(1);
    expect(ordersIn('POST', '/fapi/v1/algoOrder', {})).toBe(1);
    expect(ordersIn('DELETE', '/fapi/v1/order', {})).toBe(0);
    expect(ordersIn('POST', '/fapi/v1/batchOrders', { batchOrders: '[{},{},{}]' })).toBe(3);
  });
});

describe('rateLimitsOf', () => {
  it("reads Binance's published limits and refuses ones it could not enforce", () => {
    expect(rateLimitsOf({ rateLimits: binance })).toEqual(binance);
    expect(() => rateLimitsOf({})).toThrow(/rateLimits: not an array/);
    expect(() => rateLimitsOf({ rateLimits: [{ ...binance[0], rateLimitType: 'RAW_REQUESTS' }] })).toThrow(
      /rateLimits\[0\].*rateLimitType/,
    );
    expect(() => rateLimitsOf({ rateLimits: [{ ...binance[0], interval: 'WEEK' }] })).toThrow(/interval/);
    expect(() => rateLimitsOf({ rateLimits: [{ ...binance[0], limit: '6000' }] })).toThrow(/limit must/);
    expect(() => rateLimitsOf({ rateLimits: [{ ...binance[0], intervalNum: 0 }] })).toThrow(/intervalNum/);
  });
});

describe('FakeRateLimits on a hand clock', () => {
  it('counts weight in fixed windows aligned to the epoch, reset when the next one starts', () => {
    const { clock, limits } = limiter([weightPer('MINUTE', 3)]);
    clock.t = T0 + 59_000;
    for (let i = 1; i <= 3; i++) {
      const a = limits.admit(time);
      expect(a.status).toBe(200);
      expect(a.headers).toEqual({ 'X-MBX-USED-WEIGHT-1M': String(i) });
    }
    const refused = limits.admit(time);
    expect(refused.status).toBe(429);
    expect(refused.headers['Retry-After']).toBe('1');
    expect(codeOf(refused)).toBe(-1003);
    expect(msgOf(refused)).toBe(
      'Too many requests; current limit of IP(127.0.0.1) is 3 requests per minute. Please use WebSocket Streams for live updates to avoid polling the API.',
    );
    // The refused request's weight counted too.
    expect(limits.usage().weight).toEqual({ '1M': 4 });
    clock.t = T0 + 60_000;
    expect(limits.usage().weight).toEqual({ '1M': 0 });
    expect(limits.admit(time).headers).toEqual({ 'X-MBX-USED-WEIGHT-1M': '1' });
  });

  it("rounds Retry-After up to the window's end, and weighs each request by its route", () => {
    const { clock, limits } = limiter([weightPer('MINUTE', 100)]);
    clock.t = T0 + 12_300;
    limits.spendWeight(90);
    expect(limits.admit({ method: 'GET', path: '/fapi/v1/openOrders', params: {} }).headers).toMatchObject({
      'Retry-After': '48',
      'X-MBX-USED-WEIGHT-1M': '130',
    });
  });

  it("answers Binance's own limits with Binance's messages", () => {
    const { limits } = limiter(binance);
    limits.spendOrders(300);
    const o = limits.admit(order);
    expect(o.status).toBe(429);
    expect(JSON.parse(o.body!)).toEqual({
      code: -1015,
      msg: 'Too many new orders; current limit is 300 orders per TEN_SECONDS.',
    });
    expect(o.headers).toMatchObject({
      'X-MBX-USED-WEIGHT-1M': '0',
      'X-MBX-ORDER-COUNT-1M': '300',
      'X-MBX-ORDER-COUNT-10S': '300',
      'Retry-After': '10',
    });
    const fresh = limiter(binance).limits;
    fresh.spendWeight(6000);
    expect(msgOf(fresh.admit(time))).toMatch(/is 6000 requests per minute\./);
  });

  it('counts orders per window, refuses the one that would go over without counting it', () => {
    const { clock, limits } = limiter([
      weightPer('MINUTE', 6000),
      ordersPer('SECOND', 2),
      ordersPer('MINUTE', 3),
    ]);
    expect(limits.admit(order).headers).toEqual({
      'X-MBX-USED-WEIGHT-1M': '0',
      'X-MBX-ORDER-COUNT-1S': '1',
      'X-MBX-ORDER-COUNT-1M': '1',
    });
    expect(limits.admit(order).status).toBe(200);
    const second = limits.admit(order);
    expect([second.status, msgOf(second)]).toEqual([
      429,
      'Too many new orders; current limit is 2 orders per SECOND.',
    ]);
    expect(limits.usage().orders).toEqual({ '1S': 2, '1M': 2 });
    clock.t += 1000;
    expect(limits.admit(order).status).toBe(200);
    clock.t += 1000;
    const minute = limits.admit(order);
    expect([minute.status, msgOf(minute), minute.headers['Retry-After']]).toEqual([
      429,
      'Too many new orders; current limit is 3 orders per MINUTE.',
      '58',
    ]);
    // Reading is not placing: GETs carry no order counts.
    clock.t = T0 + 60_000;
    expect(Object.keys(limits.admit(time).headers)).toEqual(['X-MBX-USED-WEIGHT-1M']);
  });

  it('refuses everything during the Retry-After, and bans on the third request that did not wait', () => {
    const { clock, limits } = limiter([weightPer('SECOND', 1)]);
    clock.t = T0 + 100;
    limits.admit(time);
    expect(limits.admit(time).headers['Retry-After']).toBe('1'); // back off until T0 + 1100
    clock.t = T0 + 200;
    expect([limits.admit(time).status, limits.admit(order).status]).toEqual([429, 429]);
    expect(limits.usage().orders).toEqual({});
    clock.t = T0 + 300;
    const ban = limits.admit(time);
    expect(ban.status).toBe(418);
    expect(ban.headers['Retry-After']).toBe('120');
    expect(JSON.parse(ban.body!)).toEqual({
      code: -1003,
      msg: `Way too many requests; IP(127.0.0.1) banned until ${T0 + 300 + 120_000}. Please use the websocket for live updates to avoid bans.`,
    });
    clock.t = T0 + 300 + 119_001;
    expect(limits.admit(time)).toMatchObject({ status: 418, headers: { 'Retry-After': '1' } });
    clock.t = T0 + 300 + 120_000;
    expect(limits.admit(time).status).toBe(200);
  });

  it('a client that waits out Retry-After is never banned', () => {
    const { clock, limits } = limiter([weightPer('SECOND', 1)]);
    for (let i = 0; i < 10; i++) {
      expect(limits.admit(time).status).toBe(200);
      const refused = limits.admit(time);
      expect(refused.status).toBe(429);
      clock.t += Number(refused.headers['Retry-After']) * 1000;
    }
  });

  it('doubles the ban for repeat offenders, up to 3 days', () => {
    const { clock, limits } = limiter([weightPer('SECOND', 1)], {
      banAfterViolations: 1,
      banMs: 20 * 3_600_000,
    });
    const banFor = (): number => {
      limits.admit(time);
      limits.admit(time); // 429
      const ban = limits.admit(time); // the first violation earns the ban
      expect(ban.status).toBe(418);
      const s = Number(ban.headers['Retry-After']);
      clock.t += s * 1000;
      return s / 3600;
    };
    expect([banFor(), banFor(), banFor(), banFor()]).toEqual([20, 40, 72, 72]);
  });

  it('without enforcement counts and reports but never refuses', () => {
    const { limits } = limiter([weightPer('MINUTE', 1), ordersPer('SECOND', 1)], { enforce: false });
    for (let i = 0; i < 3; i++) expect(limits.admit(order).status).toBe(200);
    expect(limits.admit(time).status).toBe(200);
    expect(limits.usage()).toEqual({ weight: { '1M': 1 }, orders: { '1S': 3 } });
  });

  it('an injected throttle is a 429 like any other; an injected ban lasts what it says', () => {
    const { clock, limits } = limiter(binance);
    expect(limits.throttle(5)).toMatchObject({ status: 429, headers: { 'Retry-After': '5' } });
    expect(limits.usage().weight).toEqual({ '1M': 0 });
    clock.t += 4000;
    expect(limits.admit(time)).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
    clock.t += 1000;
    expect(limits.admit(time).status).toBe(200);
    expect(limits.ban(7)).toMatchObject({ status: 418, headers: { 'Retry-After': '7' } });
    clock.t += 7000;
    expect(limits.admit(time).status).toBe(200);
  });
});

describe('the fake server under rate limits', () => {
  let fake: FakeBinance | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const clock = { t: T0 };
  const start = async (rateLimits: RateLimit[], opts: { rateLimits?: false } = {}) => {
    clock.t = T0 + 1000;
    fake = await FakeBinance.start({
      now: () => clock.t,
      exchangeInfo: (r) => ({ ...r, rateLimits }),
      ...opts,
    });
    fake.engine.setPrice('BTCUSDT', '100000');
    return fake;
  };
  const get = async (f: FakeBinance, path: string) => {
    const res = await fetch(`${f.origin}${path}`);
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const placeOrder = async (f: FakeBinance, id: string) => {
    const q = new URLSearchParams({
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: '0.002',
      newClientOrderId: id,
      timestamp: String(clock.t),
    }).toString();
    const res = await fetch(`${f.origin}/fapi/v1/order`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'X-MBX-APIKEY': f.apiKey },
      body: `${q}&signature=${createHmac('sha256', f.secret).update(q).digest('hex')}`,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it('takes its limits from the exchangeInfo it serves, reports used weight, and throttles past it', async () => {
    const f = await start([weightPer('MINUTE', 3)]);
    const info = await fetch(`${f.origin}/fapi/v1/exchangeInfo`);
    expect(info.headers.get('x-mbx-used-weight-1m')).toBe('1');
    expect(((await info.json()) as { rateLimits: unknown }).rateLimits).toEqual([weightPer('MINUTE', 3)]);
    expect((await get(f, '/fapi/v1/time')).headers.get('x-mbx-used-weight-1m')).toBe('2');
    expect((await get(f, '/fapi/v1/time')).status).toBe(200);
    const refused = await get(f, '/fapi/v1/time');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('59');
    expect(refused.headers.get('x-mbx-used-weight-1m')).toBe('4');
    expect(refused.body.code).toBe(-1003);
    expect(f.throttled()).toMatchObject([{ path: '/fapi/v1/time', status: 429, time: T0 + 1000 }]);
  });

  it('does not place an order over the ORDERS limit, and reports order counts', async () => {
    const f = await start([weightPer('MINUTE', 6000), ordersPer('SECOND', 1)]);
    const first = await placeOrder(f, 'a');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-mbx-order-count-1s')).toBe('1');
    const second = await placeOrder(f, 'b');
    expect(second.status).toBe(429);
    expect(second.body).toEqual({
      code: -1015,
      msg: 'Too many new orders; current limit is 1 orders per SECOND.',
    });
    expect(f.engine.orderCount()).toBe(1);
    expect(f.usage()).toEqual({ weight: { '1M': 0 }, orders: { '1S': 1 } });
  });

  it('bans an IP that does not back off after an injected throttle, without acting on its requests', async () => {
    const f = await start(binance);
    f.fault({ method: 'POST', path: '/fapi/v1/order', action: 'throttle', retryAfterS: 2 });
    const throttled = await placeOrder(f, 'a');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '2']);
    expect(throttled.headers.get('x-mbx-order-count-10s')).toBe('0');
    clock.t += 1000;
    expect((await get(f, '/fapi/v1/time')).status).toBe(429);
    expect((await placeOrder(f, 'b')).status).toBe(429);
    const ban = await get(f, '/fapi/v1/time');
    expect([ban.status, ban.headers.get('retry-after')]).toEqual([418, '120']);
    expect(f.banned().map((r) => r.time)).toEqual([T0 + 2000]);
    expect(f.engine.orderCount()).toBe(0);
    clock.t += 120_000;
    expect((await placeOrder(f, 'c')).status).toBe(200);
  });

  it('an injected ban answers 418 for its length', async () => {
    const f = await start(binance);
    f.fault({ path: '/fapi/v1/time', action: 'ban', retryAfterS: 30 });
    expect((await get(f, '/fapi/v1/time')).headers.get('retry-after')).toBe('30');
    clock.t += 29_500;
    expect((await get(f, '/fapi/v1/exchangeInfo')).status).toBe(418);
    clock.t += 500;
    expect((await get(f, '/fapi/v1/time')).status).toBe(200);
  });

  it('with rateLimits: false, counts and reports without refusing', async () => {
    const f = await start([weightPer('MINUTE', 1)], { rateLimits: false });
    await get(f, '/fapi/v1/time');
    const over = await get(f, '/fapi/v1/time');
    expect([over.status, over.headers.get('x-mbx-used-weight-1m')]).toEqual([200, '2']);
    expect(f.throttled()).toEqual([]);
  });

  it('refuses to start with rate limits it could not enforce', async () => {
    await expect(
      FakeBinance.start({ exchangeInfo: (r) => ({ ...r, rateLimits: [{ rateLimitType: 'ORDERS' }] }) }),
    ).rejects.toThrow(/exchangeInfo\.rateLimits\[0\]/);
  });
});
