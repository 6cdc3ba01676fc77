import { z } from 'zod';

/**
 * How a strategy declares its tunable parameters: an ordinary zod object whose fields are built with
 * `param.*`. The helpers return plain zod schemas (so the strategy validates its own parameters with
 * zod, with or without the optimizer) and record what zod cannot say — the step grid, log scaling — in a
 * registry the optimizer reads. A field built with plain zod still works when zod itself bounds it
 * (`z.number().int().min(2).max(50)`, `z.enum([...])`, `z.boolean()`); a field with no bounds is held at
 * its default and never searched.
 *
 * ```ts
 * const params = z.object({
 *   fast: param.int({ min: 2, max: 50 }).default(12),
 *   slow: param.int({ min: 10, max: 200, step: 5, log: true }).default(26),
 *   stop: param.number({ min: 0.005, max: 0.05, step: 0.0025 }),
 *   ma: param.choice(['ema', 'sma', 'wma'] as const),
 * }).refine((p) => p.fast < p.slow, 'fast must be shorter than slow');
 * ```
 */

export type ParamValue = number | string | boolean;

export type ParamSpec =
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      /** Grid spacing from `min`; absent = continuous. Integers always have one (default 1). */
      readonly step?: number;
      readonly integer: boolean;
      /** Search (not validate) on a log scale: equal ratios get equal probability. */
      readonly log: boolean;
    }
  | { readonly kind: 'choice'; readonly options: readonly ParamValue[] };

const registry = new WeakMap<z.ZodTypeAny, ParamSpec>();

/** The spec a helper registered for this exact schema object, if any. */
export const registeredSpec = (schema: z.ZodTypeAny): ParamSpec | undefined => registry.get(schema);

interface NumberOptions {
  readonly min: number;
  readonly max: number;
  readonly step?: number;
  readonly log?: boolean;
  readonly description?: string;
}

const checkRange = (kind: string, o: NumberOptions): void => {
  if (!Number.isFinite(o.min) || !Number.isFinite(o.max) || !(o.min < o.max)) {
    throw new RangeError(`param.${kind}: need finite min < max, got [${o.min}, ${o.max}]`);
  }
  if (o.step !== undefined && !(o.step > 0 && o.step <= o.max - o.min)) {
    throw new RangeError(`param.${kind}: step must be in (0, max − min], got ${o.step}`);
  }
  if (o.log && !(o.min > 0)) throw new RangeError(`param.${kind}: a log scale needs min > 0, got ${o.min}`);
};

/** Number of decimals a grid value can need, so 0.1 + 2·0.1 comes out as 0.3, not 0.30000000000000004. */
export const gridDecimals = (...xs: number[]): number => {
  let d = 0;
  for (const x of xs) {
    const s = String(x);
    const e = s.indexOf('e-');
    if (e >= 0) d = Math.max(d, Number(s.slice(e + 2)) + (s.slice(0, e).split('.')[1]?.length ?? 0));
    else d = Math.max(d, s.split('.')[1]?.length ?? 0);
  }
  return Math.min(d, 15);
};

/** Nearest grid point index, and whether the value sits on it (up to float noise). */
export const gridIndex = (value: number, min: number, step: number): { index: number; onGrid: boolean } => {
  const k = (value - min) / step;
  const index = Math.round(k);
  return { index, onGrid: Math.abs(k - index) < 1e-9 * Math.max(1, Math.abs(k)) };
};

export const gridValue = (index: number, min: number, step: number): number =>
  Number((min + index * step).toFixed(gridDecimals(min, step)));

const numeric = (kind: 'number' | 'int', o: NumberOptions): z.ZodEffects<z.ZodNumber, number, number> => {
  checkRange(kind, o);
  const integer = kind === 'int';
  if (integer && (!Number.isInteger(o.min) || !Number.isInteger(o.max) || !Number.isInteger(o.step ?? 1))) {
    throw new RangeError('param.int: min, max and step must be integers');
  }
  const step = integer ? (o.step ?? 1) : o.step;
  let base = z.number().min(o.min).max(o.max);
  if (integer) base = base.int();
  if (o.description) base = base.describe(o.description);
  const spec: ParamSpec = {
    kind: 'number',
    min: o.min,
    max: o.max,
    integer,
    log: o.log ?? false,
    ...(step ? { step } : {}),
  };
  // zod's own .int() already says "expected integer" for a unit step; a second message would only repeat it.
  const needsGrid = step !== undefined && !(integer && step === 1);
  const schema = base.refine((v) => !needsGrid || gridIndex(v, o.min, step).onGrid, {
    message: `must be on the grid ${o.min}, ${gridValue(1, o.min, step ?? 1)}, … (step ${step})`,
  });
  // Registered on both: `.describe()` or `.default()` later wrap or clone the outer schema, but the inner
  // ZodNumber object survives and is found by unwrapping.
  registry.set(base, spec);
  registry.set(schema, spec);
  return schema;
};

const choice = <const T extends readonly [ParamValue, ...ParamValue[]]>(options: T): z.ZodType<T[number]> => {
  if (new Set(options).size !== options.length)
    throw new RangeError('param.choice: options must be distinct');
  const schema: z.ZodType<T[number]> = options.every((o): o is string => typeof o === 'string')
    ? (z.enum(options as unknown as [string, ...string[]]) as unknown as z.ZodType<T[number]>)
    : options.length === 1
      ? (z.literal(options[0]) as unknown as z.ZodType<T[number]>)
      : (z.union(
          options.map((o) => z.literal(o)) as unknown as [z.ZodLiteral<ParamValue>, z.ZodLiteral<ParamValue>],
        ) as unknown as z.ZodType<T[number]>);
  registry.set(schema, { kind: 'choice', options });
  return schema;
};

export const param = {
  number: (o: NumberOptions) => numeric('number', o),
  int: (o: NumberOptions) => numeric('int', o),
  choice,
  boolean: (): z.ZodBoolean => {
    const schema = z.boolean();
    registry.set(schema, { kind: 'choice', options: [false, true] });
    return schema;
  },
};
