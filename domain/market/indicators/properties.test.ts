import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as batch from './batch.js';
import { RollingExtreme } from './rolling-extreme.js';
import { LazyRank, RollingRank } from './rolling-rank.js';
import { Rsi } from './rsi.js';
import { Sma } from './sma.js';

/** Prices as traders see them: positive, a few orders of magnitude apart, never exponent-sized. */
const price = fc.double({ min: 0.0001, max: 100_000, noNaN: true, noDefaultInfinity: true });
const prices = (min = 1, max = 300) =>
  fc.array(price, { minLength: min, maxLength: max }).map((a) => Float64Array.from(a));
const period = fc.integer({ min: 2, max: 30 });
/**
 * Price paths: a start level and bar returns of up to ±20%. Arbitrary arrays (1e-4 next to 1e5 in one
 * window) are not prices, and no sliding-sum indicator, TA-Lib's included, keeps full relative
 * precision after such an outlier leaves the window.
 */
const walk = (min = 10, max = 200) =>
  fc
    .tuple(
      fc.double({ min: 0.001, max: 50_000, noNaN: true }),
      fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), { minLength: min, maxLength: max }),
    )
    .map(([p0, rets]) => {
      const out = new Float64Array(rets.length);
      let p = p0;
      rets.forEach((r, i) => {
        p *= Math.exp(r);
        out[i] = p;
      });
      return out;
    });
const ohlc = (min = 1) =>
  fc
    .array(
      fc.tuple(
        price,
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      {
        minLength: min,
        maxLength: 200,
      },
    )
    .map((rows) => {
      const high = Float64Array.from(rows, ([p, w]) => p * (1 + w));
      const low = Float64Array.from(rows, ([p]) => p);
      const close = Float64Array.from(rows, ([p, w, f]) => p * (1 + w * f));
      return { high, low, close, volume: Float64Array.from(rows, ([p]) => p % 7) };
    });

const finiteFrom = (a: Float64Array, from: number): number[] => Array.from(a.subarray(from));
const near = (a: number, b: number, rel = 1e-9) =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

describe('indicator invariants (fast-check)', () => {
  it('SMA and WMA equal their definitions over every window', () => {
    fc.assert(
      fc.property(prices(), period, (xs, n) => {
        const sma = batch.sma(xs, n);
        const wma = batch.wma(xs, n);
        for (let i = n - 1; i < xs.length; i++) {
          let s = 0;
          let w = 0;
          for (let k = 0; k < n; k++) {
            s += xs[i - k]!;
            w += (n - k) * xs[i - k]!;
          }
          if (!near(sma[i]!, s / n) || !near(wma[i]!, w / ((n * (n + 1)) / 2))) return false;
        }
        return true;
      }),
    );
  });

  it('rolling max/min equal a rescan of the window', () => {
    fc.assert(
      fc.property(prices(), period, (xs, n) => {
        const hi = new RollingExtreme(n, true);
        const lo = new RollingExtreme(n, false);
        for (let i = 0; i < xs.length; i++) {
          const w = xs.subarray(Math.max(0, i - n + 1), i + 1);
          if (hi.push(xs[i]!) !== Math.max(...w) || lo.push(xs[i]!) !== Math.min(...w)) return false;
        }
        return true;
      }),
    );
  });

  it('rolling rank equals the share of the window at or below the newest value, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        (ints, w) => {
          // Small integers force many ties, where an off-by-one in the search bounds would show.
          const rank = new RollingRank(w);
          return ints.every((x, i) => {
            const win = ints.slice(Math.max(0, i - w + 1), i + 1);
            return rank.push(x) === win.filter((v) => v <= x).length / win.length;
          });
        },
      ),
    );
  });

  it('the lazy rank is the rolling rank once its window is full, NaN before, and skips NaN', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(Number.NaN)), { maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        (xs, w) => {
          const eager = new RollingRank(w);
          const lazy = new LazyRank(w);
          let pushed = 0;
          return xs.every((x) => {
            lazy.push(x);
            if (Number.isNaN(x)) return true;
            pushed++;
            const r = eager.push(x);
            return pushed < w ? Number.isNaN(lazy.rank()) : lazy.rank() === r;
          });
        },
      ),
    );
  });

  it('moving averages and bands of a constant series are that constant, with zero width', () => {
    fc.assert(
      fc.property(price, fc.integer({ min: 40, max: 120 }), period, (c, len, n) => {
        const xs = new Float64Array(len).fill(c);
        const bb = batch.bollinger(xs, n);
        const macd = batch.macd(xs);
        return (
          [batch.sma(xs, n), batch.ema(xs, n), batch.wma(xs, n), bb.upper, bb.lower].every((a) =>
            finiteFrom(a, n).every((v) => near(v, c)),
          ) && finiteFrom(macd.macd, 33).every((v) => Math.abs(v) <= 1e-9 * c)
        );
      }),
    );
  });

  it('bounded oscillators stay in range: RSI, stochastic, ADX/DI in [0, 100], ER in [0, 1]', () => {
    fc.assert(
      fc.property(ohlc(40), (b) => {
        const inRange = (a: Float64Array, lo: number, hi: number) =>
          Array.from(a).every((v) => Number.isNaN(v) || (v >= lo - 1e-9 && v <= hi + 1e-9));
        const st = batch.stochastic(b);
        const adx = batch.adx(b);
        return (
          inRange(batch.rsi(b.close), 0, 100) &&
          inRange(st.k, 0, 100) &&
          inRange(st.d, 0, 100) &&
          inRange(adx.adx, 0, 100) &&
          inRange(adx.plusDI, 0, 100) &&
          inRange(adx.minusDI, 0, 100) &&
          inRange(batch.efficiencyRatio(b.close), 0, 1) &&
          inRange(batch.atr(b), 0, Number.POSITIVE_INFINITY)
        );
      }),
    );
  });

  it('Donchian contains every high and low of its window; Keltner and Bollinger are ordered', () => {
    fc.assert(
      fc.property(ohlc(30), (b) => {
        const d = batch.donchian(b, 10);
        const k = batch.keltner(b, 10, 5);
        const bb = batch.bollinger(b.close, 10);
        for (let i = 9; i < b.close.length; i++) {
          if (!(d.lower[i]! <= b.low[i]! && b.high[i]! <= d.upper[i]!)) return false;
          if (!(k.lower[i]! <= k.middle[i]! && k.middle[i]! <= k.upper[i]!)) return false;
          if (!(bb.lower[i]! <= bb.middle[i]! + 1e-9 && bb.middle[i]! <= bb.upper[i]! + 1e-9)) return false;
        }
        return true;
      }),
    );
  });

  it('correlation is in [-1, 1], symmetric, and ±1 for an exact affine relation', () => {
    fc.assert(
      fc.property(
        walk(),
        walk(),
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        fc.boolean(),
        (x0, y0, a, negate) => {
          const len = Math.min(x0.length, y0.length);
          const x = x0.subarray(0, len);
          const y = y0.subarray(0, len);
          const n = Math.min(8, len);
          const r = batch.correlation(x, y, n);
          const rt = batch.correlation(y, x, n);
          const s = negate ? -1 : 1;
          const mapped = x.map((v) => s * a * v + 5);
          const affine = batch.correlation(x, mapped, n);
          const spread = (a: Float64Array, i: number) => {
            const w = a.subarray(i - n + 1, i + 1);
            const hi = Math.max(...w);
            const lo = Math.min(...w);
            return (hi - lo) / Math.max(Math.abs(hi), Math.abs(lo));
          };
          for (let i = n - 1; i < len; i++) {
            if (!(Math.abs(r[i]!) <= 1)) return false;
            // Below ~1e-4 relative spread the co-moments are mostly rounding; nothing to compare there.
            // That holds for the mapped series too: +5 on a 0.001 coin leaves it moving 1e-8 of its
            // level, and a sliding window cannot resolve that after a larger move has left it.
            if (spread(x, i) < 1e-4) continue;
            if (spread(mapped, i) >= 1e-4 && Math.abs(affine[i]! - s) > 1e-6) return false;
            if (spread(y, i) >= 1e-4 && !near(r[i]!, rt[i]!, 1e-6)) return false;
          }
          return true;
        },
      ),
    );
  });

  it('z-score is invariant under a positive affine map of the input', () => {
    fc.assert(
      fc.property(
        prices(25, 150),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (xs, a, b) => {
          const z = batch.zScore(xs, 20);
          const za = batch.zScore(
            xs.map((v) => a * v + b),
            20,
          );
          return finiteFrom(z, 19).every((v, i) => {
            const w = za[i + 19]!;
            // Near-flat windows amplify rounding; compare only where the spread is meaningful.
            return Math.abs(v) > 4.4 || near(v, w, 1e-5) || Math.abs(v - w) < 1e-5;
          });
        },
      ),
    );
  });

  it('realised volatility scales with sqrt(bars per year) and is unchanged by scaling prices', () => {
    fc.assert(
      fc.property(walk(25, 120), fc.double({ min: 0.01, max: 100, noNaN: true }), (xs, scale) => {
        const v1 = batch.realisedVolatility(xs, 10, 1);
        const v4 = batch.realisedVolatility(xs, 10, 4);
        const vs = batch.realisedVolatility(
          xs.map((x) => x * scale),
          10,
          1,
        );
        return finiteFrom(v1, 10).every((v, i) => near(2 * v, v4[i + 10]!) && near(v, vs[i + 10]!, 1e-7));
      }),
    );
  });

  it('OBV changes by exactly ±volume or 0 per bar; VWAP stays within the session low/high', () => {
    fc.assert(
      fc.property(ohlc(2), (b) => {
        const obv = batch.obv(b);
        for (let i = 1; i < obv.length; i++) {
          const d = obv[i]! - obv[i - 1]!;
          const v = b.volume[i]!;
          if (!(near(d, v) || near(d, -v) || d === 0)) return false;
        }
        const openTime = Float64Array.from(b.close, (_, i) => i * 60_000);
        const vw = batch.vwap({ ...b, openTime }, 0);
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < vw.length; i++) {
          lo = Math.min(lo, b.low[i]!);
          hi = Math.max(hi, b.high[i]!);
          if (!Number.isNaN(vw[i]!) && (vw[i]! < lo - 1e-9 * hi || vw[i]! > hi * (1 + 1e-9))) return false;
        }
        return true;
      }),
    );
  });

  it('reset() makes an indicator replay identically', () => {
    fc.assert(
      fc.property(prices(20, 100), (xs) => {
        const s = new Sma(7);
        const first = Array.from(xs, (x) => s.update(x));
        s.reset();
        return Array.from(xs, (x) => s.update(x)).every((v, i) => Object.is(v, first[i]));
      }),
    );
  });
});

describe('edge cases', () => {
  it('correlation: a moving 0.001-priced coin is not flat; an exactly flat window gives 0', () => {
    const x = Float64Array.from([0.001, 0.0010001, 0.0010003, 0.0010002, 0.0010005, 0.0010004]);
    const y = x.map((v) => 2 * v);
    expect(batch.correlation(x, y, 4)[5]).toBeCloseTo(1, 9);
    const flat = Float64Array.from([5, 7, 6, 6, 6, 6, 6]);
    const c = batch.correlation(flat, Float64Array.from([1, 2, 3, 4, 5, 6, 7]), 4);
    expect(c[6]).toBe(0);
    expect(c[3]).not.toBe(0);
  });
});

describe('worked examples', () => {
  it('RSI(14) on the StockCharts / Wilder example closes', () => {
    const closes = [
      44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931,
      46.0328, 45.614, 46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137,
      46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
    ];
    const expected = [
      70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87,
      45.46, 37.3, 33.08, 37.77,
    ];
    const rsi = new Rsi(14);
    const out = closes.map((c) => rsi.update(c));
    expect(out.slice(0, 14).every(Number.isNaN)).toBe(true);
    out.slice(14).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 2);
    });
  });

  it('TA-Lib warm-up lengths (lookback) of the default parameter sets', () => {
    const xs = Float64Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i) * 5 + i * 0.1);
    const bars = { high: xs.map((x) => x + 1), low: xs.map((x) => x - 1), close: xs };
    const firstIndex = (a: Float64Array) => a.findIndex((v) => !Number.isNaN(v));
    expect(firstIndex(batch.sma(xs, 30))).toBe(29);
    expect(firstIndex(batch.rsi(xs, 14))).toBe(14);
    expect(firstIndex(batch.atr(bars, 14))).toBe(14);
    expect(firstIndex(batch.macd(xs).macd)).toBe(33);
    expect(firstIndex(batch.adx(bars, 14).adx)).toBe(27);
    expect(firstIndex(batch.adx(bars, 14).plusDI)).toBe(14);
    expect(firstIndex(batch.stochastic(bars, 5, 3, 3).k)).toBe(8);
    expect(firstIndex(batch.efficiencyRatio(xs, 10))).toBe(10);
    expect(firstIndex(batch.realisedVolatility(xs, 20, 1))).toBe(20);
  });
});
