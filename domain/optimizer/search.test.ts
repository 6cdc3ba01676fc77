import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSearch, type SearchConfig, searchMethods } from './create-search.js';
import { param } from './param.js';
import { SearchError } from './search.js';
import { ParameterSpace } from './space.js';
import { boxSpace, sphere, vectorOf } from './test-functions.js';

const configs: Record<string, SearchConfig> = {
  grid: { method: 'grid', options: { resolution: 6 } },
  random: { method: 'random' },
  tpe: { method: 'tpe', options: { startupTrials: 6 } },
  cmaes: { method: 'cmaes' },
  nsga2: { method: 'nsga2', objectives: 1, options: { populationSize: 8 } },
};

const runBatches = (config: SearchConfig, seed: string, batches: number, reverse = false) => {
  const search = createSearch(boxSpace(3, -2, 2), config, seed);
  const seen: string[] = [];
  for (let b = 0; b < batches; b++) {
    const trials = search.ask(8);
    seen.push(...trials.map((t) => JSON.stringify(t.params)));
    const results = trials.map((t) => ({ id: t.id, loss: sphere(vectorOf(t.params, 3)) }));
    search.tell(reverse ? [...results].reverse() : results);
  }
  return seen;
};

describe.each(searchMethods)('%s: the ask/tell contract', (method) => {
  const config = configs[method]!;

  it('is deterministic for a seed and differs across seeds', () => {
    expect(runBatches(config, 's1', 4)).toEqual(runBatches(config, 's1', 4));
    expect(runBatches(config, 's1', 4)).not.toEqual(runBatches(config, 's2', 4));
  });

  it('does not care in which order a batch is told (parallel workers finish in any order)', () => {
    expect(runBatches(config, 's3', 5, true)).toEqual(runBatches(config, 's3', 5, false));
  });

  it('resumes: replaying the recorded asks and tells reproduces the next proposals', () => {
    const full = runBatches(config, 'resume', 6);
    const replayed = runBatches(config, 'resume', 3);
    expect(full.slice(0, replayed.length)).toEqual(replayed);
  });

  it('only proposes valid parameter sets', () => {
    const space = boxSpace(3, -2, 2);
    const search = createSearch(space, config, 'valid');
    for (let b = 0; b < 5; b++) {
      const trials = search.ask(8);
      for (const t of trials) expect(space.validate(t.params).ok).toBe(true);
      search.tell(trials.map((t) => ({ id: t.id, loss: sphere(vectorOf(t.params, 3)) })));
    }
  });
});

describe('Search bookkeeping', () => {
  it('rejects unknown, duplicate and malformed results', () => {
    const s = createSearch(boxSpace(2, 0, 1), { method: 'random' }, 1);
    const [t] = s.ask();
    expect(() => s.tell([{ id: 99, loss: 1 }])).toThrow(SearchError);
    expect(() => s.tell([{ id: t!.id, loss: Number.NaN }])).toThrow(/failed: true/);
    expect(() => s.tell([{ id: t!.id, losses: [1, 2] }])).toThrow(/expected 1 loss/);
    s.tell([{ id: t!.id, loss: 1 }]);
    expect(() => s.tell([{ id: t!.id, loss: 1 }])).toThrow(/already told/);
    expect(s.pending).toBe(0);
  });

  it('ranks feasible before infeasible before failed', () => {
    const s = createSearch(boxSpace(2, 0, 1), { method: 'random' }, 2);
    const [a, b, c] = s.ask(3);
    s.tell([
      { id: a!.id, loss: -10, violation: 0.5 },
      { id: b!.id, loss: 3 },
      { id: c!.id, failed: true },
    ]);
    expect(s.best()).toMatchObject({ trial: { id: b!.id }, loss: 3, violation: 0 });
    expect(s.history().map((h) => h.violation)).toEqual([0.5, 0, Number.POSITIVE_INFINITY]);
  });

  it('reports the Pareto front of a multi-objective search', () => {
    const s = createSearch(
      boxSpace(2, 0, 1),
      { method: 'nsga2', objectives: 2, options: { populationSize: 4 } },
      5,
    );
    const ts = s.ask(4);
    const losses = [
      [1, 4],
      [2, 2],
      [3, 3],
      [4, 1],
    ];
    s.tell(ts.map((t, i) => ({ id: t.id, losses: losses[i]! })));
    expect(s.paretoFront().map((p) => p.losses)).toEqual([
      [1, 4],
      [2, 2],
      [4, 1],
    ]);
  });

  it('generation-based methods hand out nothing until the generation is told', () => {
    const s = createSearch(boxSpace(2, 0, 1), { method: 'cmaes', options: { populationSize: 6 } }, 3);
    const first = s.ask(4);
    const rest = s.ask(10);
    expect([first.length, rest.length]).toEqual([4, 2]);
    expect(s.ask(5)).toEqual([]);
    s.tell([...first, ...rest].map((t) => ({ id: t.id, loss: 1 })));
    expect(s.ask(1)).toHaveLength(1);
  });

  it('starts CMA-ES at the schema defaults when asked to', () => {
    const space = ParameterSpace.fromSchema(
      z.object({
        a: param.number({ min: 0, max: 100 }).default(90),
        b: param.int({ min: 0, max: 10 }).default(1),
      }),
    );
    const s = createSearch(space, { method: 'cmaes', options: { startAtDefaults: true, sigma0: 0.01 } }, 4);
    const ts = s.ask(6);
    for (const t of ts) {
      expect(Math.abs((t.params.a as number) - 90)).toBeLessThan(10);
      expect(t.params.b).toBeLessThanOrEqual(2);
    }
  });
});
