import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../adapters/venue/testing/venue-fixtures.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import type { BackstopPlan } from '../../domain/risk/backstop.js';
import { readFills } from '../../projections/orders/projection.js';
import { projectedStore } from '../../projections/testing/paper-fixture.js';
import { enterWithBackstop, HOUR, openLiveAccountRun, SYMBOL } from './testing/live-account.js';

/**
 * The exchange closing a real run's position by an order of its own (a liquidation, an ADL), against the
 * local fake Binance: the ledger books it as the exchange made it, so it keeps agreeing with the account,
 * and the engine stops protecting what is no longer there.
 */

const plan: BackstopPlan = { bufferBps: 50, moveBps: 20 };

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const setUp = async () => {
  const run = await openLiveAccountRun({ stopAtrMultiple: 1 }, { 1: 0.5 }, plan);
  h = run.harness;
  const enter = await enterWithBackstop(run);
  /** Hands the engine what the exchange reports until `done`. */
  const settleUntil = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !done(); i++) {
      await run.settle(enter + HOUR - 1);
      if (!done()) await new Promise((r) => setTimeout(r, 10));
    }
    if (!done()) throw new Error(`timed out waiting for ${what}`);
  };
  const settled = () =>
    run.of('FillSettled').map(
      (e) =>
        e.data as {
          orderId: string;
          tradeId: string;
          side: string;
          quantity: string;
          price: string;
          realisedPnl: string;
          positionQuantity: string;
          forced?: string;
        },
    );
  const forced = () => settled().filter((f) => f.forced !== undefined);
  return { ...run, enter, settleUntil, settled, forced };
};

describe("the exchange's own closing orders on a real run (the local fake Binance)", () => {
  it('books a liquidation as the exchange made it, and ends the ladder and the orders with the position', async () => {
    const run = await setUp();
    const { harness, engine, of, settleUntil, forced, settled } = run;
    const held = harness.fake.engine.position(SYMBOL);
    const entry = settled()[0]!;
    expect(held > 0n).toBe(true);
    harness.fake.engine.forceClose(SYMBOL, 'liquidation', { price: '26000' });
    await until(() => harness.fake.engine.position(SYMBOL) === 0n, 'the liquidation');
    await settleUntil(() => forced().length === 1 && engine.workingOrders().length === 0, 'the booking');

    const exchange = harness.fake.engine.trades().at(-1)!;
    const f = forced()[0]!;
    expect(f).toMatchObject({
      forced: 'liquidation',
      side: 'SELL',
      quantity: toText(held),
      price: '26000',
      tradeId: String(exchange.id),
      positionQuantity: '0',
    });
    expect(f.orderId).toMatch(new RegExp(`^autoclose-.+/${exchange.orderId}$`));
    // Realised at the exchange's price against the entry, to the cent; the exchange's commission charged.
    expect(fixed(f.realisedPnl)).toBe(((fixed('26000') - fixed(entry.price)) * held) / 10n ** 18n);
    const fee = of('FeeCharged')
      .map((e) => e.data as { reason: string; amount: string; source?: string })
      .at(-1)!;
    expect(fee).toEqual(
      expect.objectContaining({
        reason: 'liquidation',
        amount: toText(exchange.commission),
        source: 'venue',
      }),
    );
    // The ledger agrees with the account again.
    expect(engine.position(SYMBOL)).toBe(0);
    expect(engine.ledgerAccount.positions.size).toBe(0);
    // The ladder ended with the position, saying why; the backstop the exchange expired is booked so.
    const cancelled = of('StopStatusChanged')
      .map((e) => e.data as { to: string; reason: string })
      .filter((d) => d.to === 'cancelled');
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((d) => d.reason === 'closed by the exchange (liquidation)')).toBe(true);
    expect(of('OrderExpired')).toHaveLength(1);
    expect(engine.forcedUnbooked).toEqual([]);
    // The causal chain names what happened: the fill is correlated to the exchange's order.
    const e = of('FillSettled').at(-1)!;
    expect(e.metadata.correlationId).toBe(`liquidation:${exchange.orderId}`);
    // The read models say so too: the fills list (the orders screen) and the ledger's position view.
    const p = await projectedStore(run.events);
    try {
      const fills = await readFills(p.opened.db, { limit: 10 });
      expect(fills.items.map((x) => [x.forced, x.quantity])).toEqual([
        ['liquidation', toText(held)],
        [null, toText(held)],
      ]);
      const row = await p.opened.db.selectFrom('rm_ledger_positions').selectAll().executeTakeFirstOrThrow();
      expect([row.quantity, Number(row.liquidations)]).toEqual(['0', 1]);
    } finally {
      await p.close();
    }
  });

  it("books the liquidation's clearance fee as the exchange took it, against the liquidation", async () => {
    const run = await setUp();
    const { harness, engine, of, settleUntil, forced } = run;
    const held = harness.fake.engine.position(SYMBOL);
    harness.fake.engine.forceClose(SYMBOL, 'liquidation', { price: '26000', clearanceRate: '0.0125' });
    const fees = () =>
      of('FeeCharged')
        .map(
          (e) => e.data as { reason: string; orderId: string | null; tradeId: string | null; amount: string },
        )
        .filter((d) => d.reason === 'liquidation');
    await settleUntil(() => forced().length === 1 && fees().length === 2, 'the clearance fee');
    const notional = (held * fixed('26000')) / 10n ** 18n;
    const taken = (notional * fixed('0.0125')) / 10n ** 18n;
    const exchange = harness.fake.engine.trades().at(-1)!;
    const clearance = fees()[1]!;
    expect(clearance).toEqual({
      reason: 'liquidation',
      symbol: SYMBOL,
      positionSide: 'BOTH',
      orderId: forced()[0]!.orderId,
      tradeId: null,
      strategyId: engine.config.strategy.id,
      notional: toText(notional),
      rate: '0.0125',
      amount: toText(taken),
      wallet: 'cross',
      source: 'venue',
    });
    expect(forced()[0]!.orderId).toMatch(new RegExp(`/${exchange.orderId}$`));
    const e = of('FeeCharged').at(-1)!;
    expect(e.metadata.correlationId).toBe(`liquidation:${exchange.orderId}`);
    expect(of('ExchangeRecordUnbooked')).toEqual([]);
  });

  it('books an ADL of part of the position; what is left keeps its ladder and its backstop follows it', async () => {
    const { harness, engine, of, settleUntil, forced } = await setUp();
    const held = harness.fake.engine.position(SYMBOL);
    const part = (held / 2n / 10n ** 15n) * 10n ** 15n;
    harness.fake.engine.forceClose(SYMBOL, 'adl', { quantity: toText(part), price: '27500' });
    const left = held - part;
    await settleUntil(() => forced().length === 1, 'the ADL');
    expect(forced()[0]).toMatchObject({
      forced: 'adl',
      quantity: toText(part),
      positionQuantity: toText(left),
    });
    expect(fixed(String(engine.position(SYMBOL)))).toBe(left);
    expect(of('FeeCharged').at(-1)!.data).toMatchObject({ reason: 'trade', amount: '0', source: 'venue' });
    expect(of('StopStatusChanged').filter((e) => (e.data as { to: string }).to === 'cancelled')).toEqual([]);
    // The backstop is resized to what is left.
    await settleUntil(() => {
      const algos = harness.fake.engine.openAlgoOrders({}) as { quantity: string }[];
      return algos.length === 1 && fixed(algos[0]!.quantity) === left;
    }, 'the backstop to follow');
  });

  it('books what this run held of a closing trade; the rest (a position opened by hand) is left to the account check', async () => {
    const { harness, engine, of, settleUntil, forced } = await setUp();
    const held = harness.fake.engine.position(SYMBOL);
    // Somebody tripled the position by hand; the exchange then liquidates the whole of it.
    harness.fake.engine.setPosition(SYMBOL, toText(held * 3n));
    harness.fake.engine.forceClose(SYMBOL, 'liquidation', { price: '26000' });
    await settleUntil(() => forced().length === 1, 'the booking');
    const exchange = harness.fake.engine.trades().at(-1)!;
    expect(forced()[0]).toMatchObject({ quantity: toText(held), positionQuantity: '0' });
    expect(engine.position(SYMBOL)).toBe(0);
    expect(engine.forcedUnbooked).toEqual([
      `liquidation SELL ${toText(held * 2n)} BTCUSDT: more than this run held`,
    ]);
    expect(of('ExchangeRecordUnbooked').map((e) => e.data)).toEqual([
      {
        record: 'forced-fill',
        symbol: SYMBOL,
        ref: `${exchange.orderId}/${exchange.id}`,
        time: exchange.time,
        amount: toText(held * 2n),
        unit: SYMBOL,
        why: 'liquidation SELL: more than this run held',
      },
    ]);
    // Its third of the exchange's commission, down to the fee's 8 places.
    const third = exchange.commission / 3n;
    expect(of('FeeCharged').at(-1)!.data).toMatchObject({
      reason: 'liquidation',
      amount: toText(third - (third % 10n ** 10n)),
      source: 'venue',
    });
  });
});
