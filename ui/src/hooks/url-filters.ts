import { setSearchParams, useLocation } from '@/lib/router';

/** Filters live in the query string: the URL is the state, so back/forward and reload keep them. */
export function useUrlFilters<K extends string>(names: readonly K[]) {
  const { searchParams } = useLocation();
  const values = Object.fromEntries(names.map((n) => [n, searchParams.get(n) ?? ''])) as Record<K, string>;
  return {
    values,
    set: (name: string, value: string) => setSearchParams({ [name]: value || undefined }),
    clear: () => setSearchParams(Object.fromEntries(names.map((n) => [n, undefined]))),
  };
}
