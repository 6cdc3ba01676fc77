import type { z } from 'zod';
import { gridIndex, gridValue, type ParamSpec, type ParamValue, registeredSpec } from './param.js';

/**
 * A strategy's parameter schema seen as a unit hypercube. Search methods work in [0, 1]^d and never see
 * steps, integers or categories; decode() snaps a point to a valid parameter object and encode() maps
 * one back. Discrete values own equal-width bins of [0, 1] (not rounded endpoints), so a uniform
 * sampler gives every level the same probability, the first and last included.
 */

export type Params = Record<string, ParamValue>;

export interface Dimension {
  readonly name: string;
  readonly spec: ParamSpec;
  /** Number of distinct values; Infinity for a continuous range. */
  readonly levels: number;
}

export interface ParamIssue {
  /** Dotted field path, or `(params)` for a cross-field rule. */
  readonly path: string;
  readonly message: string;
}

export type Validation<P> =
  | { readonly ok: true; readonly value: P }
  | { readonly ok: false; readonly issues: readonly ParamIssue[] };

export class ParameterSpaceError extends Error {
  override readonly name = 'ParameterSpaceError';
}

/**
 * zod type by its `typeName`, not `instanceof`: a strategy built against another copy of zod (a plugin
 * with its own node_modules) has schemas whose classes are not this module's, but whose shape is the same.
 */
type ZodKind =
  | 'ZodDefault'
  | 'ZodOptional'
  | 'ZodNullable'
  | 'ZodReadonly'
  | 'ZodCatch'
  | 'ZodEffects'
  | 'ZodBranded'
  | 'ZodLiteral'
  | 'ZodNumber'
  | 'ZodEnum'
  | 'ZodNativeEnum'
  | 'ZodBoolean'
  | 'ZodUnion'
  | 'ZodObject';
interface KindMap {
  ZodDefault: z.ZodDefault<z.ZodTypeAny>;
  ZodOptional: z.ZodOptional<z.ZodTypeAny>;
  ZodNullable: z.ZodNullable<z.ZodTypeAny>;
  ZodReadonly: z.ZodReadonly<z.ZodTypeAny>;
  ZodCatch: z.ZodCatch<z.ZodTypeAny>;
  ZodEffects: z.ZodEffects<z.ZodTypeAny>;
  ZodBranded: z.ZodBranded<z.ZodTypeAny, string>;
  ZodLiteral: z.ZodLiteral<unknown>;
  ZodNumber: z.ZodNumber;
  ZodEnum: z.ZodEnum<[string, ...string[]]>;
  ZodNativeEnum: z.ZodNativeEnum<z.EnumLike>;
  ZodBoolean: z.ZodBoolean;
  ZodUnion: z.ZodUnion<[z.ZodTypeAny, ...z.ZodTypeAny[]]>;
  ZodObject: z.AnyZodObject;
}
const is = <K extends ZodKind>(s: z.ZodTypeAny, kind: K): s is z.ZodTypeAny & KindMap[K] =>
  (s._def as { typeName?: unknown }).typeName === kind;

interface Resolved {
  readonly spec: ParamSpec | undefined;
  readonly fixed: ParamValue | undefined;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
}

/** Peel zod wrappers down to the field's base type, noting a default and the first registered spec. */
const resolveField = (schema: z.ZodTypeAny): Resolved => {
  let s: z.ZodTypeAny = schema;
  let spec = registeredSpec(s);
  let hasDefault = false;
  let defaultValue: unknown;
  for (let guard = 0; guard < 32; guard++) {
    if (is(s, 'ZodDefault')) {
      if (!hasDefault) {
        hasDefault = true;
        defaultValue = s._def.defaultValue();
      }
      s = s._def.innerType;
    } else if (is(s, 'ZodOptional') || is(s, 'ZodNullable') || is(s, 'ZodReadonly') || is(s, 'ZodCatch')) {
      s = s._def.innerType;
    } else if (is(s, 'ZodEffects')) {
      s = s._def.schema;
    } else if (is(s, 'ZodBranded')) {
      s = s._def.type;
    } else {
      break;
    }
    spec ??= registeredSpec(s);
  }
  spec ??= inferSpec(s);
  const fixed = is(s, 'ZodLiteral') && isParamValue(s._def.value) ? s._def.value : undefined;
  return { spec, fixed, hasDefault, defaultValue };
};

const isParamValue = (v: unknown): v is ParamValue =>
  typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

/** What plain zod already says: bounds, int, multipleOf; enums, booleans, unions of literals. */
const inferSpec = (s: z.ZodTypeAny): ParamSpec | undefined => {
  if (is(s, 'ZodNumber')) {
    const checks = s._def.checks;
    let min = Number.NEGATIVE_INFINITY;
    let max = Number.POSITIVE_INFINITY;
    let step: number | undefined;
    for (const c of checks) {
      if (c.kind === 'min')
        min = c.inclusive
          ? c.value
          : s.isInt
            ? Math.floor(c.value) + 1
            : c.value + Math.abs(c.value) * 1e-12 + 1e-300;
      if (c.kind === 'max')
        max = c.inclusive
          ? c.value
          : s.isInt
            ? Math.ceil(c.value) - 1
            : c.value - Math.abs(c.value) * 1e-12 - 1e-300;
      if (c.kind === 'multipleOf') step = c.value;
    }
    if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) return undefined;
    if (step !== undefined) {
      // zod's multipleOf is anchored at 0; the grid here is anchored at min, so start at the first multiple.
      min = Math.ceil(min / step - 1e-9) * step;
      min = gridValue(0, min, step);
    }
    return {
      kind: 'number',
      min,
      max,
      integer: s.isInt,
      log: false,
      ...(step || s.isInt ? { step: step ?? 1 } : {}),
    };
  }
  if (is(s, 'ZodEnum')) return { kind: 'choice', options: [...(s.options as string[])] };
  if (is(s, 'ZodNativeEnum')) {
    const values = Object.values(s.enum as Record<string, string | number>);
    // Numeric TS enums map names to numbers and numbers back to names; keep the numbers.
    const numbers = values.filter((v): v is number => typeof v === 'number');
    return { kind: 'choice', options: numbers.length > 0 ? numbers : values };
  }
  if (is(s, 'ZodBoolean')) return { kind: 'choice', options: [false, true] };
  if (is(s, 'ZodUnion')) {
    const opts: unknown[] = (s.options as z.ZodTypeAny[]).map((o) =>
      is(o, 'ZodLiteral') ? o._def.value : undefined,
    );
    if (opts.every(isParamValue)) return { kind: 'choice', options: opts };
  }
  return undefined;
};

const levelCount = (spec: ParamSpec): number => {
  if (spec.kind === 'choice') return spec.options.length;
  if (spec.step === undefined) return Number.POSITIVE_INFINITY;
  return Math.floor((spec.max - spec.min) / spec.step + 1e-9) + 1;
};

const objectOf = (schema: z.ZodTypeAny): z.AnyZodObject => {
  let s = schema;
  for (let guard = 0; guard < 32; guard++) {
    if (is(s, 'ZodObject')) return s;
    if (is(s, 'ZodEffects')) s = s._def.schema;
    else if (is(s, 'ZodDefault') || is(s, 'ZodReadonly')) s = s._def.innerType;
    else if (is(s, 'ZodBranded')) s = s._def.type;
    else break;
  }
  throw new ParameterSpaceError('a parameter schema must be a zod object (optionally refined)');
};

const clamp01 = (u: number): number => {
  if (Number.isNaN(u)) throw new ParameterSpaceError('unit coordinate is NaN');
  return Math.min(1, Math.max(0, u));
};

export class ParameterSpace<P extends Params = Params> {
  private constructor(
    private readonly schema: z.ZodTypeAny,
    readonly dimensions: readonly Dimension[],
    /** Fields not searched: literals and unbounded fields, held at their value/default. */
    readonly fixed: Readonly<Params>,
    private readonly defaultsByName: Readonly<Params>,
  ) {}

  static fromSchema<S extends z.ZodTypeAny>(schema: S): ParameterSpace<z.infer<S> & Params> {
    const shape = objectOf(schema).shape as Record<string, z.ZodTypeAny>;
    const dims: Dimension[] = [];
    const fixed: Params = {};
    const defaults: Params = {};
    for (const [name, field] of Object.entries(shape)) {
      const r = resolveField(field);
      if (r.hasDefault && isParamValue(r.defaultValue)) defaults[name] = r.defaultValue;
      if (r.fixed !== undefined) {
        fixed[name] = r.fixed;
      } else if (r.spec && levelCount(r.spec) > 1) {
        dims.push({ name, spec: r.spec, levels: levelCount(r.spec) });
      } else if (r.spec?.kind === 'choice' && r.spec.options.length === 1) {
        fixed[name] = r.spec.options[0]!;
      } else if (r.hasDefault && isParamValue(r.defaultValue)) {
        fixed[name] = r.defaultValue;
      } else {
        throw new ParameterSpaceError(
          `parameter ${name}: cannot be searched (give it finite min and max, or use param.*) and has no default to hold it at`,
        );
      }
    }
    if (dims.length === 0) throw new ParameterSpaceError('the parameter schema has nothing to search');
    return new ParameterSpace(schema, dims, fixed, defaults);
  }

  get dimension(): number {
    return this.dimensions.length;
  }

  /** Distinct parameter sets, Infinity when any dimension is continuous. */
  get cardinality(): number {
    return this.dimensions.reduce((n, d) => n * d.levels, 1);
  }

  decode(unit: readonly number[]): P {
    if (unit.length !== this.dimensions.length) {
      throw new ParameterSpaceError(
        `expected a point of dimension ${this.dimensions.length}, got ${unit.length}`,
      );
    }
    const out: Params = { ...this.fixed };
    this.dimensions.forEach((d, i) => {
      out[d.name] = decodeOne(d, clamp01(unit[i]!));
    });
    return out as P;
  }

  encode(params: P): number[] {
    return this.dimensions.map((d) => {
      const v = params[d.name];
      if (v === undefined) throw new ParameterSpaceError(`parameter ${d.name} is missing`);
      return encodeOne(d, v);
    });
  }

  /** The unit point a decoded parameter set maps back to: what a discrete dimension really evaluated. */
  canonical(unit: readonly number[]): number[] {
    return this.encode(this.decode(unit));
  }

  /** The schema's defaults for the searched dimensions, where all of them have one. */
  defaults(): P | undefined {
    const out: Params = { ...this.fixed };
    for (const d of this.dimensions) {
      const v = this.defaultsByName[d.name];
      if (v === undefined) return undefined;
      out[d.name] = v;
    }
    return out as P;
  }

  /** Stable identity of a parameter set, for caching results and counting distinct trials. */
  key(params: P): string {
    return JSON.stringify(
      Object.keys(params)
        .sort()
        .map((k) => [k, params[k]]),
    );
  }

  /**
   * Everything wrong with a candidate parameter set, each issue naming its field: zod's own checks
   * (types, bounds, cross-field refinements) and the search grid (steps) for fields whose plain zod
   * schema cannot express it.
   */
  validate(candidate: unknown): Validation<P> {
    const issues: ParamIssue[] = [];
    const parsed = this.schema.safeParse(candidate);
    if (!parsed.success) {
      for (const i of parsed.error.issues)
        issues.push({ path: i.path.length ? i.path.join('.') : '(params)', message: i.message });
    }
    if (candidate && typeof candidate === 'object') {
      const obj = candidate as Record<string, unknown>;
      for (const d of this.dimensions) {
        if (issues.some((i) => i.path === d.name)) continue;
        const problem = dimensionProblem(d, obj[d.name] ?? this.defaultsByName[d.name]);
        if (problem) issues.push({ path: d.name, message: problem });
      }
    }
    if (issues.length > 0) return { ok: false, issues };
    return { ok: true, value: (parsed.success ? parsed.data : candidate) as P };
  }
}

const decodeOne = (d: Dimension, u: number): ParamValue => {
  const spec = d.spec;
  if (spec.kind === 'choice') return spec.options[Math.min(d.levels - 1, Math.floor(u * d.levels))]!;
  const { min, max, step } = spec;
  if (spec.log) {
    const v = Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
    if (step === undefined) return Math.min(max, Math.max(min, v));
    const { index } = gridIndex(v, min, step);
    return gridValue(Math.min(d.levels - 1, Math.max(0, index)), min, step);
  }
  if (step === undefined) return Math.min(max, min + u * (max - min));
  return gridValue(Math.min(d.levels - 1, Math.floor(u * d.levels)), min, step);
};

const encodeOne = (d: Dimension, v: ParamValue): number => {
  const spec = d.spec;
  if (spec.kind === 'choice') {
    const i = spec.options.indexOf(v);
    if (i < 0)
      throw new ParameterSpaceError(`parameter ${d.name}: ${JSON.stringify(v)} is not one of the options`);
    return (i + 0.5) / d.levels;
  }
  if (typeof v !== 'number')
    throw new ParameterSpaceError(`parameter ${d.name}: expected a number, got ${JSON.stringify(v)}`);
  const { min, max, step } = spec;
  if (spec.log) return clamp01((Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)));
  if (step === undefined) return clamp01((v - min) / (max - min));
  const { index } = gridIndex(v, min, step);
  return (Math.min(d.levels - 1, Math.max(0, index)) + 0.5) / d.levels;
};

const dimensionProblem = (d: Dimension, v: unknown): string | undefined => {
  const spec = d.spec;
  if (spec.kind === 'choice') {
    return spec.options.includes(v as ParamValue)
      ? undefined
      : `${JSON.stringify(v)} is not one of ${spec.options.map((o) => JSON.stringify(o)).join(', ')}`;
  }
  if (typeof v !== 'number' || !Number.isFinite(v))
    return `expected a finite number, got ${JSON.stringify(v)}`;
  if (v < spec.min || v > spec.max) return `${v} is outside [${spec.min}, ${spec.max}]`;
  if (spec.integer && !Number.isInteger(v)) return `${v} is not an integer`;
  if (spec.step !== undefined) {
    if (!gridIndex(v, spec.min, spec.step).onGrid) {
      const k = Math.floor((v - spec.min) / spec.step);
      const lo = gridValue(k, spec.min, spec.step);
      const hi = gridValue(Math.min(k + 1, d.levels - 1), spec.min, spec.step);
      return `${v} is not on the grid from ${spec.min} in steps of ${spec.step} (nearest: ${lo} or ${hi})`;
    }
  }
  return undefined;
};
