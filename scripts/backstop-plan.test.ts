import { describe, expect, it } from 'vitest';
import { defaultBackstopPlan } from '../domain/risk/backstop.js';
import { backstopPlanFromEnv } from './backstop-plan.js';

describe('LIVE_BACKSTOP', () => {
  it('is on with the default plan unless turned off, and changes only what it names', () => {
    expect(backstopPlanFromEnv(undefined)).toBe(defaultBackstopPlan);
    expect(backstopPlanFromEnv(' ')).toBe(defaultBackstopPlan);
    expect(backstopPlanFromEnv('off')).toBeNull();
    expect(backstopPlanFromEnv('{"bufferBps":100}')).toEqual({ ...defaultBackstopPlan, bufferBps: 100 });
  });

  it('refuses what could not protect or is not understood, naming it', () => {
    expect(() => backstopPlanFromEnv('{"bufferBps":10}')).toThrow(
      /LIVE_BACKSTOP: backstop moveBps \(20\) must be below bufferBps \(10\)/,
    );
    expect(() => backstopPlanFromEnv('{"bufferBps":-5}')).toThrow(/LIVE_BACKSTOP: backstop bufferBps/);
    expect(() => backstopPlanFromEnv('{"bufferBp":100}')).toThrow(/Unrecognized key/);
    expect(() => backstopPlanFromEnv('{"moveBps":"x"}')).toThrow(/LIVE_BACKSTOP: moveBps/);
    expect(() => backstopPlanFromEnv('on')).toThrow(/LIVE_BACKSTOP must be off or JSON/);
  });
});
