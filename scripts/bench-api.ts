/*
 * bench:api — autocannon against the read routes on loopback. The server runs in a child process (so the
 * load generator does not share its event loop) over an embedded store holding two months of paper
 * trading by every built-in strategy on three symbols, projected. Each route gets a fixed 1,000 req/s
 * (the target: p99 ≤ 20 ms there), then the route mix runs unthrottled for the ceiling. Last line: JSON.
 * BENCH_WRITES=1 appends to the log every 250 ms meanwhile (cache churn as on a live node);
 * BENCH_NO_CACHE=1 reads the tables on every request; BENCH_RATE, BENCH_SECONDS change the load;
 * DATABASE_URL puts the log and read models on that server (a fresh schema, dropped at the end).
 */
import { fork } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { strategyInfoOf } from '../adapters/http/views.js';

const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const targetP99 = 20;

const serve = async () => {
  const { openStore } = await import('../adapters/eventstore/open-store.js');
  const { createApp } = await import('../adapters/http/app.js');
  const { BacktestManager } = await import('../adapters/http/backtests.js');
  const { ProjectionVersion } = await import('../adapters/http/cache.js');
  const { chainExplainer } = await import('../adapters/http/chains.js');
  const { ApiMetrics } = await import('../adapters/http/metrics.js');
  const { listen } = await import('../adapters/http/server.js');
  const { binanceUsdm } = await import('../domain/ledger/venue.js');
  const { allStrategies, builtInStrategies } = await import('../domain/strategies/index.js');
  const { allProjections } = await import('../projections/index.js');
  const { ProjectionRunner } = await import('../projections/runner.js');
  const { Engine } = await import('../replay/engine/engine.js');
  const { loadFeeds } = await import('../replay/engine/feeds.js');
  const { instrumentBookOnce, prepareRun } = await import('../replay/engine/run.js');
  const { LogCopier } = await import('./paper/copier.js');

  const { uniqueSchema } = await import('../adapters/testing/services.js');
  const { dropPgSchema } = await import('../adapters/sql/pg-client.js');
  const url = process.env.DATABASE_URL;
  const schema = uniqueSchema('bench_api');
  const opened = await openStore(url ? { databaseUrl: url, schema } : { dataDir: ':memory:' });
  const symbols = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'];
  const marks = new Map<string, InstanceType<typeof Engine>>();
  let events = 0;
  for (const id of Object.keys(builtInStrategies)) {
    const runId = `paper-${id}-bench`;
    const { config } = await prepareRun({
      strategyId: id,
      symbols,
      from: '2023-06-01',
      to: '2023-08-01',
      mode: 'paper',
      runId,
    });
    const engine = new Engine(
      { ...config, accountId: runId },
      loadFeeds(config.symbols, config.strategy.timeframe).feeds,
    );
    engine.start();
    while (engine.step()) {}
    events += await new LogCopier(engine.store, opened.store).flush();
    marks.set(runId, engine);
  }
  const runner = new ProjectionRunner(opened.store, opened.db, allProjections());
  await runner.prepare();
  await runner.catchUpAll();
  const book = await instrumentBookOnce();
  const metrics = new ApiMetrics(runner);
  const version = await new ProjectionVersion(runner).start();
  const { app } = createApp({
    version: 'bench',
    node: 'bench',
    store: opened.store,
    db: opened.db,
    storeInfo: { kind: opened.kind, location: opened.location },
    projections: runner,
    paper: () => [],
    marks: (accountId, symbol) => {
      const c = marks.get(accountId)?.close(symbol, 0);
      return c !== undefined && Number.isFinite(c) ? c : null;
    },
    accountContext: { instrument: book.get, rules: binanceUsdm },
    strategies: Object.values(allStrategies).map(strategyInfoOf),
    backtests: new BacktestManager(),
    metrics,
    bars: (symbol, timeframe) => {
      try {
        return loadFeeds([symbol], timeframe).feeds.bars.get(symbol);
      } catch {
        return undefined;
      }
    },
    marketNow: () => Date.parse('2023-08-01T00:00:00Z'),
    explain: chainExplainer(opened.store),
    ...(process.env.BENCH_NO_CACHE ? {} : { readVersion: () => version.value }),
  });
  const stop = new AbortController();
  let projecting: Promise<void> = Promise.resolve();
  let churn: NodeJS.Timeout | undefined;
  process.once('SIGTERM', () => {
    clearInterval(churn);
    version.stop();
    stop.abort();
    void projecting
      .then(() => opened.close())
      .then(() => (url ? dropPgSchema(url, schema) : undefined))
      .finally(() => process.exit(0));
  });
  if (process.env.BENCH_WRITES) {
    // Churn as under `npm start`: the log grows every 250 ms and the projections follow, so every
    // cached response is invalidated four times a second and recomputed on its next request.
    const { uuidv7 } = await import('uuidv7');
    projecting = runner.run(stop.signal);
    churn = setInterval(() => {
      const at = new Date().toISOString();
      void opened.store.append('node-bench', 'any', [
        {
          eventId: uuidv7(),
          type: 'NodeStarted',
          data: { nodeId: 'bench', version: 'bench', store: 'pglite', migrations: [] },
          metadata: {
            correlationId: 'node-bench',
            causationId: null,
            actor: 'system:node',
            mode: 'paper',
            occurredAt: at,
          },
        },
      ]);
    }, 250);
  }
  const http = await listen(app, { port: 0, hostname: '127.0.0.1', store: opened.store, metrics });
  process.send?.({ port: http.port, events });
};

interface RouteResult {
  path: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  bytesPerReq: number;
}

const main = async () => {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ port: number; events: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { port: number; events: number }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${ready.port}`;
  const first = async (path: string) => (await (await fetch(base + path)).json()) as Record<string, unknown>;
  const order = ((await first('/api/orders?status=filled&limit=1')).items as { orderId: string }[])[0]!
    .orderId;
  const routes = [
    '/api/health',
    '/api/status',
    '/api/accounts',
    '/api/positions',
    '/api/orders?limit=100',
    '/api/orders?symbol=ETHUSDT&status=filled&limit=50',
    '/api/fills?limit=100',
    '/api/strategies',
    '/api/strategies/ema-cross/equity',
    '/api/pnl/heatmap',
    '/api/risk/decisions?limit=20',
    '/api/breakers',
    '/api/audit/timeline?limit=100',
    '/api/audit/timeline?symbol=BTCUSDT&type=FillSettled&limit=50',
    `/api/audit/chains/${order}`,
    '/api/market/BTCUSDT/bars?timeframe=1h',
  ];
  const load0 = loadavg()[0]!;
  console.log(
    `# bench:api — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${load0.toFixed(1)}`,
  );
  console.log(
    `log: ${ready.events} events (5 strategies × 3 symbols × 2 months of paper trading), projected`,
  );
  console.log(
    `each route at ${rate} req/s for ${seconds} s, 20 connections; ${process.env.BENCH_NO_CACHE ? 'no response cache' : 'response cache on'}; ${process.env.BENCH_WRITES ? 'log appended every 250 ms' : 'log static'}\n`,
  );
  console.log(
    'route'.padEnd(64),
    'req/s'.padStart(7),
    'p50 ms'.padStart(7),
    'p99 ms'.padStart(7),
    'KB/req'.padStart(7),
  );
  const results: RouteResult[] = [];
  for (const path of routes) {
    // A short unmeasured pass first: JIT, caches and PGlite's buffers warm, as on a running node.
    await autocannon({ url: base + path, connections: 5, amount: 1_000 });
    const r = await autocannon({ url: base + path, connections: 20, overallRate: rate, duration: seconds });
    const res: RouteResult = {
      path,
      reqPerSec: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      bytesPerReq: Math.round(r.throughput.total / Math.max(1, r.requests.total)),
    };
    results.push(res);
    console.log(
      path.padEnd(64),
      String(res.reqPerSec).padStart(7),
      String(res.p50).padStart(7),
      String(res.p99).padStart(7),
      (res.bytesPerReq / 1024).toFixed(1).padStart(7),
      res.non2xx || res.errors ? ` non-2xx ${res.non2xx}, errors ${res.errors}` : '',
    );
  }
  const mix = await autocannon({
    url: base,
    connections: 20,
    duration: seconds * 2,
    requests: routes.map((path) => ({ method: 'GET' as const, path })),
  });
  console.log(
    `\nunthrottled mix of all routes: ${Math.round(mix.requests.average)} req/s, p50 ${mix.latency.p50} ms, p99 ${mix.latency.p99} ms`,
  );
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const worst = results.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  const meeting = results.filter((r) => r.p99 <= targetP99 && r.reqPerSec >= rate * 0.95).length;
  console.log(
    `routes meeting p99 ≤ ${targetP99} ms at ${rate} req/s: ${meeting}/${results.length}; worst ${worst.path} p99 ${worst.p99} ms`,
  );
  console.log(
    JSON.stringify({
      bench: 'api',
      store: process.env.DATABASE_URL ? 'postgres' : 'pglite',
      cache: !process.env.BENCH_NO_CACHE,
      writes: Boolean(process.env.BENCH_WRITES),
      cpus: cpus().length,
      rate,
      seconds,
      events: ready.events,
      targetP99Ms: targetP99,
      routesMeetingTarget: meeting,
      routes: results.length,
      worstP99Ms: worst.p99,
      worstRoute: worst.path,
      worstP99OverTarget: Number((worst.p99 / targetP99).toFixed(2)),
      medianP99Ms: [...results].sort((a, b) => a.p99 - b.p99)[Math.floor(results.length / 2)]!.p99,
      mixReqPerSec: Math.round(mix.requests.average),
      mixOverRate: Number((mix.requests.average / rate).toFixed(2)),
      mixP99Ms: mix.latency.p99,
      errors: results.reduce((s, r) => s + r.errors + r.non2xx, 0),
      perRoute: Object.fromEntries(results.map((r) => [r.path, { reqPerSec: r.reqPerSec, p99: r.p99 }])),
      loadAverage1m: { start: Number(load0.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) },
    }),
  );
};

if (process.argv.includes('--serve')) await serve();
else await main();
