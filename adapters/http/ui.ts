import { existsSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';

/** `/api` itself and everything below it is the API's: an unknown one is its JSON 404, never the page. */
const notUi = (p: string): boolean => p === '/api' || p.startsWith('/api/') || p === '/ws';

/**
 * Serves the built UI (ui/dist) on the API's origin, so the browser needs no CORS: files as they are,
 * and index.html for any other GET outside /api, /ws and the documents (the UI routes on the client).
 * Registered after the API routes, so an API path never reaches it.
 */
export const mountUi = (app: Hono, dir: string): boolean => {
  const index = path.join(dir, 'index.html');
  if (!existsSync(index)) return false;
  const root = path.relative(process.cwd(), dir) || '.';
  app.use('/*', async (c, next) => {
    if (notUi(c.req.path)) return next();
    return serveStatic({ root })(c, next);
  });
  app.get('*', async (c, next) => {
    if (notUi(c.req.path)) return next();
    return serveStatic({ root, path: 'index.html' })(c, next);
  });
  return true;
};
