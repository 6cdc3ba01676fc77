import { CmaEs, type CmaEsOptions } from './cma-es.js';
import { type GridOptions, GridSearch } from './grid-search.js';
import { Nsga2, type Nsga2Options } from './nsga2.js';
import { RandomSearch } from './random-search.js';
import { Rng } from './rng.js';
import { dimensionShapes, Search, type SearchOptions, searchMethods } from './search.js';
import type { ParameterSpace, Params } from './space.js';
import { Tpe, type TpeOptions } from './tpe.js';

export type SearchConfig =
  | { readonly method: 'grid'; readonly options?: GridOptions }
  | { readonly method: 'random'; readonly options?: { readonly latin?: boolean } }
  | { readonly method: 'tpe'; readonly options?: TpeOptions }
  | {
      readonly method: 'cmaes';
      readonly options?: Omit<CmaEsOptions, 'x0'> & { readonly startAtDefaults?: boolean };
    }
  | { readonly method: 'nsga2'; readonly objectives: number; readonly options?: Nsga2Options };

export { searchMethods };

/**
 * A search over a parameter space, seeded: the same space, config and seed (a run id works) give the same
 * trials for the same results.
 */
export const createSearch = <P extends Params>(
  space: ParameterSpace<P>,
  config: SearchConfig,
  seed: number | string,
  options: SearchOptions = {},
): Search<P> => {
  const rng = Rng.seeded(seed);
  const dims = dimensionShapes(space as unknown as ParameterSpace);
  switch (config.method) {
    case 'grid':
      return new Search(space, new GridSearch(dims, rng, config.options), 1, options);
    case 'random':
      return new Search(
        space,
        new RandomSearch(dims.length, rng, config.options?.latin ?? false),
        1,
        options,
      );
    case 'tpe':
      return new Search(space, new Tpe(dims, rng, config.options), 1, options);
    case 'cmaes': {
      const defaults = config.options?.startAtDefaults ? space.defaults() : undefined;
      const { startAtDefaults: _ignored, ...cmaOptions } = config.options ?? {};
      return new Search(
        space,
        new CmaEs(dims.length, rng, { ...cmaOptions, ...(defaults ? { x0: space.encode(defaults) } : {}) }),
        1,
        options,
      );
    }
    case 'nsga2':
      return new Search(space, new Nsga2(dims, rng, config.options), config.objectives, options);
  }
};
