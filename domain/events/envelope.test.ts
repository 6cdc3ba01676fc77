import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metadataSchema, modes, validMetadataOrNull } from './envelope.js';

const zodVerdict = (m: unknown) => {
  const r = metadataSchema.safeParse(m);
  return r.success ? r.data : null;
};

// Values near the edges of every rule: empty strings, wrong types, malformed actors and instants,
// instants that match the pattern but are not dates, extra and missing keys.
const text = fc.oneof(
  fc.constantFrom('', 'c', 'obs:BTCUSDT:5m:1', 'x'.repeat(300)),
  fc.string({ maxLength: 12 }),
);
const actor = fc.oneof(
  fc.constantFrom(
    'strategy:ema-cross@1.0.0',
    'user:alice@example.com',
    'system:engine',
    'strategy:no-version',
    'robot:x',
    'user:',
    '',
  ),
  fc.string({ maxLength: 10 }),
);
const instant = fc.oneof(
  fc.constantFrom(
    '2023-01-01T00:05:00.000Z',
    '2023-01-01T00:05Z',
    '2023-06-01T12:00:00+02:00',
    '2023-06-01T12:00:00+0200',
    '2023-13-40T25:61:00Z',
    '2023-01-01',
    '2023-01-01T00:00:00',
    'not a date',
  ),
  fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
);
const anyValue = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer(), fc.boolean(), text);
// Mostly-valid fields (weight 4 to 1), so that whole valid records, and records one step from valid,
// both come up often.
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 4 }, anyValue);
const metadata = fc
  .record(
    {
      correlationId: mostly(fc.constantFrom('c', 'obs:BTCUSDT:5m:1', 'run-r1')),
      causationId: mostly(fc.oneof(fc.constant(null), text)),
      actor: mostly(fc.oneof(fc.constantFrom('strategy:ema-cross@1.0.0', 'system:engine'), actor)),
      mode: mostly(fc.oneof(fc.constantFrom(...modes), fc.constantFrom('replay', ''))),
      occurredAt: mostly(instant),
      extra: anyValue,
    },
    { requiredKeys: ['correlationId', 'causationId', 'actor', 'mode', 'occurredAt'] },
  )
  .chain((m) =>
    fc.oneof(
      { arbitrary: fc.constant<unknown>(m), weight: 8 },
      fc.constantFrom<unknown>(null, [m], 'metadata'),
    ),
  );

describe('metadata fast path', () => {
  it('agrees with metadataSchema: the same object when valid, null whenever zod would not accept (property)', () => {
    let fastAccepted = 0;
    fc.assert(
      fc.property(metadata, (m) => {
        const fast = validMetadataOrNull(m);
        const zod = zodVerdict(m);
        if (fast !== null) {
          fastAccepted++;
          expect(zod).not.toBeNull();
          // Same fields in the same order: the stored JSON text must not depend on which path ran.
          expect(JSON.stringify(fast)).toBe(JSON.stringify(zod));
        }
      }),
      { numRuns: 5_000 },
    );
    expect(fastAccepted).toBeGreaterThan(20);
  });

  it('takes the fast path for well-formed metadata, whatever the key order it was given in', () => {
    const m = {
      occurredAt: '2023-01-01T00:05:00.000Z',
      mode: 'paper',
      actor: 'strategy:ema-cross@1.0.0',
      causationId: null,
      correlationId: 'obs:BTCUSDT:5m:1672531500000',
    };
    expect(JSON.stringify(validMetadataOrNull(m))).toBe(JSON.stringify(zodVerdict(m)));
    expect(Object.keys(validMetadataOrNull(m)!)).toEqual([
      'correlationId',
      'causationId',
      'actor',
      'mode',
      'occurredAt',
    ]);
  });
});
