import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from './events.js';
import { defaultGateConfig, type Evidence } from './gates.js';
import {
  decideLifecycle,
  evolveLifecycle,
  initialLifecycleState,
  type LifecycleCommand,
  type LifecycleState,
  type StageEvidence,
} from './lifecycle.js';

const DAY = 86_400_000;
/** A canary's evidence: the strategy's returns at the canary's share of the capital. */
const atCanaryShare = (runId: string, over: Partial<Evidence> = {}): Evidence =>
  good(runId, { returns: good(runId).returns.map((r) => r * defaultGateConfig.canaryShare), ...over });
const good = (runId: string, over: Partial<Evidence> = {}): Evidence => ({
  runId,
  days: 30,
  trades: 40,
  totalReturn: 0.05,
  maxDrawdown: 0.04,
  sharpe: 1.2,
  returns: Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) / 1000),
  slippageBps: 2,
  breakerTripped: false,
  ...over,
});

/** Runs commands in turn, folding what each decides; returns the state and every event. */
const play = (commands: LifecycleCommand[], from: LifecycleState = initialLifecycleState) => {
  let state = from;
  const events: LifecycleEvent[] = [];
  for (const c of commands) {
    const out = decideLifecycle(c, state);
    for (const e of out) state = evolveLifecycle(state, e);
    events.push(...out);
  }
  return { state, events };
};

const onboard: LifecycleCommand = {
  kind: 'Onboard',
  strategyId: 'ema-cross',
  strategyVersion: '1.0.0',
  at: 0,
};
const evaluate = (at: number, evidence: StageEvidence): LifecycleCommand => ({
  kind: 'Evaluate',
  at,
  evidence,
  config: defaultGateConfig,
});
const approve = (actor = 'user:ana'): LifecycleCommand => ({
  kind: 'ApproveRealMoney',
  actor,
  approver: 'ana',
  note: 'read the shadow month',
  evidence: good('shadow-run'),
  checks: [],
});

describe('a strategy’s way to real money', () => {
  it('moves paper → shadow on evidence, waits at shadow for a person, then canary → prod on evidence', () => {
    const { state, events } = play([
      onboard,
      evaluate(DAY, { paper: good('paper-run', { days: 3 }) }),
      evaluate(20 * DAY, { paper: good('paper-run') }),
      // The shadow gate is met, but nobody has let it trade real money: it stays.
      evaluate(30 * DAY, { shadow: good('shadow-run') }),
    ]);
    expect(state.stage).toBe('shadow');
    expect(events.map((e) => e.type)).toEqual(['StrategyOnboarded', 'StrategyStageChanged']);
    const after = play([approve(), evaluate(31 * DAY, { shadow: good('shadow-run') })], state);
    expect(after.state.stage).toBe('canary');
    const toCanary = after.events[1]!;
    expect(toCanary).toMatchObject({
      type: 'StrategyStageChanged',
      data: { from: 'shadow', to: 'canary', reason: 'gates-met' },
    });
    expect(toCanary.type === 'StrategyStageChanged' && toCanary.data.detail).toMatch(
      /ana let it trade real money: 10 %/,
    );
    const prod = play(
      [evaluate(40 * DAY, { real: atCanaryShare('real-run'), shadow: good('shadow-run') })],
      after.state,
    );
    expect(prod.state.stage).toBe('prod');
    expect(prod.events[0]).toMatchObject({
      data: { from: 'canary', to: 'prod', evidence: { runId: 'real-run', returns: 300 } },
    });
  });

  it('takes real money away when the real run trips its breaker or draws down too far', () => {
    const canary = play([
      onboard,
      evaluate(20 * DAY, { paper: good('p') }),
      approve(),
      evaluate(30 * DAY, { shadow: good('s') }),
    ]).state;
    expect(canary.stage).toBe('canary');
    const tripped = play(
      [evaluate(31 * DAY, { real: good('r', { breakerTripped: true }), shadow: good('s') })],
      canary,
    );
    expect(tripped.state.stage).toBe('shadow');
    expect(tripped.events[0]).toMatchObject({ data: { reason: 'demoted', to: 'shadow' } });
    const deep = play([evaluate(31 * DAY, { real: good('r', { maxDrawdown: 0.2 }) })], canary);
    expect(deep.state.stage).toBe('shadow');
    // The approval stays: once the shadow gate is met again it goes back to canary by itself, but not
    // before the cooldown (72 h) since it was taken off.
    expect(play([evaluate(33 * DAY, { shadow: good('s') })], deep.state).events).toEqual([]);
    expect(play([evaluate(40 * DAY, { shadow: good('s') })], deep.state).state.stage).toBe('canary');
  });

  it('a canary whose real returns differ from the shadow’s stays a canary', () => {
    const canary = play([
      onboard,
      evaluate(20 * DAY, { paper: good('p') }),
      approve(),
      evaluate(30 * DAY, { shadow: good('s') }),
    ]).state;
    const real = atCanaryShare('r');
    const apart = good('s', { returns: good('s').returns.map((r) => r + 0.003) });
    expect(play([evaluate(40 * DAY, { real, shadow: apart })], canary).events).toEqual([]);
  });

  it('only a person lets a strategy trade real money, once; revoking takes it off at once', () => {
    const shadow = play([onboard, evaluate(20 * DAY, { paper: good('p') })]).state;
    expect(() => play([approve('system:lifecycle')], shadow)).toThrow(/person-only/);
    const approved = play([approve()], shadow).state;
    expect(() => play([approve()], approved)).toThrow(/already-approved/);
    const canary = play([evaluate(30 * DAY, { shadow: good('s') })], approved).state;
    const revoked = play(
      [{ kind: 'RevokeRealMoney', actor: 'user:bo', approver: 'bo', note: 'too hot', at: 31 * DAY }],
      canary,
    );
    expect(revoked.state).toMatchObject({ stage: 'shadow', approvedBy: null });
    expect(revoked.events.map((e) => e.type)).toEqual(['RealMoneyRevoked', 'StrategyStageChanged']);
    // Without the approval, the shadow gate alone does not put it back on real money.
    expect(play([evaluate(40 * DAY, { shadow: good('s') })], revoked.state).events).toEqual([]);
  });

  it('refuses what makes no sense, and nothing moves a retired strategy', () => {
    expect(() => play([evaluate(0, {})])).toThrow(/not-onboarded/);
    expect(() => play([onboard, onboard])).toThrow(/already-onboarded/);
    const shadow = play([onboard, evaluate(20 * DAY, { paper: good('p') })]).state;
    expect(() => play([evaluate(DAY, { shadow: good('s') })], shadow)).toThrow(/evidence-out-of-order/);
    const retired = play(
      [{ kind: 'Retire', actor: 'user:ana', approver: 'ana', note: 'done', at: 21 * DAY }],
      shadow,
    ).state;
    expect(retired.stage).toBe('retired');
    expect(
      play([approve(), evaluate(40 * DAY, { shadow: good('s'), paper: good('p') })].slice(1), retired).events,
    ).toEqual([]);
    expect(() => play([approve()], retired)).toThrow(/retired/);
  });
});
