import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BacktestOutcome } from './objective.js';
import { param } from './param.js';
import { decideParameterVersions, initialParameterVersionsState } from './parameter-versions.js';
import { Rng } from './rng.js';
import { ParameterSpace } from './space.js';
import { packTrialStats, trialStats, unpackTrialStats } from './trial-stats.js';
import { parseWalkForward, type TimeRange, walkForwardWindows } from './walk-forward.js';
import { type RunTask, type TaskOutcome, WalkForwardRun } from './walk-forward-run.js';

const DAY = 86_400_000;
const t0 = Date.UTC(2024, 0, 1);

const schema = z.object({ k: param.number({ min: 0, max: 1, step: 0.05 }), filter: param.boolean() });
const space = ParameterSpace.fromSchema(schema);
type P = z.infer<typeof schema>;

/**
 * Stand-in for the backtest engine: daily bars over the range; the edge peaks at k = 0.6 and the filter
 * halves the noise. Each day's noise depends only on the day, so every trial sees the same "market".
 */
const dailyNoise = new Map<number, number>();
const noiseOn = (t: number): number => {
  let n = dailyNoise.get(t);
  if (n === undefined) {
    n = Rng.seeded(t).normal();
    dailyNoise.set(t, n);
  }
  return n;
};

const fakeBacktest = (params: P, range: TimeRange): BacktestOutcome => {
  const times: number[] = [range.start];
  const equity: number[] = [1000];
  for (let t = range.start + DAY; t <= range.end; t += DAY) {
    const noise = noiseOn(t) * 0.01 * (params.filter ? 0.5 : 1);
    const edge = 0.002 * (1 - 3 * Math.abs(params.k - 0.6));
    times.push(t);
    equity.push(equity[equity.length - 1]! * (1 + edge + noise));
  }
  return {
    equity,
    times,
    periodsPerYear: 365,
    trades: Math.round((range.end - range.start) / DAY / 2),
    turnover: 10,
    fees: 1,
  };
};

/** `stats`: in-sample trials come back reduced and packed, as pool workers send them. */
const drive = (
  run: WalkForwardRun<P>,
  order: 'fifo' | 'reverse' = 'fifo',
  batch = 6,
  reduce: 'outcome' | 'stats' = 'outcome',
) => {
  const log: { tasks: RunTask<P>[]; results: TaskOutcome[] }[] = [];
  for (let guard = 0; guard < 10_000 && !run.done; guard++) {
    const tasks = run.next(batch);
    const results: TaskOutcome[] = tasks.map((t) => {
      const outcome = fakeBacktest(t.params, t.range);
      if (reduce === 'outcome' || t.kind === 'out-of-sample') return { taskId: t.taskId, outcome };
      const packed = packTrialStats(trialStats(outcome, run.config.pboBlocks ?? 16));
      return { taskId: t.taskId, stats: unpackTrialStats(packed, outcome) };
    });
    run.complete(order === 'reverse' ? [...results].reverse() : results);
    log.push({ tasks, results });
  }
  return log;
};

const newRun = () =>
  new WalkForwardRun(space, {
    runId: 'wfo-test',
    search: { method: 'tpe', options: { startupTrials: 8 } },
    budget: 24,
    windows: walkForwardWindows(parseWalkForward('rolling:90d/30d'), { start: t0, end: t0 + 240 * DAY }),
    scoring: { objectives: [{ metric: 'sharpe' }], constraints: { maxDrawdown: 0.5 } },
    pboBlocks: 8,
  });

describe('WalkForwardRun', () => {
  it('optimises each window in-sample, runs its winner out-of-sample, and stitches the OOS curve', () => {
    const run = newRun();
    drive(run);
    const r = run.report();
    expect(r.windows).toHaveLength(5);
    expect(r.trials).toBe(5 * 24);
    expect(r.stitched!.equity).toHaveLength(5 * 30 + 1);
    expect(r.stitched!.times[0]).toBe(t0 + 90 * DAY);
    expect(r.stitched!.times.at(-1)).toBe(t0 + 240 * DAY);
    // The planted edge peaks at k = 0.6 with the filter on; each window's winner should be near it.
    for (const w of r.windows) {
      expect(Math.abs(w.selected.k - 0.6)).toBeLessThanOrEqual(0.2);
      expect(w.dsr!.trials).toBe(24);
      expect(w.pbo).not.toBeNull();
    }
    expect(r.candidate).toEqual(r.windows[4]!.selected);
    expect(Number.isFinite(r.evidence.wfe)).toBe(true);
    expect(r.evidence.oosTrades).toBe(5 * 15);
    expect(r.stability).not.toBeNull();
  });

  it('reports the same result whatever order results come back in', () => {
    const a = newRun();
    const b = newRun();
    drive(a, 'fifo');
    drive(b, 'reverse');
    expect(JSON.stringify(b.report())).toBe(JSON.stringify(a.report()));
  });

  it('scores trials reduced to their stats exactly as their curves, PBO and DSR included', () => {
    const a = newRun();
    const b = newRun();
    drive(a, 'fifo', 6, 'outcome');
    drive(b, 'reverse', 6, 'stats');
    const report = a.report();
    expect(report.windows.every((w) => w.pbo !== null && w.dsr !== null)).toBe(true);
    expect(JSON.stringify(b.report())).toBe(JSON.stringify(report));
  });

  it('refuses an out-of-sample result without its curve, and a custom objective without the outcome', () => {
    const run = newRun();
    for (let guard = 0; guard < 1_000; guard++) {
      const tasks = run.next(6);
      const oos = tasks.find((t) => t.kind === 'out-of-sample');
      if (oos) {
        const stats = trialStats(fakeBacktest(oos.params, oos.range), 8);
        expect(() => run.complete([{ taskId: oos.taskId, stats }])).toThrow(/needs its equity curve/);
        // Nothing was taken: the same task still completes with its curve.
        run.complete([{ taskId: oos.taskId, outcome: fakeBacktest(oos.params, oos.range) }]);
        break;
      }
      run.complete(tasks.map((t) => ({ taskId: t.taskId, outcome: fakeBacktest(t.params, t.range) })));
    }
    const custom = new WalkForwardRun(space, {
      ...newRun().config,
      scoring: { objectives: [{ metric: (o) => o.trades }] },
    });
    const [task] = custom.next(1);
    const outcome = fakeBacktest(task!.params, task!.range);
    expect(() => custom.complete([{ taskId: task!.taskId, stats: trialStats(outcome, 8) }])).toThrow(
      /custom objective/,
    );
  });

  it('feeds a proposal whose gates are decided from the run evidence', () => {
    const run = newRun();
    drive(run);
    const r = run.report();
    const events = decideParameterVersions(
      {
        kind: 'ProposeParameterSet',
        strategyId: 'planted-edge',
        proposalId: 'wfo-test',
        runId: r.runId,
        params: r.candidate,
        method: 'tpe',
        trials: r.trials,
        walkForward: 'rolling:90d/30d',
        evidence: r.evidence,
      },
      initialParameterVersionsState,
    );
    expect(events[0]!.type).toBe('ParameterSetProposed');
    expect(['ParameterSetPromoted', 'ParameterSetRejected']).toContain(events[1]!.type);
    const gates = events[0]!.type === 'ParameterSetProposed' ? events[0]!.data.gates : [];
    expect(gates.map((g) => g.gate)).toContain('pbo');
  });

  it('resumes after a coordinator restart by replaying its recorded tasks and results', () => {
    const uninterrupted = newRun();
    drive(uninterrupted);

    const first = newRun();
    const log: { tasks: RunTask<P>[]; results: TaskOutcome[] }[] = [];
    for (let i = 0; i < 7; i++) {
      const tasks = first.next(6);
      const results = tasks.map((t) => ({ taskId: t.taskId, outcome: fakeBacktest(t.params, t.range) }));
      first.complete(results);
      log.push({ tasks, results });
    }
    // The coordinator dies; a new one replays the run's events, checking it hands out the same tasks.
    const resumed = newRun();
    for (const entry of log) {
      expect(resumed.next(6).map((t) => t.taskId)).toEqual(entry.tasks.map((t) => t.taskId));
      resumed.complete(entry.results);
    }
    drive(resumed);
    expect(JSON.stringify(resumed.report())).toBe(JSON.stringify(uninterrupted.report()));
  });

  it('refuses a batch with an unknown or repeated task and leaves the run untouched', () => {
    const run = newRun();
    const [a, b] = run.next(2);
    const ok = { taskId: a!.taskId, outcome: fakeBacktest(a!.params, a!.range) };
    expect(() => run.complete([ok, ok])).toThrow(/already complete/);
    expect(() => run.complete([ok, { taskId: '0:is:99', failed: 'x' }])).toThrow(/not handed out/);
    run.complete([ok, { taskId: b!.taskId, outcome: fakeBacktest(b!.params, b!.range) }]);
    expect(() => run.complete([ok])).toThrow(/already complete/);
  });

  it('records failed backtests as failed trials and a failed OOS run as missing evidence', () => {
    const run = new WalkForwardRun(space, {
      runId: 'failing',
      search: { method: 'random' },
      budget: 4,
      windows: walkForwardWindows(parseWalkForward('rolling:60d/30d'), { start: t0, end: t0 + 90 * DAY }),
      scoring: { objectives: [{ metric: 'sharpe' }] },
    });
    for (let guard = 0; guard < 100 && !run.done; guard++) {
      const tasks = run.next(10);
      run.complete(
        tasks.map((t, i) =>
          i === 0 || t.kind === 'out-of-sample'
            ? { taskId: t.taskId, failed: 'engine crashed' }
            : { taskId: t.taskId, outcome: fakeBacktest(t.params, t.range) },
        ),
      );
    }
    const r = run.report();
    expect(r.windows[0]!.trials).toBe(4);
    expect(r.windows[0]!.outOfSampleFailure).toBe('engine crashed');
    expect(r.stitched).toBeNull();
    expect(r.evidence.oosSharpe).toBeNaN();
    expect(() => run.complete([{ taskId: '7:oos', failed: 'x' }])).toThrow(/unknown task/);
  });
});
