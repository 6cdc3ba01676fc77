import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import { bucketStart } from '../../domain/market/timeframe.js';
import type { Lifecycle } from '../src/api/lifecycle-types';
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
 * The lifecycle (automation 8) in `npm start`, on a real account: the node paper-trades the fake
 * exchange's live bars (the real 2023 bars moved to today), trades real money through its orders API,
 * and the Lifecycle page is where one person lets a strategy trade it. With gates a few days of data can
 * pass, ema-cross reaches shadow by itself; ana (the only approver) allows real money on the page, and the
 * node starts its canary run on the exchange account at once; the node is restarted (a deploy) and the
 * next real run goes on from the first, as the page shows; she revokes it, and the run is taken off.
 * Skips without chromium locally, fails without it under CI.
 */
const ci = process.env.CI === 'true';
const HOUR = 3_600_000;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const settle = { timeout: 30_000, interval: 250 };

const shift = bucketStart(Date.now(), 24 * HOUR) - Date.UTC(2023, 5, 1);
const moved = (s: BarSeries): BarSeries => ({ ...s, openTime: s.openTime.map((t) => t + shift) });
const movedFunding = (f: FundingSeries): FundingSeries => ({ ...f, time: f.time.map((t) => t + shift) });
const bars = new Map(SYMBOLS.map((s) => [s, moved(sharedBars(s, '1h'))]));
const funding = new Map(SYMBOLS.map((s) => [s, movedFunding(sharedFunding(s))]));

const lenient = { minDays: 1, minTrades: 1, minSharpe: -100, maxDrawdown: 1 };

describe.skipIf(!haveChromium && !ci)('Lifecycle page on a real account (the fake Binance exchange)', () => {
  let fake: FakeBinance;
  let env: Record<string, string>;
  let system: RunningSystem;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    fake = await FakeBinance.start({
      balance: '1000000',
      market: {
        bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
        funding: (s) => funding.get(s),
      },
      followMarket: SYMBOLS,
    });
    buildUi();
    env = {
      PAPER_FEED: 'binance',
      PAPER_SYMBOLS: SYMBOLS.join(','),
      PAPER_FROM: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10),
      BINANCE_FUTURES_URL: fake.origin,
      LIVE_ORDERS: 'binance',
      BINANCE_API_KEY: fake.apiKey,
      BINANCE_API_SECRET: fake.secret,
      LIVE_CAPITAL: '50000',
      LIFECYCLE_GATES: JSON.stringify({ shadow: lenient, canary: lenient }),
      LIFECYCLE_EVERY_S: '1',
      // The wallet is read at any minute: by default not in the first five of an hour (funding settling),
      // and a run in those minutes found no wallet line to check.
      LIVE_WALLET_SETTLE_S: '0',
      PERPETUA_APPROVERS: 'ana',
      HOTLIST: 'off',
      PORTFOLIO: 'off',
    };
    system = await startSystem(env);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await fake?.close();
  }, 30_000);

  const read = async (): Promise<Lifecycle> => {
    const res = await fetch(`${system.url}/api/lifecycle`);
    expect(res.status).toBe(200);
    return (await res.json()) as Lifecycle;
  };

  const open = async (path: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(20_000);
    await page.goto(system.url + path);
    return page;
  };

  it('a strategy reaches shadow by itself; ana lets it trade real money on the page; the canary runs on the account; restarted, the node’s next real run goes on from it; revoked, it is taken off', async () => {
    // The first strategy whose live run passes the lenient shadow gate is the one this test takes on.
    let id = '';
    const deadline = Date.now() + 150_000;
    for (;;) {
      const l = await read();
      const first = l.strategies.find((s) => s.stage === 'shadow');
      if (first) {
        id = first.strategyId;
        break;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no strategy reached shadow: ${l.strategies.map((s) => `${s.strategyId} ${s.stage}: ${s.next?.waitingFor}`).join('; ')}\n${system.output()}`,
        );
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const emaCross = async () => (await read()).strategies.find((s) => s.strategyId === id);
    const before = await read();
    // The fake's wallet (1,000,000 USDT) backs all the strategies commit.
    expect(before.realMoney).toEqual({ venue: 'binance', why: null, capital: '50000', backing: 1 });
    expect(before.strategies.map((s) => s.strategyId)).toContain('funding-carry');
    const shadow = before.strategies.find((s) => s.strategyId === id)!;
    expect(shadow.evidence.shadow?.runId).toMatch(new RegExp(`^live-${id}-`));
    expect(shadow.next?.waitingFor).toBe('a person to let it trade real money');

    // Nobody else may decide: no header, or a user who is not an approver.
    const post = (path: string, body: unknown, user?: string) =>
      fetch(`${system.url}/api/lifecycle/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(user ? { 'x-perpetua-user': user } : {}) },
        body: JSON.stringify(body),
      });
    expect((await post('approve', { strategyId: id, approver: 'ana' })).status).toBe(403);
    expect((await post('approve', { strategyId: id, approver: 'eve' }, 'eve')).status).toBe(403);
    expect((await post('approve', { strategyId: 'Bad Id', approver: 'ana' }, 'ana')).status).toBe(400);

    let page = await open('/');
    await page.getByRole('link', { name: 'Lifecycle' }).click();
    let row = page.getByTestId(`lifecycle-row-${id}`);
    await expect
      .poll(() => page.getByTestId(`lifecycle-stage-${id}`).getAttribute('data-stage'), settle)
      .toBe('shadow');
    expect(await page.getByTestId('lifecycle-real-money').getAttribute('data-venue')).toBe('binance');
    await page.getByTestId('lifecycle-approver').fill('ana');
    await row.getByTestId(`lifecycle-approve-${id}`).click();
    const sheet = page.getByTestId('lifecycle-approve-sheet');
    expect(await sheet.getByTestId('lifecycle-approve-consequence').textContent()).toMatch(/canary/i);
    await sheet.getByTestId('lifecycle-note').fill('e2e: the shadow run looks sane');
    await shoot(page, 'lifecycle-approve', false);
    await sheet.getByTestId('lifecycle-confirm').click();

    // The next evaluation moves it to canary, and the node starts its run on the real account.
    await expect.poll(async () => (await emaCross())?.stage, settle).toBe('canary');
    await expect.poll(async () => (await emaCross())?.realRun?.state, settle).toBe('running');
    const canary = (await emaCross())!;
    expect(canary.approvedBy).toBe('ana');
    // The strategy's first real run: nothing before it to go on from.
    expect(canary.realRun).toMatchObject({
      mode: 'canary',
      share: 0.1,
      error: null,
      unbooked: [],
      wentOnFrom: [],
    });
    expect(canary.realRun!.runId).toMatch(new RegExp(`^real-${id}-`));
    const status = (await (await fetch(`${system.url}/api/status`)).json()) as {
      paper: { runId: string; mode: string }[];
    };
    expect(status.paper.find((p) => p.runId === canary.realRun!.runId)?.mode).toBe('canary');
    expect(status.paper.filter((p) => p.mode === 'paper').length).toBeGreaterThan(0);
    expect((await post('approve', { strategyId: id, approver: 'ana' }, 'ana')).status).toBe(422);
    await expect
      .poll(() => page.getByTestId(`lifecycle-stage-${id}`).getAttribute('data-stage'), settle)
      .toBe('canary');
    await expect.poll(() => row.getByTestId('lifecycle-real-run-share').textContent(), settle).toMatch(/10/);
    // The account is reconciled with the real run's ledger: its positions, and its wallet to the unit.
    await expect
      .poll(() => page.getByTestId('lifecycle-wallet-check').getAttribute('data-unexplained'), settle)
      .toBe('0');
    expect(await page.getByTestId('lifecycle-account-check').getAttribute('data-matched')).toBe('true');
    await shoot(page, 'lifecycle');

    // The dashboard tells the real run from the paper ones.
    const dash = await open('/');
    await expect.poll(() => dash.getByTestId('real-money-run').count(), settle).toBe(1);
    // The exchange's rate-limit windows as the node counts them: the limits the fake lists, all well.
    const venue = dash.getByTestId('venue-status');
    expect(await venue.getAttribute('data-venue')).toBe('binance');
    expect(
      await venue
        .getByTestId('venue-rate-window')
        .evaluateAll((ws) =>
          ws.map((w) => `${w.getAttribute('data-kind')} ${w.getAttribute('data-window')}`),
        ),
    ).toEqual(['weight 1M', 'orders 1M', 'orders 10S']);
    expect(await venue.getByTestId('venue-stopped').count()).toBe(0);
    // The fake's key reads and trades futures from one IP, and cannot withdraw.
    expect(await venue.getByTestId('venue-key').getAttribute('data-refused')).toBe('false');
    expect(await venue.getByTestId('venue-key').textContent()).toMatch(/cannot withdraw, this IP only/);
    // The fake exchange runs on this machine's clock: the offset measured is its reply's delay at most,
    // which a loaded CI machine makes tens of ms; well under the second that would be an alert.
    expect(
      Math.abs(Number((await venue.getByTestId('venue-clock').textContent())?.match(/-?\d+/)?.[0])),
    ).toBeLessThan(1_000);
    expect(await dash.getByTestId('real-money-run').textContent()).toBe('real money · canary');
    await dash.close();

    // A deploy: the node restarts on the same store. The strategy's next real run goes on from the first
    // (its evidence on real money, and what else it left), and the page says so under the run.
    const first = canary.realRun!.runId;
    await page.close();
    await system.stop({ keepData: true });
    system = await startSystem(env, undefined, system.dataDir);
    await expect
      .poll(
        async () => {
          const run = (await emaCross())?.realRun;
          return run?.runId !== first && run?.state === 'running';
        },
        { timeout: 120_000, interval: 500 },
      )
      .toBe(true);
    const next = (await emaCross())!;
    expect(next.stage).toBe('canary');
    expect(next.realRun!.runId).toMatch(new RegExp(`^real-${id}-`));
    expect(next.realRun!.wentOnFrom).toContain(`its lifecycle evidence goes on from ${first}`);
    page = await open('/');
    await page.getByRole('link', { name: 'Lifecycle' }).click();
    row = page.getByTestId(`lifecycle-row-${id}`);
    await page.getByTestId('lifecycle-approver').fill('ana');
    const wentOn = row.getByTestId('lifecycle-real-run-went-on');
    await expect.poll(() => wentOn.count(), settle).toBe(1);
    expect(await wentOn.locator('li').allTextContents()).toEqual(next.realRun!.wentOnFrom);
    await shoot(page, 'lifecycle-restarted', false);

    // Revoked on the page (a reason is required): off real money at once.
    await row.getByTestId(`lifecycle-revoke-${id}`).click();
    const revoke = page.getByTestId('lifecycle-revoke-sheet');
    await revoke.getByTestId('lifecycle-reason').fill('e2e: enough');
    await revoke.getByTestId('lifecycle-confirm').click();
    await expect.poll(async () => (await emaCross())?.stage, settle).toBe('shadow');
    await expect.poll(async () => (await emaCross())?.realRun?.share, settle).toBe(0);
    const after = await read();
    expect(after.history.slice(0, 3).map((m) => [m.kind, m.from, m.to, m.actor])).toEqual([
      ['stage', 'canary', 'shadow', 'user:ana'],
      ['revoked', null, null, 'user:ana'],
      ['stage', 'shadow', 'canary', 'system:lifecycle'],
    ]);
    await expect
      .poll(
        () =>
          page
            .getByTestId('lifecycle-history')
            .getByTestId('lifecycle-history-row')
            .first()
            .getAttribute('data-reason'),
        settle,
      )
      .toBe('revoked');
    expect(errors).toEqual([]);
    // The account's calls kept within Binance's limits as the exchange lists them: never told 429, and
    // the share of each window used is on /metrics.
    expect(fake.throttled()).toEqual([]);
    const metrics = await (await fetch(`${system.url}/metrics`)).text();
    expect(metrics).toMatch(/^perpetua_venue_rate_used_ratio\{kind="weight",window="1M"\} [\d.e-]+$/m);
    expect(metrics).toMatch(/^perpetua_venue_rate_used_ratio\{kind="orders",window="10S"\} \d/m);
    expect(metrics).toMatch(/^perpetua_venue_clock_offset_seconds -?[\d.e-]+$/m);
  }, 300_000);
});
