import { openStore, storeConfigFromEnv } from '../adapters/eventstore/open-store.js';
import { newEventId } from '../adapters/ids/event-id.js';
import { PoolExecutor } from '../adapters/optimizer/pool-executor.js';
import { QueueExecutor } from '../adapters/optimizer/trial-queue.js';
import { OptimizerRunConflictError, runOptimizer } from '../commands/optimizer/coordinator.js';
import { ParameterVersionHandlers } from '../commands/optimizer/parameter-versions.js';
import type { TrialExecutor } from '../commands/optimizer/ports.js';
import { OptimizeRequestError, runConfig } from '../commands/optimizer/run-config.js';
import { ParameterVersionError } from '../domain/optimizer/parameter-versions.js';
import { ArgError } from '../replay/cli/args.js';
import { backtestWorkerModule } from '../replay/optimizer/backtest-executor.js';
import { resolveDataRange } from '../replay/optimizer/data-range.js';
import { type OptimizeCommand, optimizeUsage, parseOptimizeArgs } from '../replay/optimizer/optimize-args.js';
import { formatRunReport } from '../replay/optimizer/report-text.js';

const userMeta = (strategyId: string) => ({
  correlationId: `cli:optimize:${strategyId}`,
  causationId: null,
  actor: `user:${(process.env.USER ?? 'cli').replace(/[^\w.@-]/g, '') || 'cli'}`,
  mode: 'backtest' as const,
  occurredAt: new Date().toISOString(),
});

const runCommand = async (cmd: Extract<OptimizeCommand, { kind: 'run' }>): Promise<number> => {
  const symbols = cmd.request.symbols.map((s) => s.trim().toUpperCase()).filter(Boolean);
  const range = await resolveDataRange(
    cmd.request.strategyId,
    symbols,
    cmd.request.timeframe,
    cmd.from,
    cmd.to,
  );
  const config = runConfig({ ...cmd.request, ...range });
  const redisUrl = cmd.local ? undefined : process.env.REDIS_URL;
  const opened = await openStore(storeConfigFromEnv());
  const executor: TrialExecutor = redisUrl
    ? await QueueExecutor.open({
        redisUrl,
        ...(process.env.OPTIMIZER_QUEUE ? { queue: process.env.OPTIMIZER_QUEUE } : {}),
      })
    : new PoolExecutor({ workers: cmd.workers, filename: backtestWorkerModule });
  const where = redisUrl
    ? `BullMQ queue on ${redisUrl.replace(/\/\/[^@]*@/, '//***@')} (start \`npm run worker\`)`
    : `${cmd.workers} worker thread(s)`;
  console.error(
    `optimizer run ${config.runId}: ${config.strategyId} on ${config.symbols.join(',')}, ${config.method}, ${config.budget} trials × ${config.windows.length} window(s) (${config.walkForward}), ${where}; log: ${opened.location}`,
  );
  const abort = new AbortController();
  process.on('SIGINT', () => {
    if (abort.signal.aborted) process.exit(130);
    console.error(
      '\nstopping after the trials in flight (Ctrl-C again to quit now); the same command resumes',
    );
    abort.abort();
  });
  const t0 = performance.now();
  let lastDraw = 0;
  const tty = process.stderr.isTTY;
  try {
    const out = await runOptimizer(config, {
      store: opened.store,
      executor,
      newEventId: newEventId,
      now: Date.now,
      signal: abort.signal,
      autoPromote: !cmd.hold,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastDraw < (tty ? 200 : 5000) && p.done < p.total) return;
        lastDraw = now;
        const rate = (p.done - p.replayed) / ((now - t0) / 1000);
        const line = `${p.done}/${p.total} tasks (${p.replayed} replayed), window ${p.task.window}, ${rate.toFixed(1)} trials/s`;
        process.stderr.write(tty ? `\r${line.padEnd(80)}` : `${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (out.executed === 0 && out.replayed > 0)
      console.error(
        `run ${config.runId} had finished before: its recorded report follows (use --run-id for a fresh run)`,
      );
    console.log(
      cmd.json
        ? JSON.stringify({ ...out.completed, promotedVersion: out.promotedVersion })
        : formatRunReport(out.completed, out.promotedVersion),
    );
    console.error(
      `${out.executed} trials run, ${out.replayed} replayed, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    return 0;
  } finally {
    await executor.close();
    await opened.close();
  }
};

const versionsCommand = async (
  cmd: Extract<OptimizeCommand, { kind: 'rollback' | 'versions' }>,
): Promise<number> => {
  const opened = await openStore(storeConfigFromEnv());
  try {
    const handlers = new ParameterVersionHandlers(opened.store, newEventId);
    if (cmd.kind === 'rollback') {
      const d = await handlers.handle(
        cmd.strategyId,
        { kind: 'RollBackParameters', toVersion: cmd.toVersion, reason: cmd.reason },
        userMeta(cmd.strategyId),
      );
      console.log(
        d.events.length
          ? `${cmd.strategyId}: version ${cmd.toVersion} is now in force`
          : `${cmd.strategyId}: version ${cmd.toVersion} was already in force`,
      );
    }
    const state = await handlers.state(cmd.strategyId);
    for (const v of await handlers.versions(cmd.strategyId))
      console.log(
        `${v.version === state.active ? '*' : ' '} v${v.version}  ${JSON.stringify(v.params)}  (run ${v.proposalId})`,
      );
    if (state.active === null)
      console.log(`${cmd.strategyId}: no promoted version; the schema defaults (version 0) are in force`);
    return 0;
  } finally {
    await opened.close();
  }
};

const main = async (): Promise<number> => {
  let cmd: OptimizeCommand;
  try {
    cmd = parseOptimizeArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ArgError || err instanceof OptimizeRequestError) {
      console.error(`${err.message}\n${optimizeUsage}`);
      return 2;
    }
    throw err;
  }
  try {
    if (cmd.kind === 'help') {
      console.log(optimizeUsage);
      return 0;
    }
    return cmd.kind === 'run' ? await runCommand(cmd) : await versionsCommand(cmd);
  } catch (err) {
    if (
      err instanceof OptimizeRequestError ||
      err instanceof OptimizerRunConflictError ||
      err instanceof ParameterVersionError
    ) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof Error && err.name === 'AbortError') return 130;
    throw err;
  }
};

process.exitCode = await main();
