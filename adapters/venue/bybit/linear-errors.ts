import {
  AuthenticationError,
  BadResponse,
  BaseError,
  DDoSProtection,
  NetworkError,
  RateLimitExceeded,
} from 'ccxt';
import { RateRefusal } from '../rate-gate.js';
import { VenueCallError } from '../venue-session.js';
import { BybitThrottled } from './linear-rate-tap.js';

/**
 * Bybit v5 return codes the adapter names (https://bybit-exchange.github.io/docs/v5/error). Any other code
 * is still a refusal; it just keeps Bybit's words.
 */
const LABELS: Readonly<Record<string, string>> = {
  '10001': 'request parameter error',
  '10002': 'request time outside the recv window',
  '10003': 'API key invalid',
  '10004': 'bad signature',
  '10005': 'permission denied',
  '10006': 'too many visits',
  '10007': 'authentication failed',
  '10009': 'IP banned',
  '10010': 'IP not bound to the API key',
  '10018': 'IP rate limit exceeded',
  '10027': 'transactions banned',
  '33004': 'API key expired',
  '110001': 'order does not exist',
  '110003': 'price outside the permissible range',
  '110004': 'insufficient wallet balance',
  '110006': 'cannot afford the position margin',
  '110007': 'insufficient available balance',
  '110008': 'order already completed or cancelled',
  '110009': 'too many conditional orders',
  '110010': 'order already cancelled',
  '110012': 'insufficient available balance',
  '110017': 'reduce-only rule not satisfied',
  '110020': 'too many active orders',
  '110021': 'open interest limit exceeded',
  '110023': 'symbol only takes reduce-only orders',
  '110043': 'leverage not modified',
  '110044': 'insufficient available margin',
  '110045': 'insufficient wallet balance',
  '110072': 'duplicate orderLinkId',
  '110092': 'trigger price already passed (expected rising)',
  '110093': 'trigger price already passed (expected falling)',
  '110094': 'order notional below the minimum',
};

/**
 * Codes that say Bybit does not know what became of the request: 10000 "Server Timeout", 10016 "Server
 * error" / "Service is restarting", 3400214 "Server error, please try again later". The order may exist;
 * it has to be looked up.
 */
const STATUS_UNKNOWN = new Set(['10000', '10016', '3400214']);

/**
 * 110072 "OrderLinkedID is duplicate": Bybit already holds an order under this orderLinkId, placed by an
 * earlier attempt or an earlier process of ours (the same ledger order always gives the same id). It is
 * not a refusal of the order: the caller looks it up (outcome unknown) and follows the one Bybit holds.
 */
const DUPLICATE = '110072';

/** Codes of Bybit's rate limits, and retCode 429 ("high server load. Please retry"): not executed. */
const THROTTLED = new Set(['10006', '10018', '429']);

/** Codes by which a cancel or lookup found no such order (or none left to act on). */
const UNKNOWN_ORDER = new Set(['110001', '110008', '110010']);

/** Codes by which Bybit refuses an order for the instrument's listed rules. */
const LISTING = new Set(['110094']);

/**
 * 10001 is every parameter error; it is about the listing when it names the grids or limits Bybit lists
 * per instrument ("Qty invalid", "Order price has too many decimals", "The number of contracts exceeds
 * minimum limit allowed", "order qty exceeds the upper limit").
 */
const LISTING_MESSAGE =
  /\b(qty|quantity|price|contracts?|decimals?|precision|tick ?size|qty ?step|step|notional|min(imum)?|max(imum)?|lower limit|upper limit)\b/i;

/** ccxt puts the exchange's body after the exchange id: `bybit {"retCode":110007,"retMsg":"..."}`. */
const bybitBody = (message: string): { code: string; msg: string } | null => {
  const at = message.indexOf('{');
  if (at < 0) return null;
  try {
    const body = JSON.parse(message.slice(at)) as Record<string, unknown>;
    const code = body.retCode ?? body.ret_code;
    if (typeof code !== 'number' && typeof code !== 'string') return null;
    if (String(code) === '0') return null;
    const msg = body.retMsg ?? body.ret_msg;
    return { code: String(code), msg: typeof msg === 'string' ? msg : '' };
  } catch {
    return null;
  }
};

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Reads an error from a ccxt call that reached for the network. Bybit's own code is a verdict, except the
 * ones that say the outcome is unknown and a duplicate orderLinkId. Without a code: a refusal for the rate
 * limits (ccxt's RateLimitExceeded / DDoSProtection from HTTP 429 and 403) or for the credentials is a
 * refusal; everything else (ccxt NetworkError and RequestTimeout, ExchangeNotAvailable for a 5xx, a reply
 * ccxt could not parse, anything unexpected) leaves the outcome unknown: the request may have been
 * executed, so the caller must look before it concludes. Call it only for errors from a call that went out.
 */
export const bybitCallError = (e: unknown, expiresAt?: number): VenueCallError => {
  // Held back by the rate budget, or refused for the rate limits until the gate gave up: nothing executed.
  if (e instanceof RateRefusal)
    return new VenueCallError('refused', `not sent: ${e.reason}`, { throttled: true, cause: e });
  if (e instanceof BybitThrottled)
    return new VenueCallError('refused', `refused for the rate limits: ${e.message}`, {
      throttled: true,
      cause: e,
    });
  const body = e instanceof BaseError ? bybitBody(e.message) : null;
  if (body !== null && !STATUS_UNKNOWN.has(body.code) && body.code !== DUPLICATE) {
    const label = LABELS[body.code] ?? 'refused';
    const listing = LISTING.has(body.code) || (body.code === '10001' && LISTING_MESSAGE.test(body.msg));
    return new VenueCallError('refused', `${label}: ${body.msg} (bybit ${body.code})`, {
      code: body.code,
      unknownOrder: UNKNOWN_ORDER.has(body.code),
      ...(listing ? { listing: true } : {}),
      ...(THROTTLED.has(body.code) ? { throttled: true } : {}),
      cause: e,
    });
  }
  if (body === null && (e instanceof RateLimitExceeded || e instanceof DDoSProtection))
    return new VenueCallError('refused', `refused for the rate limits: ${describe(e)}`, {
      throttled: true,
      cause: e,
    });
  if (body === null && e instanceof AuthenticationError)
    return new VenueCallError('refused', `refused for the credentials: ${describe(e)}`, { cause: e });
  const what =
    body !== null
      ? body.code === DUPLICATE
        ? `bybit ${body.code} ${body.msg}: an order with this orderLinkId exists already`
        : `bybit ${body.code} ${body.msg}`
      : e instanceof NetworkError
        ? `network: ${describe(e)}`
        : e instanceof BadResponse
          ? `unreadable reply: ${describe(e)}`
          : // Only ccxt's own parsing throws plain errors after a request went out: it choked on the reply.
            !(e instanceof BaseError)
            ? `unreadable reply, ccxt failed on it: ${describe(e)}`
            : `unexpected: ${describe(e)}`;
  return new VenueCallError('unknown', `no verdict (${what})`, {
    ...(body ? { code: body.code } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    cause: e,
  });
};
