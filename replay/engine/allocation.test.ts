import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../domain/events/envelope.js';
import type { AllocationAppliedData } from '../../domain/portfolio/events.js';
import { AllocationApplied } from '../../domain/portfolio/events.js';
import { allocationsIn } from './allocations.js';
import type { RecordedAllocation } from './config.js';
import { Engine } from './engine.js';
import { loadFeeds } from './feeds.js';
import { logHash } from './log-hash.js';
import { prepareRun } from './run.js';

const REQUEST = {
  strategyId: 'ema-cross',
  symbols: ['BTCUSDT', 'ETHUSDT'],
  from: '2023-06-01',
  to: '2023-08-01',
  runId: 'alloc-test',
  mode: 'paper' as const,
};

const engineWith = async (allocations?: readonly RecordedAllocation[]) => {
  const { config } = await prepareRun(REQUEST);
  const { feeds } = loadFeeds(config.symbols, '1h');
  return new Engine({ ...config, ...(allocations ? { allocations } : {}) }, feeds);
};

const DAY = 86_400_000;
const JUNE15 = Date.UTC(2023, 5, 15);

/**
 * A paper run given three allocations between its steps, as the portfolio manager gives them: half size
 * from mid-June, benched at the first hour after June 25th that it holds a position, reinstated at full
 * size nine days later.
 */
const allocatedRun = async () => {
  const engine = await engineWith();
  engine.start();
  const raw = engine.store.raw();
  let exposure = 0;
  let stage = 0;
  let benchedAt = 0;
  while (engine.step()) {
    const last = raw.at(-1);
    if (last?.type === 'EquityMarked') exposure = (last.data as { exposure: number }).exposure;
    // Between steps, once the run's clock has passed the time: where a live driver would call it.
    if (stage === 0 && engine.now >= JUNE15) {
      engine.allocate({
        roundId: 'r1',
        weight: 0.25,
        multiplier: 0.5,
        benched: false,
        benchedUntil: null,
        reason: 'half',
      });
      stage = 1;
    } else if (stage === 1 && engine.now >= JUNE15 + 10 * DAY && exposure > 0) {
      benchedAt = engine.now;
      engine.allocate({
        roundId: 'r2',
        weight: 0,
        multiplier: 0,
        benched: true,
        benchedUntil: benchedAt + 9 * DAY,
        reason: 'bench',
      });
      stage = 2;
    } else if (stage === 2 && engine.now >= benchedAt + 9 * DAY) {
      engine.allocate({
        roundId: 'r3',
        weight: 0.5,
        multiplier: 1,
        benched: false,
        benchedUntil: null,
        reason: 'back',
      });
      stage = 3;
    }
  }
  engine.finish('end-of-data', null);
  expect(stage).toBe(3);
  return engine.store.raw();
};

const data = <T>(e: StoredEvent) => e.data as T;

describe('portfolio allocations in a run', () => {
  it('size follows the multiplier; a bench flattens at once and opens nothing until reinstated', async () => {
    const events = await allocatedRun();
    const applied = events.filter((e) => e.type === 'AllocationApplied');
    expect(applied.map((e) => data<AllocationAppliedData>(e).roundId)).toEqual(['r1', 'r2', 'r3']);
    for (const e of applied) expect(AllocationApplied.schema.safeParse(e.data).success).toBe(true);
    const idx = (id: string) => events.findIndex((e) => e.eventId === id);
    const [r1, r2, r3] = applied.map((e) => idx(e.eventId));
    for (const [i, e] of applied.entries()) expect(data<AllocationAppliedData>(e).seq).toBe([r1, r2, r3][i]);

    // Sizing before r1 carries no allocation; between r1 and r2 it carries 0.5 on half the equity.
    const sized = events.map((e, i) => ({ e, i })).filter(({ e }) => e.type === 'PositionSized');
    type Sized = { inputs: { equity: number; allocation?: number } };
    expect(
      sized.filter(({ i }) => i < r1!).every(({ e }) => data<Sized>(e).inputs.allocation === undefined),
    ).toBe(true);
    const half = sized.filter(({ i }) => i > r1! && i < r2!);
    expect(half.length).toBeGreaterThan(0);
    for (const { e } of half) expect(data<Sized>(e).inputs.allocation).toBe(0.5);

    // The bench: exits right after it, caused by it; no opening order until r3.
    const benchId = applied[1]!.eventId;
    const exits = events.filter((e) => e.type === 'OrderRequested' && e.metadata.causationId === benchId);
    expect(exits.length).toBeGreaterThan(0);
    for (const e of exits) expect(data<{ reduceOnly: boolean }>(e).reduceOnly).toBe(true);
    const benchedOrders = events
      .slice(r2! + 1, r3!)
      .filter((e) => e.type === 'OrderRequested' && !data<{ reduceOnly: boolean }>(e).reduceOnly);
    expect(benchedOrders).toEqual([]);
    // Every settled fill after the bench exits leaves the run flat until r3.
    const settled = events.slice(r2!, r3!).filter((e) => e.type === 'FillSettled');
    expect(settled.length).toBeGreaterThan(0);
    expect(data<{ positionQuantity: string }>(settled.at(-1)!).positionQuantity).toBe('0');
    // Its signals still come and are recorded: sized to zero while benched.
    for (const { e } of sized.filter(({ i }) => i > r2! && i < r3!))
      expect(data<{ result: { quantity: string } }>(e).result.quantity).toBe('0');
    // Reinstated, it trades again.
    expect(
      events
        .slice(r3!)
        .some((e) => e.type === 'OrderRequested' && !data<{ reduceOnly: boolean }>(e).reduceOnly),
    ).toBe(true);
  });

  it('a re-run given the recorded allocations writes the same log', async () => {
    const events = await allocatedRun();
    const recorded = allocationsIn(events);
    const again = await engineWith(recorded);
    again.runToEnd();
    expect(logHash(again.store.raw())).toBe(logHash(events));
    // Without them, the run is another one.
    const plain = await engineWith();
    plain.runToEnd();
    expect(logHash(plain.store.raw())).not.toBe(logHash(events));
  });

  it('a what-if (another log) takes the recorded allocations at the times the run took them', async () => {
    const events = await allocatedRun();
    const recorded = allocationsIn(events);
    const { config } = await prepareRun({ ...REQUEST, params: { fast: 12 } });
    const variant = new Engine(
      { ...config, allocations: recorded, allocationsBy: 'time' },
      loadFeeds(config.symbols, '1h').feeds,
    );
    variant.runToEnd();
    const applied = variant.store.raw().filter((e) => e.type === 'AllocationApplied');
    expect(applied.map((e) => (e.data as AllocationAppliedData).roundId)).toEqual(['r1', 'r2', 'r3']);
    // Each at the first step past the time it was taken: the same hour, whatever the counts of events.
    expect(applied.map((e) => Date.parse(e.metadata.occurredAt))).toEqual(recorded.map((a) => a.at));
    expect(applied.map((e) => (e.data as AllocationAppliedData).seq)).not.toEqual(recorded.map((a) => a.seq));
  });

  it('refuses a negative or non-finite multiplier, and an allocation after the run finished', async () => {
    const engine = await engineWith();
    const a = { roundId: 'x', weight: 0.5, multiplier: -1, benched: false, benchedUntil: null, reason: '' };
    expect(() => engine.allocate(a)).toThrow(/multiplier/);
    expect(() => engine.allocate({ ...a, multiplier: Number.NaN })).toThrow(/multiplier/);
    engine.runToEnd();
    expect(() => engine.allocate({ ...a, multiplier: 1 })).toThrow(/finished/);
  });
});
