import { createHash } from 'node:crypto';

/**
 * Bybit's rule for orderLinkId (https://bybit-exchange.github.io/docs/v5/order/create-order): "A max of
 * 36 characters. Combinations of numbers, letters (upper and lower cases), dashes, and underscores".
 */
const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;

/**
 * Our client order id as Bybit takes it: as it is where it keeps Bybit's rule, else its first 23
 * characters (any other character as `_`), a `-` and 12 characters of its SHA-256 in base64url (whose
 * alphabet is Bybit's). A run's order ids (`<run id>-<n>`) outgrow 36 characters with a longer strategy
 * name or the tenth order, and may hold characters Bybit refuses. The ledger keeps its own id; the same id
 * always gives the same one here, so an order an earlier process placed is found again, and CcxtVenue
 * routes what Bybit says about it back by it (VenueSession.wireId). 72 bits of hash make two ids of one
 * account meeting on one orderLinkId a chance of about 2^-72 per pair.
 */
export const bybitOrderLinkId = (id: string): string =>
  ORDER_LINK_ID.test(id)
    ? id
    : `${id.slice(0, 23).replace(/[^A-Za-z0-9_-]/g, '_')}-${createHash('sha256').update(id).digest('base64url').slice(0, 12)}`;
