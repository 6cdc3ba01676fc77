import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSearch, type SearchConfig } from './create-search.js';
import type { BacktestOutcome } from './objective.js';
import { param } from './param.js';
import { Rng } from './rng.js';
import { SearchError } from './search.js';
import { ParameterSpace } from './space.js';
import { boxSpace, rastrigin, vectorOf } from './test-functions.js';
import { parseWalkForward, type TimeRange, walkForwardWindows } from './walk-forward.js';
import { WalkForwardRun } from './walk-forward-run.js';

/**
 * Pins whole runs' outcomes (winners, DSR inputs and value, PBO, every report number) per method, so a
 * change to how the run stores its per-trial state (typed arrays, dropped history) is shown to change no
 * result: the snapshots were written before that change and must not be updated by it.
 */

const DAY = 86_400_000;
const t0 = Date.UTC(2024, 0, 1);
const schema = z.object({
  k: param.number({ min: 0, max: 1 }),
  n: param.int({ min: 2, max: 40 }),
  ma: param.choice(['ema', 'sma', 'wma'] as const),
});
const space = ParameterSpace.fromSchema(schema);
type P = z.infer<typeof schema>;

const noise = new Map<number, number>();
const noiseOn = (t: number): number => {
  let v = noise.get(t);
  if (v === undefined) {
    v = Rng.seeded(t).normal();
    noise.set(t, v);
  }
  return v;
};

// Some parameter sets fail (the engine refusing them), so failed trials go through every path too.
const backtest = (p: P, range: TimeRange): BacktestOutcome | undefined => {
  if (p.n === 13) return undefined;
  const equity = [1000];
  for (let t = range.start + DAY; t <= range.end; t += DAY) {
    const edge = 0.002 * (1 - 3 * Math.abs(p.k - 0.6)) + (p.ma === 'sma' ? 0.0005 : 0) - p.n * 1e-5;
    equity.push(equity[equity.length - 1]! * (1 + edge + noiseOn(t + p.n * 7) * 0.01));
  }
  return { equity, periodsPerYear: 365, trades: 40, turnover: 5, fees: 1 };
};

const runWith = (search: SearchConfig, budget: number) => {
  const run = new WalkForwardRun(space, {
    runId: `pinned-${search.method}`,
    search,
    budget,
    windows: walkForwardWindows(parseWalkForward('rolling:60d/30d'), { start: t0, end: t0 + 150 * DAY }),
    scoring: { objectives: [{ metric: 'sharpe' }], constraints: { maxDrawdown: 0.2 } },
    pboBlocks: 6,
  });
  for (let guard = 0; guard < 100_000 && !run.done; guard++) {
    run.complete(
      run.next(5).map((t) => {
        const outcome = backtest(t.params, t.range);
        return outcome ? { taskId: t.taskId, outcome } : { taskId: t.taskId, failed: 'refused' };
      }),
    );
  }
  const r = run.report();
  return {
    trials: r.trials,
    candidate: r.candidate,
    evidence: r.evidence,
    windows: r.windows.map((w) => ({
      trials: w.trials,
      selected: w.selected,
      feasible: w.selectedFeasible,
      isSharpe: w.inSample?.sharpe ?? null,
      oosSharpe: w.outOfSample?.sharpe ?? null,
      dsr: w.dsr,
      pbo: w.pbo,
      pboNote: w.pboNote,
    })),
  };
};

describe('WalkForwardRun outcomes are pinned', () => {
  it('cmaes', () => {
    expect(runWith({ method: 'cmaes' }, 60)).toMatchSnapshot();
  });
  it('tpe', () => {
    expect(runWith({ method: 'tpe' }, 40)).toMatchSnapshot();
  });
  it('random', () => {
    expect(runWith({ method: 'random', options: { latin: true } }, 40)).toMatchSnapshot();
  });
  it('grid', () => {
    expect(runWith({ method: 'grid' }, 40)).toMatchSnapshot();
  });
  it('nsga2, one objective', () => {
    expect(
      runWith({ method: 'nsga2', objectives: 1, options: { populationSize: 10 } }, 40),
    ).toMatchSnapshot();
  });
});

describe('a search without history', () => {
  const configs: SearchConfig[] = [
    { method: 'grid' },
    { method: 'random' },
    { method: 'tpe' },
    { method: 'cmaes' },
    { method: 'nsga2', objectives: 1 },
  ];
  for (const config of configs) {
    it(`${config.method}: proposes and picks exactly what one with history does, and refuses history()`, () => {
      const box = boxSpace(3, -5.12, 5.12);
      const kept = createSearch(box, config, 7);
      const lean = createSearch(box, config, 7, { keepHistory: false });
      for (let round = 0; round < 30; round++) {
        const a = kept.ask(6);
        const b = lean.ask(6);
        expect(b).toEqual(a);
        // Failures and infeasible trials too, told out of order, so the fold sees every ranking rule.
        const results = a
          .map((t) =>
            t.id % 11 === 5
              ? { id: t.id, failed: true }
              : { id: t.id, loss: rastrigin(vectorOf(t.params, 3)), violation: t.id % 7 === 3 ? 0.5 : 0 },
          )
          .reverse();
        kept.tell(results);
        lean.tell(results);
        expect(lean.best()).toEqual(kept.best());
        expect(lean.told).toBe(kept.told);
      }
      expect(() => lean.history()).toThrow(SearchError);
      expect(() => lean.paretoFront()).toThrow(SearchError);
    });
  }
});
