import { CcxtVenue } from '../ccxt-venue.js';
import type { VenueSession } from '../venue-session.js';
import { HandClock } from './venue-fixtures.js';

export interface SessionHarness<F, S extends VenueSession> {
  readonly fake: F;
  readonly clock: HandClock;
  readonly venue: CcxtVenue;
  readonly session: S;
  readonly log: string[];
  close(): Promise<void>;
}

/**
 * A CcxtVenue on `session`, built on a fresh fake exchange, with short timeouts so failure paths run in
 * milliseconds: what every venue's harness shares (bybit-harness.ts, okx-harness.ts). The fake is closed
 * with the venue, or at once if the venue cannot open.
 */
export const openSessionHarness = async <F extends { close(): Promise<void> }, S extends VenueSession>(
  fake: F,
  makeSession: (log: (line: string) => void) => S,
  opts: { readonly fillGraceMs?: number } = {},
): Promise<SessionHarness<F, S>> => {
  const clock = new HandClock();
  const log: string[] = [];
  try {
    const session = makeSession((l) => log.push(l));
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
