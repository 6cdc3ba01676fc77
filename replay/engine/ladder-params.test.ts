import { describe, expect, it } from 'vitest';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import type { ProtectionRequest } from '../../domain/strategy/sdk.js';
import { defaultEngineSettings } from './config.js';
import { Engine } from './engine.js';
import { instrumentBookOnce } from './run.js';
import { HOUR, SYMBOL, scripted, slice, WARMUP } from './testing/live-account.js';

/**
 * What an entry asks of its stop ladder (a time stop, a trailing stop) holds for the ladder's whole life,
 * not only until its first move. BTCUSDT 1h from 2023-06-01: long at the 01:00 close; the 02:00 bar makes a
 * new high (the ladder moves its best price), the 03:00 bar closes below the entry.
 */
const run = async (protection: ProtectionRequest) => {
  const book = await instrumentBookOnce();
  const start = Date.UTC(2023, 5, 1);
  const bars = slice(sharedBars(SYMBOL, '1h'), start - WARMUP * HOUR, WARMUP + 8);
  const events: StoredEvent[] = [];
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: 'ladder-params',
      strategy: scripted(protection, { 1: 0.5 }),
      params: {},
      symbols: [SYMBOL],
      from: start,
      to: start + 8 * HOUR,
      warmupBars: WARMUP,
      instrument: book.get,
      venueRules: binanceUsdm,
      onEvent: (e) => events.push(e),
    },
    { bars: new Map([[SYMBOL, bars]]), funding: new Map([[SYMBOL, sharedFunding(SYMBOL)]]) },
  );
  engine.runToEnd();
  return { engine, events };
};

describe('the stop ladder keeps the entry’s protection', () => {
  it('fires the time stop the entry asked for after the ladder has moved', async () => {
    const { engine, events } = await run({ stopAtrMultiple: 10, maxBars: 2 });
    const moves = events.filter((e) => e.type === 'StopAdjusted');
    expect(moves.length).toBeGreaterThan(0);
    const triggered = events
      .filter((e) => e.type === 'StopStatusChanged')
      .map((e) => e.data as { layer: string; to: string; reason: string })
      .filter((d) => d.to === 'triggered');
    expect(triggered).toEqual([
      expect.objectContaining({ layer: 'time', reason: 'no 0R progress after 2 bars' }),
    ]);
    expect(engine.position(SYMBOL)).toBe(0);
  });

  it('without a time stop asked for, the same position is still held at the end', async () => {
    const { engine } = await run({ stopAtrMultiple: 10 });
    expect(engine.position(SYMBOL)).toBeGreaterThan(0);
  });
});
