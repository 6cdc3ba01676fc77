import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Portfolio, PortfolioHistoryPoint, RebalanceAccepted } from '../src/api/portfolio-types';
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
 * The Portfolio page (automation 7, the strategy bandit) against the real system: the node rounds
 * every ~2 s of wall time on the paper runs' market clock (PORTFOLIO_MIN_WALL_S=2), so the page is
 * compared with the API's answer for the very round it shows. A user who is not an approver is refused
 * with the server's 403; alice's "Rebalance now" either records a round or is told a round at that
 * market hour exists, and the page must say whichever the server answered. Skips without chromium
 * locally, fails without it under CI.
 */
const ci = process.env.CI === 'true';
/** A server round trip and the projection behind it, on a CI machine that is also running paper trading. */
const settle = { timeout: 20_000, interval: 200 };
const builtIns = ['bollinger-rsi', 'donchian-breakout', 'ema-cross', 'funding-carry', 'vol-breakout'];

/** The page's formats, restated: a weight with one decimal, a time as UTC without the T and zone. */
const pct1 = (w: number) => `${(w * 100).toFixed(1)}%`;
const time = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 19);

/** Rounds where a strategy went onto the bench (benched or cooling, and not in the round before). */
const benchStarts = (history: readonly PortfolioHistoryPoint[]): number =>
  history.reduce(
    (n, h, i) => n + h.benched.filter((id) => !(history[i - 1]?.benched ?? []).includes(id)).length,
    0,
  );

interface Shown {
  roundId: string | null;
  at: string | null;
  round: string;
  arms: {
    id: string | null;
    status: string | null;
    badge: string;
    weight: number;
    weightText: string;
    target: string;
    change: string;
    win: string;
    reward: string;
    evidence: string;
    eligible: string;
    until: string | null;
    reasons: string[];
  }[];
  chart: { rounds: number; lastRoundId: string | null; benchSpans: number; canvases: number };
  legend: { roundId: string | null; items: { id: string | null; text: string; benched: string | null }[] };
  correlated: { a: string | null; b: string | null; cut: string | null }[];
  correlatedNone: boolean;
}

/** Everything the page shows of the bandit, read in one go: one render of one answer of the API. */
const snapshot = (page: Page): Promise<Shown> =>
  page.evaluate(() => {
    const q = (root: ParentNode, id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);
    const all = (root: ParentNode, id: string) => [
      ...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`),
    ];
    const text = (el: HTMLElement | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const round = q(document, 'portfolio-round');
    const weights = q(document, 'portfolio-weights');
    const legend = q(document, 'weights-legend');
    return {
      roundId: round?.dataset.roundId ?? null,
      at: round?.dataset.at ?? null,
      round: text(round),
      arms: all(document, 'arm-row').map((row) => {
        const id = row.dataset.strategy ?? null;
        const reasons = document.querySelector<HTMLElement>(
          `[data-testid="arm-reasons"][data-strategy="${id}"]`,
        );
        return {
          id,
          status: row.dataset.status ?? null,
          badge: text(q(row, 'arm-status')),
          weight: Number(q(row, 'arm-weight')?.dataset.weight),
          weightText: text(q(row, 'arm-weight')),
          target: text(q(row, 'arm-target')),
          change: text(q(row, 'arm-change')),
          win: text(q(row, 'arm-win')),
          reward: text(q(row, 'arm-reward')),
          evidence: text(q(row, 'arm-evidence')),
          eligible: text(q(row, 'arm-eligible')),
          until: q(row, 'arm-benched-until') ? text(q(row, 'arm-benched-until')) : null,
          reasons: reasons ? all(reasons, 'arm-reason').map(text) : [],
        };
      }),
      chart: {
        rounds: Number(weights?.dataset.rounds),
        lastRoundId: weights?.dataset.lastRoundId ?? null,
        benchSpans: Number(weights?.dataset.benchSpans),
        canvases: weights?.querySelectorAll('canvas').length ?? 0,
      },
      legend: {
        roundId: legend?.dataset.roundId ?? null,
        items: legend
          ? all(legend, 'legend-item').map((el) => ({
              id: el.dataset.strategy ?? null,
              text: text(el),
              benched: el.dataset.benched ?? null,
            }))
          : [],
      },
      correlated: all(document, 'correlated-pair').map((el) => ({
        a: el.dataset.a ?? null,
        b: el.dataset.b ?? null,
        cut: text(q(el, 'correlated-cut')),
      })),
      correlatedNone: q(document, 'correlated-none') !== null,
    };
  });

describe.skipIf(!haveChromium && !ci)('Portfolio page', () => {
  let system: RunningSystem;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    buildUi();
    system = await startSystem({ PERPETUA_APPROVERS: 'alice', PORTFOLIO_MIN_WALL_S: '2' });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  }, 30_000);

  const readPortfolio = async (): Promise<Portfolio> => {
    const res = await fetch(`${system.url}/api/portfolio`);
    expect(res.status).toBe(200);
    return (await res.json()) as Portfolio;
  };

  const open = async (path: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    // Page errors only: the refused requests are logged to the console by the browser itself.
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(20_000);
    await page.goto(system.url + path);
    return page;
  };

  it('shows every arm of the latest round as the API does, the weights over time, and rebalances for approvers only', async () => {
    // The node's first round comes once the paper runs have a clock; then one every ~2 s of wall time.
    await expect
      .poll(
        async () => {
          const p = await readPortfolio();
          return (p.latest?.arms.length ?? 0) > 0 && p.history.length >= 2;
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toBe(true);
    const first = await readPortfolio();
    expect(first.enabled).toBe(true);
    expect(first.latest!.arms.map((a) => a.id).sort()).toEqual(builtIns);

    // Reached from the main navigation.
    const page = await open('/');
    await page.getByRole('link', { name: 'Portfolio' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/portfolio');
    await page.getByTestId('portfolio-arms').waitFor();
    await page.locator('[data-testid=weights-chart] canvas').first().waitFor();
    // Until the first round is recorded the page says so; it is recorded already here.
    expect(await page.getByTestId('portfolio-no-round').count()).toBe(0);
    expect(await page.getByTestId('portfolio-disabled').count()).toBe(0);

    // Rounds keep coming: read the API before and after the page, and compare the page with the answer
    // that holds the round it shows.
    let match: { s: Shown; p: Portfolio } | null = null;
    await expect
      .poll(
        async () => {
          const before = await readPortfolio();
          const shown = await snapshot(page);
          const after = await readPortfolio();
          const p = [before, after].find((x) => x.latest?.roundId === shown.roundId);
          match = p ? { s: shown, p } : null;
          return match !== null;
        },
        { timeout: 30_000, interval: 300 },
      )
      .toBe(true);
    if (!match) throw new Error('the page never showed the round the API answered with');
    const { s, p } = match as { s: Shown; p: Portfolio };
    const latest = p.latest!;
    expect(s.at).toBe(latest.at);
    expect(s.round).toContain(time(latest.at));
    expect(s.round).toContain(latest.policy);

    // Every arm, in the API's order, with its status and weight as the API says.
    expect(s.arms.map((a) => a.id)).toEqual(latest.arms.map((a) => a.id));
    for (const a of latest.arms) {
      const row = s.arms.find((x) => x.id === a.id)!;
      expect(row.status, a.id).toBe(a.status);
      expect(row.badge, a.id).toContain(a.status);
      expect(row.weight, a.id).toBe(a.weightAfter);
      expect(row.weightText, a.id).toBe(pct1(a.weightAfter));
      expect(row.target, a.id).toBe(pct1(a.targetWeight));
      expect(row.change, a.id).toContain(`${pct1(a.weightBefore)} → ${pct1(a.weightAfter)}`);
      expect(row.win, a.id).toBe(pct1(a.winProbability));
      expect(row.reward, a.id).toContain(`${a.mean.toFixed(3)} ± ${a.std.toFixed(3)}`);
      expect(row.evidence, a.id).toContain(`${a.periods} periods`);
      expect(row.evidence, a.id).toContain(`${a.trades} trades`);
      expect(row.eligible, a.id).toBe(a.eligible ? 'yes' : 'no');
      expect(row.reasons, a.id).toEqual(a.reasons);
      // Benched and cooling arms say until when; the others have no cooldown to show.
      const onBench = a.status === 'benched' || a.status === 'cooling';
      expect(row.until, a.id).toBe(onBench ? `until ${time(a.benchedUntil!).slice(0, 16)}` : null);
    }
    const total = latest.arms.reduce((sum, a) => sum + a.weightAfter, 0);
    expect(total).toBeCloseTo(1, 6);

    // Correlated pairs as the round recorded them, or the note that there are none.
    expect(s.correlated).toEqual(latest.correlated.map((c) => ({ a: c.a, b: c.b, cut: c.cut })));
    expect(s.correlatedNone).toBe(latest.correlated.length === 0);

    // The weights over time: every round of the history drawn, the newest one in the legend with each
    // strategy's weight, and one bench arrow per stretch on the bench.
    expect(p.history.length).toBeGreaterThanOrEqual(2);
    expect(s.chart.canvases).toBeGreaterThan(0);
    expect(s.chart.rounds).toBe(p.history.length);
    expect(s.chart.lastRoundId).toBe(latest.roundId);
    expect(s.chart.benchSpans).toBe(benchStarts(p.history));
    const newest = p.history[p.history.length - 1]!;
    expect(newest.roundId).toBe(latest.roundId);
    expect(s.legend.roundId).toBe(newest.roundId);
    expect(s.legend.items.map((i) => i.id)).toEqual(builtIns);
    for (const item of s.legend.items) {
      expect(item.text).toContain(pct1(newest.weights[item.id!] ?? Number.NaN));
      expect(item.benched).toBe(String(newest.benched.includes(item.id!)));
    }
    await shoot(page, 'portfolio');

    // The page follows new rounds by itself (live events, the poll as a safety net).
    await expect.poll(async () => (await snapshot(page)).roundId, settle).not.toBe(s.roundId);

    // Not an approver: the server's 403 in its own words.
    const card = page.getByTestId('portfolio-rebalance');
    const approver = card.getByTestId('portfolio-approver');
    const button = card.getByTestId('rebalance');
    expect(await button.isDisabled()).toBe(true);
    await approver.fill('mallory');
    const refused = await fetch(`${system.url}/api/alloc/rebalance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-perpetua-user': 'mallory' },
      body: JSON.stringify({ mode: 'bandit', approver: 'mallory' }),
    });
    expect(refused.status).toBe(403);
    const refusal = ((await refused.json()) as { error: { code: string; message: string } }).error;
    expect(refusal.code).toBe('forbidden');
    await button.click();
    const error = card.getByTestId('rebalance-error');
    await expect.poll(() => error.getAttribute('data-code'), settle).toBe('forbidden');
    expect(await error.getAttribute('data-status')).toBe('403');
    expect(await error.textContent()).toContain(`403 forbidden: ${refusal.message}`);
    expect(await error.textContent()).toContain('PERPETUA_APPROVERS');
    expect(await card.getByTestId('rebalance-done').count()).toBe(0);
    await shoot(page, 'portfolio-refused');

    // alice: a round at the runs' market hour, or the rule that one exists there already. Either is
    // right; the page must say the one the server answered.
    await approver.fill('alice');
    const answered = page.waitForResponse(
      (r) => r.url().endsWith('/api/alloc/rebalance') && r.request().method() === 'POST',
    );
    await button.click();
    const response = await answered;
    const status = response.status();
    const body = (await response.json()) as RebalanceAccepted | { error: { code: string; message: string } };
    expect([200, 422]).toContain(status);
    if (status === 200) {
      const accepted = body as RebalanceAccepted;
      const done = card.getByTestId('rebalance-done');
      await done.waitFor();
      expect(await done.getAttribute('data-round-id')).toBe(accepted.roundId);
      expect(await done.textContent()).toContain(time(accepted.at));
      expect(await done.textContent()).toContain('alice');
      expect(await card.getByTestId('rebalance-error').count()).toBe(0);
      // Recorded: in the API's history, and the page shows it or a later round.
      await expect
        .poll(async () => (await readPortfolio()).history.some((h) => h.roundId === accepted.roundId), settle)
        .toBe(true);
      const recorded = (await readPortfolio()).history.find((h) => h.roundId === accepted.roundId)!;
      expect(recorded.at).toBe(accepted.at);
      await expect
        .poll(async () => {
          const now = await snapshot(page);
          return now.at !== null && now.at >= accepted.at;
        }, settle)
        .toBe(true);
    } else {
      const refusal422 = (body as { error: { code: string; message: string } }).error;
      expect(refusal422.code).toBe('round-out-of-order');
      await expect.poll(() => error.getAttribute('data-code'), settle).toBe('round-out-of-order');
      expect(await error.getAttribute('data-status')).toBe('422');
      // The server's message, whose leading rule the page shows once, as the code.
      const detail = refusal422.message.replace(/^round-out-of-order: /, '');
      expect(detail.length).toBeGreaterThan(0);
      expect(await error.textContent()).toContain(`422 round-out-of-order: ${detail}`);
      expect(await error.textContent()).toContain('A round at this market hour exists already');
      expect(await card.getByTestId('rebalance-done').count()).toBe(0);
    }
    await shoot(page, 'portfolio-rebalanced');

    // The approver is remembered in the browser for the next action.
    await page.reload();
    expect(await page.getByTestId('portfolio-approver').inputValue()).toBe('alice');
    expect(errors).toEqual([]);
  }, 240_000);
});
