import { z } from 'zod';
import { type BackstopPlan, checkBackstopPlan, defaultBackstopPlan } from '../domain/risk/backstop.js';

const overrides = z
  .object({ bufferBps: z.number().finite(), moveBps: z.number().finite() })
  .strict()
  .partial();

/**
 * LIVE_BACKSTOP: `off` (no backstop at the exchange), or JSON that changes some of the plan, e.g.
 * `{"bufferBps":100}`; what it leaves out keeps its default (domain/risk/backstop.ts). Unset: the default.
 * A bad value stops the node with the reason.
 */
export const backstopPlanFromEnv = (text: string | undefined): BackstopPlan | null => {
  if (text === undefined || text.trim() === '') return defaultBackstopPlan;
  if (text.trim() === 'off') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RangeError(
      `LIVE_BACKSTOP must be off or JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = overrides.safeParse(raw);
  if (!parsed.success)
    throw new RangeError(
      `LIVE_BACKSTOP: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
    );
  try {
    return checkBackstopPlan({ ...defaultBackstopPlan, ...parsed.data });
  } catch (err) {
    throw new RangeError(`LIVE_BACKSTOP: ${(err as Error).message}`);
  }
};
