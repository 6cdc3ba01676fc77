import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import { summarise } from './summary.js';

const event = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  eventId: '0190f5e2-0000-7000-8000-000000000001',
  streamId: 'run-real-x',
  streamVersion: 1,
  globalPosition: 1,
  type,
  schemaVersion: 1,
  data,
  metadata: {
    correlationId: 'c',
    causationId: null,
    actor: 'system:engine',
    mode: 'live',
    occurredAt: '2023-03-03T01:15:00.000Z',
    recordedAt: '2023-03-03T01:15:00.000Z',
  },
});

describe('the audit timeline’s one-line summaries', () => {
  it('says a negative fee is a maker rebate, a positive one a fee', () => {
    const fee = (amount: string) => summarise(event('FeeCharged', { amount, symbol: 'BTCUSDT' }));
    expect(fee('0.12')).toBe('fee 0.12 on BTCUSDT');
    expect(fee('-0.015')).toBe('maker rebate 0.015 on BTCUSDT');
  });

  it('says what the exchange changed in a run’s listing, and why the run looked', () => {
    expect(
      summarise(
        event('InstrumentUpdated', {
          symbol: 'BTCUSDT',
          prompt: 'fill-off-grid',
          changes: ['BTCUSDT tickSize 0.1 → 0.01', 'BTCUSDT minPrice 261.1 → 261.11'],
        }),
      ),
    ).toBe('listing changed (fill-off-grid): BTCUSDT tickSize 0.1 → 0.01; BTCUSDT minPrice 261.1 → 261.11');
  });

  it('says whose listing a run trades by when it recorded one, and nothing when it did not', () => {
    const started = (config: Record<string, unknown>) =>
      event('RunStarted', {
        runId: 'live-bybit-x',
        mode: 'paper',
        strategyId: 'ema-cross',
        symbols: ['BTCUSDT'],
        config,
      });
    expect(summarise(started({ instruments: { BTCUSDT: { venue: 'bybit', symbol: 'BTCUSDT' } } }))).toBe(
      "run live-bybit-x paper ema-cross on BTCUSDT, by bybit's listing",
    );
    expect(summarise(started({ feeTier: 'VIP0' }))).toBe('run live-bybit-x paper ema-cross on BTCUSDT');
  });

  it('says which order was not sent, and the rule that refused it', () => {
    expect(
      summarise(
        event('OrderRefused', {
          side: 'BUY',
          type: 'MARKET',
          quantity: '0.05',
          symbol: 'BTCUSDT',
          reason: 'symbol-not-trading: BTCUSDT status is Settling',
        }),
      ),
    ).toBe('order not sent: BUY MARKET 0.05 BTCUSDT: symbol-not-trading: BTCUSDT status is Settling');
  });

  it('says which symbol a run set aside, what it held in it, and why', () => {
    expect(
      summarise(
        event('SymbolSetAside', { symbol: 'ETHUSDT', position: '-0.5', why: 'no closed 1h bar since …' }),
      ),
    ).toBe('set aside ETHUSDT (position -0.5): no closed 1h bar since …');
  });

  it('says which feed went down and how long it was down', () => {
    const feed = { feed: 'marks', symbol: null, since: 0, detail: '3 asks for mark prices failed in a row' };
    expect(summarise(event('FeedInterrupted', { ...feed, at: 1_200_000 }))).toBe(
      'feed down: marks, 3 asks for mark prices failed in a row',
    );
    expect(
      summarise(event('FeedRestored', { ...feed, feed: 'bars', symbol: 'ETHUSDT', at: 7_200_000 })),
    ).toBe('feed back: bars ETHUSDT after 120 min');
  });

  it('says what became of the real account’s venue', () => {
    expect(
      summarise(
        event('VenueHealthChanged', {
          venue: 'binance',
          aspect: 'latency',
          state: 'degraded',
          detail: 'orders take 2300 ms',
        }),
      ),
    ).toBe('binance latency degraded: orders take 2300 ms');
  });

  it('says which symbol came back into a run, from which bar', () => {
    expect(
      summarise(
        event('SymbolRejoined', {
          symbol: 'ETHUSDT',
          firstBarOpen: Date.UTC(2023, 2, 3, 6),
          position: '0',
          skippedBars: 2,
        }),
      ),
    ).toBe('rejoined ETHUSDT from 2023-03-03T06:00:00.000Z (position 0, 2 bar(s) skipped)');
  });

  it('says which position moved between two runs, both ways', () => {
    const moved = { symbol: 'BTCUSDT', quantity: '0.05', entryPrice: '26000' };
    expect(summarise(event('PositionTakenOver', { ...moved, fromAccount: 'real-a' }))).toBe(
      'took over BTCUSDT 0.05 @ 26000 from real-a',
    );
    expect(summarise(event('PositionHandedOver', { ...moved, toAccount: 'real-b' }))).toBe(
      'handed over BTCUSDT 0.05 @ 26000 to real-b',
    );
  });

  it('says which commission rates the account pays on a symbol', () => {
    expect(
      summarise(event('FeeRatesSet', { symbol: 'BTCUSDT', makerRate: '0.00016', takerRate: '0.0004' })),
    ).toBe('fee rates BTCUSDT: maker 0.00016, taker 0.0004');
  });

  it('says which layer of the limits a person set, to what, and why; and that a run took it', () => {
    const change = { changeId: 'c1', scope: 'symbol', key: 'BTCUSDT', limits: { maxLeverage: 3 } };
    expect(
      summarise(event('RiskLimitsSet', { ...change, approver: 'user:alice', reason: 'BTC at 3x' })),
    ).toBe('limits symbol BTCUSDT maxLeverage 3 by user:alice: BTC at 3x');
    expect(summarise(event('RiskLimitsApplied', { ...change, seq: 120 }))).toBe(
      'took limits symbol BTCUSDT maxLeverage 3',
    );
    expect(
      summarise(
        event('RiskLimitsSet', {
          changeId: 'c2',
          scope: 'defaults',
          key: null,
          limits: { maxDailyLoss: 0.03, disabled: ['price-band', 'order-rate'] },
          approver: 'user:alice',
          reason: 'calmer',
        }),
      ),
    ).toBe('limits defaults maxDailyLoss 0.03, disabled [price-band, order-rate] by user:alice: calmer');
    expect(summarise(event('RiskLimitsApplied', { ...change, limits: {}, seq: 7 }))).toBe(
      'took limits symbol BTCUSDT removed',
    );
    expect(
      summarise(event('RiskLimitsApplied', { ...change, scope: 'defaults', key: null, limits: {} })),
    ).toBe('took limits defaults back to built-in');
  });

  it("says where a new run's breaker level and Kelly record came from", () => {
    expect(
      summarise(
        event('BreakerLevelChanged', {
          scope: 'strategy',
          scopeId: 'real-b',
          from: 'normal',
          to: 'reduce',
          carriedFrom: 'real-a',
        }),
      ),
    ).toBe('breaker strategy real-b normal → reduce (carried from real-a)');
    expect(
      summarise(
        event('RiskStateCarried', {
          accountId: 'real-b',
          from: 'real-a',
          nets: [1, -2, 3],
          kelly: { winRate: 0.4, payoff: 1.5, trades: 20 },
          dayLoss: { day: 0, loss: 0.012 },
          drawdown: 0.061,
          lossStreak: 2,
          orderTimes: [1, 2],
        }),
      ),
    ).toBe(
      'went on from real-a: 3 round trip(s) (win rate 40%, payoff 1.50), 1.20% of the day lost, 6.10% below its peak, 2 loss(es) in a row, 2 order(s) within the order-rate window',
    );
    expect(
      summarise(
        event('RiskStateCarried', {
          accountId: 'real-b',
          from: 'real-a',
          nets: [1],
          kelly: null,
          dayLoss: null,
          drawdown: 0,
          lossStreak: 0,
        }),
      ),
    ).toBe('went on from real-a: 1 round trip(s)');
  });

  it('falls back to the type and the first fields for a type it has no line for', () => {
    expect(summarise(event('SomethingNew', { a: 1, b: 'two', c: [3], d: 4 }))).toBe(
      'SomethingNew a=1 b="two" c=[3]',
    );
  });
});
