import { allProjections } from '../projections/index.js';
import { ProjectionRunner } from '../projections/runner.js';
import { openConfiguredStore } from './node-context.js';

const usage = `usage: npm run projections -- status | catch-up | rebuild <name>`;
const [command, name] = process.argv.slice(2);
const extra = process.argv.slice(command === 'rebuild' ? 4 : 3);
if (
  !command ||
  !['status', 'catch-up', 'rebuild'].includes(command) ||
  (command === 'rebuild' && !name) ||
  extra.length > 0
) {
  console.error(extra.length > 0 ? `unexpected ${extra.join(' ')}\n${usage}` : usage);
  process.exit(2);
}
const names = allProjections().map((p) => p.name);
if (command === 'rebuild' && !names.includes(name!)) {
  console.error(`no projection named ${name}; the projections are ${names.join(', ')}`);
  process.exit(2);
}

const opened = await openConfiguredStore((m) => console.error(m));
try {
  const runner = new ProjectionRunner(opened.store, opened.db, allProjections(), {
    log: (m) => console.error(m),
  });
  await runner.prepare();
  if (command === 'rebuild') {
    const t0 = performance.now();
    const n = await runner.rebuild(name!);
    const s = (performance.now() - t0) / 1000;
    console.log(`rebuilt ${name} from position 0: ${n} events in ${s.toFixed(2)} s`);
  } else if (command === 'catch-up') {
    console.log(await runner.catchUpAll());
  }
  console.table(await runner.status());
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await opened.close();
}
