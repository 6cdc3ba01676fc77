import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { uuidv7 } from 'uuidv7';
import { allProjections } from '../projections/index.js';
import { ProjectionRunner } from '../projections/runner.js';
import { nodeId, openConfiguredStore, packageVersion } from './node-context.js';

const say = (m: string) => console.log(`[perpetua] ${m}`);
say(`starting v${packageVersion()} (node ${process.version})`);

const opened = await openConfiguredStore(say);
const id = nodeId();
await opened.store.append(`node-${id}`, 'any', [
  {
    eventId: uuidv7(),
    type: 'NodeStarted',
    data: { nodeId: id, version: packageVersion(), store: opened.kind, migrations: opened.migrations.all },
    metadata: {
      correlationId: `node-${id}`,
      causationId: null,
      actor: 'system:node',
      mode: 'paper',
      occurredAt: new Date().toISOString(),
    },
  },
]);

const runner = new ProjectionRunner(opened.store, opened.db, allProjections(), { log: say });
await runner.prepare();
const caught = await runner.catchUpAll();
say(
  `projections caught up: ${Object.entries(caught)
    .map(([k, v]) => `${k} +${v}`)
    .join(', ')}`,
);
const stop = new AbortController();
const projecting = runner.run(stop.signal).catch((err: unknown) => {
  say(`projection runner stopped: ${err instanceof Error ? err.message : String(err)}`);
});

const app = new Hono();
app.get('/api/health', (c) => c.json({ ok: true }));
app.get('/api/status', async (c) =>
  c.json({
    version: packageVersion(),
    node: id,
    store: { kind: opened.kind, location: opened.location, head: await opened.store.headPosition() },
    projections: await runner.status(),
  }),
);

const port = Number(process.env.PORT ?? 8080);
const server = serve({ fetch: app.fetch, port }, (info) => {
  say(`HTTP on http://localhost:${info.port} (GET /api/health, /api/status); Ctrl-C stops`);
});

let stopping = false;
const shutdown = async (sig: string) => {
  if (stopping) return;
  stopping = true;
  say(`${sig}: stopping`);
  stop.abort();
  server.close();
  await projecting;
  await opened.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
