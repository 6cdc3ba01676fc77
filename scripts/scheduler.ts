import { readFileSync } from 'node:fs';
import {
  defaultSchedulerPlan,
  type SchedulerPlan,
  schedulerPlan,
} from '../commands/optimizer/scheduler-config.js';
import { builtInStrategies } from '../domain/strategies/index.js';
import { ArgError, parseArgs } from '../replay/cli/args.js';
import { openConfiguredStore } from './node-context.js';
import { startScheduler } from './reoptimization.js';

/**
 * `npm run scheduler [-- --config scheduler.json] [--workers N]`: the re-optimisation scheduler on its
 * own, for a deployment on a PostgreSQL server (DATABASE_URL) where trading nodes write the log and this
 * process watches it. With the embedded store, `npm start` runs the same scheduler in-process (an
 * embedded database has one process). Without --config every built-in strategy is watched on
 * PAPER_SYMBOLS with the defaults of commands/optimizer/scheduler-config.ts.
 */
const say = (m: string) => console.log(`[scheduler] ${m}`);
const usage = 'usage: npm run scheduler -- [--config file.json] [--workers N]';

let plan: SchedulerPlan;
let workers: number | undefined;
try {
  const args = parseArgs(process.argv.slice(2), { values: ['config', 'workers'], flags: [] });
  if (args.positional.length > 0) throw new ArgError(`unexpected ${args.positional.join(' ')}; ${usage}`);
  const file = args.values.get('config')?.at(-1);
  const w = args.values.get('workers')?.at(-1);
  if (w !== undefined) {
    if (!/^[1-9]\d*$/.test(w)) throw new ArgError(`--workers must be a positive integer, got ${w}`);
    workers = Number(w);
  }
  plan = file
    ? schedulerPlan(JSON.parse(readFileSync(file, 'utf8')))
    : defaultSchedulerPlan(
        Object.keys(builtInStrategies),
        (process.env.PAPER_SYMBOLS ?? 'BTCUSDT,ETHUSDT,LTCUSDT').split(',').map((s) => s.trim()),
      );
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}

const opened = await openConfiguredStore(say);
const stop = new AbortController();
const running = await startScheduler({
  store: opened.store,
  plan,
  ...(workers !== undefined ? { workers } : {}),
  ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
  signal: stop.signal,
  log: say,
});
say(
  `watching ${plan.strategies.map((s) => `${s.strategyId} (${[s.cron && `cron ${s.cron}`, s.kpi && 'KPIs'].filter(Boolean).join(', ')})`).join('; ')}; trials on ${running.where}`,
);
const shutdown = async (sig: string) => {
  say(`${sig}: stopping after the trials in flight (the next start resumes the run)`);
  stop.abort();
  await running.done;
  await opened.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
try {
  await running.done;
} catch (err) {
  say(`stopped: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
