/**
 * The breaker's slippage: how far a fill was from the price the order was sent against, in basis
 * points, positive when it cost the trader (a buy above, a sell below). Measured on market orders
 * against the latest print when they were sent, and on triggered stops against their trigger: what the
 * venue's book and latency took beyond the decision's price. A limit order fills at its price or better
 * and is not measured.
 */
export const slippageBps = (side: 'BUY' | 'SELL', reference: number, price: number): number =>
  (side === 'BUY' ? price / reference - 1 : 1 - price / reference) * 10_000;

/**
 * The notional-weighted mean slippage of the last `capacity` fills (0 before any): one bad fill among
 * small ones counts by its size, and an old episode leaves the window as new fills come.
 */
export class SlippageWindow {
  private readonly bps: Float64Array;
  private readonly notional: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 20) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`slippage window ${capacity}`);
    this.bps = new Float64Array(capacity);
    this.notional = new Float64Array(capacity);
  }

  push(bps: number, notional: number): void {
    if (!Number.isFinite(bps) || !(notional > 0)) return;
    this.bps[this.next] = bps;
    this.notional[this.next] = notional;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Forgets every fill: a person's breaker step-down acknowledged them (docs/risk.md). */
  clear(): void {
    this.next = 0;
    this.count = 0;
  }

  mean(): number {
    let weighted = 0;
    let total = 0;
    for (let i = 0; i < this.count; i++) {
      weighted += this.bps[i]! * this.notional[i]!;
      total += this.notional[i]!;
    }
    return total > 0 ? weighted / total : 0;
  }
}
