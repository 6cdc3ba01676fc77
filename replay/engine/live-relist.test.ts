import { afterEach, describe, expect, it } from 'vitest';
import { withFilters } from '../../adapters/venue/testing/listing.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import type { Instrument } from '../../domain/ledger/instrument.js';
import { HOUR, type LiveAccountRun, openLiveAccountRun, SYMBOL } from './testing/live-account.js';

/**
 * A real run keeps trading when Binance changes a symbol's listing under it (a finer tick, a coarser
 * step): the venue's refusal or a fill off the grid the run holds makes it ask for the listing again
 * (Engine.listingWanted), and the runner hands it over (Engine.relist). runLive's own loop is exercised
 * in live-orders.test.ts; here the harness steps by hand.
 */

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const open = async (plan: Record<number, number>): Promise<LiveAccountRun> => {
  const run = await openLiveAccountRun(undefined, plan, undefined, 8, { relisting: true });
  h = run.harness;
  return run;
};

/** The exchange's listing with some of BTCUSDT's filters changed. */
const btcFilters = (change: Parameters<typeof withFilters>[1]) => withFilters(SYMBOL, change);

const listing = async (run: LiveAccountRun) => {
  const { all } = await run.harness.venue.instrumentBook();
  return (symbol: string) => all.get(symbol);
};

/** Steps the engine until it has nothing to step or waits for a listing; true when it waits. */
const stepAll = (run: LiveAccountRun, limit: number): boolean => {
  while (run.engine.nextTime() <= limit) if (!run.engine.step()) return run.engine.listingWanted !== null;
  return false;
};

describe('a real run whose exchange changes the listing mid-run', () => {
  it('asks again when an order is refused by a coarser step, and sizes the next one on it', async () => {
    const run = await open({ 1: 0.5, 2: 0.5, 5: 0 });
    const { harness, engine, barCloses, settle, of, warmupEnd } = run;
    // Binance moves BTCUSDT to 0.01 lots; the run still holds 0.001.
    harness.fake.relist(
      btcFilters({ LOT_SIZE: { stepSize: '0.01' }, MARKET_LOT_SIZE: { stepSize: '0.01' } }),
    );
    const first = barCloses(warmupEnd + 1);
    await settle(first + HOUR - 1);
    const rejected = of('OrderRejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0]!.data as { reason: string }).reason).toMatch(/-4023/);
    expect(engine.listingWanted).toBe('order-refused');

    expect(engine.relist(await listing(run), 'order-refused')).toEqual([
      'BTCUSDT stepSize 0.001 → 0.01',
      'BTCUSDT marketStepSize 0.001 → 0.01',
    ]);
    expect(engine.listingWanted).toBe(null);
    const updated = of('InstrumentUpdated');
    expect(updated.map((e) => e.data)).toMatchObject([
      { symbol: SYMBOL, prompt: 'order-refused', instrument: { stepSize: '0.01', marketStepSize: '0.01' } },
    ]);
    // A listing that changes nothing records nothing.
    expect(engine.relist(await listing(run), 'scheduled')).toEqual([]);
    expect(of('InstrumentUpdated')).toHaveLength(1);

    const second = barCloses(warmupEnd + 2);
    await settle(second + HOUR - 1);
    const requested = of('OrderRequested').map((e) => (e.data as { quantity: string }).quantity);
    expect(requested).toHaveLength(2);
    expect(fixed(requested[1]!) % fixed('0.01')).toBe(0n);
    expect(of('OrderFilled')).toHaveLength(1);
    expect(harness.fake.engine.position(SYMBOL)).toBe(fixed(requested[1]!));
    expect(fixed(String(engine.position(SYMBOL)))).toBe(harness.fake.engine.position(SYMBOL));
  });

  it('counts a listed-rule refusal the listing does not explain as a venue error', async () => {
    const run = await open({ 1: 0.5, 5: 0 });
    const { harness, engine, barCloses, settle, of, warmupEnd } = run;
    const refusals = () => (engine as unknown as { venueRefusals: number }).venueRefusals;
    harness.fake.relist(
      btcFilters({ LOT_SIZE: { stepSize: '0.01' }, MARKET_LOT_SIZE: { stepSize: '0.01' } }),
    );
    const first = barCloses(warmupEnd + 1);
    await settle(first + HOUR - 1);
    expect(of('OrderRejected')).toHaveLength(1);
    // Until the listing is in, the refusal may be the run's stale listing: not counted.
    expect(refusals()).toBe(0);
    // A listing that failed leaves the wish standing (the runner asks again after its back-off).
    expect(engine.relist(null, 'order-refused')).toEqual([]);
    expect(engine.listingWanted).toBe('order-refused');
    expect(refusals()).toBe(0);
    // The venue's listing still says 0.001 (it lags, or the refusal had another cause): it counts.
    const held = engine.config.instrument(SYMBOL);
    expect(engine.relist((symbol) => (symbol === SYMBOL ? held : undefined), 'order-refused')).toEqual([]);
    expect(refusals()).toBe(1);
    expect(of('InstrumentUpdated')).toEqual([]);
  });

  it('holds a fill off its grid for the listing, and books it on the new one', async () => {
    const run = await open({ 1: 0.5, 5: 0 });
    const { harness, engine, bars, stepUntil, settle, of, warmupEnd } = run;
    harness.fake.relist(btcFilters({ PRICE_FILTER: { tickSize: '0.01' } }));
    // The market on the finer tick: the bar's real close and 5 cents (the recorded closes are on 0.1).
    const i = warmupEnd + 1;
    const close = bars.openTime[i]! + HOUR;
    const price = toText(fixed(String(bars.close[i]!)) + fixed('0.05'));
    harness.fake.engine.setPrice(SYMBOL, price);
    harness.clock.t = close + 1_500;
    stepUntil(close);
    await harness.venue.idle();
    run.desk.collect();
    // The fill at 5 cents is off the 0.1 tick the run holds: it waits, and nothing after it is stepped.
    expect(stepAll(run, close + HOUR - 1)).toBe(true);
    expect(engine.listingWanted).toBe('fill-off-grid');
    expect(of('OrderFilled')).toHaveLength(0);
    const waiting = run.desk.waiting;

    expect(engine.relist(await listing(run), 'fill-off-grid')).toEqual(['BTCUSDT tickSize 0.1 → 0.01']);
    await settle(close + HOUR - 1);
    expect(run.desk.waiting).toBeLessThan(waiting);
    const filled = of('OrderFilled').map((e) => e.data as { price: string });
    expect(filled.map((f) => f.price)).toEqual([price]);
    // The audit trail: the listing is recorded before the fill it let the ledger book.
    const order = run.events
      .map((e) => e.type)
      .filter((t) => t === 'InstrumentUpdated' || t === 'OrderFilled');
    expect(order).toEqual(['InstrumentUpdated', 'OrderFilled']);
    expect(fixed(String(engine.position(SYMBOL)))).toBe(harness.fake.engine.position(SYMBOL));
  });

  it('lets a fill no listing puts on the grid through after three listings: bad data fails the run', async () => {
    const run = await open({ 1: 0.5, 5: 0 });
    const { harness, engine, bars, stepUntil, of, warmupEnd } = run;
    // The exchange fills between ticks while its listing still says 0.1: no listing can explain the fill.
    harness.fake.relist(btcFilters({ PRICE_FILTER: { tickSize: '0.01' } }));
    const stale = await listing(run);
    const old = engine.config.instrument(SYMBOL);
    const lagging = (symbol: string): Instrument | undefined =>
      symbol === SYMBOL ? { ...stale(symbol)!, tickSize: old.tickSize } : stale(symbol);
    const i = warmupEnd + 1;
    const close = bars.openTime[i]! + HOUR;
    harness.fake.engine.setPrice(SYMBOL, toText(fixed(String(bars.close[i]!)) + fixed('0.05')));
    harness.clock.t = close + 1_500;
    stepUntil(close);
    await harness.venue.idle();
    run.desk.collect();
    for (let n = 1; n <= 3; n++) {
      expect(stepAll(run, close + HOUR - 1), `wait ${n}`).toBe(true);
      expect(engine.relist(lagging, 'fill-off-grid')).toEqual([]);
    }
    let failed: unknown = null;
    try {
      stepAll(run, close + HOUR - 1);
    } catch (err) {
      failed = err;
    }
    expect(failed).toBeInstanceOf(LedgerRuleError);
    expect((failed as LedgerRuleError).rule).toBe('price-off-tick');
    expect(of('InstrumentUpdated')).toEqual([]);
  });
});
