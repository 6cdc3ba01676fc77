import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  type AccountCommand,
  decideAccount,
  evolveAccount,
  initialAccountState,
  walletBalance,
} from '../../domain/ledger/account.js';
import type { AccountEvent } from '../../domain/ledger/events.js';
import { toText } from '../../domain/ledger/fixed.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';

/*
 * Funding from the real 2023 data (../shared/data/funding and ../shared/data/mark, see its README): each
 * settlement pays −position × mark × rate, with the mark price at the funding time (the 8h mark kline's
 * open). Funding timestamps carry a few ms (Binance fundingTime), so they join the mark grid after
 * rounding down to the second.
 */
const data = new URL('../../../shared/data/', import.meta.url);
const csv = (path: string): string[][] =>
  gunzipSync(readFileSync(new URL(path, data)))
    .toString('utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

const fundingWithMarks = (symbol: string) => {
  const marks = new Map(csv(`mark/${symbol}-8h.csv.gz`).map(([ts, open]) => [Number(ts), open!]));
  return csv(`funding/${symbol}.csv.gz`).map(([ts, rate]) => {
    const t = Number(ts);
    const mark = marks.get(t - (t % 1000));
    if (!mark) throw new Error(`${symbol}: no mark at ${new Date(t).toISOString()}`);
    return { fundingTime: t, rate: rate!, markPrice: mark };
  });
};

const ctx = { instrument, rules: binanceUsdm };

describe('funding over 2023 from the shared data', () => {
  for (const [symbol, qty] of [
    ['BTCUSDT', '1'],
    ['ETHUSDT', '-12.5'],
  ] as const) {
    it(`${symbol}: a ${qty} position pays/receives every settlement, to the last unit`, () => {
      const s = initialAccountState();
      const run = (c: AccountCommand): AccountEvent[] => {
        const out = decideAccount(c, s, ctx);
        for (const e of out) evolveAccount(s, e);
        return out;
      };
      run({
        kind: 'OpenAccount',
        accountId: 'f',
        venue: 'binance',
        marginAsset: 'USDT',
        feeTier: 'VIP0',
        positionMode: 'one-way',
      });
      run({ kind: 'DepositFunds', transferId: 'd', amount: '1000000' });
      const settlements = fundingWithMarks(symbol);
      run({
        kind: 'SettleFill',
        orderId: 'o',
        fillSeq: 1,
        tradeId: 't',
        strategyId: null,
        symbol,
        side: qty.startsWith('-') ? 'SELL' : 'BUY',
        positionSide: 'BOTH',
        quantity: qty.replace('-', ''),
        price: settlements[0]!.markPrice, // the first mark is on the tick grid for both symbols
        liquidity: 'taker',
        reduceOnly: false,
      });
      const before = walletBalance(s);
      let expected = new Decimal(0);
      let paid = 0;
      for (const f of settlements) {
        const events = run({ kind: 'ApplyFunding', symbol, ...f });
        paid += events.length;
        // Independent: decimal.js, rounded once to USDT's 8 places, half-up.
        expected = expected.add(
          new Decimal(qty).neg().mul(f.markPrice).mul(f.rate).toDecimalPlaces(8, Decimal.ROUND_HALF_UP),
        );
      }
      expect(paid).toBe(settlements.length);
      expect(settlements.length).toBe(1095);
      expect(toText(s.totals.funding)).toBe(expected.toFixed());
      expect(walletBalance(s) - before).toBe(s.totals.funding);
      console.info(
        `${symbol} ${qty}: 2023 funding ${toText(s.totals.funding)} USDT over ${paid} settlements`,
      );
    });
  }
});
