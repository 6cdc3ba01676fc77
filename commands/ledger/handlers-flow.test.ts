import fc from 'fast-check';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { sqlTargets } from '../../adapters/testing/sql-targets.js';
import { catalogue } from '../../domain/catalogue.js';
import type { EventMetadata } from '../../domain/events/envelope.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { walletBalance } from '../../domain/ledger/account.js';
import { LedgerRuleError } from '../../domain/ledger/errors.js';
import type { OrderFilledData } from '../../domain/ledger/events.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { orderStreamId } from '../../domain/ledger/order.js';
import { instrument } from '../../domain/ledger/test-fixtures.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { LedgerHandlers } from './handlers.js';

/**
 * The ledger's command side under any sequence a venue and a flaky process can produce: orders placed,
 * accepted, filled in parts, cancelled or expired; every command possibly sent twice (a retry); and
 * crashes between a fill landing on the order stream and its booking on the account, repaired by the
 * next retry. Commands the rules refuse append nothing. At the end every fill on an order stream is
 * booked on the account exactly once, each position is the sum of its fills, and the wallet moved by
 * exactly deposits + realised PnL − fees. On every store adapter: in memory (a fresh store per flow), and
 * PGlite and PostgreSQL (one store per suite, an account per flow).
 */

const meta: EventMetadata = {
  correlationId: 'flow',
  causationId: null,
  actor: 'system:test',
  mode: 'backtest',
  occurredAt: '2023-01-01T00:00:00.000Z',
};

type Step =
  | { t: 'place'; order: number; buy: boolean; lots: number; limit: boolean; reduceOnly: boolean }
  | { t: 'accept'; order: number }
  | {
      t: 'fill';
      order: number;
      lots: number;
      ticks: number;
      maker: boolean;
      crash: 'before' | 'after' | null;
    }
  | { t: 'cancel' | 'expire'; order: number }
  | { t: 'retry' };

const ORDERS = 4;

/** One order's life as the venue reports it, each report possibly retried. */
const script = (order: number): fc.Arbitrary<Step[]> =>
  fc
    .record({
      buy: fc.boolean(),
      lots: fc.integer({ min: 1, max: 400 }),
      limit: fc.boolean(),
      reduceOnly: fc.boolean(),
      accept: fc.integer({ min: 0, max: 9 }),
      fills: fc.array(
        fc.record({
          lots: fc.integer({ min: 1, max: 250 }),
          ticks: fc.integer({ min: -500, max: 500 }),
          maker: fc.boolean(),
          crash: fc.integer({ min: 0, max: 4 }),
        }),
        { maxLength: 4 },
      ),
      end: fc.constantFrom('none', 'cancel', 'expire'),
      retries: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    })
    .map((o) => {
      const steps: Step[] = [
        { t: 'place', order, buy: o.buy, lots: o.lots, limit: o.limit, reduceOnly: o.reduceOnly },
      ];
      // Now and then the venue says nothing of the acceptance before the fills: those are refused.
      if (o.accept > 0) steps.push({ t: 'accept', order });
      for (const f of o.fills)
        steps.push({
          t: 'fill',
          order,
          ...f,
          crash: f.crash === 0 ? 'before' : f.crash === 1 ? 'after' : null,
        });
      if (o.end !== 'none') steps.push({ t: o.end as 'cancel' | 'expire', order });
      return steps.flatMap((st, i) => (o.retries[i % 8] ? [st, { t: 'retry' } as Step] : [st]));
    });

/** The orders' scripts interleaved in an arbitrary order, each order's own steps kept in sequence. */
const flow: fc.Arbitrary<Step[]> = fc
  .tuple(
    fc.tuple(...Array.from({ length: ORDERS }, (_, i) => script(i))),
    fc.array(fc.nat(), { minLength: 80, maxLength: 80 }),
  )
  .map(([scripts, schedule]) => {
    const queues = scripts.map((x) => [...x]);
    const out: Step[] = [];
    for (const pick of schedule) {
      const live = queues.filter((q) => q.length > 0);
      if (live.length === 0) break;
      out.push(live[pick % live.length]!.shift()!);
    }
    for (const q of queues) out.push(...q);
    return out;
  });

const lot = fixed('0.001');
const tick = fixed('0.1');
const base = fixed('30000');

class Crash extends Error {}

const run = async (steps: readonly Step[], backing: EventStore, a: string) => {
  // The process dies while a fill is being written: before the store took it, or after it committed but
  // before the handler heard back. Either way the next process starts with nothing cached.
  let crashNext: 'before' | 'after' | null = null;
  const dies = async <T>(write: () => Promise<T>, account: boolean): Promise<T> => {
    const when = account ? crashNext : null;
    if (when === null) return write();
    crashNext = null;
    if (when === 'before') throw new Crash('simulated crash before the write');
    await write();
    throw new Crash('simulated crash after the write');
  };
  const store = new Proxy(backing, {
    get(target, prop) {
      if (prop === 'append')
        return ((streamId, expected, events) =>
          dies(
            () => target.append(streamId, expected, events),
            streamId.startsWith('account-'),
          )) satisfies EventStore['append'];
      if (prop === 'appendAll')
        return ((batches) =>
          dies(
            () => target.appendAll(batches),
            batches.some((b) => b.streamId.startsWith('account-')),
          )) satisfies EventStore['appendAll'];
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const handlers = () => new LedgerHandlers({ store, instrument, rules: binanceUsdm, newEventId: uuidv7 });
  let h = handlers();
  await h.account(
    a,
    {
      kind: 'OpenAccount',
      accountId: a,
      venue: 'binance',
      marginAsset: 'USDT',
      feeTier: 'VIP0',
      positionMode: 'one-way',
    },
    meta,
  );
  await h.account(a, { kind: 'DepositFunds', transferId: 'd', amount: '1000000' }, meta);
  let fills = 0;
  let last: (() => Promise<unknown>) | null = null;
  /** Fills whose process died: the venue session delivers each again after the restart. */
  const crashed: (() => Promise<unknown>)[] = [];
  /** Runs a command; `crash` kills the process on its booking write (a retry never crashes). */
  const attempt = async (command: () => Promise<unknown>, crash: 'before' | 'after' | null = null) => {
    last = command;
    crashNext = crash;
    try {
      await command();
    } catch (e) {
      if (e instanceof Crash) {
        h = handlers(); // a restarted process: nothing cached
        return;
      }
      if (!(e instanceof LedgerRuleError)) throw e;
    } finally {
      crashNext = null;
    }
  };
  for (const s of steps) {
    const clientOrderId = `c${'order' in s ? s.order : 0}`;
    if (s.t === 'retry') {
      if (last) await attempt(last);
      continue;
    }
    if (s.t === 'place') {
      await attempt(() =>
        h.placeOrder(
          {
            orderId: `o-${clientOrderId}`,
            clientOrderId,
            accountId: a,
            venue: 'binance',
            strategyId: 'flow',
            symbol: 'BTCUSDT',
            side: s.buy ? 'BUY' : 'SELL',
            positionSide: 'BOTH',
            type: s.limit ? 'LIMIT' : 'MARKET',
            quantity: toText(BigInt(s.lots) * lot),
            ...(s.limit ? { price: toText(base), timeInForce: 'GTC' as const } : {}),
            reduceOnly: s.reduceOnly,
          },
          meta,
        ),
      );
    } else if (s.t === 'accept') {
      await attempt(() =>
        h.order(a, clientOrderId, { kind: 'AcceptOrder', venueOrderId: `v-${clientOrderId}` }, meta),
      );
    } else if (s.t === 'cancel' || s.t === 'expire') {
      const kind = s.t === 'cancel' ? ('CancelOrder' as const) : ('ExpireOrder' as const);
      await attempt(() => h.order(a, clientOrderId, { kind, reason: 'flow' }, meta));
    } else {
      const f = s as Extract<Step, { t: 'fill' }>;
      const fill = {
        accountId: a,
        clientOrderId,
        tradeId: `t${++fills}`,
        quantity: toText(BigInt(f.lots) * lot),
        price: toText(base + BigInt(f.ticks) * tick),
        liquidity: f.maker ? ('maker' as const) : ('taker' as const),
      };
      const command = () => h.fillOrder(fill, meta);
      if (f.crash !== null) crashed.push(command);
      await attempt(command, f.crash);
    }
  }
  // A restarted venue session delivers again the fills whose booking died with the process.
  for (const command of crashed) await attempt(command);
  return { store, h };
};

/** Runs one flow on `store` for account `a` and checks what the ledger ended with. */
const flowHolds = async (steps: readonly Step[], backing: EventStore, a: string) => {
  const { store, h } = await run(steps, backing, a);
  const account = (await h.accounts.load(h.accountStream(a))).state;
  let position = 0n;
  for (let i = 0; i < ORDERS; i++) {
    const events = await store.readStream(orderStreamId(a, `c${i}`));
    const filled = events.filter((e) => e.type === 'OrderFilled').map((e) => e.data as OrderFilledData);
    // Every fill on the order stream is booked on the account exactly once.
    expect(account.settledFills.get(`o-c${i}`) ?? 0).toBe(filled.length);
    const side = (events[0]?.data as { side?: string } | undefined)?.side;
    for (const f of filled) position += side === 'BUY' ? fixed(f.quantity) : -fixed(f.quantity);
  }
  expect(toText(account.positions.get('BTCUSDT:BOTH')?.qty ?? 0n)).toBe(toText(position));
  const t = account.totals;
  expect(toText(walletBalance(account))).toBe(
    toText(t.deposits - t.withdrawals + t.realisedPnl - t.fees + t.funding),
  );
  const settled = (await store.readStream(h.accountStream(a))).filter((e) => e.type === 'FillSettled');
  const keys = settled.map((e) => {
    const d = e.data as { orderId: string; fillSeq: number };
    return `${d.orderId}#${d.fillSeq}`;
  });
  expect(new Set(keys).size).toBe(keys.length);
};

describe('ledger command handlers under any order flow, with retries and crashes', () => {
  it('in memory: book every fill once, keep positions equal to their fills, and the wallet to the cent', async () => {
    await fc.assert(
      fc.asyncProperty(flow, (steps) =>
        flowHolds(steps, new MemoryEventStore({ catalogue: catalogue() }), 'a'),
      ),
      { numRuns: Number(process.env.LEDGER_FLOW_RUNS ?? 150) },
    );
  }, 120_000);
});

const SQL_RUNS = Number(process.env.LEDGER_FLOW_SQL_RUNS ?? 12);
for (const target of sqlTargets('ledger_flow')) {
  describe(`ledger command handlers under any order flow, on ${target.name}`, () => {
    let opened: OpenedStore;
    let close: () => Promise<void>;
    let flows = 0;
    beforeAll(async () => {
      ({ opened, close } = await target.open());
    });
    afterAll(async () => close());

    it('book every fill once, keep positions equal to their fills, and the wallet to the cent', async () => {
      await fc.assert(
        fc.asyncProperty(flow, (steps) => flowHolds(steps, opened.store, `f${++flows}`)),
        { numRuns: SQL_RUNS },
      );
    }, 300_000);
  });
}
