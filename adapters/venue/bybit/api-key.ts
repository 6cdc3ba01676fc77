import { z } from 'zod';
import type { ApiRestrictions } from '../api-key.js';

/**
 * GET /v5/user/query-api as Bybit documents it (https://bybit-exchange.github.io/docs/v5/user/apikey-info):
 * only the fields the node judges a key by.
 */
const queryApiReply = z.object({
  retCode: z.literal(0),
  result: z.object({
    /** 0: read and write, 1: read only. */
    readOnly: z.union([z.literal(0), z.literal(1)]),
    permissions: z.object({
      ContractTrade: z.array(z.string()).default([]),
      Derivatives: z.array(z.string()).default([]),
      Wallet: z.array(z.string()).default([]),
    }),
    ips: z.array(z.string()).default([]),
  }),
});

/**
 * A Bybit key's permissions in the terms the node judges every venue's key by (judgeApiKey): it trades
 * futures if it may place contract orders (ContractTrade "Order", or the unified account's
 * DerivativesTrade) and is not read-only; it withdraws with Wallet "Withdraw"; it moves money between
 * wallets with AccountTransfer or a sub-member transfer; it is bound to IPs unless its list is empty or "*".
 * Any key reads the account. Throws (a zod error) on a reply that is not Bybit's.
 */
export const bybitKeyRestrictions = (reply: unknown): ApiRestrictions => {
  const r = queryApiReply.parse(reply).result;
  const wallet = new Set(r.permissions.Wallet);
  const trades =
    r.readOnly === 0 &&
    (r.permissions.ContractTrade.includes('Order') || r.permissions.Derivatives.includes('DerivativesTrade'));
  return {
    ipRestrict: r.ips.length > 0 && !r.ips.includes('*'),
    enableReading: true,
    enableWithdrawals: wallet.has('Withdraw'),
    enableFutures: trades,
    enableInternalTransfer: wallet.has('AccountTransfer') || wallet.has('SubMemberTransfer'),
  };
};
