import type { RateCost, RatePriority } from './rate-budget.js';
import type { RateGate } from './rate-gate.js';
import { currentCall } from './venue-session.js';

/**
 * What of a ccxt exchange (pro or not, any venue) a RateGate needs to pace its REST calls: the clock it
 * signs by and ccxt's own cost of a call, which each venue's tap turns into its budget's units.
 */
export interface PacedExchange {
  readonly id: string;
  /** The time a request is signed with: the exchange's clock as this machine corrects it. */
  nonce(): number;
  calculateRateLimiterCost(
    api: unknown,
    method: string,
    path: string,
    params: object,
    config?: object,
  ): unknown;
}

/** ccxt's `fetch2(path, api, method, params, headers, body, config)`. */
export type Fetch2Args = readonly [string, unknown?, string?, object?, unknown?, unknown?, object?];

/** A call the exchange refused for its rate limits this many times is given up as refused. */
const MAX_THROTTLED_ATTEMPTS = 3;

/**
 * Sends one REST call (`send`, ccxt's own fetch2) when the gate lets it, at `cost` and `priority`, and
 * times it from when it is signed: a request's validity window (Binance's and Bybit's recvWindow, OKX's
 * 30 seconds) runs from then, however long it waited at the gate. A call the exchange refused for its
 * limits (`throttled`: it was not executed) waits at the gate again, which holds until the exchange's stop
 * is over, up to three times in all.
 */
export const pacedCall = async <T>(
  ex: PacedExchange,
  gate: RateGate,
  cost: RateCost,
  priority: RatePriority,
  throttled: (e: unknown) => boolean,
  send: () => Promise<T>,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    const asked = ex.nonce();
    await gate.admit(cost, priority);
    const call = currentCall();
    if (call !== undefined) {
      call.signedAt = ex.nonce();
      call.waitedMs += call.signedAt - asked;
    }
    try {
      return await send();
    } catch (e) {
      if (!throttled(e) || attempt >= MAX_THROTTLED_ATTEMPTS) throw e;
    }
  }
};

/** ccxt's cost of the call fetch2 is about to make, and the call's parts, read from its arguments. */
export const fetch2Call = (
  ex: PacedExchange,
  args: Fetch2Args,
): { path: string; api: unknown; method: string; params: object; ccxtCost: number } => {
  const [path, api = 'public', method = 'GET', params = {}, , , config = {}] = args;
  return {
    path,
    api,
    method,
    params,
    ccxtCost: Number(ex.calculateRateLimiterCost(api, method, path, params, config)),
  };
};
