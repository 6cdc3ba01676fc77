import type { DepthSnapshot, DepthStream, TradeTape } from '../../domain/sim/feeds.js';
import { tickScale } from '../../domain/sim/scale.js';
import type { TickFeeds } from './tick-venue.js';

/** Hand-made ticks for tests: prices in ticks of 0.1 and lots of 0.001, like BTCUSDT. */
export const testScale = tickScale('0.1', '0.001');

export interface HandTrade {
  readonly t: number;
  readonly px: number;
  readonly lots: number;
  /** true: the taker sold (hits bids). */
  readonly sell: boolean;
}

export interface HandDepth {
  readonly t: number;
  readonly rows: ReadonlyArray<readonly ['bid' | 'ask', number, number]>;
}

export const handFeeds = (
  snapshot: {
    id: number;
    bids: ReadonlyArray<readonly [number, number]>;
    asks: ReadonlyArray<readonly [number, number]>;
  },
  depth: readonly HandDepth[],
  trades: readonly HandTrade[],
): TickFeeds => {
  const tape: TradeTape = {
    length: trades.length,
    time: Float64Array.from(trades.map((x) => x.t)),
    tradeId: Float64Array.from(trades.map((_, i) => i + 1)),
    priceTicks: Float64Array.from(trades.map((x) => x.px)),
    lots: Float64Array.from(trades.map((x) => x.lots)),
    sellerTaker: Uint8Array.from(trades.map((x) => (x.sell ? 1 : 0))),
  };
  const rows = depth.flatMap((m) => m.rows);
  const rowStart = [0];
  for (const m of depth) rowStart.push(rowStart[rowStart.length - 1]! + m.rows.length);
  // Ids continue from the snapshot so the first message straddles it.
  const first = depth.map((_, i) => snapshot.id + 1 + i);
  const stream: DepthStream = {
    messages: depth.length,
    time: Float64Array.from(depth.map((m) => m.t)),
    firstId: Float64Array.from(first),
    lastId: Float64Array.from(first),
    prevId: Float64Array.from(first.map((f) => f - 1)),
    rowStart: Uint32Array.from(rowStart),
    rows: rows.length,
    isAsk: Uint8Array.from(rows.map((r) => (r[0] === 'ask' ? 1 : 0))),
    priceTicks: Float64Array.from(rows.map((r) => r[1])),
    lots: Float64Array.from(rows.map((r) => r[2])),
  };
  const levels = [
    ...snapshot.bids.map((l) => [0, ...l] as const),
    ...snapshot.asks.map((l) => [1, ...l] as const),
  ];
  const snap: DepthSnapshot = {
    lastUpdateId: snapshot.id,
    time: 0,
    isAsk: Uint8Array.from(levels.map((l) => l[0])),
    priceTicks: Float64Array.from(levels.map((l) => l[1])),
    lots: Float64Array.from(levels.map((l) => l[2])),
  };
  return { trades: tape, snapshot: snap, depth: stream };
};
