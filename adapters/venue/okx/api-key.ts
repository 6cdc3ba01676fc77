import { z } from 'zod';
import type { ApiRestrictions } from '../api-key.js';

/**
 * GET /api/v5/account/config as OKX documents it
 * (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration): only the fields the
 * node judges a key by. `perm` is "the permission of the current requesting API key": `read_only`, `trade`,
 * `withdraw`, comma-separated ("read_only,withdraw,trade"); `ip` the addresses the key is bound to, comma-
 * separated, "an empty string "" if there is no IP bonded".
 */
const configReply = z.object({
  code: z.literal('0'),
  data: z
    .array(
      z.object({
        perm: z.string(),
        ip: z.string(),
      }),
    )
    .length(1),
});

const PERMISSIONS = new Set(['read_only', 'trade', 'withdraw']);

/**
 * An OKX key's permissions in the terms the node judges every venue's key by (judgeApiKey). OKX has three
 * ("API key permissions", https://www.okx.com/docs-v5/en/#overview-api-key-creation): Read, Trade ("Can
 * place and cancel orders, funding transfer, make settings") and Withdraw. So a key trades futures with
 * `trade`, withdraws with `withdraw`, and — by OKX's own definition of Trade — can also move money between
 * accounts whenever it can trade: the node says so rather than pretend otherwise. Every key reads the
 * account (the reply itself is a read). It is bound to IPs unless `ip` is empty. A permission OKX has not
 * documented is refused, so that a new power of a key is never read as none. Throws (a zod error or an
 * Error) on a reply that is not OKX's.
 */
export const okxKeyRestrictions = (reply: unknown): ApiRestrictions => {
  const { perm, ip } = configReply.parse(reply).data[0]!;
  const perms = new Set(
    perm
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
  );
  for (const p of perms)
    if (!PERMISSIONS.has(p)) throw new Error(`unknown OKX key permission ${JSON.stringify(p)}`);
  const trades = perms.has('trade');
  return {
    ipRestrict: ip.trim() !== '',
    enableReading: true,
    enableWithdrawals: perms.has('withdraw'),
    enableFutures: trades,
    enableInternalTransfer: trades,
  };
};
