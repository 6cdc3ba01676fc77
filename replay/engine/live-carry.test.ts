import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from '../../adapters/venue/testing/venue-harness.js';
import type { PositionTakenOverData } from '../../domain/ledger/events.js';
import { fixed, mul, toText } from '../../domain/ledger/fixed.js';
import type { BackstopPlan } from '../../domain/risk/backstop.js';
import { RunResults } from './results.js';
import { HOUR, type LiveAccountRun, openLiveAccountRun, SYMBOL } from './testing/live-account.js';

/**
 * A real run started after a crash carries on with what the run before it still holds on the exchange
 * (liveOrders.carry): it takes the position over at its cost once its warm-up has shown what the strategy
 * would hold, keeps it under a fresh stop ladder and backstop when the strategy wants that side, and closes
 * it at once when not. The exchange's position never moves for the take-over itself.
 */

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

const backstop: BackstopPlan = { bufferBps: 50, moveBps: 20 };
/** What the earlier run's ledger held: 0.05 BTC long, bought at 26,000 (2023-05-31's prices). */
const LEFT = { symbol: SYMBOL, quantity: '0.05', cost: '1300' };

const open = async (plan: Record<number, number>): Promise<LiveAccountRun> => {
  const run = await openLiveAccountRun({ stopAtrMultiple: 3 }, plan, backstop, 8, {
    carry: { fromAccount: 'real-earlier', positions: [LEFT] },
  });
  h = run.harness;
  // The exchange account holds what the earlier run left.
  run.harness.fake.engine.setPosition(SYMBOL, LEFT.quantity);
  return run;
};

/** Steps the first live bar and waits until the exchange has answered what it sent. */
const firstBar = async (run: LiveAccountRun, until: () => boolean) => {
  const close = run.barCloses(run.warmupEnd + 1);
  const started = Date.now();
  do {
    await run.settle(close + HOUR - 1);
    await new Promise((r) => setTimeout(r, 5));
    if (Date.now() - started > 10_000) throw new Error('timed out waiting for the exchange');
  } while (!until());
  return close;
};

describe('a real run that carries on what the run before it left', () => {
  it('takes the position over at its cost, with no trade, and keeps it under a new ladder and backstop while the strategy wants it', async () => {
    // The strategy's last warm-up bar targets a long: what it would hold now.
    const run = await open({ 0: 0.5, 4: 0 });
    const { engine, events, of, harness } = run;
    await firstBar(run, () => of('OrderAccepted').length >= 1);
    const taken = of('PositionTakenOver');
    expect(taken.map((e) => [e.streamId, e.data])).toEqual([
      [
        'account-binance:live-orders',
        {
          symbol: SYMBOL,
          positionSide: 'BOTH',
          strategyId: 'scripted-live',
          quantity: '0.05',
          cost: '1300',
          entryPrice: '26000',
          fromAccount: 'real-earlier',
        },
      ],
    ]);
    // The earlier run's ledger gives it up in the very next event, in its own stream.
    const at = events.indexOf(taken[0]!);
    const handed = events[at + 1]!;
    expect(handed.type).toBe('PositionHandedOver');
    expect(handed.streamId).toBe('account-binance:real-earlier');
    const { fromAccount: _f, ...moved } = taken[0]!.data as PositionTakenOverData;
    expect(handed.data).toEqual({ ...moved, toAccount: 'live-orders' });
    expect(handed.metadata.causationId).toBe(taken[0]!.eventId);
    // No trade for the take-over: the only order is the backstop resting at the exchange.
    const requested = of('OrderRequested').map((e) => e.data as { type: string; reduceOnly: boolean });
    expect(requested).toEqual([expect.objectContaining({ type: 'STOP_MARKET', reduceOnly: true })]);
    expect(harness.fake.engine.trades()).toHaveLength(0);
    expect(engine.position(SYMBOL)).toBe(0.05);
    // The ladder is armed from the last close (not from the old entry), three ATRs below it.
    const placed = of('StopAdjusted').map((e) => e.data as { action: string; inputs: { entry: number } });
    expect(placed[0]).toMatchObject({ action: 'placed' });
    expect(placed[0]!.inputs.entry).toBe(run.bars.close[run.warmupEnd]);
    // The strategy's exit four bars on closes it, and the ledger realises the whole move from 26,000.
    for (let i = 2; i <= 4; i++) run.barCloses(run.warmupEnd + i);
    const exitBar = run.warmupEnd + 4;
    const started = Date.now();
    while (harness.fake.engine.position(SYMBOL) !== 0n || of('FillSettled').length < 1) {
      await run.settle(run.bars.openTime[exitBar]! + 2 * HOUR - 1);
      await new Promise((r) => setTimeout(r, 5));
      if (Date.now() - started > 10_000) throw new Error('timed out waiting for the exit');
    }
    const settled = of('FillSettled')[0]!.data as { price: string; realisedPnl: string };
    expect(fixed(settled.realisedPnl)).toBe(mul(fixed(settled.price), fixed('0.05')) - fixed('1300'));
    expect(engine.ledgerAccount.totals.realisedPnl).toBe(fixed(settled.realisedPnl));
    // The run's results count the carried position as one round trip of its own, from its real entry.
    const results = new RunResults();
    for (const e of events) results.apply(e);
    expect(results.trades).toEqual([
      expect.objectContaining({ side: 'long', entryPrice: 26_000, exitPrice: Number(settled.price) }),
    ]);
    expect(results.trades[0]!.realisedPnl).toBeCloseTo(Number(settled.realisedPnl), 6);
  });

  it.each([
    ['its last warm-up target is the other side', { 0: -0.5 }],
    ['it asked for nothing in the warm-up', {}],
  ])(
    'takes the position over and closes it at once when the strategy would not hold it: %s',
    async (_, plan) => {
      const run = await open(plan);
      const { engine, of, harness } = run;
      await firstBar(
        run,
        () => harness.fake.engine.position(SYMBOL) === 0n && of('FillSettled').length === 1,
      );
      expect(of('PositionTakenOver')).toHaveLength(1);
      expect(of('PositionHandedOver')).toHaveLength(1);
      const requested = of('OrderRequested').map(
        (e) => e.data as { type: string; side: string; reduceOnly: boolean; quantity: string },
      );
      expect(requested).toEqual([
        expect.objectContaining({ type: 'MARKET', side: 'SELL', reduceOnly: true, quantity: '0.05' }),
      ]);
      expect(of('StopAdjusted')).toEqual([]);
      expect(engine.position(SYMBOL)).toBe(0);
      const settled = of('FillSettled')[0]!.data as { price: string; realisedPnl: string };
      expect(fixed(settled.realisedPnl)).toBe(mul(fixed(settled.price), fixed('0.05')) - fixed('1300'));
      expect(toText(harness.fake.engine.position(SYMBOL))).toBe('0');
    },
  );
});
