import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { ParameterSpace } from '../../domain/optimizer/space.js';
import { allStrategies, flowImbalanceParams, tickStrategies } from '../../domain/strategies/index.js';
import { runBacktest } from './run.js';

/**
 * The tick-fed built-in on the real six minutes of BTCUSDT trades and depth (../shared/data): what it
 * sends, why, and that its exits follow each position, read from the run's own events.
 */

type Run = Awaited<ReturnType<typeof runBacktest>>;
const defaults = flowImbalanceParams.parse({});
let run: Run;
let events: readonly StoredEvent[];

const data = <T>(e: StoredEvent) => e.data as T;
interface Requested {
  orderId: string;
  side: 'BUY' | 'SELL';
  type: string;
  quantity: string;
  price?: string | null;
  stopPrice?: string | null;
  reduceOnly: boolean;
  postOnly?: boolean;
}
interface Signal {
  side: string;
  features: Record<string, number | string | boolean | null>;
}

/** The signal an order came from: order ← risk decision ← signal, by causation. */
const signalOf = (order: StoredEvent, byId: Map<string, StoredEvent>): Signal => {
  let e: StoredEvent | undefined = order;
  while (e && e.type !== 'SignalEmitted')
    e = e.metadata.causationId ? byId.get(e.metadata.causationId) : undefined;
  if (!e) throw new Error(`order ${data<Requested>(order).orderId} has no signal in its chain`);
  return data<Signal>(e);
};

beforeAll(async () => {
  run = await runBacktest({ strategyId: 'flow-imbalance', symbols: ['BTCUSDT'] });
  events = run.engine.store.raw();
});

describe('flow-imbalance on the BTCUSDT capture', () => {
  it('is a tick strategy the backtest can name, with a searchable parameter schema', () => {
    expect(Object.keys(tickStrategies)).toEqual(['flow-imbalance']);
    expect(allStrategies['flow-imbalance']?.feeds).toEqual({ trades: true, book: true });
    const space = ParameterSpace.fromSchema(flowImbalanceParams);
    expect(Object.keys(space.fixed)).toEqual([]);
    expect(space.dimensions.map((d) => d.name).sort()).toEqual(Object.keys(defaults).sort());
    expect(flowImbalanceParams.safeParse({ ...defaults, windowMs: 1e9 }).success).toBe(false);
  });

  it('enters only with post-only limits at the touch when flow and book lean its way', () => {
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const orders = events.filter((e) => e.type === 'OrderRequested');
    const entries = orders.filter((e) => !data<Requested>(e).reduceOnly);
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) {
      const o = data<Requested>(e);
      expect(o.type).toBe('LIMIT');
      expect(o.postOnly).toBe(true);
      const s = signalOf(e, byId);
      const f = s.features as { flow: number; bookLean: number; bestBid: number; bestAsk: number };
      expect(s.side).toBe(o.side === 'BUY' ? 'long' : 'short');
      const sign = o.side === 'BUY' ? 1 : -1;
      expect(sign * f.flow).toBeGreaterThanOrEqual(defaults.flowThreshold);
      expect(sign * f.bookLean).toBeGreaterThanOrEqual(defaults.bookThreshold);
      expect(Number(o.price)).toBe(o.side === 'BUY' ? f.bestBid : f.bestAsk);
    }
  });

  it('protects every position with a reduce-only take-profit and stop, and ends flat or protected', () => {
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const requested = new Map(
      events.filter((e) => e.type === 'OrderRequested').map((e) => [data<Requested>(e).orderId, e]),
    );
    const fills = events.filter((e) => e.type === 'OrderFilled');
    const entryFills = fills.filter((e) => {
      const o = requested.get(data<{ orderId: string }>(e).orderId);
      return o && !data<Requested>(o).reduceOnly;
    });
    expect(entryFills.length).toBeGreaterThan(0);
    const exits = [...requested.values()].filter((e) => data<Requested>(e).reduceOnly);
    const tps = exits.filter((e) => data<Requested>(e).type === 'LIMIT');
    const stops = exits.filter((e) => data<Requested>(e).type === 'STOP_MARKET');
    // One pair per entry fill (a partial fill re-places the pair for the whole position).
    expect(tps.length).toBe(entryFills.length);
    expect(stops.length).toBe(entryFills.length);
    for (const e of [...tps, ...stops]) {
      const s = signalOf(e, byId);
      expect(s.side).toBe('flat');
      expect(s.features.reason).toBe('protect');
    }
    // Take-profit above and stop below a long's entry; the other way round for a short.
    for (const tp of tps) {
      const o = data<Requested>(tp);
      const entry = Number(signalOf(tp, byId).features.entry);
      expect(o.side === 'SELL' ? Number(o.price) > entry : Number(o.price) < entry).toBe(true);
    }
    for (const st of stops) {
      const o = data<Requested>(st);
      const entry = Number(signalOf(st, byId).features.entry);
      expect(o.side === 'SELL' ? Number(o.stopPrice) < entry : Number(o.stopPrice) > entry).toBe(true);
    }
    // Still in a position when the data ends: its newest pair is still working.
    if (run.engine.position('BTCUSDT') !== 0) {
      const ended = new Set(
        events
          .filter((e) => ['OrderCancelled', 'OrderExpired', 'OrderRejected'].includes(e.type))
          .map((e) => data<{ orderId: string }>(e).orderId),
      );
      expect(ended.has(data<Requested>(tps.at(-1)!).orderId)).toBe(false);
      expect(ended.has(data<Requested>(stops.at(-1)!).orderId)).toBe(false);
    }
  });

  it('backs off after a refusal instead of asking on every book update', () => {
    const refused = events.filter(
      (e) => e.type === 'RiskDecided' && data<{ outcome: string }>(e).outcome === 'reject',
    );
    const span = run.coverage[0]!.to - run.coverage[0]!.from;
    // At most one refused entry per cool-down, plus its exits (which are never refused in this run).
    expect(refused.length).toBeLessThanOrEqual(Math.ceil(span / defaults.cooldownMs) + 1);
  });

  it('gives the same log on the same data and seed', async () => {
    const again = await runBacktest({ strategyId: 'flow-imbalance', symbols: ['BTCUSDT'] });
    expect(again.hash).toBe(run.hash);
  });
});
