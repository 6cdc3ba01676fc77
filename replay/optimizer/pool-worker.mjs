// Entry of a worker in the optimizer's pool (a child process by default, a worker thread on request).
// Plain JS because Node 20 does not apply `--import tsx` from a Worker's execArgv; tsx's API loads the
// TypeScript module and what it imports.
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('./evaluate-trial.ts', import.meta.url);
export default mod.evaluateTrial;

// As a child process (the pool's default), leave with the parent: an orphaned worker would hold its
// loaded market data and a core's worth of V8 for nothing.
if (process.send) process.once('disconnect', () => process.exit(0));
