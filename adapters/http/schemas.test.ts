import { describe, expect, it } from 'vitest';
import * as ui from '../../ui/src/api/schemas.js';
import * as s from './schemas.js';

/** What a time filter accepts: only a real calendar date or date-time, never one Date.parse rolls over. */
const valid: [string, string][] = [
  ['2023-06-21', '2023-06-21T00:00:00.000Z'],
  ['2024-02-29', '2024-02-29T00:00:00.000Z'],
  ['2023-06-21T12:34:56Z', '2023-06-21T12:34:56.000Z'],
  ['2023-06-21T12:34:56.789Z', '2023-06-21T12:34:56.789Z'],
  ['2023-06-21T00:00:00+02:00', '2023-06-20T22:00:00.000Z'],
  ['2023-06-21T23:30:00-05:30', '2023-06-22T05:00:00.000Z'],
  ['2023-12-31T23:59:59.999999+23:59', '2023-12-31T00:00:59.999Z'],
];
const invalid = [
  '2023-02-30',
  '2023-02-29',
  '2023-04-31',
  '2023-13-01',
  '2023-00-10',
  '2023-06-00',
  '1',
  '2023',
  '2023-06',
  '23-06-21',
  '2023-6-1',
  '20230621',
  '2023-02-30T00:00:00Z',
  '2023-06-21T24:00:00Z',
  '2023-06-21T23:60:00Z',
  '2023-06-21T23:59:60Z',
  '2023-06-21T00:00:00',
  '2023-06-21T00:00Z',
  '2023-06-21T00:00:00+24:00',
  '2023-06-21T00:00:00+02:60',
  '2023-06-21 00:00:00Z',
  'June 21, 2023',
  'Wed, 21 Jun 2023 00:00:00 GMT',
  ' 2023-06-21',
  '',
];

describe('time parameters', () => {
  it.each(valid)('parseTime(%s) is %s on the server and in the UI', (v, iso) => {
    expect(new Date(s.parseTime(v)).toISOString()).toBe(iso);
    expect(ui.parseTime(v)).toBe(s.parseTime(v));
  });

  it.each(invalid)('%j is refused by every time filter and by the backtest form', (v) => {
    expect(s.parseTime(v)).toBeNaN();
    expect(ui.parseTime(v)).toBeNaN();
    expect(s.auditQuery.safeParse({ from: v }).success).toBe(false);
    expect(s.auditQuery.safeParse({ to: v }).success).toBe(false);
    expect(s.barsQuery.safeParse({ from: v }).success).toBe(false);
    const body = { strategyId: 'ema-cross', symbols: ['BTCUSDT'], from: v };
    expect(s.backtestRequest.safeParse(body).success).toBe(false);
    expect(ui.backtestRequestSchema.safeParse(body).success).toBe(false);
  });

  it('names the bad end once, without also calling the range backwards', () => {
    const r = s.auditQuery.safeParse({ from: '2023-02-30', to: '2023-03-10' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['from', 'a date like 2023-06-21 or an ISO time like 2023-06-21T00:00:00Z'],
    ]);
    const form = ui.backtestRequestSchema.safeParse({
      strategyId: 'ema-cross',
      symbols: ['BTCUSDT'],
      from: '2023-01-01',
      to: '2023-02-30',
    });
    expect(form.error?.issues.map((i) => i.path.join('.'))).toEqual(['to']);
    expect(s.auditQuery.safeParse({ from: '2023-03-10', to: '2023-03-01' }).error?.issues[0]?.message).toBe(
      '`from` must be before `to`',
    );
  });
});
