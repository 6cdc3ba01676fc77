/**
 * npm run bench:audit — tamper-evidence verification and decision-chain explain latency on a log of
 * ≥ 1M events (BENCH_EVENTS to change). The log is made of real backtests (ema-cross on the 1m data of
 * five symbols) recorded one after another under different run ids until it is large enough.
 * Uses DATABASE_URL when set (a fresh schema, dropped afterwards), else an embedded store in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../adapters/eventstore/open-store.js';
import { verifyLog } from '../adapters/eventstore/verify-log.js';
import { dropPgSchema } from '../adapters/sql/pg-client.js';
import { explainChain } from '../replay/audit/explain.js';
import { persistRun } from '../replay/audit/persist.js';
import { runBacktest } from '../replay/engine/run.js';

const TARGET = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const url = process.env.DATABASE_URL;
// BENCH_AUDIT_SCHEMA continues an earlier, interrupted log instead of recording it all again.
const schema = process.env.BENCH_AUDIT_SCHEMA ?? `bench_audit_${Date.now().toString(36)}`;
const dir = url ? null : mkdtempSync(join(tmpdir(), 'perpetua-audit-'));
const opened = await openStore(url ? { databaseUrl: url, schema } : { dataDir: dir! });
console.log(
  `# bench:audit — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
console.log(`store: ${opened.kind} at ${opened.location}`);
try {
  let total = await opened.store.headPosition();
  let run = 0;
  const orderIds: string[] = [];
  const t0 = performance.now();
  while (total < TARGET) {
    const out = await runBacktest({
      strategyId: 'ema-cross',
      symbols: ['ALGOUSDT', 'AVAXUSDT', 'FILUSDT', 'LINKUSDT', 'NEARUSDT'],
      timeframe: '1m',
      seed: run + 1,
      runId: `audit-${total}`,
    });
    const events = out.engine.store.raw();
    await persistRun(events, opened.store);
    for (const e of events)
      if (e.type === 'OrderRequested' && orderIds.length < 100_000)
        orderIds.push((e.data as { orderId: string }).orderId);
    total += events.length;
    run++;
    process.stderr.write(`\rrecorded ${run} runs, ${total} events`);
  }
  process.stderr.write('\n');
  console.log(
    `log: ${total} events from ${run} recorded backtests (${((performance.now() - t0) / 1000).toFixed(0)} s to record)`,
  );

  const tv = performance.now();
  const report = await verifyLog(opened.client, { batchSize: 10_000 });
  const verifySeconds = (performance.now() - tv) / 1000;
  const verifyPerSecond = Math.round(report.checked / verifySeconds);
  console.log(
    `audit verify: ${report.checked} events in ${verifySeconds.toFixed(1)} s = ${verifyPerSecond} events/s; intact: ${report.ok}`,
  );

  if (orderIds.length === 0) {
    // A continued log: take orders spread over the whole log.
    const { rows } = await opened.client.query<{ id: string }>(
      `SELECT data->>'orderId' AS id FROM events WHERE type = 'OrderRequested' ORDER BY global_position`,
    );
    for (const r of rows) orderIds.push(r.id);
  }
  const latencies: number[] = [];
  let step = Math.max(1, Math.floor(orderIds.length / 200));
  for (let i = 0; i < orderIds.length && latencies.length < 200; i += step) {
    const t = performance.now();
    const chain = await explainChain(opened.store, orderIds[i]!);
    latencies.push(performance.now() - t);
    if (chain.links.length === 0) throw new Error(`empty chain for ${orderIds[i]}`);
  }
  step = 0;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(2));
  console.log(`explain latency over ${latencies.length} orders: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms`);
  console.log(
    JSON.stringify({
      bench: 'audit',
      store: opened.kind,
      events: total,
      verifyEventsPerSecond: verifyPerSecond,
      verifySeconds: Number(verifySeconds.toFixed(2)),
      explainP50Ms: q(0.5),
      explainP99Ms: q(0.99),
      targets: { events: 1_000_000 },
      ratios: { events: Number((total / 1_000_000).toFixed(3)) },
    }),
  );
} finally {
  await opened.close();
  if (url) await dropPgSchema(url, schema);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
