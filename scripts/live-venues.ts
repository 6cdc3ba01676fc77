import { BybitLiveBars } from '../adapters/marketdata/bybit-live-bars.js';
import { OkxLiveBars } from '../adapters/marketdata/okx-live-bars.js';
import { BinanceUsdmSession } from '../adapters/venue/binance/usdm-session.js';
import { BybitLinearSession } from '../adapters/venue/bybit/linear-session.js';
import { OkxSwapSession } from '../adapters/venue/okx/swap-session.js';
import type { RateGate, RateGateEvent } from '../adapters/venue/rate-gate.js';
import { binanceUsdm, bybitLinear, okxSwap, type VenueRules } from '../domain/ledger/venue.js';

/** The exchanges a node can be fed by and trade on. */
export const liveVenueNames = ['binance', 'bybit', 'okx'] as const;
export type LiveVenue = (typeof liveVenueNames)[number];

export const isLiveVenue = (s: string): s is LiveVenue => (liveVenueNames as readonly string[]).includes(s);

/** What differs between the venues where the node is put together: names, variables, ledger rules. */
export interface LiveVenueSetting {
  readonly name: LiveVenue;
  /** The exchange, as a person names it (a key's warnings say where to set it up). */
  readonly exchange: string;
  /** The market traded, for the log. */
  readonly market: string;
  /** The rules its ledgers book by (domain/ledger/venue.ts). */
  readonly rules: VenueRules;
  /**
   * The variables holding the account's credentials: key, secret, and OKX's passphrase. Each venue has
   * its own, so a key set for one exchange is never sent to another.
   */
  readonly keyVars: readonly string[];
  /** The variables that send its REST and WebSocket calls elsewhere (a proxy, the tests' fake). */
  readonly urlVars: readonly [rest: string, ws: string];
}

export const liveVenues: Readonly<Record<LiveVenue, LiveVenueSetting>> = {
  binance: {
    name: 'binance',
    exchange: 'Binance',
    market: 'Binance USDⓈ-M',
    rules: binanceUsdm,
    keyVars: ['BINANCE_API_KEY', 'BINANCE_API_SECRET'],
    urlVars: ['BINANCE_FUTURES_URL', 'BINANCE_FUTURES_WS'],
  },
  bybit: {
    name: 'bybit',
    exchange: 'Bybit',
    market: 'Bybit USDT perpetuals',
    rules: bybitLinear,
    keyVars: ['BYBIT_API_KEY', 'BYBIT_API_SECRET'],
    urlVars: ['BYBIT_URL', 'BYBIT_WS'],
  },
  okx: {
    name: 'okx',
    exchange: 'OKX',
    market: 'OKX USDT-margined swaps',
    rules: okxSwap,
    keyVars: ['OKX_API_KEY', 'OKX_API_SECRET', 'OKX_API_PASSPHRASE'],
    urlVars: ['OKX_URL', 'OKX_WS'],
  },
};

type Env = Readonly<Record<string, string | undefined>>;

/** Where the venue's calls go when its variables say (the WebSocket's defaults to the REST one's host). */
export const endpointFromEnv = (
  v: LiveVenueSetting,
  env: Env,
): { readonly rest: string; readonly ws: string } | undefined => {
  const rest = env[v.urlVars[0]];
  return rest ? { rest, ws: env[v.urlVars[1]] ?? rest.replace(/^http/, 'ws') } : undefined;
};

/**
 * The venue's credentials from its own variables, or the error that names the ones missing. Read before
 * anything starts, so a node that cannot trade says so at once.
 */
export const credentialsFromEnv = (v: LiveVenueSetting, env: Env): readonly string[] => {
  const values = v.keyVars.map((k) => env[k]);
  const missing = v.keyVars.filter((_, i) => !values[i]);
  const all = `${v.keyVars.slice(0, -1).join(', ')} and ${v.keyVars.at(-1)}`;
  if (missing.length > 0)
    throw new RangeError(
      `LIVE_ORDERS=${v.name} needs ${all} (a key that trades its USDT perpetuals); missing: ${missing.join(', ')}`,
    );
  return values as string[];
};

/**
 * The market feed of a venue other than Binance (Binance's shares the account's rate gate and is built
 * beside it): public market data paced by ccxt.
 */
export const marketFeedOf = (v: 'bybit' | 'okx', env: Env): BybitLiveBars | OkxLiveBars => {
  const endpoint = endpointFromEnv(liveVenues[v], env);
  const opts = endpoint ? { endpoint: { rest: endpoint.rest } } : {};
  return v === 'bybit' ? new BybitLiveBars(opts) : new OkxLiveBars(opts);
};

export type AccountSession = BinanceUsdmSession | BybitLinearSession | OkxSwapSession;

export interface AccountSessionOptions {
  readonly credentials: readonly string[];
  readonly endpoint?: { readonly rest: string; readonly ws: string } | undefined;
  /** Binance's gate, shared with its market feed (one IP, one weight budget). */
  readonly binanceGate: RateGate | null;
  /** The events of a gate the session keeps of its own (Bybit's, OKX's). */
  readonly onRate: (e: RateGateEvent) => void;
  readonly onClock: (c: { readonly offsetMs: number; readonly roundTripMs: number }) => void;
  readonly log: (line: string) => void;
}

/** The session of the account the node trades on `v`, its rate limits on (docs/live-venue.md). */
export const accountSessionOf = (v: LiveVenue, o: AccountSessionOptions): AccountSession => {
  const [apiKey, secret, password] = o.credentials;
  const common = {
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    onClock: o.onClock,
    log: o.log,
  };
  switch (v) {
    case 'binance':
      return new BinanceUsdmSession({
        ccxt: { apiKey, secret, timeout: 10_000, options: { recvWindow: 5_000 } },
        ...(o.binanceGate ? { rateLimits: o.binanceGate } : {}),
        ...common,
      });
    case 'bybit':
      return new BybitLinearSession({
        ccxt: { apiKey, secret, timeout: 10_000, options: { recvWindow: 5_000 } },
        rateLimits: { onEvent: o.onRate },
        ...common,
      });
    case 'okx':
      return new OkxSwapSession({
        ccxt: { apiKey, secret, password, timeout: 10_000 },
        rateLimits: { onEvent: o.onRate },
        ...common,
      });
  }
};
