import { BybitLinearSession, type BybitLinearSessionOptions } from '../bybit/linear-session.js';
import { CcxtVenue } from '../ccxt-venue.js';
import { FakeBybit, type FakeBybitOptions } from './fake-bybit.js';
import { HandClock } from './venue-fixtures.js';

export interface BybitHarness {
  readonly fake: FakeBybit;
  readonly clock: HandClock;
  readonly venue: CcxtVenue;
  readonly session: BybitLinearSession;
  readonly log: string[];
  close(): Promise<void>;
}

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
 * A CcxtVenue on ccxt's bybit (BybitLinearSession) pointed at a fresh FakeBybit, with short timeouts so
 * failure paths run in milliseconds: the Bybit counterpart of venue-harness.ts. Every URL ccxt knows is
 * moved to the fake, so nothing can reach Bybit.
 */
export const openBybitHarness = async (opts: BybitHarnessOptions = {}): Promise<BybitHarness> => {
  const fake = await FakeBybit.start(opts.fake ?? {});
  const clock = new HandClock();
  const log: string[] = [];
  try {
    const session = new BybitLinearSession({
      ccxt: {
        apiKey: fake.apiKey,
        secret: fake.secret,
        timeout: opts.timeoutMs ?? 2000,
        rateLimit: 5,
        options: { recvWindow: 5000, ws: { backoff: { base: 10, max: 50 } } },
      },
      endpoint: { rest: fake.origin, ws: fake.wsOrigin },
      reconnectDelayMs: 10,
      rateLimits: opts.rateLimits ?? false,
      log: (l) => log.push(l),
    });
    const venue = await CcxtVenue.open({
      session,
      clock,
      fillGraceMs: opts.fillGraceMs ?? 300,
      lookupRetryMs: 50,
      expiryMarginMs: 100,
      incomeRetryMs: 50,
      log: (l) => log.push(l),
    });
    return {
      fake,
      clock,
      venue,
      session,
      log,
      close: async () => {
        await venue.close();
        await fake.close();
      },
    };
  } catch (e) {
    await fake.close();
    throw e;
  }
};
