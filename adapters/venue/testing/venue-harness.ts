import { BinanceUsdmSession, type BinanceUsdmSessionOptions } from '../binance/usdm-session.js';
import { CcxtVenue, type CcxtVenueOptions } from '../ccxt-venue.js';
import { FakeBinance } from './fake-binance.js';
import { HandClock } from './venue-fixtures.js';

export interface Harness {
  readonly fake: FakeBinance;
  readonly clock: HandClock;
  readonly venue: CcxtVenue;
  readonly session: BinanceUsdmSession;
  readonly log: string[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** ccxt's REST timeout. */
  readonly timeoutMs?: number;
  /** Binance's recvWindow on every signed request. */
  readonly recvWindowMs?: number;
  readonly fillGraceMs?: number;
  readonly endedOrderTtlMs?: number;
  /** Runs on the fake before the venue connects. */
  readonly prepare?: (fake: FakeBinance) => void;
  /** Connect to this fake (another process on the same account) instead of starting one; close() leaves it. */
  readonly fake?: FakeBinance;
  readonly onCall?: CcxtVenueOptions['onCall'];
  readonly onStream?: CcxtVenueOptions['onStream'];
  /** The session's rate gate (on by default, with Binance's limits as the fake lists them). */
  readonly rateLimits?: BinanceUsdmSessionOptions['rateLimits'];
  readonly onClock?: BinanceUsdmSessionOptions['onClock'];
}

/**
 * A CcxtVenue on ccxt's binanceusdm pointed at a fresh fake server, with short timeouts so failure paths
 * run in milliseconds. Every URL ccxt knows is moved to the fake, so nothing can reach Binance.
 */
export const openHarness = async (opts: HarnessOptions = {}): Promise<Harness> => {
  const shared = opts.fake !== undefined;
  const fake = opts.fake ?? (await FakeBinance.start());
  const clock = new HandClock();
  const log: string[] = [];
  opts.prepare?.(fake);
  try {
    const session = new BinanceUsdmSession({
      ccxt: {
        apiKey: fake.apiKey,
        secret: fake.secret,
        timeout: opts.timeoutMs ?? 2000,
        // Paced by the session's rate gate; where a test turns that off, ccxt's limiter is paced for a
        // local server rather than Binance's weights.
        rateLimit: 5,
        options: { recvWindow: opts.recvWindowMs ?? 5000, ws: { backoff: { base: 10, max: 50 } } },
      },
      endpoint: { rest: fake.origin, ws: fake.wsOrigin },
      reconnectDelayMs: 10,
      log: (l) => log.push(l),
      ...(opts.rateLimits === undefined ? {} : { rateLimits: opts.rateLimits }),
      ...(opts.onClock === undefined ? {} : { onClock: opts.onClock }),
    });
    const venue = await CcxtVenue.open({
      session,
      clock,
      fillGraceMs: opts.fillGraceMs ?? 300,
      lookupRetryMs: 50,
      expiryMarginMs: 100,
      incomeRetryMs: 50,
      ...(opts.endedOrderTtlMs === undefined ? {} : { endedOrderTtlMs: opts.endedOrderTtlMs }),
      ...(opts.onCall ? { onCall: opts.onCall } : {}),
      ...(opts.onStream ? { onStream: opts.onStream } : {}),
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
        if (!shared) await fake.close();
      },
    };
  } catch (e) {
    if (!shared) await fake.close();
    throw e;
  }
};
