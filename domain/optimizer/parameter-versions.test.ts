import { describe, expect, it } from 'vitest';
import { catalogue } from '../catalogue.js';
import { defaultCanaryPlan, type EquityMark, type RunRecord } from './canary.js';
import { optimizerEvents, type ParameterVersionEvent, parametersStreamId } from './events.js';
import {
  decideParameterVersions,
  evolveParameterVersions,
  initialParameterVersionsState,
  type ParameterVersionCommand,
  ParameterVersionError,
  type ParameterVersionsState,
} from './parameter-versions.js';
import { passingEvidence } from './test-fixtures.js';

const good = passingEvidence;

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

  describe('canary', () => {
    const H = 3_600_000;
    const T0 = Date.UTC(2023, 6, 1);
    const plan = { ...defaultCanaryPlan, minHours: 24, maxHours: 72, minTrades: 2, minPairs: 12 };
    const flat = (hours: number, drift = 0): EquityMark[] =>
      Array.from({ length: hours + 1 }, (_, i) => ({
        at: T0 + i * H,
        equity: 10_000 * (1 + drift) ** i * (1 + (i % 2) * 0.001),
      }));
    const rec = (m: EquityMark[], trades = 5, breakerTripped = false): RunRecord => ({
      marks: m,
      trades,
      breakerTripped,
    });
    /** Version 1 in force, then p2 passing and held for the canary (as a node proposes). */
    const staged = () => run([propose('p1', { fast: 12 }), propose('p2', { fast: 10 }, good, false)]).state;
    const start = { kind: 'StartCanary', proposalId: 'p2', at: T0, plan } as const;

    it('starts a canary on a pending passing proposal, taking the next version number but not putting it in force', () => {
      const { log, state } = run([start, start], staged());
      expect(log).toEqual([
        {
          type: 'ParameterCanaryStarted',
          data: {
            strategyId: 'ema-cross',
            proposalId: 'p2',
            version: 2,
            incumbentVersion: 1,
            params: { fast: 10 },
            startedAt: T0,
            plan,
          },
        },
      ]);
      expect(state.active).toBe(1);
      expect(state.canary).toMatchObject({ version: 2, incumbentVersion: 1, startedAt: T0 });
      expect(state.proposals.get('p2')!.status).toBe('canary');
    });

    it('adopts on the judge: the conclusion and the promotion of the same version, previous version the incumbent', () => {
      const s = run([start], staged()).state;
      const judge = (h: number, canary = rec(flat(h))) =>
        ({ kind: 'JudgeCanary', version: 2, at: T0 + h * H, canary, incumbent: rec(flat(h)) }) as const;
      expect(run([judge(12)], s).log).toEqual([]); // still being judged
      const { log, state } = run([judge(24)], s);
      expect(log.map((e) => e.type)).toEqual(['ParameterCanaryConcluded', 'ParameterSetPromoted']);
      expect(log[0]!.data).toMatchObject({
        outcome: 'adopted',
        by: 'automatic',
        at: T0 + 24 * H,
        version: 2,
      });
      expect(log[1]!.data).toMatchObject({
        version: 2,
        previousVersion: 1,
        approval: 'automatic',
        params: { fast: 10 },
      });
      expect(state).toMatchObject({ active: 2, canary: null });
      expect(state.runStarts.get(2)).toBe(T0);
      expect(state.proposals.get('p2')!.status).toBe('promoted');
    });

    it('rolls back on the judge: version 1 stays in force, the proposal is rejected and its number is not reused', () => {
      const s = run([start], staged()).state;
      const { log, state } = run(
        [
          {
            kind: 'JudgeCanary',
            version: 2,
            at: T0 + 3 * H,
            canary: rec(flat(3), 0, true),
            incumbent: rec(flat(3)),
          },
        ],
        s,
      );
      expect(log.map((e) => e.type)).toEqual(['ParameterCanaryConcluded']);
      expect(log[0]!.data).toMatchObject({
        outcome: 'rolled-back',
        reason: "risk: the canary's breaker halted it",
      });
      expect(state).toMatchObject({ active: 1, canary: null, lastVersion: 2 });
      expect(state.proposals.get('p2')!.status).toBe('rejected');
      // The next version is 3: v2 names the rolled-back canary in its run and in the log for good.
      const next = run([propose('p3', { fast: 8 })], state);
      expect(next.log[1]!.data).toMatchObject({ version: 3, previousVersion: 1 });
      expect(() => run([{ kind: 'RollBackParameters', toVersion: 2, reason: 'x' }], next.state)).toThrow(
        /version 2 does not exist/,
      );
    });

    it('one canary at a time: nothing else is promoted, approved or rolled back while it trades', () => {
      const s = run([start], staged()).state;
      // An automatic promotion waits: the proposal is recorded and left pending.
      const p3 = run([propose('p3', { fast: 8 })], s);
      expect(p3.log.map((e) => e.type)).toEqual(['ParameterSetProposed']);
      expect(p3.state.active).toBe(1);
      expect(() => run([{ kind: 'ApproveParameterSet', proposalId: 'p3' }], p3.state)).toThrow(
        /canary-in-progress/,
      );
      expect(() => run([{ kind: 'StartCanary', proposalId: 'p3', at: T0, plan }], p3.state)).toThrow(
        /canary-in-progress/,
      );
      expect(() => run([{ kind: 'RollBackParameters', toVersion: 1, reason: 'x' }], s)).toThrow(
        /canary-in-progress/,
      );
      expect(() =>
        run([{ kind: 'JudgeCanary', version: 3, at: T0, canary: rec([]), incumbent: rec([]) }], s),
      ).toThrow(/no-such-canary/);
      expect(() =>
        run([{ kind: 'JudgeCanary', version: 2, at: T0 - 1, canary: rec([]), incumbent: rec([]) }], s),
      ).toThrow(/before the canary started/);
    });

    it('a person adopts it now (approve) or rolls it back (reject); the system aborts one whose run cannot start', () => {
      const s = run([start], staged()).state;
      const adopted = run([{ kind: 'ApproveParameterSet', proposalId: 'p2' }], s);
      expect(adopted.log.map((e) => e.type)).toEqual(['ParameterCanaryConcluded', 'ParameterSetPromoted']);
      expect(adopted.log[0]!.data).toMatchObject({
        outcome: 'adopted',
        by: 'manual',
        at: null,
        checks: [],
        evidence: null,
      });
      expect(adopted.log[1]!.data).toMatchObject({ version: 2, approval: 'manual' });
      const back = run([{ kind: 'RejectParameterSet', proposalId: 'p2', reason: 'not in this regime' }], s);
      expect(back.log[0]!.data).toMatchObject({
        outcome: 'rolled-back',
        by: 'manual',
        reason: 'not in this regime',
      });
      expect(back.state).toMatchObject({ active: 1, canary: null });
      const aborted = run(
        [{ kind: 'AbortCanary', version: 2, reason: 'its run could not start', at: T0 + 5 }],
        s,
      );
      expect(aborted.log[0]!.data).toMatchObject({ outcome: 'rolled-back', by: 'automatic', at: T0 + 5 });
    });

    it('refuses a canary on what is not a pending proposal, or with a plan it could not judge', () => {
      const s = staged();
      expect(() => run([{ ...start, proposalId: 'p1' }], s)).toThrow(/proposal p1 is promoted/);
      expect(() => run([{ ...start, proposalId: 'nope' }], s)).toThrow(/unknown-proposal/);
      expect(() => run([{ ...start, plan: { ...plan, share: 0 } }], s)).toThrow(/bad-canary-plan: .*share/);
    });

    it('starts from the schema defaults (version 0) when nothing was ever promoted', () => {
      const first = run([
        propose('p1', { fast: 12 }, good, false),
        { kind: 'StartCanary', proposalId: 'p1', at: T0, plan },
      ]);
      expect(first.log[1]!.data).toMatchObject({ version: 1, incumbentVersion: 0 });
      const judged = run(
        [
          {
            kind: 'JudgeCanary',
            version: 1,
            at: T0 + 24 * H,
            canary: rec(flat(24)),
            incumbent: rec(flat(24)),
          },
        ],
        first.state,
      );
      expect(judged.log[1]!.data).toMatchObject({ version: 1, previousVersion: null });
    });

    it('decides canary events that pass their catalogue schemas and survive JSON', () => {
      const cat = catalogue();
      const s = run([start], staged());
      const judged = run(
        [
          {
            kind: 'JudgeCanary',
            version: 2,
            at: T0 + 30 * H,
            canary: rec(flat(30, -0.001)),
            incumbent: rec(flat(30)),
          },
        ],
        s.state,
      );
      expect(judged.log[0]!.data).toMatchObject({ outcome: 'rolled-back' });
      for (const e of [...s.log, ...judged.log]) {
        expect(cat.definition(e.type)!.schema.safeParse(e.data).success).toBe(true);
        expect(JSON.parse(JSON.stringify(e.data))).toEqual(e.data);
      }
    });
  });

  describe('after a canary: probation, rollbacks, where a version trades from', () => {
    const H = 3_600_000;
    const T0 = Date.UTC(2023, 6, 1);
    const plan = { ...defaultCanaryPlan, minHours: 24, maxHours: 72, minTrades: 0, minPairs: 12 };
    const flat = (hours: number): EquityMark[] =>
      Array.from({ length: hours + 1 }, (_, i) => ({ at: T0 + i * H, equity: 10_000 }));
    const rec = (m: EquityMark[]): RunRecord => ({ marks: m, trades: 0, breakerTripped: false });
    const adopted = () =>
      run([
        propose('p1', { fast: 12 }),
        propose('p2', { fast: 10 }, good, false),
        { kind: 'StartCanary', proposalId: 'p2', at: T0, plan },
        { kind: 'JudgeCanary', version: 2, at: T0 + 24 * H, canary: rec(flat(24)), incumbent: rec(flat(24)) },
      ]).state;

    it('a version adopted by the judge is on probation from the judgement, over the version it replaced; any change ends it', () => {
      const s = adopted();
      expect(s.probation).toEqual({ version: 2, since: T0 + 24 * H, incumbentVersion: 1 });
      expect(s.runStarts.get(2)).toBe(T0);
      const back = run([{ kind: 'RollBackParameters', toVersion: 1, reason: 'risk', at: T0 + 30 * H }], s);
      expect(back.log[0]!.data).toMatchObject({ fromVersion: 2, toVersion: 1, at: T0 + 30 * H });
      expect(back.state).toMatchObject({ active: 1, probation: null });
      // A rollback reinstates the run the version had: where it trades from is unchanged.
      expect(back.state.runStarts.has(1)).toBe(false);
      const next = run([propose('p3', { fast: 8 })], s);
      expect(next.state.probation).toBeNull();
    });

    it('rolls back to the schema defaults (version 0), and promotes over them', () => {
      const s = adopted();
      const back = run([{ kind: 'RollBackParameters', toVersion: 0, reason: 'defaults' }], s);
      expect(back.log[0]!.data).toEqual({
        strategyId: 'ema-cross',
        fromVersion: 2,
        toVersion: 0,
        params: {},
        reason: 'defaults',
      });
      expect(back.state.active).toBe(0);
      const again = run(
        [
          propose('p3', { fast: 8 }, good, false),
          { kind: 'ApproveParameterSet', proposalId: 'p3', at: T0 + 99 * H },
        ],
        back.state,
      );
      expect(again.log[1]!.data).toMatchObject({
        version: 3,
        previousVersion: 0,
        approval: 'manual',
        at: T0 + 99 * H,
      });
      // A person's promotion on a node: its run trades from the market time of the decision.
      expect(again.state.runStarts.get(3)).toBe(T0 + 99 * H);
      expect(() => run([{ kind: 'RollBackParameters', toVersion: 0, reason: 'x' }])).toThrow(
        /nothing-to-roll-back/,
      );
    });

    it('a person adopting a canary with the market time starts its probation too; without one, none', () => {
      const staged = run([
        propose('p1', { fast: 12 }),
        propose('p2', { fast: 10 }, good, false),
        { kind: 'StartCanary', proposalId: 'p2', at: T0, plan },
      ]).state;
      const timed = run([{ kind: 'ApproveParameterSet', proposalId: 'p2', at: T0 + 5 * H }], staged);
      expect(timed.log[0]!.data).toMatchObject({ by: 'manual', at: T0 + 5 * H });
      expect(timed.state.probation).toEqual({ version: 2, since: T0 + 5 * H, incumbentVersion: 1 });
      expect(run([{ kind: 'ApproveParameterSet', proposalId: 'p2' }], staged).state.probation).toBeNull();
    });
  });
});
