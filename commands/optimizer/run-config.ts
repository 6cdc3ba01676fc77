import type { OptimizerRunStartedData } from '../../domain/optimizer/events.js';
import { defaultPromotionPolicy, type PromotionPolicy } from '../../domain/optimizer/gates.js';
import type { ScoringSpec } from '../../domain/optimizer/objective.js';
import { type SearchMethod, searchMethods } from '../../domain/optimizer/search.js';
import { ParameterSpace, type Params } from '../../domain/optimizer/space.js';
import { parseWalkForward, walkForwardWindows } from '../../domain/optimizer/walk-forward.js';
import { WalkForwardRun } from '../../domain/optimizer/walk-forward-run.js';
import { builtInStrategies } from '../../domain/strategies/index.js';

/** A request that cannot start; the message says what to change (the CLI exits 2 on it). */
export class OptimizeRequestError extends Error {
  override readonly name = 'OptimizeRequestError';
}

export type ObjectiveName = OptimizerRunStartedData['objective'];
export const objectiveNames: readonly ObjectiveName[] = [
  'sharpe',
  'sortino',
  'calmar',
  'cagr',
  'totalReturn',
  'psr',
];

export interface OptimizeRequest {
  readonly strategyId: string;
  readonly symbols: readonly string[];
  readonly timeframe?: string;
  readonly method: string;
  /** Trials per walk-forward window. */
  readonly budget: number;
  /** e.g. `rolling:90d/30d` or `anchored:60d/30d/15d`. */
  readonly walkForward: string;
  readonly from: number;
  readonly to: number;
  readonly batch?: number;
  readonly inFlight?: number;
  readonly objective?: string;
  readonly maxDrawdown?: number;
  readonly minTrades?: number;
  readonly pboBlocks?: number;
  readonly policy?: Partial<PromotionPolicy>;
  readonly seed?: number;
  /** The searches' seed, when it should not be the run id (see OptimizerRunStarted). */
  readonly searchSeed?: string;
  readonly runId?: string;
}

const isMethod = (m: string): m is SearchMethod => (searchMethods as readonly string[]).includes(m);
const isObjective = (m: string): m is ObjectiveName => (objectiveNames as readonly string[]).includes(m);

/** FNV-1a, 32 bit: a short stable tag for a configuration, not a security hash. */
const fnv = (text: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36).padStart(7, '0');
};

const searchSeedOf = (v: string): string => {
  if (!/^[\w.:-]{1,100}$/.test(v))
    throw new OptimizeRequestError(`search seed "${v}" must be 1-100 letters, digits, _ . : -`);
  return v;
};

const positiveInt = (v: number, name: string, min = 1): number => {
  if (!Number.isInteger(v) || v < min)
    throw new OptimizeRequestError(`${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
};

/**
 * Validates a request and fixes everything the run depends on, windows included, into the data of
 * OptimizerRunStarted. Without an explicit run id the id is derived from that data, so asking for the
 * same run again resumes it (or reports it, if it finished) instead of starting a duplicate.
 */
export const runConfig = (req: OptimizeRequest): OptimizerRunStartedData => {
  const strategy = builtInStrategies[req.strategyId];
  if (!strategy) {
    throw new OptimizeRequestError(
      `unknown strategy "${req.strategyId}"; built in: ${Object.keys(builtInStrategies).sort().join(', ')}`,
    );
  }
  if (!isMethod(req.method))
    throw new OptimizeRequestError(`unknown method "${req.method}"; one of ${searchMethods.join(', ')}`);
  const objective = req.objective ?? 'sharpe';
  if (!isObjective(objective))
    throw new OptimizeRequestError(`unknown objective "${objective}"; one of ${objectiveNames.join(', ')}`);
  const symbols = [...new Set(req.symbols.map((s) => s.trim().toUpperCase()).filter(Boolean))];
  if (symbols.length === 0)
    throw new OptimizeRequestError('give at least one symbol, e.g. --symbols BTCUSDT');
  let windows: ReturnType<typeof walkForwardWindows>;
  try {
    windows = walkForwardWindows(parseWalkForward(req.walkForward), { start: req.from, end: req.to });
  } catch (err) {
    throw new OptimizeRequestError(err instanceof Error ? err.message : String(err));
  }
  const policy = { ...defaultPromotionPolicy, ...req.policy };
  const data: Omit<OptimizerRunStartedData, 'runId'> = {
    strategyId: strategy.id,
    symbols,
    timeframe: req.timeframe ?? null,
    method: req.method,
    budget: positiveInt(req.budget, 'budget', 2),
    batch: positiveInt(req.batch ?? 8, 'batch'),
    inFlight: positiveInt(req.inFlight ?? 16, 'inFlight'),
    walkForward: req.walkForward.trim(),
    range: { start: req.from, end: req.to },
    windows: windows.map((w) => ({ index: w.index, inSample: w.inSample, outOfSample: w.outOfSample })),
    objective,
    constraints: {
      maxDrawdown: req.maxDrawdown ?? null,
      minTrades: req.minTrades === undefined ? null : positiveInt(req.minTrades, 'minTrades', 0),
    },
    pboBlocks: positiveInt(req.pboBlocks ?? 16, 'pboBlocks', 2),
    policy: {
      minDsr: policy.minDsr,
      maxPbo: policy.maxPbo,
      minWfe: policy.minWfe,
      maxOosDrawdown: policy.maxOosDrawdown,
      minOosTrades: policy.minOosTrades,
      minOosSharpe: policy.minOosSharpe,
      minParameterStability: policy.minParameterStability,
      maxOosTradesPerDay: policy.maxOosTradesPerDay ?? null,
      minOosCostCoverage: policy.minOosCostCoverage ?? null,
    },
    seed: req.seed ?? 1,
    // Only when given: a request without it keeps the configuration, and the run id derived from it, as before.
    ...(req.searchSeed !== undefined ? { searchSeed: searchSeedOf(req.searchSeed) } : {}),
  };
  const runId = req.runId ?? `${strategy.id}-${data.method}-${fnv(JSON.stringify(data))}`;
  if (!/^[\w.-]{1,100}$/.test(runId))
    throw new OptimizeRequestError(`run id "${runId}" may hold only letters, digits, _ . -`);
  return { runId, ...data };
};

export const scoringOf = (c: OptimizerRunStartedData): ScoringSpec => ({
  objectives: [{ metric: c.objective }],
  constraints: {
    ...(c.constraints.maxDrawdown !== null ? { maxDrawdown: c.constraints.maxDrawdown } : {}),
    ...(c.constraints.minTrades !== null ? { minTrades: c.constraints.minTrades } : {}),
  },
});

export const policyOf = (c: OptimizerRunStartedData): PromotionPolicy => c.policy;

export const strategySpace = (strategyId: string): ParameterSpace<Params> => {
  const strategy = builtInStrategies[strategyId];
  if (!strategy) throw new OptimizeRequestError(`unknown strategy "${strategyId}"`);
  return ParameterSpace.fromSchema(strategy.params) as ParameterSpace<Params>;
};

/** The pure run state machine for a recorded configuration: the same data always builds the same run. */
export const walkForwardRunOf = (c: OptimizerRunStartedData): WalkForwardRun<Params> =>
  new WalkForwardRun(strategySpace(c.strategyId), {
    runId: c.runId,
    ...(c.searchSeed !== undefined ? { searchSeed: c.searchSeed } : {}),
    search: c.method === 'nsga2' ? { method: 'nsga2', objectives: 1 } : { method: c.method },
    budget: c.budget,
    windows: c.windows,
    scoring: scoringOf(c),
    batch: c.batch,
    pboBlocks: c.pboBlocks,
  });
