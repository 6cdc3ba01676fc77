import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BreakerCommand,
  type BreakerEvent,
  type BreakerMeasurements,
  BreakerRuleError,
  type BreakerState,
  decideBreaker,
  defaultBreakerParams,
  drawdownOf,
  evolveBreaker,
  initialBreakerState,
  measuredLevel,
  trailingLossStreak,
} from './breaker.js';
import { breakerLevels, levelIndex } from './breaker-levels.js';
import { BreakerLevelChanged, BreakerStepDownApproved } from './events.js';

const calm: BreakerMeasurements = {
  drawdown: 0,
  lossStreak: 0,
  slippage: 0,
  errorRate: 0,
  staleness: 0,
  marginRatio: 0,
};
const p = defaultBreakerParams;

const apply = (
  s: BreakerState,
  cmd: BreakerCommand,
): { state: BreakerState; events: readonly BreakerEvent[] } => {
  const events = decideBreaker(s, p, cmd);
  for (const e of events) {
    (e.type === 'BreakerLevelChanged' ? BreakerLevelChanged : BreakerStepDownApproved).schema.parse(e.data);
  }
  return { state: events.reduce(evolveBreaker, s), events };
};

describe('breaker ladder', () => {
  it('steps up at once to the worst level any metric calls for, with the measured values', () => {
    const s0 = initialBreakerState('strategy', 'trend');
    const { state, events } = apply(s0, {
      kind: 'ObserveBreaker',
      at: 1000,
      measured: { ...calm, drawdown: 0.09, lossStreak: 4 },
    });
    expect(state.level).toBe('reduce');
    expect(events).toHaveLength(1);
    const data = events[0]!.data;
    expect(data).toMatchObject({ from: 'normal', to: 'reduce', direction: 'up', approvedBy: null });
    expect(events[0]!.type === 'BreakerLevelChanged' && events[0]!.data.triggers).toEqual([
      { metric: 'drawdown', level: 'reduce', value: 0.09, threshold: 0.08 },
      { metric: 'lossStreak', level: 'warn', value: 4, threshold: 4 },
    ]);
  });

  it('never steps down by itself; a person may after the cooldown, to a level the numbers allow', () => {
    let s = apply(initialBreakerState('account', 'acc1'), {
      kind: 'ObserveBreaker',
      at: 0,
      measured: { ...calm, staleness: 200_000 },
    }).state;
    expect(s.level).toBe('halt');
    expect(apply(s, { kind: 'ObserveBreaker', at: 10, measured: calm }).events).toEqual([]);

    const approve = (at: number, approver: string, to: (typeof breakerLevels)[number], measured = calm) =>
      decideBreaker(s, p, { kind: 'ApproveStepDown', at, approver, to, reason: 'feed restored', measured });
    expect(() => approve(1000, 'user:ana', 'normal')).toThrow(/cooldown/);
    expect(() => approve(p.cooldownMs, 'system:scheduler', 'normal')).toThrow(/approver-must-be-a-person/);
    expect(() => approve(p.cooldownMs, 'user:ana', 'normal', { ...calm, drawdown: 0.06 })).toThrow(
      /measurements-still-breach/,
    );
    expect(() => approve(p.cooldownMs, 'user:ana', 'halt')).toThrow(BreakerRuleError);

    const r = apply(s, {
      kind: 'ApproveStepDown',
      at: p.cooldownMs,
      approver: 'user:ana',
      to: 'warn',
      reason: 'feed restored',
      measured: calm,
    });
    expect(r.events.map((e) => e.type)).toEqual(['BreakerStepDownApproved', 'BreakerLevelChanged']);
    expect(r.events[1]!.data).toMatchObject({
      direction: 'down',
      approvedBy: 'user:ana',
      from: 'halt',
      to: 'warn',
    });
    s = r.state;
    expect(s.level).toBe('warn');
  });

  it("a new run starts its ladder where its predecessor's stood, up only, and a person steps it down as any", () => {
    const start = initialBreakerState('strategy', 'real-b');
    const carried = apply(start, {
      kind: 'CarryBreaker',
      at: 1_000,
      level: 'reduce',
      from: 'real-a',
      measured: calm,
    });
    expect(carried.state).toMatchObject({ level: 'reduce', since: 1_000 });
    expect(carried.events).toEqual([
      {
        type: 'BreakerLevelChanged',
        data: expect.objectContaining({
          from: 'normal',
          to: 'reduce',
          direction: 'up',
          triggers: [],
          approvedBy: null,
          carriedFrom: 'real-a',
        }),
      },
    ]);
    // Nothing to carry at or below where it stands.
    expect(
      decideBreaker(carried.state, p, {
        kind: 'CarryBreaker',
        at: 2_000,
        level: 'warn',
        from: 'real-a',
        measured: calm,
      }),
    ).toEqual([]);
    // Calm numbers do not bring it down; a person does, after the cooldown.
    expect(apply(carried.state, { kind: 'ObserveBreaker', at: 2_000, measured: calm }).events).toEqual([]);
    const step = {
      kind: 'ApproveStepDown' as const,
      approver: 'user:ana',
      to: 'normal' as const,
      reason: 'reviewed',
      measured: calm,
    };
    expect(() => decideBreaker(carried.state, p, { ...step, at: 1_000 + p.cooldownMs - 1 })).toThrow(
      /cooldown/,
    );
    expect(apply(carried.state, { ...step, at: 1_000 + p.cooldownMs }).state.level).toBe('normal');
    // The schema keeps a carried level to what it is: a step up no measurement triggered.
    const data = carried.events[0]!.data;
    expect(() =>
      BreakerLevelChanged.schema.parse({ ...data, direction: 'down', approvedBy: 'user:ana' }),
    ).toThrow(/carried level/);
    expect(() =>
      BreakerLevelChanged.schema.parse({
        ...data,
        triggers: [{ metric: 'drawdown', level: 'reduce', value: 0.09, threshold: 0.08 }],
      }),
    ).toThrow(/carried level/);
  });

  it('history with a step down but no approval is refused on replay', () => {
    const up = decideBreaker(initialBreakerState('account', 'a'), p, {
      kind: 'ObserveBreaker',
      at: 0,
      measured: { ...calm, drawdown: 0.5 },
    });
    const s = up.reduce(evolveBreaker, initialBreakerState('account', 'a'));
    const forged: BreakerEvent = {
      type: 'BreakerLevelChanged',
      data: {
        ...(up[0]!.data as Extract<BreakerEvent, { type: 'BreakerLevelChanged' }>['data']),
        from: 'flatten',
        to: 'normal',
        direction: 'down',
        approvedBy: 'user:x',
      },
    };
    expect(() => evolveBreaker(s, forged)).toThrow(/step-down-without-approval/);
    expect(() => BreakerLevelChanged.schema.parse({ ...forged.data, approvedBy: null })).toThrow();
  });

  it('measurement helpers', () => {
    expect(drawdownOf([100, 120, 90, 108])).toBeCloseTo(0.1, 12);
    expect(trailingLossStreak([5, -1, 3, -2, -4])).toBe(2);
    expect(measuredLevel(p, { ...calm, errorRate: Number.NaN }).level).toBe('halt');
  });

  it('the margin ratio steps the ladder up to flatten before the venue liquidates at 1', () => {
    expect(measuredLevel(p, { ...calm, marginRatio: 0.49 }).level).toBe('normal');
    expect(measuredLevel(p, { ...calm, marginRatio: 0.7 }).level).toBe('reduce');
    expect(measuredLevel(p, { ...calm, marginRatio: 0.95 })).toEqual({
      level: 'flatten',
      triggers: [{ metric: 'marginRatio', level: 'flatten', value: 0.95, threshold: 0.9 }],
    });
  });

  it('what was recorded before the margin ratio existed is judged without it, not as broken', () => {
    // A v1 event's measurements (no marginRatio) against today's ladder, and today's against a v1 ladder.
    const { marginRatio: _, ...v1Measured } = { ...calm, drawdown: 0.09 };
    expect(measuredLevel(p, v1Measured as BreakerMeasurements).level).toBe('reduce');
    const { marginRatio: __, ...v1Thresholds } = p.thresholds;
    expect(measuredLevel({ ...p, thresholds: v1Thresholds }, { ...calm, marginRatio: 5 }).level).toBe(
      'normal',
    );
  });

  const measurements = fc.record({
    drawdown: fc.double({ min: 0, max: 0.3, noNaN: true }),
    lossStreak: fc.integer({ min: 0, max: 12 }),
    slippage: fc.double({ min: 0, max: 80, noNaN: true }),
    errorRate: fc.double({ min: 0, max: 0.4, noNaN: true }),
    staleness: fc.integer({ min: 0, max: 200_000 }),
    marginRatio: fc.double({ min: 0, max: 1.2, noNaN: true }),
  });
  const command = fc.oneof(
    fc.record({
      kind: fc.constant('ObserveBreaker' as const),
      dt: fc.integer({ min: 0, max: 2_000_000 }),
      measured: measurements,
    }),
    fc.record({
      kind: fc.constant('ApproveStepDown' as const),
      dt: fc.integer({ min: 0, max: 2_000_000 }),
      approver: fc.constantFrom('user:ana', 'user:bo', 'system:x', ''),
      to: fc.constantFrom(...breakerLevels),
      measured: measurements,
    }),
    fc.record({
      kind: fc.constant('CarryBreaker' as const),
      dt: fc.integer({ min: 0, max: 2_000_000 }),
      level: fc.constantFrom(...breakerLevels),
      measured: measurements,
    }),
  );

  it('never steps down without an approval event by a person just before it', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (cmds) => {
        let s = initialBreakerState('strategy', 's');
        let at = 0;
        const log: BreakerEvent[] = [];
        for (const c of cmds) {
          at += c.dt;
          const cmd: BreakerCommand =
            c.kind === 'ObserveBreaker'
              ? { kind: c.kind, at, measured: c.measured }
              : c.kind === 'CarryBreaker'
                ? { kind: c.kind, at, level: c.level, from: 'earlier', measured: c.measured }
                : { kind: c.kind, at, approver: c.approver, to: c.to, reason: 'ok', measured: c.measured };
          let events: readonly BreakerEvent[] = [];
          try {
            events = decideBreaker(s, p, cmd);
            for (const e of events)
              (e.type === 'BreakerLevelChanged' ? BreakerLevelChanged : BreakerStepDownApproved).schema.parse(
                e.data,
              );
          } catch (e) {
            expect(e).toBeInstanceOf(BreakerRuleError);
            continue;
          }
          const before = s.level;
          s = events.reduce(evolveBreaker, s);
          log.push(...events);
          if (levelIndex(s.level) < levelIndex(before)) expect(cmd.kind).toBe('ApproveStepDown');
          // Up moves land exactly on what the measurements call for.
          if (cmd.kind === 'ObserveBreaker' && events.length > 0) {
            expect(s.level).toBe(measuredLevel(p, cmd.measured).level);
          }
          // A carried level lifts the ladder to it, never lowers it.
          if (cmd.kind === 'CarryBreaker')
            expect(s.level).toBe(levelIndex(cmd.level) > levelIndex(before) ? cmd.level : before);
        }
        log.forEach((e, i) => {
          if (e.type === 'BreakerLevelChanged' && e.data.direction === 'down') {
            const prev = log[i - 1];
            expect(prev?.type).toBe('BreakerStepDownApproved');
            expect(prev?.type === 'BreakerStepDownApproved' && prev.data.approver).toBe(e.data.approvedBy);
            expect(e.data.approvedBy).toMatch(/^user:.+/);
          }
        });
      }),
      { numRuns: 300 },
    );
  });
});
