import type { Browser, Page } from 'playwright-core';
import type { Plugin } from 'vite';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, haveChromium, launchBrowser, repoRoot } from './harness';

/**
 * The UI's LineChart alone in chromium, bundled from ui/src with vite (no server, no store): what part of
 * a curve it shows. lightweight-charts draws on a canvas, so the test reads the chart's own visible
 * range; a plugin hands every chart createChart makes to the page. Skips without chromium like the
 * other browser tests, and fails without it under CI.
 */
const ci = process.env.CI === 'true';

const spyId = '\0chart-spy';
const entryId = '\0chart-entry';
const bundle = async (): Promise<string> => {
  const plugin: Plugin = {
    name: 'chart-spy',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id === 'chart-entry') return entryId;
      if (id === 'lightweight-charts' && importer !== spyId) return spyId;
      return null;
    },
    load(id) {
      if (id === spyId)
        return `import { createChart as make } from 'lightweight-charts';
export * from 'lightweight-charts';
export function createChart(...args) {
  const c = make(...args);
  (window.charts ??= []).push(c);
  return c;
}`;
      if (id === entryId)
        return `import { createElement } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { LineChart } from ${JSON.stringify(`${repoRoot}ui/src/components/charts/line-chart.tsx`)};
const root = createRoot(document.getElementById('root'));
window.draw = (series) => flushSync(() => root.render(createElement(LineChart, { series })));`;
      return null;
    },
  };
  const out = await build({
    configFile: false,
    root: `${repoRoot}ui`,
    logLevel: 'silent',
    plugins: [plugin],
    resolve: { alias: { '@': `${repoRoot}ui/src` } },
    esbuild: { jsx: 'automatic' },
    build: {
      write: false,
      minify: false,
      modulePreload: false,
      rollupOptions: { input: 'chart-entry', output: { format: 'iife' } },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
  const entry = outputs.find((o) => o.type === 'chunk' && o.isEntry);
  if (entry?.type !== 'chunk') throw new Error('vite built no entry chunk');
  return entry.code;
};

/** Hourly points from 2023-01-01, a gentle wave: the shape of an equity curve. */
const curve = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    time: Date.UTC(2023, 0, 1) / 1000 + i * 3600,
    value: 10_000 + 100 * Math.sin(i / 50),
  }));

describe.skipIf(!haveChromium && !ci)('LineChart in the browser', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium`);
    const code = await bundle();
    browser = await launchBrowser();
    // 600 px wide: the old minimum of 0.5 px a bar fitted at most 1,200 points.
    page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.setContent(
      '<style>#root{width:600px}[data-testid=line-chart]{height:256px}</style><div id="root"></div>',
    );
    await page.addScriptTag({ content: code });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Draws `series`, lets the chart apply what it queued for the next frames, and returns its view. */
  const draw = async (series: { name: string; points: ReturnType<typeof curve> }[]) =>
    page.evaluate(async (s) => {
      const w = window as unknown as {
        draw: (s: unknown) => void;
        charts: {
          timeScale: () => { getVisibleLogicalRange: () => { from: number; to: number } | null };
        }[];
      };
      w.draw(s);
      for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
      const chart = w.charts[w.charts.length - 1];
      return chart?.timeScale().getVisibleLogicalRange() ?? null;
    }, series);

  const zoom = (from: number, to: number) =>
    page.evaluate(
      async ([from, to]) => {
        const w = window as unknown as {
          charts: {
            timeScale: () => { setVisibleLogicalRange: (r: { from: number; to: number }) => void };
          }[];
        };
        w.charts[w.charts.length - 1]?.timeScale().setVisibleLogicalRange({ from, to });
        for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
      },
      [from, to] as const,
    );

  it('fits a curve of 2,162 points whole, not its tail', async () => {
    const view = await draw([{ name: 'stitched OOS', points: curve(2162) }]);
    expect(view).not.toBeNull();
    expect(view!.from).toBeLessThanOrEqual(0.5);
    expect(view!.to).toBeGreaterThanOrEqual(2160.5);
  });

  it('a view showing the whole curve keeps doing so when another curve replaces it under the same name', async () => {
    // Another optimizer run's stitched curve: the same series, twice as long.
    const view = await draw([{ name: 'stitched OOS', points: curve(4321) }]);
    expect(view!.from).toBeLessThanOrEqual(0.5);
    expect(view!.to).toBeGreaterThanOrEqual(4319.5);
  });

  it('a view the user zoomed into stays put as the curve grows', async () => {
    await zoom(1000, 1200);
    const view = await draw([{ name: 'stitched OOS', points: curve(4400) }]);
    expect(view!.from).toBeGreaterThan(900);
    expect(view!.to - view!.from).toBeLessThan(300);
  });
});
