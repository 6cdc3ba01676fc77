import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { EventStore } from '../../domain/events/event-store.js';
import type { ApiMetrics } from './metrics.js';
import { attachWebSocket, type WsOptions } from './ws.js';

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** The app on a node HTTP server with the WebSocket attached; port 0 picks a free one (tests). */
export const listen = (
  app: Hono,
  opts: { port: number; hostname?: string; store: EventStore; metrics: ApiMetrics; ws?: WsOptions },
): Promise<RunningServer> =>
  new Promise((resolve, reject) => {
    const server = serve(
      { fetch: app.fetch, port: opts.port, ...(opts.hostname ? { hostname: opts.hostname } : {}) },
      (info: AddressInfo) => {
        const ws = attachWebSocket(server as Server, opts.store, opts.metrics, opts.ws);
        const host = opts.hostname && opts.hostname !== '0.0.0.0' ? opts.hostname : 'localhost';
        resolve({
          server: server as Server,
          port: info.port,
          url: `http://${host}:${info.port}`,
          close: async () => {
            await ws.close();
            await new Promise<void>((r) => {
              (server as Server).closeAllConnections?.();
              server.close(() => r());
            });
          },
        });
      },
    ) as Server;
    server.once('error', reject);
  });
