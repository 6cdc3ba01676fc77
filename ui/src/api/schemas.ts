import { z } from 'zod';

/**
 * The body of `POST /api/backtests` as docs/api.md states it:
 * `{ strategyId, symbols, from?, to?, params?, timeframe?, seed? }`. Times are epoch milliseconds (UTC), as
 * everywhere in the log; parameter values are what a run's inputs accept (domain/backtest/events.ts).
 * The form validates with this schema before sending, so the user sees the same messages the server's
 * 400 would carry, next to the field.
 */
const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);

export const backtestRequestSchema = z
  .object({
    strategyId: z.string().min(1, 'choose a strategy'),
    symbols: z
      .array(z.string().regex(/^[A-Z0-9]{2,30}$/, 'a symbol like BTCUSDT'))
      .min(1, 'at least one symbol'),
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    params: z.record(z.string(), paramValue).optional(),
    timeframe: z
      .string()
      .regex(/^\d+[smhdw]$/, 'a timeframe like 5m or 1h')
      .optional(),
    seed: z.number().int().optional(),
  })
  .strict()
  .refine((b) => b.from === undefined || b.to === undefined || b.from < b.to, {
    message: 'the end must come after the start',
    path: ['to'],
  });

export type BacktestRequest = z.infer<typeof backtestRequestSchema>;

/** zod's issues keyed by the first path segment: what a form needs to put a message under its field. */
export const issuesByField = (issues: readonly { path: (string | number)[]; message: string }[]) => {
  const out: Record<string, string> = {};
  for (const i of issues) {
    const key = String(i.path[0] ?? 'form');
    out[key] ??= i.message;
  }
  return out;
};
