import { useState } from 'react';

/**
 * Cursor pagination: the server hands out an opaque `nextCursor`, so going back means remembering the
 * cursors that led here. Changing the filters starts again from the first page.
 */
export function useCursorPages(filterKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | null)[] }>({
    key: filterKey,
    stack: [null],
  });
  const stack = state.key === filterKey ? state.stack : [null];
  const cursor = stack[stack.length - 1] ?? null;
  return {
    cursor,
    page: stack.length,
    next: (nextCursor: string | null | undefined) => {
      if (nextCursor) setState({ key: filterKey, stack: [...stack, nextCursor] });
    },
    prev: () => {
      if (stack.length > 1) setState({ key: filterKey, stack: stack.slice(0, -1) });
    },
  };
}
