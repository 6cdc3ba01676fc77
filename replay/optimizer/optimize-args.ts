import type { OptimizeRequest } from '../../commands/optimizer/run-config.js';
import { OptimizeRequestError } from '../../commands/optimizer/run-config.js';
import { allStrategies } from '../../domain/strategies/index.js';
import { parseArgs } from '../cli/args.js';

export const optimizeUsage = `usage: npm run optimize -- --strategy <id> --symbols BTCUSDT[,ETHUSDT] --method cmaes --budget 40
         --wfo rolling:90d/30d [--workers N] [--from 2023-01-01] [--to 2023-12-31] [--timeframe 1h]
         [--objective sharpe|sortino|calmar|cagr|totalReturn|psr] [--min-trades N] [--max-dd 0.3]
         [--min-dsr 0.95] [--max-pbo 0.25] [--min-wfe 0.5] [--min-oos-sharpe 0.5] [--max-oos-dd 0.3]
         [--min-oos-trades 30] [--max-oos-trades-per-day 48] [--min-oos-cost-coverage 2] (a gate's value or "off") [--in-flight 16] [--batch 8] [--seed 1]
         [--search-seed <text>] [--run-id <id>] [--local] [--hold] [--json]
       npm run optimize -- rollback --strategy <id> --to-version <n> [--reason <text>]
       npm run optimize -- versions --strategy <id>
Trials run on a worker_threads pool (--workers, default 2), or as BullMQ jobs for \`npm run worker\` when
REDIS_URL is set (--local keeps them in this process's pool). A run with the same arguments resumes.
A candidate that passes the gates is promoted at once; --hold leaves it pending, for \`npm start\` to
trade as a canary beside the version in force (or for an approver to promote).`;

export type OptimizeCommand =
  | {
      readonly kind: 'run';
      readonly request: Omit<OptimizeRequest, 'from' | 'to'>;
      readonly from: string | undefined;
      readonly to: string | undefined;
      readonly workers: number;
      readonly local: boolean;
      /** Leave a passing candidate pending instead of promoting it. */
      readonly hold: boolean;
      readonly json: boolean;
    }
  | {
      readonly kind: 'rollback';
      readonly strategyId: string;
      readonly toVersion: number;
      readonly reason: string;
    }
  | { readonly kind: 'versions'; readonly strategyId: string }
  | { readonly kind: 'help' };

const values = [
  'strategy',
  'symbols',
  'method',
  'budget',
  'wfo',
  'workers',
  'from',
  'to',
  'timeframe',
  'objective',
  'min-trades',
  'max-dd',
  'min-dsr',
  'max-pbo',
  'min-oos-trades',
  'min-oos-sharpe',
  'max-oos-dd',
  'min-wfe',
  'max-oos-trades-per-day',
  'min-oos-cost-coverage',
  'in-flight',
  'batch',
  'seed',
  'search-seed',
  'run-id',
  'to-version',
  'reason',
] as const;

const integer = (v: string | undefined, name: string, min: number): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min)
    throw new OptimizeRequestError(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
};

const positive = (v: string, name: string): number => {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0))
    throw new OptimizeRequestError(`--${name} must be a number > 0 or "off", got ${JSON.stringify(v)}`);
  return n;
};

const fraction = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < 0)
    throw new OptimizeRequestError(`--${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  return x;
};

/** DSR and PBO are probabilities, a drawdown a fraction of equity: past 1 a gate can never be met (or never fail). */
const probability = (v: string | undefined, name: string): number | undefined => {
  const x = fraction(v, name);
  if (x !== undefined && x > 1) throw new OptimizeRequestError(`--${name} must be between 0 and 1, got ${v}`);
  return x;
};

/** argv → what to do; a mistake throws ArgError or OptimizeRequestError with the fix in the message. */
export const parseOptimizeArgs = (argv: readonly string[]): OptimizeCommand => {
  const args = parseArgs(argv, { values, flags: ['help', 'local', 'json', 'hold'] });
  if (args.flags.has('help')) return { kind: 'help' };
  const one = (k: (typeof values)[number]) => args.values.get(k)?.at(-1);
  const sub = args.positional[0] ?? 'run';
  const strategyId = one('strategy');
  if (!strategyId) throw new OptimizeRequestError('--strategy is required');
  if (!Object.hasOwn(allStrategies, strategyId))
    throw new OptimizeRequestError(
      `unknown strategy "${strategyId}"; built in: ${Object.keys(allStrategies).sort().join(', ')}`,
    );
  if (sub === 'rollback') {
    const toVersion = integer(one('to-version'), 'to-version', 0);
    if (toVersion === undefined) throw new OptimizeRequestError('rollback needs --to-version <n>');
    return {
      kind: 'rollback',
      strategyId,
      toVersion,
      reason: one('reason') ?? 'manual rollback from the CLI',
    };
  }
  if (sub === 'versions') return { kind: 'versions', strategyId };
  if (sub !== 'run')
    throw new OptimizeRequestError(`unknown command "${sub}"; use run (default), rollback or versions`);
  const symbols = one('symbols');
  if (!symbols) throw new OptimizeRequestError('--symbols is required, e.g. --symbols BTCUSDT');
  const method = one('method') ?? 'cmaes';
  const budget = integer(one('budget'), 'budget', 2) ?? 40;
  const walkForward = one('wfo') ?? 'rolling:90d/30d';
  // A gate's threshold, or null to record it as disabled.
  const gate = (name: (typeof values)[number], parse: (v: string, name: string) => number | undefined) => {
    const v = one(name);
    return v === undefined ? undefined : v === 'off' ? null : parse(v, name);
  };
  const thresholds = {
    minDsr: gate('min-dsr', probability),
    maxPbo: gate('max-pbo', probability),
    minWfe: gate('min-wfe', fraction),
    minOosSharpe: gate('min-oos-sharpe', fraction),
    maxOosDrawdown: gate('max-oos-dd', probability),
    minOosTrades: gate('min-oos-trades', (v, n) => integer(v, n, 0)),
    maxOosTradesPerDay: gate('max-oos-trades-per-day', positive),
    minOosCostCoverage: gate('min-oos-cost-coverage', positive),
  };
  const policy = Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined));
  const optional = {
    timeframe: one('timeframe'),
    objective: one('objective'),
    minTrades: integer(one('min-trades'), 'min-trades', 0),
    maxDrawdown: fraction(one('max-dd'), 'max-dd'),
    inFlight: integer(one('in-flight'), 'in-flight', 1),
    batch: integer(one('batch'), 'batch', 1),
    seed: integer(one('seed'), 'seed', -(2 ** 31)),
    searchSeed: one('search-seed'),
    runId: one('run-id'),
  };
  return {
    kind: 'run',
    request: {
      strategyId,
      symbols: symbols.split(','),
      method,
      budget,
      walkForward,
      policy,
      ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    },
    from: one('from'),
    to: one('to'),
    workers: integer(one('workers'), 'workers', 1) ?? 2,
    local: args.flags.has('local'),
    hold: args.flags.has('hold'),
    json: args.flags.has('json'),
  };
};
