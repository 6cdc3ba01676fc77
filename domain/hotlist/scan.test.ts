import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBinanceInstruments } from '../../adapters/instruments/binance-files.js';
import { binanceListings, RecordedHotlistSource } from '../../adapters/marketdata/hotlist-inputs.js';
import type { BarSeries } from '../market/bars.js';
import type { FundingSeries } from '../market/funding.js';
import { leverageFor } from './risk-figures.js';
import { defaultHotlistConfig, type HotlistInput, scanHotlist } from './scan.js';
import { bandOf, marketSentiment, type SymbolMood } from './sentiment.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2023, 0, 1);

/** A hand-made hourly series: closes from a list of hourly log returns, volumes as given. */
const series = (symbol: string, rets: readonly number[], vols: readonly number[]): BarSeries => {
  const n = rets.length;
  const close = new Float64Array(n);
  let p = 100;
  for (let i = 0; i < n; i++) {
    p *= Math.exp(rets[i]!);
    close[i] = p;
  }
  const openTime = Float64Array.from({ length: n }, (_, i) => T0 + i * HOUR);
  return {
    symbol,
    timeframe: '1h',
    openTime,
    open: close,
    high: close,
    low: close,
    close,
    volume: Float64Array.from(vols),
  };
};

const funding = (symbol: string, rates: readonly number[]): FundingSeries => ({
  symbol,
  time: Float64Array.from(rates, (_, i) => T0 + (i + 1) * 8 * HOUR),
  rate: Float64Array.from(rates),
});

const N = 40 * 24;
const endOf = (n: number) => T0 + n * HOUR;

const arbInput = (symbol: string) =>
  fc
    .record({
      rets: fc.array(fc.double({ min: -0.05, max: 0.05, noNaN: true }), { minLength: N, maxLength: N }),
      vols: fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: N, maxLength: N }),
      rates: fc.array(fc.double({ min: -0.003, max: 0.003, noNaN: true }), {
        minLength: 120,
        maxLength: 120,
      }),
    })
    .map(
      (r): HotlistInput => ({
        symbol,
        bars: series(symbol, r.rets, r.vols),
        funding: funding(symbol, r.rates),
        listedAt: null,
        maintenanceRate: null,
      }),
    );

const runs = Number(process.env.HOTLIST_RUNS ?? 40);

describe('hotlist scan: invariants', () => {
  it('scores lie in [0, 1], ranks are 1..n by descending score, labels most severe first', () => {
    fc.assert(
      fc.property(arbInput('AAAUSDT'), arbInput('BBBUSDT'), arbInput('CCCUSDT'), (a, b, c) => {
        const r = scanHotlist([a, b, c], endOf(N));
        expect(r.candidates.map((x) => x.rank)).toEqual([1, 2, 3]);
        const order = { danger: 0, warn: 1, info: 2 };
        for (let i = 0; i < r.candidates.length; i++) {
          const x = r.candidates[i]!;
          expect(x.score).toBeGreaterThanOrEqual(0);
          expect(x.score).toBeLessThanOrEqual(1);
          for (const d of x.dimensions) expect(d.score >= 0 && d.score <= 1).toBe(true);
          if (i > 0) expect(r.candidates[i - 1]!.score).toBeGreaterThanOrEqual(x.score);
          const sev = x.labels.map((l) => order[l.severity]);
          expect(sev).toEqual([...sev].sort((p, q) => p - q));
        }
      }),
      { numRuns: runs },
    );
  });

  it('the ranking does not depend on the order the symbols come in', () => {
    fc.assert(
      fc.property(arbInput('AAAUSDT'), arbInput('BBBUSDT'), arbInput('CCCUSDT'), (a, b, c) => {
        expect(scanHotlist([c, a, b], endOf(N))).toEqual(scanHotlist([a, b, c], endOf(N)));
      }),
      { numRuns: runs },
    );
  });

  it('nothing after `at` is read: bars and funding beyond it can be anything', () => {
    fc.assert(
      fc.property(
        arbInput('AAAUSDT'),
        fc.integer({ min: 72, max: N - 24 }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        (a, cut, k) => {
          const at = endOf(cut);
          const later = (i: number) => a.bars.openTime[i]! + HOUR > at;
          const changed: HotlistInput = {
            ...a,
            bars: {
              ...a.bars,
              close: a.bars.close.map((x, i) => (later(i) ? x * k : x)),
              // The price range reads highs and lows too: a later spike must not widen it.
              high: a.bars.high.map((x, i) => (later(i) ? x * k * 3 : x)),
              low: a.bars.low.map((x, i) => (later(i) ? x / (k * 3) : x)),
              volume: a.bars.volume.map((x, i) => (later(i) ? x * k * 7 : x)),
            },
            funding: {
              ...a.funding!,
              rate: a.funding!.rate.map((x, i) => (a.funding!.time[i]! > at ? x + 0.01 : x)),
            },
          };
          const before = scanHotlist([a], at);
          expect(scanHotlist([changed], at)).toEqual(before);
          // The new figures are part of what is compared: a scan that forgot them would prove nothing.
          expect(before.candidates[0]!.priceRange.detail).toContain('hourly log returns');
          expect(before.sentiment).not.toBeNull();
        },
      ),
      { numRuns: runs },
    );
  });

  it('each symbol is compared with its own past: scaling its volume or price changes no score', () => {
    fc.assert(
      fc.property(arbInput('AAAUSDT'), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (a, k) => {
        const scaled: HotlistInput = { ...a, bars: { ...a.bars, volume: a.bars.volume.map((v) => v * k) } };
        const base = scanHotlist([a], endOf(N)).candidates[0]!;
        const other = scanHotlist([scaled], endOf(N)).candidates[0]!;
        for (let i = 0; i < base.dimensions.length; i++)
          expect(other.dimensions[i]!.score).toBeCloseTo(base.dimensions[i]!.score, 9);
      }),
      { numRuns: runs },
    );
  });

  it('more turnover in the last day never lowers the turnover score', () => {
    fc.assert(
      fc.property(arbInput('AAAUSDT'), fc.double({ min: 1, max: 50, noNaN: true }), (a, k) => {
        const boosted: HotlistInput = {
          ...a,
          bars: { ...a.bars, volume: a.bars.volume.map((v, i) => (i >= N - 24 ? v * k : v)) },
        };
        const s0 = scanHotlist([a], endOf(N)).candidates[0]!.dimensions[0]!;
        const s1 = scanHotlist([boosted], endOf(N)).candidates[0]!.dimensions[0]!;
        expect(s1.value!).toBeGreaterThanOrEqual(s0.value! * (1 - 1e-12));
        expect(s1.score).toBeGreaterThanOrEqual(s0.score - 1e-12);
      }),
      { numRuns: runs },
    );
  });
});

describe('hotlist scan: hand-made cases', () => {
  const flat = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));

  it('an 8× turnover day scores the turnover dimension in full and explains the ratio', () => {
    const vols = Array.from({ length: N }, (_, i) => (i >= N - 24 ? 8 : 1));
    const c = scanHotlist(
      [
        {
          symbol: 'AAAUSDT',
          bars: series('AAAUSDT', flat(N), vols),
          funding: null,
          listedAt: null,
          maintenanceRate: null,
        },
      ],
      endOf(N),
    ).candidates[0]!;
    expect(c.dimensions[0]).toMatchObject({ name: 'turnover-surge', score: 1 });
    expect(c.dimensions[0]!.value).toBeCloseTo(8, 6);
    expect(c.dimensions[0]!.detail).toContain('8.00×');
    expect(c.dimensions[2]).toMatchObject({
      name: 'funding',
      value: null,
      score: 0,
      detail: 'no funding records',
    });
  });

  it('too little history is skipped with the reason, and a bar gap cuts the history', () => {
    const short = series('NEWUSDT', flat(40), Array(40).fill(1));
    const r = scanHotlist(
      [{ symbol: 'NEWUSDT', bars: short, funding: null, listedAt: null, maintenanceRate: null }],
      endOf(40),
    );
    expect(r.candidates).toEqual([]);
    expect(r.skipped).toEqual([{ symbol: 'NEWUSDT', reason: expect.stringContaining('40 hourly bars') }]);
    const gapped = series('GAPUSDT', flat(N), Array(N).fill(1));
    const openTime = gapped.openTime.map((t, i) => (i >= N - 30 ? t + HOUR : t));
    const g = scanHotlist(
      [
        {
          symbol: 'GAPUSDT',
          bars: { ...gapped, openTime },
          funding: null,
          listedAt: null,
          maintenanceRate: null,
        },
      ],
      endOf(N + 1),
    );
    expect(g.skipped[0]!.reason).toContain('30 hourly bars');
  });

  it('a symbol whose data stopped is skipped, not scored on stale bars', () => {
    const s = series('OLDUSDT', flat(N), Array(N).fill(1));
    const r = scanHotlist(
      [{ symbol: 'OLDUSDT', bars: s, funding: null, listedAt: null, maintenanceRate: null }],
      endOf(N) + 2 * HOUR,
    );
    expect(r.skipped[0]!.reason).toContain('no bar closed in the last hour');
  });

  it('labels: a fresh listing with extreme funding, a pump and thin turnover', () => {
    const rets = [...flat(N - 24), ...Array(24).fill(0.02)];
    const input: HotlistInput = {
      symbol: 'NEWUSDT',
      bars: series('NEWUSDT', rets, Array(N).fill(100)),
      funding: funding('NEWUSDT', [...Array(119).fill(0.0001), 0.0015]),
      listedAt: endOf(N) - 5 * DAY,
      maintenanceRate: 0.025,
    };
    const at = endOf(N);
    const c = scanHotlist([input], at).candidates[0]!;
    const codes = Object.fromEntries(c.labels.map((l) => [l.code, l.severity]));
    expect(codes).toEqual({
      'new-listing': 'danger',
      'funding-extreme': 'danger',
      'low-liquidity': 'danger',
      pump: 'danger',
      'crowded-long': 'warn',
      'high-maintenance-margin': 'info',
    });
    expect(c.return24h).toBeCloseTo(Math.exp(0.48) - 1, 9);
  });
});

describe('hotlist scan: price range, safe leverage, sentiment', () => {
  /** The same market with every hourly return k times larger: the same path, more volatile. */
  const wilder = (a: HotlistInput, k: number): HotlistInput => {
    const c = a.bars.close;
    const close = new Float64Array(c.length);
    close[0] = c[0]!;
    for (let i = 1; i < c.length; i++) close[i] = close[i - 1]! * (c[i]! / c[i - 1]!) ** k;
    return { ...a, bars: { ...a.bars, open: close, high: close, low: close, close } };
  };
  const withTerms = (a: HotlistInput, mmr: number, maxLeverage: number): HotlistInput => ({
    ...a,
    maintenanceRate: mmr,
    maxLeverage,
    bracketCap: 50_000,
  });
  const arbTerms = fc.record({
    mmr: fc.double({ min: 0, max: 0.05, noNaN: true }),
    max: fc.integer({ min: 1, max: 125 }),
  });

  it('the expected range holds the last close, the last 24h high/low bracket it, and more volatility widens it', () => {
    fc.assert(
      fc.property(arbInput('AAAUSDT'), fc.double({ min: 1, max: 4, noNaN: true }), (a, k) => {
        const c = scanHotlist([a], endOf(N)).candidates[0]!;
        const r = c.priceRange;
        expect(r.expected2.low).toBeLessThanOrEqual(r.expected1.low);
        expect(r.expected1.low).toBeLessThanOrEqual(c.lastPrice);
        expect(c.lastPrice).toBeLessThanOrEqual(r.expected1.high);
        expect(r.expected1.high).toBeLessThanOrEqual(r.expected2.high);
        expect(r.low24h).toBeLessThanOrEqual(c.lastPrice);
        expect(r.high24h).toBeGreaterThanOrEqual(c.lastPrice);
        expect(r.sigma24h).toBeCloseTo(r.sigmaHourly * Math.sqrt(24), 12);
        const w = scanHotlist([wilder(a, k)], endOf(N)).candidates[0]!.priceRange;
        // The band is a ratio to the last close, which the wilder path moves too.
        expect(w.expected1.high / w.expected1.low).toBeGreaterThanOrEqual(
          (r.expected1.high / r.expected1.low) * (1 - 1e-12),
        );
        expect(w.expected2.high / w.expected2.low).toBeGreaterThanOrEqual(
          (r.expected2.high / r.expected2.low) * (1 - 1e-12),
        );
      }),
      { numRuns: runs },
    );
  });

  it('safe leverage is a whole number in [1, the venue cap], never higher on a wilder market or a higher maintenance rate', () => {
    fc.assert(
      fc.property(
        arbInput('AAAUSDT'),
        arbTerms,
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        (a, t, k, extra) => {
          const lev = (x: HotlistInput) => scanHotlist([x], endOf(N)).candidates[0]!.safeLeverage;
          const base = lev(withTerms(a, t.mmr, t.max));
          expect(Number.isInteger(base.leverage)).toBe(true);
          expect(base.leverage).toBeGreaterThanOrEqual(1);
          expect(base.leverage).toBeLessThanOrEqual(t.max);
          expect(base.severeMove).toBe(Math.max(base.percentileMove ?? 0, base.sigmaMove));
          // Below the cap and above the floor, the leverage survives the move and one more × would not.
          if (!base.capped && base.leverage > 1) {
            const need = base.severeMove + t.mmr * (1 + base.severeMove);
            expect(base.leverage * need).toBeLessThan(1);
            expect((base.leverage + 1) * need).toBeGreaterThanOrEqual(1);
          }
          expect(lev(withTerms(wilder(a, k), t.mmr, t.max)).leverage).toBeLessThanOrEqual(base.leverage);
          expect(lev(withTerms(a, t.mmr + extra, t.max)).leverage).toBeLessThanOrEqual(base.leverage);
        },
      ),
      { numRuns: runs },
    );
  });

  const sentimentHolds = fc.property(
    arbInput('AAAUSDT'),
    arbInput('BBBUSDT'),
    arbInput('CCCUSDT'),
    (a, b, c) => {
      const s = scanHotlist([a, b, c], endOf(N)).sentiment!;
      expect(s.name).toBe('derived-fear-greed');
      expect(s.basis).toContain('not the alternative.me');
      expect(s.value).toBeGreaterThanOrEqual(0);
      expect(s.value).toBeLessThanOrEqual(100);
      expect(s.band).toBe(bandOf(s.value));
      expect(s.components.map((x) => x.name)).toEqual(['momentum', 'volatility', 'funding', 'volume']);
      const scores = s.components.flatMap((x) => (x.score === null ? [] : [x.score]));
      for (const x of scores) expect(x >= 0 && x <= 100, JSON.stringify(s.components)).toBe(true);
      expect(s.value).toBeCloseTo(scores.reduce((p, q) => p + q, 0) / scores.length, 9);
      expect(s.weights.reduce((p, w) => p + w.weight, 0)).toBeCloseTo(1, 12);
    },
  );

  it('the sentiment is one figure per scan in [0, 100], its band matches, and so do its components', () => {
    // No shrinking: these inputs are a month of bars each, and shrinking one took CI eleven minutes.
    fc.assert(sentimentHolds, { numRuns: runs, endOnFailure: true });
  });

  it('a component whose symbols all score 100 scores 100, not an ulp above (the case fast-check found)', () => {
    // Three symbols at the extreme funding rate: their weights summed to 1 in floats gave 100.00000000000001.
    fc.assert(sentimentHolds, { seed: -157874902, path: '30', endOnFailure: true });
  });

  it('no scored symbol, no sentiment', () => {
    expect(scanHotlist([], endOf(N)).sentiment).toBeNull();
  });
});

describe('price range, safe leverage, sentiment: hand-made cases', () => {
  it('leverage: strictly below liquidation, so a move that hits the threshold exactly costs one ×', () => {
    // 10 % and no maintenance margin: 10× is liquidated exactly at the move, 9× survives it.
    expect(leverageFor(0.1, 0)).toBe(9);
    expect(leverageFor(0.09, 0)).toBe(11);
    // 6 % with 0.4 %: the short needs 6 % + 0.4 % × 1.06 = 6.424 % of margin, 1 / 0.06424 = 15.6.
    expect(leverageFor(0.06, 0.004)).toBe(15);
    expect(leverageFor(1.5, 0.01)).toBe(0);
  });

  const steady = (symbol: string, vol: number): HotlistInput => ({
    symbol,
    bars: series(
      symbol,
      Array.from({ length: N }, (_, i) => (i % 2 === 0 ? vol : -vol)),
      Array(N).fill(1e6),
    ),
    funding: null,
    listedAt: null,
    maintenanceRate: 0.004,
    maxLeverage: 125,
    bracketCap: 50_000,
  });

  it('a steady ±1 % an hour: σ and the bands from it, the 3σ move and the leverage it allows', () => {
    const c = scanHotlist([steady('AAAUSDT', 0.01)], endOf(N)).candidates[0]!;
    // 743 alternating ±1 % log returns, one more −1 % than +1 %: a mean of −0.01 / 743, and σ (n − 1) from it.
    const sigma = 0.01 * Math.sqrt((743 - 1 / 743) / 742);
    expect(c.priceRange.sigmaHourly).toBeCloseTo(sigma, 12);
    expect(c.priceRange.expected1.high).toBeCloseTo(c.lastPrice * Math.exp(sigma * Math.sqrt(24)), 9);
    expect(c.priceRange.expected2.low).toBeCloseTo(c.lastPrice * Math.exp(-2 * sigma * Math.sqrt(24)), 9);
    // Over any 24h the path returns to where it was: no 24h move, so the 3σ day decides.
    const l = c.safeLeverage;
    expect(l.percentileMove).toBeCloseTo(0, 12);
    expect(l.sigmaMove).toBeCloseTo(Math.exp(3 * sigma * Math.sqrt(24)) - 1, 12);
    expect(l.leverage).toBe(leverageFor(l.sigmaMove, 0.004));
    expect(l.leverage).toBe(6);
    expect(l.detail).toContain('maintenance margin 0.40 %');
    expect(l.detail).toContain('up to 50000 USDT');
  });

  it('a quiet market is capped at the venue’s leverage; unknown terms are said, not made up', () => {
    const quiet = scanHotlist([steady('AAAUSDT', 0.00001)], endOf(N)).candidates[0]!.safeLeverage;
    expect(quiet).toMatchObject({ leverage: 125, capped: true, maxLeverage: 125 });
    expect(quiet.detail).toContain("capped at the venue's 125×");
    const unknown = scanHotlist(
      [{ ...steady('AAAUSDT', 0.01), maintenanceRate: null, maxLeverage: null, bracketCap: null }],
      endOf(N),
    ).candidates[0]!.safeLeverage;
    expect(unknown.maintenanceRate).toBeNull();
    expect(unknown.detail).toContain('maintenance margin unknown');
    // Without the 0.4 % the same move allows more, never less.
    expect(unknown.leverage).toBe(leverageFor(unknown.sigmaMove, 0));
    expect(unknown.leverage).toBeGreaterThanOrEqual(6);
  });

  it('an elevenfold day on a fresh listing leaves only 1×, and says even that is liquidated on a short', () => {
    const rets = Array.from({ length: 48 }, (_, i) => (i < 24 ? 0 : i % 2 === 0 ? 0.3 : -0.1));
    const c = scanHotlist(
      [
        {
          symbol: 'NEWUSDT',
          bars: series('NEWUSDT', rets, Array(48).fill(1)),
          funding: null,
          listedAt: null,
          maintenanceRate: 0.01,
        },
      ],
      endOf(48),
    ).candidates[0]!;
    expect(c.safeLeverage.leverage).toBe(1);
    expect(c.safeLeverage.detail).toContain('even 1× is liquidated');
  });

  const mood = (symbol: string, m: Partial<SymbolMood>): SymbolMood => ({
    symbol,
    turnover24h: 1e9,
    closePercentile: 0.5,
    vsMean: 0,
    closes: 720,
    volPercentile: 0.5,
    funding: 0.0001,
    surge: 1,
    return24h: 0,
    ...m,
  });
  const scale = { baseFunding: 0.0001, extremeFunding: 0.001 };

  it('sentiment: an ordinary market is neutral, a euphoric one extreme greed, a panic extreme fear', () => {
    const ordinary = marketSentiment([mood('AAAUSDT', {}), mood('BBBUSDT', {})], scale)!;
    expect(ordinary.value).toBeCloseTo(50, 9);
    expect(ordinary.band).toBe('neutral');
    const euphoric = marketSentiment(
      [
        mood('AAAUSDT', {
          closePercentile: 1,
          volPercentile: 0,
          funding: 0.001,
          surge: 8,
          return24h: 0.1,
        }),
      ],
      scale,
    )!;
    expect(euphoric.value).toBeCloseTo(100, 9);
    expect(euphoric.band).toBe('extreme-greed');
    const panic = marketSentiment(
      [
        mood('AAAUSDT', {
          closePercentile: 0,
          volPercentile: 1,
          funding: -0.0008,
          surge: 8,
          return24h: -0.1,
        }),
      ],
      scale,
    )!;
    expect(panic.value).toBeCloseTo(0, 9);
    expect(panic.band).toBe('extreme-fear');
  });

  it('sentiment: symbols weigh by turnover; one without funding is left out of that component, not counted neutral', () => {
    const s = marketSentiment(
      [
        mood('BIGUSDT', { turnover24h: 3e9, closePercentile: 1 }),
        mood('SMLUSDT', { turnover24h: 1e9, closePercentile: 0, funding: null }),
      ],
      scale,
    )!;
    const momentum = s.components.find((c) => c.name === 'momentum')!;
    expect(momentum.score).toBeCloseTo(75, 9);
    expect(momentum.symbols).toBe(2);
    const funding = s.components.find((c) => c.name === 'funding')!;
    expect(funding).toMatchObject({ symbols: 1, value: 0.0001 });
    expect(funding.score).toBeCloseTo(50, 9);
    expect(s.weights).toEqual([
      { symbol: 'BIGUSDT', weight: 0.75 },
      { symbol: 'SMLUSDT', weight: 0.25 },
    ]);
    expect(s.detail).toContain('BIG 75 %');
  });

  it('bands: the thresholds, on the whole number the page shows', () => {
    expect([0, 24.4, 24.5, 44.4, 44.5, 55.4, 55.5, 75.4, 75.5, 100].map(bandOf)).toEqual([
      'extreme-fear',
      'extreme-fear',
      'fear',
      'fear',
      'neutral',
      'neutral',
      'greed',
      'greed',
      'extreme-greed',
      'extreme-greed',
    ]);
  });
});

describe('hotlist scan on the recorded 2023 data', () => {
  const scan = async (iso: string) => {
    const book = await loadBinanceInstruments();
    const source = new RecordedHotlistSource({
      instrument: (s) => book.all.get(s),
      listings: await binanceListings(),
    });
    const at = Date.parse(iso);
    const { inputs, skipped } = await source.inputs(RecordedHotlistSource.available(), at);
    return { ...scanHotlist(inputs, at, defaultHotlistConfig), sourceSkipped: skipped };
  };

  it('2023-10-24, the spot-ETF rally: every major at its volatility extreme, BTC first on turnover and momentum', async () => {
    const r = await scan('2023-10-24T00:00:00Z');
    expect(r.candidates[0]!.symbol).toBe('BTCUSDT');
    const btc = r.candidates[0]!;
    expect(btc.dimensions.find((d) => d.name === 'turnover-surge')!.value!).toBeGreaterThan(3);
    expect(btc.return24h).toBeGreaterThan(0.08);
    for (const s of ['BTCUSDT', 'ETHUSDT', 'LTCUSDT', '1000PEPEUSDT'])
      expect(r.candidates.find((c) => c.symbol === s)!.labels).toContainEqual(
        expect.objectContaining({ code: 'extreme-volatility', severity: 'danger' }),
      );
  });

  it('1000PEPE two days after its listing: scored on thin history, labelled a new listing, from the venue metadata', async () => {
    const r = await scan('2023-05-07T18:00:00Z');
    const pepe = r.candidates.find((c) => c.symbol === '1000PEPEUSDT')!;
    expect(pepe.bars).toBeLessThan(72);
    const codes = pepe.labels.map((l) => l.code);
    expect(codes).toContain('new-listing');
    expect(codes).toContain('thin-history');
    expect(pepe.labels.find((l) => l.code === 'new-listing')!.severity).toBe('danger');
    // Binance's first bracket: 0.65 % maintenance for 1000PEPE, 0.4 % for BTC.
    expect(codes).not.toContain('high-maintenance-margin');
    expect(r.candidates.find((c) => c.symbol === 'BTCUSDT')!.labels.map((l) => l.code)).not.toContain(
      'new-listing',
    );
  });

  it('before a listing the symbol is skipped, with the reason', async () => {
    const r = await scan('2023-03-01T00:00:00Z');
    expect(r.skipped.map((s) => s.symbol).sort()).toEqual(['1000PEPEUSDT', 'SUIUSDT']);
    for (const s of r.skipped) expect(s.reason).toContain('not listed yet');
    expect(r.candidates.map((c) => c.symbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT', 'LTCUSDT']);
  });

  it('2023-10-24: the ranges, the leverage and the mood of the spot-ETF rally, as measured', async () => {
    const r = await scan('2023-10-24T00:00:00Z');
    const by = (s: string) => r.candidates.find((c) => c.symbol === s)!;
    const btc = by('BTCUSDT');
    // The day's real wick: 29,869.4 to 35,981.9, a 20.5 % range, around a close of 33,074.
    expect(btc.priceRange.low24h).toBe(29869.4);
    expect(btc.priceRange.high24h).toBe(35981.9);
    expect(btc.priceRange.returns).toBe(743);
    // The month before was calm (σ 1.97 % a day), so the ±1σ band is narrow for a day like this one
    // (σ 5.82 % a day on its own): the detail says both.
    expect(btc.priceRange.sigma24h).toBeCloseTo(0.0197, 4);
    expect(btc.priceRange.recentSigma24h).toBeCloseTo(0.0582, 4);
    expect(btc.priceRange.expected1.low).toBeCloseTo(32430.0, 0);
    expect(btc.priceRange.expected1.high).toBeCloseTo(33730.8, 0);
    expect(btc.priceRange.detail).toContain('the last 24h alone: σ 5.82 % a day');
    // 3σ (6.1 %) beats the month's 99th-percentile day (5.1 %); with 0.4 % maintenance: 15×.
    expect(btc.safeLeverage).toMatchObject({ leverage: 15, maintenanceRate: 0.004, maxLeverage: 125 });
    expect(btc.safeLeverage.percentileMove!).toBeCloseTo(0.051, 3);
    expect(btc.safeLeverage.sigmaMove).toBeCloseTo(0.061, 3);
    expect(Object.fromEntries(r.candidates.map((c) => [c.symbol, c.safeLeverage.leverage]))).toEqual({
      BTCUSDT: 15,
      ETHUSDT: 15,
      LTCUSDT: 14,
      SUIUSDT: 8,
      '1000PEPEUSDT': 4,
    });
    // Greed (58): every major at the top of its month and trading 3-4× its usual turnover up, held back
    // by volatility at its extreme (fear) and funding at the base rate (neutral).
    const s = r.sentiment!;
    expect(s.value).toBeCloseTo(57.95, 2);
    expect(s.band).toBe('greed');
    const score = Object.fromEntries(s.components.map((c) => [c.name, Math.round(c.score!)]));
    expect(score).toEqual({ momentum: 100, volatility: 0, funding: 50, volume: 82 });
    expect(s.weights[0]).toMatchObject({ symbol: 'BTCUSDT' });
    expect(s.weights[0]!.weight).toBeCloseTo(0.76, 2);
  });

  it('2023-03-11, the SVB weekend: extreme fear, and less leverage than in calm October', async () => {
    const r = await scan('2023-03-11T00:00:00Z');
    const s = r.sentiment!;
    expect(s.value).toBeCloseTo(22.5, 2);
    expect(s.band).toBe('extreme-fear');
    const score = Object.fromEntries(s.components.map((c) => [c.name, Math.round(c.score!)]));
    expect(score).toEqual({ momentum: 3, volatility: 9, funding: 44, volume: 34 });
    expect(Object.fromEntries(r.candidates.map((c) => [c.symbol, c.safeLeverage.leverage]))).toEqual({
      LTCUSDT: 6,
      ETHUSDT: 10,
      BTCUSDT: 8,
    });
    const btc = r.candidates.find((c) => c.symbol === 'BTCUSDT')!;
    // Here the month's worst days (the 99th percentile, 11.3 %) are wider than 3σ (8.1 %): they decide.
    expect(btc.safeLeverage.percentileMove!).toBeCloseTo(0.113, 3);
    expect(btc.safeLeverage.severeMove).toBe(btc.safeLeverage.percentileMove);
    expect(btc.priceRange.low24h).toBe(19521.6);
    expect(btc.priceRange.high24h).toBe(20351.8);
  });

  it('1000PEPE two days after its listing: a 29 % daily σ leaves 1×, and the detail says even that is not safe', async () => {
    const r = await scan('2023-05-07T18:00:00Z');
    const pepe = r.candidates.find((c) => c.symbol === '1000PEPEUSDT')!;
    expect(pepe.priceRange.returns).toBe(49);
    expect(pepe.priceRange.sigma24h).toBeCloseTo(0.292, 3);
    expect(pepe.safeLeverage.leverage).toBe(1);
    expect(pepe.safeLeverage.detail).toContain('even 1× is liquidated');
  });
});
