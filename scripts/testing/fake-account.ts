import { BinanceLiveBars } from '../../adapters/marketdata/binance-live-bars.js';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { BinanceUsdmSession } from '../../adapters/venue/binance/usdm-session.js';
import { CcxtVenue } from '../../adapters/venue/ccxt-venue.js';
import { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import type { Waker } from '../../replay/engine/live.js';
import type { StepClock } from './step-clock.js';

/**
 * The fake Binance on the test's discrete-event clock, publishing `symbol`'s real 2023 1h bars and
 * funding as the clock passes them, with a 1,000,000 USDT account; and its live bar feed.
 */
export const fakeBinanceOn = async (clock: StepClock, symbol: string) => {
  const fake = await FakeBinance.start({
    now: () => clock.t,
    balance: '1000000',
    market: {
      bars: (s, interval) => (s === symbol && interval === '1h' ? sharedBars(symbol, '1h') : undefined),
      funding: (s) => (s === symbol ? sharedFunding(symbol) : undefined),
    },
    followMarket: [symbol],
  });
  const feed = new BinanceLiveBars({
    endpoint: { rest: fake.origin, ws: fake.wsOrigin },
    ccxt: { timeout: 2_000, rateLimit: 1 },
  });
  return { fake, feed };
};

/** One process's connection to the fake account; its reports wake `wakers`' runs. */
export const connectFakeAccount = (fake: FakeBinance, clock: StepClock, wakers: ReadonlySet<Waker>) =>
  CcxtVenue.open({
    session: new BinanceUsdmSession({
      ccxt: {
        apiKey: fake.apiKey,
        secret: fake.secret,
        timeout: 2_000,
        rateLimit: 1,
        milliseconds: () => clock.now(),
      },
      endpoint: { rest: fake.origin, ws: fake.wsOrigin },
      reconnectDelayMs: 10,
    }),
    clock,
    onReport: () => {
      for (const w of wakers) w.wake();
    },
  });
