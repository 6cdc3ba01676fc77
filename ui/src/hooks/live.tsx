import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import { LiveConnection, type LiveSnapshot } from '@/api/live';
import { liveInvalidator } from '@/api/live-invalidation';

const LiveContext = createContext<LiveConnection | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [conn] = useState(() => new LiveConnection());
  useEffect(() => {
    const off = conn.subscribe(liveInvalidator(qc));
    conn.start();
    return () => {
      off();
      conn.stop();
    };
  }, [conn, qc]);
  return <LiveContext.Provider value={conn}>{children}</LiveContext.Provider>;
}

const useConnection = (): LiveConnection => {
  const c = useContext(LiveContext);
  if (!c) throw new Error('LiveProvider is missing above this component');
  return c;
};

export function useLiveSnapshot(): LiveSnapshot {
  const c = useConnection();
  return useSyncExternalStore(c.watch, c.getSnapshot);
}
