import type { z } from 'zod';

/**
 * One event type: the zod schema of its current version and the upcasters that lift every older
 * stored version to it. `upcasters[v]` turns data of version v into data of version v + 1, so a v1
 * event read under v3 goes through upcasters[1] then upcasters[2].
 */
export interface EventDefinition<TType extends string = string, TSchema extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly type: TType;
  readonly schemaVersion: number;
  readonly schema: TSchema;
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
}

export const defineEvent = <TType extends string, TSchema extends z.ZodTypeAny>(def: {
  type: TType;
  schemaVersion?: number;
  schema: TSchema;
  upcasters?: Record<number, (data: unknown) => unknown>;
}): EventDefinition<TType, TSchema> => {
  const schemaVersion = def.schemaVersion ?? 1;
  const upcasters = def.upcasters ?? {};
  for (let v = 1; v < schemaVersion; v++) {
    if (!upcasters[v]) throw new Error(`event ${def.type}: v${schemaVersion} needs an upcaster from v${v}`);
  }
  return Object.freeze({
    type: def.type,
    schemaVersion,
    schema: def.schema,
    upcasters: Object.freeze(upcasters),
  });
};

export type EventData<D extends EventDefinition> = z.infer<D['schema']>;
