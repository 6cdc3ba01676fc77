import { describe, expect, it } from 'vitest';
import { ParameterSpace } from '../optimizer/space.js';
import { LookAheadError, type StrategyDefinition } from '../strategy/sdk.js';
import { builtInStrategies } from './index.js';
import { barsFromCloses, runStrategy } from './test-context.js';

describe('built-in strategies', () => {
  it('are registered under their ids at version 1.0.0', () => {
    expect(Object.keys(builtInStrategies).sort()).toEqual([
      'bollinger-rsi',
      'donchian-breakout',
      'ema-cross',
      'funding-carry',
      'vol-breakout',
    ]);
    for (const [id, def] of Object.entries(builtInStrategies)) {
      expect(def.id).toBe(id);
      expect(def.version).toBe('1.0.0');
    }
  });

  it.each(Object.keys(builtInStrategies))(
    '%s: defaults validate and the optimizer can search every field',
    (id) => {
      const def = builtInStrategies[id]!;
      const defaults = def.params.parse({});
      const space = ParameterSpace.fromSchema(def.params);
      expect(Object.keys(space.fixed)).toEqual([]);
      expect(space.dimensions.map((d) => d.name).sort()).toEqual(Object.keys(defaults).sort());
      expect(def.params.safeParse({ ...defaults, [space.dimensions[0]!.name]: 1e9 }).success).toBe(false);
    },
  );

  it.each(Object.keys(builtInStrategies))('%s: the same bars give the same targets', (id) => {
    const def = builtInStrategies[id]!;
    const closes = Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 15) + 3 * Math.sin(i / 2.3));
    const start = Date.UTC(2023, 0, 1);
    const funding = {
      symbol: 'X',
      time: Float64Array.from({ length: 50 }, (_, i) => start + i * 8 * 3_600_000),
      rate: Float64Array.from({ length: 50 }, (_, i) => 0.0001 + 0.0005 * Math.sin(i / 3)),
    };
    const run = () =>
      runStrategy(def, def.params.parse({}), [barsFromCloses('X', closes, { start })], { funding: [funding] })
        .targets;
    const first = run();
    expect(first.length).toBeGreaterThan(1);
    expect(run()).toEqual(first);
  });

  it.each(Object.keys(builtInStrategies))('%s: keeps each symbol to itself', (id) => {
    const def = builtInStrategies[id]!;
    const params = def.params.parse({});
    const start = Date.UTC(2023, 0, 1);
    const wave = (phase: number) =>
      Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 15 + phase) + 3 * Math.sin(i / 2.3));
    const a = barsFromCloses('A', wave(0), { start });
    const b = barsFromCloses('B', wave(2), { start });
    const funding = (symbol: string, phase: number) => ({
      symbol,
      time: Float64Array.from({ length: 50 }, (_, i) => start + i * 8 * 3_600_000),
      rate: Float64Array.from({ length: 50 }, (_, i) => 0.0001 + 0.0005 * Math.sin(i / 3 + phase)),
    });
    const fa = funding('A', 0);
    const fb = funding('B', 2);
    const both = runStrategy(def, params, [a, b], { funding: [fa, fb] }).targets;
    const alone = [
      ...runStrategy(def, params, [a], { funding: [fa] }).targets,
      ...runStrategy(def, params, [b], { funding: [fb] }).targets,
    ];
    const key = (t: { symbol: string; time: number }) => `${t.symbol}:${t.time}`;
    expect(both.map(key).sort()).toEqual(alone.map(key).sort());
    expect(both.some((t) => t.symbol === 'B')).toBe(true);
  });

  it('the test context fails a strategy that reads ahead', () => {
    const peeker: StrategyDefinition = {
      id: 'peeker',
      version: '0.0.0',
      description: 'reads the next close',
      params: builtInStrategies['ema-cross']!.params,
      timeframe: '1h',
      create: () => ({ onBar: (bar, ctx) => void ctx.close(bar.symbol, -1) }),
    };
    expect(() => runStrategy(peeker, {}, [barsFromCloses('X', [1, 2, 3])])).toThrow(LookAheadError);
  });
});
