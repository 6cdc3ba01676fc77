import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ArgError } from '../replay/cli/args.js';
import { formatCalibration, parseSpan, runCalibration } from './hotlist-calibration.js';

describe('npm run hotlist:calibrate', () => {
  it('reproduces the 2023 table docs/hotlist.md shows', async () => {
    const r = await runCalibration(parseSpan([]).span);
    expect(r.scans).toBe(333);
    expect(r.uncovered).toBe(0);
    const row = Object.fromEntries(
      r.symbols.map((s) => [
        s.symbol,
        [
          s.days,
          Math.round(s.inside1 * 100),
          Math.round(s.inside2 * 100),
          Number(s.meanLeverage.toFixed(1)),
          s.shortLiquidations,
          s.longLiquidations,
        ],
      ]),
    );
    expect(row).toEqual({
      BTCUSDT: [333, 77, 93, 12.2, 9, 3],
      ETHUSDT: [333, 77, 93, 12.1, 5, 6],
      LTCUSDT: [333, 77, 95, 8.4, 3, 6],
      SUIUSDT: [239, 75, 95, 5.4, 2, 5],
      '1000PEPEUSDT': [237, 79, 96, 3.5, 5, 2],
    });
    expect(r.sentiment.bands).toEqual({
      'extreme-fear': 9,
      fear: 67,
      neutral: 120,
      greed: 137,
      'extreme-greed': 0,
    });
    expect(r.sentiment.median!).toBeCloseTo(52.7, 1);
    const text = formatCalibration(r);
    expect(text).toContain('| BTCUSDT | 333 | 77 % | 93 % | 12.2× | 9 | 3 |');
  });

  it('a span past the recorded bars leaves the uncovered candidates out and says so', async () => {
    const r = await runCalibration(
      parseSpan(['--from', '2023-12-30', '--to', '2023-12-31', '--hour', '12']).span,
    );
    expect(r.scans).toBe(2);
    // The last recorded bar opens at 2023-12-31 23:00: a scan at 12:00 that day has 12 bars after it.
    expect(r.uncovered).toBeGreaterThan(0);
    expect(r.symbols.every((s) => s.days === 1)).toBe(true);
    expect(formatCalibration(r)).toMatch(/\d+ candidate\(s\) without 24 bars after the scan left out/);
  });

  it('refuses bad arguments with the reason', () => {
    const bad = (argv: string[]) => () => parseSpan(argv);
    expect(bad(['--from', '2023-02-30'])).toThrow(/not a calendar date/);
    expect(bad(['--from', '1 Feb'])).toThrow(ArgError);
    expect(bad(['--from', '2023-03-01', '--to', '2023-02-01'])).toThrow(/before --from/);
    // The default --to is named as it is, not as "undefined".
    expect(bad(['--from', '2024-01-01'])).toThrow('--to (2023-12-30) is before --from (2024-01-01)');
    expect(bad(['--hour', '24'])).toThrow(/0\.\.23/);
    expect(bad(['--days', '3'])).toThrow(/unknown option --days/);
    expect(bad(['2023'])).toThrow(/unexpected argument/);
  });

  it('exits 2 on a bad argument and ends a good run with one line of JSON', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'scripts/hotlist-calibration.ts', ...args], {
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      });
    const bad = run(['--hour', 'x']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--hour must be a whole hour');
    const good = run(['--from', '2023-06-01', '--to', '2023-06-03']);
    expect(good.status, good.stderr).toBe(0);
    const last = JSON.parse(good.stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ scans: 3, hour: 0, uncovered: 0 });
    expect(last.symbols).toHaveLength(5);
  }, 60_000);
});
