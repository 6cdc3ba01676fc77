import { afterAll, describe, expect, it } from 'vitest';
import { buildUi, optimizeCli, type RunningSystem, startSystem } from '../ui/e2e/harness.js';

/**
 * Automation 2's outcome in `npm start`: a parameter version the optimizer promoted is what the paper
 * run of its strategy trades, as its own run, from the next start.
 */

const optimize = (dataDir: string) =>
  optimizeCli(dataDir, [
    ...['--method', 'random', '--budget', '6', '--wfo', 'rolling:30d/15d'],
    // A fixed search seed: without one the run id (a hash of the configuration) seeds the draws.
    ...['--from', '2023-01-01', '--to', '2023-03-01', '--search-seed', 'a'],
  ]);

let system: RunningSystem | undefined;
afterAll(async () => {
  await system?.stop();
});

describe('npm start: promoted parameters', () => {
  it('each strategy trades its promoted version, as a run of its own', async () => {
    buildUi();
    let promoted = '';
    system = await startSystem(
      { PAPER_SYMBOLS: 'BTCUSDT,ETHUSDT', HOTLIST: 'off', PORTFOLIO: 'off' },
      (dir) => {
        promoted = optimize(dir);
      },
    );
    expect(promoted).toMatch(/promoted|version 1/i);
    const status = (await (await fetch(`${system.url}/api/status`)).json()) as {
      paper: { runId: string; strategyId: string }[];
    };
    const ema = status.paper.find((p) => p.strategyId === 'ema-cross')!;
    expect(ema.runId).toMatch(/^paper-ema-cross-20230601-[0-9a-f]{6}-v1-e6$/);
    for (const p of status.paper.filter((x) => x.strategyId !== 'ema-cross'))
      expect(p.runId).not.toMatch(/-v\d+(-e\d+)?$/);
    expect(system.output()).toMatch(/paper ema-cross: trades parameter version 1 \(\{/);
    // The run records the version and its parameters.
    const versions = (await (await fetch(`${system.url}/api/strategies/ema-cross/parameters`)).json()) as {
      activeVersion: number;
      proposals: { version: number | null; params: Record<string, unknown> }[];
    };
    expect(versions.activeVersion).toBe(1);
    const strategies = (await (await fetch(`${system.url}/api/strategies`)).json()) as {
      strategyId: string;
      paramsVersion: number;
      params: Record<string, unknown>;
    }[];
    const row = strategies.find((s) => s.strategyId === 'ema-cross')!;
    const deadline = Date.now() + 30_000;
    let current = row;
    while (current.paramsVersion !== 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 300));
      current = ((await (await fetch(`${system.url}/api/strategies`)).json()) as typeof strategies).find(
        (s) => s.strategyId === 'ema-cross',
      )!;
    }
    expect(current.paramsVersion).toBe(1);
    expect(current.params).toMatchObject(versions.proposals.find((p) => p.version === 1)!.params);
  }, 300_000);
});
