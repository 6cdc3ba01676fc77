import { uuidv7 } from 'uuidv7';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../adapters/eventstore/memory-event-store.js';
import { ParameterVersionHandlers } from '../commands/optimizer/parameter-versions.js';
import { catalogue } from '../domain/catalogue.js';
import type { EventMetadata, StoredEvent } from '../domain/events/envelope.js';
import type { CanaryPlan } from '../domain/optimizer/canary.js';
import { passingEvidence } from '../domain/optimizer/test-fixtures.js';
import { wallClock } from '../replay/engine/paper.js';
import { type CanaryRunSpec, PaperFleet } from './paper/fleet.js';
import { type PaperRun, type PaperRunStatus, paperRunId } from './paper/session.js';
import { type CanaryFleet, ParameterCanaryManager } from './parameter-canary.js';

/**
 * Automation 2 in the node, on the real BTCUSDT bars: a passing proposal trades as a canary beside the
 * version in force, at its share; the judge adopts it (it takes over the whole capital, the run it replaced
 * is flattened) and a person's rollback of the next one is followed; a restart resumes the adopted run
 * exactly where it was, allocations and all.
 */

const SYMBOLS = ['BTCUSDT'];
const FROM = '2023-06-01';
const good = passingEvidence;
// The paired test is set so it never fires on 48 hours: the test is about the mechanics, not the verdict.
const plan: CanaryPlan = {
  share: 0.1,
  minHours: 48,
  minTrades: 0,
  maxHours: 500,
  maxDrawdown: 0.9,
  confidence: 0.95,
  minPairs: 10_000,
};
const meta = (actor: string): EventMetadata => ({
  correlationId: 'canary-e2e',
  causationId: null,
  actor,
  mode: 'paper',
  occurredAt: '2023-06-01T00:00:00.000Z',
});

const stops: AbortController[] = [];
const fleets: PaperFleet[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) s.abort();
  await Promise.all(fleets.splice(0).map((f) => f.stopped()));
});

const fleetOn = (
  store: MemoryEventStore,
  logs: string[],
  extra: Partial<ConstructorParameters<typeof PaperFleet>[0]> = {},
) =>
  new PaperFleet({
    strategies: ['ema-cross'],
    symbols: SYMBOLS,
    from: FROM,
    speed: 400_000,
    warmupDays: 2,
    store,
    log: (m) => logs.push(m),
    ...extra,
  });

const until = async (what: string, ok: () => Promise<boolean> | boolean, turn: () => Promise<void>) => {
  const deadline = Date.now() + 90_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await turn();
    await new Promise((r) => setTimeout(r, 15));
  }
};

const runEvents = (store: MemoryEventStore, runId: string): StoredEvent[] =>
  store.raw().filter((e) => e.streamId === `run-${runId}`);

describe('parameter canary in the node', () => {
  it('starts, judges and adopts a canary, follows a person’s rollback of the next, and resumes exactly after a restart', async () => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const h = new ParameterVersionHandlers(store, uuidv7);
    const logs: string[] = [];
    const propose = (proposalId: string, params: Record<string, number>) =>
      h.handle(
        'ema-cross',
        {
          kind: 'ProposeParameterSet',
          strategyId: 'ema-cross',
          proposalId,
          runId: `run-${proposalId}`,
          params,
          method: 'cmaes',
          trials: 40,
          walkForward: null,
          evidence: good,
          autoPromote: false,
        },
        meta('system:optimizer'),
      );
    await propose('p1', { fast: 8, slow: 30 });

    const fleet = fleetOn(store, logs);
    fleets.push(fleet);
    await fleet.prepare();
    const stop = new AbortController();
    stops.push(stop);
    fleet.start(stop.signal);
    const manager = new ParameterCanaryManager({
      handlers: h,
      strategies: ['ema-cross'],
      fleet,
      plan,
      marketNow: () => fleet.now(),
      clock: wallClock,
      minWallMs: 0,
      log: (m) => logs.push(m),
    });
    const turn = () => manager.turn();
    const incumbentId = fleet.inForceRun('ema-cross')!.runId;

    // 1. The canary starts at the runs' market time, as a run of its own sized at its share.
    await until('the canary', () => fleet.canaryRun('ema-cross') !== undefined, turn);
    const started = (await h.state('ema-cross')).canary!;
    expect(started).toMatchObject({ version: 1, incumbentVersion: 0, params: { fast: 8, slow: 30 }, plan });
    expect(started.startedAt).toBeGreaterThanOrEqual(Date.parse(`${FROM}T00:00:00Z`));
    const day = new Date(started.startedAt).toISOString().slice(0, 10);
    const canary = fleet.canaryRun('ema-cross')!;
    expect(canary.runId).toBe(paperRunId('ema-cross', day, SYMBOLS, 1));
    const own = canary.status();
    expect(fleet.status().find((s) => s.runId === own.runId)!.parameters).toEqual({
      version: 1,
      role: 'canary',
    });
    await until('the canary copied', () => runEvents(store, canary.runId).length > 1, turn);
    const first = runEvents(store, canary.runId).slice(0, 2);
    expect(first.map((e) => e.type)).toEqual(['RunStarted', 'AllocationApplied']);
    expect(first[1]!.data).toMatchObject({ multiplier: 0.1, benched: false, roundId: 'canary-v1' });

    // 2. The judge adopts it after 48 market hours: v1 in force, the canary's run takes over, v0's is benched.
    await until('the adoption', async () => (await h.state('ema-cross')).active === 1, turn);
    const log = await store.readStream('parameters-ema-cross');
    const concluded = log.find((e) => e.type === 'ParameterCanaryConcluded')!;
    expect(concluded.data).toMatchObject({ outcome: 'adopted', by: 'automatic', version: 1 });
    expect((concluded.data as { evidence: { hours: number } }).evidence.hours).toBeGreaterThanOrEqual(48);
    expect(log.at(-1)).toMatchObject({
      type: 'ParameterSetPromoted',
      data: { version: 1, previousVersion: null },
    });
    // The fleet acts within the same turn.
    expect(fleet.inForceRun('ema-cross')!.runId).toBe(canary.runId);
    expect(fleet.canaryRun('ema-cross')).toBeUndefined();
    const roles = Object.fromEntries(fleet.status().map((s) => [s.runId, s.parameters]));
    expect(roles).toEqual({
      [canary.runId]: { version: 1, role: 'in-force' },
      [incumbentId]: { version: 0, role: 'replaced' },
    });
    await until(
      'the allocations copied',
      () =>
        runEvents(store, canary.runId).filter((e) => e.type === 'AllocationApplied').length === 2 &&
        runEvents(store, incumbentId).some((e) => e.type === 'AllocationApplied'),
      turn,
    );
    const lastOf = (runId: string) =>
      runEvents(store, runId)
        .filter((e) => e.type === 'AllocationApplied')
        .at(-1)!;
    expect(lastOf(canary.runId).data).toMatchObject({ multiplier: 1, roundId: 'adopted-v1' });
    expect(lastOf(incumbentId).data).toMatchObject({
      multiplier: 0,
      benched: true,
      roundId: 'replaced-by-v1',
    });
    expect(fleet.now()).toBe(canary.simTime); // the replaced run no longer holds the clock

    // 3. The next proposal's canary, rolled back by a person: the fleet drops it within a turn.
    await propose('p2', { fast: 10, slow: 40 });
    await until('the second canary', () => fleet.canaryRun('ema-cross') !== undefined, turn);
    const second = fleet.canaryRun('ema-cross')!;
    expect(second.runId).toMatch(/-v2-e6$/);
    await h.handle(
      'ema-cross',
      { kind: 'RejectParameterSet', proposalId: 'p2', reason: 'not now' },
      meta('user:alice'),
    );
    await turn();
    expect(fleet.canaryRun('ema-cross')).toBeUndefined();
    expect(fleet.status().find((s) => s.runId === second.runId)!.parameters).toEqual({
      version: 2,
      role: 'replaced',
    });
    expect(logs.some((m) => /parameter canary ema-cross: version 2 rolled back/.test(m))).toBe(true);

    // 4. A restart: v1 is in force through its canary, so its run (from the canary's day) resumes, and the
    // replay (allocations applied at the same event counts) reproduces every event the log holds.
    stop.abort();
    await fleet.stopped();
    const copied = fleet.status().find((s) => s.runId === canary.runId)!.copied;
    const st = await h.state('ema-cross');
    expect(st.runStarts.get(1)).toBe(started.startedAt);
    const again = fleetOn(store, logs, {
      parameters: new Map([['ema-cross', { version: 1, params: st.versions.get(1)!, from: day }]]),
    });
    fleets.push(again);
    await again.prepare();
    expect(again.inForceRun('ema-cross')!.runId).toBe(canary.runId);
    expect(again.status()[0]!.copied).toBe(copied);
    expect(logs).toContain(`paper ${canary.runId}: resumed after ${copied} events already in the log`);

    // 5. A person rolls back to the schema defaults: the run v0 had is replayed from the log (it ends
    // benched by its replacement), reinstated at full size, and v1's run is flattened.
    const stop2 = new AbortController();
    stops.push(stop2);
    again.start(stop2.signal);
    const manager2 = new ParameterCanaryManager({
      handlers: h,
      strategies: ['ema-cross'],
      fleet: again,
      plan,
      marketNow: () => again.now(),
      clock: wallClock,
      minWallMs: 0,
      log: (m) => logs.push(m),
    });
    await h.handle(
      'ema-cross',
      { kind: 'RollBackParameters', toVersion: 0, reason: 'back to the defaults', at: again.now()! },
      meta('user:alice'),
    );
    await manager2.turn();
    const back = again.inForceRun('ema-cross')!;
    expect(back.runId).toBe(incumbentId);
    expect(back.allocationNow?.()).toMatchObject({ multiplier: 1, benched: false });
    expect(back.allocationNow?.()?.roundId).toMatch(/^reinstated-v0-\d+$/);
    expect(logs.some((m) => m.startsWith(`paper ${incumbentId}: resumed after `))).toBe(true);
    expect(Object.fromEntries(again.status().map((x) => [x.runId, x.parameters?.role]))).toEqual({
      [incumbentId]: 'in-force',
      [canary.runId]: 'replaced',
    });
    expect(again.inForceRun('ema-cross')).toBe(back);
    // v1's run, once flat, is stopped: it stays listed, finished.
    await until(
      'the replaced run stopped',
      () => again.status().find((x) => x.runId === canary.runId)?.state === 'finished',
      () => manager2.turn(),
    );
    expect(again.status()).toHaveLength(2);
    expect(again.inForceRun('ema-cross')!.runId).toBe(incumbentId);
    // Back to v1: its stopped run is opened again from the log, not listed twice, and given its capital back.
    await h.handle(
      'ema-cross',
      { kind: 'RollBackParameters', toVersion: 1, reason: 'v1 after all', at: again.now()! },
      meta('user:alice'),
    );
    await manager2.turn();
    const v1 = again.inForceRun('ema-cross')!;
    expect(v1.runId).toBe(canary.runId);
    expect(v1.allocationNow?.()).toMatchObject({ multiplier: 1, benched: false });
    expect(again.status().map((x) => [x.runId, x.parameters?.role])).toEqual([
      [canary.runId, 'in-force'],
      [incumbentId, 'replaced'],
    ]);
  }, 150_000);
});

/** A run as the manager sees it: a clock, a state and a record, nothing traded. */
const stubRun = (
  runId: string,
  version: number,
  at: () => number,
  state: PaperRunStatus['state'] = 'running',
) =>
  ({
    runId,
    paramsVersion: version,
    get simTime() {
      return at();
    },
    status: () => ({ state, error: state === 'failed' ? 'engine broke' : null }) as PaperRunStatus,
    record: () => ({ marks: [], trades: 0, breakerTripped: false }),
  }) as unknown as PaperRun;

class StubFleet implements CanaryFleet {
  readonly calls: string[] = [];
  canary: PaperRun | undefined;
  constructor(
    private readonly at: () => number,
    private readonly canaryState: PaperRunStatus['state'] | 'cannot-start',
  ) {}
  inForceRun = () => {
    const run = stubRun(`in-force-v${this.inForceVersion}`, this.inForceVersion, this.at);
    return {
      ...run,
      simTime: this.at(),
      record: () => ({ marks: [], trades: 0, breakerTripped: this.breaker }),
    } as PaperRun;
  };
  canaryRun = () => this.canary;
  async addCanary(_s: string, c: CanaryRunSpec) {
    this.calls.push(`add v${c.version}`);
    if (this.canaryState === 'cannot-start') return null;
    this.canary = stubRun(`canary-v${c.version}`, c.version, this.at, this.canaryState);
    return this.canary;
  }
  adopt(_s: string, why: string) {
    this.calls.push(`adopt: ${why}`);
    this.inForceVersion = this.canary?.paramsVersion ?? this.inForceVersion;
    this.canary = undefined;
  }
  dropCanary(_s: string, why: string) {
    this.calls.push(`drop: ${why}`);
    this.canary = undefined;
  }
  inForceVersion = 0;
  breaker = false;
  async switchTo(_s: string, v: { version: number; since?: number }) {
    this.calls.push(`switch to v${v.version}${v.since !== undefined ? ` since ${v.since}` : ''}`);
    this.inForceVersion = v.version;
    return true;
  }
  reinstateIfReplaced() {}
  stopIdleReplaced() {}
}

describe('parameter canary manager (stub runs)', () => {
  const setUp = async (canaryState: PaperRunStatus['state'] | 'cannot-start') => {
    const store = new MemoryEventStore({ catalogue: catalogue() });
    const h = new ParameterVersionHandlers(store, uuidv7);
    await h.handle(
      'ema-cross',
      {
        kind: 'ProposeParameterSet',
        strategyId: 'ema-cross',
        proposalId: 'p1',
        runId: 'r',
        params: { fast: 8 },
        method: 'cmaes',
        trials: 10,
        walkForward: null,
        evidence: good,
        autoPromote: false,
      },
      meta('system:optimizer'),
    );
    const now = Date.UTC(2023, 6, 1, 5);
    const fleet = new StubFleet(() => now, canaryState);
    const logs: string[] = [];
    const manager = new ParameterCanaryManager({
      handlers: h,
      strategies: ['ema-cross'],
      fleet,
      plan,
      marketNow: () => now,
      clock: wallClock,
      minWallMs: 0,
      log: (m) => logs.push(m),
    });
    return { h, store, fleet, manager, logs, now };
  };

  it('rolls back a canary whose run cannot start, or whose run failed, with the reason', async () => {
    const concluded = async (store: MemoryEventStore) =>
      (await store.readStream('parameters-ema-cross')).find((e) => e.type === 'ParameterCanaryConcluded')
        ?.data;
    const a = await setUp('cannot-start');
    await a.manager.turn();
    expect(await a.h.state('ema-cross')).toMatchObject({ canary: null, active: null, lastVersion: 1 });
    expect(a.fleet.calls).toEqual([
      'add v1',
      'drop: parameter version 1 rolled back: its run could not start',
    ]);
    expect(await concluded(a.store)).toMatchObject({ outcome: 'rolled-back', by: 'automatic', at: a.now });
    const b = await setUp('failed');
    await b.manager.turn(); // starts it
    await b.manager.turn(); // sees its run failed
    expect(b.fleet.calls).toEqual([
      'add v1',
      'drop: parameter version 1 rolled back: its run failed: engine broke',
    ]);
    expect(await concluded(b.store)).toMatchObject({
      outcome: 'rolled-back',
      reason: 'its run failed: engine broke',
    });
    // Nothing more is started: the proposal was rejected with its canary.
    await b.manager.turn();
    expect(b.fleet.calls).toHaveLength(2);
  });

  it('follows a person’s decision taken in the API: adopted or rolled back, within a turn', async () => {
    const a = await setUp('running');
    await a.manager.turn();
    expect(a.fleet.canary?.runId).toBe('canary-v1');
    await a.h.handle('ema-cross', { kind: 'ApproveParameterSet', proposalId: 'p1' }, meta('user:alice'));
    await a.manager.turn();
    expect(a.fleet.calls).toEqual(['add v1', 'adopt: parameter version 1 adopted']);
    expect(a.logs).toContain('parameter canary ema-cross: version 1 takes over');
  });

  it('rolls a version that took over back to the one it replaced on a risk hit within maxHours, and the fleet follows', async () => {
    const a = await setUp('running');
    await a.manager.turn(); // the canary starts
    await a.h.handle(
      'ema-cross',
      { kind: 'ApproveParameterSet', proposalId: 'p1', at: a.now },
      meta('user:alice'),
    );
    await a.manager.turn(); // adopted: v1 in force, on probation from now
    expect((await a.h.state('ema-cross')).probation).toEqual({
      version: 1,
      since: a.now,
      incumbentVersion: 0,
    });
    await a.manager.turn();
    expect(a.fleet.calls).toEqual(['add v1', 'adopt: parameter version 1 adopted']);
    a.fleet.breaker = true;
    await a.manager.turn(); // the risk hit: rolled back to the schema defaults
    const st = await a.h.state('ema-cross');
    expect(st).toMatchObject({ active: 0, probation: null });
    const back = (await a.store.readStream('parameters-ema-cross')).at(-1)!;
    expect(back).toMatchObject({
      type: 'ParameterSetRolledBack',
      data: { fromVersion: 1, toVersion: 0, params: {}, at: a.now },
      metadata: { actor: 'system:parameter-canary' },
    });
    expect((back.data as { reason: string }).reason).toMatch(
      /^version 1: risk: the breaker halted it 0 market hours after it took over/,
    );
    await a.manager.turn(); // the fleet follows the log
    expect(a.fleet.calls.at(-1)).toBe('switch to v0');
    await a.manager.turn(); // and nothing more: v0 is in force, with no probation
    expect(a.fleet.calls).toHaveLength(3);
    // A person's promotion in the API with the market time: its run trades from then.
    await a.h.handle(
      'ema-cross',
      {
        kind: 'ProposeParameterSet',
        strategyId: 'ema-cross',
        proposalId: 'p2',
        runId: 'r2',
        params: { fast: 9 },
        method: 'cmaes',
        trials: 10,
        walkForward: null,
        evidence: good,
        autoPromote: false,
      },
      meta('system:optimizer'),
    );
    await a.h.handle(
      'ema-cross',
      { kind: 'ApproveParameterSet', proposalId: 'p2', at: a.now + 7 },
      meta('user:alice'),
    );
    await a.manager.turn();
    expect(a.fleet.calls.at(-1)).toBe(`switch to v2 since ${a.now + 7}`);
  });
});
