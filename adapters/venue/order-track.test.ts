import { describe, expect, it } from 'vitest';
import type { Observation, ReportDraft } from './observation.js';
import { OrderTrack } from './order-track.js';
import { venueOrder } from './testing/venue-fixtures.js';

const ids = { clientOrderId: 'o1', venueOrderId: '77' };
const ack = (time: number): Observation => ({ ...ids, time, kind: 'ack' });
const trade = (tradeId: string, quantity: string, cum: string | null, time = 5): Observation => ({
  ...ids,
  time,
  kind: 'trade',
  tradeId,
  price: '100000.10',
  quantity,
  liquidity: 'maker',
  fee: { amount: '0.04000002', asset: 'USDT' },
  cumFilled: cum,
});
const snapshot = (cum: string, time = 9): Observation => ({
  ...ids,
  time,
  kind: 'filled-so-far',
  cumFilled: cum,
});
const end = (kind: 'cancelled' | 'expired' | 'rejected', cum: string, time = 10): Observation => ({
  ...ids,
  time,
  kind: 'end',
  end: kind,
  reason: `${kind} by test`,
  cumFilled: cum,
});

const run = (track: OrderTrack, obs: readonly Observation[]): string[] =>
  obs
    .flatMap((o) => track.apply(o))
    .map((r: ReportDraft) => {
      if (r.kind === 'fill')
        return `fill ${r.tradeId} ${r.quantity}@${r.price} left ${r.remaining} fee ${r.fee?.amount}`;
      if (r.kind === 'triggered') return `triggered ${r.triggerPrice} @${r.time}`;
      if (r.kind === 'accepted') return `accepted ${r.venueOrderId} @${r.time}`;
      if (r.kind === 'funding' || r.kind === 'clearance-fee') return `${r.kind} ${r.amount}`;
      return `${r.kind}: ${r.reason}`;
    });

describe('OrderTrack: every fact once, in an order the ledger accepts', () => {
  it("holds a trade that arrived ahead of an earlier one until that one is in: fills in the exchange's order", () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'SELL', type: 'MARKET', quantity: '0.006' }),
    );
    // The stream's messages for trades a (0.002) and b (0.003) were lost; c's says 0.006 is filled.
    expect(run(t, [ack(1), trade('c', '0.001', '0.006', 7)])).toEqual(['accepted 77 @1']);
    expect(t.missingFills).toBe(true);
    // The fetched trade list brings a and b (no running total), and repeats c.
    expect(
      run(t, [trade('a', '0.002', null, 5), trade('b', '0.003', null, 6), trade('c', '0.001', null, 7)]),
    ).toEqual([
      'fill a 0.002@100000.1 left 0.004 fee 0.04000002',
      'fill b 0.003@100000.1 left 0.001 fee 0.04000002',
      'fill c 0.001@100000.1 left 0 fee 0.04000002',
    ]);
    expect(t.missingFills).toBe(false);
  });

  it('releases every trade it held once the gap before them is filled, and an end parked behind them', () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'LIMIT', price: '100000.1', quantity: '0.005' }),
    );
    expect(
      run(t, [ack(1), trade('c', '0.001', '0.004'), trade('b', '0.001', '0.003'), end('cancelled', '0.004')]),
    ).toEqual(['accepted 77 @1']);
    expect(run(t, [trade('a', '0.002', '0.002')])).toEqual([
      'fill a 0.002@100000.1 left 0.003 fee 0.04000002',
      'fill b 0.001@100000.1 left 0.002 fee 0.04000002',
      'fill c 0.001@100000.1 left 0.001 fee 0.04000002',
      'cancelled: cancelled by test',
    ]);
  });

  it('reports an acceptance once however many sources repeat it, and a fill once per trade id', () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'LIMIT', price: '100000.1', quantity: '0.003' }),
    );
    expect(
      run(t, [
        ack(1),
        ack(2),
        trade('a', '0.001', '0.001'),
        trade('a', '0.001', '0.001'),
        snapshot('0.001'),
        ack(3),
      ]),
    ).toEqual(['accepted 77 @1', 'fill a 0.001@100000.1 left 0.002 fee 0.04000002']);
    expect(t.missingFills).toBe(false);
  });

  it('brings the acceptance along when the first thing heard is a fill', () => {
    const t = new OrderTrack(venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'MARKET' }));
    expect(run(t, [trade('a', '0.002', '0.002', 7), ack(6)])).toEqual([
      'accepted 77 @7',
      'fill a 0.002@100000.1 left 0 fee 0.04000002',
    ]);
    expect(t.done).toBe(true);
  });

  it('holds an end back until the fills it counts are reported, and says fills are missing meanwhile', () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'LIMIT', price: '100000.1', quantity: '0.003' }),
    );
    expect(run(t, [ack(1), trade('a', '0.001', '0.001'), end('cancelled', '0.002')])).toEqual([
      'accepted 77 @1',
      'fill a 0.001@100000.1 left 0.002 fee 0.04000002',
    ]);
    expect(t.missingFills).toBe(true);
    expect(run(t, [trade('b', '0.001', null), end('cancelled', '0.002')])).toEqual([
      'fill b 0.001@100000.1 left 0.001 fee 0.04000002',
      'cancelled: cancelled by test',
    ]);
    expect(t.missingFills).toBe(false);
    expect(run(t, [trade('c', '0.001', '0.003'), ack(20)])).toEqual([]);
  });

  it('counts fills a snapshot shows but no trade reported as missing', () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'MARKET', quantity: '0.003' }),
    );
    run(t, [ack(1), snapshot('0.003')]);
    expect(t.missingFills).toBe(true);
    run(t, [trade('a', '0.002', null), trade('b', '0.001', null)]);
    expect(t.missingFills).toBe(false);
    expect(t.done).toBe(true);
  });

  it('reports a conditional order triggered before its first fill even if the trigger event was lost', () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'SELL', type: 'STOP_MARKET', stopPrice: '95000' }),
    );
    expect(run(t, [ack(1), trade('a', '0.002', '0.002', 8)])).toEqual([
      'accepted 77 @1',
      'triggered 95000 @8',
      'fill a 0.002@100000.1 left 0 fee 0.04000002',
    ]);
  });

  it('rejects only an order it has not accepted; a refusal after acceptance is an expiry', () => {
    const r = new OrderTrack(venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'MARKET' }));
    expect(run(r, [end('rejected', '0'), ack(11)])).toEqual(['rejected: rejected by test']);
    const x = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'STOP_MARKET', stopPrice: '1' }),
    );
    expect(run(x, [ack(1), end('rejected', '0')])).toEqual([
      'accepted 77 @1',
      'expired: refused after acceptance: rejected by test',
    ]);
  });

  it('ignores a stale snapshot that lands after a newer message', () => {
    const t = new OrderTrack(
      venueOrder({ clientOrderId: 'o1', side: 'BUY', type: 'LIMIT', price: '1', quantity: '0.002' }),
    );
    run(t, [ack(1), trade('a', '0.001', '0.001'), end('cancelled', '0.001')]);
    expect(run(t, [snapshot('0'), ack(2), end('expired', '0')])).toEqual([]);
  });
});
