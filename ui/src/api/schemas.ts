import { z } from 'zod';

/**
 * The body of `POST /api/backtests` as docs/api.md states it:
 * `{ strategyId, symbols, from?, to?, params?, timeframe?, seed?, initialBalance?, leverage?, feeTier?,
 * feeRates?, … }` (the form sends neither impact nor latency). Times are an ISO time or a YYYY-MM-DD
 * date (UTC), as the server's query filters take them; parameter values are what a run's inputs accept
 * (domain/backtest/events.ts). The server's copy lives in adapters/http/schemas.ts, which ui/ may not import.
 * The form validates with this schema before sending, so the user sees the same messages the server's
 * 400 would carry, next to the field.
 */
const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);
const timeSyntax = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2})))?$/;
/**
 * Epoch milliseconds of a YYYY-MM-DD date (UTC midnight) or of an ISO-8601 date-time with seconds and a
 * zone; NaN for anything else. Date.parse alone rolls 2023-02-30 over to 2023-03-02 and reads `1` as the
 * year 2001, so the wall time it read must round-trip to the one written (the server's rule, too).
 */
export const parseTime = (v: string): number => {
  const m = timeSyntax.exec(v);
  if (!m) return Number.NaN;
  const [, date, clock, sign, hours, minutes] = m;
  if (Number(hours ?? 0) > 23 || Number(minutes ?? 0) > 59) return Number.NaN;
  const ms = Date.parse(clock === undefined ? `${date}T00:00:00Z` : v);
  if (!Number.isFinite(ms)) return Number.NaN;
  const offset = (sign === '-' ? -1 : 1) * (Number(hours ?? 0) * 60 + Number(minutes ?? 0)) * 60_000;
  return new Date(ms + offset).toISOString().startsWith(`${date}T${clock ?? '00:00:00'}`) ? ms : Number.NaN;
};
const time = z.string().refine((v) => Number.isFinite(parseTime(v)), {
  message: 'a date like 2023-06-21 or an ISO time like 2023-06-21T00:00:00Z',
});
/** A range is judged only between valid ends: a bad end has its own message already. */
const ordered = (from: string | undefined, to: string | undefined): boolean => {
  if (from === undefined || to === undefined) return true;
  const a = parseTime(from);
  const b = parseTime(to);
  return !Number.isFinite(a) || !Number.isFinite(b) || a < b;
};

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
    venue: z.enum(['binance', 'bybit', 'okx']).optional(),
    feeTier: z
      .string()
      .regex(/^[A-Za-z0-9]{1,16}$/, 'a fee tier like VIP0')
      .optional(),
    /**
     * The account's own rates on every symbol in place of the tier's; a negative maker rate is a rebate.
     * Both or neither: the form sends the one filled in alone, and the missing one's message says so. The
     * server's run check refuses the rest (a rebate above the taker rate, a rate out of range) with a 422.
     */
    feeRates: z
      .object({
        maker: z
          .string({ required_error: 'the maker rate too, or neither' })
          .regex(/^-?\d+(\.\d+)?$/, 'a decimal fraction like -0.00005'),
        taker: z
          .string({ required_error: 'the taker rate too, or neither' })
          .regex(/^\d+(\.\d+)?$/, 'a decimal fraction ≥ 0 like 0.0003'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => ordered(b.from, b.to), {
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
