import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { summarise } from './explain.js';

const settled = (data: Record<string, unknown>): RecordedEvent =>
  ({
    eventId: 'e1',
    streamId: 'account-binance-r1',
    streamVersion: 3,
    globalPosition: 9,
    type: 'FillSettled',
    schemaVersion: 1,
    data: {
      orderId: 'o1',
      side: 'SELL',
      quantity: '0.5',
      price: '27000',
      symbol: 'BTCUSDT',
      positionQuantity: '0',
      entryPrice: '0',
      realisedPnl: '-1500',
      ...data,
    },
    metadata: {
      correlationId: 'c',
      causationId: null,
      actor: 'system:ledger',
      mode: 'live',
      occurredAt: '2023-06-01T00:00:00.000Z',
      recordedAt: '2023-06-01T00:00:00.000Z',
    },
  }) as RecordedEvent;

describe('the audit timeline’s one-line summaries', () => {
  it('says when the exchange closed the position itself, and why, in a reviewer’s words', () => {
    expect(summarise(settled({}))).toBe('booked: position BTCUSDT now 0 @ entry 0, realised PnL -1500');
    expect(summarise(settled({ forced: 'liquidation' }))).toBe(
      'CLOSED BY THE EXCHANGE (liquidation: the margin ran out): SELL 0.5 BTCUSDT @ 27000; position now 0, realised PnL -1500',
    );
    expect(summarise(settled({ forced: 'adl' }))).toMatch(/^CLOSED BY THE EXCHANGE \(auto-deleveraging/);
  });

  it('says whose figure a funding payment is: the exchange’s, or computed from the rate and the mark', () => {
    const funding = (extra: Record<string, unknown>) =>
      summarise({
        ...settled({}),
        type: 'FundingPaid',
        data: {
          symbol: 'BTCUSDT',
          amount: '-0.0300037',
          rate: '0.0001',
          markPrice: '100000',
          positionQuantity: '0.003',
          ...extra,
        },
      });
    expect(funding({ source: 'venue' })).toBe(
      "funding -0.0300037 as the exchange charged it (position 0.003; the feed's rate 0.0001, mark 100000)",
    );
    expect(funding({})).toBe('funding -0.0300037 at rate 0.0001, mark 100000, position 0.003');
    expect(
      summarise({
        ...settled({}),
        type: 'ExchangeRecordUnbooked',
        data: {
          record: 'funding',
          symbol: 'BTCUSDT',
          ref: '9689322392',
          time: 1,
          amount: '-0.3',
          unit: 'USDT',
          why: 'the account holds no BTCUSDT position',
        },
      }),
    ).toBe(
      "NOT BOOKED: the exchange's funding -0.3 USDT on BTCUSDT (9689322392): the account holds no BTCUSDT position",
    );
  });

  it('says which symbol a real run set aside, after how long, and what it held', () => {
    expect(
      summarise({
        ...settled({}),
        type: 'SymbolSetAside',
        data: {
          venue: 'binance',
          symbol: 'ETHUSDT',
          lastBarClose: Date.UTC(2023, 2, 3),
          waitedMs: 15 * 60_000,
          position: '-0.5',
          why: "no closed 1h bar since 2023-03-03T00:00:00.000Z while the other symbols' went on",
        },
      }),
    ).toBe(
      "SET ASIDE: ETHUSDT published no bar for 15 min past its next close (last bar closed 2023-03-03T00:00:00.000Z): no closed 1h bar since 2023-03-03T00:00:00.000Z while the other symbols' went on; the run trades on without it, position -0.5 left to its stops on the venue's marks",
    );
  });

  it('says which feed went down, since when, and how long it was down', () => {
    const feed = {
      runId: 'live-a',
      strategyId: 'ema-cross',
      mode: 'paper',
      feed: 'bars',
      symbol: 'ETHUSDT',
      since: Date.UTC(2023, 2, 3),
      detail: 'no closed 1h bar for 2 bars',
    };
    expect(
      summarise({
        ...settled({}),
        type: 'FeedInterrupted',
        data: { ...feed, at: Date.UTC(2023, 2, 3, 2, 0, 1) },
      }),
    ).toBe(
      'FEED DOWN (bars ETHUSDT) since 2023-03-03T00:00:00.000Z, noticed 2023-03-03T02:00:01.000Z: no closed 1h bar for 2 bars',
    );
    expect(
      summarise({
        ...settled({}),
        type: 'FeedRestored',
        data: {
          ...feed,
          feed: 'venue',
          symbol: null,
          at: Date.UTC(2023, 2, 3, 5, 30),
          detail: 'bars fetched again',
        },
      }),
    ).toBe('FEED BACK (venue) after 330 min: bars fetched again');
  });

  it('says when the real account’s venue got slow', () => {
    expect(
      summarise({
        ...settled({}),
        type: 'VenueHealthChanged',
        data: {
          venue: 'binance',
          aspect: 'latency',
          state: 'degraded',
          since: Date.UTC(2023, 2, 3),
          at: Date.UTC(2023, 2, 3),
          detail: 'orders take 2300 ms',
        },
      }),
    ).toBe('VENUE DEGRADED (binance latency) since 2023-03-03T00:00:00.000Z: orders take 2300 ms');
  });

  it('says which position a real run carried on from the one before it, with no trade', () => {
    const moved = {
      symbol: 'BTCUSDT',
      positionSide: 'BOTH',
      strategyId: 'ema-cross',
      quantity: '0.05',
      cost: '1300',
      entryPrice: '26000',
    };
    expect(
      summarise({ ...settled({}), type: 'PositionTakenOver', data: { ...moved, fromAccount: 'real-a' } }),
    ).toBe(
      'CARRIED ON: took over BTCUSDT 0.05 at its cost (entry 26000) from real-a, which held it on the exchange; no trade, nothing realised',
    );
    expect(
      summarise({ ...settled({}), type: 'PositionHandedOver', data: { ...moved, toAccount: 'real-b' } }),
    ).toBe(
      'HANDED OVER: BTCUSDT 0.05 (entry 26000) to real-b, the run that carries it on; no trade, nothing realised',
    );
  });

  it('says which symbol came back into a real run, from which bar, and what it skipped', () => {
    expect(
      summarise({
        ...settled({}),
        type: 'SymbolRejoined',
        data: {
          venue: 'binance',
          symbol: 'ETHUSDT',
          firstBarOpen: Date.UTC(2023, 2, 3, 6),
          runAt: Date.UTC(2023, 2, 3, 6, 30),
          skippedBars: 0,
          position: '-0.5',
        },
      }),
    ).toBe(
      'REJOINED: ETHUSDT publishes bars again; the run replays them from the bar opening 2023-03-03T06:00:00.000Z, and skipped 0 bar(s) that closed by 2023-03-03T06:30:00.000Z, the time it had reached (position -0.5)',
    );
  });

  it('says what the exchange changed in a listing, and what made the run look', () => {
    expect(
      summarise({
        ...settled({}),
        type: 'InstrumentUpdated',
        data: {
          venue: 'binance',
          symbol: 'BTCUSDT',
          prompt: 'fill-off-grid',
          changes: ['BTCUSDT tickSize 0.1 → 0.01'],
          instrument: {},
        },
      }),
    ).toBe(
      'LISTING CHANGED on the exchange (a fill came between the ticks the run held): BTCUSDT tickSize 0.1 → 0.01; the run trades and books by it from here',
    );
  });

  it('says in which asset a fee was paid, and what it was worth, when the wallet did not pay it', () => {
    const fee = (extra: Record<string, unknown>) =>
      summarise({
        ...settled({}),
        type: 'FeeCharged',
        data: {
          reason: 'trade',
          symbol: 'BTCUSDT',
          notional: '300',
          rate: '0.00045',
          amount: '0.135',
          ...extra,
        },
      });
    expect(fee({})).toBe('fee 0.135 (trade, rate 0.00045 on 300)');
    expect(fee({ paidIn: { asset: 'BNB', amount: '0.00045' } })).toBe(
      'fee paid in BNB: 0.00045 BNB, worth 0.135 (trade, rate 0.00045 on 300); the wallet did not pay it',
    );
    // A rebate tier pays the maker: a negative fee, said as what it is.
    expect(fee({ rate: '-0.00005', amount: '-0.015' })).toBe(
      'maker rebate 0.015 paid to the account (rate -0.00005 on 300)',
    );
  });
});
