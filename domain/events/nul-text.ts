/**
 * Where a value holds a string with a NUL character (U+0000), as a path like `features.note` or `[2]`,
 * or null when none does. PostgreSQL text cannot hold NUL: a text parameter with one is refused, and a
 * `json` value with an escaped one is stored but breaks `->>` and every read model that copies the
 * string into a text column. So the log refuses such strings at the door, where the writer can be told.
 */
export const nulTextPath = (value: unknown): string | null => (hasNul(value) ? pathOf(value, '') : null);

/** The scan every append pays: no path strings built on the way. */
const hasNul = (value: unknown): boolean => {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasNul(value[i])) return true;
    return false;
  }
  for (const k in value as Record<string, unknown>) {
    if (k.includes('\u0000') || hasNul((value as Record<string, unknown>)[k])) return true;
  }
  return false;
};

const pathOf = (value: unknown, path: string): string | null => {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(value)' : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = pathOf(value[i], `${path}[${i}]`);
      if (p !== null) return p;
    }
    return null;
  }
  for (const k in value as Record<string, unknown>) {
    const key = k.includes('\u0000') ? `${path ? `${path}.` : ''}(key)` : null;
    if (key !== null) return key;
    const p = pathOf((value as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    if (p !== null) return p;
  }
  return null;
};
