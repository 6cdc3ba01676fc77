import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildUi,
  chromiumPath,
  haveChromium,
  launchBrowser,
  optimizeCli,
  type RunningSystem,
  shoot,
  startSystem,
} from './harness';

/**
 * Automation 2 against the real system: the CLI records an optimizer run whose candidate passes the gates
 * and is held (--hold); `npm start` trades it as a canary beside the schema defaults; the Optimizer page
 * shows the canary trading and an approver adopts it now; the node's fleet follows (the canary's run is
 * in force, the one it replaced is flat). Skips without chromium locally, fails without it under CI.
 */
const ci = process.env.CI === 'true';
// Judged for longer than the test lasts, and never on the paired test: a person ends this canary.
const plan = { minHours: 5_000, maxHours: 10_000, maxDrawdown: 0.99, minPairs: 100_000 };

const optimizeHeld = (dataDir: string) =>
  optimizeCli(dataDir, [
    ...['--method', 'random', '--budget', '6', '--wfo', 'rolling:30d/15d'],
    ...[
      '--from',
      '2023-01-01',
      '--to',
      '2023-03-01',
      '--run-id',
      'canary-e2e',
      '--hold',
      '--search-seed',
      'a',
    ],
  ]);

interface Status {
  paper: { runId: string; strategyId: string; parameters?: { version: number; role: string } }[];
}

describe.skipIf(!haveChromium && !ci)('parameter canary (Optimizer page and npm start)', () => {
  let system: RunningSystem;
  let browser: Browser;
  let held = '';
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    buildUi();
    system = await startSystem(
      {
        PERPETUA_APPROVERS: 'alice',
        PAPER_SYMBOLS: 'BTCUSDT',
        HOTLIST: 'off',
        PORTFOLIO: 'off',
        LIFECYCLE: 'off',
        PARAMETER_CANARY: JSON.stringify(plan),
        PARAMETER_CANARY_MIN_WALL_S: '0',
      },
      (dir) => {
        held = optimizeHeld(dir);
      },
    );
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 30_000);

  const open = async (path: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(30_000);
    await page.goto(system.url + path);
    return page;
  };
  const status = async () => (await (await fetch(`${system.url}/api/status`)).json()) as Status;
  const emaRuns = async () => (await status()).paper.filter((p) => p.strategyId === 'ema-cross');

  it('trades the held version as a canary at its share; an approver adopts it and the node follows', async () => {
    expect(held).toContain('verdict: PASSED, held');
    // The node starts the canary within a turn of its runs' clock being known.
    await expect
      .poll(async () => (await emaRuns()).map((r) => r.parameters?.role).sort(), { timeout: 60_000 })
      .toEqual(['canary', 'in-force']);
    const canaryRun = (await emaRuns()).find((r) => r.parameters?.role === 'canary')!;
    expect(canaryRun.runId).toMatch(/^paper-ema-cross-2023\d{4}-[0-9a-f]{6}-v1-e\d+$/);
    expect(canaryRun.parameters?.version).toBe(1);
    expect(system.output()).toMatch(
      /parameter canary ema-cross: version 1 \(\{.*\}\) trades 10 % beside version 0/,
    );

    // The dashboard marks the canary's run.
    const dash = await open('/');
    await dash.getByTestId('parameter-role').filter({ hasText: 'canary' }).waitFor();

    const page = await open('/optimizer?run=canary-e2e');
    const panel = page.getByTestId('parameter-canary');
    await panel.waitFor();
    expect(await page.getByTestId('canary-state').textContent()).toBe('canary trading');
    expect(await panel.textContent()).toContain('10.00 % of the capital beside version 0');
    await page.getByTestId('approver').fill('alice');
    await page.getByTestId('canary-adopt').click();
    // The read model follows the append within moments; on a loaded machine, several.
    await expect
      .poll(() => page.getByTestId('action-done').textContent(), { timeout: 20_000 })
      .toContain('ParameterCanaryConcluded v1, ParameterSetPromoted v1');
    await expect
      .poll(() => page.getByTestId('canary-state').textContent(), { timeout: 20_000 })
      .toBe('canary adopted');
    expect(await page.getByTestId('canary-reason').textContent()).toContain('approved by a person');
    // The fleet follows within a second: the canary's run is in force, the one it replaced is flat.
    await expect
      .poll(async () => Object.fromEntries((await emaRuns()).map((r) => [r.runId, r.parameters?.role])), {
        timeout: 20_000,
      })
      .toMatchObject({ [canaryRun.runId]: 'in-force' });
    const replaced = (await emaRuns()).filter((r) => r.parameters?.role === 'replaced');
    expect(replaced).toHaveLength(1);
    await shoot(page, 'canary');
    // Back to the schema defaults: the node reinstates the run v0 had, and v1's is flattened.
    await page.getByTestId('rollback-defaults').click();
    await expect
      .poll(() => page.getByTestId('action-done').textContent(), { timeout: 20_000 })
      .toContain('ParameterSetRolledBack');
    await expect
      .poll(async () => Object.fromEntries((await emaRuns()).map((r) => [r.runId, r.parameters?.role])), {
        timeout: 20_000,
      })
      .toEqual({ [replaced[0]!.runId]: 'in-force', [canaryRun.runId]: 'replaced' });
    expect(system.output()).toContain('parameter canary ema-cross: version 0 in force, its run trades');
    // The rollback is an alert on the dashboard, in the server's words.
    const dash2 = await open('/');
    await expect
      .poll(() => dash2.getByTestId('alert-title').allTextContents(), { timeout: 20_000 })
      .toContainEqual(
        expect.stringMatching(/^ema-cross parameters rolled back from v1 to the schema defaults/),
      );
    expect(
      await dash2
        .locator('[data-testid=alert-row][data-severity=warning]')
        .filter({ hasText: 'rolled back' })
        .count(),
    ).toBe(1);
    // "why" opens the decision chain behind the alert, with the rollback itself outlined.
    await dash2
      .locator('[data-testid=alert-row]')
      .filter({ hasText: 'rolled back' })
      .getByTestId('alert-explain')
      .click();
    await dash2.locator('[data-testid=chain-link][data-type=ParameterSetRolledBack][data-focused]').waitFor();
    expect(errors).toEqual([]);
  }, 150_000);
});
