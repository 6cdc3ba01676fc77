import { uuidv7 } from 'uuidv7';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { openStore } from '../../adapters/eventstore/open-store.js';
import { dropPgSchema } from '../../adapters/sql/pg-client.js';
import { serviceUrl, uniqueSchema } from '../../adapters/testing/services.js';
import { catalogue } from '../../domain/catalogue.js';
import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { walletBalance } from '../../domain/ledger/account.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { orderStreamId } from '../../domain/ledger/order.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { LedgerHandlers } from './handlers.js';

const meta: EventMetadata = {
  correlationId: 'obs:BTCUSDT:5m:1672531200000',
  causationId: null,
  actor: 'strategy:trend@1.0.0',
  mode: 'backtest',
  occurredAt: '2023-01-01T00:05:00.000Z',
};

const handlers = (store: EventStore) =>
  new LedgerHandlers({ store, instrument, rules: binanceUsdm, newEventId: uuidv7 });

const order = (clientOrderId: string, over: Record<string, unknown> = {}) => ({
  orderId: `id-${clientOrderId}`,
  clientOrderId,
  accountId: 'acc1',
  venue: 'binance',
  strategyId: 'trend',
  symbol: 'BTCUSDT',
  side: 'BUY' as const,
  positionSide: 'BOTH' as const,
  type: 'LIMIT' as const,
  quantity: '0.5',
  price: '30000',
  ...over,
});

const ruleOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof LedgerRuleError) return e.rule;
    throw e;
  }
  return 'no error';
};

const handlerSuite = (
  name: string,
  open: () => Promise<{ store: EventStore; close: () => Promise<void> }>,
) => {
  describe(`ledger command handlers on ${name}`, () => {
    let store: EventStore;
    let close: () => Promise<void>;
    let h: LedgerHandlers;
    beforeEach(async () => {
      ({ store, close } = await open());
      h = handlers(store);
      await h.account(
        'acc1',
        {
          kind: 'OpenAccount',
          accountId: 'acc1',
          venue: 'binance',
          marginAsset: 'USDT',
          feeTier: 'VIP0',
          positionMode: 'one-way',
        },
        meta,
      );
      await h.account('acc1', { kind: 'DepositFunds', transferId: 'dep-1', amount: '10000' }, meta);
    });
    afterEach(async () => close());

    it('places, accepts, fills and books an order; retries are idempotent', async () => {
      expect((await h.placeOrder(order('c1'), meta)).events).toHaveLength(1);
      expect((await h.placeOrder({ ...order('c1'), orderId: 'another-id' }, meta)).events).toHaveLength(0);
      await h.order('acc1', 'c1', { kind: 'AcceptOrder', venueOrderId: 'v1' }, meta);
      const f1 = await h.fillOrder(
        {
          accountId: 'acc1',
          clientOrderId: 'c1',
          tradeId: 't1',
          quantity: '0.2',
          price: '30000',
          liquidity: 'maker',
        },
        meta,
      );
      expect(f1.account.events.map((e) => e.type)).toEqual(['FillSettled', 'FeeCharged']);
      const again = await h.fillOrder(
        {
          accountId: 'acc1',
          clientOrderId: 'c1',
          tradeId: 't1',
          quantity: '0.2',
          price: '30000',
          liquidity: 'maker',
        },
        meta,
      );
      expect(again.order.events).toEqual([]);
      expect(again.account.events).toEqual([]);
      await h.fillOrder(
        {
          accountId: 'acc1',
          clientOrderId: 'c1',
          tradeId: 't2',
          quantity: '0.3',
          price: '29999.9',
          liquidity: 'maker',
        },
        meta,
      );

      const acc = await h.accounts.load(h.accountStream('acc1'));
      expect(toText(acc.state.positions.get('BTCUSDT:BOTH')!.qty)).toBe('0.5');
      // maker fees: 0.2 × 30,000 × 0.0002 = 1.2 and 0.3 × 29,999.9 × 0.0002 = 1.799994
      expect(toText(walletBalance(acc.state))).toBe('9997.000006');

      const orderEvents = await store.readStream(orderStreamId('acc1', 'c1'));
      expect(orderEvents.map((e) => e.type)).toEqual([
        'OrderRequested',
        'OrderAccepted',
        'OrderFilled',
        'OrderFilled',
      ]);
      // The account's booking names the fill that caused it.
      const accountEvents = await store.readStream(h.accountStream('acc1'));
      const settled = accountEvents.filter((e) => e.type === 'FillSettled');
      expect(settled.map((e) => e.metadata.causationId)).toEqual(orderEvents.slice(2).map((e) => e.eventId));
    });

    it('placeAndFill appends the same events as the separate commands, in two appends', async () => {
      const fill = { tradeId: 'pf-1', quantity: '0.5', price: '30000', liquidity: 'taker' as const };
      const r = await h.placeAndFill(order('pf', { type: 'MARKET', price: undefined }), 'v-pf', fill, meta);
      expect(r.order.events.map((e) => e.type)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderFilled']);
      expect(r.account.events.map((e) => e.type)).toEqual(['FillSettled', 'FeeCharged']);
      const again = await h.placeAndFill(
        order('pf', { type: 'MARKET', price: undefined }),
        'v-pf',
        fill,
        meta,
      );
      expect(again.order.events).toEqual([]);
      expect(again.account.events).toEqual([]);
      const head = await store.headPosition();
      expect(
        await ruleOf(
          h.placeAndFill(
            order('pf2', { type: 'MARKET', price: undefined, side: 'SELL', quantity: '1', reduceOnly: true }),
            'v',
            { ...fill, tradeId: 'pf-2', quantity: '1' },
            meta,
          ),
        ),
      ).toBe('reduce-only-would-increase');
      expect(await store.headPosition()).toBe(head);
    });

    it('appends nothing when a rule is broken', async () => {
      await h.placeOrder(order('c1'), meta);
      await h.order('acc1', 'c1', { kind: 'AcceptOrder', venueOrderId: 'v1' }, meta);
      const head = await store.headPosition();
      const bad = (q: string, p: string) =>
        h.fillOrder(
          {
            accountId: 'acc1',
            clientOrderId: 'c1',
            tradeId: `t-${q}-${p}`,
            quantity: q,
            price: p,
            liquidity: 'taker',
          },
          meta,
        );
      expect(await ruleOf(bad('0.6', '30000'))).toBe('fill-exceeds-remaining');
      expect(await ruleOf(bad('0.1', 'NaN'))).toBe('fill-price-not-a-number');
      expect(await ruleOf(bad('0.1', '-1'))).toBe('fill-price-must-be-positive');
      expect(await ruleOf(h.placeOrder(order('c2', { quantity: '0.0005' }), meta))).toBe('quantity-off-step');
      expect(await ruleOf(h.placeOrder(order('c2', { quantity: '0.001' }), meta))).toBe('notional-below-min');
      expect(await ruleOf(h.placeOrder(order('c3', { positionSide: 'LONG' }), meta))).toBe(
        'position-side-mismatch',
      );
      expect(await ruleOf(h.placeOrder(order('c4', { accountId: 'nobody' }), meta))).toBe('account-not-open');
      await h.account('acc1', { kind: 'SetLeverage', symbol: 'BTCUSDT', leverage: 100 }, meta);
      expect(await ruleOf(h.placeOrder(order('c6', { quantity: '21' }), meta))).toBe(
        'position-exceeds-leverage-bracket',
      );
      expect(
        await ruleOf(
          h.placeOrder(
            order('c7', { type: 'MARKET', price: undefined, quantity: '21', markPrice: '30000' }),
            meta,
          ),
        ),
      ).toBe('position-exceeds-leverage-bracket');
      // A reduce-only order on a flat account: the account refuses, so the order stream gets nothing either.
      await h.placeOrder(order('c5', { reduceOnly: true, side: 'SELL' }), meta);
      await h.order('acc1', 'c5', { kind: 'AcceptOrder', venueOrderId: 'v5' }, meta);
      const head2 = await store.headPosition();
      expect(
        await ruleOf(
          h.fillOrder(
            {
              accountId: 'acc1',
              clientOrderId: 'c5',
              tradeId: 'x',
              quantity: '0.1',
              price: '30000',
              liquidity: 'taker',
            },
            meta,
          ),
        ),
      ).toBe('reduce-only-would-increase');
      expect(await store.headPosition()).toBe(head2);
      expect(head2).toBe(head + 3); // the leverage change, and the reduce-only order placed and accepted
    });

    it('books a fill the account missed (crash between the two appends) when the fill is retried', async () => {
      await h.placeOrder(order('c1'), meta);
      await h.order('acc1', 'c1', { kind: 'AcceptOrder', venueOrderId: 'v1' }, meta);
      // Only the order half of the fill reached the log.
      await h.order('acc1', 'c1', { kind: 'AcceptOrder', venueOrderId: 'v1' }, meta);
      await h.orders.execute(
        orderStreamId('acc1', 'c1'),
        () => [
          {
            type: 'OrderFilled',
            data: {
              orderId: 'id-c1',
              fillSeq: 1,
              tradeId: 't1',
              quantity: '0.5',
              price: '30000',
              liquidity: 'taker',
              filledQuantity: '0.5',
              remainingQuantity: '0',
            },
          },
        ],
        meta,
      );
      const retry = await h.fillOrder(
        {
          accountId: 'acc1',
          clientOrderId: 'c1',
          tradeId: 't1',
          quantity: '0.5',
          price: '30000',
          liquidity: 'taker',
        },
        meta,
      );
      expect(retry.order.events).toEqual([]);
      expect(retry.account.events.map((e) => e.type)).toEqual(['FillSettled', 'FeeCharged']);
    });

    it('books a missed fill first when the next fill of the order arrives', async () => {
      await h.placeOrder(order('c1'), meta);
      await h.order('acc1', 'c1', { kind: 'AcceptOrder', venueOrderId: 'v1' }, meta);
      await h.orders.execute(
        orderStreamId('acc1', 'c1'),
        () => [
          {
            type: 'OrderFilled',
            data: {
              orderId: 'id-c1',
              fillSeq: 1,
              tradeId: 't1',
              quantity: '0.2',
              price: '30000',
              liquidity: 'maker',
              filledQuantity: '0.2',
              remainingQuantity: '0.3',
            },
          },
        ],
        meta,
      );
      const next = await h.fillOrder(
        {
          accountId: 'acc1',
          clientOrderId: 'c1',
          tradeId: 't2',
          quantity: '0.3',
          price: '30000',
          liquidity: 'maker',
        },
        meta,
      );
      expect(next.account.events.map((e) => e.type)).toEqual([
        'FillSettled',
        'FeeCharged',
        'FillSettled',
        'FeeCharged',
      ]);
      expect(next.account.events.flatMap((e) => (e.type === 'FillSettled' ? [e.data.fillSeq] : []))).toEqual([
        1, 2,
      ]);
      const acc = await handlers(store).accounts.load(h.accountStream('acc1'));
      expect(toText(acc.state.positions.get('BTCUSDT:BOTH')!.qty)).toBe('0.5');
    });

    it('single-writer mode decides from its cache, and a second writer is still caught on append', async () => {
      const single = new LedgerHandlers({
        store,
        instrument,
        rules: binanceUsdm,
        newEventId: uuidv7,
        singleWriter: true,
      });
      await single.account('acc1', { kind: 'DepositFunds', transferId: 'a', amount: '1' }, meta);
      await h.account('acc1', { kind: 'DepositFunds', transferId: 'b', amount: '2' }, meta); // breaks the rule
      await single.account('acc1', { kind: 'DepositFunds', transferId: 'c', amount: '3' }, meta); // conflict → re-read
      const fresh = await handlers(store).accounts.load(h.accountStream('acc1'));
      expect(fresh.state.crossWallet).toBe(fixed('10006'));
    });

    it('single-writer mode keeps open orders cached and lets finished ones go; a late retry still resolves', async () => {
      const single = new LedgerHandlers({
        store,
        instrument,
        rules: binanceUsdm,
        newEventId: uuidv7,
        singleWriter: true,
      });
      const reads: string[] = [];
      const read = store.readStream.bind(store);
      store.readStream = (id, o) => {
        reads.push(id);
        return read(id, o);
      };
      const stream = orderStreamId('acc1', 'c9');
      await single.placeOrder(order('c9'), meta); // a new stream: read once
      reads.length = 0;
      await single.order('acc1', 'c9', { kind: 'AcceptOrder', venueOrderId: 'v9' }, meta);
      const fill = { accountId: 'acc1', clientOrderId: 'c9', tradeId: 't9', quantity: '0.5', price: '30000' };
      await single.fillOrder({ ...fill, liquidity: 'maker' }, meta);
      expect(reads.filter((id) => id === stream)).toEqual([]); // open: decided from the cache
      const retry = await single.fillOrder({ ...fill, liquidity: 'maker' }, meta);
      expect(reads.filter((id) => id === stream).length).toBeGreaterThan(0); // filled: read again
      expect(retry.order.events).toEqual([]);
      expect(retry.account.events).toEqual([]);
    });

    it('two writers on one account: the loser re-reads and re-decides, nothing is lost', async () => {
      const other = handlers(store);
      await h.account('acc1', { kind: 'DepositFunds', transferId: 'a', amount: '1' }, meta);
      await other.account('acc1', { kind: 'DepositFunds', transferId: 'b', amount: '2' }, meta); // other's cache is cold: fine
      await h.account('acc1', { kind: 'DepositFunds', transferId: 'c', amount: '3' }, meta); // h's cache is stale: conflict, retry
      const fresh = await handlers(store).accounts.load(h.accountStream('acc1'));
      expect(fresh.state.crossWallet).toBe(fixed('10006'));
    });
  });
};

handlerSuite('in-memory store', async () => ({
  store: new MemoryEventStore({ catalogue: catalogue() }),
  close: async () => {},
}));

handlerSuite('PGlite', async () => {
  const opened = await openStore({ dataDir: ':memory:' });
  return { store: opened.store, close: () => opened.close() };
});

const url = serviceUrl('DATABASE_URL');
if (url) {
  handlerSuite('PostgreSQL server', async () => {
    const schema = uniqueSchema('ledger');
    const opened = await openStore({ databaseUrl: url, schema });
    return {
      store: opened.store,
      close: async () => {
        await opened.close();
        await dropPgSchema(url, schema);
      },
    };
  });
}
