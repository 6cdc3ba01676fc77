import { describe, expect, it } from 'vitest';
import { defaultGateConfig } from '../domain/lifecycle/gates.js';
import { gatesFromEnv } from './lifecycle-gates.js';

describe('LIFECYCLE_GATES', () => {
  it('changes only what it names', () => {
    expect(gatesFromEnv(undefined)).toBe(defaultGateConfig);
    const g = gatesFromEnv('{"shadow":{"minDays":30},"prod":{"ksAlpha":0.1},"canaryShare":0.05}');
    expect(g.shadow).toEqual({ ...defaultGateConfig.shadow, minDays: 30 });
    expect(g.prod.ksAlpha).toBe(0.1);
    expect(g.canary).toEqual(defaultGateConfig.canary);
    expect(g.canaryShare).toBe(0.05);
  });

  it('refuses what would be unsafe or is not understood, naming it', () => {
    expect(() => gatesFromEnv('{"canaryShare":0.5}')).toThrow(/canaryShare: .*0\.1/);
    expect(() => gatesFromEnv('{"shadow":{"minDayz":3}}')).toThrow(
      /LIFECYCLE_GATES: shadow: Unrecognized key/,
    );
    expect(() => gatesFromEnv('{shadow')).toThrow(/LIFECYCLE_GATES is not JSON/);
    expect(() => gatesFromEnv('{"prod":{"ksAlpha":1}}')).toThrow(/prod\.ksAlpha/);
  });
});
