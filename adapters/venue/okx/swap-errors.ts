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
import { OkxThrottled } from './swap-rate-tap.js';

/**
 * OKX v5 error codes the adapter names (https://www.okx.com/docs-v5/en/#error-code-rest-api-public). Any
 * other code is still a refusal; it just keeps OKX's words. OKX adds sub-codes after an underscore
 * ("51008_1000"): the code before it is the error.
 */
const LABELS: Readonly<Record<string, string>> = {
  '50000': 'empty request body',
  '50002': 'JSON syntax error',
  '50005': 'endpoint inactive or unavailable',
  '50007': 'user blocked',
  '50009': 'account frozen by a stop-out',
  '50011': 'rate limit reached',
  '50014': 'a required parameter is empty',
  '50020': 'position frozen by a forced liquidation',
  '50027': 'account restricted from trading',
  '50061': 'sub-account order rate limit reached',
  '50100': 'API key frozen',
  '50101': 'API key does not match this environment',
  '50102': 'request timestamp expired',
  '50105': 'passphrase incorrect',
  '50110': 'IP not in the API key’s whitelist',
  '50111': 'API key invalid',
  '50112': 'timestamp invalid',
  '50113': 'bad signature',
  '50120': 'API key lacks the permission',
  '51000': 'parameter error',
  '51001': 'instrument does not exist',
  '51004': 'order exceeds the position limit at the current leverage',
  '51005': 'order amount exceeds the maximum',
  '51006': 'price outside the price limit',
  '51007': 'order below one contract',
  '51008': 'insufficient margin',
  '51010': 'unsupported in the current account mode',
  '51016': 'duplicate clOrdId',
  '51020': 'order below the minimum amount',
  '51022': 'contract suspended',
  '51027': 'contract expired',
  '51030': 'funding fee being settled',
  '51121': 'order quantity not a multiple of the lot size',
  '51127': 'available balance is 0',
  '51131': 'insufficient balance',
  '51169': 'no position in this direction to reduce',
  '51170': 'reduce-only order in the position’s own direction',
  '51201': 'market order value above the maximum',
  '51202': 'market order amount above the maximum',
  '51203': 'order amount above the limit',
  '51205': 'reduce-only not available',
  '51277': 'take-profit trigger above the last price',
  '51278': 'stop-loss trigger below the last price',
  '51279': 'take-profit trigger below the last price',
  '51280': 'stop-loss trigger above the last price',
  '51400': 'order already filled, canceled, or absent',
  '51401': 'order already canceled',
  '51402': 'order already completed',
  '51405': 'no pending order to cancel',
  '51410': 'order already being canceled',
  '51416': 'order already triggered',
  '51603': 'order does not exist',
  '51065': 'duplicate algoClOrdId',
};

/**
 * Codes that say OKX does not know what became of the request: 50001 "Service temporarily unavailable",
 * 50004 "API endpoint request timeout (does not mean that the request was successful or failed, please
 * check the request result)", 50013 "Systems are busy", 50026 "System error", 51054 "Request timed out",
 * 51412 "Cancellation timed out". The order may exist; it has to be looked up.
 */
const STATUS_UNKNOWN = new Set(['50001', '50004', '50013', '50026', '51054', '51412']);

/**
 * 51016 "Client order ID already exists" and 51065 "algoClOrdId already exists": OKX already holds a pending
 * order under this id, placed by an earlier attempt or an earlier process of ours (the same ledger order
 * always gives the same id). Not a refusal of the order: the caller looks it up (outcome unknown) and
 * follows the one OKX holds, as for Bybit's 110072. 50071 "{param} already exists" is the same when it
 * names a client id.
 */
const DUPLICATE = new Set(['51016', '51065']);
const isDuplicate = (code: string, msg: string): boolean =>
  DUPLICATE.has(code) || (code === '50071' && /clOrdId/i.test(msg));

/** Codes of OKX's rate limits: not executed. */
const THROTTLED = new Set(['50011', '50061']);

/**
 * Codes by which a cancel or lookup found no such order, or none left to act on: 51400–51402 and 51405
 * (cancel), 51410 (already canceling), 51416 (an algo order that fired cannot be canceled: its child order
 * is what is left), 51603 "Order does not exist" (GET /trade/order, /trade/order-algo), 51063 "OrdId does
 * not exist".
 */
const UNKNOWN_ORDER = new Set(['51400', '51401', '51402', '51405', '51410', '51416', '51603', '51063']);

/**
 * Codes by which OKX refuses an order for the instrument's listed rules: the lot (51121), the minimum
 * (51020, 51007), the maxima (51005, 51201–51203, from maxLmtSz and maxMktSz).
 */
const LISTING = new Set(['51121', '51020', '51007', '51005', '51201', '51202', '51203']);

/**
 * 51000 "Parameter {param0} error" is every parameter error; it is about the listing when the parameter is
 * the size or the price (an off-tick `px`, a malformed `sz`).
 */
const LISTING_PARAMETER = /\b(sz|px|slTriggerPx|tpTriggerPx)\b/;

/**
 * ccxt puts the exchange's body after the exchange id: `okx {"code":"1","data":[{"sCode":"51121",…}],…}`. A
 * refused order answers with envelope code "1" and its own sCode and sMsg in `data`: those are the verdict.
 */
export const okxBody = (message: string): { code: string; msg: string } | null => {
  const at = message.indexOf('{');
  if (at < 0) return null;
  try {
    const body = JSON.parse(message.slice(at)) as Record<string, unknown>;
    const code = body.code;
    if (typeof code !== 'number' && typeof code !== 'string') return null;
    if (String(code) === '0') return null;
    const data = Array.isArray(body.data) ? (body.data as unknown[]) : [];
    for (const d of data) {
      const row = d as { sCode?: unknown; sMsg?: unknown } | null;
      const s = row?.sCode;
      if ((typeof s === 'string' || typeof s === 'number') && String(s) !== '0' && String(s) !== '')
        return { code: String(s), msg: typeof row?.sMsg === 'string' ? row.sMsg : '' };
    }
    const msg = body.msg;
    return { code: String(code), msg: typeof msg === 'string' ? msg : '' };
  } catch {
    return null;
  }
};

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Reads an error from a ccxt call that reached for the network. OKX's own code is a verdict, except the
 * ones that say the outcome is unknown and a duplicate client id. Without a code: a refusal for the rate
 * limits (ccxt's RateLimitExceeded / DDoSProtection) or for the credentials is a refusal; everything else
 * (ccxt NetworkError and RequestTimeout, ExchangeNotAvailable for a 5xx, a reply ccxt could not parse,
 * anything unexpected) leaves the outcome unknown: the request may have been executed, so the caller must
 * look before it concludes. Call it only for errors from a call that went out.
 */
export const okxCallError = (e: unknown, expiresAt?: number): VenueCallError => {
  // Held back by the rate budget, or refused for the rate limits until the gate gave up: nothing executed.
  if (e instanceof RateRefusal)
    return new VenueCallError('refused', `not sent: ${e.reason}`, { throttled: true, cause: e });
  if (e instanceof OkxThrottled)
    return new VenueCallError('refused', `refused for the rate limits: ${e.message}`, {
      throttled: true,
      cause: e,
    });
  if (e instanceof VenueCallError) return e;
  const body = e instanceof BaseError ? okxBody(e.message) : null;
  const base = body === null ? null : body.code.split('_')[0]!;
  if (body !== null && base !== null && !STATUS_UNKNOWN.has(base) && !isDuplicate(base, body.msg)) {
    const label = LABELS[base] ?? 'refused';
    const listing = LISTING.has(base) || (base === '51000' && LISTING_PARAMETER.test(body.msg));
    return new VenueCallError('refused', `${label}: ${body.msg} (okx ${body.code})`, {
      code: base,
      unknownOrder: UNKNOWN_ORDER.has(base),
      ...(listing ? { listing: true } : {}),
      ...(THROTTLED.has(base) ? { throttled: true } : {}),
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
    body !== null && base !== null
      ? isDuplicate(base, body.msg)
        ? `okx ${body.code} ${body.msg}: an order with this client id exists already`
        : `okx ${body.code} ${body.msg}`
      : e instanceof NetworkError
        ? `network: ${describe(e)}`
        : e instanceof BadResponse
          ? `unreadable reply: ${describe(e)}`
          : // Only ccxt's own parsing throws plain errors after a request went out: it choked on the reply.
            !(e instanceof BaseError)
            ? `unreadable reply, ccxt failed on it: ${describe(e)}`
            : `unexpected: ${describe(e)}`;
  return new VenueCallError('unknown', `no verdict (${what})`, {
    ...(base !== null ? { code: base } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    cause: e,
  });
};
