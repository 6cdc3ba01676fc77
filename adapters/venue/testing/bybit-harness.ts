import { BybitLinearSession, type BybitLinearSessionOptions } from '../bybit/linear-session.js';
import { FakeBybit, type FakeBybitOptions } from './fake-bybit.js';
import { openSessionHarness, type SessionHarness } from './session-harness.js';

export type BybitHarness = SessionHarness<FakeBybit, BybitLinearSession>;

export interface BybitHarnessOptions {
  /** ccxt's REST timeout. */
  readonly timeoutMs?: number;
  readonly fillGraceMs?: number;
  /** The fake's own options (its clock, balance, fee rates, market). */
  readonly fake?: FakeBybitOptions;
  /** The session's rate gate (off by default: the fake's limits are its own test's business). */
  readonly rateLimits?: BybitLinearSessionOptions['rateLimits'];
}

/**
 * A CcxtVenue on ccxt's bybit (BybitLinearSession) pointed at a fresh FakeBybit: the Bybit counterpart of
 * venue-harness.ts. Every URL ccxt knows is moved to the fake, so nothing can reach Bybit.
 */
export const openBybitHarness = async (opts: BybitHarnessOptions = {}): Promise<BybitHarness> => {
  const fake = await FakeBybit.start(opts.fake ?? {});
  return openSessionHarness(
    fake,
    (log) =>
      new BybitLinearSession({
        ccxt: {
          apiKey: fake.apiKey,
          secret: fake.secret,
          timeout: opts.timeoutMs ?? 2000,
          // Nothing paces the calls here but the session's gate, when a test turns it on. ccxt's own limiter
          // also throttles websocket subscriptions, and a subscription it sends on a socket already closing
          // (a stream the fake drops) rejects a promise nobody handles (ccxt's Exchange.watch); with the
          // limiter off, as the session's gate turns it off in a node, that send's rejection is handled.
          enableRateLimit: false,
          options: { recvWindow: 5000, ws: { backoff: { base: 10, max: 50 } } },
        },
        endpoint: { rest: fake.origin, ws: fake.wsOrigin },
        reconnectDelayMs: 10,
        rateLimits: opts.rateLimits ?? false,
        log,
      }),
    opts.fillGraceMs === undefined ? {} : { fillGraceMs: opts.fillGraceMs },
  );
};
