import { verifyLog } from '../adapters/eventstore/verify-log.js';
import { openConfiguredStore } from './node-context.js';

const usage = 'usage: npm run audit -- verify [--json]';
const args = process.argv.slice(2);
const unknown = args.slice(1).filter((a) => a !== '--json');
if (args[0] !== 'verify' || unknown.length > 0) {
  console.error(unknown.length > 0 ? `unexpected ${unknown.join(' ')}\n${usage}` : usage);
  process.exit(2);
}
const json = args.includes('--json');
const opened = await openConfiguredStore((m) => console.error(m));
try {
  const t0 = performance.now();
  const report = await verifyLog(opened.client, {
    onProgress: (n) => {
      if (!json && process.stderr.isTTY) process.stderr.write(`\rverified ${n} events`);
    },
  });
  const s = (performance.now() - t0) / 1000;
  if (json) {
    console.log(JSON.stringify({ ...report, seconds: s }));
  } else {
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(`checked ${report.checked} events up to position ${report.head} in ${s.toFixed(2)} s`);
    if (report.ok) console.log('the hash chains are intact: the log is as it was written');
    else {
      console.log(`TAMPERED: the first break is at global position ${report.firstBreak}`);
      for (const p of report.problems) console.log(`  position ${p.globalPosition}: ${p.kind}: ${p.detail}`);
    }
  }
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  console.error(`audit failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
} finally {
  await opened.close();
}
