import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildUi,
  chromiumPath,
  haveChromium,
  launchBrowser,
  type RunningSystem,
  shoot,
  startSystem,
} from './harness';

/**
 * The browser tests of issue 9: the system as `npm start` brings it up, driven through Debian's chromium.
 * Screenshots go to ui/e2e/artifacts/ for a person to look at. Without chromium they skip locally, but
 * under CI=true they fail: CI installs it (.ci/run), so its absence there is a broken setup.
 */
const ci = process.env.CI === 'true';

describe.skipIf(!haveChromium && !ci)('web UI against the running system', () => {
  let system: RunningSystem;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    buildUi();
    // A fresh clone's first run: the node makes its store in an empty directory.
    system = await startSystem({ PERPETUA_APPROVERS: 'alice' }, undefined, undefined, { emptyDir: true });
    expect(system.output()).toMatch(/store: open at .*; migrations applied 0001_event_log/);
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 30_000);

  /**
   * Uncaught errors, and console errors (a view's error boundary logs what it caught, a failed fetch too);
   * `expected` is a console error the test provokes on purpose (a refused request).
   */
  const watch = (page: Page, path: string, expected?: RegExp) => {
    page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !expected?.test(m.text())) pageErrors.push(`${path}: console: ${m.text()}`);
    });
  };

  const open = async (path: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    watch(page, path);
    page.setDefaultTimeout(30_000);
    await page.goto(system.url + path);
    return page;
  };

  it('serves the SPA for any path, and the API beside it', async () => {
    const deep = await fetch(`${system.url}/audit?type=RiskDecided`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const health = await fetch(`${system.url}/api/health`);
    expect(health.headers.get('content-type')).toContain('application/json');
  });

  it('the dashboard shows PnL changing through the WebSocket', async () => {
    const frames: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    watch(page, '/');
    page.on('websocket', (ws) => {
      ws.on('framereceived', (f) => {
        if (typeof f.payload === 'string') frames.push(f.payload);
      });
    });
    await page.goto(system.url);
    await page.locator('[data-testid=live-indicator][data-state=open]').waitFor({ timeout: 20_000 });
    // The alerts feed renders: the alerts it lists, or says there are none (a calm paper start has none).
    const alertsCard = page.getByTestId('alerts-card');
    await alertsCard.waitFor();
    await alertsCard.locator('[data-testid=alert-row], [data-testid=alerts-empty]').first().waitFor();
    // As many rows as the API lists (the card shows the latest 20); polled, as paper trading may add one.
    const listed = async () =>
      ((await (await fetch(`${system.url}/api/alerts?limit=20`)).json()) as { items: unknown[] }).items
        .length;
    await expect
      .poll(async () => (await alertsCard.getByTestId('alert-row').count()) === (await listed()), {
        timeout: 20_000,
      })
      .toBe(true);
    // Paper trading needs a few simulated days before the first fill books PnL.
    const total = page.getByTestId('pnl-total');
    await total.waitFor({ state: 'attached', timeout: 90_000 });
    const before = await total.textContent();
    const pnlFrames = () => frames.filter((f) => f.includes('"channel":"pnl"')).length;
    const seen = pnlFrames();
    await expect
      .poll(async () => (await total.textContent()) !== before && pnlFrames() > seen, {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(true);
    await expect.poll(() => page.locator('[data-testid=heatmap-cell]').count()).toBeGreaterThan(0);
    await page.locator('[data-testid=line-chart] canvas').first().waitFor();
    await page.waitForTimeout(1_000);
    await shoot(page, 'dashboard');
    await page.close();
  }, 240_000);

  it('an approver steps a tripped breaker down from the dashboard, and the alerts say so', async () => {
    const page = await open('/');
    // Paper trading trips a strategy's ladder (a loss streak, a drawdown) within a few simulated days.
    const tripped = page
      .locator('[data-testid=breaker][data-scope=strategy]')
      .filter({ has: page.getByTestId('step-down') })
      .first();
    await tripped.waitFor({ timeout: 120_000 });
    const runId = (await tripped.getAttribute('data-scope-id'))!;
    await tripped.getByTestId('step-down').click();
    const sheet = page.getByTestId('step-down-sheet');
    await sheet.getByTestId('step-down-target').selectOption('normal');
    await sheet.getByTestId('step-down-reason').fill('reviewed the trip in the e2e test');
    await sheet.getByTestId('step-down-approver').fill('alice');
    await sheet.getByTestId('step-down-confirm').click();
    await page.getByTestId('step-down-done').waitFor();
    // The engine wrote the approval and the step down; the read models and the alerts follow.
    const alerts = async () =>
      (
        (await (await fetch(`${system.url}/api/alerts?limit=100`)).json()) as { items: { title: string }[] }
      ).items.map((a) => a.title);
    await expect
      .poll(alerts, { timeout: 20_000 })
      .toContainEqual(
        expect.stringMatching(
          new RegExp(`^Strategy ${runId} breaker stepped down .* → normal, approved by user:alice$`),
        ),
      );
    // The card shows the ladder at normal, with nothing left to step down.
    const row = page.locator(`[data-testid=breaker][data-scope=strategy][data-scope-id="${runId}"]`);
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/normal/);
    expect(await row.getByTestId('step-down').count()).toBe(0);
    await shoot(page, 'breaker-step-down');
  });

  it('an approver sets a symbol limit on the Risk page, and every running paper run takes it', async () => {
    const page = await open('/');
    await page.getByRole('link', { name: 'Risk' }).click();
    const form = page.getByTestId('limits-form');
    await form.getByTestId('limits-scope').selectOption('symbol');
    await form.getByTestId('limits-key').fill('btcusdt');
    await form.getByTestId('limit-input-maxLeverage').fill('3');
    await form.getByTestId('limits-reason').fill('BTC at 3x, set in the e2e test');
    await form.getByTestId('limits-approver').fill('alice');
    const running = async () =>
      (
        (await (await fetch(`${system.url}/api/status`)).json()) as {
          paper: { runId: string; state: string }[];
        }
      ).paper
        .filter((r) => r.state === 'running')
        .map((r) => `run-${r.runId}`)
        .sort();
    const runs = await running();
    expect(runs.length).toBeGreaterThan(0);
    await form.getByTestId('limits-submit').click();
    const done = page.getByTestId('limits-done');
    await done.waitFor();
    const changeId = (await done.getAttribute('data-change-id'))!;
    // The table and the history follow the read model.
    const row = page.locator('[data-testid=override-row][data-scope=symbol][data-key=BTCUSDT]');
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('max leverage 3×');
    const change = page.locator(`[data-testid=limit-change][data-change-id="${changeId}"]`);
    await change.waitFor();
    expect(await change.textContent()).toMatch(
      /symbol BTCUSDT.*max leverage 3×.*user:alice.*BTC at 3x, set in the e2e test/,
    );
    expect(await page.getByTestId('limit-change').first().getAttribute('data-change-id')).toBe(changeId);
    // Each run that was trading takes it between two steps and records so in its own stream.
    const applied = async () =>
      (
        (await (
          await fetch(
            `${system.url}/api/audit/timeline?type=RiskLimitsApplied&correlationId=risk-limits:${changeId}&limit=100`,
          )
        ).json()) as { items: { streamId: string }[] }
      ).items
        .map((i) => i.streamId)
        .sort();
    await expect.poll(applied, { timeout: 20_000 }).toEqual(expect.arrayContaining(runs));
    await shoot(page, 'risk-limits');
    await page.close();
  }, 60_000);

  it('an order opens its decision chain with every risk rule checked', async () => {
    const page = await open('/orders');
    const rows = page.getByTestId('order-row');
    await rows.first().waitFor({ timeout: 60_000 });
    // Engine-held stop orders have no risk decision of their own; look for an order that does.
    let found = false;
    const n = Math.min(await rows.count(), 10);
    for (let i = 0; i < n && !found; i++) {
      await rows.nth(i).click();
      await page.getByTestId('chain-link').first().waitFor();
      found = (await page.locator('[data-testid=chain-link][data-type=RiskDecided]').count()) > 0;
      if (!found) await page.keyboard.press('Escape');
    }
    expect(found).toBe(true);
    const checks = page.getByTestId('risk-check');
    expect(await checks.count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid=chain-link][data-type=SignalEmitted]').count())
      .toBeGreaterThan(0);
    await checks.first().scrollIntoViewIfNeeded();
    await shoot(page, 'decision-chain', false);
    await page.close();
  }, 120_000);

  it('lists every strategy with its state, version, parameters and KPIs', async () => {
    const page = await open('/strategies');
    const cards = page.getByTestId('strategy-card');
    await cards.first().waitFor();
    expect(await cards.count()).toBeGreaterThanOrEqual(5);
    const first = cards.first();
    expect(await first.getByTestId('strategy-params').textContent()).not.toBe('');
    expect(await first.getByTestId('kpis').textContent()).toMatch(/Return/);
    expect(await first.textContent()).toMatch(/running|stopped|halted/);
    await page.locator('[data-testid=strategy-card] [data-testid=line-chart] canvas').first().waitFor();
    await shoot(page, 'strategies');
    await page.close();
  }, 60_000);

  it('runs a small backtest from the form, validated before it is sent', async () => {
    const page = await open('/backtests');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/backtests')) posts.push(r.postData() ?? '');
    });
    const form = page.getByTestId('backtest-form');
    await page.locator('#bt-strategy option').first().waitFor({ state: 'attached' });
    // Invalid first: the zod schema stops it in the browser.
    await form.locator('#bt-symbols').fill('btc usdt!');
    await form.locator('#bt-to').fill('2022-12-01');
    await form.locator('#bt-leverage').fill('0');
    await page.getByTestId('start-backtest').click();
    await expect.poll(() => page.getByTestId('field-error').count()).toBeGreaterThanOrEqual(3);
    expect(posts).toHaveLength(0);
    await shoot(page, 'backtest-invalid', false);

    // A month of two symbols: small enough to finish in seconds, long enough for the breakout to trade.
    await form.locator('#bt-strategy').selectOption('donchian-breakout');
    await form.locator('#bt-symbols').fill('BTCUSDT, ETHUSDT');
    await form.locator('#bt-from').fill('2023-01-01');
    await form.locator('#bt-to').fill('2023-02-01');
    await form.locator('#bt-timeframe').selectOption('1h');
    await form.locator('#bt-balance').fill('2500');
    await form.locator('#bt-leverage').fill('5');
    await form.locator('#bt-fee-tier').selectOption('VIP3');
    await page.getByTestId('start-backtest').click();
    await expect.poll(() => posts.length).toBe(1);
    expect(JSON.parse(posts[0] ?? '{}')).toMatchObject({
      strategyId: 'donchian-breakout',
      symbols: ['BTCUSDT', 'ETHUSDT'],
      from: '2023-01-01',
      to: '2023-02-01',
      timeframe: '1h',
      initialBalance: '2500',
      leverage: 5,
      feeTier: 'VIP3',
    });
    // Own rates left empty: none sent, the tier's apply.
    expect(JSON.parse(posts[0] ?? '{}')).not.toHaveProperty('feeRates');
    await page.getByTestId('backtest-progress').waitFor();
    expect(await page.getByTestId('backtest-settings').textContent()).toBe('2500 USDT · 5× · VIP3');
    const status = page.getByTestId('backtest-status');
    await expect.poll(() => status.textContent(), { timeout: 120_000, interval: 500 }).toMatch(/done|failed/);
    expect(await status.textContent()).toBe('done');
    await page.getByTestId('backtest-report').waitFor();
    expect(await page.getByTestId('kpis').last().textContent()).toMatch(/Return/);
    expect(await page.locator('[data-testid=backtest-trades] tbody tr').count()).toBeGreaterThan(0);
    await page.locator('[data-testid=backtest-report] [data-testid=line-chart] canvas').first().waitFor();
    await page.waitForTimeout(500);
    await shoot(page, 'backtest');
    await page.close();
  }, 180_000);

  it('own fee rates on the form: both or neither, a refused rebate said, the run names them', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // The rebate the server refuses below is a 422 on purpose; chromium logs it as a failed resource.
    watch(page, '/backtests (own rates)', /status of 422/);
    page.setDefaultTimeout(30_000);
    await page.goto(`${system.url}/backtests`);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/backtests')) posts.push(r.postData() ?? '');
    });
    const form = page.getByTestId('backtest-form');
    await page.locator('#bt-strategy option[value=donchian-breakout]').waitFor({ state: 'attached' });
    await form.locator('#bt-strategy').selectOption('donchian-breakout');
    await form.locator('#bt-from').fill('2023-01-01');
    await form.locator('#bt-to').fill('2023-01-15');
    const maker = form.locator('#bt-fee-maker');
    const taker = form.locator('#bt-fee-taker');
    const start = page.getByTestId('start-backtest');
    // The message sits under the pair of inputs, not at the foot of the form.
    const pairError = form.locator('[data-testid=bt-fee-rates] ~ [data-testid=field-error]');

    // One rate alone: the browser says which one is missing and sends nothing.
    await maker.fill('-0.0001');
    await start.click();
    await pairError.waitFor();
    expect(await pairError.textContent()).toBe('the taker rate too, or neither');
    expect(await taker.getAttribute('aria-invalid')).toBe('true');
    await maker.fill('');
    await taker.fill('0.0004');
    await start.click();
    await expect.poll(() => pairError.textContent()).toBe('the maker rate too, or neither');
    await maker.fill('-0.0001x');
    await start.click();
    await expect.poll(() => pairError.textContent()).toBe('a decimal fraction like -0.00005');
    expect(posts).toHaveLength(0);
    await shoot(page, 'backtest-fee-rates-invalid', false);

    // A rebate above the taker rate passes the syntax; the server's 422 says why, as the form shows its errors.
    await maker.fill('-0.0005');
    await start.click();
    await expect.poll(() => posts.length).toBe(1);
    await expect
      .poll(() => form.getByRole('alert').allTextContents())
      .toContainEqual(
        expect.stringMatching(/^fee rates: .*rebate -0\.0005 is larger than the taker rate 0\.0004$/),
      );
    expect(await pairError.count()).toBe(0);

    // A rebate tier: sent as feeRates, and the run shows its own rates in place of the tier.
    await maker.fill('-0.0001');
    await start.click();
    await expect.poll(() => posts.length).toBe(2);
    expect(JSON.parse(posts[1] ?? '{}')).toMatchObject({
      strategyId: 'donchian-breakout',
      feeRates: { maker: '-0.0001', taker: '0.0004' },
    });
    await page.getByTestId('backtest-progress').waitFor();
    expect(await page.getByTestId('backtest-settings').textContent()).toBe(
      '10000 USDT · 5× · own rates: maker -0.0001, taker 0.0004',
    );
    const status = page.getByTestId('backtest-status');
    await expect.poll(() => status.textContent(), { timeout: 120_000, interval: 500 }).toMatch(/done|failed/);
    expect(await status.textContent()).toBe('done');
    // The fees KPI is the net of commissions and rebates, and says so.
    const fees = page.getByTestId('kpis').last().locator('div', { hasText: 'Fees (net)' });
    expect(await fees.getAttribute('title')).toMatch(/less maker rebates/);
    await shoot(page, 'backtest-fee-rates');
    await page.close();
  }, 180_000);

  it('a negative fee in the fills table reads as a maker rebate', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    watch(page, '/orders?tab=fills');
    page.setDefaultTimeout(30_000);
    // The paper runs pay their tier's fees: a rebate account's fills stand in here, in the contract's shape.
    const fill = (fee: string, liquidity: string, at: string) => ({
      orderId: `ord-rebate-${liquidity}`,
      symbol: 'BTCUSDT',
      side: 'BUY',
      quantity: '0.010',
      price: '16543.2',
      fee,
      realisedPnl: '0',
      liquidity,
      forced: null,
      at,
      correlationId: `corr-${liquidity}`,
    });
    await page.route(/\/api\/fills(\?|$)/, (route) =>
      route.fulfill({
        json: {
          items: [
            fill('-0.0165', 'maker', '2023-01-02T00:00:00.000Z'),
            fill('0.0661', 'taker', '2023-01-01T00:00:00.000Z'),
          ],
          nextCursor: null,
        },
      }),
    );
    await page.goto(`${system.url}/orders?tab=fills`);
    const fees = page.getByTestId('fill-fee');
    await expect.poll(() => fees.count()).toBe(2);
    expect(await fees.nth(0).textContent()).toBe('-0.0165 rebate');
    expect(await fees.nth(0).getByTestId('rebate').getAttribute('title')).toMatch(
      /rebate: paid to the account/,
    );
    expect(await fees.nth(1).textContent()).toBe('0.0661');
    expect(await fees.nth(1).getByTestId('rebate').count()).toBe(0);
    await shoot(page, 'fills-rebate', false);
    await page.close();
  });

  it('runs the tick strategy over the trade/L2 capture: its own timeframe, the capture as the span', async () => {
    const page = await open('/backtests');
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/backtests')) posts.push(r.postData() ?? '');
    });
    const form = page.getByTestId('backtest-form');
    await page.locator('#bt-strategy option[value=flow-imbalance]').waitFor({ state: 'attached' });
    await form.locator('#bt-strategy').selectOption('flow-imbalance');
    expect(await form.locator('#bt-timeframe').isDisabled()).toBe(true);
    expect(await form.locator('#bt-timeframe').textContent()).toContain('10s');
    expect(await form.locator('#bt-from').inputValue()).toBe('');
    expect(await form.locator('#bt-symbols').inputValue()).toBe('BTCUSDT');
    await page.getByTestId('start-backtest').click();
    await expect.poll(() => posts.length).toBe(1);
    const body = JSON.parse(posts[0] ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ strategyId: 'flow-imbalance', symbols: ['BTCUSDT'] });
    expect(body.timeframe).toBeUndefined();
    expect(body.from).toBeUndefined();
    const status = page.getByTestId('backtest-status');
    await expect.poll(() => status.textContent(), { timeout: 120_000, interval: 500 }).toMatch(/done|failed/);
    expect(await status.textContent()).toBe('done');
    await page.getByTestId('backtest-report').waitFor();
    expect(await page.locator('[data-testid=backtest-trades] tbody tr').count()).toBeGreaterThan(0);
    // Back to a bar strategy: the bar defaults return.
    await form.locator('#bt-strategy').selectOption('ema-cross');
    expect(await form.locator('#bt-timeframe').isDisabled()).toBe(false);
    expect(await form.locator('#bt-from').inputValue()).toBe('2023-01-01');
    await shoot(page, 'backtest-ticks');
    await page.close();
  }, 180_000);

  it('the audit timeline filters by event type and explains a decision', async () => {
    const page = await open('/audit?type=RiskDecided');
    const rows = page.getByTestId('timeline-row');
    await rows.first().waitFor({ timeout: 60_000 });
    const types = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(new Set(types)).toEqual(new Set(['RiskDecided']));
    await rows.first().click();
    // The chain opens around the clicked event, outlined.
    const focused = page.locator('[data-testid=chain-link][data-type=RiskDecided][data-focused]');
    await focused.waitFor();
    await focused.getByTestId('risk-checks').scrollIntoViewIfNeeded();
    await shoot(page, 'audit-chain', false);
    await page.close();
  }, 120_000);

  it('no page threw or logged an error', () => {
    // A 500 shows in the page only as "Failed to load resource": the server's log says which request and why.
    const serverSaid = system
      .output()
      .split('\n')
      .filter((l) => /^(\[perpetua\] )?(GET|POST|PUT|DELETE) \//.test(l) || /^\s+at /.test(l))
      .slice(0, 40)
      .join('\n');
    expect(pageErrors, serverSaid).toEqual([]);
  });
});
