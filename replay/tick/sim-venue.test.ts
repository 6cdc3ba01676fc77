import { describe, expect, it } from 'vitest';
import type { VenueOrder, VenueReport } from '../../domain/ledger/venue-port.js';
import { SimVenue } from './sim-venue.js';
import { handFeeds, testScale } from './test-feeds.js';
import { TickVenue } from './tick-venue.js';

const book = {
  id: 100,
  bids: [[1000, 5] as const, [999, 4] as const],
  asks: [[1001, 2] as const, [1002, 3] as const],
};
const sync = { t: 1, rows: [['bid', 998, 7]] as const };

const order = (o: Partial<VenueOrder> & Pick<VenueOrder, 'clientOrderId' | 'side' | 'type'>): VenueOrder => ({
  symbol: 'BTCUSDT',
  positionSide: 'BOTH',
  quantity: '0.001',
  price: null,
  stopPrice: null,
  timeInForce: 'GTC',
  reduceOnly: false,
  postOnly: false,
  ...o,
});

const simVenue = (
  feeds: ReturnType<typeof handFeeds>,
  latency?: ConstructorParameters<typeof TickVenue>[1]['latency'],
) =>
  new SimVenue(
    'BTCUSDT',
    new TickVenue(feeds, { symbol: 'BTCUSDT', scale: testScale, seed: 7, ...(latency ? { latency } : {}) }),
    testScale,
  );

const brief = (rs: readonly VenueReport[]) =>
  rs.map((r) =>
    r.kind === 'fill'
      ? `${r.clientOrderId} fill ${r.quantity}@${r.price} ${r.liquidity} left ${r.remaining}`
      : `${r.clientOrderId} ${r.kind}${'reason' in r ? `: ${r.reason}` : ''}${r.kind === 'triggered' ? ` at ${r.triggerPrice}` : ''}`,
  );

describe('the tick venue behind the Venue port', () => {
  it('works every order type of the ledger and reports in decimal text the ledger books as is', () => {
    const v = simVenue(
      handFeeds(
        book,
        [sync],
        [
          { t: 1, px: 1001, lots: 1, sell: false },
          { t: 4, px: 1002, lots: 1, sell: false },
        ],
      ),
    );
    v.poll(1);
    v.submit(order({ clientOrderId: 'm', side: 'BUY', type: 'MARKET', quantity: '0.004' }), 2);
    v.submit(order({ clientOrderId: 'l', side: 'BUY', type: 'LIMIT', price: '99.9' }), 2);
    v.submit(order({ clientOrderId: 'p', side: 'BUY', type: 'LIMIT', price: '100.1', postOnly: true }), 2);
    v.submit(
      order({ clientOrderId: 'i', side: 'SELL', type: 'LIMIT', price: '100.1', timeInForce: 'IOC' }),
      2,
    );
    v.submit(
      order({
        clientOrderId: 'f',
        side: 'SELL',
        type: 'LIMIT',
        price: '100',
        quantity: '0.1',
        timeInForce: 'FOK',
      }),
      2,
    );
    v.submit(order({ clientOrderId: 's', side: 'BUY', type: 'STOP_MARKET', stopPrice: '100.2' }), 2);
    v.submit(order({ clientOrderId: 't', side: 'BUY', type: 'TAKE_PROFIT_MARKET', stopPrice: '100.3' }), 2);
    expect(brief(v.poll(2))).toEqual([
      'm accepted',
      'm fill 0.002@100.1 taker left 0.002',
      'm fill 0.002@100.2 taker left 0',
      'l accepted',
      'p rejected: would-take',
      'i accepted',
      'i expired: IOC: remainder not filled on arrival',
      'f accepted',
      'f expired: FOK: could not fill completely on arrival',
      's accepted',
      't rejected: would-trigger',
    ]);
    v.cancel('l', 3);
    expect(brief(v.poll(5))).toEqual([
      'l cancelled: cancelled on request',
      's triggered at 100.2',
      's fill 0.001@100.1 taker left 0',
    ]);
    v.cancel('l', 6);
    expect(brief(v.poll(6))).toEqual(['l cancel-rejected: unknown order: not open at the venue']);
    expect(v.nextEventAt()).toBe(Number.POSITIVE_INFINITY);
  });

  it('holds each report until it is received, never lets one overtake an earlier one, and says when the next is due', () => {
    const v = simVenue(handFeeds(book, [sync], [{ t: 40, px: 999, lots: 1, sell: true }]), {
      submit: { baseMs: 10, jitterMs: 0 },
      ack: { baseMs: 3, jitterMs: 40 },
      cancel: { baseMs: 1, jitterMs: 0 },
    });
    v.poll(2);
    for (let k = 0; k < 6; k++)
      v.submit(order({ clientOrderId: `o${k}`, side: 'BUY', type: 'LIMIT', price: '100' }), 2);
    expect(v.nextEventAt()).toBe(12);
    const seen: VenueReport[] = [];
    let t = 2;
    while (Number.isFinite(v.nextEventAt())) {
      t = Math.max(t, v.nextEventAt());
      for (const r of v.poll(t)) {
        expect(r.receivedAt).toBeLessThanOrEqual(t);
        seen.push(r);
      }
    }
    expect(seen.map((r) => r.kind)).toEqual([...Array(6).fill('accepted'), ...Array(6).fill('fill')]);
    for (let k = 1; k < seen.length; k++)
      expect(seen[k]!.receivedAt).toBeGreaterThanOrEqual(seen[k - 1]!.receivedAt);
    for (const r of seen) expect(r.receivedAt).toBeGreaterThanOrEqual(r.time);
  });

  it('refuses time going back and orders for another symbol', () => {
    const v = simVenue(handFeeds(book, [sync], []));
    v.poll(5);
    expect(() => v.submit(order({ clientOrderId: 'a', side: 'BUY', type: 'MARKET' }), 4)).toThrow(/before/);
    expect(() =>
      v.submit(order({ clientOrderId: 'b', side: 'BUY', type: 'MARKET', symbol: 'ETHUSDT' }), 5),
    ).toThrow(/trades BTCUSDT, not ETHUSDT/);
  });
});
