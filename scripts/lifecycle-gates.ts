import { z } from 'zod';
import { defaultGateConfig, type GateConfig } from '../domain/lifecycle/gates.js';

const count = z.number().int().nonnegative();
const share = z.number().finite().min(0).max(1);
const stageGate = z
  .object({
    minDays: z.number().finite().nonnegative(),
    minTrades: count,
    minSharpe: z.number().finite(),
    maxDrawdown: share,
  })
  .strict()
  .partial();
const overrides = z
  .object({
    shadow: stageGate,
    canary: stageGate,
    prod: z
      .object({
        minDays: z.number().finite().nonnegative(),
        minTrades: count,
        minAnnualised: z.number().finite(),
        maxDrawdown: share,
        ksAlpha: z.number().finite().gt(0).lt(1),
        maxSlippageBps: z.number().finite().nonnegative(),
      })
      .strict()
      .partial(),
    demoteDrawdown: share,
    // The design caps a canary at 10 % of the capital.
    canaryShare: z.number().finite().gt(0).max(0.1),
    cooldownMs: z.number().finite().nonnegative(),
  })
  .strict()
  .partial();

/**
 * LIFECYCLE_GATES: JSON that changes some of the gates, e.g. `{"shadow":{"minDays":30},"canaryShare":0.05}`;
 * what it leaves out keeps its default (domain/lifecycle/gates.ts). A bad value stops the node with the reason.
 */
export const gatesFromEnv = (json: string | undefined): GateConfig => {
  if (json === undefined || json.trim() === '') return defaultGateConfig;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new RangeError(`LIFECYCLE_GATES is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = overrides.safeParse(raw);
  if (!parsed.success)
    throw new RangeError(
      `LIFECYCLE_GATES: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  const o = parsed.data;
  return {
    shadow: { ...defaultGateConfig.shadow, ...o.shadow },
    canary: { ...defaultGateConfig.canary, ...o.canary },
    prod: { ...defaultGateConfig.prod, ...o.prod },
    demoteDrawdown: o.demoteDrawdown ?? defaultGateConfig.demoteDrawdown,
    canaryShare: o.canaryShare ?? defaultGateConfig.canaryShare,
    cooldownMs: o.cooldownMs ?? defaultGateConfig.cooldownMs,
  };
};
