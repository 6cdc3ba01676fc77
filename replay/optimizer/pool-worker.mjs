// Entry of a worker thread in the optimizer's pool. Plain JS because Node 20 does not apply
// `--import tsx` from a Worker's execArgv; tsx's API loads the TypeScript module and what it imports.
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('./evaluate-trial.ts', import.meta.url);
export default mod.evaluateTrial;
