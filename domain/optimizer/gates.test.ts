import { describe, expect, it } from 'vitest';
import { checkGate, defaultPromotionPolicy, evaluateGates, type PromotionEvidence } from './gates.js';

const good: PromotionEvidence = {
  dsr: 0.97,
  pbo: 0.1,
  wfe: 0.7,
  oosMaxDrawdown: 0.12,
  oosTrades: 80,
  oosSharpe: 1.4,
  parameterStability: 0.6,
  oosTradesPerDay: 1.5,
  oosCostCoverage: 3.2,
};

describe('promotion gates', () => {
  it('passes when every enabled gate passes and records each value, threshold and verdict', () => {
    const e = evaluateGates(good);
    expect(e.verdict).toBe('pass');
    expect(e.gates).toEqual([
      { gate: 'dsr', value: 0.97, comparator: '>=', threshold: 0.95, verdict: 'pass' },
      { gate: 'pbo', value: 0.1, comparator: '<=', threshold: 0.25, verdict: 'pass' },
      { gate: 'wfe', value: 0.7, comparator: '>=', threshold: 0.5, verdict: 'pass' },
      { gate: 'oosMaxDrawdown', value: 0.12, comparator: '<=', threshold: 0.3, verdict: 'pass' },
      { gate: 'oosTrades', value: 80, comparator: '>=', threshold: 30, verdict: 'pass' },
      { gate: 'oosSharpe', value: 1.4, comparator: '>=', threshold: 0.5, verdict: 'pass' },
      { gate: 'parameterStability', value: 0.6, comparator: '>=', threshold: null, verdict: 'disabled' },
      { gate: 'oosTradesPerDay', value: 1.5, comparator: '<=', threshold: 48, verdict: 'pass' },
      { gate: 'oosCostCoverage', value: 3.2, comparator: '>=', threshold: 2, verdict: 'pass' },
    ]);
  });

  it('the risk checks: too many trades a day, or an edge that higher costs would erase, fail; a policy recorded before them does not check them', () => {
    const e = evaluateGates({ ...good, oosTradesPerDay: 60, oosCostCoverage: 1.4 });
    expect(e.failed).toEqual(['oosTradesPerDay', 'oosCostCoverage']);
    // Without fees there is nothing to be sensitive to: +∞ passes and is recorded as null.
    expect(evaluateGates({ ...good, oosCostCoverage: Number.POSITIVE_INFINITY }).gates.at(-1)).toEqual({
      gate: 'oosCostCoverage',
      value: null,
      comparator: '>=',
      threshold: 2,
      verdict: 'pass',
    });
    const { maxOosTradesPerDay: _a, minOosCostCoverage: _b, ...older } = defaultPromotionPolicy;
    const old = evaluateGates({ ...good, oosTradesPerDay: 60, oosCostCoverage: 0.1 }, older);
    expect(old.verdict).toBe('pass');
    expect(old.gates.map((g) => g.gate)).not.toContain('oosCostCoverage');
  });

  it('fails on any gate, names the failures, and treats thresholds as inclusive', () => {
    const e = evaluateGates({ ...good, dsr: 0.9, pbo: 0.25, oosTrades: 12 });
    expect(e.verdict).toBe('fail');
    expect(e.failed).toEqual(['dsr', 'oosTrades']);
  });

  it('fails an enabled gate whose statistic could not be computed', () => {
    expect(checkGate('wfe', Number.NaN, '>=', 0.5)).toEqual({
      gate: 'wfe',
      value: null,
      comparator: '>=',
      threshold: 0.5,
      verdict: 'fail',
    });
    expect(
      evaluateGates(
        { ...good, parameterStability: undefined },
        { ...defaultPromotionPolicy, minParameterStability: 0.3 },
      ).failed,
    ).toEqual(['parameterStability']);
  });

  it('records an unbounded value as null but judges it on the real value', () => {
    expect(checkGate('oosSharpe', Number.POSITIVE_INFINITY, '>=', 0.5)).toEqual({
      gate: 'oosSharpe',
      value: null,
      comparator: '>=',
      threshold: 0.5,
      verdict: 'pass',
    });
    expect(checkGate('oosMaxDrawdown', Number.POSITIVE_INFINITY, '<=', 0.3).verdict).toBe('fail');
  });
});
