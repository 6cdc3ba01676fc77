import { ChainNotFoundError, explainChain, formatChain } from '../replay/audit/explain.js';
import { rerun } from '../replay/audit/rerun.js';
import { describeChange, whatIf } from '../replay/audit/whatif.js';
import { ArgError, parseArgs, parseAssignments } from '../replay/cli/args.js';
import { RunRequestError } from '../replay/engine/run.js';
import { openConfiguredStore } from './node-context.js';

const usage = `usage: npm run replay -- explain <orderId | correlationId | eventId> [--json]
       npm run replay -- rerun <runId> [--json]
       npm run replay -- whatif <runId> (--set <param>=<value> | --disable-rule <rule> | --strategy-version <v>) [--json]
Runs are read from the main store (DATA_DIR or DATABASE_URL); record one with: npm run backtest -- ... --persist`;

const json = (x: unknown) =>
  JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);

const main = async (): Promise<number> => {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2), {
      values: ['set', 'disable-rule', 'strategy-version'],
      flags: ['json'],
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const [command, id] = args.positional;
  if (!command || !id || !['explain', 'rerun', 'whatif'].includes(command)) {
    console.error(usage);
    return 2;
  }
  const asJson = args.flags.has('json');
  const opened = await openConfiguredStore((m) => console.error(m));
  try {
    if (command === 'explain') {
      const chain = await explainChain(opened.store, id);
      console.log(asJson ? json(chain) : formatChain(chain));
      return chain.broken.length ? 1 : 0;
    }
    if (command === 'rerun') {
      const t0 = performance.now();
      const r = await rerun(opened.store, id);
      if (asJson) console.log(json(r));
      else if (r.identical) {
        console.log(
          `run ${id} re-ran identically: ${r.events - r.ahead} events, event by event (${((performance.now() - t0) / 1000).toFixed(1)} s)${r.ahead > 0 ? `; the re-run goes ${r.ahead} events further, past where the run's log ends (it has not ended)` : ''}`,
        );
      } else {
        const d = r.divergence!;
        console.log(
          `run ${id} DIVERGES at event ${d.index} (${d.streamId} v${d.streamVersion}); fields: ${d.fields.join(', ')}`,
        );
        console.log(
          `  recorded: ${d.recorded ? json({ type: d.recorded.type, data: d.recorded.data }) : '(none)'}`,
        );
        console.log(`  re-run:   ${d.rerun ? json({ type: d.rerun.type, data: d.rerun.data }) : '(none)'}`);
        if (r.recordedEngine !== r.engine)
          console.log(
            `  the run was recorded by engine log version ${r.recordedEngine ?? '2 or earlier'} and this build writes version ${r.engine}: the engine's decisions changed between them (replay/engine/engine-version.ts says how), so this divergence is expected and says nothing about the log; re-run it with the build that recorded it`,
          );
      }
      return r.identical ? 0 : 1;
    }
    const set = parseAssignments(args.values.get('set') ?? []);
    const disableRules = args.values.get('disable-rule') ?? [];
    const strategyVersion = args.values.get('strategy-version')?.at(-1);
    const kinds = [
      Object.keys(set).length > 0,
      disableRules.length > 0,
      strategyVersion !== undefined,
    ].filter(Boolean).length;
    if (kinds !== 1)
      throw new ArgError(
        'a what-if takes exactly one kind of change: --set, --disable-rule or --strategy-version',
      );
    const r = await whatIf(opened.store, id, {
      ...(kinds && Object.keys(set).length ? { set } : {}),
      ...(disableRules.length ? { disableRules } : {}),
      ...(strategyVersion ? { strategyVersion } : {}),
    });
    if (asJson) {
      console.log(json(r));
      return 0;
    }
    const d = r.diff;
    console.log(`what-if on ${id}: ${json(r.change).replace(/\s+/g, ' ')}`);
    console.log(
      `decisions: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.unchanged} unchanged`,
    );
    for (const o of d.added.slice(0, 10))
      console.log(`  + ${o.occurredAt} ${o.side} ${o.quantity} ${o.symbol} (${o.type}) [${o.correlationId}]`);
    for (const o of d.removed.slice(0, 10))
      console.log(`  - ${o.occurredAt} ${o.side} ${o.quantity} ${o.symbol} (${o.type}) [${o.correlationId}]`);
    for (const c of d.changed.slice(0, 10))
      console.log(
        `  ~ ${c.after.occurredAt} ${c.after.side} ${c.after.quantity} ${c.after.symbol} (${c.after.type}): ${describeChange(c)} [${c.after.correlationId}]`,
      );
    console.log('KPI deltas (variant − baseline):');
    for (const [k, v] of Object.entries(r.kpis.delta))
      console.log(`  ${k.padEnd(20)} ${v > 0 ? '+' : ''}${Number(v).toPrecision(5)}`);
    for (const c of r.chains) console.log(`\n${formatChain(c)}`);
    return 0;
  } catch (err) {
    if (err instanceof ChainNotFoundError || err instanceof RunRequestError || err instanceof ArgError) {
      console.error(err.message);
      return 2;
    }
    console.error(`replay failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await opened.close();
  }
};

process.exitCode = await main();
