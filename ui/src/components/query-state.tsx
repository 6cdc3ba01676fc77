import type { UseQueryResult } from '@tanstack/react-query';
import { AlertTriangle, Loader2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { ApiError } from '@/api/client';

interface Props<T> {
  query: UseQueryResult<T>;
  /** Shown when the data is there but holds nothing, instead of an empty frame. */
  empty?: (data: T) => ReactNode | null;
  children: (data: T) => ReactNode;
}

/** Loading, error and empty states in one place, so every card says the same thing the same way. */
export function QueryState<T>({ query, empty, children }: Props<T>) {
  if (query.isPending) {
    return (
      <div className="flex items-center gap-2 py-6 text-xs text-muted-foreground">
        <Loader2 className="size-4 animate-spin" /> loading
      </div>
    );
  }
  if (query.isError) {
    const e = query.error;
    return (
      <div className="flex items-center gap-2 py-6 text-xs text-destructive" role="alert">
        <AlertTriangle className="size-4" />
        {e instanceof ApiError ? `${e.status} ${e.code}: ${e.message}` : String(e)}
      </div>
    );
  }
  const note = empty?.(query.data);
  if (note) return <div className="py-6 text-center text-xs text-muted-foreground">{note}</div>;
  return <>{children(query.data)}</>;
}
