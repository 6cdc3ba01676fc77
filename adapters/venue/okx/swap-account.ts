import { z } from 'zod';
import { fixed, toText, ZERO } from '../../../domain/ledger/fixed.js';
import { type ContractSizes, contractsToBase, dataOf, okxSymbol } from './swap-messages.js';

/**
 * OKX v5 replies about the trading account, read strictly: positions, balance, fee rates, configuration, the
 * mark prices and the server's clock. Each throws when the reply is not what the API documents.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const epochMs = z.string().regex(/^\d+$/).transform(Number);

const positionRow = z.object({
  instType: z.string(),
  instId: z.string().min(1),
  posSide: z.enum(['net', 'long', 'short']),
  pos: z.union([z.literal(''), decimal]),
  mgnMode: z.string(),
});

/** One position as /account/positions gives it, its size in the base asset, signed (short −). */
export interface OkxPosition {
  readonly symbol: string;
  readonly instId: string;
  readonly size: string;
  /** `net` in one-way mode; `long` and `short` are long/short (hedge) mode. */
  readonly posSide: 'net' | 'long' | 'short';
  readonly mgnMode: string;
}

/**
 * /account/positions rows (https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-positions), USDT swaps
 * only. In net mode `pos` is signed ("positive pos means long position and negative pos means short
 * position"); in long/short mode it is not, and `posSide` says which. Contracts, made base units.
 */
export const positionsOf = (reply: unknown, sizes: ContractSizes): OkxPosition[] =>
  dataOf(reply).flatMap((row) => {
    const p = positionRow.parse(row);
    const symbol = okxSymbol(p.instId);
    if (p.instType !== 'SWAP' || symbol === null) return [];
    const contracts = p.pos === '' ? '0' : p.pos;
    if (p.posSide !== 'net' && contracts.startsWith('-'))
      throw new Error(
        `${p.instId} ${p.posSide} position ${contracts} is signed; OKX's is not in long/short mode`,
      );
    const base = contractsToBase(contracts, p.instId, sizes);
    const size = p.posSide === 'short' && fixed(base) !== ZERO ? toText(-fixed(base)) : base;
    return [{ symbol, instId: p.instId, size, posSide: p.posSide, mgnMode: p.mgnMode }];
  });

const balanceReply = z.object({
  code: z.literal('0'),
  data: z
    .array(z.object({ details: z.array(z.object({ ccy: z.string().min(1), cashBal: decimal })) }))
    .length(1),
});

/**
 * The cash balance of `asset` in the trading account (/account/balance,
 * https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-balance): `cashBal`, the balance before
 * unrealised profit. "The currency details will not be returned when cashBal and eq is both 0": an asset not
 * listed is held at 0.
 */
export const walletBalanceOf = (reply: unknown, asset: string): string =>
  balanceReply.parse(reply).data[0]!.details.find((d) => d.ccy === asset)?.cashBal ?? '0';

const rate = z.union([z.literal(''), decimal]).optional();
const feeReply = z.object({
  code: z.literal('0'),
  data: z
    .array(
      z.object({
        instType: z.string(),
        makerU: rate,
        takerU: rate,
        feeGroup: z
          .array(z.object({ groupId: z.string().optional(), maker: decimal, taker: decimal }))
          .optional(),
      }),
    )
    .min(1),
});

/**
 * OKX's rate as the ledger's: "The fee rate like maker and taker: positive number, which means the rate of
 * rebate; negative number, which means the rate of commission." The ledger's rates are what is charged, so
 * each is negated: a maker's rebate becomes a negative rate, which the ledger books as a negative fee. A
 * taker's rebate is refused: no venue pays the taker, so it would be a misreading.
 */
const charged = (which: 'maker' | 'taker', v: string): string => {
  const r = fixed(v);
  if (which === 'taker' && r > ZERO) throw new Error(`taker rate ${v} is a rebate: only a maker is paid one`);
  return toText(-r);
};

/**
 * The account's USDT-margined swap rates (/account/trade-fee?instType=SWAP&instFamily=…,
 * https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-fee-rates). `makerU` / `takerU` are "the fee
 * rate of USDT-margined contracts"; OKX has deprecated them for fee groups (`feeGroup`, each with its
 * groupId), so where they are empty the family's fee group is read: the one of `groupId` when the caller
 * knows it, else the only one the reply gives.
 */
export const feeRatesOf = (reply: unknown, groupId?: string): { maker: string; taker: string } => {
  const row = feeReply.parse(reply).data[0]!;
  if (row.makerU && row.takerU)
    return { maker: charged('maker', row.makerU), taker: charged('taker', row.takerU) };
  const groups = row.feeGroup ?? [];
  const group =
    groupId === undefined
      ? groups.length === 1
        ? groups[0]
        : undefined
      : groups.find((g) => g.groupId === groupId);
  if (group === undefined)
    throw new Error(
      `no USDT-margined rates in the reply (${groups.length} fee groups${groupId === undefined ? '' : `, none ${groupId}`})`,
    );
  return { maker: charged('maker', group.maker), taker: charged('taker', group.taker) };
};

const configReply = z.object({
  code: z.literal('0'),
  data: z
    .array(
      z.object({
        acctLv: z.string(),
        posMode: z.enum(['long_short_mode', 'net_mode']),
      }),
    )
    .length(1),
});

/** What /account/config says of how the account trades (…#trading-account-rest-api-get-account-configuration). */
export interface OkxAccountConfig {
  /** "1: Spot mode, 2: Futures mode, 3: Multi-currency margin, 4: Portfolio margin". */
  readonly acctLv: string;
  /** "long_short_mode: long/short, only applicable to FUTURES/SWAP; net_mode: net". */
  readonly posMode: 'long_short_mode' | 'net_mode';
}

export const accountConfigOf = (reply: unknown): OkxAccountConfig => configReply.parse(reply).data[0]!;

const timeReply = z.object({ code: z.literal('0'), data: z.array(z.object({ ts: epochMs })).length(1) });

/** The server's clock in ms from /public/time (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-system-time). */
export const serverTimeOf = (reply: unknown): number => timeReply.parse(reply).data[0]!.ts;

const markReply = z.object({
  code: z.literal('0'),
  data: z.array(z.object({ instId: z.string().min(1), markPx: z.string().regex(/^\d+(\.\d+)?$/) })),
});

/** /public/mark-price?instType=SWAP (…#public-data-rest-api-get-mark-price): each swap's mark, by instId. */
export const markPricesOf = (reply: unknown): Map<string, string> =>
  new Map(markReply.parse(reply).data.map((m) => [m.instId, m.markPx] as const));
