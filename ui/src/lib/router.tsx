import type { MouseEvent, ReactNode } from 'react';
import { useSyncExternalStore } from 'react';
import { cn } from './utils';

/**
 * A few pages need no routing library: the path is the page, the query string holds filters, and the
 * server falls back to index.html for any path so a reload or a shared link opens the same view.
 */
const subscribe = (cb: () => void) => {
  window.addEventListener('popstate', cb);
  return () => window.removeEventListener('popstate', cb);
};
const getHref = () => window.location.pathname + window.location.search;

export function useLocation(): URL {
  const href = useSyncExternalStore(subscribe, getHref);
  return new URL(href, window.location.origin);
}

export function navigate(to: string, replace = false): void {
  if (to === getHref()) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Replaces the query string (filters) without adding a history entry per keystroke. */
export function setSearchParams(params: Record<string, string | undefined>): void {
  const url = new URL(window.location.href);
  for (const [k, v] of Object.entries(params)) {
    if (v) url.searchParams.set(k, v);
    else url.searchParams.delete(k);
  }
  navigate(url.pathname + url.search, true);
}

interface LinkProps {
  to: string;
  className?: string;
  activeClassName?: string;
  children: ReactNode;
}

export function Link({ to, className, activeClassName, children }: LinkProps) {
  const { pathname } = useLocation();
  const active = to === '/' ? pathname === '/' : pathname.startsWith(to);
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    // Let the browser handle new-tab and modified clicks.
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} className={cn(className, active && activeClassName)}>
      {children}
    </a>
  );
}
