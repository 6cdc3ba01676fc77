import type { Context, Hono } from 'hono';
import { type ZodTypeAny, z } from 'zod';
import { nulTextPath } from '../../domain/events/nul-text.js';
import type { CachedBody, CachePolicy, ResponseCache } from './cache.js';
import { ApiError, errorJson } from './errors.js';
import { type JsonSchema, toJsonSchema } from './json-schema.js';
import { errorBody } from './schemas.js';

const none = z.object({});
type None = typeof none;

export interface RouteSpec<
  Q extends ZodTypeAny,
  P extends ZodTypeAny,
  B extends ZodTypeAny,
  R extends ZodTypeAny,
> {
  readonly method: 'get' | 'post';
  /** Hono syntax: `/api/strategies/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly query?: Q;
  readonly params?: P;
  readonly body?: B;
  readonly status?: 200 | 202;
  readonly response: R;
  /** Reuse of the response (GET only, when the table has a cache): see cache.ts. */
  readonly cache?: CachePolicy;
  /** Status codes besides 400 this route can answer with, for the document. */
  readonly errors?: readonly (403 | 404 | 409 | 422)[];
  readonly handler: (
    input: { query: z.output<Q>; params: z.output<P>; body: z.output<B> },
    c: Context,
  ) => Promise<z.input<R>> | z.input<R>;
}

interface Registered {
  method: string;
  path: string;
  summary: string;
  query: ZodTypeAny | undefined;
  params: ZodTypeAny | undefined;
  body: ZodTypeAny | undefined;
  status: number;
  response: ZodTypeAny;
  errors: readonly number[];
}

const invalid = (where: string, error: z.ZodError): ApiError =>
  new ApiError(
    400,
    'invalid_request',
    `invalid ${where}: ${error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`).join('; ')}`,
    error.issues,
  );

/** Under the u flag a pair is one code point, so this matches only a half with no partner. */
const loneSurrogate = /\p{Cs}/u;

/**
 * The path (`note`, `params.a[1]`, `(key)` for a key) of the first string or key holding an unpaired
 * UTF-16 surrogate, or null. JSON text may escape one (`"\ud800"`) and JSON.parse keeps it, but it is no
 * character: PostgreSQL's json type refuses the value, and UTF-8 cannot encode it.
 */
const loneSurrogatePath = (value: unknown, path: (string | number)[] = []): (string | number)[] | null => {
  if (typeof value === 'string') return loneSurrogate.test(value) ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = loneSurrogatePath(value[i], [...path, i]);
      if (p !== null) return p;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (loneSurrogate.test(k)) return [...path, '(key)'];
    const p = loneSurrogatePath(v, [...path, k]);
    if (p !== null) return p;
  }
  return null;
};

/** `params.a[1]`, as nulTextPath spells a path. */
const pathText = (path: readonly (string | number)[]): string =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') ||
  '(value)';

const parse = <T extends ZodTypeAny>(schema: T | undefined, value: unknown, where: string): z.output<T> => {
  if (!schema) return {} as z.output<T>;
  // PostgreSQL text cannot hold NUL: refused here as the client's mistake, not met later as a 500.
  const nul = nulTextPath(value);
  if (nul !== null)
    throw new ApiError(
      400,
      'invalid_request',
      `invalid ${where}: ${nul}: text may not contain NUL (U+0000) characters`,
    );
  // The same for a lone surrogate, which would otherwise reach the log's json column as a 500.
  const lone = loneSurrogatePath(value);
  if (lone !== null) {
    const message = 'text may not contain an unpaired UTF-16 surrogate (U+D800–U+DFFF)';
    throw new ApiError(400, 'invalid_request', `invalid ${where}: ${pathText(lone)}: ${message}`, [
      { code: 'custom', path: lone, message },
    ]);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw invalid(where, r.error);
  return r.data as z.output<T>;
};

/**
 * Routes declared once with their schemas: the same declaration validates the request, validates the
 * response (a mismatch is our bug, so it is a 500 and logged) and becomes the OpenAPI operation.
 */
export class RouteTable {
  private readonly routes: Registered[] = [];

  constructor(
    private readonly app: Hono,
    private readonly log: (m: string) => void = console.error,
    private readonly cache: ResponseCache | null = null,
  ) {}

  add<
    Q extends ZodTypeAny = None,
    P extends ZodTypeAny = None,
    B extends ZodTypeAny = None,
    R extends ZodTypeAny = ZodTypeAny,
  >(spec: RouteSpec<Q, P, B, R>): void {
    this.routes.push({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      query: spec.query,
      params: spec.params,
      body: spec.body,
      status: spec.status ?? 200,
      response: spec.response,
      errors: spec.errors ?? [],
    });
    const compute = async (c: Context): Promise<CachedBody> => {
      const query = parse(spec.query, c.req.query(), 'query');
      const params = parse(spec.params, c.req.param(), 'path');
      let raw: unknown;
      if (spec.body) {
        const text = await c.req.text();
        try {
          raw = JSON.parse(text);
        } catch {
          throw new ApiError(400, 'malformed_json', 'the request body is not JSON');
        }
      }
      const body = parse(spec.body, raw, 'body');
      const result = await spec.handler({ query, params, body } as never, c);
      const checked = spec.response.safeParse(result);
      if (!checked.success) {
        this.log(
          `${spec.method.toUpperCase()} ${spec.path}: response does not match its schema: ${checked.error.message}`,
        );
        return {
          status: 500,
          body: Buffer.from(
            JSON.stringify(
              errorJson('response_invalid', 'the server produced a response outside its contract'),
            ),
          ),
        };
      }
      return { status: spec.status ?? 200, body: Buffer.from(JSON.stringify(checked.data)) };
    };
    const cache = spec.method === 'get' && spec.cache ? this.cache : null;
    const handle = async (c: Context) => {
      const r = cache ? await cache.get(c.req.url, spec.cache!, () => compute(c)) : await compute(c);
      return c.body(r.body as Uint8Array<ArrayBuffer>, r.status as 200, {
        'content-type': 'application/json',
      });
    };
    if (spec.method === 'get') this.app.get(spec.path, handle);
    else this.app.post(spec.path, handle);
  }

  openApi(info: { title: string; version: string }, extra: Record<string, JsonSchema> = {}): JsonSchema {
    const paths: Record<string, JsonSchema> = { ...extra };
    const err = toJsonSchema(errorBody);
    for (const r of this.routes) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      const parameters: JsonSchema[] = [...paramsOf(r.params, 'path'), ...paramsOf(r.query, 'query')];
      const responses: JsonSchema = {
        [String(r.status)]: {
          description: r.status === 202 ? 'accepted' : 'ok',
          content: { 'application/json': { schema: toJsonSchema(r.response, 'output') } },
        },
        '400': { description: 'malformed request', content: { 'application/json': { schema: err } } },
      };
      for (const code of r.errors) {
        responses[String(code)] = {
          description:
            code === 403
              ? 'not authorised'
              : code === 404
                ? 'unknown id'
                : code === 409
                  ? 'conflict'
                  : 'valid request that breaks a rule',
          content: { 'application/json': { schema: err } },
        };
      }
      const op: JsonSchema = { summary: r.summary, operationId: operationId(r.method, r.path), responses };
      if (parameters.length) op.parameters = parameters;
      if (r.body)
        op.requestBody = {
          required: true,
          content: { 'application/json': { schema: toJsonSchema(r.body, 'input') } },
        };
      const entry = (paths[path] ?? {}) as JsonSchema;
      entry[r.method] = op;
      paths[path] = entry;
    }
    return { openapi: '3.1.0', info, paths };
  }
}

const operationId = (method: string, path: string): string =>
  method +
  path
    .split('/')
    .filter((s) => s && s !== 'api')
    .map((s) =>
      s.startsWith(':') ? `By${s[1]!.toUpperCase()}${s.slice(2)}` : s[0]!.toUpperCase() + s.slice(1),
    )
    .join('');

/** Query and path parameters from a zod object (refinements wrap it; the shape is inside). */
const paramsOf = (schema: ZodTypeAny | undefined, where: 'path' | 'query'): JsonSchema[] => {
  let s = schema;
  while (s instanceof z.ZodEffects) s = s.innerType();
  if (!(s instanceof z.ZodObject)) return [];
  return Object.entries(s.shape as Record<string, ZodTypeAny>).map(([name, v]) => ({
    name,
    in: where,
    required: where === 'path' || !v.isOptional(),
    schema: toJsonSchema(v, 'input'),
  }));
};
