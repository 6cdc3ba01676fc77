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
 * The Optimizer page against the real system: two small optimizer runs are recorded by the CLI into the
 * temp DATA_DIR before the server starts (the embedded store has one writer), then the page shows them
 * and an approver rolls the strategy back. Skips without chromium locally, fails without it under CI.
 */
const ci = process.env.CI === 'true';
const optimize = (dataDir: string, method: string) =>
  optimizeCli(dataDir, [
    ...['--method', method, '--budget', '8', '--wfo', 'rolling:30d/15d'],
    ...['--from', '2023-01-01', '--to', '2023-03-15'],
  ]);

describe.skipIf(!haveChromium && !ci)('Optimizer page', () => {
  let system: RunningSystem;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    buildUi();
    system = await startSystem({ PERPETUA_APPROVERS: 'alice' }, (dir) => {
      optimize(dir, 'cmaes');
      optimize(dir, 'random');
    });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 30_000);

  const open = async (path: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(20_000);
    await page.goto(system.url + path);
    return page;
  };

  it('shows runs, gates, windows, the iteration curves, heatmap and OOS curve; an approver rolls back', async () => {
    const page = await open('/optimizer');
    // This system runs with SCHEDULER=off (the harness default): the page says so.
    await page.getByTestId('scheduler-status').locator('[data-state=off]').waitFor();
    const runs = page.getByTestId('optimizer-runs');
    const cmaes = runs.getByRole('cell', { name: 'cmaes', exact: true });
    await cmaes.click();
    await expect.poll(() => page.url()).toContain('run=ema-cross-cmaes');

    const gates = page.getByTestId('optimizer-gates');
    await gates.locator('tbody tr').first().waitFor();
    const gateNames = await gates.locator('tbody tr td:first-child').allTextContents();
    expect(gateNames).toEqual(expect.arrayContaining(['dsr', 'pbo', 'oosTrades']));
    expect(await gates.locator('tr[data-verdict=disabled]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('optimizer-windows').locator('tbody tr').count()).toBeGreaterThanOrEqual(2);
    // Both methods' best-so-far curves for the same strategy.
    const curve = page.getByTestId('iteration-chart');
    await curve.locator('polyline[data-method=random]').waitFor();
    expect(await curve.locator('polyline[data-method=cmaes]').count()).toBe(1);
    expect(await page.getByTestId('param-heatmap').locator('[title*="best"]').count()).toBeGreaterThan(0);
    await page.getByTestId('line-chart').locator('canvas').first().waitFor();

    // Two promoted versions: v2 is active; the server refuses an unlisted user with its own words.
    const versions = page.getByTestId('parameter-versions');
    const rollback = versions.getByRole('button', { name: 'Roll back to v1' });
    await page.getByTestId('approver').fill('mallory');
    await rollback.click();
    await expect.poll(() => page.getByTestId('action-error').textContent()).toContain('not an approver');
    await page.getByTestId('approver').fill('alice');
    await rollback.click();
    await expect
      .poll(() => page.getByTestId('action-done').textContent())
      .toContain('ParameterSetRolledBack v1');
    await versions.getByRole('button', { name: 'Roll back to v2' }).waitFor();
    await shoot(page, 'optimizer');
    expect(errors).toEqual([]);
  }, 60_000);
});
