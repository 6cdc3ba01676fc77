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
import { bybitCallError } from './linear-errors.js';
import { BybitThrottled } from './linear-rate-tap.js';

/** An error as ccxt's bybit throws it for a reply with a non-zero retCode: the class, then `bybit <body>`. */
const bybit = <E extends Error>(Cls: new (m: string) => E, retCode: number, retMsg: string): E =>
  new Cls(`bybit ${JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: 1672211918471 })}`);

describe('Bybit linear errors', () => {
  it("reads Bybit's retCode as a verdict, naming it", () => {
    const funds = bybitCallError(bybit(InsufficientFunds, 110007, 'ab not enough for new order'));
    expect([funds.outcome, funds.reason, funds.extra.code, funds.extra.listing]).toEqual([
      'refused',
      'insufficient available balance: ab not enough for new order (bybit 110007)',
      '110007',
      undefined,
    ]);
    const reduceOnly = bybitCallError(bybit(InvalidOrder, 110017, 'Reduce-only rule not satisfied'));
    expect([reduceOnly.outcome, reduceOnly.extra.code]).toEqual(['refused', '110017']);
    // An unknown code is still a refusal, in Bybit's words.
    expect(bybitCallError(bybit(ExchangeError, 181017, 'OrderStatus must be final status')).reason).toBe(
      'refused: OrderStatus must be final status (bybit 181017)',
    );
  });

  it('flags a refusal by the instrument’s listed rules', () => {
    for (const msg of [
      'Qty invalid',
      'Order price has too many decimals.',
      'The number of contracts exceeds minimum limit allowed',
    ])
      expect(bybitCallError(bybit(BadRequest, 10001, msg)).extra.listing).toBe(true);
    expect(
      bybitCallError(bybit(InvalidOrder, 110094, 'Order notional value below the lower limit')).extra.listing,
    ).toBe(true);
    // A parameter error about something else is not the listing's.
    expect(bybitCallError(bybit(BadRequest, 10001, 'side invalid')).extra.listing).toBeUndefined();
  });

  it('reads a missing order as unknownOrder, and a stale timestamp by its code', () => {
    for (const [code, msg] of [
      [110001, 'Order does not exist'],
      [110008, 'The order has been completed or cancelled.'],
      [110010, 'The order has been cancelled'],
    ] as const) {
      const err = bybitCallError(bybit(OrderNotFound, code, msg));
      expect([err.outcome, err.extra.unknownOrder]).toEqual(['refused', true]);
    }
    const stale = bybitCallError(
      bybit(InvalidNonce, 10002, 'invalid request, please check your server timestamp'),
    );
    expect([stale.outcome, stale.extra.code]).toEqual(['refused', '10002']);
  });

  it('reads the rate limits as throttled refusals, with or without Bybit’s body', () => {
    for (const code of [10006, 10018])
      expect(bybitCallError(bybit(RateLimitExceeded, code, 'Too many visits!')).extra).toMatchObject({
        throttled: true,
        code: String(code),
      });
    const http429 = bybitCallError(
      new RateLimitExceeded('bybit GET http://127.0.0.1/v5/order/realtime 429 Too Many Requests'),
    );
    expect([http429.outcome, http429.extra.throttled]).toEqual(['refused', true]);
    const banned = bybitCallError(
      new DDoSProtection('bybit POST http://127.0.0.1/v5/order/create 403 Forbidden'),
    );
    expect([banned.outcome, banned.extra.throttled]).toEqual(['refused', true]);
    expect(bybitCallError(new RateRefusal('orders per 1S at 5 of 5', 'trade')).extra.throttled).toBe(true);
    expect(bybitCallError(new BybitThrottled(429, 800, 'bybit 429 v5/order/create: HTTP 429')).outcome).toBe(
      'refused',
    );
  });

  it('leaves the outcome unknown when Bybit does not know it, or nothing readable came back', () => {
    const timeout = bybitCallError(bybit(ExchangeError, 10000, 'Server Timeout'), 123);
    expect([timeout.outcome, timeout.extra.code, timeout.extra.expiresAt]).toEqual(['unknown', '10000', 123]);
    expect(bybitCallError(bybit(ExchangeError, 10016, 'Server error.')).outcome).toBe('unknown');
    expect(bybitCallError(new RequestTimeout('bybit POST http://x timed out')).reason).toBe(
      'no verdict (network: RequestTimeout: bybit POST http://x timed out)',
    );
    expect(bybitCallError(new ExchangeNotAvailable('bybit GET http://x 502 Bad Gateway')).outcome).toBe(
      'unknown',
    );
    expect(bybitCallError(new NetworkError('socket hang up')).outcome).toBe('unknown');
    expect(
      bybitCallError(new TypeError("Cannot read properties of undefined (reading 'list')")).outcome,
    ).toBe('unknown');
  });

  it('reads a duplicate orderLinkId as "placed already": the caller looks the order up', () => {
    const dup = bybitCallError(bybit(InvalidOrder, 110072, 'OrderLinkedID is duplicate'), 456);
    expect([dup.outcome, dup.extra.code, dup.extra.expiresAt]).toEqual(['unknown', '110072', 456]);
    expect(dup.reason).toMatch(/exists already/);
  });

  it('reads a refusal of the credentials as a refusal', () => {
    expect(bybitCallError(bybit(AuthenticationError, 10003, 'API key is invalid.')).outcome).toBe('refused');
    expect(bybitCallError(new AuthenticationError('bybit requires "apiKey" credential')).outcome).toBe(
      'refused',
    );
  });
});
