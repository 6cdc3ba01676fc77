import { describe, expect, it } from 'vitest';
import { ledgerEvents, type OrderEvent } from './events.js';
import {
  decideOrder,
  evolveOrder,
  initialOrderState,
  type OrderCommand,
  type OrderState,
  type PlaceOrder,
} from './order.js';
import { instrument, ruleOf } from './test-fixtures.js';

const ctx = { instrument };
const schemas = new Map<string, (typeof ledgerEvents)[number]['schema']>(
  ledgerEvents.map((d) => [d.type, d.schema]),
);

const place = (over: Partial<PlaceOrder> = {}): PlaceOrder => ({
  kind: 'PlaceOrder',
  orderId: 'o-1',
  clientOrderId: 'c-1',
  accountId: 'acc',
  venue: 'binance',
  strategyId: 's-1',
  symbol: 'BTCUSDT',
  side: 'BUY',
  positionSide: 'BOTH',
  type: 'LIMIT',
  quantity: '0.010',
  price: '30000.0',
  ...over,
});

const run = (
  commands: OrderCommand[],
  from: OrderState = initialOrderState,
): { state: OrderState; events: OrderEvent[] } => {
  let state = from;
  const events: OrderEvent[] = [];
  for (const c of commands) {
    const out = decideOrder(c, state, ctx);
    for (const e of out) {
      schemas.get(e.type)!.parse(e.data); // what the decider emits must pass the store's validation
      state = evolveOrder(state, e);
    }
    events.push(...out);
  }
  return { state, events };
};

const fill = (
  tradeId: string,
  quantity: string,
  price = '30000',
  liquidity: 'maker' | 'taker' = 'maker',
): OrderCommand => ({
  kind: 'FillOrder',
  tradeId,
  quantity,
  price,
  liquidity,
});

describe('order decider', () => {
  it('runs requested → accepted → partially filled → filled', () => {
    const { state, events } = run([
      place(),
      { kind: 'AcceptOrder', venueOrderId: 'v-1' },
      fill('t-1', '0.004'),
      fill('t-2', '0.006', '29999.9'),
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'OrderRequested',
      'OrderAccepted',
      'OrderFilled',
      'OrderFilled',
    ]);
    expect(state.status).toBe('filled');
    expect(events[3]).toMatchObject({ data: { fillSeq: 2, filledQuantity: '0.01', remainingQuantity: '0' } });
  });

  it('is idempotent on clientOrderId and on tradeId', () => {
    const { state } = run([place(), { kind: 'AcceptOrder', venueOrderId: 'v-1' }, fill('t-1', '0.004')]);
    expect(decideOrder(place({ orderId: 'o-retry' }), state, ctx)).toEqual([]);
    expect(decideOrder(fill('t-1', '0.004'), state, ctx)).toEqual([]);
    expect(ruleOf(() => decideOrder(place({ quantity: '0.02' }), state, ctx))).toBe('client-order-id-reused');
  });

  it('refuses impossible transitions and bad numbers, naming the rule', () => {
    const accepted = run([place(), { kind: 'AcceptOrder', venueOrderId: 'v-1' }]).state;
    const cancelled = run([{ kind: 'CancelOrder', reason: 'user' }], accepted).state;
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001'), cancelled, ctx))).toBe('fill-needs-open-order');
    expect(ruleOf(() => decideOrder(fill('t-9', '0.011'), accepted, ctx))).toBe('fill-exceeds-remaining');
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001', '-30000'), accepted, ctx))).toBe(
      'fill-price-must-be-positive',
    );
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001', 'NaN'), accepted, ctx))).toBe(
      'fill-price-not-a-number',
    );
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001', '0'), accepted, ctx))).toBe(
      'fill-price-must-be-positive',
    );
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001', '30000.05'), accepted, ctx))).toBe('price-off-tick');
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001', '30000.1'), accepted, ctx))).toBe(
      'fill-worse-than-limit',
    );
    expect(ruleOf(() => decideOrder(fill('t-9', '0.001'), initialOrderState, ctx))).toBe(
      'fill-needs-open-order',
    );
    expect(ruleOf(() => decideOrder({ kind: 'AcceptOrder', venueOrderId: 'x' }, cancelled, ctx))).toBe(
      'accept-needs-requested',
    );
    expect(ruleOf(() => decideOrder({ kind: 'ExpireOrder', reason: 'ioc' }, cancelled, ctx))).toBe(
      'expire-needs-open-order',
    );
    const filled = run([fill('t-1', '0.01')], accepted).state;
    expect(ruleOf(() => decideOrder({ kind: 'CancelOrder', reason: 'late' }, filled, ctx))).toBe(
      'cancel-needs-open-order',
    );
    const rejected = run([place(), { kind: 'RejectOrder', reason: 'margin' }]).state;
    expect(ruleOf(() => decideOrder({ kind: 'AcceptOrder', venueOrderId: 'v' }, rejected, ctx))).toBe(
      'accept-needs-requested',
    );
  });

  it('validates order shape per type at placement', () => {
    const s = initialOrderState;
    expect(ruleOf(() => decideOrder(place({ price: null }), s, ctx))).toBe('price-required');
    expect(ruleOf(() => decideOrder(place({ type: 'MARKET' }), s, ctx))).toBe('market-order-has-price');
    expect(ruleOf(() => decideOrder(place({ type: 'STOP_MARKET', price: null }), s, ctx))).toBe(
      'stop-price-required',
    );
    expect(ruleOf(() => decideOrder(place({ type: 'MARKET', price: null, postOnly: true }), s, ctx))).toBe(
      'post-only-needs-limit',
    );
    expect(ruleOf(() => decideOrder(place({ postOnly: true, timeInForce: 'IOC' }), s, ctx))).toBe(
      'post-only-needs-gtc',
    );
    expect(ruleOf(() => decideOrder(place({ quantity: '0.0105' }), s, ctx))).toBe('quantity-off-step');
    expect(ruleOf(() => decideOrder(place({ quantity: '0.001' }), s, ctx))).toBe('notional-below-min');
    // Reduce-only orders are exempt, as on Binance (-4164 "… unless you choose reduce only"): a position's
    // small remainder and its stop can always be placed.
    for (const small of [
      place({ quantity: '0.001', reduceOnly: true }),
      place({ quantity: '0.001', reduceOnly: true, type: 'STOP_MARKET', price: null, stopPrice: '29000' }),
      place({ quantity: '0.001', reduceOnly: true, type: 'MARKET', price: null, markPrice: '30000' }),
    ])
      expect(decideOrder(small, s, ctx).map((e) => e.type)).toEqual(['OrderRequested']);
    expect(
      ruleOf(() =>
        decideOrder(place({ quantity: '0.001', type: 'MARKET', price: null, markPrice: '30000' }), s, ctx),
      ),
    ).toBe('notional-below-min');
    expect(ruleOf(() => decideOrder(place({ positionSide: 'LONG', reduceOnly: true }), s, ctx))).toBe(
      'reduce-only-in-hedge-mode',
    );
    expect(ruleOf(() => decideOrder(place({ price: '33000', markPrice: '30000' }), s, ctx))).toBe(
      'price-outside-band',
    );
    expect(ruleOf(() => decideOrder(place({ symbol: 'NOPEUSDT' }), s, ctx))).toBe('unknown-symbol');
    expect(ruleOf(() => decideOrder(place({ workingType: 'MARK_PRICE' }), s, ctx))).toBe(
      'working-type-needs-trigger',
    );
  });

  it('records what a conditional order’s trigger watches only when told, so earlier requests read the same', () => {
    const stop = place({
      side: 'SELL',
      type: 'STOP_MARKET',
      price: null,
      stopPrice: '29000',
      reduceOnly: true,
    });
    const [plain] = decideOrder(stop, initialOrderState, ctx);
    expect(plain!.data).not.toHaveProperty('workingType');
    const [mark] = decideOrder({ ...stop, workingType: 'MARK_PRICE' }, initialOrderState, ctx);
    expect(mark!.data).toMatchObject({ type: 'STOP_MARKET', stopPrice: '29000', workingType: 'MARK_PRICE' });
    expect(schemas.get('OrderRequested')!.safeParse(mark!.data).success).toBe(true);
    expect(schemas.get('OrderRequested')!.safeParse({ ...mark!.data, workingType: 'INDEX' }).success).toBe(
      false,
    );
  });

  it('rounds only where asked: quantity down, price to the passive side', () => {
    const [e] = decideOrder(
      place({ quantity: '0.0109', price: '30000.09', gridPolicy: 'round' }),
      initialOrderState,
      ctx,
    );
    expect(e).toMatchObject({ data: { quantity: '0.01', price: '30000' } });
    const [s] = decideOrder(
      place({
        side: 'SELL',
        type: 'TAKE_PROFIT_MARKET',
        price: null,
        stopPrice: '30000.01',
        gridPolicy: 'round',
      }),
      initialOrderState,
      ctx,
    );
    expect(s).toMatchObject({ data: { stopPrice: '30000.1', type: 'TAKE_PROFIT_MARKET' } });
  });

  it('enforces FOK all-or-nothing and post-only maker fills', () => {
    const fok = run([place({ timeInForce: 'FOK' }), { kind: 'AcceptOrder', venueOrderId: 'v' }]).state;
    expect(ruleOf(() => decideOrder(fill('t', '0.005'), fok, ctx))).toBe('fok-fills-entirely');
    expect(decideOrder(fill('t', '0.01'), fok, ctx)).toHaveLength(1);
    const po = run([place({ postOnly: true }), { kind: 'AcceptOrder', venueOrderId: 'v' }]).state;
    expect(ruleOf(() => decideOrder(fill('t', '0.005', '30000', 'taker'), po, ctx))).toBe(
      'post-only-cannot-take',
    );
  });

  /*
   * Binance New Order (https://developers.binance.com/docs/derivatives/usds-margined-futures/trade/rest-api):
   * STOP/STOP_MARKET trigger a BUY when the price ≥ stopPrice and a SELL when ≤; TAKE_PROFIT(_MARKET) a BUY
   * when ≤ and a SELL when ≥.
   */
  it('fills a conditional order only after its stop is crossed, in the documented direction', () => {
    const accepted = (type: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET', side: 'BUY' | 'SELL') =>
      run([
        place({ type, side, price: null, stopPrice: '30000' }),
        { kind: 'AcceptOrder', venueOrderId: 'v' },
      ]).state;
    const cases = [
      ['STOP_MARKET', 'BUY', '29999.9', '30000'],
      ['STOP_MARKET', 'SELL', '30000.1', '30000'],
      ['TAKE_PROFIT_MARKET', 'BUY', '30000.1', '30000'],
      ['TAKE_PROFIT_MARKET', 'SELL', '29999.9', '30000'],
    ] as const;
    for (const [type, side, notYet, crossed] of cases) {
      const s = accepted(type, side);
      expect(
        ruleOf(() => decideOrder(fill('t', '0.01', crossed, 'taker'), s, ctx)),
        `${type} ${side}`,
      ).toBe('conditional-order-not-triggered');
      expect(
        ruleOf(() => decideOrder({ kind: 'TriggerOrder', price: notYet }, s, ctx)),
        `${type} ${side}`,
      ).toBe('trigger-price-not-reached');
      const { state, events } = run(
        [{ kind: 'TriggerOrder', price: crossed }, fill('t', '0.01', crossed, 'taker')],
        s,
      );
      expect(events.map((e) => e.type)).toEqual(['OrderTriggered', 'OrderFilled']);
      expect(state.status).toBe('filled');
      expect(decideOrder({ kind: 'TriggerOrder', price: crossed }, state, ctx)).toEqual([]);
    }
    const limit = run([place(), { kind: 'AcceptOrder', venueOrderId: 'v' }]).state;
    expect(ruleOf(() => decideOrder({ kind: 'TriggerOrder', price: '1' }, limit, ctx))).toBe(
      'trigger-needs-conditional-order',
    );
  });

  it('lets an IOC remainder expire after a partial fill', () => {
    const { state, events } = run([
      place({ timeInForce: 'IOC' }),
      { kind: 'AcceptOrder', venueOrderId: 'v' },
      fill('t', '0.004', '30000', 'taker'),
      { kind: 'ExpireOrder', reason: 'IOC remainder' },
    ]);
    expect(state.status).toBe('expired');
    expect(events.at(-1)?.type).toBe('OrderExpired');
  });
});
