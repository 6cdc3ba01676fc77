import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccountCommand,
  type AccountContext,
  decideAccount,
  evolveAccount,
  initialAccountState,
  walletBalance,
} from '../../domain/ledger/account.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { binanceUsdm, bybitLinear, okxSwap, type VenueRules } from '../../domain/ledger/venue.js';
import type { VenueReport } from '../../domain/ledger/venue-port.js';
import { loadBinanceInstruments } from '../instruments/binance-files.js';
import type { CcxtVenue } from './ccxt-venue.js';
import { openBybitHarness } from './testing/bybit-harness.js';
import { openOkxHarness } from './testing/okx-harness.js';
import type { HandClock } from './testing/venue-fixtures.js';
import { settleReports, venueOrder } from './testing/venue-fixtures.js';
import { openHarness } from './testing/venue-harness.js';

/**
 * An account on a rebate tier (a negative maker rate), on each venue's fake: the rate the venue lists
 * reaches the ledger signed, a resting order's fill comes back with the rebate the exchange paid, and the
 * ledger that books both holds what the exchange's wallet holds, to the last unit. Each fake pays the
 * rebate over the same matching engine, in its own wire's sign (Binance's commission as a magnitude,
 * Bybit's execFee negative, OKX's fillFee positive).
 */
const REBATE = { maker: '-0.00005', taker: '0.0003' };

interface Opened {
  readonly venue: CcxtVenue;
  readonly clock: HandClock;
  readonly log?: readonly string[];
  setPrice(price: string): void;
  close(): Promise<void>;
}

const venues: readonly { name: string; rules: VenueRules; open: () => Promise<Opened> }[] = [
  {
    name: 'binance',
    rules: binanceUsdm,
    open: async () => {
      const h = await openHarness({
        prepare: (f) => {
          f.engine.feeRates = { maker: fixed(REBATE.maker), taker: fixed(REBATE.taker) };
        },
      });
      return { ...h, setPrice: (p) => h.fake.engine.setPrice('BTCUSDT', p) };
    },
  },
  {
    name: 'bybit',
    rules: bybitLinear,
    open: async () => {
      const h = await openBybitHarness({ fake: { feeRates: REBATE } });
      return { ...h, setPrice: (p) => h.fake.engine.setPrice('BTCUSDT', p) };
    },
  },
  {
    name: 'okx',
    rules: okxSwap,
    open: async () => {
      const h = await openOkxHarness({ fake: { feeRates: REBATE } });
      return { ...h, setPrice: (p) => h.fake.engine.setPrice('BTCUSDT', p) };
    },
  },
];

let book: Awaited<ReturnType<typeof loadBinanceInstruments>>;
beforeAll(async () => {
  book = await loadBinanceInstruments();
});
let opened: Opened | null = null;
afterEach(async () => {
  await opened?.close();
  opened = null;
});

describe.each(venues)('a maker rebate on $name', (v) => {
  it('is listed as a negative maker rate, reported with the fill and booked into the wallet', async () => {
    const x = await v.open();
    opened = x;
    x.setPrice('100000');
    const rates = await x.venue.commissionRates(['BTCUSDT']);
    expect(rates.get('BTCUSDT')).toEqual(REBATE);
    const start = await x.venue.walletBalance('USDT');

    x.venue.submit(
      venueOrder({ clientOrderId: 'bid', side: 'BUY', type: 'LIMIT', price: '99000.5', quantity: '0.002' }),
      x.clock.t,
    );
    await settleReports(x, 1);
    // The price falls through the bid: it fills as maker, 0.002 × 99,000.5 = 198.001 at −0.005 %.
    x.setPrice('99000');
    const reports = await settleReports(x, 2);
    const fill = reports.find((r): r is Extract<VenueReport, { kind: 'fill' }> => r.kind === 'fill');
    expect(fill).toMatchObject({ liquidity: 'maker', quantity: '0.002', price: '99000.5' });
    expect(fill!.fee).toEqual({ amount: '-0.00990005', asset: 'USDT' });

    const ctx: AccountContext = { instrument: book.get, rules: v.rules };
    const s = initialAccountState();
    const book1 = (c: AccountCommand) => {
      for (const e of decideAccount(c, s, ctx)) evolveAccount(s, e);
    };
    book1({
      kind: 'OpenAccount',
      accountId: v.name,
      venue: v.name,
      marginAsset: 'USDT',
      feeTier: 'VIP0',
      positionMode: 'one-way',
    });
    book1({ kind: 'DepositFunds', transferId: 'start', amount: start });
    book1({ kind: 'SetFeeRates', symbol: 'BTCUSDT', makerRate: REBATE.maker, takerRate: REBATE.taker });
    book1({
      kind: 'SettleFill',
      orderId: 'bid',
      fillSeq: 1,
      tradeId: fill!.tradeId,
      strategyId: null,
      symbol: 'BTCUSDT',
      side: 'BUY',
      positionSide: 'BOTH',
      quantity: fill!.quantity,
      price: fill!.price,
      liquidity: fill!.liquidity,
      reduceOnly: false,
      fee: fill!.fee!.amount,
      feeAsset: fill!.fee!.asset,
    });
    expect(toText(s.totals.fees)).toBe('-0.00990005');
    // The exchange paid the rebate into the wallet; the ledger holds the same balance.
    const after = await x.venue.walletBalance('USDT');
    expect(toText(fixed(after) - fixed(start))).toBe('0.00990005');
    expect(toText(walletBalance(s))).toBe(toText(fixed(after)));
  });
});
