import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { OptimizeRequestError } from '../../commands/optimizer/run-config.js';
import { ArgError } from '../cli/args.js';
import { parseOptimizeArgs } from './optimize-args.js';

describe('optimize CLI arguments', () => {
  it('reads a run, a rollback and a listing', () => {
    const run = parseOptimizeArgs(
      '--strategy ema-cross --symbols BTCUSDT,ETHUSDT --method tpe --budget 40 --wfo anchored:60d/30d --workers 3 --max-pbo 0.3 --search-seed s1'.split(
        ' ',
      ),
    );
    expect(run).toMatchObject({
      kind: 'run',
      workers: 3,
      request: {
        strategyId: 'ema-cross',
        method: 'tpe',
        budget: 40,
        walkForward: 'anchored:60d/30d',
        policy: { maxPbo: 0.3 },
        searchSeed: 's1',
      },
    });
    expect(parseOptimizeArgs('rollback --strategy ema-cross --to-version 2'.split(' '))).toMatchObject({
      kind: 'rollback',
      toVersion: 2,
    });
    expect(parseOptimizeArgs('versions --strategy ema-cross'.split(' '))).toEqual({
      kind: 'versions',
      strategyId: 'ema-cross',
    });
  });

  it('names the mistake', () => {
    expect(() => parseOptimizeArgs(['--symbols', 'BTCUSDT'])).toThrow(/--strategy is required/);
    expect(() => parseOptimizeArgs('--strategy x --symbols B --budget 1'.split(' '))).toThrow(
      OptimizeRequestError,
    );
    expect(() => parseOptimizeArgs('--strategy x --symbols B --bogus 1'.split(' '))).toThrow(ArgError);
    expect(() => parseOptimizeArgs('rollback --strategy x'.split(' '))).toThrow(/--to-version/);
    expect(() =>
      parseOptimizeArgs('--strategy x --symbols B --max-oos-trades-per-day -3'.split(' ')),
    ).toThrow(/--max-oos-trades-per-day must be a number > 0 or "off"/);
  });

  it('reads the risk-check gates and --hold', () => {
    const run = parseOptimizeArgs(
      '--strategy ema-cross --symbols BTCUSDT --max-oos-trades-per-day 12 --min-oos-cost-coverage off --hold'.split(
        ' ',
      ),
    );
    expect(run).toMatchObject({
      kind: 'run',
      hold: true,
      request: { policy: { maxOosTradesPerDay: 12, minOosCostCoverage: null } },
    });
    expect(parseOptimizeArgs('--strategy ema-cross --symbols BTCUSDT'.split(' '))).toMatchObject({
      hold: false,
    });
  });

  it('the CLI exits 2 with a clear message on bad arguments', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/optimize.ts',
        '--strategy',
        'ema-cross',
        '--symbols',
        'BTCUSDT',
        '--wfo',
        'sideways:1d',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/walk-forward "sideways:1d": expected rolling:<in>\/<out>/);
  });
});
