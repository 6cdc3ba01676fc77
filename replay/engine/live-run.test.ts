import { describe, expect, it } from 'vitest';
import { instrumentBook } from '../../adapters/instruments/binance-files.js';
import { sharedBars } from '../../adapters/marketdata/shared-data.js';
import { fixed } from '../../domain/ledger/fixed.js';
import type { Venue } from '../../domain/ledger/venue-port.js';
import type { LiveBars } from '../../domain/market/live-feed.js';
import { checkLiveRequest, prepareLiveRun } from './live-run.js';
import { instrumentBookOnce } from './run.js';

const HOUR = 3_600_000;

/** The recorded 1h bars before `afterOpen`… as a venue would list them: closed by a clock at 2023-06-01. */
const recordedFeed: LiveBars = {
  venue: 'binance',
  fetch: async (symbol, _tf, afterOpen) => {
    const all = sharedBars(symbol, '1h');
    const from = Date.UTC(2023, 5, 1);
    const keep = [...all.openTime.keys()].filter(
      (i) => all.openTime[i]! > afterOpen && all.openTime[i]! < from,
    );
    const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]!);
    return {
      bars: {
        ...all,
        openTime: pick(all.openTime),
        open: pick(all.open),
        high: pick(all.high),
        low: pick(all.low),
        close: pick(all.close),
        volume: pick(all.volume),
      },
      funding: { symbol, time: new Float64Array(0), rate: new Float64Array(0) },
    };
  },
};

const idleVenue: Venue = {
  submit: () => {},
  cancel: () => {},
  poll: () => [],
  nextEventAt: () => Number.POSITIVE_INFINITY,
};

describe('a real run trades by the instruments the exchange lists, when it is given them', () => {
  it('checks its symbols against them and books on their grids, not the recorded metadata’s', async () => {
    const recorded = await instrumentBookOnce();
    const btc = recorded.get('BTCUSDT');
    // Since the recording, the exchange moved BTCUSDT to a 0.01 tick and listed a new contract.
    const listed = instrumentBook(
      new Map([
        ['BTCUSDT', { ...btc, tickSize: fixed('0.01') }],
        ['NEWUSDT', { ...btc, symbol: 'NEWUSDT' }],
      ]),
    );
    const req = { strategyId: 'ema-cross', symbols: ['NEWUSDT'] };
    await expect(checkLiveRequest(req)).rejects.toThrow(/unknown symbol NEWUSDT/);
    expect((await checkLiveRequest(req, listed)).book).toBe(listed);

    const { engine } = await prepareLiveRun(
      { strategyId: 'ema-cross', symbols: ['BTCUSDT'], from: '2023-06-01T00:00:00Z', warmupBars: 48 },
      recordedFeed,
      Date.UTC(2023, 5, 1) - HOUR,
      undefined,
      { venue: idleVenue, wall: () => Date.UTC(2023, 5, 1), venueName: 'binance', instruments: listed },
    );
    expect(engine.config.instrument('BTCUSDT').tickSize).toBe(fixed('0.01'));
    expect(recorded.get('BTCUSDT').tickSize).toBe(fixed('0.1'));
  });
});
