import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { param } from './param.js';
import { ParameterSpace, ParameterSpaceError } from './space.js';

const strategyParams = z
  .object({
    fast: param.int({ min: 2, max: 50 }).default(12),
    slow: param.int({ min: 10, max: 200, step: 5 }).default(30),
    stop: param.number({ min: 0.01, max: 0.05, step: 0.005 }),
    risk: param.number({ min: 0.001, max: 0.1, log: true }),
    ma: param.choice(['ema', 'sma', 'wma'] as const),
    pyramid: param.boolean(),
    lookback: z.number().int().min(5).max(9),
    mode: z.literal('trend'),
    label: z.string().default('x'),
  })
  .strict()
  .refine((p) => p.fast < p.slow, { message: 'fast must be shorter than slow' });

const space = ParameterSpace.fromSchema(strategyParams);
const unitPoint = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 });

describe('ParameterSpace.fromSchema', () => {
  it('finds the searchable dimensions and holds the rest fixed', () => {
    expect(space.dimensions.map((d) => [d.name, d.levels])).toEqual([
      ['fast', 49],
      ['slow', 39],
      ['stop', 9],
      ['risk', Number.POSITIVE_INFINITY],
      ['ma', 3],
      ['pyramid', 2],
      ['lookback', 5],
    ]);
    expect(space.fixed).toEqual({ mode: 'trend', label: 'x' });
    expect(space.cardinality).toBe(Number.POSITIVE_INFINITY);
  });

  it('reads plain zod bounds, multipleOf and enums without the helpers', () => {
    const s = ParameterSpace.fromSchema(
      z.object({
        a: z.number().min(0.5).max(2).multipleOf(0.25),
        b: z.enum(['x', 'y']),
        c: z.union([z.literal(1), z.literal(3)]),
      }),
    );
    expect(s.dimensions.map((d) => d.levels)).toEqual([7, 2, 2]);
    expect(s.cardinality).toBe(28);
  });

  it('survives .describe() and .default() wrapping the helper schema', () => {
    const s = ParameterSpace.fromSchema(
      z.object({ x: param.number({ min: 0, max: 1, step: 0.1 }).describe('a knob').default(0.3) }),
    );
    expect(s.dimensions[0]!.levels).toBe(11);
    expect(s.defaults()).toEqual({ x: 0.3 });
  });

  it('says which field cannot be searched', () => {
    expect(() => ParameterSpace.fromSchema(z.object({ n: z.number() }))).toThrow(
      /parameter n: cannot be searched/,
    );
    expect(() => ParameterSpace.fromSchema(z.string())).toThrow(ParameterSpaceError);
    expect(() => param.int({ min: 1, max: 5, step: 0.5 })).toThrow(/integers/);
    expect(() => param.number({ min: 0, max: 1, log: true })).toThrow(/log scale/);
  });
});

describe('decode / encode', () => {
  it('decodes every unit point to parameters that pass the field checks', () => {
    fc.assert(
      fc.property(unitPoint, (u) => {
        const p = space.decode(u);
        const v = space.validate(p);
        // Only the cross-field rule may fail: fast < slow is not a box constraint.
        return v.ok || v.issues.every((i) => i.path === '(params)');
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips: decode(encode(p)) = p, and canonical points are fixed points', () => {
    fc.assert(
      fc.property(unitPoint, (u) => {
        const p = space.decode(u);
        const c = space.canonical(u);
        return (
          space.key(space.decode(space.encode(p))) === space.key(p) &&
          space.key(space.decode(c)) === space.key(p)
        );
      }),
      { numRuns: 300 },
    );
  });

  it('gives each discrete level an equal share of [0, 1], endpoints included', () => {
    const d = space.dimensions.findIndex((x) => x.name === 'stop');
    const counts = new Map<number, number>();
    const n = 9000;
    for (let i = 0; i < n; i++) {
      const u = Array<number>(7).fill(0.5);
      u[d] = (i + 0.5) / n;
      const v = space.decode(u).stop as number;
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([
      0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05,
    ]);
    expect([...counts.values()].every((c) => c === 1000)).toBe(true);
  });

  it('maps log-scale and categorical dimensions as declared', () => {
    const at = (name: string, x: number) => {
      const u = Array<number>(7).fill(0.5);
      u[space.dimensions.findIndex((d) => d.name === name)] = x;
      return space.decode(u)[name];
    };
    expect(at('risk', 0)).toBeCloseTo(0.001, 15);
    expect(at('risk', 0.5)).toBeCloseTo(0.01, 12); // geometric midpoint
    expect(at('risk', 1)).toBeCloseTo(0.1, 15);
    expect([at('ma', 0), at('ma', 0.4), at('ma', 0.99)]).toEqual(['ema', 'sma', 'wma']);
    expect([at('pyramid', 0.2), at('pyramid', 0.7)]).toEqual([false, true]);
  });
});

describe('log-scaled integer grids', () => {
  const s = ParameterSpace.fromSchema(
    z.object({
      period: param.int({ min: 2, max: 400, log: true }),
      k: param.number({ min: 0.1, max: 10, step: 0.1, log: true }),
    }),
  );

  it('decode to valid grid values, round-trip, and give short periods as much room as long ones', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b) => {
          const p = s.decode([a, b]);
          return s.validate(p).ok && s.key(s.decode(s.encode(p))) === s.key(p);
        },
      ),
    );
    // Geometric midpoint of [2, 400] is √800 ≈ 28: half of the unit range goes to periods below it.
    expect(s.decode([0.5, 0.5]).period).toBe(28);
    expect(s.decode([0.5, 0.5]).k).toBe(1);
  });
});

describe('validate', () => {
  const good = {
    fast: 10,
    slow: 35,
    stop: 0.025,
    risk: 0.02,
    ma: 'sma',
    pyramid: false,
    lookback: 6,
    mode: 'trend',
  };

  it('accepts a valid set and fills defaults', () => {
    const v = space.validate({ ...good, fast: undefined });
    expect(v).toEqual({ ok: true, value: { ...good, fast: 12, label: 'x' } });
  });

  it('names every problem with its field', () => {
    const v = space.validate({ ...good, fast: 7.5, slow: 37, stop: 0.013, ma: 'hma', risk: 1 });
    expect(v.ok).toBe(false);
    const issues = v.ok ? [] : v.issues;
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath.fast).toMatch(/integer/);
    expect(byPath.slow).toMatch(/grid/);
    expect(byPath.stop).toMatch(/grid/);
    expect(byPath.ma).toMatch(/'ema' \| 'sma' \| 'wma'|ema/);
    expect(byPath.risk).toMatch(/less than or equal to 0.1/);
  });

  it('explains an off-grid value with its nearest neighbours', () => {
    const s = ParameterSpace.fromSchema(
      z
        .object({ x: z.number().min(0.01).max(0.05) })
        .merge(z.object({ y: z.number().min(0).max(1).multipleOf(0.25) })),
    );
    const v = s.validate({ x: 0.02, y: 0.3 });
    expect(v.ok ? [] : v.issues.map((i) => i.path)).toEqual(['y']);
    const t = ParameterSpace.fromSchema(z.object({ k: param.number({ min: 0.01, max: 0.05, step: 0.005 }) }));
    // zod's refine catches it first; the message still names the grid
    expect(t.validate({ k: 0.013 })).toMatchObject({
      ok: false,
      issues: [{ path: 'k', message: expect.stringMatching(/grid 0\.01, 0\.015/) }],
    });
  });

  it('reports cross-field rules and unknown fields', () => {
    expect(space.validate({ ...good, fast: 40, slow: 20 })).toMatchObject({
      ok: false,
      issues: [{ path: '(params)', message: 'fast must be shorter than slow' }],
    });
    expect(space.validate({ ...good, extra: 1 })).toMatchObject({ ok: false });
    expect(space.validate(null)).toMatchObject({ ok: false });
  });
});
