import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../adapters/eventstore/open-store.js';
import { rerun } from '../replay/audit/rerun.js';
import { buildUi, type RunningSystem, repoRoot, startSystem, waitFor } from '../ui/e2e/harness.js';

/**
 * `npm start` with the strategy bandit on its embedded store: rounds on the paper runs' clock, each run
 * takes its allocation, a restart carries every run on, and each run re-runs from the log alone to
 * the events it recorded, allocations included.
 */

interface Portfolio {
  latest: { roundId: string; at: string; arms: { id: string; weightAfter: number; runId: string }[] } | null;
  history: { at: string }[];
}
interface Timeline {
  items: { type: string; streamId: string; summary: string }[];
}

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

let system: RunningSystem | undefined;
afterAll(async () => {
  await system?.stop();
});

describe('npm start: the strategy bandit', () => {
  it('rounds, allocates, survives a restart, and every run re-runs from the log to what it recorded', async () => {
    buildUi();
    const env = { PORTFOLIO_MIN_WALL_S: '1', HOTLIST: 'off' };
    system = await startSystem(env);
    const url = system.url;
    const p = await waitFor('three rounds', async () => {
      const v = await json<Portfolio>(`${url}/api/portfolio`);
      return v.history.length >= 3 ? v : null;
    });
    expect(p.latest!.arms.map((a) => a.id).sort()).toEqual(
      ['bollinger-rsi', 'donchian-breakout', 'ema-cross', 'funding-carry', 'vol-breakout'].sort(),
    );
    expect(p.latest!.arms.reduce((s, a) => s + a.weightAfter, 0)).toBeCloseTo(1, 9);
    const applied = await waitFor('an applied allocation', async () => {
      const t = await json<Timeline>(`${url}/api/audit/timeline?type=AllocationApplied&limit=50`);
      return t.items.length > 0 ? t : null;
    });
    for (const item of applied.items) expect(item.streamId).toMatch(/^run-paper-/);
    const runIds = p.latest!.arms.map((a) => a.runId);

    await system.stop({ keepData: true });
    const dataDir = system.dataDir;
    system = await startSystem(env, undefined, dataDir);
    const out = system.output();
    for (const id of runIds) expect(out).toMatch(new RegExp(`paper ${id}: resumed after \\d+ events`));
    const later = await waitFor('a round after the restart', async () => {
      const v = await json<Portfolio>(`${system!.url}/api/portfolio`);
      return v.latest && Date.parse(v.latest.at) > Date.parse(p.latest!.at) ? v : null;
    });
    expect(later.history.length).toBeGreaterThan(p.history.length);
    const status = await json<{ paper: { runId: string; state: string; error: string | null }[] }>(
      `${system.url}/api/status`,
    );
    for (const r of status.paper) expect([r.runId, r.state, r.error]).toEqual([r.runId, 'running', null]);

    // The embedded store has one writer: the node stops before the log is read. The first run re-runs
    // through the CLI a person uses; the others by the same function (replay/audit/rerun.ts) in this
    // process, because a CLI per run spent its seconds loading modules.
    await system.stop({ keepData: true });
    const [first, ...others] = runIds;
    const report = execFileSync(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      ['scripts/replay.ts', 'rerun', first!],
      { cwd: repoRoot, env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, encoding: 'utf8' },
    );
    expect(report).toMatch(new RegExp(`run ${first} re-ran identically: \\d+ events`));
    const opened = await openStore({ dataDir });
    try {
      for (const id of others) {
        const r = await rerun(opened.store, id);
        expect([id, r.identical, r.divergence]).toEqual([id, true, null]);
        expect(r.events).toBeGreaterThan(0);
      }
    } finally {
      await opened.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
    system = undefined;
  }, 300_000);
});
