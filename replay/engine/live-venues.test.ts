import { afterEach, describe, expect, it } from 'vitest';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { openBybitHarness } from '../../adapters/venue/testing/bybit-harness.js';
import { openOkxHarness } from '../../adapters/venue/testing/okx-harness.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { accountStreamId } from '../../domain/ledger/account-state.js';
import { fixed, isMultipleOf, toText } from '../../domain/ledger/fixed.js';
import { bybitLinear, okxSwap } from '../../domain/ledger/venue.js';
import { defaultEngineSettings } from './config.js';
import { Engine } from './engine.js';
import { HOUR, SYMBOL, scripted, slice, WARMUP } from './testing/live-account.js';

/**
 * A run on a Bybit or OKX account trades through the engine as on Binance: the venue's own listing (its
 * words for a symbol that trades, its grids and tiers) is what the ledger checks the run's orders by, and
 * the fill comes back on the venue's stream, booked by its rules in an account of its own. Each venue's
 * fake answers over the same matching engine as Binance's.
 */
const venues = [
  { name: 'bybit', rules: bybitLinear, open: () => openBybitHarness() },
  { name: 'okx', rules: okxSwap, open: () => openOkxHarness() },
] as const;

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

describe.each(venues)('a real run on $name’s account', (v) => {
  it('places its entry by the venue’s listing and books the fill by the venue’s rules', async () => {
    const harness = await v.open();
    close = () => harness.close();
    const start = Date.UTC(2023, 5, 1);
    const bars = slice(sharedBars(SYMBOL, '1h'), start - WARMUP * HOUR, WARMUP + 4);
    const entry = WARMUP;
    // OKX's tiers are in contracts: its listing values them at the mark, so the market has one first.
    harness.fake.engine.setPrice(SYMBOL, toText(fixed(String(bars.close[entry - 1]!))));
    const instruments = await harness.venue.instrumentBook([SYMBOL]);
    const events: StoredEvent[] = [];
    const runId = `real-${v.name}`;
    const engine = new Engine(
      {
        ...defaultEngineSettings,
        runId,
        accountId: runId,
        mode: 'canary',
        strategy: scripted(undefined, { 1: 0.5 }),
        params: {},
        symbols: [SYMBOL],
        from: start,
        to: start + 4 * HOUR,
        warmupBars: WARMUP,
        instrument: instruments.get,
        recordInstruments: true,
        venueRules: v.rules,
        initialBalance: '10000',
        liveOrders: { venue: harness.venue, wall: () => harness.clock.now(), venueName: v.name },
        onEvent: (e) => events.push(e),
      },
      { bars: new Map([[SYMBOL, bars]]), funding: new Map([[SYMBOL, sharedFunding(SYMBOL)]]) },
    );
    const of = (type: string) => events.filter((e) => e.type === type);
    const close0 = bars.openTime[entry]! + HOUR;
    harness.fake.engine.setPrice(SYMBOL, toText(fixed(String(bars.close[entry]!))));
    harness.clock.t = close0 + 1_500;
    const stepUntil = (limit: number) => {
      while (engine.nextTime() <= limit && engine.step()) {}
    };
    stepUntil(close0);
    const began = Date.now();
    while (of('FillSettled').length < 1) {
      expect(of('OrderRejected').map((e) => e.data)).toEqual([]);
      if (Date.now() - began > 10_000) throw new Error(`no fill: ${events.map((e) => e.type).join(', ')}`);
      await harness.venue.idle();
      engine.live!.collect();
      stepUntil(close0 + HOUR - 1);
      await new Promise((r) => setTimeout(r, 5));
    }
    const started = of('RunStarted')[0]!.data as {
      config: { instruments: Record<string, { status: string }> };
    };
    expect(started.config.instruments[SYMBOL]).toMatchObject({ venue: v.name, status: 'TRADING' });
    const [fill] = of('FillSettled');
    expect(fill!.streamId).toBe(accountStreamId(v.name, runId));
    const d = fill!.data as { quantity: string; price: string };
    expect(isMultipleOf(fixed(d.quantity), instruments.get(SYMBOL).stepSize)).toBe(true);
    expect(harness.fake.engine.trades().length).toBe(1);
    const fee = of('FeeCharged').find((e) => e.streamId === fill!.streamId)!.data as { amount: string };
    expect(Number(fee.amount)).toBeGreaterThan(0);
  });
});
