import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { describeChange, diffDecisions } from './whatif.js';

/** An OrderRequested as the ledger records it; `terms` overrides any field of a plain limit buy. */
const requested = (
  correlationId: string,
  orderId: string,
  terms: Record<string, unknown> = {},
): StoredEvent => ({
  eventId: `e-${orderId}`,
  streamId: `order-${orderId}`,
  streamVersion: 1,
  globalPosition: 1,
  type: 'OrderRequested',
  schemaVersion: 1,
  data: {
    orderId,
    clientOrderId: `c-${orderId}`,
    accountId: 'acct',
    venue: 'binance-usdm',
    strategyId: 'flow-imbalance',
    symbol: 'BTCUSDT',
    side: 'SELL',
    positionSide: 'BOTH',
    type: 'LIMIT',
    quantity: '0.01',
    price: '61761.4',
    stopPrice: null,
    timeInForce: 'GTC',
    reduceOnly: true,
    postOnly: false,
    ...terms,
  },
  metadata: {
    correlationId,
    causationId: null,
    actor: 'strategy:flow-imbalance@1.0.0',
    mode: 'backtest',
    occurredAt: '2024-08-09T00:00:00.000Z',
    recordedAt: '2024-08-09T00:00:00.000Z',
  },
});

describe('diffDecisions', () => {
  it('counts an order as changed when its price differs, and says so', () => {
    const d = diffDecisions(
      [requested('obs-1', 'a1'), requested('obs-2', 'a2')],
      [requested('obs-1', 'b1', { price: '61835.5' }), requested('obs-2', 'b2')],
    );
    expect(d.unchanged).toBe(1);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toHaveLength(1);
    expect(d.changed[0]!.terms).toEqual([{ term: 'price', before: '61761.4', after: '61835.5' }]);
    expect(describeChange(d.changed[0]!)).toBe('price 61761.4 → 61835.5');
  });

  it.each([
    ['stopPrice', { type: 'STOP_MARKET', price: null, stopPrice: '60000' }, { stopPrice: '59900' }],
    ['timeInForce', {}, { timeInForce: 'IOC' }],
    ['reduceOnly', {}, { reduceOnly: false }],
    ['postOnly', {}, { postOnly: true }],
    ['positionSide', {}, { positionSide: 'SHORT' }],
    ['workingType', {}, { workingType: 'MARK_PRICE' }],
    ['quantity', {}, { quantity: '0.02' }],
  ])('counts a different %s as a change', (term, base, changed) => {
    const d = diffDecisions([requested('obs', 'a', base)], [requested('obs', 'b', { ...base, ...changed })]);
    expect(d.unchanged).toBe(0);
    expect(d.changed.map((c) => c.terms.map((t) => t.term))).toEqual([[term]]);
  });

  it('names every term that moved, and shows an absent one as none', () => {
    const d = diffDecisions(
      [requested('obs', 'a')],
      [requested('obs', 'b', { quantity: '0.02', price: '61835.5', workingType: 'CONTRACT_PRICE' })],
    );
    expect(describeChange(d.changed[0]!)).toBe(
      'quantity 0.01 → 0.02, price 61761.4 → 61835.5, workingType none → CONTRACT_PRICE',
    );
  });

  it('does not count the order’s own ids, which differ between the runs once anything has', () => {
    const d = diffDecisions([requested('obs', 'a')], [requested('obs', 'b')]);
    expect(d).toMatchObject({ changed: [], unchanged: 1, added: [], removed: [] });
  });

  it('pairs the nth order of a decision in each run, and counts a pair changed iff any term differs', () => {
    const terms = fc.record({
      price: fc.constantFrom('100.1', '100.2'),
      quantity: fc.constantFrom('1', '2'),
      reduceOnly: fc.boolean(),
    });
    const order = fc.record({ obs: fc.integer({ min: 0, max: 5 }), terms });
    fc.assert(
      fc.property(fc.array(order, { maxLength: 8 }), fc.array(order, { maxLength: 8 }), (xs, ys) => {
        const a = xs.map((o, i) => requested(`obs-${o.obs}`, `a${i}`, o.terms));
        const b = ys.map((o, i) => requested(`obs-${o.obs}`, `b${i}`, o.terms));
        const d = diffDecisions(a, b);
        expect(d.unchanged + d.changed.length + d.removed.length).toBe(a.length);
        expect(d.unchanged + d.changed.length + d.added.length).toBe(b.length);
        // Worked out apart from the diff: the nth order from one observation is paired with the other run's nth.
        const byObs = (os: typeof xs) => {
          const m = new Map<number, typeof xs>();
          for (const o of os) m.set(o.obs, [...(m.get(o.obs) ?? []), o]);
          return m;
        };
        const [ga, gb] = [byObs(xs), byObs(ys)];
        let differing = 0;
        for (const [obs, as] of ga)
          as.forEach((x, i) => {
            const y = gb.get(obs)?.[i];
            if (y && JSON.stringify(x.terms) !== JSON.stringify(y.terms)) differing++;
          });
        expect(d.changed).toHaveLength(differing);
        for (const c of d.changed) expect(c.terms.length).toBeGreaterThan(0);
        expect(diffDecisions(a, a).unchanged).toBe(a.length);
      }),
    );
  });
});
