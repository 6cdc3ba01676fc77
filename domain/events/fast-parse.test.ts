import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogue } from '../catalogue.js';
import { compileFastParse, MISS } from './fast-parse.js';

// biome-ignore lint/suspicious/noExplicitAny: zod 3's _def internals are untyped; the generator reads them
type Def = { typeName: string } & Record<string, any>;
const defOf = (s: z.ZodTypeAny) => s._def as Def;

// fast-check cannot generate from a lookahead (the ledger's positive decimals have one): decimal-like
// text stands in, valid or not, and the property compares both paths on it either way.
const matching = (r: RegExp, maxLength: number): fc.Arbitrary<string> => {
  try {
    return fc.stringMatching(r, { maxLength });
  } catch {
    return fc.oneof(
      fc.stringMatching(/^\d{1,6}(\.\d{1,8})?$/),
      fc.constantFrom('0', '0.0', '00.000', '1', '0.5'),
    );
  }
};

/** Values a schema accepts (mostly), generated from the schema itself. */
const arbitraryOf = (s: z.ZodTypeAny): fc.Arbitrary<unknown> => {
  const d = defOf(s);
  switch (d.typeName) {
    case 'ZodString': {
      let min = 0;
      let max = 24;
      const regexes: RegExp[] = [];
      for (const c of d.checks) {
        if (c.kind === 'min') min = Math.max(min, c.value);
        if (c.kind === 'max') max = Math.min(max, c.value);
        if (c.kind === 'regex') regexes.push(c.regex);
      }
      const base = regexes[0]
        ? matching(regexes[0], Math.max(max, min + 8))
        : fc.string({ minLength: min, maxLength: Math.max(min, max) });
      return fc.oneof(
        base,
        base.filter((x) => x.length >= min && x.length <= max),
      );
    }
    case 'ZodNumber': {
      let lo = -1e9;
      let hi = 1e9;
      let int = false;
      for (const c of d.checks) {
        if (c.kind === 'int') int = true;
        if (c.kind === 'min') lo = c.value + (c.inclusive ? 0 : int ? 1 : 1e-9);
        if (c.kind === 'max') hi = c.value - (c.inclusive ? 0 : int ? 1 : 1e-9);
      }
      return int
        ? fc.integer({ min: Math.ceil(Math.max(lo, -1e9)), max: Math.floor(Math.min(hi, 1e9)) })
        : fc.oneof(
            fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }),
            fc.constantFrom(lo, hi, 0).filter((x) => x >= lo && x <= hi),
          );
    }
    case 'ZodBoolean':
      return fc.boolean();
    case 'ZodNull':
      return fc.constant(null);
    case 'ZodUnknown':
    case 'ZodAny':
      return fc.jsonValue({ maxDepth: 2 });
    case 'ZodLiteral':
      return fc.constant(d.value);
    case 'ZodEnum':
      return fc.constantFrom(...(d.values as string[]));
    case 'ZodNullable':
      return fc.option(arbitraryOf(d.innerType), { nil: null });
    case 'ZodOptional':
      return fc.option(arbitraryOf(d.innerType), { nil: undefined });
    case 'ZodArray':
      return fc.array(arbitraryOf(d.type), {
        minLength: d.minLength?.value ?? d.exactLength?.value ?? 0,
        maxLength: d.maxLength?.value ?? d.exactLength?.value ?? (d.minLength?.value ?? 0) + 3,
      });
    case 'ZodRecord':
      return fc.dictionary(arbitraryOf(d.keyType) as fc.Arbitrary<string>, arbitraryOf(d.valueType), {
        maxKeys: 4,
      });
    case 'ZodObject': {
      const shape = (s as z.AnyZodObject).shape as Record<string, z.ZodTypeAny>;
      const required = Object.keys(shape).filter((k) => defOf(shape[k]!).typeName !== 'ZodOptional');
      return fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, arbitraryOf(v)])), {
        requiredKeys: required,
      });
    }
    case 'ZodUnion':
    case 'ZodDiscriminatedUnion':
      return fc.oneof(...(d.options as z.ZodTypeAny[]).map(arbitraryOf));
    case 'ZodEffects':
      return arbitraryOf(d.schema);
    default:
      throw new Error(`no generator for ${d.typeName}`);
  }
};

// One change somewhere in the value: a field replaced by junk, deleted, or an unknown key added.
const junk = [undefined, null, '', 'x', -1, 0.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, true, {}, []];
const mutate = (value: unknown, pick: number, op: number, j: unknown): unknown => {
  const containers: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v))
      for (let i = 0; i < v.length; i++) {
        containers.push({ parent: v, key: i });
        walk(v[i]);
      }
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        containers.push({ parent: v as Record<string, unknown>, key: k });
        walk(x);
      }
  };
  const copy = structuredClone(value);
  walk(copy);
  if (containers.length === 0) return j;
  const { parent, key } = containers[pick % containers.length]!;
  if (op === 0) (parent as Record<string | number, unknown>)[key] = j;
  else if (op === 1 && !Array.isArray(parent)) delete parent[key as string];
  else if (!Array.isArray(parent)) parent.unknownKey = j;
  else parent.push(j);
  return copy;
};

const hasProtoKey = (v: unknown): boolean =>
  v !== null &&
  typeof v === 'object' &&
  (Object.hasOwn(v, '__proto__') || Object.values(v).some(hasProtoKey));

const cat = catalogue();
// Refinements cannot be mirrored outside zod; these types keep zod alone.
const zodOnly = new Set(['BreakerLevelChanged']);

describe('fast parse agrees with zod', () => {
  it('compiles for every catalogue type except those with refinements', () => {
    const missing = cat.types.filter((t) => compileFastParse(cat.definition(t)!.schema) === null);
    expect(missing.sort()).toEqual([...zodOnly].sort());
  });

  for (const type of cat.types.filter((t) => !zodOnly.has(t))) {
    it(`${type}: accepts exactly what zod accepts, with zod's output (property)`, () => {
      const schema = cat.definition(type)!.schema;
      const fast = compileFastParse(schema)!;
      const valid = arbitraryOf(schema);
      const sample = fc.oneof(
        valid,
        fc
          .tuple(valid, fc.nat(), fc.nat(2), fc.constantFrom(...junk))
          .map(([v, pick, op, j]) => mutate(v, pick, op, j)),
      );
      let hits = 0;
      fc.assert(
        fc.property(sample, (x) => {
          const f = fast(x);
          const z = schema.safeParse(x);
          // On JSON-like input (all these are), a miss is exactly a zod failure, except for a record
          // key "__proto__", which zod drops from its output and the fast path leaves to zod...
          if (f !== MISS || !hasProtoKey(x)) expect(f !== MISS, JSON.stringify(x)).toBe(z.success);
          // ...and a hit is zod's output, to the same JSON text.
          if (z.success && f !== MISS) {
            hits++;
            expect(JSON.stringify(f)).toBe(JSON.stringify(z.data));
          }
        }),
        { numRuns: 300 },
      );
      expect(hits).toBeGreaterThan(30);
    });
  }

  it('leaves non-plain objects, unions of objects and refinements to zod', () => {
    class Box {
      a = 1;
    }
    const obj = z.object({ a: z.number() }).strict();
    expect(compileFastParse(obj)!(new Box())).toBe(MISS);
    expect(obj.safeParse(new Box()).success).toBe(true);
    expect(compileFastParse(z.union([obj, z.string()]))).toBeNull();
    expect(compileFastParse(z.number().refine((x) => x > 1))).toBeNull();
    expect(compileFastParse(z.object({ a: z.number().default(1) }))).toBeNull();
    expect(compileFastParse(z.object({ a: z.number() }).passthrough())).toBeNull();
  });

  it('returns keys in schema order whatever the input order, like zod', () => {
    const s = z.object({ b: z.number(), a: z.string().nullable(), c: z.boolean().optional() }).strict();
    const out = compileFastParse(s)!({ a: null, b: 2 });
    expect(JSON.stringify(out)).toBe(JSON.stringify(s.parse({ a: null, b: 2 })));
    expect(Object.keys(out as object)).toEqual(['b', 'a']);
  });
});
