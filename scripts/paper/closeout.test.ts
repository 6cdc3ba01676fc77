import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import { SharedVenue } from '../../adapters/venue/shared-venue.js';
import { until } from '../../adapters/venue/testing/venue-fixtures.js';
import { type Harness, openHarness } from '../../adapters/venue/testing/venue-harness.js';
import { LedgerHandlers, runOrderStream } from '../../commands/ledger/handlers.js';
import { catalogue } from '../../domain/catalogue.js';
import type { StoredEvent } from '../../domain/events/envelope.js';
import { accountStreamId, evolveAccount, initialAccountState } from '../../domain/ledger/account.js';
import type { AccountEvent } from '../../domain/ledger/events.js';
import { fixed, toText } from '../../domain/ledger/fixed.js';
import { proRata } from '../../domain/ledger/shares.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { persistRun } from '../../replay/audit/persist.js';
import type { PaperClock } from '../../replay/engine/paper.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { enterWithBackstop, openLiveAccountRun, SYMBOL } from '../../replay/engine/testing/live-account.js';
import { type CloseOutOptions, closeOutRun, settleForCarry } from './closeout.js';
import { LogCopier, wholeLog } from './copier.js';
import { realPositionsAt } from './leftovers.js';

/**
 * A real run that an earlier process left behind, closed out by the next one against the local fake
 * Binance: the run traded through the engine with its backstop at the exchange, its events reached the
 * main log, and then its process went away (nothing steps it any more). The next process follows its
 * orders from where the log left them and clears the account.
 */

let first: Harness | null = null;
let second: Harness | null = null;
afterEach(async () => {
  await second?.close();
  await first?.close();
  first = second = null;
});

/** An earlier process: the run enters, its backstop rests at the exchange, its events are in `main`. */
const earlierRun = async () => {
  const run = await openLiveAccountRun({ stopAtrMultiple: 1 }, { 1: 0.5 }, { bufferBps: 50, moveBps: 20 });
  first = run.harness;
  const { harness, engine } = run;
  await enterWithBackstop(run);
  expect(harness.fake.engine.openAlgoOrders({})).toHaveLength(1);
  const main = new MemoryEventStore({ catalogue: catalogue() });
  await persistRun(engine.store.raw(), main);
  const backstop = run.of('OrderRequested').find((e) => (e.data as { type: string }).type === 'STOP_MARKET')!;
  return {
    run,
    main,
    backstopId: (backstop.data as { orderId: string }).orderId,
    stopPrice: fixed((backstop.data as { stopPrice: string }).stopPrice),
    left: {
      runId: engine.config.runId,
      accountId: engine.config.accountId,
      strategyId: engine.config.strategy.id,
      mode: 'live' as const,
      positions: [{ symbol: SYMBOL, quantity: fixed(String(engine.position(SYMBOL))) }],
      workingOrders: [(backstop.data as { orderId: string }).orderId],
    },
  };
};

/** The next process: its own connection to the same account, on a clock the test moves as it waits. */
const nextProcess = async (fake: Harness['fake']) => {
  second = await openHarness({ fake });
  const h = second;
  h.clock.t = first!.clock.now() + 60_000;
  const clock: PaperClock = {
    now: () => h.clock.now(),
    sleep: async (ms) => {
      await new Promise((r) => setTimeout(r, 5));
      h.clock.t += ms;
    },
  };
  const log: string[] = [];
  const book = await instrumentBookOnce();
  const opts: CloseOutOptions = {
    store: new MemoryEventStore({ catalogue: catalogue() }),
    venue: h.venue,
    rules: binanceUsdm,
    instrument: book.get,
    clock,
    newEventId,
    log: (m) => log.push(m),
    forcedFills: (symbol, since) => h.venue.forcedFillsSince(symbol, since),
    fundingCharged: (symbol, since) => h.venue.fundingChargedSince(symbol, since),
    clearanceFees: (symbol, since) => h.venue.clearanceFeesSince(symbol, since),
    fundingSettlement: (symbol, time) => h.venue.fundingSettlementAt(symbol, time),
  };
  return { log, opts: (store: MemoryEventStore): CloseOutOptions => ({ ...opts, store }) };
};

const account = async (store: MemoryEventStore, accountId: string) => {
  let s = initialAccountState();
  for (const e of await store.readStream(accountStreamId(binanceUsdm.venue, accountId)))
    s = evolveAccount(s, e as unknown as AccountEvent);
  return s;
};

const ofOrder = async (store: MemoryEventStore, orderId: string): Promise<StoredEvent[]> => [
  ...(await store.readStream(`order-${orderId}`)),
];

describe('closing out a real run an earlier process left', () => {
  it('books the fills of a backstop that fired while no process followed it, and finds nothing else to do', async () => {
    const { run, main, backstopId, stopPrice, left } = await earlierRun();
    const fake = run.harness.fake;
    // The process is gone; the market falls through the backstop, which closes the position.
    fake.engine.setPrice(SYMBOL, toText(stopPrice - fixed('20')));
    await until(() => fake.engine.position(SYMBOL) === 0n, 'the backstop to close the position');
    const { log, opts } = await nextProcess(fake);
    const leftover = await closeOutRun(left, opts(main));
    expect(leftover).toEqual([]);
    // The backstop's story, as the exchange holds it, is in the run's own order stream.
    const types = (await ofOrder(main, backstopId)).map((e) => e.type);
    expect(types).toEqual(['OrderRequested', 'OrderAccepted', 'OrderTriggered', 'OrderFilled']);
    const trades = fake.engine.trades();
    const filled = (await ofOrder(main, backstopId)).find((e) => e.type === 'OrderFilled')!;
    expect((filled.data as { tradeId: string }).tradeId).toBe(String(trades[1]!.id));
    // The run's ledger is flat, as the account is; no order was sent.
    const a = await account(main, left.accountId);
    expect([...a.positions.values()].every((p) => p.qty === 0n)).toBe(true);
    expect(trades).toHaveLength(2);
    expect(log).toEqual([]);
  });

  it('books a liquidation the exchange made while no process followed the run, and sends nothing', async () => {
    const { run, main, backstopId, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    // The process is gone; the exchange liquidates the position (and expires the backstop first).
    fake.engine.forceClose(SYMBOL, 'liquidation', { price: '26500' });
    const { log, opts } = await nextProcess(fake);
    const leftover = await closeOutRun(left, opts(main));
    expect(leftover).toEqual([]);
    const trade = fake.engine.trades().at(-1)!;
    const settled = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId)))
      .filter((e) => e.type === 'FillSettled')
      .map(
        (e) =>
          e.data as { forced?: string; quantity: string; price: string; tradeId: string; orderId: string },
      );
    expect(settled.at(-1)).toMatchObject({
      forced: 'liquidation',
      quantity: toText(held),
      price: '26500',
      tradeId: String(trade.id),
      orderId: expect.stringMatching(new RegExp(`^autoclose-.+/${trade.orderId}$`)),
    });
    const fee = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId))).at(-1)!;
    expect(fee.data).toMatchObject({
      reason: 'liquidation',
      amount: toText(trade.commission),
      source: 'venue',
    });
    // The backstop the exchange expired is booked so; no closing order went out.
    expect((await ofOrder(main, backstopId)).map((e) => e.type).at(-1)).toBe('OrderExpired');
    expect(fake.engine.trades()).toHaveLength(2);
    const a = await account(main, left.accountId);
    expect([...a.positions.values()].every((p) => p.qty === 0n)).toBe(true);
    expect(log).toEqual([
      `close-out ${left.runId}: the exchange closed ${toText(held)} ${SYMBOL} itself (liquidation at 26500) while no process followed the run; booked`,
    ]);
    // A second close-out finds the liquidation already booked.
    expect(await closeOutRun(left, opts(main))).toEqual([]);
    expect(
      (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId))).filter(
        (e) => (e.data as { forced?: string }).forced !== undefined,
      ),
    ).toHaveLength(1);
  });

  it('books an ADL made while no process followed the run once, however often a close-out runs again', async () => {
    const { run, main, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    const part = (held / 2n / 10n ** 15n) * 10n ** 15n;
    fake.engine.forceClose(SYMBOL, 'adl', { quantity: toText(part), price: '27500' });
    // The first close-out books the ADL; its closing order never reaches the exchange.
    fake.fault({ method: 'POST', path: '/fapi/v1/order', action: 'reset' });
    const first = await closeOutRun(left, (await nextProcess(fake)).opts(main));
    expect(first).toContain(`${left.runId} holds ${SYMBOL} long`);
    // The next process's venue has reported nothing yet: the same ADL is listed again, and not booked twice.
    await second!.close();
    second = null;
    expect(await closeOutRun(left, (await nextProcess(fake)).opts(main))).toEqual([]);
    const forced = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId))).filter(
      (e) => e.type === 'FillSettled' && (e.data as { forced?: string }).forced !== undefined,
    );
    expect(forced.map((e) => (e.data as { quantity: string }).quantity)).toEqual([toText(part)]);
    expect(fake.engine.position(SYMBOL)).toBe(0n);
    const a = await account(main, left.accountId);
    expect([...a.positions.values()].every((p) => p.qty === 0n)).toBe(true);
  });

  it('cancels the resting backstop and closes what the run held, booked in its streams; a second close-out does nothing', async () => {
    const { run, main, backstopId, left } = await earlierRun();
    const fake = run.harness.fake;
    const opts = (await nextProcess(fake)).opts(main);
    expect(await closeOutRun(left, opts)).toEqual([]);
    expect(fake.engine.position(SYMBOL)).toBe(0n);
    expect(fake.engine.openAlgoOrders({})).toEqual([]);
    const backstop = await ofOrder(main, backstopId);
    expect(backstop.map((e) => e.type)).toEqual(['OrderRequested', 'OrderAccepted', 'OrderCancelled']);
    expect(backstop[2]!.metadata).toMatchObject({ actor: 'system:closeout', mode: 'live' });
    const a = await account(main, left.accountId);
    expect([...a.positions.values()].every((p) => p.qty === 0n)).toBe(true);
    // The close is the exchange's second trade, booked as the run's reduce-only order.
    const trades = fake.engine.trades();
    expect(trades).toHaveLength(2);
    const settled = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId)))
      .filter((e) => e.type === 'FillSettled')
      .map((e) => e.data as { tradeId: string; side: string; quantity: string });
    expect(settled.map((s) => [s.tradeId, s.side])).toEqual(trades.map((t) => [String(t.id), t.side]));

    // Once clear, another close-out of the same leftovers finds nothing to send.
    const before = await main.headPosition();
    expect(await closeOutRun(left, opts)).toEqual([]);
    expect(await main.headPosition()).toBe(before);
    expect(fake.engine.trades()).toHaveLength(2);
  });

  it("on a shared account, books this run's share of funding charged during the close-out, and hands the run still trading the symbol its own", async () => {
    const { run, main, left } = await earlierRun();
    const fake = run.harness.fake;
    const next = await nextProcess(fake);
    const shared = new SharedVenue(second!.venue);
    // Another strategy's run trades the same symbol through its own lane of the account, holding as much.
    const held = fake.engine.position(SYMBOL);
    const neighbour = shared.lane();
    neighbour.follow([SYMBOL], () => held);
    // The exchange settles funding on the account's net position (both runs'), just as the close-out starts.
    fake.engine.setPosition(SYMBOL, toText(2n * held));
    const charged = fixed(fake.engine.chargeFunding(SYMBOL, '0.0001', '27000'));
    fake.engine.setPosition(SYMBOL, toText(held));
    await until(() => second!.venue.received >= 1, 'the funding record');
    const closer = shared.lane();
    expect(await closeOutRun(left, { ...next.opts(main), venue: closer })).toEqual([]);
    // The neighbour is handed its half of the figure, not the whole: this run's half stayed here, booked as
    // charged at the settlement's rate and mark. (Step 0 saw the whole figure, which is not the run's alone.)
    const theirs = neighbour
      .poll(second!.clock.now())
      .flatMap((r) => (r.kind === 'funding' ? [fixed(r.amount)] : []));
    expect(theirs).toEqual([charged / 2n]);
    const paid = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId)))
      .filter((e) => e.type === 'FundingPaid')
      .map((e) => e.data);
    expect(paid).toEqual([
      expect.objectContaining({
        amount: toText(charged / 2n),
        source: 'venue',
        rate: '0.0001',
        markPrice: '27000',
      }),
    ]);
    expect(next.log.filter((l) => l.includes('charged during the close-out; booked'))).toHaveLength(1);
    // Once closed out, the lane no longer claims the symbol: later funding is the neighbour's alone.
    fake.engine.setPosition(SYMBOL, toText(held));
    const received = second!.venue.received;
    const later = fixed(fake.engine.chargeFunding(SYMBOL, '0.0001', '27000'));
    await until(() => second!.venue.received > received, 'the second funding record');
    const next2 = neighbour
      .poll(second!.clock.now() + 1)
      .flatMap((r) => (r.kind === 'funding' ? [fixed(r.amount)] : []));
    expect(next2).toEqual([later]);
    expect(shared.fundingUnrouted).toEqual([]);
  });

  it("books funding charged while no process followed the run, where the figure is the run's alone", async () => {
    const { run, main, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    // Two settlements while the node was down: the first on the run's position alone, the second after a
    // person added to it by hand (the account's net position is no longer the run's).
    const at = fake.engine.time();
    const first = fake.engine.chargeFunding(SYMBOL, '0.0001', '27123.45678901', at);
    fake.engine.setPosition(SYMBOL, toText(held * 2n));
    fake.engine.chargeFunding(SYMBOL, '0.0002', '27000', at + 1);
    fake.engine.setPosition(SYMBOL, toText(held));
    const { log, opts } = await nextProcess(fake);
    expect(await closeOutRun(left, opts(main))).toEqual([]);
    const paid = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId)))
      .filter((e) => e.type === 'FundingPaid')
      .map((e) => e.data as { amount: string; source?: string; markPrice: string; rate: string });
    expect(paid).toEqual([
      expect.objectContaining({
        amount: first,
        source: 'venue',
        markPrice: '27123.45678901',
        rate: '0.0001',
      }),
    ]);
    expect(log.filter((l) => l.includes("the exchange's funding"))).toEqual([
      expect.stringMatching(
        /funding -[\d.]+ USDT on BTCUSDT at .*, charged while no process followed the run; booked$/,
      ),
      expect.stringMatching(/is not what the real runs' [\d.]+ then pays: not booked$/),
    ]);
    // Once booked, a second close-out books it no more.
    expect(await closeOutRun(left, opts(main))).toEqual([]);
    const again = (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId))).filter(
      (e) => e.type === 'FundingPaid',
    );
    expect(again).toHaveLength(1);
  });

  it('books its share of funding charged while no process followed it on a symbol another real run held too', async () => {
    const { run, main, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    const at = fake.engine.time();
    // Another strategy's real run bought as much on the same account before the node went down.
    const neighbour = 'real-neighbour';
    const handlers = new LedgerHandlers({
      store: main,
      instrument: (await instrumentBookOnce()).get,
      rules: binanceUsdm,
      newEventId,
      orderStream: runOrderStream,
    });
    const meta = (t: number) => ({
      correlationId: 'neighbour',
      causationId: null,
      actor: 'system:test',
      mode: 'live' as const,
      occurredAt: new Date(t).toISOString(),
    });
    const open = {
      kind: 'OpenAccount',
      accountId: neighbour,
      venue: 'binance',
      marginAsset: 'USDT',
    } as const;
    await handlers.account(
      neighbour,
      { ...open, feeTier: 'VIP0', positionMode: 'one-way' },
      meta(at - 120_000),
    );
    await handlers.account(
      neighbour,
      { kind: 'DepositFunds', transferId: 'd', amount: '10000' },
      meta(at - 120_000),
    );
    await handlers.placeOrder(
      {
        orderId: 'n-1',
        clientOrderId: 'n-1',
        accountId: neighbour,
        venue: 'binance',
        strategyId: 'other',
        symbol: SYMBOL,
        side: 'BUY',
        positionSide: 'BOTH',
        type: 'MARKET',
        quantity: toText(held),
      },
      meta(at - 60_000),
    );
    await handlers.order(neighbour, 'n-1', { kind: 'AcceptOrder', venueOrderId: 'v-n-1' }, meta(at - 60_000));
    await handlers.fillOrder(
      {
        accountId: neighbour,
        clientOrderId: 'n-1',
        tradeId: 'nt-1',
        quantity: toText(held),
        price: '27000',
        liquidity: 'taker',
      },
      meta(at - 60_000),
    );
    // The exchange settles funding on the account's net position, both runs' (rate and mark to the 8th place).
    fake.engine.setPosition(SYMBOL, toText(2n * held));
    const whole = fixed(fake.engine.chargeFunding(SYMBOL, '0.00010017', '27123.45678901', at));
    const streams = [
      accountStreamId(binanceUsdm.venue, left.accountId),
      accountStreamId(binanceUsdm.venue, neighbour),
    ];
    const { log, opts } = await nextProcess(fake);
    const positionsAt = (symbol: string, time: number) => realPositionsAt(main, streams, symbol, time);
    expect(await closeOutRun(left, { ...opts(main), positionsAt })).toEqual([]);
    const paid = (await main.readStream(streams[0]!))
      .filter((e) => e.type === 'FundingPaid')
      .map((e) => e.data);
    // The split every close-out computes alike: by signed positions, the runs in the order of their streams.
    const split = proRata(
      whole,
      [...streams].sort().map(() => held),
      8,
    );
    const ours = split[[...streams].sort().indexOf(streams[0]!)]!;
    expect(paid).toEqual([expect.objectContaining({ amount: toText(ours), source: 'venue' })]);
    expect(log.some((l) => l.includes(`booked this run's share, ${toText(ours)}`))).toBe(true);
    // Without the other runs' positions, the figure is not this run's alone: nothing is booked.
    await second?.close();
    await first?.close();
    const other = await earlierRun();
    const otherFake = other.run.harness.fake;
    otherFake.engine.setPosition(SYMBOL, toText(2n * held));
    otherFake.engine.chargeFunding(SYMBOL, '0.0001', '27000', otherFake.engine.time());
    const alone = await nextProcess(otherFake);
    expect(await closeOutRun(other.left, alone.opts(other.main))).toEqual([]);
    const booked = await other.main.readStream(accountStreamId(binanceUsdm.venue, other.left.accountId));
    expect(booked.filter((e) => e.type === 'FundingPaid')).toEqual([]);
    expect(alone.log.some((l) => /is not what the real runs' [\d.]+ then pays: not booked$/.test(l))).toBe(
      true,
    );
  });

  it("books its share of a liquidation's clearance fee taken while no process followed the run, once", async () => {
    const { run, main, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    // A person had added as much again by hand: the exchange liquidates the whole, and its fee is for the whole.
    fake.engine.setPosition(SYMBOL, toText(held * 2n));
    fake.engine.forceClose(SYMBOL, 'liquidation', { price: '26500', clearanceRate: '0.0125' });
    const { log, opts } = await nextProcess(fake);
    expect(await closeOutRun(left, opts(main))).toEqual([]);
    const stream = accountStreamId(binanceUsdm.venue, left.accountId);
    const fees = async () =>
      (await main.readStream(stream))
        .filter((e) => e.type === 'FeeCharged' && (e.data as { tradeId: string | null }).tradeId === null)
        .map((e) => e.data as { reason: string; amount: string; notional: string; source?: string });
    // The whole fee: 2 × held × 26,500 × 1.25 %; the run's half of it, on the notional it gave up.
    const whole = (2n * held * fixed('26500') * fixed('0.0125')) / 10n ** 36n;
    expect(await fees()).toEqual([
      expect.objectContaining({
        reason: 'liquidation',
        amount: toText(whole / 2n),
        notional: toText((held * fixed('26500')) / 10n ** 18n),
        source: 'venue',
      }),
    ]);
    expect(log.some((l) => l.includes("this run's share of the liquidation"))).toBe(true);
    // A second close-out books it no more.
    expect(await closeOutRun(left, opts(main))).toEqual([]);
    expect(await fees()).toHaveLength(1);
  });

  it('books a liquidation the exchange makes as the close-out starts, and its clearance fee against it', async () => {
    const { run, main, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    const next = await nextProcess(fake);
    // The next process is connected when the exchange liquidates: the trade and the fee come to it as reports.
    fake.engine.forceClose(SYMBOL, 'liquidation', { price: '26500', clearanceRate: '0.0125' });
    await until(() => second!.venue.received >= 2, 'the liquidation and its clearance fee');
    expect(await closeOutRun(left, next.opts(main))).toEqual([]);
    const events = await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId));
    const liquidation = events.find(
      (e) => e.type === 'FillSettled' && (e.data as { forced?: string }).forced,
    );
    expect(liquidation?.data).toMatchObject({
      forced: 'liquidation',
      quantity: toText(held),
      price: '26500',
    });
    const fee = events.filter(
      (e) => e.type === 'FeeCharged' && (e.data as { tradeId: unknown }).tradeId === null,
    );
    expect(fee.map((e) => e.data)).toEqual([
      expect.objectContaining({
        reason: 'liquidation',
        orderId: (liquidation!.data as { orderId: string }).orderId,
        amount: toText((held * fixed('26500') * fixed('0.0125')) / 10n ** 36n),
        source: 'venue',
      }),
    ]);
    expect(next.log.some((l) => l.includes('taken during the close-out; booked'))).toBe(true);
    // Nothing was left to close at market, and a second close-out books the fee no more.
    expect(fake.engine.trades()).toHaveLength(2); // the entry, and the exchange's liquidation
    expect(next.log.some((l) => l.includes('at market'))).toBe(false);
    expect(await closeOutRun(left, next.opts(main))).toEqual([]);
    expect(
      (await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId))).filter(
        (e) => e.type === 'FeeCharged' && (e.data as { tradeId: unknown }).tradeId === null,
      ),
    ).toHaveLength(1);
  });
});

describe('carrying on what a real run of an earlier process left', () => {
  it('settles its orders but not its position, which the next run takes over with no trade; the two ledgers move it in one append', async () => {
    const { run, main, backstopId, left } = await earlierRun();
    const fake = run.harness.fake;
    const held = fake.engine.position(SYMBOL);
    const next = await nextProcess(fake);
    // Settling: the backstop resting at the exchange is cancelled and booked; the position stays open.
    const settled = await settleForCarry(left, next.opts(main));
    expect(settled.left).toEqual([]);
    const before = await account(main, left.accountId);
    const p = before.positions.get(`${SYMBOL}:BOTH`)!;
    expect(settled.held).toEqual([
      { symbol: SYMBOL, quantity: toText(held), cost: toText(p.cost), marginType: 'cross' },
    ]);
    expect(fake.engine.openAlgoOrders({})).toEqual([]);
    expect((await ofOrder(main, backstopId)).map((e) => e.type).at(-1)).toBe('OrderCancelled');
    expect(fake.engine.position(SYMBOL)).toBe(held);
    expect(fake.engine.trades()).toHaveLength(1);
    // The next run, on the same account, wants the long its warm-up ends on: it takes the position over.
    const carrier = await openLiveAccountRun(
      { stopAtrMultiple: 3 },
      { 0: 0.5 },
      { bufferBps: 50, moveBps: 20 },
      8,
      {
        harness: second!,
        runId: 'real-next',
        carry: {
          fromAccount: left.accountId,
          positions: settled.held.map(({ symbol, quantity, cost }) => ({ symbol, quantity, cost })),
        },
      },
    );
    // (Its clock is the next process's, a minute past the earlier run's: its first step is a bar later.)
    const close = carrier.barCloses(carrier.warmupEnd + 2);
    for (let i = 0; carrier.of('OrderAccepted').length < 1; i++) {
      if (i > 2_000) throw new Error('timed out waiting for the carried position’s backstop');
      await carrier.settle(close + 3_599_999);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Its log reaches the main log as a running run's does: the take-over and the hand-over in one append.
    let appendAlls = 0;
    const appendAll = main.appendAll.bind(main);
    main.appendAll = (batches) => {
      appendAlls++;
      return appendAll(batches);
    };
    await new LogCopier(
      wholeLog(() => carrier.engine.store.raw()),
      main,
    ).flush();
    expect(appendAlls).toBe(1);
    const earlierStream = await main.readStream(accountStreamId(binanceUsdm.venue, left.accountId));
    expect(earlierStream.at(-1)!.type).toBe('PositionHandedOver');
    expect(earlierStream.at(-1)!.data).toMatchObject({
      quantity: toText(held),
      cost: toText(p.cost),
      toAccount: 'real-next',
    });
    const a = await account(main, left.accountId);
    const b = await account(main, 'real-next');
    expect([...a.positions.values()].filter((x) => x.qty !== 0n)).toEqual([]);
    expect(b.positions.get(`${SYMBOL}:BOTH`)).toMatchObject({ qty: held, cost: p.cost });
    // Neither ledger realised anything or paid a fee for the move; the exchange made no trade for it, and the
    // carried position rests under the new run's backstop.
    expect(b.totals.realisedPnl).toBe(0n);
    expect(b.totals.fees).toBe(0n);
    expect(a.totals.realisedPnl).toBe(before.totals.realisedPnl);
    expect(fake.engine.trades()).toHaveLength(1);
    expect(fake.engine.position(SYMBOL)).toBe(held);
    const resting = fake.engine.openAlgoOrders({}) as { clientAlgoId: string }[];
    expect(resting.map((o) => o.clientAlgoId.startsWith('real-next'))).toEqual([true]);
  });
});
