import type { OptimizerRunCompletedData, OptimizerRunStartedData } from '../../domain/optimizer/events.js';
import type { GateEvaluation } from '../../domain/optimizer/gates.js';
import type { Params } from '../../domain/optimizer/space.js';
import type { WalkForwardReport } from '../../domain/optimizer/walk-forward-run.js';
import { encodeFloat64 } from './float-codec.js';
import { summaryData } from './trial-records.js';

const n = (x: number | null | undefined): number | null =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;

/** The report as event data: non-finite statistics become null, per JSON and the gate events' rule. */
export const completedData = (
  c: OptimizerRunStartedData,
  r: WalkForwardReport<Params>,
  gates: GateEvaluation,
): OptimizerRunCompletedData => ({
  runId: c.runId,
  strategyId: c.strategyId,
  trials: r.trials,
  windows: r.windows.map((w) => ({
    index: w.index,
    inSample: w.window.inSample,
    outOfSample: w.window.outOfSample,
    trials: w.trials,
    selected: { ...w.selected },
    selectedFeasible: w.selectedFeasible,
    inSampleSummary: w.inSample ? summaryData(w.inSample) : null,
    outOfSampleSummary: w.outOfSample ? summaryData(w.outOfSample) : null,
    outOfSampleTrades: w.outOfSample?.trades ?? null,
    outOfSampleFailure: w.outOfSampleFailure,
    dsr: n(w.dsr?.dsr),
    pbo: n(w.pbo),
    pboNote: w.pboNote,
  })),
  candidate: { ...r.candidate },
  stitched: r.stitched
    ? { equity: encodeFloat64(r.stitched.equity), times: encodeFloat64(r.stitched.times) }
    : null,
  outOfSample: r.outOfSample ? summaryData(r.outOfSample) : null,
  outOfSampleTrades: r.outOfSampleTrades,
  efficiency: n(r.efficiency),
  stability: n(r.stability),
  evidence: {
    dsr: n(r.evidence.dsr),
    pbo: n(r.evidence.pbo),
    wfe: n(r.evidence.wfe),
    oosMaxDrawdown: n(r.evidence.oosMaxDrawdown),
    oosTrades: r.evidence.oosTrades,
    oosSharpe: n(r.evidence.oosSharpe),
    parameterStability: n(r.evidence.parameterStability),
    oosTradesPerDay: n(r.evidence.oosTradesPerDay),
    oosCostCoverage: n(r.evidence.oosCostCoverage),
  },
  proposalId: c.runId,
  verdict: gates.verdict,
  gates: gates.gates.map((g) => ({ ...g })),
});
