import { z } from 'zod';

/**
 * The body of `POST /api/backtests` as docs/api.md states it:
 * `{ strategyId, symbols, from?, to?, params?, timeframe?, seed?, initialBalance?, leverage?, feeTier?, … }`
 * (the form sends neither impact nor latency). Times are an ISO time or a YYYY-MM-DD
 * date (UTC), as the server's query filters take them; parameter values are what a run's inputs accept
 * (domain/backtest/events.ts). The server's copy lives in adapters/http/schemas.ts, which ui/ may not import.
 * The form validates with this schema before sending, so the user sees the same messages the server's
 * 400 would carry, next to the field.
 */
const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);
const isDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);
/** Epoch milliseconds of an ISO time or a YYYY-MM-DD date read as UTC midnight. */
export const parseTime = (v: string): number => Date.parse(isDate(v) ? `${v}T00:00:00Z` : v);
const time = z
  .string()
  .refine((v) => Number.isFinite(parseTime(v)), { message: 'an ISO time or YYYY-MM-DD' });

export const backtestRequestSchema = z
  .object({
    strategyId: z.string().min(1, 'choose a strategy').max(80),
    symbols: z
      .array(z.string().regex(/^[A-Z0-9]{2,30}$/, 'a symbol like BTCUSDT'))
      .min(1, 'at least one symbol')
      .max(10, 'at most 10 symbols'),
    from: time.optional(),
    to: time.optional(),
    params: z.record(z.string(), paramValue).optional(),
    timeframe: z
      .string()
      .regex(/^\d+[mhdw]$/, 'a timeframe like 5m or 1h')
      .optional(),
    seed: z
      .number({ invalid_type_error: 'a whole number' })
      .int('a whole number')
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    initialBalance: z
      .string()
      .regex(/^\d{1,12}(\.\d{1,8})?$/, 'a positive amount like 2500 or 2500.5')
      .refine((v) => Number(v) > 0, 'more than 0')
      .optional(),
    leverage: z
      .number({ invalid_type_error: 'a whole number' })
      .int('a whole number')
      .min(1, 'at least 1')
      .max(125, 'at most 125')
      .optional(),
    feeTier: z
      .string()
      .regex(/^[A-Za-z0-9]{1,16}$/, 'a fee tier like VIP0')
      .optional(),
  })
  .strict()
  .refine((b) => b.from === undefined || b.to === undefined || parseTime(b.from) < parseTime(b.to), {
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
