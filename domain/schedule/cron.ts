/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated in UTC on domain
 * time, for the scheduler's jobs. Supports `*`, lists, ranges, steps (`*\/15`, `1-30/5`), month and day
 * names, 7 as Sunday, and @hourly/@daily/@weekly/@monthly/@yearly. As in Vixie cron, when both
 * day-of-month and day-of-week are restricted a day matching either runs.
 */

export class CronError extends Error {
  override readonly name = 'CronError';
}

export interface Cron {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday. */
  readonly weekdays: ReadonlySet<number>;
  readonly dayRestricted: boolean;
  readonly weekdayRestricted: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Offset of names[0] (months start at 1). */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

const value = (text: string, f: FieldSpec): number => {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + (f.nameBase ?? 0);
  if (!/^\d+$/.test(text))
    throw new CronError(`${f.name}: "${text}" is not a number${f.names ? ' or a name' : ''}`);
  const v = Number(text);
  if (v < f.min || v > f.max) throw new CronError(`${f.name}: ${v} is outside ${f.min}-${f.max}`);
  return v;
};

const parseField = (text: string, f: FieldSpec): Set<number> => {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '')
      throw new CronError(`${f.name}: "${part}" is malformed`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText)))
      throw new CronError(`${f.name}: step "${stepText}" must be a positive integer`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = f.min;
      hi = f.max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = value(a ?? '', f);
      hi = value(b ?? '', f);
      if (lo > hi) throw new CronError(`${f.name}: range ${range} runs backwards`);
    } else {
      lo = value(range, f);
      hi = stepText === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
};

export const parseCron = (source: string): Cron => {
  const text = MACROS[source.trim().toLowerCase()] ?? source.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5)
    throw new CronError(
      `"${source}": expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i]!)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (weekdays.delete(7)) weekdays.add(0);
  return {
    source,
    minutes,
    hours,
    days,
    months,
    weekdays,
    dayRestricted: !parts[2]!.startsWith('*'),
    weekdayRestricted: !parts[4]!.startsWith('*'),
  };
};

const dayMatches = (c: Cron, d: Date): boolean => {
  const dom = c.days.has(d.getUTCDate());
  const dow = c.weekdays.has(d.getUTCDay());
  if (c.dayRestricted && c.weekdayRestricted) return dom || dow;
  return dom && dow;
};

export const cronMatches = (c: Cron, ms: number): boolean => {
  const d = new Date(ms);
  return (
    d.getUTCSeconds() === 0 &&
    d.getUTCMilliseconds() === 0 &&
    c.minutes.has(d.getUTCMinutes()) &&
    c.hours.has(d.getUTCHours()) &&
    c.months.has(d.getUTCMonth() + 1) &&
    dayMatches(c, d)
  );
};

const MINUTE = 60_000;
/** Every schedule that can fire at all does so within 28 years (the Gregorian weekday/leap cycle). */
const HORIZON_MS = 28 * 366 * 86_400_000;

/**
 * The first time strictly after `after` (ms) the expression fires, or null if it never does (31 February).
 * Skips whole months, days and hours that cannot match, so a yearly job costs a few dozen steps.
 */
export const nextCronTime = (c: Cron, after: number): number | null => {
  let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  const limit = after + HORIZON_MS;
  while (t <= limit) {
    const d = new Date(t);
    if (!c.months.has(d.getUTCMonth() + 1)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(c, d)) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    } else if (!c.hours.has(d.getUTCHours())) {
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    } else if (!c.minutes.has(d.getUTCMinutes())) {
      t += MINUTE;
    } else {
      return t;
    }
  }
  return null;
};
