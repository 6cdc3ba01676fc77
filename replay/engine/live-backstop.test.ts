import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../adapters/venue/testing/venue-fixtures.js';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { type BackstopPlan, backstopTrigger } from '../../domain/risk/backstop.js';
import type { ProtectionRequest } from '../../domain/strategy/sdk.js';
import { HOUR, openLiveAccountRun, SYMBOL } from './testing/live-account.js';

/**
 * The backstop a run on a real account keeps at the exchange for each position (domain/risk/backstop.ts):
 * a reduce-only STOP_MARKET on the mark price, beyond the engine's own stop, against the local fake
 * Binance. It is there for when the engine cannot act (a node that is down, a feed that went quiet), so
 * in normal running it is placed, follows the position, and is cancelled; when it does fire, the ledger
 * books its fill as the exchange made it and the engine's ladder ends with the position.
 */

const plan: BackstopPlan = { bufferBps: 50, moveBps: 20 };
const protection: ProtectionRequest = { stopAtrMultiple: 1 };

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const setUp = async (exposures: Record<number, number>, p: ProtectionRequest = protection) => {
  const run = await openLiveAccountRun(p, exposures, plan);
  h = run.harness;
  const { harness, engine } = run;
  const algos = () =>
    harness.fake.engine.openAlgoOrders({}) as {
      clientAlgoId: string;
      side: string;
      quantity: string;
      triggerPrice: string;
      reduceOnly: boolean;
      workingType: string;
    }[];
  const requests = () =>
    run.of('OrderRequested').map(
      (e) =>
        e.data as {
          orderId: string;
          type: string;
          side: string;
          quantity: string;
          stopPrice: string | null;
          reduceOnly: boolean;
          workingType?: string;
        },
    );
  const backstops = () => requests().filter((r) => r.type === 'STOP_MARKET');
  /** Hands the engine what the exchange reports until `done` (the user stream may lag the REST calls). */
  const settleUntil = async (limit: number, done: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !done(); i++) {
      await run.settle(limit);
      if (!done()) await new Promise((r) => setTimeout(r, 10));
    }
    if (!done()) throw new Error(`timed out waiting for ${what}`);
  };
  /** The engine's stop now, from the ladder's latest StopAdjusted/StopsArmed levels. */
  const stopLevel = () =>
    (engine as unknown as { bySymbol: Map<string, { stopLevel: number }> }).bySymbol.get(SYMBOL)!.stopLevel;
  return { ...run, algos, backstops, requests, stopLevel, settleUntil };
};

describe('the backstop at the exchange (a run on a real account, the local fake Binance)', () => {
  it('rests beyond the engine’s stop for the whole position, on the mark price, and goes when the position does', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd, algos, backstops, stopLevel, settleUntil } =
      await setUp({ 1: 0.5, 2: 0 });
    const enter = barCloses(warmupEnd + 1);
    await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
    await settle(enter + HOUR - 1);
    const position = harness.fake.engine.position(SYMBOL);
    expect(position > 0n).toBe(true);
    // The fill armed the ladder, and the step that booked it sent the backstop.
    expect(backstops()).toHaveLength(1);
    const b = backstops()[0]!;
    const trigger = backstopTrigger('long', stopLevel(), plan, fixed('0.1'));
    expect(b).toMatchObject({
      side: 'SELL',
      quantity: toText(position),
      stopPrice: toText(trigger),
      reduceOnly: true,
      workingType: 'MARK_PRICE',
    });
    expect(fixed(b.stopPrice!) < fixed(String(stopLevel()))).toBe(true);
    await settle(enter + HOUR - 1);
    // At the exchange: one algo order, as booked.
    expect(algos()).toEqual([
      expect.objectContaining({
        clientAlgoId: b.orderId,
        side: 'SELL',
        quantity: toText(position),
        reduceOnly: true,
        workingType: 'MARK_PRICE',
      }),
    ]);
    expect(fixed(algos()[0]!.triggerPrice)).toBe(trigger);
    expect(of('OrderAccepted').map((e) => (e.data as { orderId: string }).orderId)).toContain(b.orderId);
    // Resting, it is not an order on its way (the account check may run), but it is an order working.
    expect(engine.workingOrders(false)).toEqual([]);
    expect(engine.workingOrders()).toEqual([b.orderId]);
    // The run records that it keeps one, and how.
    expect((of('RunStarted')[0]!.data as { config: { orders: unknown } }).config.orders).toEqual({
      kind: 'live',
      venue: 'binance',
      backstop: plan,
    });

    // The strategy closes: once the exit is booked, the backstop is cancelled at the exchange.
    const exit = barCloses(warmupEnd + 2);
    await until(() => harness.fake.engine.position(SYMBOL) === 0n, 'the exit to fill');
    await settle(exit + HOUR - 1);
    await settleUntil(exit + HOUR - 1, () => of('OrderCancelled').length > 0, 'the backstop’s cancel');
    expect(algos()).toEqual([]);
    expect(engine.position(SYMBOL)).toBe(0);
    const cancelled = of('OrderCancelled').map((e) => e.data as { orderId: string; reason: string });
    expect(cancelled).toEqual([{ orderId: b.orderId, reason: 'backstop: nothing left to protect' }]);
    expect(backstops()).toHaveLength(1);
    expect(engine.workingOrders()).toEqual([]);
  });

  it('protects the position while the engine does not act, and the ledger books its fill as the exchange made it', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd, algos, backstops, requests, desk } =
      await setUp({ 1: 0.5 });
    const enter = barCloses(warmupEnd + 1);
    await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
    await settle(enter + HOUR - 1);
    await settle(enter + HOUR - 1);
    expect(algos()).toHaveLength(1);
    const b = backstops()[0]!;
    // The engine is not stepping (a node that is down, a symbol whose bars stopped): no mark reaches
    // its ladder. The market falls through the engine's stop and then the backstop's trigger.
    const through = fixed(b.stopPrice!) - fixed('50');
    harness.fake.engine.setPrice(SYMBOL, toText(through));
    await until(() => harness.fake.engine.position(SYMBOL) === 0n, 'the backstop to close the position');
    expect(algos()).toHaveLength(0);
    const exchangeTrades = harness.fake.engine.trades();
    expect(exchangeTrades).toHaveLength(2);

    // The engine comes back: what the exchange did is booked, and nothing more is sent.
    harness.clock.t += 60_000;
    // Its reports (the trigger, the fill) have reached the venue's inbox meanwhile.
    await until(() => {
      desk.collect();
      return desk.waiting >= 2;
    }, 'the backstop’s reports');
    await settle(enter + HOUR - 1);
    desk.markPrice(SYMBOL, Number(toText(through)));
    await settle(enter + HOUR - 1);
    expect(engine.position(SYMBOL)).toBe(0);
    expect(requests()).toHaveLength(2);
    const filled = of('OrderFilled').map(
      (e) => e.data as { orderId: string; tradeId: string; price: string },
    );
    expect(filled.map((f) => [f.tradeId, f.price])).toEqual(
      exchangeTrades.map((t) => [String(t.id), toText(t.price)]),
    );
    expect(filled[1]!.orderId).toBe(b.orderId);
    expect(of('OrderTriggered').map((e) => (e.data as { orderId: string }).orderId)).toEqual([b.orderId]);
    // The ladder ended with the position; no exit of its own went out, and nothing was refused.
    expect(of('StopsClosed').length + of('StopStatusChanged').length).toBeGreaterThan(0);
    expect(of('OrderRejected')).toHaveLength(0);
    expect(engine.workingOrders()).toEqual([]);
    expect(fixed(String(engine.position(SYMBOL)))).toBe(harness.fake.engine.position(SYMBOL));
  });

  it('follows a position that changes: the old one is cancelled and one for the new size placed', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd, algos, backstops } = await setUp({
      1: 0.5,
      2: 0.25,
    });
    const enter = barCloses(warmupEnd + 1);
    await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
    await settle(enter + HOUR - 1);
    await settle(enter + HOUR - 1);
    const first = backstops()[0]!;
    const trim = barCloses(warmupEnd + 2);
    await until(() => harness.fake.engine.trades().length === 2, 'the trim to fill');
    await settle(trim + HOUR - 1);
    await until(() => algos().length === 1 && algos()[0]!.clientAlgoId !== first.orderId, 'the new backstop');
    await settle(trim + HOUR - 1);
    const position = harness.fake.engine.position(SYMBOL);
    expect(position > 0n && position < fixed(first.quantity)).toBe(true);
    expect(backstops()).toHaveLength(2);
    expect(backstops()[1]!.quantity).toBe(toText(position));
    expect(algos()[0]).toMatchObject({ clientAlgoId: backstops()[1]!.orderId, quantity: toText(position) });
    expect(of('OrderCancelled').map((e) => e.data)).toEqual([
      { orderId: first.orderId, reason: 'backstop: the position changed' },
    ]);
    expect(engine.workingOrders()).toEqual([backstops()[1]!.orderId]);
  });

  it('moves with a trailing stop once the stop has drifted moveBps from it, not before', async () => {
    // BTCUSDT 2023-06-01: the entry fills at the 01:00 close (27,059.8), the stop 1 ATR below (× 0.85: a
    // long in a trend_down regime, so 26,925.1); a mark before the 02:00 close (27,065.5) lifts the
    // chandelier (3 ATR × 0.85 under the best price) at that close: to 26,946.1 from a best of 27,350
    // (less than 20 bp), to 27,036.1 from 27,440.
    for (const [best, moved] of [
      [27_350, false],
      [27_440, true],
    ] as const) {
      await h?.close();
      const { harness, barCloses, settle, warmupEnd, algos, backstops, desk, stopLevel, settleUntil } =
        await setUp({ 1: 0.5 }, { stopAtrMultiple: 1, trailing: true });
      const enter = barCloses(warmupEnd + 1);
      await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
      await settleUntil(enter + HOUR - 1, () => algos().length === 1, 'the backstop');
      const before = stopLevel();
      const first = backstops()[0]!;
      harness.clock.t += 10_000;
      desk.markPrice(SYMBOL, best);
      const next = barCloses(warmupEnd + 2);
      await settle(next + HOUR - 1);
      // The ladder moved either way.
      expect(stopLevel()).toBeGreaterThan(before);
      const wanted = backstopTrigger('long', stopLevel(), plan, fixed('0.1'));
      if (!moved) {
        // Less than 20 bp: the backstop stays where it was (still beyond the new stop).
        expect(Number(toText(wanted - fixed(first.stopPrice!))) / Number(first.stopPrice)).toBeLessThan(
          0.002,
        );
        await settle(next + HOUR - 1);
        expect(backstops()).toHaveLength(1);
        expect(fixed(first.stopPrice!) < fixed(String(stopLevel()))).toBe(true);
        continue;
      }
      await settleUntil(
        next + HOUR - 1,
        () => algos().length === 1 && algos()[0]!.clientAlgoId !== first.orderId,
        'the moved backstop',
      );
      expect(backstops()).toHaveLength(2);
      expect(backstops()[1]!.stopPrice).toBe(toText(wanted));
      expect(fixed(algos()[0]!.triggerPrice)).toBe(wanted);
    }
  });

  it('is not sent again once the exchange refuses it, and a refusal is not counted against the venue', async () => {
    const { harness, engine, barCloses, settle, of, warmupEnd, algos, backstops, settleUntil } = await setUp({
      1: 0.5,
    });
    const enter = barCloses(warmupEnd + 1);
    await until(() => harness.fake.engine.trades().length === 1, 'the entry to fill');
    // Before the engine books the fill, the market is already below where the backstop would go: the
    // exchange refuses it as one that would trigger at once (-2021).
    harness.fake.engine.setPrice(SYMBOL, '26700');
    await settleUntil(enter + HOUR - 1, () => of('OrderRejected').length === 1, 'the refusal');
    expect(of('OrderRejected')[0]!.data).toMatchObject({
      orderId: backstops()[0]!.orderId,
      reason: expect.stringMatching(/-2021/),
    });
    for (let k = 0; k < 3; k++) {
      harness.clock.t += 1_000;
      await settle(enter + HOUR - 1);
    }
    expect(backstops()).toHaveLength(1);
    expect(algos()).toEqual([]);
    expect(engine.workingOrders()).toEqual([]);
    expect((engine as unknown as { venueRefusals: number }).venueRefusals).toBe(0);
    // Said once, for the run's log: the position now has only the engine's stop.
    expect(engine.backstopsRefused).toEqual([
      expect.stringMatching(
        /^BTCUSDT: the exchange refused the backstop of the long [\d.]+ \(trigger [\d.]+: .*-2021.*\); until the stop moves, the position has only the engine's stop/,
      ),
    ]);
  });
});
