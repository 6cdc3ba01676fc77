import { OkxSwapSession, type OkxSwapSessionOptions } from '../okx/swap-session.js';
import { FakeOkx, type FakeOkxOptions } from './fake-okx.js';
import { openSessionHarness, type SessionHarness } from './session-harness.js';

export type OkxHarness = SessionHarness<FakeOkx, OkxSwapSession>;

export interface OkxHarnessOptions {
  /** ccxt's REST timeout. */
  readonly timeoutMs?: number;
  readonly fillGraceMs?: number;
  /** The fake's own options (its clock, balance, fee rates, market). */
  readonly fake?: FakeOkxOptions;
  /** The session's rate gate (off by default: the fake's limits are its own test's business). */
  readonly rateLimits?: OkxSwapSessionOptions['rateLimits'];
}

/**
 * A CcxtVenue on ccxt's okx (OkxSwapSession) pointed at a fresh FakeOkx: the OKX counterpart of
 * venue-harness.ts. Every URL ccxt knows is moved to the fake, so nothing can reach OKX.
 */
export const openOkxHarness = async (opts: OkxHarnessOptions = {}): Promise<OkxHarness> => {
  const fake = await FakeOkx.start(opts.fake ?? {});
  return openSessionHarness(
    fake,
    (log) =>
      new OkxSwapSession({
        ccxt: {
          apiKey: fake.apiKey,
          secret: fake.secret,
          password: fake.passphrase,
          timeout: opts.timeoutMs ?? 2000,
          // Nothing paces the calls here but the session's gate, when a test turns it on. ccxt's own limiter
          // also throttles websocket subscriptions, and a subscription it sends on a socket already closing
          // (a stream the fake drops) rejects a promise nobody handles (ccxt's Exchange.watch); with the
          // limiter off, as the session's gate turns it off in a node, that send's rejection is handled.
          enableRateLimit: false,
          options: { ws: { backoff: { base: 10, max: 50 } } },
        },
        endpoint: { rest: fake.origin, ws: fake.wsOrigin },
        reconnectDelayMs: 10,
        rateLimits: opts.rateLimits ?? false,
        log,
      }),
    opts.fillGraceMs === undefined ? {} : { fillGraceMs: opts.fillGraceMs },
  );
};
