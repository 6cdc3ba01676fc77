import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Fixed, fixed, toText } from '../domain/ledger/fixed.js';
import { allStrategies } from '../domain/strategies/index.js';
import { persistRun } from '../replay/audit/persist.js';
import { ArgError, decimalNumber, parseArgs, parseAssignments } from '../replay/cli/args.js';
import { formatTable, kpiRows } from '../replay/cli/kpi-table.js';
import { defaultEngineSettings } from '../replay/engine/config.js';
import { type RunRequest, RunRequestError, runBacktest } from '../replay/engine/run.js';
import { runNotes } from '../replay/engine/run-notes.js';
import { openConfiguredStore } from './node-context.js';

const usage = `usage: npm run backtest -- --strategy <id> --symbols BTCUSDT,ETHUSDT [--from 2023-01-01] [--to 2023-07-01]
       [--params k=v ...] [--timeframe 1h] [--seed 1] [--balance 10000] [--disable-rule <rule> ...] [--no-risk]
       [--leverage 5] [--venue binance|bybit (whose fees and rounding)] [--fee-tier VIP0] [--fee-rates -0.00005,0.0003 (maker,taker: your own, a negative maker a rebate)] [--impact 5e-6[,BTCUSDT=2e-6]] [--latency 20-250 (ms, or one figure)]
       [--out report.json] [--persist (write the run's events to the main store for replay/audit)]
strategies: ${Object.keys(allStrategies).sort().join(', ')}`;

const number = (name: string, text: string): number => {
  const n = decimalNumber(text);
  if (n === undefined) throw new ArgError(`--${name} wants a number, got ${text}`);
  return n;
};

/** The cost and leverage flags as a run request's fields; the engine's config checks their ranges. */
const parseCosts = (
  one: (k: string) => string | undefined,
): Pick<RunRequest, 'leverage' | 'venue' | 'engine'> => {
  const leverage = one('leverage');
  const venue = one('venue');
  const feeTier = one('fee-tier');
  const feeRatesText = one('fee-rates');
  const impact = one('impact');
  const latency = one('latency');
  let impactModel: { default: number; symbols?: Record<string, number> } | undefined;
  if (impact !== undefined) {
    // One default and any number of SYMBOL=λ overrides, in any order.
    const symbols: Record<string, number> = {};
    let fallback: number | undefined;
    for (const part of impact.split(',').filter(Boolean)) {
      const eq = part.indexOf('=');
      if (eq < 0) fallback = number('impact', part);
      else symbols[part.slice(0, eq).trim().toUpperCase()] = number('impact', part.slice(eq + 1));
    }
    impactModel = {
      default: fallback ?? defaultEngineSettings.impact.default,
      ...(Object.keys(symbols).length > 0 ? { symbols } : {}),
    };
  }
  let latencyMs: { min: number; max: number } | undefined;
  if (latency !== undefined) {
    const m = /^\s*([^-\s]+)\s*(?:-\s*([^-\s]+)\s*)?$/.exec(latency);
    if (!m)
      throw new ArgError(`--latency wants milliseconds as min-max (20-250) or one figure, got ${latency}`);
    const min = number('latency', m[1]!);
    latencyMs = { min, max: m[2] === undefined ? min : number('latency', m[2]) };
  }
  let feeRates: { maker: string; taker: string } | undefined;
  if (feeRatesText !== undefined) {
    const m = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/.exec(feeRatesText);
    if (!m)
      throw new ArgError(
        `--fee-rates wants maker,taker as decimal fractions (-0.00005,0.0003), got ${feeRatesText}`,
      );
    feeRates = { maker: m[1]!, taker: m[2]! };
  }
  return {
    ...(leverage !== undefined ? { leverage: number('leverage', leverage) } : {}),
    ...(venue !== undefined ? { venue } : {}),
    engine: {
      ...(feeTier !== undefined ? { feeTier } : {}),
      ...(feeRates ? { feeRates } : {}),
      ...(impactModel ? { impact: impactModel } : {}),
      ...(latencyMs ? { latencyMs } : {}),
    },
  };
};

const main = async (): Promise<number> => {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2), {
      values: [
        'strategy',
        'symbols',
        'from',
        'to',
        'params',
        'timeframe',
        'seed',
        'balance',
        'disable-rule',
        'out',
        'run-id',
        'leverage',
        'venue',
        'fee-tier',
        'fee-rates',
        'impact',
        'latency',
      ],
      flags: ['no-risk', 'help', 'quiet', 'persist'],
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (args.flags.has('help')) {
    console.log(usage);
    return 0;
  }
  const one = (k: string) => args.values.get(k)?.at(-1);
  const strategyId = one('strategy');
  const symbols = one('symbols');
  if (!strategyId || !symbols) {
    console.error(`--strategy and --symbols are required\n${usage}`);
    return 2;
  }
  const seedText = one('seed');
  if (seedText !== undefined && !(/^-?\d+$/.test(seedText) && Number.isSafeInteger(Number(seedText)))) {
    console.error(`--seed must be a whole number of at most 15 digits, got ${seedText}`);
    return 2;
  }
  const runId = one('run-id');
  if (runId !== undefined && !/^[A-Za-z0-9_.-]{1,120}$/.test(runId)) {
    console.error(`--run-id must be 1 to 120 letters, digits, '_', '.' or '-', got ${JSON.stringify(runId)}`);
    return 2;
  }
  if (args.positional.length > 0) {
    console.error(`unexpected ${args.positional.join(' ')}: every option takes its --name\n${usage}`);
    return 2;
  }
  const quiet = args.flags.has('quiet') || !process.stderr.isTTY;
  const t0 = performance.now();
  let lastDraw = 0;
  try {
    const params = parseAssignments(args.values.get('params') ?? []);
    const costs = parseCosts(one);
    const out = await runBacktest(
      {
        strategyId,
        symbols: symbols.split(','),
        from: one('from'),
        to: one('to'),
        params,
        timeframe: one('timeframe'),
        ...(seedText !== undefined ? { seed: Number(seedText) } : {}),
        initialBalance: one('balance'),
        disabledRules: args.values.get('disable-rule') ?? [],
        riskEnabled: !args.flags.has('no-risk'),
        runId,
        ...costs,
      },
      (done, total) => {
        if (quiet) return;
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const f = total > 0 ? done / total : 1;
        const w = 30;
        process.stderr.write(
          `\r[${'#'.repeat(Math.round(f * w)).padEnd(w, '.')}] ${(f * 100).toFixed(0).padStart(3)}%`,
        );
      },
    );
    if (!quiet) process.stderr.write('\n');
    const secs = (performance.now() - t0) / 1000;
    const k = out.results.kpis();
    const c = out.engine.config;
    console.log(`run ${c.runId}`);
    console.log(
      `${c.strategy.id}@${c.strategy.version} on ${c.symbols.join(', ')} ${c.strategy.timeframe}, ` +
        `${new Date(c.from).toISOString()} .. ${new Date(c.to).toISOString()}, seed ${c.seed}`,
    );
    console.log(`params ${JSON.stringify(c.params)}`);
    const tier = c.feeRates
      ? { maker: fixed(c.feeRates.maker), taker: fixed(c.feeRates.taker) }
      : c.venueRules.feeTiers[c.feeTier]!;
    const pct = (f: Fixed) => `${Number((Number(toText(f)) * 100).toFixed(4))} %`;
    const perSymbol = Object.entries(c.impact.symbols ?? {}).map(([k, v]) => `${k} ${v}`);
    console.log(
      `costs ${c.venueRules.venue === 'binance' ? '' : `${c.venueRules.venue} `}${c.feeRates ? 'own' : c.feeTier} fees (maker ${pct(tier.maker)}, taker ${pct(tier.taker)}), leverage ${c.leverage}, ` +
        `impact λ ${c.impact.default}${perSymbol.length ? ` (${perSymbol.join(', ')})` : ''}, ` +
        `latency ${c.latencyMs.min}-${c.latencyMs.max} ms, balance ${c.initialBalance}` +
        `${c.risk.enabled ? (c.risk.disabledRules.length ? `, risk rules off: ${c.risk.disabledRules.join(', ')}` : '') : ', risk off'}`,
    );
    for (const cov of out.coverage) {
      if (cov.source === 'resampled-1m')
        console.log(`note: ${cov.symbol} ${cov.timeframe} bars resampled from 1m; stops resolved on 1m bars`);
    }
    for (const line of runNotes(out)) console.log(`note: ${line}`);
    console.log(formatTable(kpiRows(k)));
    console.log(`bars ${out.summary.bars}, events ${out.summary.events}, ${secs.toFixed(2)} s`);
    console.log(`event-log hash ${out.hash}`);
    const file = one('out') ?? path.join('reports', `${c.runId}.json`);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify(
        {
          runId: c.runId,
          strategy: { id: c.strategy.id, version: c.strategy.version, timeframe: c.strategy.timeframe },
          params: c.params,
          symbols: c.symbols,
          from: new Date(c.from).toISOString(),
          to: new Date(c.to).toISOString(),
          seed: c.seed,
          settings: {
            initialBalance: c.initialBalance,
            leverage: c.leverage,
            venue: c.venueRules.venue,
            feeTier: c.feeTier,
            ...(c.feeRates ? { feeRates: c.feeRates } : {}),
            impact: c.impact,
            latencyMs: c.latencyMs,
            risk: { enabled: c.risk.enabled, disabledRules: c.risk.disabledRules },
          },
          kpis: k,
          trades: out.results.trades,
          openTrades: out.results.openTrades(),
          equityCurve: out.results.curve,
          eventLogHash: out.hash,
          events: out.summary.events,
          bars: out.summary.bars,
        },
        (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
        2,
      ),
    );
    console.log(`report ${file}`);
    if (args.flags.has('persist')) {
      const opened = await openConfiguredStore((m) => console.error(m));
      try {
        const r = await persistRun(out.engine.store.raw(), opened.store);
        console.log(`persisted ${r.appended} events to the main store (${r.duplicates} already there)`);
      } finally {
        await opened.close();
      }
    }
    return 0;
  } catch (err) {
    if (!quiet) process.stderr.write('\n');
    if (err instanceof RunRequestError || err instanceof ArgError) {
      console.error(`${err.message}\n${usage}`);
      return 2;
    }
    console.error(`backtest failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
};

process.exitCode = await main();
