/**
 * npm run bench:store — event-log throughput on PGlite (file-backed, the default) and on the PostgreSQL
 * server at DATABASE_URL. Figures, not assertions: the last line is JSON for tools.
 *
 *  - append, batch 1 and 100, through the full store path (zod validation, idempotency, expected-version
 *    check, the ordering lock) against a raw multi-row INSERT of the same rows into a twin table;
 *  - readAll throughput; projection rebuild of a 1M-event log (PostgreSQL) with memory sampled.
 * BENCH_EVENTS=<n> changes the rebuild log size (default 1,000,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { type OpenedStore, openStore } from '../adapters/eventstore/open-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import { dropPgSchema } from '../adapters/sql/pg-client.js';
import type { NewEvent } from '../domain/events/envelope.js';
import { eventCounts } from '../projections/event-counts/projection.js';
import { ProjectionRunner } from '../projections/runner.js';

const REBUILD_EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);

const event = (n: number): NewEvent => ({
  eventId: newEventId(),
  type: 'SignalEmitted',
  data: {
    strategyId: 'trend',
    strategyVersion: '1.4.0',
    paramsVersion: 7,
    observation: { symbol: 'BTCUSDT', timeframe: '5m', openTime: 1672531200000 + n * 300_000 },
    side: n % 3 === 0 ? 'short' : 'long',
    strength: 0.25 + (n % 50) / 100,
    features: { ema_fast: 16500.5 + (n % 997), ema_slow: 16480.25, adx: 27.1, atr: 85.4, rv_pct: 0.62 },
  },
  metadata: {
    correlationId: `obs:BTCUSDT:5m:${1672531200000 + n * 300_000}`,
    causationId: null,
    actor: 'strategy:trend@1.4.0',
    mode: 'backtest',
    occurredAt: new Date(1672531200000 + n * 300_000).toISOString(),
  },
});

const say = (m: string) => console.log(m);

/** The raw insert carries hash columns of the same size, but computes no chain: that is the store's work. */
const HASH = Buffer.alloc(32, 7);

const rawInsert = async (
  o: OpenedStore,
  streamId: string,
  startVersion: number,
  events: readonly NewEvent[],
) => {
  const params: unknown[] = [];
  const rows: string[] = [];
  const now = new Date().toISOString();
  events.forEach((e, i) => {
    const b = params.length;
    params.push(
      e.eventId,
      streamId,
      startVersion + i + 1,
      e.type,
      2,
      JSON.stringify(e.data),
      JSON.stringify(e.metadata),
      now,
      HASH,
      HASH,
    );
    rows.push(
      `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8},$${b + 9},$${b + 10})`,
    );
  });
  await o.client.query(
    `INSERT INTO raw_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, stream_hash, global_hash) VALUES ${rows.join(',')}`,
    params,
  );
};

interface AppendFigures {
  store: number;
  raw: number;
  /** Median of the per-round ratios: one slow round (the machine is shared) does not decide it. */
  ratio: number;
  /** Ratio of the totals over all rounds. */
  ratioOfTotals: number;
  rounds: number[];
}

/** Alternates store and raw rounds so drift in the machine's load hits both alike. */
const measureAppend = async (o: OpenedStore, batch: number, totalEvents: number): Promise<AppendFigures> => {
  await o.client.query('CREATE TABLE IF NOT EXISTS raw_events (LIKE events INCLUDING ALL)');
  const rounds = 8;
  const perRound = Math.max(batch, Math.floor(totalEvents / rounds / batch) * batch);
  let storeMs = 0;
  let rawMs = 0;
  let n = 0;
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const streamId = `bench-${batch}-${r}-${newEventId().slice(-8)}`;
    const events = Array.from({ length: perRound }, () => event(n++));
    let t = performance.now();
    let version = 0;
    for (let i = 0; i < perRound; i += batch) {
      const res = await o.store.append(streamId, version, events.slice(i, i + batch));
      version = res.nextExpectedVersion;
    }
    const s = performance.now() - t;
    const rawEvents = Array.from({ length: perRound }, () => event(n++));
    t = performance.now();
    for (let i = 0; i < perRound; i += batch)
      await rawInsert(o, `raw-${streamId}`, i, rawEvents.slice(i, i + batch));
    const w = performance.now() - t;
    storeMs += s;
    rawMs += w;
    ratios.push(w / s);
  }
  const total = perRound * rounds;
  const store = (total / storeMs) * 1000;
  const raw = (total / rawMs) * 1000;
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = (sorted[rounds / 2 - 1]! + sorted[rounds / 2]!) / 2;
  return {
    store: Math.round(store),
    raw: Math.round(raw),
    ratio: Number(median.toFixed(3)),
    ratioOfTotals: Number((store / raw).toFixed(3)),
    rounds: ratios.map((x) => Number(x.toFixed(2))),
  };
};

const measureConcurrent = async (o: OpenedStore, writers: number, batch: number, perWriter: number) => {
  const t = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i += batch) {
        await o.store.append(
          `conc-${w}-${i % 10}`,
          'any',
          Array.from({ length: batch }, () => event(n++)),
        );
      }
    }),
  );
  return Math.round(((writers * perWriter) / (performance.now() - t)) * 1000);
};

const seed = async (o: OpenedStore, total: number) => {
  const head = await o.store.headPosition();
  let n = 0;
  const t = performance.now();
  while (n < total) {
    const k = Math.min(1000, total - n);
    await o.store.append(
      `seed-${n % 5000}-${newEventId().slice(-6)}`,
      'no_stream',
      Array.from({ length: k }, () => event(n++)),
    );
  }
  return { head: head + total, seconds: (performance.now() - t) / 1000 };
};

const measureReadAll = async (o: OpenedStore, batch: number) => {
  const t = performance.now();
  let pos = 0;
  let n = 0;
  for (;;) {
    const b = await o.store.readAll(pos, batch);
    if (b.length === 0) break;
    n += b.length;
    pos = b[b.length - 1]!.globalPosition;
  }
  return { events: n, perSecond: Math.round((n / (performance.now() - t)) * 1000) };
};

const measureRebuild = async (o: OpenedStore) => {
  const runner = new ProjectionRunner(o.store, o.db, [eventCounts], { batchSize: 5_000 });
  await runner.prepare();
  global.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const t = performance.now();
  const n = await runner.rebuild('event-counts');
  const ms = performance.now() - t;
  clearInterval(sampler);
  const mb = (b: number) => Math.round(b / 1048576);
  return {
    events: n,
    perSecond: Math.round((n / ms) * 1000),
    rssStartMb: mb(base.rss),
    rssPeakMb: mb(peakRss),
    heapStartMb: mb(base.heapUsed),
    heapPeakMb: mb(peakHeap),
  };
};

const benchBackend = async (name: string, o: OpenedStore, rebuildEvents: number) => {
  say(`\n## ${name} (${o.location})`);
  const b1 = await measureAppend(o, 1, name === 'pglite' ? 2_000 : 4_000);
  say(
    `append batch 1:   store ${b1.store} ev/s, raw INSERT ${b1.raw} ev/s, ratio ${b1.ratio} (median of rounds ${b1.rounds.join(' ')}; of totals ${b1.ratioOfTotals})`,
  );
  const b100 = await measureAppend(o, 100, 40_000);
  say(
    `append batch 100: store ${b100.store} ev/s, raw INSERT ${b100.raw} ev/s, ratio ${b100.ratio} (median of rounds ${b100.rounds.join(' ')}; of totals ${b100.ratioOfTotals})`,
  );
  const concurrent = o.kind === 'postgres' ? await measureConcurrent(o, 8, 100, 5_000) : null;
  if (concurrent) say(`append 8 writers × batch 100: ${concurrent} ev/s`);
  const seeded = await seed(o, rebuildEvents);
  say(
    `seeded ${rebuildEvents} events in ${seeded.seconds.toFixed(1)} s (batch 1000); log head ${seeded.head}`,
  );
  const read = await measureReadAll(o, 5_000);
  say(`readAll: ${read.events} events at ${read.perSecond} ev/s (batch 5000)`);
  const rebuild = await measureRebuild(o);
  say(
    `projection rebuild (event-counts): ${rebuild.events} events at ${rebuild.perSecond} ev/s; ` +
      `RSS ${rebuild.rssStartMb} → peak ${rebuild.rssPeakMb} MB, heap ${rebuild.heapStartMb} → peak ${rebuild.heapPeakMb} MB`,
  );
  return { appendBatch1: b1, appendBatch100: b100, appendConcurrent8: concurrent, readAll: read, rebuild };
};

say(
  `# bench:store — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);

const dir = mkdtempSync(join(tmpdir(), 'perpetua-bench-'));
const pglite = await openStore({ dataDir: dir });
const pgliteEvents = Math.min(REBUILD_EVENTS, Number(process.env.BENCH_PGLITE_EVENTS ?? 200_000));
const pgliteFigures = await benchBackend('pglite', pglite, pgliteEvents);
await pglite.close();
rmSync(dir, { recursive: true, force: true });

let pgFigures: Awaited<ReturnType<typeof benchBackend>> | null = null;
const url = process.env.DATABASE_URL;
if (url) {
  const schema = `bench_${Date.now().toString(36)}`;
  const pg = await openStore({ databaseUrl: url, schema });
  try {
    pgFigures = await benchBackend('postgres', pg, REBUILD_EVENTS);
  } finally {
    await pg.close();
    await dropPgSchema(url, schema);
  }
} else {
  say('\n## postgres: skipped (set DATABASE_URL)');
}

const targets = { appendRatioBatch100: 0.8, readAllPg: 150_000, rebuildPg: 100_000 };
console.log(
  JSON.stringify({
    bench: 'store',
    pglite: pgliteFigures,
    postgres: pgFigures,
    targets,
    ratios: {
      pgliteAppendBatch100VsRaw: pgliteFigures.appendBatch100.ratio / targets.appendRatioBatch100,
      postgresAppendBatch100VsRaw: pgFigures
        ? pgFigures.appendBatch100.ratio / targets.appendRatioBatch100
        : null,
      postgresReadAll: pgFigures ? pgFigures.readAll.perSecond / targets.readAllPg : null,
      postgresRebuild: pgFigures ? pgFigures.rebuild.perSecond / targets.rebuildPg : null,
    },
  }),
);
