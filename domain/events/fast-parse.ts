import type { z } from 'zod';

/**
 * A fast path in front of zod for event data, compiled once per event type from its zod schema.
 *
 * Why by hand: every append validates every event, and zod 3 takes 5–10 µs for a typical event. That
 * was the largest cost a batch-100 append had over a raw INSERT (docs/BENCHMARKS.md, event log). zod 4
 * compiles its parsers and is faster, but moving 43 modules and the optimizer's schema introspection to
 * it is a migration of its own. This file walks the zod 3 schema once and builds plain closures for the
 * subset event schemas use. It returns zod's own output for a value it can vouch for, and MISS otherwise.
 *
 * zod stays the judge:
 *  - On MISS the catalogue asks zod, which accepts or names the problem.
 *  - A schema with anything outside the subset gets no fast path at all: refinements, transforms,
 *    defaults, coercion, passthrough objects, unions of objects.
 *  - fast-parse.test.ts checks every catalogue type on generated and mutated values. Whenever the fast
 *    path accepts, zod accepts, and both outputs serialise to the same JSON text with the same keys in
 *    the same order.
 */
export const MISS: unique symbol = Symbol('fast-parse: not vouched for');
export type FastParse = (value: unknown) => unknown;

class Unsupported extends Error {}

type Def = { typeName?: string } & Record<string, unknown>;
const defOf = (s: z.ZodTypeAny): Def => s._def as Def;

/** The fast parser for a schema, or null when the schema uses something outside the subset. */
export const compileFastParse = (schema: z.ZodTypeAny): FastParse | null => {
  try {
    return build(schema);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
};

// zod 3 treats any non-array, non-null object (except Map, Set, Date, Promise) as an object; the fast
// path takes plain objects only and leaves anything else to zod.
const isPlainObject = (x: unknown): x is Record<string, unknown> => {
  if (typeof x !== 'object' || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
};

interface Check {
  kind: string;
  value?: number;
  inclusive?: boolean;
  regex?: RegExp;
}

const build = (s: z.ZodTypeAny): FastParse => {
  const d = defOf(s);
  switch (d.typeName) {
    case 'ZodString':
      return stringParser(d);
    case 'ZodNumber':
      return numberParser(d);
    case 'ZodBoolean':
      if (d.coerce) throw new Unsupported();
      return (x) => (typeof x === 'boolean' ? x : MISS);
    case 'ZodNull':
      return (x) => (x === null ? null : MISS);
    case 'ZodUnknown':
    case 'ZodAny':
      return (x) => x;
    case 'ZodLiteral': {
      const v = d.value;
      return (x) => (x === v ? x : MISS);
    }
    case 'ZodEnum': {
      const values = new Set(d.values as string[]);
      return (x) => (typeof x === 'string' && values.has(x) ? x : MISS);
    }
    case 'ZodNullable': {
      const inner = build(d.innerType as z.ZodTypeAny);
      return (x) => (x === null ? null : inner(x));
    }
    case 'ZodOptional': {
      const inner = build(d.innerType as z.ZodTypeAny);
      return (x) => (x === undefined ? undefined : inner(x));
    }
    case 'ZodArray':
      return arrayParser(d);
    case 'ZodRecord':
      return recordParser(d);
    case 'ZodObject':
      return objectParser(s as z.AnyZodObject, d);
    case 'ZodUnion':
      return unionParser(d);
    case 'ZodDiscriminatedUnion':
      return discriminatedUnionParser(d);
    default:
      throw new Unsupported();
  }
};

const stringParser = (d: Def): FastParse => {
  if (d.coerce) throw new Unsupported();
  let min = 0;
  let max = Number.POSITIVE_INFINITY;
  const regexes: RegExp[] = [];
  for (const c of d.checks as Check[]) {
    if (c.kind === 'min') min = Math.max(min, c.value!);
    else if (c.kind === 'max') max = Math.min(max, c.value!);
    else if (c.kind === 'length') {
      min = Math.max(min, c.value!);
      max = Math.min(max, c.value!);
    } else if (c.kind === 'regex') regexes.push(c.regex!);
    else throw new Unsupported();
  }
  return (x) => {
    if (typeof x !== 'string' || x.length < min || x.length > max) return MISS;
    for (const r of regexes) {
      // zod resets lastIndex before testing, so a global regex behaves the same every time.
      r.lastIndex = 0;
      if (!r.test(x)) return MISS;
    }
    return x;
  };
};

const numberParser = (d: Def): FastParse => {
  if (d.coerce) throw new Unsupported();
  let int = false;
  let finite = false;
  let lo = Number.NEGATIVE_INFINITY;
  let loInclusive = true;
  let hi = Number.POSITIVE_INFINITY;
  let hiInclusive = true;
  for (const c of d.checks as Check[]) {
    if (c.kind === 'int') int = true;
    else if (c.kind === 'finite') finite = true;
    else if (c.kind === 'min') {
      if (c.value! > lo || (c.value === lo && !c.inclusive)) {
        lo = c.value!;
        loInclusive = c.inclusive !== false;
      }
    } else if (c.kind === 'max') {
      if (c.value! < hi || (c.value === hi && !c.inclusive)) {
        hi = c.value!;
        hiInclusive = c.inclusive !== false;
      }
    } else throw new Unsupported();
  }
  return (x) => {
    if (typeof x !== 'number' || Number.isNaN(x)) return MISS;
    if (int && !Number.isInteger(x)) return MISS;
    if (finite && !Number.isFinite(x)) return MISS;
    if (loInclusive ? x < lo : x <= lo) return MISS;
    if (hiInclusive ? x > hi : x >= hi) return MISS;
    return x;
  };
};

const arrayParser = (d: Def): FastParse => {
  const item = build(d.type as z.ZodTypeAny);
  const len = (k: string) => (d[k] as { value: number } | null)?.value;
  const min = Math.max(len('minLength') ?? 0, len('exactLength') ?? 0);
  const max = Math.min(
    len('maxLength') ?? Number.POSITIVE_INFINITY,
    len('exactLength') ?? Number.POSITIVE_INFINITY,
  );
  return (x) => {
    if (!Array.isArray(x) || x.length < min || x.length > max) return MISS;
    const out = new Array<unknown>(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = item(x[i]);
      if (v === MISS) return MISS;
      out[i] = v;
    }
    return out;
  };
};

const recordParser = (d: Def): FastParse => {
  if (defOf(d.keyType as z.ZodTypeAny).typeName !== 'ZodString') throw new Unsupported();
  const key = stringParser(defOf(d.keyType as z.ZodTypeAny));
  const value = build(d.valueType as z.ZodTypeAny);
  return (x) => {
    if (!isPlainObject(x)) return MISS;
    const out: Record<string, unknown> = {};
    for (const k in x) {
      if (k === '__proto__' || key(k) === MISS) return MISS;
      const v = value(x[k]);
      if (v === MISS) return MISS;
      out[k] = v;
    }
    return out;
  };
};

const objectParser = (s: z.AnyZodObject, d: Def): FastParse => {
  if (defOf(d.catchall as z.ZodTypeAny).typeName !== 'ZodNever') throw new Unsupported();
  const strict = d.unknownKeys === 'strict';
  if (!strict && d.unknownKeys !== 'strip') throw new Unsupported();
  const shape = s.shape as Record<string, z.ZodTypeAny>;
  const keys = Object.keys(shape);
  if (keys.includes('__proto__')) throw new Unsupported();
  const known = new Set(keys);
  const fields = keys.map((k) => build(shape[k]!));
  return (x) => {
    if (!isPlainObject(x)) return MISS;
    if (strict) for (const k in x) if (!known.has(k)) return MISS;
    // Keys in the schema's order, as zod builds its output: the stored JSON text is the same either way.
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = fields[i]!(x[k]);
      if (v === MISS) return MISS;
      if (v !== undefined || k in x) out[k] = v;
    }
    return out;
  };
};

// zod returns the first option that parses. The fast path can only match that when a miss means zod
// fails the option too, which holds for primitives; a union with an object or array option (where a
// non-plain object could pass zod and miss here) is left to zod.
const PRIMITIVE = new Set(['ZodString', 'ZodNumber', 'ZodBoolean', 'ZodNull', 'ZodLiteral', 'ZodEnum']);
const unionParser = (d: Def): FastParse => {
  const options = d.options as z.ZodTypeAny[];
  if (!options.every((o) => PRIMITIVE.has(defOf(o).typeName ?? ''))) throw new Unsupported();
  const parsers = options.map(build);
  return (x) => {
    for (const p of parsers) {
      const v = p(x);
      if (v !== MISS) return v;
    }
    return MISS;
  };
};

const discriminatedUnionParser = (d: Def): FastParse => {
  const discriminator = d.discriminator as string;
  const byValue = new Map<unknown, FastParse>();
  for (const [value, option] of d.optionsMap as Map<unknown, z.ZodTypeAny>) byValue.set(value, build(option));
  return (x) => {
    if (!isPlainObject(x)) return MISS;
    const p = byValue.get(x[discriminator]);
    return p ? p(x) : MISS;
  };
};
