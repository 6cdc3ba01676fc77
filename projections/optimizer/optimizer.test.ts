import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrialCompletedData } from '../../domain/optimizer/events.js';
import { type OptimizerFixture, optimizerRunEvents } from '../testing/optimizer-fixture.js';
import { type ProjectedStore, projectedStore } from '../testing/paper-fixture.js';
import { readOptimizerRun, readOptimizerRuns, readOptimizerTrials, readStrategyParameters } from './read.js';

let f: OptimizerFixture;
let p: ProjectedStore;
beforeAll(async () => {
  f = await optimizerRunEvents();
  // Batches of 7 split runs and the parameter stream across folds, as live catch-up does.
  p = await projectedStore(f.events, undefined, 7);
}, 120_000);
afterAll(async () => p?.close());

const snapshot = async () => {
  const db = p.opened.db;
  const runs = await readOptimizerRuns(db);
  return {
    runs,
    details: await Promise.all(runs.map((r) => readOptimizerRun(db, r.runId))),
    trials: await Promise.all(runs.map((r) => readOptimizerTrials(db, r.runId))),
    params: await readStrategyParameters(db, 'ema-cross'),
  };
};

describe('optimizer projection', () => {
  it('folds a real run: config, every trial with its score, windows, gates and verdict', async () => {
    const db = p.opened.db;
    const runs = await readOptimizerRuns(db);
    expect(runs.map((r) => r.runId)).toEqual(['fixture-random', 'fixture-cmaes']);
    const out = f.runs[0]!;
    const run = (await readOptimizerRun(db, 'fixture-cmaes'))!;
    expect(run.state).toBe('completed');
    expect(run.tasksDone).toBe(run.tasksExpected);
    expect(run.verdict).toBe(out.completed.verdict);
    expect(run.dsr).toBe(out.completed.evidence.dsr);
    expect(run.pbo).toBe(out.completed.evidence.pbo);
    expect(run.gates).toEqual(out.completed.gates);
    expect(run.windows).toEqual(out.completed.windows);
    expect(run.config).toEqual(out.config);
    expect(run.report?.stitched).toEqual(out.completed.stitched);

    const recorded = f.events
      .filter((e) => e.streamId === 'optimizer-fixture-cmaes' && e.type === 'TrialCompleted')
      .map((e) => e.data as TrialCompletedData);
    const trials = await readOptimizerTrials(db, 'fixture-cmaes');
    expect(trials.map((t) => t.taskId)).toEqual(recorded.map((t) => t.taskId));
    expect(trials.map((t) => t.params)).toEqual(recorded.map((t) => t.params));
    expect(trials.map((t) => t.score)).toEqual(recorded.map((t) => t.outcome?.summary.sharpe ?? null));
    expect(trials.every((t) => t.method === 'cmaes')).toBe(true);
    expect(await readOptimizerRun(db, 'nope')).toBeUndefined();
  });

  it('parameter versions: two promoted, one pending, active is the latest', async () => {
    const params = await readStrategyParameters(p.opened.db, 'ema-cross');
    expect(params.activeVersion).toBe(2);
    expect(params.proposals.map((x) => [x.proposalId, x.status, x.version])).toEqual([
      [f.pendingProposalId, 'pending', null],
      ['fixture-random', 'promoted', 2],
      ['fixture-cmaes', 'promoted', 1],
    ]);
    expect(params.proposals[1]!.params).toEqual(f.runs[1]!.completed.candidate);
  });

  it('a rebuild from position 0 gives the same rows', async () => {
    const before = await snapshot();
    await p.runner.rebuild('optimizer');
    expect(await snapshot()).toEqual(before);
  });
});
