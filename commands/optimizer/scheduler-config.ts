import { z } from 'zod';
import { parseCron } from '../../domain/schedule/cron.js';
import type { ReoptimizationTemplate } from './reoptimize.js';
import { runConfig } from './run-config.js';
import type { ScheduledStrategy } from './scheduler.js';

const DAY_MS = 86_400_000;

const cronText = z.string().refine(
  (c) => {
    try {
      parseCron(c);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a cron expression (minute hour day-of-month month day-of-week)' },
);

const entrySchema = z
  .object({
    strategyId: z.string().min(1),
    cron: cronText.nullable().default('0 0 * * 1'),
    kpi: z
      .object({
        minRollingSharpe: z.number().finite(),
        maxDrawdown: z.number().gt(0).lt(1),
        window: z.number().int().min(2),
        cooldownDays: z.number().positive().default(7),
        /** Design §14: the window's return must beat this share of the backtest's windows; null: unchecked. */
        minBacktestPercentile: z.number().gt(0).lt(0.5).nullable().default(0.05),
      })
      .strict()
      .nullable()
      .default({
        minRollingSharpe: 0,
        maxDrawdown: 0.1,
        window: 168,
        cooldownDays: 7,
        minBacktestPercentile: 0.05,
      }),
    kpiEvery: z.number().int().positive().default(24),
    symbols: z.array(z.string().min(1)).min(1),
    timeframe: z.string().default('1h'),
    method: z.string().default('cmaes'),
    budget: z.number().int().min(4).default(24),
    walkForward: z.string().default('rolling:60d/30d'),
    lookbackDays: z.number().positive().default(150),
  })
  .strict();

/** The scheduler's file: one entry per strategy to watch (`npm run scheduler -- --config <file>`). */
export const schedulerFileSchema = z.object({ strategies: z.array(entrySchema).min(1) }).strict();
export type SchedulerFile = z.input<typeof schedulerFileSchema>;

export interface SchedulerPlan {
  readonly strategies: readonly ScheduledStrategy[];
  readonly templates: ReadonlyMap<string, ReoptimizationTemplate>;
}

/** Validates a scheduler file (or the defaults) into what the scheduler and the run templates need. */
export const schedulerPlan = (input: unknown): SchedulerPlan => {
  const parsed = schedulerFileSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`scheduler configuration: ${issues.join('; ')}`);
  }
  const strategies: ScheduledStrategy[] = [];
  const templates = new Map<string, ReoptimizationTemplate>();
  for (const e of parsed.data.strategies) {
    if (templates.has(e.strategyId)) throw new Error(`scheduler configuration: ${e.strategyId} listed twice`);
    strategies.push({
      strategyId: e.strategyId,
      cron: e.cron,
      kpi: e.kpi
        ? {
            minRollingSharpe: e.kpi.minRollingSharpe,
            maxDrawdown: e.kpi.maxDrawdown,
            window: e.kpi.window,
            cooldownMs: e.kpi.cooldownDays * DAY_MS,
            ...(e.kpi.minBacktestPercentile !== null && {
              minBacktestPercentile: e.kpi.minBacktestPercentile,
            }),
          }
        : null,
      kpiEvery: e.kpiEvery,
    });
    const template = {
      symbols: e.symbols,
      timeframe: e.timeframe,
      method: e.method,
      budget: e.budget,
      walkForward: e.walkForward,
      lookbackMs: e.lookbackDays * DAY_MS,
    };
    // Refused now rather than at the first trigger, perhaps a week later: the same checks a run makes
    // (strategy, method, windows that fit the lookback).
    try {
      const { lookbackMs, ...request } = template;
      runConfig({ ...request, strategyId: e.strategyId, from: 0, to: lookbackMs });
    } catch (err) {
      throw new Error(
        `scheduler configuration, ${e.strategyId}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    templates.set(e.strategyId, template);
  }
  return { strategies, templates };
};

/**
 * Every given strategy on the given symbols with the defaults above: weekly on Monday 00:00 (market
 * clock), and when a run's week of hourly marks has a negative Sharpe or a drawdown beyond 10 %, at most
 * once a week; each run looks back 150 days with CMA-ES over rolling 60/30-day windows.
 */
export const defaultSchedulerPlan = (strategyIds: readonly string[], symbols: readonly string[]) =>
  schedulerPlan({ strategies: strategyIds.map((strategyId) => ({ strategyId, symbols: [...symbols] })) });
