import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { tickScale, ticksToPrice } from '../../domain/sim/scale.js';
import type { ProtectionRequest, StrategyDefinition } from '../../domain/strategy/sdk.js';
import { defaultEngineSettings, type MarketFeeds, type TickCapture } from './config.js';
import { Engine } from './engine.js';
import { loadFeeds } from './feeds.js';
import { logHash } from './log-hash.js';
import { instrumentBookOnce } from './run.js';

/**
 * The engine's stop ladder for a strategy fed trades, on the real six minutes of BTCUSDT trades and
 * depth: a print through a level triggers its leg, the exit is a reduce-only market order at the tick
 * venue (it walks the real book after the venue's latency), and the ladder books the exit once it fills.
 */

const PROTECTION: ProtectionRequest = {
  stopAtrMultiple: 0.4,
  takeProfitR: [{ r: 0.6, fraction: 0.5 }],
  trailing: true,
  maxBars: 15,
};

/** Enters from book updates whenever flat, alternating sides, with the engine's stops; never exits itself. */
const protectedEntries = (protection: ProtectionRequest | undefined): StrategyDefinition => ({
  id: 'tick-stops',
  version: '0.0.1',
  description: 'enters on book updates with stops the engine holds',
  timeframe: '2s',
  params: z.object({}),
  feeds: { trades: true, book: true },
  create: () => {
    let start = Number.NaN;
    let next = 0;
    let side = 1;
    return {
      onBook(book, ctx) {
        if (Number.isNaN(start)) start = book.time;
        // Sizing waits for 30 bars of realised volatility, the ladder for ATR(14): a minute of 2 s bars.
        if (book.time - start < 65_000 || book.time < next || ctx.position('BTCUSDT') !== 0) return;
        next = book.time + 8_000;
        ctx.target(
          'BTCUSDT',
          side * 0.5,
          {
            side: side > 0 ? 'long' : 'short',
            strength: side,
            features: { mid: (book.bestBid + book.bestAsk) / 2 },
          },
          protection,
        );
        side = -side;
      },
    };
  },
});

let feeds: MarketFeeds;
let capture: TickCapture;
let span: { from: number; to: number };

const run = async (protection: ProtectionRequest | undefined = PROTECTION) => {
  const book = await instrumentBookOnce();
  const engine = new Engine(
    {
      ...defaultEngineSettings,
      runId: 'tick-stops',
      strategy: protectedEntries(protection),
      params: {},
      symbols: ['BTCUSDT'],
      ...span,
      instrument: book.get,
      venueRules: binanceUsdm,
    },
    feeds,
  );
  engine.runToEnd();
  return engine;
};

let engine: Engine;
let events: readonly StoredEvent[];
const data = <T>(e: StoredEvent) => e.data as T;

interface StatusChanged {
  legId: string;
  kind: 'stop' | 'take-profit' | 'time';
  to: string;
  price: string | null;
  at: number;
}

beforeAll(async () => {
  const book = await instrumentBookOnce();
  const loaded = loadFeeds(['BTCUSDT'], '2s', {
    ticks: (s) => tickScale(toText(book.get(s).tickSize), toText(book.get(s).stepSize)),
  });
  feeds = loaded.feeds;
  capture = feeds.ticks!.get('BTCUSDT')!;
  span = { from: loaded.coverage[0]!.from, to: loaded.coverage[0]!.to };
  engine = await run();
  events = engine.store.raw();
});

describe('stops on a tick-fed strategy', () => {
  it('arms a ladder for each protected entry and triggers legs only on prints through them', () => {
    const placed = events.filter(
      (e) => e.type === 'StopAdjusted' && data<{ action: string }>(e).action === 'placed',
    );
    expect(placed.length).toBeGreaterThan(2);
    const triggered = events
      .filter((e) => e.type === 'StopStatusChanged')
      .map((e) => ({ e, d: data<StatusChanged>(e) }))
      .filter(({ d }) => d.to === 'triggered' && d.kind !== 'time');
    expect(triggered.length).toBeGreaterThan(0);
    const sideOf = new Map(
      placed.map((e) => [data<{ legId: string }>(e).legId, data<{ side: 'long' | 'short' }>(e).side]),
    );
    const { trades, scale } = capture;
    for (const { e, d } of triggered) {
      const long = sideOf.get(d.legId) === 'long';
      // A stop triggers on a print at or below it (long), a target on one at or above it; short mirrors.
      const below = (d.kind === 'stop') === long;
      const level = Number(d.price);
      const at = Date.parse(e.metadata.occurredAt);
      let through = false;
      for (let i = 0; i < trades.length; i++) {
        if (trades.time[i] !== at) continue;
        const p = ticksToPrice(scale, trades.priceTicks[i]!);
        if (below ? p <= level : p >= level) through = true;
      }
      expect(through, `${d.legId} at ${e.metadata.occurredAt}`).toBe(true);
    }
  });

  it('exits each triggered leg with a reduce-only market order at the tick venue, booked by the ladder once filled', () => {
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const legsFilled = new Set(
      events
        .filter((e) => e.type === 'StopStatusChanged' && data<StatusChanged>(e).to === 'filled')
        .map((e) => data<StatusChanged>(e).legId),
    );
    const exits = events.filter(
      (e) =>
        e.type === 'OrderRequested' && byId.get(e.metadata.causationId ?? '')?.type === 'StopStatusChanged',
    );
    expect(exits.length).toBeGreaterThan(0);
    for (const e of exits) {
      const o = data<{ orderId: string; type: string; reduceOnly: boolean }>(e);
      expect(o.type).toBe('MARKET');
      expect(o.reduceOnly).toBe(true);
      const cause = data<StatusChanged>(byId.get(e.metadata.causationId!)!);
      expect(cause.to).toBe('triggered');
      // The venue works it after its latency: the fill is later than the trigger.
      const fills = events.filter((f) => f.streamId === `order-${o.orderId}` && f.type === 'OrderFilled');
      for (const f of fills)
        expect(Date.parse(f.metadata.occurredAt)).toBeGreaterThan(Date.parse(e.metadata.occurredAt));
      if (fills.length > 0 && engine.position('BTCUSDT') === 0)
        expect(legsFilled.has(cause.legId)).toBe(true);
    }
  });

  it('leaves no leg armed on a closed position, and the position is the sum of its fills', () => {
    const legs = new Map<string, string>();
    for (const e of events)
      if (e.type === 'StopStatusChanged') legs.set(data<StatusChanged>(e).legId, data<StatusChanged>(e).to);
    let sum = 0n;
    for (const e of events) {
      if (e.type !== 'FillSettled') continue;
      const d = data<{ side: string; quantity: string }>(e);
      sum += d.side === 'BUY' ? fixed(d.quantity) : -fixed(d.quantity);
    }
    expect(toText(engine.ledgerAccount.positions.get('BTCUSDT:BOTH')?.qty ?? 0n)).toBe(toText(sum));
    // Every position but the last one is closed; each of their ladders ended (filled or cancelled).
    const positions = new Set([...legs.keys()].map((l) => l.slice(0, l.lastIndexOf(':'))));
    const open = [...positions].filter((p) =>
      [...legs].some(([l, to]) => l.startsWith(`${p}:`) && (to === 'armed' || to === 'triggered')),
    );
    expect(open.length).toBeLessThanOrEqual(1);
    expect(engine.workingOrders().length).toBeLessThanOrEqual(1);
  });

  it('writes the same log twice', async () => {
    const again = await run();
    expect(logHash(again.store.raw())).toBe(logHash(events));
  });
});
