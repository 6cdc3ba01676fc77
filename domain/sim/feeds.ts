/**
 * Tick data as columns, in integer ticks and lots (see scale.ts). Columns rather than row objects so a
 * replay of millions of events walks typed arrays and allocates nothing.
 */
export interface TradeTape {
  readonly length: number;
  /** Exchange trade time T, epoch ms. */
  readonly time: Float64Array;
  readonly tradeId: Float64Array;
  readonly priceTicks: Float64Array;
  readonly lots: Float64Array;
  /** 1 when the buyer was the maker, i.e. the taker sold into the bids (Binance `is_buyer_maker`). */
  readonly sellerTaker: Uint8Array;
}

/** Diff-depth messages (U, u, pu) with their changed levels stored flat; rows of message m are rowStart[m] .. rowStart[m+1]. */
export interface DepthStream {
  readonly messages: number;
  /** Exchange transaction time T of each message, epoch ms: the same clock as trades' T. */
  readonly time: Float64Array;
  readonly firstId: Float64Array;
  readonly lastId: Float64Array;
  readonly prevId: Float64Array;
  readonly rowStart: Uint32Array;
  readonly rows: number;
  readonly isAsk: Uint8Array;
  readonly priceTicks: Float64Array;
  /** New displayed lots at the level; 0 removes it. */
  readonly lots: Float64Array;
}

export interface DepthSnapshot {
  readonly lastUpdateId: number;
  readonly time: number;
  readonly isAsk: Uint8Array;
  readonly priceTicks: Float64Array;
  readonly lots: Float64Array;
}

export const emptyTrades = (): TradeTape => ({
  length: 0,
  time: new Float64Array(0),
  tradeId: new Float64Array(0),
  priceTicks: new Float64Array(0),
  lots: new Float64Array(0),
  sellerTaker: new Uint8Array(0),
});

export const emptyDepth = (): DepthStream => ({
  messages: 0,
  time: new Float64Array(0),
  firstId: new Float64Array(0),
  lastId: new Float64Array(0),
  prevId: new Float64Array(0),
  rowStart: new Uint32Array(1),
  rows: 0,
  isAsk: new Uint8Array(0),
  priceTicks: new Float64Array(0),
  lots: new Float64Array(0),
});

/**
 * From the first event of any stream to the last: a recorder captures all streams at once, so this is the
 * stretch of time the capture saw (the snapshot may come after the first diffs; Binance's sync rule
 * drops those).
 */
export const captureSpan = (
  trades: TradeTape,
  snapshot: DepthSnapshot,
  depth: DepthStream,
): { readonly from: number; readonly to: number } => {
  let from = snapshot.time;
  let to = snapshot.time;
  if (trades.length > 0) {
    from = Math.min(from, trades.time[0]!);
    to = Math.max(to, trades.time[trades.length - 1]!);
  }
  if (depth.messages > 0) {
    from = Math.min(from, depth.time[0]!);
    to = Math.max(to, depth.time[depth.messages - 1]!);
  }
  return { from, to };
};
