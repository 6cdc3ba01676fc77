import { describe, expect, it } from 'vitest';
import { defaultCanaryPlan } from '../domain/optimizer/canary.js';
import { canaryPlanFromEnv } from './canary-plan.js';

describe('PARAMETER_CANARY', () => {
  it('changes only what it names', () => {
    expect(canaryPlanFromEnv(undefined)).toBe(defaultCanaryPlan);
    expect(canaryPlanFromEnv(' ')).toBe(defaultCanaryPlan);
    expect(canaryPlanFromEnv('{"minHours":72,"share":0.05}')).toEqual({
      ...defaultCanaryPlan,
      minHours: 72,
      share: 0.05,
    });
  });

  it('refuses what would be unsafe, could not be judged or is not understood, naming it', () => {
    expect(() => canaryPlanFromEnv('{"share":0.5}')).toThrow(/PARAMETER_CANARY: share: .*0\.1/);
    expect(() => canaryPlanFromEnv('{"minHours":700}')).toThrow(
      /maxHours must be a number > minHours \(700\)/,
    );
    expect(() => canaryPlanFromEnv('{"minHourz":3}')).toThrow(/Unrecognized key/);
    expect(() => canaryPlanFromEnv('{minHours')).toThrow(/PARAMETER_CANARY is not JSON/);
    expect(() => canaryPlanFromEnv('{"confidence":1}')).toThrow(/confidence/);
  });
});
