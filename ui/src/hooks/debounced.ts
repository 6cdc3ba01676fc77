import { useEffect, useState } from 'react';

/**
 * The value as it was `ms` after it last changed. Filters typed into a box query the server once the
 * typing pauses, not per keystroke (a half-typed symbol is a 400 the user never meant to send).
 */
export function useDebounced<T>(value: T, ms = 300): T {
  const key = JSON.stringify(value);
  const [settled, setSettled] = useState({ key, value });
  useEffect(() => {
    if (key === settled.key) return;
    const t = setTimeout(() => setSettled({ key, value }), ms);
    return () => clearTimeout(t);
  }, [key, value, ms, settled.key]);
  return settled.value;
}
