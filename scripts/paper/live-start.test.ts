import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedBars, sharedFunding } from '../../adapters/marketdata/shared-data.js';
import { FakeBinance } from '../../adapters/venue/testing/fake-binance.js';
import type { BarSeries } from '../../domain/market/bars.js';
import type { FundingSeries } from '../../domain/market/funding.js';
import { bucketStart } from '../../domain/market/timeframe.js';
import { builtInStrategies } from '../../domain/strategies/index.js';
import { buildUi, type RunningSystem, startSystem } from '../../ui/e2e/harness.js';

const HOUR = 3_600_000;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

/**
 * The real 2023 bars moved in time so that 2023-06-01 00:00 is the start of today (UTC): the fake venue
 * then serves real market data as if it were happening now, and releases each bar as the wall clock
 * passes its close. The runs start five days back, at 2023-05-27 00:00 in the data, whatever the hour:
 * from there at least three positions are open at every hour of 2023-06-01.
 */
const shift = bucketStart(Date.now(), 24 * HOUR) - Date.UTC(2023, 5, 1);
const moved = (s: BarSeries): BarSeries => ({ ...s, openTime: s.openTime.map((t) => t + shift) });
const movedFunding = (f: FundingSeries): FundingSeries => ({ ...f, time: f.time.map((t) => t + shift) });
const bars = new Map(SYMBOLS.map((s) => [s, moved(sharedBars(s, '1h'))]));
const funding = new Map(SYMBOLS.map((s) => [s, movedFunding(sharedFunding(s))]));

interface PaperStatus {
  runId: string;
  strategyId: string;
  feed: string;
  state: string;
  events: number;
  copied: number;
  progress: number | null;
  to: string | null;
}

let fake: FakeBinance;
let system: RunningSystem;
beforeAll(async () => {
  fake = await FakeBinance.start({
    market: {
      bars: (s, interval) => (interval === '1h' ? bars.get(s) : undefined),
      funding: (s) => funding.get(s),
      // A mark 1 % above the last close, so a position valued at it cannot be valued at the close.
      mark: (s, now) => {
        const b = bars.get(s)!;
        return Number((b.close[b.openTime.indexOf(bucketStart(now, HOUR) - HOUR)]! * 1.01).toFixed(2));
      },
    },
  });
  buildUi();
  system = await startSystem({
    PAPER_FEED: 'binance',
    PAPER_SYMBOLS: SYMBOLS.join(','),
    BINANCE_FUTURES_URL: fake.origin,
    // Five days back: the runs replay them on start and hold positions by now.
    PAPER_FROM: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10),
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await fake?.close();
});

describe('npm start with PAPER_FEED=binance', () => {
  it('paper-trades every built-in strategy on the venue’s live bars, each run copied into the log', async () => {
    const deadline = Date.now() + 30_000;
    let paper: PaperStatus[] = [];
    for (;;) {
      const status = (await (await fetch(`${system.url}/api/status`)).json()) as { paper: PaperStatus[] };
      paper = status.paper;
      if (paper.length > 0 && paper.every((p) => p.state === 'running' && p.copied > 0)) break;
      if (Date.now() > deadline)
        throw new Error(`runs not going: ${JSON.stringify(paper)}\n${system.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(paper.map((p) => p.strategyId).sort()).toEqual(Object.keys(builtInStrategies).sort());
    for (const p of paper) {
      expect(p).toMatchObject({ feed: 'live', to: null, progress: null });
      expect(p.runId).toMatch(/^live-/);
    }
    expect(system.output()).toContain("on Binance's live bars");
    // The market page shows the venue's bars the runs hold, up to the last closed hour.
    const market = (await (await fetch(`${system.url}/api/market/BTCUSDT/bars?timeframe=1h`)).json()) as {
      openTime: string;
      close: string;
    }[];
    expect(market.length).toBeGreaterThan(100);
    const last = Date.parse(market.at(-1)!.openTime);
    // (the hour before this one, or the one before that right after an hour has turned)
    expect([1, 2].map((k) => bucketStart(Date.now(), HOUR) - k * HOUR)).toContain(last);
    const real = bars.get('BTCUSDT')!;
    expect(Number(market.at(-1)!.close)).toBe(real.close[real.openTime.indexOf(last)]);
    expect((await fetch(`${system.url}/api/market/BTCUSDT/bars?timeframe=5m`)).status).toBe(404);
    // Open positions are valued at the venue's mark price, not at the runs' last close.
    let positions: { symbol: string; markPrice: string }[] = [];
    for (const end = Date.now() + 15_000; positions.length === 0 && Date.now() < end; ) {
      positions = (await (await fetch(`${system.url}/api/positions`)).json()) as typeof positions;
      if (positions.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(positions.length).toBeGreaterThan(0);
    const hour = bucketStart(Date.now(), HOUR);
    for (const p of positions) {
      const b = bars.get(p.symbol)!;
      const marks = [hour, hour - HOUR].map((t) =>
        Number((b.close[b.openTime.indexOf(t - HOUR)]! * 1.01).toFixed(2)),
      );
      expect(marks).toContain(Number(p.markPrice));
    }
    expect(fake.requests.some((r) => r.path === '/fapi/v1/premiumIndex')).toBe(true);
    // /metrics says how fresh each symbol's bars are (under two hours: the last closed hour) and that no fetch failed.
    const metrics = await (await fetch(`${system.url}/metrics`)).text();
    for (const symbol of SYMBOLS) {
      const age = new RegExp(`^perpetua_live_bar_age_seconds\\{symbol="${symbol}"\\} ([0-9.e+]+)$`, 'm').exec(
        metrics,
      );
      expect(Number(age?.[1])).toBeLessThan(2 * 3600);
    }
    expect(metrics).toMatch(/^perpetua_live_feed_failures_total 0$/m);

    // The hotlist scans the venue's market: its most traded perpetuals (the fake trades only the symbols
    // it has bars for) and the runs' symbols, ranked on the venue's bars, nothing read from the recorded files.
    let hot: {
      scan: {
        source: string;
        at: string;
        candidates: { symbol: string }[];
        skipped: { symbol: string; reason: string }[];
      } | null;
    } = { scan: null };
    for (const end = Date.now() + 15_000; hot.scan === null && Date.now() < end; ) {
      hot = (await (await fetch(`${system.url}/api/hotlist`)).json()) as typeof hot;
      if (hot.scan === null) await new Promise((r) => setTimeout(r, 250));
    }
    expect(hot.scan?.source).toBe('binance');
    expect(hot.scan!.candidates.map((c) => c.symbol).sort()).toEqual(SYMBOLS);
    expect(Date.parse(hot.scan!.at)).toBeGreaterThan(Date.now() - 3 * HOUR);
    expect(hot.scan!.skipped).toEqual([]);
    expect(system.output()).toContain(
      "hotlist: scanning the venue's 30 most traded USDT perpetuals and the runs' symbols hourly",
    );
    expect(fake.requests.some((r) => r.path === '/fapi/v1/ticker/24hr')).toBe(true);

    // The runs trade by Binance's listing of now (exchangeInfo's grids, the recorded brackets), recorded
    // with each so that a restart trades by the same.
    const starts = (
      (await (await fetch(`${system.url}/api/audit/timeline?type=RunStarted&limit=50`)).json()) as {
        items: { summary: string }[];
      }
    ).items.filter((i) => / paper /.test(i.summary));
    expect(starts.length).toBeGreaterThan(0);
    for (const i of starts) expect(i.summary).toContain("by binance's listing");

    // Restarted without PAPER_FROM (as on a later day): each strategy carries on its run, same ids.
    const before = paper.map((p) => p.runId).sort();
    const dataDir = system.dataDir;
    await system.stop({ keepData: true });
    system = await startSystem(
      { PAPER_FEED: 'binance', PAPER_SYMBOLS: SYMBOLS.join(','), BINANCE_FUTURES_URL: fake.origin },
      undefined,
      dataDir,
    );
    const again = (await (await fetch(`${system.url}/api/status`)).json()) as { paper: PaperStatus[] };
    expect(again.paper.map((p) => p.runId).sort()).toEqual(before);
    expect(system.output()).toContain('paper ema-cross: carries on its live run from');
    // Market data only: klines, funding rates and marks, never an order.
    const paths = new Set(fake.requests.map((r) => r.path));
    expect(paths.has('/fapi/v1/klines')).toBe(true);
    expect(paths.has('/fapi/v1/fundingRate')).toBe(true);
    expect(fake.requests.some((r) => r.path.includes('order'))).toBe(false);
    expect(fake.unknownRequests()).toEqual([]);
  });
});
