import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { newEventId } from '../../adapters/ids/event-id.js';
import type { CcxtVenue } from '../../adapters/venue/ccxt-venue.js';
import { SharedVenue } from '../../adapters/venue/shared-venue.js';
import type { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import { catalogue } from '../../domain/catalogue.js';
import { accountStreamId, evolveAccount, initialAccountState } from '../../domain/ledger/account.js';
import type { AccountEvent } from '../../domain/ledger/events.js';
import { toText } from '../../domain/ledger/fixed.js';
import { binanceUsdm } from '../../domain/ledger/venue.js';
import { Waker } from '../../replay/engine/live.js';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import { connectFakeAccount, fakeBinanceOn } from '../testing/fake-account.js';
import { StepClock } from '../testing/step-clock.js';
import { settleForCarry } from './closeout.js';
import { RealAccountSession } from './real-session.js';

/**
 * A node that crashes with a real position open, and the next one carrying it on: two RealAccountSessions
 * on the fake exchange, the first stopped while it holds a position under its backstop (as a crash or
 * LIVE_ON_STOP=keep leaves it), the second given that run to carry on (what scripts/start.ts does under
 * LIVE_LEFTOVERS=carry).
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

describe('a real run carried on by the next process', () => {
  it('takes over what the crashed run held, with no trade, under a backstop of its own; the log moves it between the ledgers', async () => {
    const clock = new StepClock(FROM - 60_000);
    const started = await fakeBinanceOn(clock, SYMBOL);
    fake = started.fake;
    const { feed } = started;
    const f = fake;
    const wakers = new Set<Waker>();
    /** One process's connection to the account. */
    const connect = () => connectFakeAccount(f, clock, wakers);
    account = await connect();
    let acct = account;
    let shared = new SharedVenue(acct);
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const said: string[] = [];
    const book = await instrumentBookOnce();
    const session = (extra: Partial<ConstructorParameters<typeof RealAccountSession>[0]> = {}) => {
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
        venue: shared.lane(),
        venueName: 'binance',
        waker,
        store,
        clock,
        markEveryMs: 10 * 60_000,
        backstop: { bufferBps: 50, moveBps: 20 },
        configureAccount: (settings) => acct.configure(settings),
        commissionRates: (symbols) => acct.commissionRates(symbols),
        log: (m) => said.push(m),
        ...extra,
      });
    };
    const drive = async (what: string, done: () => boolean, steps = 20_000) => {
      for (let i = 0; !done(); i++) {
        if (i > steps) throw new Error(`timed out waiting for ${what}\n${said.join('\n')}`);
        await clock.step(acct);
      }
    };

    // The first process: its run trades until it holds a position with its backstop resting at the exchange.
    const first = session();
    await first.prepare();
    const stopFirst = new AbortController();
    const firstDone = first.run(stopFirst.signal);
    const backstops = () => f.engine.openAlgoOrders({}) as { clientAlgoId: string }[];
    await drive(
      'a position under its backstop',
      () => f.engine.position(SYMBOL) !== 0n && backstops().length === 1 && first.quiet(),
    );
    const held = f.engine.position(SYMBOL);
    const tradesBefore = f.engine.trades().length;
    // It goes away with the position open (its events are in the main log up to here).
    stopFirst.abort();
    await Promise.race([firstDone, drive('the first run to stop', () => false, 200).catch(() => {})]);
    await firstDone;
    const ledger = async (accountId: string) => {
      let s = initialAccountState();
      for (const e of await store.readStream(accountStreamId('binance', accountId)))
        s = evolveAccount(s, e as unknown as AccountEvent);
      return s.positions.get(`${SYMBOL}:BOTH`);
    };
    const left = await ledger(first.runId);
    expect(left?.qty).toBe(held);

    // That process is gone; the next one, an hour later, has its own connection and carries it on.
    await acct.close();
    wakers.clear();
    clock.t += HOUR;
    account = acct = await connect();
    shared = new SharedVenue(acct);
    const second = session({
      carry: {
        from: {
          runId: first.runId,
          accountId: first.runId,
          strategyId: 'ema-cross',
          mode: 'live',
          positions: [{ symbol: SYMBOL, quantity: held }],
          workingOrders: backstops().map((o) => o.clientAlgoId),
        },
        settle: (l) =>
          settleForCarry(l, {
            store,
            venue: shared.lane(),
            rules: binanceUsdm,
            instrument: book.get,
            clock,
            newEventId,
            log: (m) => said.push(m),
          }),
      },
    });
    await second.prepare();
    const stopSecond = new AbortController();
    const secondDone = second.run(stopSecond.signal);
    await drive(
      'the carried position under the new run’s backstop',
      () =>
        second.carriedFrom() !== null &&
        backstops().some((o) => o.clientAlgoId.startsWith(second.runId)) &&
        second.quiet(),
    );
    expect(said).toContain(
      `real ${second.runId}: carries on ${SYMBOL} ${toText(held)} (cost ${toText(left!.cost)}) from ${first.runId}`,
    );
    // The exchange made no trade for it: the position is where it was, under the new run's backstop only.
    expect(f.engine.trades()).toHaveLength(tradesBefore);
    expect(f.engine.position(SYMBOL)).toBe(held);
    expect(backstops().map((o) => o.clientAlgoId.startsWith(second.runId))).toEqual([true]);
    expect(second.carriedFrom()).toBe(first.runId);
    expect(second.ledgerPositions().get(SYMBOL)).toBe(held);
    stopSecond.abort();
    await secondDone;
    // In the main log the earlier run's ledger handed it over and the new one took it over, at its cost.
    expect((await ledger(first.runId))?.qty ?? 0n).toBe(0n);
    expect(await ledger(second.runId)).toMatchObject({ qty: held, cost: left!.cost });
    const types = (await store.readStream(accountStreamId('binance', first.runId))).map((e) => e.type);
    expect(types.at(-1)).toBe('PositionHandedOver');
  }, 120_000);
});
