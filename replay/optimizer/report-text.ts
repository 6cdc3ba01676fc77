import type { OptimizerRunCompletedData, RunSummaryData } from '../../domain/optimizer/events.js';

const pct = (x: number | null | undefined) =>
  x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(2)}%`;
const num = (x: number | null | undefined, dp = 2) => (x === null || x === undefined ? 'n/a' : x.toFixed(dp));
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const params = (p: Readonly<Record<string, unknown>>): string =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)}`)
    .join(' ');

const kpis = (s: RunSummaryData | null, trades: number | null): string =>
  s
    ? `return ${pct(s.totalReturn)}  Sharpe ${num(s.sharpe)}  maxDD ${pct(s.maxDrawdown)}${trades === null ? '' : `  trades ${trades}`}`
    : 'n/a';

/** What a person reads after a run: each window's winner and its out-of-sample result, then the gates. */
export const formatRunReport = (d: OptimizerRunCompletedData, promotedVersion: number | null): string => {
  const lines: string[] = [];
  lines.push(`run ${d.runId}: ${d.trials} trials over ${d.windows.length} walk-forward window(s)`);
  for (const w of d.windows) {
    lines.push(
      `window ${w.index}  IS ${day(w.inSample.start)}..${day(w.inSample.end)}  OOS ${day(w.outOfSample.start)}..${day(w.outOfSample.end)}  trials ${w.trials}`,
    );
    lines.push(
      `  best   ${params(w.selected)}${w.selectedFeasible ? '' : '  (infeasible: no trial met the constraints)'}`,
    );
    lines.push(`  IS     ${kpis(w.inSampleSummary, null)}`);
    lines.push(
      `  OOS    ${w.outOfSampleFailure ? `failed: ${w.outOfSampleFailure}` : kpis(w.outOfSampleSummary, w.outOfSampleTrades)}`,
    );
    lines.push(`  DSR ${num(w.dsr, 3)}  PBO ${num(w.pbo, 3)}${w.pboNote ? ` (${w.pboNote})` : ''}`);
  }
  lines.push(`stitched OOS: ${kpis(d.outOfSample, d.outOfSampleTrades)}`);
  lines.push(`walk-forward efficiency ${num(d.efficiency)}  parameter stability ${num(d.stability)}`);
  lines.push(`DSR ${num(d.evidence.dsr, 3)}  PBO ${num(d.evidence.pbo, 3)}  (last window: the candidate's)`);
  lines.push('gates:');
  for (const g of d.gates) {
    lines.push(
      `  ${g.gate.padEnd(20)} ${num(g.value, 4).padStart(10)} ${g.comparator} ${g.threshold === null ? '—' : String(g.threshold)}  ${g.verdict}`,
    );
  }
  lines.push(`candidate: ${params(d.candidate)}`);
  lines.push(
    d.verdict === 'pass'
      ? promotedVersion !== null
        ? `verdict: PROMOTED as version ${promotedVersion}`
        : 'verdict: PASSED, held: pending for a canary or an approver'
      : `verdict: REJECTED (${d.gates
          .filter((g) => g.verdict === 'fail')
          .map((g) => g.gate)
          .join(', ')})`,
  );
  return lines.join('\n');
};
