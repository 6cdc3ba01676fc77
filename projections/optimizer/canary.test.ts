import { uuidv7 } from 'uuidv7';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedStore } from '../../adapters/eventstore/open-store.js';
import { pgliteTarget, postgresTarget, type SqlTarget } from '../../adapters/testing/sql-targets.js';
import { ParameterVersionHandlers } from '../../commands/optimizer/parameter-versions.js';
import type { EventMetadata } from '../../domain/events/envelope.js';
import { defaultCanaryPlan, type EquityMark, type RunRecord } from '../../domain/optimizer/canary.js';
import { passingEvidence } from '../../domain/optimizer/test-fixtures.js';
import { ProjectionRunner } from '../runner.js';
import { optimizerProjection } from './projection.js';
import { readStrategyParameters } from './read.js';

const H = 3_600_000;
const T0 = Date.UTC(2023, 6, 1);
const plan = { ...defaultCanaryPlan, minHours: 24, maxHours: 72, minTrades: 2, minPairs: 12 };
const good = passingEvidence;
const meta = (actor: string, at = T0): EventMetadata => ({
  correlationId: 'canary-test',
  causationId: null,
  actor,
  mode: 'paper',
  occurredAt: new Date(at).toISOString(),
});
const curve = (hours: number, drift = 0): EquityMark[] =>
  Array.from({ length: hours + 1 }, (_, i) => ({
    at: T0 + i * H,
    equity: 10_000 * (1 + drift) ** i * (1 + (i % 2) * 0.001),
  }));
const rec = (m: EquityMark[], breakerTripped = false): RunRecord => ({ marks: m, trades: 4, breakerTripped });

/**
 * Through the handlers on the SQL store: v1 promoted at once; p2's canary rolled back by its breaker; p3's
 * adopted by the judge (v3); p4's trading now (v4) beside it.
 */
const story = async (h: ParameterVersionHandlers) => {
  const propose = (proposalId: string, fast: number, autoPromote: boolean) =>
    h.handle(
      'ema-cross',
      {
        kind: 'ProposeParameterSet',
        strategyId: 'ema-cross',
        proposalId,
        runId: `run-${proposalId}`,
        params: { fast },
        method: 'cmaes',
        trials: 50,
        walkForward: null,
        evidence: good,
        autoPromote,
      },
      meta('system:optimizer'),
    );
  const canary = (proposalId: string, at: number) =>
    h.handle('ema-cross', { kind: 'StartCanary', proposalId, at, plan }, meta('system:parameter-canary', at));
  const judge = (version: number, at: number, c: RunRecord, i: RunRecord) =>
    h.handle(
      'ema-cross',
      { kind: 'JudgeCanary', version, at, canary: c, incumbent: i },
      meta('system:parameter-canary', at),
    );
  await propose('p1', 12, true);
  await propose('p2', 10, false);
  await canary('p2', T0);
  await judge(2, T0 + 3 * H, rec(curve(3), true), rec(curve(3)));
  await propose('p3', 9, false);
  await canary('p3', T0);
  await judge(3, T0 + 12 * H, rec(curve(12)), rec(curve(12))); // still being judged: nothing recorded
  await judge(3, T0 + 24 * H, rec(curve(24)), rec(curve(24)));
  await propose('p4', 8, false);
  await canary('p4', T0 + 24 * H);
};

const suite = (target: SqlTarget) =>
  describe(`parameter canaries: handlers and read model on ${target.name}`, () => {
    let opened: OpenedStore;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ opened, close } = await target.open());
    });
    afterEach(async () => close());

    it('lists each canary with its plan, outcome, checks and evidence; proposals and the version in force follow', async () => {
      const h = new ParameterVersionHandlers(opened.store, uuidv7);
      await story(h);
      const state = await h.state('ema-cross');
      expect(state).toMatchObject({ active: 3, lastVersion: 4, canary: { version: 4, incumbentVersion: 3 } });
      const runner = new ProjectionRunner(opened.store, opened.db, [optimizerProjection], { batchSize: 2 });
      await runner.prepare();
      await runner.catchUpAll();
      const read = () => readStrategyParameters(opened.db, 'ema-cross');
      const v = await read();
      expect(v.activeVersion).toBe(3);
      expect(v.proposals.map((p) => [p.proposalId, p.status, p.version])).toEqual([
        ['p4', 'canary', 4],
        ['p3', 'promoted', 3],
        ['p2', 'rejected', 2],
        ['p1', 'promoted', 1],
      ]);
      expect(v.proposals[2]!.reason).toBe("canary rolled back: risk: the canary's breaker halted it");
      expect(v.canaries.map((c) => [c.version, c.state, c.by, c.incumbentVersion])).toEqual([
        [4, 'trading', null, 3],
        [3, 'adopted', 'automatic', 1],
        [2, 'rolled-back', 'automatic', 1],
      ]);
      const adopted = v.canaries[1]!;
      expect(adopted).toMatchObject({
        params: { fast: 9 },
        plan,
        startedAt: new Date(T0).toISOString(),
        judgedAt: new Date(T0 + 24 * H).toISOString(),
        concludedBy: 'system:parameter-canary',
        evidence: { hours: 24, pairs: 24, canaryTrades: 4 },
      });
      expect(adopted.checks.map((c) => [c.name, c.pass])).toEqual([
        ['breaker', true],
        ['max-drawdown', true],
        ['not-worse', true],
        ['hours', true],
        ['trades', true],
      ]);
      expect(v.canaries[0]).toMatchObject({ checks: [], evidence: null, judgedAt: null, reason: null });
      // A rebuild from 0 gives the same rows.
      await runner.rebuild('optimizer');
      expect(await read()).toEqual(v);
    });
  });

suite(pgliteTarget);
const pg = postgresTarget('canary_rm');
if (pg) suite(pg);
