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
    expect(() => parseOptimizeArgs('--strategy ema-cross --symbols B --budget 1'.split(' '))).toThrow(
      OptimizeRequestError,
    );
    expect(() => parseOptimizeArgs('--strategy ema-cross --symbols B --bogus 1'.split(' '))).toThrow(
      ArgError,
    );
    expect(() => parseOptimizeArgs('rollback --strategy ema-cross'.split(' '))).toThrow(/--to-version/);
    expect(() =>
      parseOptimizeArgs('--strategy ema-cross --symbols B --max-oos-trades-per-day -3'.split(' ')),
    ).toThrow(/--max-oos-trades-per-day must be a number > 0 or "off"/);
    // A strategy the build does not have is named as such, for every command.
    for (const cmd of [
      'versions --strategy nope',
      'rollback --strategy nope --to-version 0',
      '--strategy nope --symbols B',
    ])
      expect(() => parseOptimizeArgs(cmd.split(' '))).toThrow(
        /unknown strategy "nope"; built in: .*ema-cross/,
      );
    // Probabilities and a drawdown past 1 make a gate that can never be met (or never fail).
    for (const gate of ['--min-dsr 1.5', '--max-pbo 2', '--max-oos-dd 1.2'])
      expect(() => parseOptimizeArgs(`--strategy ema-cross --symbols B ${gate}`.split(' '))).toThrow(
        /must be between 0 and 1/,
      );
    expect(
      parseOptimizeArgs('--strategy ema-cross --symbols B --min-dsr 1 --min-wfe 1.5'.split(' ')),
    ).toMatchObject({
      kind: 'run',
    });
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
