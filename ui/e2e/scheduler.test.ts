import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildUi,
  chromiumPath,
  haveChromium,
  launchBrowser,
  type RunningSystem,
  startSystem,
} from './harness';

/**
 * Automation 1 end to end, without a browser: `npm start` with the scheduler on and the paper clock at
 * 50,000× (a market week in about 12 s). The paper runs' marks reach the first Monday, the scheduler
 * requests a re-optimisation of the strategy it watches, runs the optimizer on real data, and the run
 * appears in the optimizer API with its gates' verdict.
 */
let sys: RunningSystem;
let configDir = '';

const ci = process.env.CI === 'true';

beforeAll(async () => {
  if (haveChromium) buildUi();
  // One strategy at the least budget (SCHEDULER_CONFIG, the file `npm run scheduler` reads): every
  // built-in at the default budget queued five runs of 24 trials, and the person's request waited for them.
  configDir = mkdtempSync(join(tmpdir(), 'perpetua-scheduler-'));
  const config = join(configDir, 'scheduler.json');
  writeFileSync(
    config,
    JSON.stringify({ strategies: [{ strategyId: 'ema-cross', symbols: ['BTCUSDT', 'ETHUSDT'], budget: 4 }] }),
  );
  sys = await startSystem({
    SCHEDULER: 'on',
    SCHEDULER_CONFIG: config,
    PAPER_SPEED: '50000',
    PAPER_SYMBOLS: 'BTCUSDT,ETHUSDT',
    PERPETUA_APPROVERS: 'alice',
  });
  expect(sys.output()).toMatch(
    /re-optimisation scheduler: ema-cross \(cron 0 0 \* \* 1, KPIs\) from .*scheduler\.json/,
  );
}, 120_000);

afterAll(async () => {
  await sys?.stop();
  rmSync(configDir, { recursive: true, force: true });
});

const json = async <T>(path: string): Promise<T> => {
  const r = await fetch(`${sys.url}${path}`);
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
};

interface Status {
  scheduler: { caughtUp: boolean; requests: number; runsFinished: number; lastError: string | null } | null;
}
interface RunItem {
  runId: string;
  strategyId: string;
  state: string;
  verdict: 'pass' | 'fail' | null;
  dsr: number | null;
  pbo: number | null;
}

describe('npm start with the re-optimisation scheduler', () => {
  it('requests and completes an optimizer run from the paper runs’ market clock', async () => {
    const deadline = Date.now() + 150_000;
    let status: Status['scheduler'] = null;
    while (Date.now() < deadline) {
      status = (await json<Status>('/api/status')).scheduler;
      if (status && status.runsFinished >= 1) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(status, sys.output()).not.toBeNull();
    expect(status!.caughtUp).toBe(true);
    expect(status!.requests).toBeGreaterThanOrEqual(1);
    expect(status!.runsFinished, sys.output()).toBeGreaterThanOrEqual(1);
    expect(status!.lastError, sys.output()).toBeNull();

    // The scheduler counts a run finished when its last event is appended; the optimizer read model
    // shows it completed once the projection has folded that event, a moment later.
    const completedRuns = async () =>
      (await json<RunItem[]>('/api/optimizer/runs')).filter(
        (r) => r.runId.startsWith('reopt-') && r.state === 'completed',
      );
    await expect
      .poll(async () => (await completedRuns()).length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(1);
    const reopt = await completedRuns();
    for (const r of reopt) {
      expect(['pass', 'fail']).toContain(r.verdict);
      expect(r.dsr === null || Number.isFinite(r.dsr)).toBe(true);
    }
    expect(sys.output()).toMatch(/scheduler: (schedule|kpi) trigger requested re-optimisation/);

    // The Optimizer page shows what the scheduler is doing (browser part: chromium, required under CI).
    if (!haveChromium) {
      if (ci) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
      return;
    }
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${sys.url}/optimizer`);
      const card = page.getByTestId('scheduler-status');
      await card.locator('[data-state=on]').waitFor({ timeout: 20_000 });
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('following the log');
      expect(text).toMatch(/\d+ requests · [1-9]\d*\/\d+ runs finished/);

      // An approver asks for a run now, from the page; the scheduler runs it (a person's request is never
      // superseded by the automatic ones queued after it) and it completes with its gates' verdict.
      // The page shows the run it first showed until the person picks another: the runs the scheduler
      // starts meanwhile do not swap it (and the parameter card's strategy) under their hands.
      const selected = page.getByTestId('optimizer-runs').locator('tr[aria-selected=true]');
      await selected.waitFor({ timeout: 20_000 });
      const shown = await selected.getAttribute('data-run-id');
      await page.getByTestId('approver').fill('alice');
      await page.getByTestId('reoptimize').click();
      const done = page.getByTestId('reoptimize-done');
      await done.waitFor({ timeout: 20_000 });
      const requestId = /requested (\S+) at/.exec((await done.textContent()) ?? '')?.[1];
      expect(requestId).toMatch(/:manual:\d+$/);
      const runId = `reopt-${requestId}`.replace(/[^\w.-]/g, '_');
      await expect
        .poll(
          async () => {
            const list = await json<RunItem[]>('/api/optimizer/runs');
            return list.find((r) => r.runId === runId)?.state ?? 'not started';
          },
          { timeout: 150_000, interval: 1_000 },
        )
        .toBe('completed');
      const manual = (await json<RunItem[]>('/api/optimizer/runs')).find((r) => r.runId === runId)!;
      expect(['pass', 'fail']).toContain(manual.verdict);
      await expect
        .poll(() => page.getByTestId('optimizer-runs').locator(`tr[data-run-id="${runId}"]`).count(), {
          timeout: 20_000,
        })
        .toBe(1);
      expect(await selected.getAttribute('data-run-id')).toBe(shown);
      expect(await page.getByTestId('reoptimize-done').textContent()).toContain(requestId);
      await page.goto(`${sys.url}/optimizer?run=${encodeURIComponent(runId)}`);
      await page.getByTestId('parameter-versions').waitFor({ timeout: 20_000 });
    } finally {
      await browser.close();
    }
  }, 330_000);
});
