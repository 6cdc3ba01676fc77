import { z } from 'zod';
import { fixed } from '../../../domain/ledger/fixed.js';

/**
 * Bybit v5 replies about the unified trading account, read strictly: positions, wallet balance, fee rates,
 * margin mode and the server's clock. Each throws when the reply is not what the API documents.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const rate = z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal rate');
const result = <T extends z.ZodTypeAny>(shape: T) => z.object({ result: shape });

const positionRow = z.object({
  symbol: z.string().min(1),
  side: z.enum(['Buy', 'Sell', 'None', '']),
  size: decimal,
  positionIdx: z.number().int(),
});

/** One position as /v5/position/list gives it, its size signed (short −). */
export interface BybitPosition {
  readonly symbol: string;
  readonly size: string;
  /** 0 one-way; 1 and 2 the buy and sell sides of hedge mode (…/v5/enum#positionidx). */
  readonly positionIdx: number;
}

/**
 * /v5/position/list rows (https://bybit-exchange.github.io/docs/v5/position): `size` has no sign, `side`
 * says it ("Buy: long, Sell: short"; an empty position is "" on a unified account).
 */
export const positionsOf = (rows: readonly unknown[]): BybitPosition[] =>
  rows.map((row) => {
    const p = positionRow.parse(row);
    if (p.size.startsWith('-')) throw new Error(`${p.symbol} size ${p.size} is signed; Bybit's is not`);
    const flat = /^0*(\.0*)?$/.test(p.size);
    if (!flat && p.side !== 'Buy' && p.side !== 'Sell')
      throw new Error(`${p.symbol} holds ${p.size} on no side (${JSON.stringify(p.side)})`);
    return {
      symbol: p.symbol,
      size: p.side === 'Sell' && !flat ? `-${p.size}` : p.size,
      positionIdx: p.positionIdx,
    };
  });

const walletReply = result(
  z.object({
    list: z.array(
      z.object({
        accountType: z.string(),
        coin: z.array(z.object({ coin: z.string().min(1), walletBalance: decimal })),
      }),
    ),
  }),
);

/**
 * The wallet balance of `asset` in the unified account (/v5/account/wallet-balance?accountType=UNIFIED,
 * https://bybit-exchange.github.io/docs/v5/account/wallet-balance): `walletBalance` is the coin's balance
 * before unrealised profit. "By default, currency information with assets or liabilities of 0 is not
 * returned": an asset not listed is held at 0.
 */
export const walletBalanceOf = (reply: unknown, asset: string): string => {
  const accounts = walletReply.parse(reply).result.list;
  const unified = accounts.find((a) => a.accountType === 'UNIFIED');
  if (unified === undefined) throw new Error('no UNIFIED account in the reply');
  return unified.coin.find((c) => c.coin === asset)?.walletBalance ?? '0';
};

const feeReply = result(
  z.object({ list: z.array(z.object({ symbol: z.string(), takerFeeRate: rate, makerFeeRate: rate })) }),
);

/**
 * The account's rates on `symbol` (/v5/account/fee-rate?category=linear,
 * https://bybit-exchange.github.io/docs/v5/account/fee-rate), signed as the ledger's: a negative maker rate
 * is a rebate tier's, which the ledger books as a negative fee. A negative taker rate is refused: no venue
 * pays the taker, so it would be a misreading.
 */
export const feeRatesOf = (reply: unknown, symbol: string): { maker: string; taker: string } => {
  const row = feeReply.parse(reply).result.list.find((r) => r.symbol === symbol);
  if (row === undefined) throw new Error(`no rates for ${symbol}`);
  if (row.takerFeeRate.startsWith('-') && fixed(row.takerFeeRate) !== 0n)
    throw new Error(`${symbol} taker rate ${row.takerFeeRate} is negative: only a maker is paid a rebate`);
  return { maker: row.makerFeeRate, taker: row.takerFeeRate };
};

/** The unified account's margin modes (/v5/account/info `marginMode`). */
export type BybitMarginMode = 'REGULAR_MARGIN' | 'ISOLATED_MARGIN' | 'PORTFOLIO_MARGIN';

const accountInfoReply = result(
  z.object({ marginMode: z.enum(['REGULAR_MARGIN', 'ISOLATED_MARGIN', 'PORTFOLIO_MARGIN']) }),
);

/** /v5/account/info (https://bybit-exchange.github.io/docs/v5/account/account-info). */
export const marginModeOf = (reply: unknown): BybitMarginMode =>
  accountInfoReply.parse(reply).result.marginMode;

const timeReply = z.object({
  result: z.object({ timeSecond: z.string().regex(/^\d+$/), timeNano: z.string().regex(/^\d+$/) }),
});

/**
 * The server's clock in ms from /v5/market/time (https://bybit-exchange.github.io/docs/v5/market/time):
 * `timeNano` is the finest it gives; it has to agree with `timeSecond`.
 */
export const serverTimeOf = (reply: unknown): number => {
  const r = timeReply.parse(reply).result;
  const ms = Number(BigInt(r.timeNano) / 1_000_000n);
  if (Math.floor(ms / 1000) !== Number(r.timeSecond))
    throw new Error(`timeNano ${r.timeNano} and timeSecond ${r.timeSecond} disagree`);
  return ms;
};
