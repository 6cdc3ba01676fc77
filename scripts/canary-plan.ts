import { z } from 'zod';
import { type CanaryPlan, checkCanaryPlan, defaultCanaryPlan } from '../domain/optimizer/canary.js';

const overrides = z
  .object({
    // The design caps a canary at 10 % of the capital.
    share: z.number().finite().gt(0).max(0.1),
    minHours: z.number().finite().nonnegative(),
    minTrades: z.number().int().nonnegative(),
    maxHours: z.number().finite().positive(),
    maxDrawdown: z.number().finite().gt(0).lt(1),
    confidence: z.number().finite().gt(0.5).lt(1),
    minPairs: z.number().int().min(2),
  })
  .strict()
  .partial();

/**
 * PARAMETER_CANARY: JSON that changes some of the canary plan, e.g. `{"minHours":72,"share":0.05}`; what it
 * leaves out keeps its default (domain/optimizer/canary.ts). A bad value stops the node with the reason.
 */
export const canaryPlanFromEnv = (json: string | undefined): CanaryPlan => {
  if (json === undefined || json.trim() === '') return defaultCanaryPlan;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new RangeError(`PARAMETER_CANARY is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = overrides.safeParse(raw);
  if (!parsed.success)
    throw new RangeError(
      `PARAMETER_CANARY: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  const plan = { ...defaultCanaryPlan, ...parsed.data };
  try {
    checkCanaryPlan(plan);
  } catch (err) {
    throw new RangeError(`PARAMETER_CANARY: ${(err as Error).message}`);
  }
  return plan;
};
