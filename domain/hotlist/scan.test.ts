import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadBinanceInstruments } from '../../adapters/instruments/binance-files.js';
import { binanceListings, RecordedHotlistSource } from '../../adapters/marketdata/hotlist-inputs.js';
import type { BarSeries } from '../market/bars.js';
import type { FundingSeries } from '../market/funding.js';
import { defaultHotlistConfig, type HotlistInput, scanHotlist } from './scan.js';

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
          const changed: HotlistInput = {
            ...a,
            bars: {
              ...a.bars,
              close: a.bars.close.map((x, i) => (a.bars.openTime[i]! + HOUR > at ? x * k : x)),
              volume: a.bars.volume.map((x, i) => (a.bars.openTime[i]! + HOUR > at ? x * k * 7 : x)),
            },
            funding: {
              ...a.funding!,
              rate: a.funding!.rate.map((x, i) => (a.funding!.time[i]! > at ? x + 0.01 : x)),
            },
          };
          expect(scanHotlist([changed], at)).toEqual(scanHotlist([a], at));
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
});
