import { type ZodTypeAny, z } from 'zod';

export type JsonSchema = { [key: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * zod (v3) → JSON Schema 2020-12 (what OpenAPI 3.1 embeds), for the constructs the API's schemas use.
 * Written here because no converter is installed; an unknown construct becomes `{}` (anything) with its
 * zod type named, rather than failing, so the document stays valid while the gap is visible.
 * `io` chooses the side of a transform/coerce: requests describe the input, responses the output.
 */
export const toJsonSchema = (schema: ZodTypeAny, io: 'input' | 'output' = 'output'): JsonSchema => {
  const out = convert(schema, io);
  if (schema.description && out.description === undefined) out.description = schema.description;
  return out;
};

const convert = (s: ZodTypeAny, io: 'input' | 'output'): JsonSchema => {
  const def = s._def as { typeName: string; description?: string };
  const withDesc = (j: JsonSchema): JsonSchema =>
    def.description ? { ...j, description: def.description } : j;
  if (s instanceof z.ZodString) return withDesc(stringSchema(s));
  if (s instanceof z.ZodNumber) return withDesc(numberSchema(s));
  if (s instanceof z.ZodBoolean) return withDesc({ type: 'boolean' });
  if (s instanceof z.ZodNull) return withDesc({ type: 'null' });
  if (s instanceof z.ZodLiteral) return withDesc({ const: s.value as JsonValue });
  if (s instanceof z.ZodEnum) return withDesc({ type: 'string', enum: [...(s.options as string[])] });
  if (s instanceof z.ZodNativeEnum)
    return withDesc({ enum: Object.values(s.enum as Record<string, string | number>) });
  if (s instanceof z.ZodUnknown || s instanceof z.ZodAny) return withDesc({});
  if (s instanceof z.ZodArray) {
    const j: JsonSchema = { type: 'array', items: convert(s.element, io) };
    if (s._def.minLength) j.minItems = s._def.minLength.value;
    if (s._def.maxLength) j.maxItems = s._def.maxLength.value;
    return withDesc(j);
  }
  if (s instanceof z.ZodTuple)
    return withDesc({ type: 'array', prefixItems: s.items.map((x: ZodTypeAny) => convert(x, io)) });
  if (s instanceof z.ZodObject) return withDesc(objectSchema(s, io));
  if (s instanceof z.ZodRecord)
    return withDesc({ type: 'object', additionalProperties: convert(s.valueSchema, io) });
  if (s instanceof z.ZodUnion || s instanceof z.ZodDiscriminatedUnion) {
    const options = [...(s.options as Iterable<ZodTypeAny>)];
    return withDesc({ anyOf: options.map((o) => convert(o, io)) });
  }
  if (s instanceof z.ZodIntersection)
    return withDesc({ allOf: [convert(s._def.left, io), convert(s._def.right, io)] });
  if (s instanceof z.ZodNullable) return withDesc(nullable(convert(s.unwrap(), io)));
  if (s instanceof z.ZodOptional) return withDesc(convert(s.unwrap(), io));
  if (s instanceof z.ZodDefault)
    return withDesc({ ...convert(s._def.innerType, io), default: s._def.defaultValue() as JsonValue });
  if (s instanceof z.ZodEffects) return withDesc(convert(s.innerType(), io));
  if (s instanceof z.ZodPipeline) return withDesc(convert(io === 'input' ? s._def.in : s._def.out, io));
  if (s instanceof z.ZodLazy) return withDesc(convert(s.schema, io));
  if (s instanceof z.ZodBranded) return withDesc(convert(s.unwrap(), io));
  if (s instanceof z.ZodReadonly) return withDesc(convert(s._def.innerType, io));
  if (s instanceof z.ZodCatch) return withDesc(convert(s._def.innerType, io));
  return { description: `unconverted zod type ${def.typeName}` };
};

const nullable = (j: JsonSchema): JsonSchema => {
  if (typeof j.type === 'string') return { ...j, type: [j.type, 'null'] };
  if (Array.isArray(j.enum)) return { ...j, enum: [...j.enum, null] };
  return { anyOf: [j, { type: 'null' }] };
};

const stringSchema = (s: z.ZodString): JsonSchema => {
  const j: JsonSchema = { type: 'string' };
  for (const c of s._def.checks) {
    if (c.kind === 'min') j.minLength = c.value;
    else if (c.kind === 'max') j.maxLength = c.value;
    else if (c.kind === 'length') {
      j.minLength = c.value;
      j.maxLength = c.value;
    } else if (c.kind === 'regex') j.pattern = c.regex.source;
    else if (c.kind === 'datetime') j.format = 'date-time';
    else if (c.kind === 'date') j.format = 'date';
    else if (c.kind === 'uuid') j.format = 'uuid';
    else if (c.kind === 'url') j.format = 'uri';
    else if (c.kind === 'email') j.format = 'email';
  }
  return j;
};

const numberSchema = (s: z.ZodNumber): JsonSchema => {
  const j: JsonSchema = { type: 'number' };
  for (const c of s._def.checks) {
    if (c.kind === 'int') j.type = 'integer';
    else if (c.kind === 'min') j[c.inclusive ? 'minimum' : 'exclusiveMinimum'] = c.value;
    else if (c.kind === 'max') j[c.inclusive ? 'maximum' : 'exclusiveMaximum'] = c.value;
    else if (c.kind === 'multipleOf') j.multipleOf = c.value;
  }
  return j;
};

const isOptional = (s: ZodTypeAny, io: 'input' | 'output'): boolean =>
  s instanceof z.ZodOptional ||
  (io === 'input' && s instanceof z.ZodDefault) ||
  (io === 'input' && s.isOptional());

const objectSchema = (s: z.AnyZodObject, io: 'input' | 'output'): JsonSchema => {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [k, v] of Object.entries(s.shape as Record<string, ZodTypeAny>)) {
    properties[k] = convert(v, io);
    if (!isOptional(v, io)) required.push(k);
  }
  const j: JsonSchema = { type: 'object', properties };
  if (required.length) j.required = required;
  const catchall = s._def.catchall as ZodTypeAny;
  if (!(catchall instanceof z.ZodNever)) j.additionalProperties = convert(catchall, io);
  else if (s._def.unknownKeys === 'strict') j.additionalProperties = false;
  return j;
};
