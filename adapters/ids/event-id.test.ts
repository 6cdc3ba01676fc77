import { describe, expect, it } from 'vitest';
import { isUuidV7 } from '../../domain/events/envelope.js';
import { newEventId } from './event-id.js';

describe('newEventId', () => {
  it('gives distinct, increasing UUIDv7 texts across many pool refills', () => {
    const ids = Array.from({ length: 50_000 }, newEventId);
    expect(ids.every(isUuidV7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });
});
