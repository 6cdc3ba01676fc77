import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import { binanceClientId } from '../../adapters/venue/binance/usdm-session.js';
import type { CcxtVenue } from '../../adapters/venue/ccxt-venue.js';
import { SharedVenue } from '../../adapters/venue/shared-venue.js';
import type { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import { catalogue } from '../../domain/catalogue.js';
import { accountStreamId, evolveAccount, initialAccountState } from '../../domain/ledger/account.js';
import type { AccountEvent } from '../../domain/ledger/events.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { evidenceOf } from '../../domain/lifecycle/evidence.js';
import { type BreakerLevelChangedData, BreakerRuleError } from '../../domain/risk/breaker.js';
import { type CarriedLadder, ladderOfEvents } from '../../domain/risk/carried-ladder.js';
import type { StopAdjustedData, StopEvent } from '../../domain/risk/stops.js';
import { Waker } from '../../replay/engine/live.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { connectFakeAccount, fakeBinanceOn } from '../testing/fake-account.js';
import { StepClock } from '../testing/step-clock.js';
import { type CloseOutOptions, settleForCarry } from './closeout.js';
import { stepDownIn } from './fleet.js';
import { handOverCarry } from './hand-over.js';
import { priorEvidence, type SentOrder } from './previous-run.js';
import { RealAccountSession, type RealAccountSessionOptions } from './real-session.js';

/**
 * A real run's positions carried on by the next run with no trade: two RealAccountSessions on the fake
 * exchange, the first holding a position under its backstop. Either its process goes away (a crash, or
 * LIVE_ON_STOP=keep) and the next process carries it on (what scripts/start.ts does under
 * LIVE_LEFTOVERS=carry), or a parameter version is put in force and the run of that version takes it over
 * in the same process (the lifecycle manager's hand-over).
 */

const SYMBOL = 'BTCUSDT';
const FROM = Date.UTC(2023, 2, 1);
const HOUR = 3_600_000;

let fake: FakeBinance | null = null;
let account: CcxtVenue | null = null;
afterEach(async () => {
  await account?.close();
  await fake?.close();
  account = null;
  fake = null;
});

/** The orders `runId` sent, as the orders read model would list them (the test keeps no read models). */
const sentBy = async (store: MemoryEventStore, runId: string): Promise<SentOrder[]> =>
  (await store.readAll(0, 1_000_000))
    .filter((e) => e.type === 'OrderRequested' && (e.data as { accountId: string }).accountId === runId)
    .map((e) => ({
      orderId: (e.data as { orderId: string }).orderId,
      at: Date.parse(e.metadata.occurredAt),
      correlationId: e.metadata.correlationId,
    }));

/**
 * The fake exchange, one process's connection to it and a first real run of ema-cross, driven until it
 * holds a position with its backstop resting at the exchange.
 */
const runHoldingAPosition = async () => {
  const clock = new StepClock(FROM - 60_000);
  const started = await fakeBinanceOn(clock, SYMBOL);
  fake = started.fake;
  const { feed } = started;
  const f = fake;
  const wakers = new Set<Waker>();
  account = await connectFakeAccount(f, clock, wakers);
  const store = new MemoryEventStore({ catalogue: catalogue() });
  const said: string[] = [];
  const book = await instrumentBookOnce();
  const p = {
    clock,
    f,
    store,
    said,
    acct: account,
    shared: new SharedVenue(account),
    /** A new process: its own connection to the account, an hour later. */
    async reconnect(): Promise<void> {
      await p.acct.close();
      wakers.clear();
      clock.t += HOUR;
      account = p.acct = await connectFakeAccount(f, clock, wakers);
      p.shared = new SharedVenue(p.acct);
    },
    session(extra: Partial<RealAccountSessionOptions> = {}): RealAccountSession {
      const waker = new Waker();
      wakers.add(waker);
      return new RealAccountSession({
        strategyId: 'ema-cross',
        symbols: [SYMBOL],
        // Fast EMAs on 1h bars hold a position within a few days.
        parameters: { version: 1, params: { fast: 5, slow: 20, trailing: false } },
        mode: 'live',
        share: 1,
        capital: '100000',
        feed,
        marks: feed,
        venue: p.shared.lane(),
        venueName: 'binance',
        waker,
        store,
        clock,
        markEveryMs: 10 * 60_000,
        backstop: { bufferBps: 50, moveBps: 20 },
        configureAccount: (settings) => p.acct.configure(settings),
        commissionRates: (symbols) => p.acct.commissionRates(symbols),
        log: (m) => said.push(m),
        ...extra,
      });
    },
    async drive(what: string, done: () => boolean, steps = 20_000): Promise<void> {
      for (let i = 0; !done(); i++) {
        if (i > steps) throw new Error(`timed out waiting for ${what}\n${said.join('\n')}`);
        await clock.step(p.acct);
      }
    },
    /** Waits for a stopped run's loop to end, moving the clock meanwhile (a sleep may wait on it). */
    async stopped(done: Promise<void>): Promise<void> {
      let over = false;
      const end = () => {
        over = true;
      };
      done.then(end, end);
      await p.drive('the run to stop', () => over, 2_000);
      await done;
    },
    /** The ledger's ids of the orders `runId` placed, from the main log. */
    ordersOf(runId: string): string[] {
      return store
        .raw()
        .filter((e) => e.type === 'OrderRequested')
        .map((e) => e.data as { accountId: string; clientOrderId: string })
        .filter((d) => d.accountId === runId)
        .map((d) => d.clientOrderId);
    },
    /** Whether an order resting at the exchange (by the id Binance has for it) is one `runId` placed. */
    placedBy(runId: string, wireId: string): boolean {
      return p.ordersOf(runId).some((id) => binanceClientId(id) === wireId);
    },
    backstops: () => f.engine.openAlgoOrders({}) as { clientAlgoId: string }[],
    /** A run's position as its ledger in the main log holds it. */
    async ledger(accountId: string) {
      let s = initialAccountState();
      for (const e of await store.readStream(accountStreamId('binance', accountId)))
        s = evolveAccount(s, e as unknown as AccountEvent);
      return s.positions.get(`${SYMBOL}:BOTH`);
    },
    closeOut: (venue: CloseOutOptions['venue']): CloseOutOptions => ({
      store,
      venue,
      rules: binanceUsdm,
      instrument: book.get,
      clock,
      newEventId,
      log: (m) => said.push(m),
    }),
  };
  const firstLane = p.shared.lane();
  const first = p.session({ venue: firstLane });
  await first.prepare();
  const stopFirst = new AbortController();
  const firstDone = first.run(stopFirst.signal);
  await p.drive(
    'a position under its backstop',
    () => f.engine.position(SYMBOL) !== 0n && p.backstops().length === 1 && first.quiet(),
  );
  return Object.assign(p, { first, firstLane, stopFirst, firstDone });
};

/** What the first run left, as the next process reads it from the read models to carry it on. */
const leftBy = (p: Awaited<ReturnType<typeof runHoldingAPosition>>, held: bigint) => ({
  runId: p.first.runId,
  accountId: p.first.runId,
  strategyId: 'ema-cross',
  mode: 'live' as const,
  positions: [{ symbol: SYMBOL, quantity: held }],
  // As the read models list them: the ledger's ids of its orders resting at the exchange.
  workingOrders: p
    .ordersOf(p.first.runId)
    .filter((id) => p.backstops().some((o) => o.clientAlgoId === binanceClientId(id))),
});

/**
 * Drives `second` until it holds what `first` held under a backstop of its own, and checks that the
 * exchange made no trade for it.
 */
const takenOver = async (
  p: Awaited<ReturnType<typeof runHoldingAPosition>>,
  second: RealAccountSession,
  held: bigint,
  cost: bigint,
  tradesBefore: number,
  ladder?: CarriedLadder,
) => {
  await p.drive(
    'the carried position under the new run’s backstop',
    () =>
      second.carriedFrom() !== null &&
      p.backstops().some((o) => p.placedBy(second.runId, o.clientAlgoId)) &&
      second.quiet(),
  );
  const kept =
    ladder === undefined
      ? ''
      : `, with its ladder (${ladder.protective.layer} stop ${ladder.protective.price} ${ladder.protective.status})`;
  expect(p.said).toContain(
    `real ${second.runId}: carries on ${SYMBOL} ${toText(held)} (cost ${toText(cost)}) from ${p.first.runId}${kept}`,
  );
  // The exchange made no trade for it: the position is where it was, under the new run's backstop only.
  expect(p.f.engine.trades()).toHaveLength(tradesBefore);
  expect(p.f.engine.position(SYMBOL)).toBe(held);
  expect(p.backstops().map((o) => p.placedBy(second.runId, o.clientAlgoId))).toEqual([true]);
  expect(second.carriedFrom()).toBe(p.first.runId);
  expect(second.ledgerPositions().get(SYMBOL)).toBe(held);
};

/** The main log's two ledgers: the earlier run's handed the position over, the new one took it at its cost. */
const movedInTheLog = async (
  p: Awaited<ReturnType<typeof runHoldingAPosition>>,
  second: RealAccountSession,
  held: bigint,
  cost: bigint,
) => {
  expect((await p.ledger(p.first.runId))?.qty ?? 0n).toBe(0n);
  expect(await p.ledger(second.runId)).toMatchObject({ qty: held, cost });
  const types = (await p.store.readStream(accountStreamId('binance', p.first.runId))).map((e) => e.type);
  expect(types.at(-1)).toBe('PositionHandedOver');
};

describe('a real run carried on by the next one', () => {
  it('by the next process, after the exchange liquidated part of it meanwhile: books it and trips the lifecycle’s evidence, as a liquidation seen live does', async () => {
    const p = await runHoldingAPosition();
    const { f, first } = p;
    const held = f.engine.position(SYMBOL);
    p.stopFirst.abort();
    await p.stopped(p.firstDone);
    // While no process follows the account, the exchange liquidates half of it (on the 0.001 grid).
    const step = fixed('0.001');
    const abs = held < 0n ? -held : held;
    const part = (abs / 2n / step) * step;
    f.engine.forceClose(SYMBOL, 'liquidation', { quantity: toText(part) });
    await p.reconnect();
    const from = leftBy(p, held);
    const second = p.session({
      carry: {
        from,
        settle: () =>
          settleForCarry(from, {
            ...p.closeOut(p.shared.lane()),
            forcedFills: (symbol, since) => p.acct.forcedFillsSince(symbol, since),
          }),
      },
    });
    await second.prepare();
    const stopSecond = new AbortController();
    const secondDone = second.run(stopSecond.signal);
    await p.drive('the rest taken over', () => second.carriedFrom() !== null && second.quiet());
    expect(p.said.some((l) => /closed [\d.]+ BTCUSDT itself \(liquidation/.test(l))).toBe(true);
    expect(p.said).toContain(
      `real ${second.runId}: the exchange liquidated BTCUSDT of ${first.runId} while no process followed it: the strategy goes off real money, as after a liquidation seen live`,
    );
    expect(second.lifecycleEvidence()?.breakerTripped).toBe(true);
    stopSecond.abort();
    await p.stopped(secondDone);
  }, 120_000);

  it('by the next process: takes over what the crashed run held, with no trade, under a backstop of its own; the log moves it between the ledgers', async () => {
    const p = await runHoldingAPosition();
    const { f, first } = p;
    const held = f.engine.position(SYMBOL);
    const tradesBefore = f.engine.trades().length;
    // It goes away with the position open (its events are in the main log up to here).
    p.stopFirst.abort();
    await p.stopped(p.firstDone);
    const left = await p.ledger(first.runId);
    expect(left?.qty).toBe(held);

    // That process is gone; the next one, an hour later, has its own connection and carries it on.
    await p.reconnect();
    const from = leftBy(p, held);
    // The first run's ladder as the next process reads it from the main log (scripts/start.ts asks the
    // read models which position is the latest: carriedLadders).
    const ladder = ladderOfEvents(
      p.store
        .raw()
        .filter((e) => e.streamId.startsWith(`stops-${first.runId}-`))
        .map((e) => ({ type: e.type, data: e.data }) as StopEvent),
    )!;
    const asked: string[][] = [];
    const second = p.session({
      carry: {
        from,
        settle: () => settleForCarry(from, p.closeOut(p.shared.lane())),
        ladders: async (symbols) => {
          asked.push([...symbols]);
          return new Map([[SYMBOL, ladder]]);
        },
      },
      // The first run's ladders stood at warn (scripts/start.ts reads them: carriedBreakers).
      carriedOn: async () => ({
        breakers: { from: first.runId, strategy: 'warn', account: 'normal' },
        riskState: null,
        // Its lifecycle evidence goes on from the first run's, read back from the main log.
        earlierRuns: [
          {
            runId: first.runId,
            events: await priorEvidence(p.store, 'binance', first.runId, await sentBy(p.store, first.runId)),
          },
        ],
      }),
    });
    await second.prepare();
    const stopSecond = new AbortController();
    const secondDone = second.run(stopSecond.signal);
    await takenOver(p, second, held, left!.cost, tradesBefore, ladder);
    expect(asked).toEqual([[SYMBOL]]);
    expect(p.said).toContain(
      `real ${second.runId}: its breakers start where ${first.runId}'s stood (strategy warn, account normal)`,
    );
    expect(
      (await p.store.readStream(`breaker-strategy-${second.runId}`)).map(
        (e) => e.data as BreakerLevelChangedData,
      ),
    ).toEqual([expect.objectContaining({ from: 'normal', to: 'warn', carriedFrom: first.runId })]);
    // Its ladder goes on where the first run's stood: the same stop, not one armed afresh from the close.
    const placed = p.store
      .raw()
      .filter((e) => e.type === 'StopAdjusted' && e.streamId.startsWith(`stops-${second.runId}-`))
      .map((e) => e.data as StopAdjustedData);
    expect(placed[0]).toMatchObject({
      kind: 'stop',
      action: 'placed',
      layer: ladder.protective.layer,
      price: ladder.protective.price,
      inputs: expect.objectContaining({ carriedFrom: ladder.positionId, entry: ladder.entry }),
    });
    // The next funding the exchange charges on the position is the new run's, all of it: the lane that
    // settled the earlier run follows nothing once it is settled, or the account's split would hand that
    // lane a share no run books.
    const flowsBefore = second.ledgerFlows();
    const charged = f.engine.chargeFunding(SYMBOL, '0.0001', '23000');
    await p.drive(
      'the funding booked',
      () => (second.ledgerFlows() !== flowsBefore || second.unbooked().length > 0) && second.quiet(),
    );
    expect(second.unbooked()).toEqual([]);
    expect(second.ledgerFlows() - flowsBefore).toBe(fixed(charged));
    // The carried warn goes down only by a person, as a paper run's does: refused within the hour's
    // cooldown from the start, then granted (the node's POST /api/breakers/step-down routes here).
    const ask = { to: 'normal' as const, approver: 'user:ana', reason: 'looked at the earlier run' };
    expect(() => stepDownIn([second], second.runId, ask)).toThrow(/cooldown/);
    let stepped: ReturnType<typeof stepDownIn> = null;
    await p.drive('the cooldown over', () => {
      try {
        stepped = stepDownIn([second], second.runId, ask);
        return true;
      } catch (err) {
        if (err instanceof BreakerRuleError && err.rule === 'cooldown') return false;
        throw err;
      }
    });
    expect(stepped).toMatchObject({ level: 'normal' });
    expect(stepDownIn([second], 'real-not-here', ask)).toBeNull();
    // Its lifecycle evidence is the first run's and then its own: the canary's days go on.
    const before = evidenceOf(
      first.runId,
      await priorEvidence(p.store, 'binance', first.runId, await sentBy(p.store, first.runId)),
    );
    // Two marks of its own make its first return (none spans the gap between the runs).
    await p.drive(
      'a return of its own',
      () => second.lifecycleEvidence()!.returns.length > before.returns.length,
    );
    const both = second.lifecycleEvidence()!;
    expect(before.returns.length).toBeGreaterThan(0);
    expect(both.returns.slice(0, before.returns.length)).toEqual(before.returns);
    expect(both.returns.length).toBeGreaterThan(before.returns.length);
    expect(both.trades).toBeGreaterThanOrEqual(before.trades);
    expect(both.days).toBeGreaterThan(before.days);
    // The slippage gate reads the first run's sized fills too (the second took its position over with no
    // trade of its own: without them it would have no figure).
    expect(before.slippageBps).not.toBeNull();
    expect(both.slippageBps).not.toBeNull();
    expect(p.said).toContain(`real ${second.runId}: its lifecycle evidence goes on from ${first.runId}`);
    // What the Lifecycle page lists under the real run, in the order it happened.
    expect(second.wentOnFrom()).toEqual([
      `its lifecycle evidence goes on from ${first.runId}`,
      `its breakers start where ${first.runId}'s stood (strategy warn, account normal)`,
      expect.stringMatching(new RegExp(`^carries on ${SYMBOL} .* from ${first.runId}, with its ladder \\(`)),
    ]);
    stopSecond.abort();
    await p.stopped(secondDone);
    await movedInTheLog(p, second, held, left!.cost);
  }, 120_000);

  it('in the same process (a parameter version put in force): the earlier run trades on until the next is ready, then stops and is settled on its own lane; the next takes the position over with no trade', async () => {
    const p = await runHoldingAPosition();
    const { f, first } = p;
    const tradesBefore = f.engine.trades().length;
    const held = f.engine.position(SYMBOL);
    let tradingWhileWarming = false;
    let settles = 0;
    // The run of version 2, on the same connection and account: it stops the first once it is ready.
    const handOver = handOverCarry(first, p.firstLane, p.closeOut(p.shared.lane()), 'version 2 is in force');
    const second = p.session({
      parameters: { version: 2, params: { fast: 5, slow: 21, trailing: false } },
      carry: {
        ...handOver,
        settle: async () => {
          tradingWhileWarming ||= first.status().state === 'running';
          const settled = await handOver.settle();
          // The first settling leaves something (as an order that would not end does): the start is tried
          // again a second later, and settles the same stopped run again.
          return settles++ === 0 ? { ...settled, left: ['an order that would not end'] } : settled;
        },
      },
    });
    await second.prepare();
    const stopSecond = new AbortController();
    const secondDone = second.run(stopSecond.signal);
    await p.drive('the hand-over', () => first.handedOver && first.status().state === 'finished');
    expect(tradingWhileWarming).toBe(true);
    await p.drive('the start tried again', () => settles === 2);
    expect(p.said.filter((m) => m.includes('is not settled yet: an order that would not end'))).toHaveLength(
      1,
    );
    expect(p.said).toContain(
      `real ${first.runId}: hands its positions over to the next run: version 2 is in force`,
    );
    // The first run's events are all in the main log before it is settled: its ledger still holds it.
    const left = await p.ledger(first.runId);
    expect(left?.qty).toBe(held);
    await takenOver(p, second, held, left!.cost, tradesBefore);
    // A retire after the hand-over changes nothing: the run that took the position over answers for it.
    first.retire('too late');
    expect(first.retired).toBe(false);
    stopSecond.abort();
    p.stopFirst.abort();
    await p.stopped(secondDone);
    await p.firstDone;
    await movedInTheLog(p, second, held, left!.cost);
  }, 120_000);

  it('in the same process, when the earlier run is taken off real money before the next is ready: it closes its own position, and the next takes nothing over', async () => {
    const p = await runHoldingAPosition();
    const { f, first } = p;
    const second = p.session({
      parameters: { version: 2, params: { fast: 5, slow: 21, trailing: false } },
      carry: handOverCarry(first, p.firstLane, p.closeOut(p.shared.lane()), 'version 2 is in force'),
    });
    await second.prepare();
    first.retire('taken off real money: the strategy is at shadow');
    const stopSecond = new AbortController();
    const secondDone = second.run(stopSecond.signal);
    await p.drive(
      'the first run flat and the second trading',
      () => first.status().state === 'finished' && second.status().state === 'running' && second.quiet(),
    );
    // Whether the retired run has finished closing by the time the next is ready is the machine's pace.
    expect(p.said).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^real ${first.runId}: hands nothing over to the next run: it no longer trades \\((running|finished)\\)$`,
        ),
      ),
    );
    expect(first.handedOver).toBe(false);
    expect(second.carriedFrom()).toBeNull();
    expect(f.engine.position(SYMBOL)).toBe(second.ledgerPositions().get(SYMBOL) ?? 0n);
    expect((await p.ledger(first.runId))?.qty ?? 0n).toBe(0n);
    stopSecond.abort();
    await p.stopped(secondDone);
    await p.stopped(p.firstDone);
  }, 120_000);
});
