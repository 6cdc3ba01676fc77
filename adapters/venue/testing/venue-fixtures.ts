import type { VenueOrder, VenueReport } from '../../../domain/ledger/venue-port.js';
import type { CcxtVenue } from '../ccxt-venue.js';

/** A clock the test sets: `receivedAt` is what the test says the time is when a report arrives. */
export class HandClock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

/**
 * Waits until the venue has received `n` reports in all, lets its calls finish, and hands out everything
 * received by the harness clock's time.
 */
export const settleReports = async (
  h: { readonly venue: CcxtVenue; readonly clock: HandClock; readonly log?: readonly string[] },
  n: number,
): Promise<readonly VenueReport[]> => {
  await until(
    () => h.venue.received >= n,
    () => `${n} reports (have ${h.venue.received})${h.log ? `; log: ${h.log.slice(-5).join(' | ')}` : ''}`,
  );
  await h.venue.idle();
  return h.venue.poll(h.clock.t);
};

/** Waits until `cond` holds, polling every few ms; fails with `what` after `ms`. */
export const until = async (cond: () => boolean, what: string | (() => string), ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

export const venueOrder = (
  o: Partial<VenueOrder> & Pick<VenueOrder, 'clientOrderId' | 'side' | 'type'>,
): VenueOrder => ({
  symbol: 'BTCUSDT',
  positionSide: 'BOTH',
  quantity: '0.002',
  price: null,
  stopPrice: null,
  timeInForce: 'GTC',
  reduceOnly: false,
  postOnly: false,
  ...o,
});

/** Reports grouped by order, as brief lines: orders run concurrently, each order's own reports keep their order. */
export const byOrder = (rs: readonly VenueReport[]): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  for (const line of brief(rs)) {
    const id = line.split(' ')[0]!;
    out[id] = [...(out[id] ?? []), line];
  }
  return out;
};

/** One line per report, for assertions that read like the exchange's story. */
export const brief = (rs: readonly VenueReport[]): string[] =>
  rs.map((r) => {
    switch (r.kind) {
      case 'fill':
        return `${r.clientOrderId} fill ${r.quantity}@${r.price} ${r.liquidity} left ${r.remaining}`;
      case 'triggered':
        return `${r.clientOrderId} triggered at ${r.triggerPrice}`;
      case 'accepted':
        return `${r.clientOrderId} accepted`;
      case 'forced':
        return `${r.reason} ${r.side} ${r.quantity} ${r.symbol}@${r.price} fee ${r.fee?.amount ?? '-'}`;
      case 'funding':
      case 'clearance-fee':
        return `${r.kind} ${r.symbol} ${r.amount} ${r.asset} @${r.time}`;
      default:
        return `${r.clientOrderId} ${r.kind}: ${r.reason}`;
    }
  });
