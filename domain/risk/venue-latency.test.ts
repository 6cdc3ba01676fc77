import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyWatch } from './venue-latency.js';

const config = { window: 10, minSlow: 3, degradedMs: 1_000, recoverMs: 400 };

describe('LatencyWatch', () => {
  it('takes minSlow slow calls to be slow, then reports slow once and back once, with its figures', () => {
    const w = new LatencyWatch(config);
    // One or two slow calls are the slowest of a short window (its p90), but not yet a slow venue.
    expect(w.observe(100)).toBeNull();
    expect(w.observe(3_000)).toBeNull();
    expect(w.observe(3_000)).toBeNull();
    expect(w.observe(3_000)).toEqual({ state: 'degraded', p50Ms: 3_000, p90Ms: 3_000, calls: 4 });
    for (let i = 0; i < 3; i++) expect(w.observe(3_000)).toBeNull();
    // Fast calls push the six slow ones (and the first fast one) out of the window of ten. Its p90 (the
    // 9th of 10) is fast once at most one slow call is left: after the ninth fast call.
    const changes = [];
    for (let i = 0; i < 10; i++) changes.push(w.observe(100));
    const back = changes.findIndex((c) => c !== null);
    expect(changes[back]).toEqual({ state: 'normal', p50Ms: 100, p90Ms: 100, calls: 10 });
    expect(back).toBe(8);
    expect(w.state).toBe('normal');
  });

  it('does not flap at the limit: between the two thresholds the state holds', () => {
    const w = new LatencyWatch(config);
    for (let i = 0; i < 10; i++) w.observe(1_200);
    expect(w.state).toBe('degraded');
    for (let i = 0; i < 30; i++) expect(w.observe(i % 2 ? 600 : 900)).toBeNull();
    expect(w.figures()).toEqual({ p50Ms: 600, p90Ms: 900, calls: 10 });
  });

  it('refuses a round trip that is not a time, and a config that cannot be judged', () => {
    const w = new LatencyWatch(config);
    expect(() => w.observe(Number.NaN)).toThrow(/finite time ≥ 0 ms, got NaN/);
    expect(() => w.observe(-1)).toThrow(/got -1/);
    expect(() => new LatencyWatch({ ...config, recoverMs: 1_000 })).toThrow(/0 < recoverMs < degradedMs/);
    expect(() => new LatencyWatch({ ...config, minSlow: 11 })).toThrow(/minSlow/);
    expect(() => new LatencyWatch({ ...config, window: 0 })).toThrow(/window/);
  });

  it('property: changes alternate, each agrees with its figures, and the figures are those of the last calls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 200 }), (calls) => {
        const w = new LatencyWatch(config);
        let last: 'degraded' | 'normal' = 'normal';
        calls.forEach((ms, i) => {
          const c = w.observe(ms);
          if (c === null) return;
          expect(c.state).not.toBe(last);
          last = c.state;
          const recent = calls.slice(Math.max(0, i + 1 - config.window), i + 1).sort((a, b) => a - b);
          if (c.state === 'degraded') {
            expect(c.p90Ms).toBeGreaterThanOrEqual(config.degradedMs);
            expect(recent.filter((x) => x >= config.degradedMs).length).toBeGreaterThanOrEqual(
              config.minSlow,
            );
          } else expect(c.p90Ms).toBeLessThan(config.recoverMs);
          expect(c.calls).toBe(recent.length);
          expect(c.p90Ms).toBe(recent[Math.ceil(0.9 * recent.length) - 1]);
          expect(c.p50Ms).toBe(recent[Math.ceil(0.5 * recent.length) - 1]);
        });
        expect(w.state).toBe(last);
      }),
    );
  });
});
