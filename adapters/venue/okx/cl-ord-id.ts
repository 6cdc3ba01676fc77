import { createHash } from 'node:crypto';

/**
 * OKX's rule for clOrdId and algoClOrdId (https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order):
 * "A combination of case-sensitive alphanumerics, all numbers, or all letters of up to 32 characters."
 * No dash, no underscore: a run's order ids (`<run id>-<n>`) never keep it.
 */
const CL_ORD_ID = /^[A-Za-z0-9]{1,32}$/;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The first `length` base-62 digits of the id's SHA-256: OKX's alphabet, about 5.95 bits a character. */
const hash62 = (id: string, length: number): string => {
  let n = BigInt(`0x${createHash('sha256').update(id).digest('hex')}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
};

/**
 * Our client order id as OKX takes it: as it is where it keeps OKX's rule, else its first 16 letters and
 * digits (the rest of its characters dropped) followed by 16 base-62 characters of its SHA-256. The ledger
 * keeps its own id; the same id always gives the same one here, so an order an earlier process placed is
 * found again, and CcxtVenue routes what OKX says about it back by it (VenueSession.wireId). 16 base-62
 * characters are 95 bits of hash: two ids of one account meeting on one clOrdId is a chance of about
 * 2^-95 per pair, and the readable prefix keeps a run's orders recognisable on OKX's pages.
 */
export const okxClOrdId = (id: string): string =>
  CL_ORD_ID.test(id) ? id : `${id.replace(/[^A-Za-z0-9]/g, '').slice(0, 16)}${hash62(id, 16)}`;
