import {
  AuthenticationError,
  BadRequest,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { describe, expect, it } from 'vitest';
import { RateRefusal } from '../rate-gate.js';
import { okxBody, okxCallError } from './swap-errors.js';
import { OkxThrottled } from './swap-rate-tap.js';

/** An error as ccxt's okx throws it for a refused request: the class, then `okx <body>` (okx.js handleErrors). */
const okx = <E extends Error>(Cls: new (m: string) => E, code: string, msg: string): E =>
  new Cls(`okx ${JSON.stringify({ code, data: [], msg })}`);

/**
 * A refused order as POST /trade/order answers it: envelope code "1", the verdict in data[0]
 * (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order, sCode/sMsg).
 */
const refusedOrder = <E extends Error>(Cls: new (m: string) => E, sCode: string, sMsg: string): E =>
  new Cls(
    `okx ${JSON.stringify({
      code: '1',
      data: [{ clOrdId: 'oktswap6', ordId: '', sCode, sMsg, tag: '', ts: '1695190491421' }],
      inTime: '1695190491421339',
      msg: 'All operations failed',
      outTime: '1695190491423240',
    })}`,
  );

describe('OKX swap errors', () => {
  it("reads the order's own sCode as the verdict, naming it", () => {
    const margin = okxCallError(
      refusedOrder(InsufficientFunds, '51008', 'Order failed. Insufficient USDT margin in account'),
    );
    expect([margin.outcome, margin.reason, margin.extra.code, margin.extra.listing]).toEqual([
      'refused',
      'insufficient margin: Order failed. Insufficient USDT margin in account (okx 51008)',
      '51008',
      undefined,
    ]);
    // A sub-code ("51008_1001") is the error before the underscore.
    expect(okxBody(refusedOrder(InsufficientFunds, '51008_1001', 'x').message)).toEqual({
      code: '51008_1001',
      msg: 'x',
    });
    expect(okxCallError(refusedOrder(InsufficientFunds, '51008_1001', 'x')).extra.code).toBe('51008');
    for (const [code, label] of [
      ['51004', 'order exceeds the position limit at the current leverage'],
      ['51006', 'price outside the price limit'],
      ['51010', 'unsupported in the current account mode'],
    ] as const)
      expect(okxCallError(refusedOrder(InvalidOrder, code, 'm')).reason).toBe(`${label}: m (okx ${code})`);
    // An unknown code is still a refusal, in OKX's words.
    expect(okxCallError(refusedOrder(ExchangeError, '59999', 'Something new')).reason).toBe(
      'refused: Something new (okx 59999)',
    );
  });

  it('flags a refusal by the instrument’s listed rules', () => {
    for (const code of ['51121', '51020', '51201', '51202', '51203'])
      expect(okxCallError(refusedOrder(InvalidOrder, code, 'm')).extra.listing).toBe(true);
    expect(okxCallError(refusedOrder(BadRequest, '51000', 'Parameter sz error')).extra.listing).toBe(true);
    expect(okxCallError(refusedOrder(BadRequest, '51000', 'Parameter px error')).extra.listing).toBe(true);
    // A parameter error about something else is not the listing's.
    expect(
      okxCallError(refusedOrder(BadRequest, '51000', 'Parameter tdMode error')).extra.listing,
    ).toBeUndefined();
  });

  it('reads a missing order as unknownOrder, and a stale timestamp by its code', () => {
    for (const [code, msg] of [
      ['51400', 'Order cancellation failed as the order has been filled, canceled or does not exist.'],
      ['51401', 'Cancellation failed as the order is already canceled.'],
      ['51402', 'Cancellation failed as the order is already completed.'],
      ['51603', 'Order does not exist'],
    ] as const) {
      const err = okxCallError(okx(OrderNotFound, code, msg));
      expect([err.outcome, err.extra.unknownOrder]).toEqual(['refused', true]);
    }
    const stale = okxCallError(okx(InvalidNonce, '50102', 'Timestamp request expired'));
    expect([stale.outcome, stale.extra.code]).toEqual(['refused', '50102']);
  });

  it('reads the rate limits as throttled refusals, with or without OKX’s body', () => {
    for (const code of ['50011', '50061'])
      expect(okxCallError(okx(RateLimitExceeded, code, 'Rate limit reached.')).extra).toMatchObject({
        throttled: true,
        code,
      });
    const http429 = okxCallError(new RateLimitExceeded('okx GET http://127.0.0.1/api/v5/trade/order 429'));
    expect([http429.outcome, http429.extra.throttled]).toEqual(['refused', true]);
    expect(okxCallError(new DDoSProtection('okx 403')).extra.throttled).toBe(true);
    expect(okxCallError(new RateRefusal('orders per 2S at 30 of 30', 'trade')).extra.throttled).toBe(true);
    expect(okxCallError(new OkxThrottled(429, 2000, 'okx 429 trade/order: HTTP 429')).outcome).toBe(
      'refused',
    );
  });

  it('leaves the outcome unknown when OKX does not know it, or nothing readable came back', () => {
    const timeout = okxCallError(
      okx(
        ExchangeError,
        '50004',
        'API endpoint request timeout (does not mean that the request was successful or failed, please check the request result).',
      ),
      123,
    );
    expect([timeout.outcome, timeout.extra.code, timeout.extra.expiresAt]).toEqual(['unknown', '50004', 123]);
    for (const code of ['50001', '50013', '50026'])
      expect(okxCallError(okx(ExchangeNotAvailable, code, 'busy')).outcome).toBe('unknown');
    expect(okxCallError(new RequestTimeout('okx POST http://x timed out')).reason).toBe(
      'no verdict (network: RequestTimeout: okx POST http://x timed out)',
    );
    expect(okxCallError(new ExchangeNotAvailable('okx GET http://x 502 Bad Gateway')).outcome).toBe(
      'unknown',
    );
    expect(okxCallError(new NetworkError('socket hang up')).outcome).toBe('unknown');
    expect(okxCallError(new TypeError("Cannot read properties of undefined (reading 'data')")).outcome).toBe(
      'unknown',
    );
  });

  it('reads a duplicate client id as "placed already": the caller looks the order up', () => {
    const dup = okxCallError(refusedOrder(InvalidOrder, '51016', 'Client order ID already exists.'), 456);
    expect([dup.outcome, dup.extra.code, dup.extra.expiresAt]).toEqual(['unknown', '51016', 456]);
    expect(dup.reason).toMatch(/exists already/);
    expect(okxCallError(refusedOrder(InvalidOrder, '51065', 'algoClOrdId already exists.')).outcome).toBe(
      'unknown',
    );
    expect(okxCallError(refusedOrder(InvalidOrder, '50071', 'clOrdId already exists')).outcome).toBe(
      'unknown',
    );
  });

  it('reads a refusal of the credentials as a refusal', () => {
    expect(okxCallError(okx(AuthenticationError, '50111', 'Invalid OK-ACCESS-KEY.')).outcome).toBe('refused');
    expect(okxCallError(new AuthenticationError('okx requires "password" credential')).outcome).toBe(
      'refused',
    );
  });
});
