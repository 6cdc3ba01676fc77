import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { setRiskLimits } from '../../commands/risk/set-limits.js';
import { catalogue } from '../../domain/catalogue.js';
import { IdempotencyConflictError } from '../../domain/events/errors.js';
import { evidenceOf } from '../../domain/lifecycle/evidence.js';
import { paperRunEvents } from '../../projections/testing/paper-fixture.js';
import { rerun } from '../../replay/audit/rerun.js';
import type { Engine } from '../../replay/engine/engine.js';
import { LogCopier, wholeLog } from './copier.js';
import { PaperSession, paperRunId } from './session.js';

const newStore = () => new MemoryEventStore({ catalogue: catalogue() });
const ids = (s: MemoryEventStore) => s.raw().map((e) => e.eventId);

describe('LogCopier', () => {
  it('copies in order, and after a restart resumes exactly after the prefix already in the target', async () => {
    const events = await paperRunEvents('ema-cross', 'paper-copier-test', '2023-06-08');
    const target = newStore();
    const half = Math.floor(events.length / 2);
    await new LogCopier(
      wholeLog(() => events.slice(0, half)),
      target,
    ).flush();
    expect(target.raw().length).toBe(half);

    const resumed = new LogCopier(
      wholeLog(() => events),
      target,
    );
    expect(await resumed.resume()).toBe(half);
    expect(await resumed.flush()).toBe(events.length - half);
    expect(ids(target)).toEqual(events.map((e) => e.eventId));
    expect(target.raw().map((e) => e.streamId)).toEqual(events.map((e) => e.streamId));
  });

  it('copies on across a release of what it copied, and refuses to skip what was released before it was copied', async () => {
    const events = await paperRunEvents('ema-cross', 'paper-copier-release', '2023-06-08');
    const held = { events: events.slice(0, 40), released: 0 };
    const log = {
      raw: () => held.events,
      get released() {
        return held.released;
      },
    };
    const target = newStore();
    const copier = new LogCopier(log, target);
    await copier.flush();
    // The run lets go of the first 30 (copied) and writes 20 more.
    held.released = 30;
    held.events = events.slice(30, 60);
    expect(await copier.flush()).toBe(20);
    expect(ids(target)).toEqual(events.slice(0, 60).map((e) => e.eventId));
    // A log that let go of events nobody copied is a bug, not something to paper over.
    const early = new LogCopier({ raw: () => events.slice(10, 20), released: 10 }, newStore());
    await expect(early.flush()).rejects.toThrow('events 1–10 were released before they were copied');
  });

  it('a batch straddling copied and uncopied events is refused by the store: why copying resumes at the prefix', async () => {
    const events = await paperRunEvents('ema-cross', 'paper-copier-test2', '2023-06-05');
    const i = events.findIndex((e, k) => k > 0 && events[k + 1]?.streamId === e.streamId);
    const target = newStore();
    await new LogCopier(
      wholeLog(() => events.slice(0, i + 1)),
      target,
    ).flush();
    const batch = [events[i]!, events[i + 1]!].map(({ eventId, type, data, metadata }) => {
      const { recordedAt: _r, ...m } = metadata;
      return { eventId, type, data, metadata: m };
    });
    await expect(target.append(events[i]!.streamId, 'any', batch)).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
  });
});

describe('LogCopier and a position moved between two runs', () => {
  const meta = {
    correlationId: 'carry:run-b',
    causationId: null,
    actor: 'system:ledger',
    mode: 'live',
    occurredAt: '2023-06-01T00:00:05.000Z',
  } as const;
  const moved = {
    symbol: 'BTCUSDT',
    positionSide: 'BOTH',
    strategyId: 'ema-cross',
    quantity: '0.05',
    cost: '1300',
    entryPrice: '26000',
  };
  const [E1, E2, E3, E4] = [1, 2, 3, 4].map((i) => `0190a0b0-0000-7000-8000-00000000000${i}`) as [
    string,
    string,
    string,
    string,
  ];
  /** A run's log: it takes run-a's position over, run-a's ledger gives it up, then the run goes on. */
  const carryLog = async () => {
    const source = newStore();
    await source.append('account-binance:run-b', 'any', [
      { eventId: E1, type: 'FundsDeposited', data: { transferId: 'd', amount: '100' }, metadata: meta },
      { eventId: E2, type: 'PositionTakenOver', data: { ...moved, fromAccount: 'run-a' }, metadata: meta },
    ]);
    await source.append('account-binance:run-a', 'any', [
      { eventId: E3, type: 'PositionHandedOver', data: { ...moved, toAccount: 'run-b' }, metadata: meta },
    ]);
    await source.append('account-binance:run-b', 'any', [
      { eventId: E4, type: 'FundsDeposited', data: { transferId: 'd2', amount: '1' }, metadata: meta },
    ]);
    return wholeLog(() => source.raw());
  };

  it('writes the take-over and the hand-over behind it in one transaction', async () => {
    const target = newStore();
    const together: string[][] = [];
    const appendAll = target.appendAll.bind(target);
    target.appendAll = (batches) => {
      together.push(batches.flatMap((b) => b.events.map((e) => e.eventId)));
      return appendAll(batches);
    };
    expect(await new LogCopier(await carryLog(), target).flush()).toBe(4);
    expect(together).toEqual([[E1, E2, E3]]);
    expect(ids(target)).toEqual([E1, E2, E3, E4]);
  });

  it('leaves neither in the log when that transaction fails: the position is never in both ledgers, or in none', async () => {
    const target = newStore();
    target.appendAll = () => Promise.reject(new Error('connection lost'));
    const copier = new LogCopier(await carryLog(), target);
    await expect(copier.flush()).rejects.toThrow('connection lost');
    expect(ids(target)).toEqual([]);
    expect(copier.position).toBe(0);
  });
});

describe('PaperSession', () => {
  const opts = {
    strategyId: 'ema-cross',
    symbols: ['BTCUSDT', 'ETHUSDT'],
    from: '2023-11-15',
    warmupDays: 5,
  };

  it('has a stable run id per strategy, start and symbol set', () => {
    expect(paperRunId('ema-cross', '2023-06-01', ['ETHUSDT', 'BTCUSDT'])).toBe(
      paperRunId('ema-cross', '2023-06-01', ['BTCUSDT', 'ETHUSDT']),
    );
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'])).not.toBe(
      paperRunId('ema-cross', '2023-06-01', ['BTCUSDT', 'ETHUSDT']),
    );
    // A promoted parameter version is a run of its own; the defaults (version 0) keep the plain id.
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'], 0)).toBe(
      paperRunId('ema-cross', '2023-06-01', ['BTCUSDT']),
    );
    // The engine's log version ends the id: a run an earlier engine wrote is another run.
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'])).toMatch(
      /^paper-ema-cross-20230601-[0-9a-f]{6}-e6$/,
    );
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'], 3)).toBe(
      `${paperRunId('ema-cross', '2023-06-01', ['BTCUSDT']).replace(/-e6$/, '')}-v3-e6`,
    );
  });

  it('a restart continues the same run: the log ends identical to an uninterrupted run, no event twice', async () => {
    // Reference: the whole run at once.
    const reference = newStore();
    const whole = new PaperSession({ ...opts, speed: 1e12, store: reference });
    await whole.prepare();
    await whole.fastForward();
    await whole.run(new AbortController().signal);
    expect(whole.status().state).toBe('finished');

    // Interrupted: paced, stopped after a while, then restarted.
    const target = newStore();
    const first = new PaperSession({ ...opts, speed: 3_600 * 40, store: target, flushMs: 20 });
    await first.prepare();
    await first.fastForward();
    const stop = new AbortController();
    const running = first.run(stop.signal);
    await new Promise((r) => setTimeout(r, 600));
    stop.abort();
    await running;
    const before = target.raw().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(reference.raw().length);

    const second = new PaperSession({ ...opts, speed: 1e12, store: target });
    await second.prepare();
    expect(await second.fastForward()).toBe(before);
    await second.run(new AbortController().signal);
    expect(ids(target)).toEqual(ids(reference));
    expect(new Set(ids(target)).size).toBe(target.raw().length);
    expect(
      target
        .raw()
        .some((e) => e.type === 'RunCompleted' && (e.data as { reason: string }).reason === 'stopped'),
    ).toBe(false);
  });

  it('books the account’s own rates it started with, and keeps them across a restart whatever is set then', async () => {
    const rebate = { maker: '-0.00005', taker: '0.0003' };
    const reference = newStore();
    const whole = new PaperSession({ ...opts, speed: 1e12, store: reference, feeRates: rebate });
    await whole.prepare();
    await whole.fastForward();
    await whole.run(new AbortController().signal);
    const rates = (s: MemoryEventStore) =>
      s
        .raw()
        .filter((e) => e.type === 'FeeRatesSet')
        .map((e) => e.data);
    expect(rates(reference)).toEqual(
      opts.symbols.map((symbol) => ({ symbol, makerRate: '-0.00005', takerRate: '0.0003' })),
    );
    const taker = reference
      .raw()
      .find((e) => e.type === 'FeeCharged' && (e.data as { amount: string }).amount !== '0')!.data as {
      rate: string;
    };
    expect(taker.rate).toBe('0.0003');

    const target = newStore();
    const first = new PaperSession({
      ...opts,
      speed: 3_600 * 40,
      store: target,
      flushMs: 20,
      feeRates: rebate,
    });
    await first.prepare();
    await first.fastForward();
    const stop = new AbortController();
    const running = first.run(stop.signal);
    await new Promise((r) => setTimeout(r, 600));
    stop.abort();
    await running;
    const before = target.raw().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(reference.raw().length);
    // Restarted with other rates set (or none): the run goes on by the ones it recorded.
    const second = new PaperSession({ ...opts, speed: 1e12, store: target });
    await second.prepare();
    expect(await second.fastForward()).toBe(before);
    await second.run(new AbortController().signal);
    expect(ids(target)).toEqual(ids(reference));
    expect(await rerun(target, second.runId)).toMatchObject({ identical: true });
  });

  it('takes the desk’s limit changes: those recorded before it trades, and one handed over mid-run, each once across a restart', async () => {
    const target = newStore();
    const before = uuidv7();
    await setRiskLimits(
      target,
      {
        scope: 'defaults',
        key: null,
        limits: { maxLeverage: 8 },
        approver: 'user:alice',
        reason: 'desk-wide cap',
        at: Date.UTC(2023, 10, 1),
      },
      before,
    );
    const first = new PaperSession({ ...opts, speed: 3_600 * 40, store: target, flushMs: 20 });
    await first.prepare();
    await first.fastForward();
    const stop = new AbortController();
    const running = first.run(stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    const mid = {
      changeId: 'change-mid',
      scope: 'symbol' as const,
      key: 'ETHUSDT',
      limits: { maxPositionNotional: 3_000 },
    };
    first.applyRiskLimits(mid);
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await running;

    const second = new PaperSession({ ...opts, speed: 1e12, store: target });
    await second.prepare();
    await second.fastForward();
    // Handed over again after the restart (the node hands every change to every run): already taken.
    second.applyRiskLimits(mid);
    await second.run(new AbortController().signal);
    const applied = target.raw().filter((e) => e.type === 'RiskLimitsApplied');
    expect(applied.map((e) => (e.data as { changeId: string }).changeId)).toEqual([before, 'change-mid']);
    expect(new Set(ids(target)).size).toBe(target.raw().length);
    // The whole run, both changes where it took them, re-runs from the log alone.
    const report = await rerun(target, first.runId);
    expect(report.divergence).toBeNull();
    expect(report.identical).toBe(true);
  });

  it('counts for the lifecycle only what it did from its start: the traded lead-in is not paper evidence', async () => {
    const target = newStore();
    const session = new PaperSession({ ...opts, strategyId: 'vol-breakout', speed: 1e12, store: target });
    await session.prepare();
    await session.fastForward();
    const engine = (session as unknown as { engine: Engine }).engine;
    const from = Date.parse(`${opts.from}T00:00:00Z`);
    // Three days of the run proper after the five-day lead-in.
    while (engine.nextTime() < from + 3 * 86_400_000 && engine.step()) {}
    await (session as unknown as { copier: LogCopier }).copier.flush();
    // The lead-in traded: orders filled before the start.
    const early = target
      .raw()
      .filter((e) => e.type === 'OrderFilled' && Date.parse(e.metadata.occurredAt) < from);
    expect(early.length).toBeGreaterThan(0);
    const ev = session.lifecycleEvidence()!;
    // Folding the whole log would say about eight days (the lead-in's five and the three since).
    expect(evidenceOf(session.runId, target.raw()).days).toBeGreaterThan(7);
    expect(ev.days).toBeGreaterThan(2.9);
    expect(ev.days).toBeLessThanOrEqual(3);
    const closesSince = target
      .raw()
      .filter(
        (e) =>
          e.type === 'FillSettled' &&
          (e.data as { realisedPnl: string }).realisedPnl !== '0' &&
          Date.parse(e.metadata.occurredAt) >= from,
      ).length;
    expect(ev.trades).toBe(closesSince);
  });

  it('keeps in memory only what it has not copied yet: the copied part of a long run is let go', async () => {
    const target = newStore();
    const session = new PaperSession({
      ...opts,
      speed: 3_600 * 2_000,
      store: target,
      flushMs: 5,
      releaseBatch: 100,
    });
    await session.prepare();
    await session.fastForward();
    const engine = (session as unknown as { engine: Engine }).engine;
    let mostHeld = 0;
    const watch = setInterval(() => {
      mostHeld = Math.max(mostHeld, engine.store.raw().length);
    }, 1);
    await session.run(new AbortController().signal);
    clearInterval(watch);
    expect(session.status().state).toBe('finished');
    // Everything reached the main store, in order, once; the engine's log let go of most of it on the way.
    expect(target.raw().length).toBe(engine.store.total);
    expect(session.status().events).toBe(engine.store.total);
    expect(engine.store.released).toBeGreaterThan(0);
    expect(engine.store.released + engine.store.raw().length).toBe(engine.store.total);
    expect(ids(target).slice(engine.store.released)).toEqual(engine.store.raw().map((e) => e.eventId));
    expect(mostHeld).toBeLessThan(engine.store.total / 3);
    // The run's folds read every event before it went: its evidence is the whole run's.
    const record = session.record(0);
    const marks = target.raw().filter((e) => e.type === 'EquityMarked').length;
    expect(record.marks.length).toBeGreaterThan(0);
    expect(record.marks.length).toBeLessThanOrEqual(marks);
    // A released log is no store to read: it says where to read instead.
    await expect(engine.store.readAll(0, 10)).rejects.toThrow(/released its first \d+ events/);
  });
});
