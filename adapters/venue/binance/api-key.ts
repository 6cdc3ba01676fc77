import { z } from 'zod';

/**
 * What a Binance API key may do, as GET /sapi/v1/account/apiRestrictions says
 * (https://developers.binance.com/docs/wallet/account/api-key-permission). Only the fields the node judges
 * by; the reply carries more.
 */
export const apiRestrictions = z.object({
  ipRestrict: z.boolean(),
  enableReading: z.boolean(),
  enableWithdrawals: z.boolean(),
  enableFutures: z.boolean(),
  enableInternalTransfer: z.boolean().optional(),
  permitsUniversalTransfer: z.boolean().optional(),
});
