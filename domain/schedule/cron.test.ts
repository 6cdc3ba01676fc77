import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CronError, cronMatches, nextCronTime, parseCron } from './cron.js';

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, iso: string) => {
  const t = nextCronTime(parseCron(expr), at(iso));
  return t === null ? null : new Date(t).toISOString();
};

describe('cron', () => {
  it('computes worked examples', () => {
    expect(next('*/15 * * * *', '2023-01-01T00:07:30Z')).toBe('2023-01-01T00:15:00.000Z');
    expect(next('0 3 * * *', '2023-01-01T03:00:00Z')).toBe('2023-01-02T03:00:00.000Z');
    expect(next('30 2 * * mon', '2023-01-01T00:00:00Z')).toBe('2023-01-02T02:30:00.000Z');
    expect(next('0 0 29 2 *', '2023-03-01T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z');
    expect(next('@monthly', '2023-01-31T23:59:00Z')).toBe('2023-02-01T00:00:00.000Z');
    expect(next('0 12 1-7 * 5', '2023-01-01T00:00:00Z')).toBe('2023-01-01T12:00:00.000Z'); // day 1 OR Friday
    expect(next('0 0 * * 7', '2023-01-02T00:00:00Z')).toBe('2023-01-08T00:00:00.000Z'); // 7 = Sunday
    expect(next('0 0 31 2 *', '2023-01-01T00:00:00Z')).toBeNull();
  });

  it('refuses malformed expressions with the field named', () => {
    expect(() => parseCron('* * *')).toThrow(/5 fields/);
    expect(() => parseCron('60 * * * *')).toThrow(/minute: 60 is outside 0-59/);
    expect(() => parseCron('* * * foo *')).toThrow(CronError);
    expect(() => parseCron('*/0 * * * *')).toThrow(/step/);
    expect(() => parseCron('5-1 * * * *')).toThrow(/backwards/);
  });

  const field = (min: number, max: number) =>
    fc.oneof(
      fc.constant('*'),
      fc.integer({ min, max }).map(String),
      fc
        .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
        .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.integer({ min: 1, max: Math.max(1, max - min) }).map((s) => `*/${s}`),
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 }).map((v) => v.join(',')),
    );
  const expr = fc
    .tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 7))
    .map((f) => f.join(' '));
  const time = fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') });

  it('property: the next time is later, on a minute, matches, and is reached again from any earlier instant', () => {
    fc.assert(
      fc.property(expr, time, fc.double({ min: 0, max: 1, noNaN: true }), (e, t, f) => {
        const c = parseCron(e);
        const n = nextCronTime(c, t);
        if (n === null) return;
        expect(n).toBeGreaterThan(t);
        expect(n % 60_000).toBe(0);
        expect(cronMatches(c, n)).toBe(true);
        const between = t + Math.floor((n - t) * f);
        expect(nextCronTime(c, Math.min(between, n - 1))).toBe(n);
      }),
      { numRuns: 400 },
    );
  });

  it('property: no minute between the start and the next time matches (brute force over 3 days)', () => {
    const frequent = fc
      .tuple(field(0, 59), field(0, 23), fc.constant('*'), fc.constant('*'), field(0, 7))
      .map((f) => f.join(' '));
    fc.assert(
      fc.property(frequent, time, (e, t) => {
        const c = parseCron(e);
        const n = nextCronTime(c, t);
        const end = Math.min(n ?? Number.POSITIVE_INFINITY, t + 3 * 86_400_000);
        for (let m = Math.floor(t / 60_000) * 60_000 + 60_000; m < end; m += 60_000)
          expect(cronMatches(c, m)).toBe(false);
      }),
      { numRuns: 25 },
    );
  });
});
