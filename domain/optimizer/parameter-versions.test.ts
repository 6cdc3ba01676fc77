import { describe, expect, it } from 'vitest';
import { catalogue } from '../catalogue.js';
import { optimizerEvents, type ParameterVersionEvent, parametersStreamId } from './events.js';
import type { PromotionEvidence } from './gates.js';
import {
  decideParameterVersions,
  evolveParameterVersions,
  initialParameterVersionsState,
  type ParameterVersionCommand,
  ParameterVersionError,
  type ParameterVersionsState,
} from './parameter-versions.js';

const good: PromotionEvidence = {
  dsr: 0.97,
  pbo: 0.1,
  wfe: 0.7,
  oosMaxDrawdown: 0.12,
  oosTrades: 80,
  oosSharpe: 1.4,
};

const propose = (
  proposalId: string,
  params: Record<string, number | string>,
  evidence = good,
  autoPromote = true,
): ParameterVersionCommand => ({
  kind: 'ProposeParameterSet',
  strategyId: 'ema-cross',
  proposalId,
  runId: `run-${proposalId}`,
  params,
  method: 'cmaes',
  trials: 500,
  walkForward: 'rolling:90d/30d',
  evidence,
  autoPromote,
});

/** Decide, then evolve through what was decided: the way a command handler uses an aggregate. */
const run = (commands: ParameterVersionCommand[], state = initialParameterVersionsState) => {
  const log: ParameterVersionEvent[] = [];
  let s: ParameterVersionsState = state;
  for (const c of commands) {
    for (const e of decideParameterVersions(c, s)) {
      log.push(e);
      s = evolveParameterVersions(s, e);
    }
  }
  return { log, state: s };
};

describe('parameter versions', () => {
  it('promotes a proposal that passes every gate as version 1, then 2, with the gates in both events', () => {
    const { log, state } = run([
      propose('p1', { fast: 12, slow: 26 }),
      propose('p2', { fast: 10, slow: 30 }),
    ]);
    expect(log.map((e) => e.type)).toEqual([
      'ParameterSetProposed',
      'ParameterSetPromoted',
      'ParameterSetProposed',
      'ParameterSetPromoted',
    ]);
    const promoted = log[3]!;
    expect(promoted.data).toMatchObject({
      version: 2,
      previousVersion: 1,
      approval: 'automatic',
      params: { fast: 10, slow: 30 },
    });
    expect(
      promoted.type === 'ParameterSetPromoted' && promoted.data.gates.find((g) => g.gate === 'dsr'),
    ).toEqual({
      gate: 'dsr',
      value: 0.97,
      comparator: '>=',
      threshold: 0.95,
      verdict: 'pass',
    });
    expect(state.active).toBe(2);
  });

  it('rejects a proposal that fails a gate, naming the gate, and keeps the active version', () => {
    const { log, state } = run([
      propose('p1', { fast: 12 }),
      propose('p2', { fast: 5 }, { ...good, pbo: 0.6 }),
    ]);
    expect(log.map((e) => e.type)).toEqual([
      'ParameterSetProposed',
      'ParameterSetPromoted',
      'ParameterSetProposed',
      'ParameterSetRejected',
    ]);
    expect(log[3]!.data).toMatchObject({ reason: 'gates failed: pbo', failedGates: ['pbo'] });
    expect(log[2]!.data).toMatchObject({ verdict: 'fail', evidence: { pbo: 0.6, parameterStability: null } });
    expect(state.active).toBe(1);
  });

  it('holds a passing proposal for manual approval when asked, and approves or rejects it once', () => {
    const held = run([propose('p1', { fast: 12 }, good, false)]);
    expect(held.log.map((e) => e.type)).toEqual(['ParameterSetProposed']);
    const approved = run(
      [
        { kind: 'ApproveParameterSet', proposalId: 'p1' },
        { kind: 'ApproveParameterSet', proposalId: 'p1' },
      ],
      held.state,
    );
    expect(approved.log).toHaveLength(1);
    expect(approved.log[0]!.data).toMatchObject({ version: 1, approval: 'manual' });
    expect(() =>
      run([{ kind: 'RejectParameterSet', proposalId: 'p1', reason: 'no' }], approved.state),
    ).toThrow(/roll back instead/);
    const rejected = run(
      [{ kind: 'RejectParameterSet', proposalId: 'p1', reason: 'regime changed' }],
      held.state,
    );
    expect(rejected.log[0]!.data).toMatchObject({ reason: 'regime changed', failedGates: [] });
  });

  it('rolls back to any earlier version as an event carrying the parameters now in force', () => {
    const { state } = run([
      propose('p1', { fast: 12 }),
      propose('p2', { fast: 10 }),
      propose('p3', { fast: 8 }),
    ]);
    const back = run(
      [{ kind: 'RollBackParameters', toVersion: 1, reason: 'live KPIs below threshold' }],
      state,
    );
    expect(back.log).toEqual([
      {
        type: 'ParameterSetRolledBack',
        data: {
          strategyId: 'ema-cross',
          fromVersion: 3,
          toVersion: 1,
          params: { fast: 12 },
          reason: 'live KPIs below threshold',
        },
      },
    ]);
    expect(back.state.active).toBe(1);
    expect(() => run([{ kind: 'RollBackParameters', toVersion: 9, reason: 'x' }], state)).toThrow(
      /version 9 does not exist/,
    );
    expect(() => run([{ kind: 'RollBackParameters', toVersion: 1, reason: 'x' }])).toThrow(
      ParameterVersionError,
    );
  });

  it('is idempotent for a retried proposal and refuses a different one under the same id', () => {
    const { state } = run([propose('p1', { fast: 12 })]);
    expect(decideParameterVersions(propose('p1', { fast: 12 }), state)).toEqual([]);
    expect(() => decideParameterVersions(propose('p1', { fast: 13 }), state)).toThrow(/proposal-id-reused/);
  });

  it('decides events that pass their catalogue schemas and survive JSON', () => {
    const cat = catalogue();
    for (const d of optimizerEvents) expect(cat.types).toContain(d.type);
    const { state, log } = run([
      propose('p1', { fast: 12, ma: 'ema' }),
      propose('p2', { fast: 10, ma: 'sma' }, { ...good, dsr: Number.NaN }),
      propose('p3', { fast: 9, ma: 'wma' }, { ...good, oosSharpe: Number.POSITIVE_INFINITY }),
    ]);
    const all = [...log, ...run([{ kind: 'RollBackParameters', toVersion: 1, reason: 'r' }], state).log];
    for (const e of all) {
      const def = cat.definition(e.type)!;
      expect(def.schema.safeParse(e.data).success).toBe(true);
      expect(JSON.parse(JSON.stringify(e.data))).toEqual(e.data);
    }
    expect(parametersStreamId('ema-cross')).toBe('parameters-ema-cross');
  });
});
