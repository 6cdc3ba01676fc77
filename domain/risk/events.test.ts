import { describe, expect, it } from 'vitest';
import { catalogue } from '../catalogue.js';
import { correlationMatrix, returnsOf } from './correlations.js';
import { riskDecidedData, riskEvents } from './events.js';
import { checkOrder } from './pre-trade.js';
import { baseSnapshot, config, intent } from './test-snapshot.js';

describe('risk events', () => {
  it('are all in the catalogue', () => {
    const types = catalogue().types;
    for (const e of riskEvents) expect(types).toContain(e.type);
  });

  it('a decision survives JSON unchanged (no bigint, undefined or Infinity leaks into the data)', () => {
    const snap = baseSnapshot({ atr: {} });
    const d = checkOrder(intent(), snap, config());
    const data = riskDecidedData('d1', intent(), snap, d, null);
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe('correlation matrix', () => {
  it('feeds the cluster rule from aligned return series', () => {
    const a = returnsOf([100, 101, 99, 102, 103, 101, 104, 106]);
    const b = a.map((r) => 2 * r + 0.001);
    const c = a.map((r) => -r);
    const m = correlationMatrix({ B: b, A: a, C: c, SHORT: [0.1] }, 5);
    expect(m.A!.B).toBeCloseTo(1, 9);
    expect(m.A!.C).toBeCloseTo(-1, 9);
    expect(m.A!.SHORT).toBeUndefined();
  });
});
