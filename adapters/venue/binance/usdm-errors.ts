import { BadResponse, BaseError, NetworkError } from 'ccxt';
import { RateRefusal } from '../rate-gate.js';
import { VenueCallError } from '../venue-session.js';
import { Throttled } from './rate-tap.js';

/**
 * Binance USDⓈ-M error codes the adapter names (https://developers.binance.com/docs/derivatives/
 * usds-margined-futures/error-code). Any other code is still a refusal; it just keeps Binance's words.
 */
const LABELS: Readonly<Record<string, string>> = {
  '-1003': 'too many requests',
  '-1013': 'filter failure',
  '-1015': 'too many new orders',
  '-1021': 'timestamp outside recvWindow',
  '-1022': 'bad signature',
  '-1111': 'bad precision',
  '-1121': 'unknown symbol',
  '-2011': 'unknown order',
  '-2013': 'no such order',
  '-2014': 'bad API key',
  '-2015': 'API key refused',
  '-2018': 'insufficient balance',
  '-2019': 'insufficient margin',
  '-2021': 'would immediately trigger',
  '-2022': 'reduce-only rejected',
  '-4003': 'quantity not positive',
  '-4004': 'quantity below minimum',
  '-4005': 'quantity above maximum',
  '-4013': 'price below minimum',
  '-4015': 'client order id not valid',
  '-4014': 'price off the tick grid',
  '-4016': 'price above maximum',
  '-4023': 'quantity off the step grid',
  '-4045': 'too many conditional orders on the symbol',
  '-4061': 'position side mismatch',
  '-4116': 'duplicate clientOrderId',
  '-4164': 'below minimum notional',
  '-5021': 'FOK could not fill',
  '-5022': 'post-only would take',
};

/**
 * Codes that say Binance does not know what became of the request: -1007 "Send status unknown; execution
 * status unknown", and the generic internal errors. The order may exist; it has to be looked up.
 */
const STATUS_UNKNOWN = new Set(['-1000', '-1001', '-1006', '-1007']);

/**
 * Codes by which Binance refuses an order for its symbol's filters (precision, tick, step, minimums,
 * maximums): what exchangeInfo lists, and changes now and then.
 */
const LISTING = new Set(['-1111', '-4003', '-4004', '-4005', '-4013', '-4014', '-4016', '-4023', '-4164']);

/**
 * Codes by which Binance refuses an order on arrival for its own terms, and keeps no record of it: -5021 a
 * fill-or-kill that could not fill whole, -5022 a post-only (GTX) order that would have taken.
 */
const UNMET_TERMS = new Set(['-5021', '-5022']);

/** Codes of Binance's rate limits: the request was rejected, not executed. */
const THROTTLED = new Set(['-1003', '-1015']);

/** ccxt puts the exchange's body after the exchange id: `binanceusdm {"code":-2019,"msg":"..."}`. */
const binanceBody = (message: string): { code: string; msg: string } | null => {
  const at = message.indexOf('{');
  if (at < 0) return null;
  try {
    const body = JSON.parse(message.slice(at)) as { code?: unknown; msg?: unknown };
    if (typeof body.code !== 'number' && typeof body.code !== 'string') return null;
    return { code: String(body.code), msg: typeof body.msg === 'string' ? body.msg : '' };
  } catch {
    return null;
  }
};

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/**
 * Reads an error from a ccxt call that reached for the network. Binance's own code is a verdict, except
 * the "status unknown" ones. Everything else (ccxt NetworkError and RequestTimeout, a reply ccxt could not
 * parse, anything unexpected) leaves the outcome unknown: the request may have been executed, so the caller
 * must look before it concludes. Call it only for errors from a call that went out.
 */
export const binanceCallError = (e: unknown, expiresAt?: number): VenueCallError => {
  // Held back by the rate budget, or answered 429/418 until the gate gave up: Binance executed nothing.
  if (e instanceof RateRefusal)
    return new VenueCallError('refused', `not sent: ${e.reason}`, { throttled: true, cause: e });
  if (e instanceof Throttled)
    return new VenueCallError('refused', `refused for the rate limits: ${e.message}`, {
      throttled: true,
      cause: e,
    });
  const body = e instanceof BaseError ? binanceBody(e.message) : null;
  if (body !== null && !STATUS_UNKNOWN.has(body.code)) {
    const label = LABELS[body.code] ?? 'refused';
    return new VenueCallError('refused', `${label}: ${body.msg} (binance ${body.code})`, {
      code: body.code,
      unknownOrder: body.code === '-2011' || body.code === '-2013',
      ...(LISTING.has(body.code) ? { listing: true } : {}),
      ...(UNMET_TERMS.has(body.code) ? { unmetTerms: true } : {}),
      ...(THROTTLED.has(body.code) ? { throttled: true } : {}),
      cause: e,
    });
  }
  const what =
    body !== null
      ? `binance ${body.code} ${body.msg}`
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
