import path from 'node:path';
import {
  datasetId,
  defaultMarketDir,
  listDatasets,
  verifyStore,
} from '../adapters/marketdata/column-store.js';
import { MalformedDataError } from '../adapters/marketdata/csv-dataset.js';
import { collectFiles, importFiles, MissingInputError } from '../adapters/marketdata/import.js';
import { repoRoot, sharedDataDir } from '../adapters/marketdata/shared-data.js';

/**
 * npm run data -- import [file|dir ...]   import CSV(.gz) files (default: the shared data set); all or nothing
 * npm run data -- list                    datasets in the store with rows and span
 * npm run data -- verify                  checksums, ordering and gaps of every stored dataset
 * The store lives in ${DATA_DIR ?? '.data'}/market, relative to the repository root.
 */
const marketDir = path.resolve(repoRoot, defaultMarketDir());
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const runImport = (args: readonly string[]): void => {
  const inputs = args.length > 0 ? args : [sharedDataDir()];
  const files = collectFiles(inputs);
  if (files.length === 0) throw new MissingInputError(`no CSV files found in ${inputs.join(', ')}`);
  const started = performance.now();
  const metas = importFiles(files, marketDir);
  const rows = metas.reduce((n, m) => n + m.rows, 0);
  for (const m of metas) console.log(`imported ${datasetId(m.kind, m.symbol, m.timeframe)}: ${m.rows} rows`);
  console.log(
    `${metas.length} datasets, ${rows} rows into ${marketDir} in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
};

const runList = (): void => {
  const metas = listDatasets(marketDir);
  if (metas.length === 0) {
    console.log(`no datasets in ${marketDir} (run: npm run data -- import)`);
    return;
  }
  for (const m of metas) {
    const name = datasetId(m.kind, m.symbol, m.timeframe);
    console.log(
      `${name.padEnd(30)} ${String(m.rows).padStart(8)} rows  ${iso(m.firstTs)} .. ${iso(m.lastTs)}`,
    );
  }
};

const runVerify = (): number => {
  const reports = verifyStore(marketDir);
  if (reports.length === 0) {
    console.log(`no datasets in ${marketDir}`);
    return 1;
  }
  let bad = 0;
  for (const r of reports) {
    const status = r.problems.length === 0 ? 'ok' : 'FAILED';
    console.log(`${r.id.padEnd(30)} ${status}  ${r.meta.rows} rows, ${r.gaps.length} gaps`);
    for (const p of r.problems) console.log(`  problem: ${p}`);
    for (const g of r.gaps)
      console.log(
        `  gap: ${g.symbol} ${g.timeframe} from ${iso(g.from)} to ${iso(g.to)} (${g.missing} bars)`,
      );
    if (r.problems.length > 0) bad++;
  }
  console.log(
    bad === 0 ? `all ${reports.length} datasets verified` : `${bad} of ${reports.length} datasets failed`,
  );
  return bad === 0 ? 0 : 1;
};

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'import') runImport(rest);
  else if (command === 'list') runList();
  else if (command === 'verify') process.exitCode = runVerify();
  else {
    console.error('usage: npm run data -- import [file|dir ...] | list | verify');
    process.exitCode = 2;
  }
} catch (e) {
  console.error((e as Error).message);
  // What was given was wrong (no such file, a malformed one): a usage error, as the other CLIs say it.
  process.exitCode = e instanceof MalformedDataError || e instanceof MissingInputError ? 2 : 1;
}
