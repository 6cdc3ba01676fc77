import { uuidv7 } from 'uuidv7';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { optimizerStreamId, parametersStreamId } from '../../domain/optimizer/events.js';
import { OptimizerRunConflictError, runOptimizer } from './coordinator.js';
import { ParameterVersionHandlers } from './parameter-versions.js';
import type { TrialJob } from './ports.js';
import { runConfig } from './run-config.js';
import { syntheticExecutor } from './synthetic-executor.js';

const day = 86_400_000;
const from = Date.UTC(2023, 0, 1);
const config = (over: Partial<Parameters<typeof runConfig>[0]> = {}) =>
  runConfig({
    strategyId: 'ema-cross',
    symbols: ['BTCUSDT'],
    method: 'cmaes',
    budget: 24,
    walkForward: 'rolling:20d/10d',
    from,
    to: from + 50 * day,
    inFlight: 6,
    ...over,
  });
const store = () => new MemoryEventStore({ catalogue: catalogue() });
const deps = (s: MemoryEventStore, executor = syntheticExecutor()) => ({
  store: s,
  executor,
  newEventId: uuidv7,
  now: () => from,
});

describe('optimizer coordinator', () => {
  it('records every trial, the report and the gate decision as events', async () => {
    const s = store();
    const c = config();
    const out = await runOptimizer(c, deps(s));
    const run = await s.readStream(optimizerStreamId(c.runId));
    expect(run[0]!.type).toBe('OptimizerRunStarted');
    expect(run.at(-1)!.type).toBe('OptimizerRunCompleted');
    const trials = run.filter((e) => e.type === 'TrialCompleted');
    expect(trials).toHaveLength(c.windows.length * (c.budget + 1));
    expect(out.completed.trials).toBe(c.windows.length * c.budget);
    expect(out.completed.evidence.dsr).toBeGreaterThan(0);
    expect(out.completed.evidence.pbo).not.toBeNull();
    const params = await s.readStream(parametersStreamId('ema-cross'));
    expect(params[0]!.type).toBe('ParameterSetProposed');
    expect(params[1]!.type).toBe(
      out.completed.verdict === 'pass' ? 'ParameterSetPromoted' : 'ParameterSetRejected',
    );
    const proposed = params[0]!.data as {
      gates: { gate: string; value: number | null; threshold: number | null; verdict: string }[];
    };
    expect(proposed.gates.map((g) => g.gate)).toEqual(out.completed.gates.map((g) => g.gate));
    expect(proposed.gates.every((g) => ['pass', 'fail', 'disabled'].includes(g.verdict))).toBe(true);
  });

  it('gives the same trials and report whatever order results come back in', async () => {
    const a = await runOptimizer(config(), deps(store()));
    const b = await runOptimizer(config(), deps(store(), syntheticExecutor({ jitterMs: 4 })));
    expect(b.completed).toEqual(a.completed);
  });

  it('in-sample trials are logged as stats; curves from an older worker or log give the same run', async () => {
    const s = store();
    const c = config();
    const current = await runOptimizer(c, deps(s));
    const events = (await s.readStream(optimizerStreamId(c.runId))).filter(
      (e) => e.type === 'TrialCompleted',
    );
    const sizes = events.map((e) => ({
      kind: (e.data as { kind: string }).kind,
      keys: Object.keys((e.data as { outcome: object }).outcome),
      bytes: JSON.stringify(e.data).length,
    }));
    for (const x of sizes.filter((x) => x.kind === 'in-sample')) {
      expect(x.keys).toContain('stats');
      expect(x.bytes).toBeLessThan(1_500);
    }
    for (const x of sizes.filter((x) => x.kind === 'out-of-sample')) expect(x.keys).toContain('equity');
    // A v1 event (before stats) is read as a curve.
    const v2 = events.find((e) => (e.data as { kind: string }).kind === 'out-of-sample')!;
    const { form, ...v1Outcome } = (v2.data as { outcome: { form: string } }).outcome;
    expect(form).toBe('curve');
    const lifted = catalogue().upcast({
      ...v2,
      schemaVersion: 1,
      data: { ...(v2.data as object), outcome: v1Outcome },
    });
    expect(lifted.schemaVersion).toBe(2);
    expect(lifted.data).toEqual(v2.data);
    // A worker that predates stats ignores pboBlocks and sends every curve.
    const synthetic = syntheticExecutor();
    const older = {
      run: (job: TrialJob) => synthetic.run({ ...job, pboBlocks: undefined }),
      close: async () => {},
    };
    const legacy = await runOptimizer(c, deps(store(), older));
    expect(legacy.completed).toEqual(current.completed);
  });

  it('a search seed makes two run ids draw the same trials; without one, the run id seeds the search', async () => {
    const trials = async (c: ReturnType<typeof config>) => {
      const s = store();
      await runOptimizer(c, deps(s));
      return (await s.readStream(optimizerStreamId(c.runId)))
        .filter((e) => e.type === 'TrialCompleted')
        .map((e) => (e.data as { params: unknown }).params);
    };
    const seeded = await trials(config({ runId: 'seed-a', searchSeed: 'same' }));
    expect(await trials(config({ runId: 'seed-b', searchSeed: 'same' }))).toEqual(seeded);
    expect(await trials(config({ runId: 'seed-b' }))).not.toEqual(seeded);
    // No seed given: the configuration, and so the derived run id, is what it was before the option existed.
    expect(config()).not.toHaveProperty('searchSeed');
    expect(() => config({ searchSeed: 'no spaces' })).toThrow(/search seed/);
  });

  it('a restarted coordinator resumes from its events without re-running recorded trials', async () => {
    const reference = await runOptimizer(config(), deps(store()));
    const s = store();
    const stop = new AbortController();
    let first = 0;
    const interrupted = syntheticExecutor({
      jitterMs: 3,
      onRun: () => {
        if (++first === 20) stop.abort();
      },
    });
    await expect(runOptimizer(config(), { ...deps(s, interrupted), signal: stop.signal })).rejects.toThrow();
    const trialCount = async () =>
      (await s.readStream(optimizerStreamId(config().runId))).filter((e) => e.type === 'TrialCompleted')
        .length;
    const recorded = await trialCount();
    // Nothing lands after the stopped call returned (it would race the resuming coordinator).
    await new Promise((r) => setTimeout(r, 30));
    expect(await trialCount()).toBe(recorded);
    expect(recorded).toBeGreaterThanOrEqual(14);
    const ran: string[] = [];
    const resumed = await runOptimizer(
      config(),
      deps(s, syntheticExecutor({ onRun: (j) => ran.push(j.taskId) })),
    );
    expect(resumed.replayed).toBe(recorded);
    expect(resumed.executed).toBe(ran.length);
    expect(recorded + ran.length).toBe(config().windows.length * (config().budget + 1));
    expect(resumed.completed).toEqual(reference.completed);
    // A finished run is reported, not re-run.
    const again = await runOptimizer(
      config(),
      deps(s, syntheticExecutor({ onRun: () => expect.fail('re-ran') })),
    );
    expect(again.completed).toEqual(reference.completed);
    expect(
      (await s.readStream(parametersStreamId('ema-cross'))).filter((e) => e.type === 'ParameterSetProposed'),
    ).toHaveLength(1);
  });

  it('refuses to resume a run id under a different configuration', async () => {
    const s = store();
    await runOptimizer(config({ runId: 'fixed' }), deps(s));
    await expect(runOptimizer(config({ runId: 'fixed', budget: 30 }), deps(s))).rejects.toBeInstanceOf(
      OptimizerRunConflictError,
    );
  });

  it('promotes through the gates to version n+1 and rolls back to any earlier version', async () => {
    const s = store();
    const lenient = {
      minDsr: 0,
      maxPbo: 1,
      minWfe: null,
      maxOosDrawdown: 1,
      minOosTrades: 0,
      minOosSharpe: null,
    };
    const one = await runOptimizer(config({ policy: lenient, runId: 'r1' }), deps(s));
    const two = await runOptimizer(config({ policy: lenient, runId: 'r2', budget: 16 }), deps(s));
    expect([one.promotedVersion, two.promotedVersion]).toEqual([1, 2]);
    const handlers = new ParameterVersionHandlers(s, uuidv7);
    const meta = {
      correlationId: 'test',
      causationId: null,
      actor: 'user:test',
      mode: 'backtest' as const,
      occurredAt: new Date(from).toISOString(),
    };
    await handlers.handle('ema-cross', { kind: 'RollBackParameters', toVersion: 1, reason: 'test' }, meta);
    const state = await handlers.state('ema-cross');
    expect(state.active).toBe(1);
    expect(state.versions.get(1)).toEqual(one.completed.candidate);
    const last = (await s.readStream(parametersStreamId('ema-cross'))).at(-1)!;
    expect(last).toMatchObject({ type: 'ParameterSetRolledBack', data: { fromVersion: 2, toVersion: 1 } });
  });
});
